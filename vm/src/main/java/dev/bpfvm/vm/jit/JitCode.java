package dev.bpfvm.vm.jit;

import dev.bpfvm.vm.exec.CompiledCode;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;

/**
 * The compiled code of one program: the base class of the hidden class the JIT generates, whose
 * static methods are the program's BPF functions.
 */
public abstract class JitCode implements CompiledCode {
    private final Program program;
    private volatile CompileStats stats;

    protected JitCode(Program program) {
        this.program = program;
    }

    public Program program() {
        return program;
    }

    /** What the compiler produced (methods, bytecode sizes, time). */
    public CompileStats stats() {
        return stats;
    }

    void stats(CompileStats s) {
        this.stats = s;
    }

    @Override
    public final long call(ExecContext ctx, int pc, int depth, long r1, long r2, long r3, long r4, long r5) {
        JitState s = JitState.of(ctx);
        try {
            return pc == 0 ? top(s, depth, r1, r2, r3, r4, r5) : dispatch(s, pc, depth, 0, r1, r2, r3, r4, r5, 0, 0, 0, 0);
        } catch (LegacyExit e) {
            return 0;
        }
    }

    /**
     * Runs the function at slot {@code pc} as frame {@code depth} with registers r0-r9 (r10 from
     * the depth) and returns its r0, leaving its r1-r5 in the state. Slots without a compiled
     * function run in the interpreter.
     */
    /**
     * Runs the function at slot 0 for a caller that reads only r0 (a run, a callback): the
     * compiled class overrides it with a variant that does not leave r1-r5 in the state.
     */
    long top(JitState s, int depth, long r1, long r2, long r3, long r4, long r5) {
        return dispatch(s, 0, depth, 0, r1, r2, r3, r4, r5, 0, 0, 0, 0);
    }

    abstract long dispatch(JitState s, int pc, int depth, long r0, long r1, long r2, long r3, long r4,
                           long r5, long r6, long r7, long r8, long r9);
}
