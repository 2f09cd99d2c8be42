package dev.bpfvm.vm.exec;

/**
 * A program's compiled form, produced by a compiling tier ({@code dev.bpfvm.vm.jit}) and
 * installed with {@link Program#installCompiledCode}. It must behave exactly as the
 * {@link Interpreter}: same r0, memory effects, executed count and faults.
 */
public interface CompiledCode {
    /**
     * Runs the function starting at slot {@code pc} as frame {@code depth} until its exit, as
     * the interpreter does for a run or a callback: r1-r5 given, r0 and r6-r9 zero, r10 the
     * frame's pointer. The context's executed count is the count so far; on return (or fault)
     * it includes what this call executed.
     */
    long call(ExecContext ctx, int pc, int depth, long r1, long r2, long r3, long r4, long r5);
}
