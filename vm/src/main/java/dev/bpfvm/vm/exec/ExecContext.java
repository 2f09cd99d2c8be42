package dev.bpfvm.vm.exec;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import java.util.HashMap;
import java.util.Map;

/**
 * One thread's place to run programs: the virtual CPU, the stack, the instruction budget, the
 * trace sink, and what helpers report (current task, current cgroup, and other attachments).
 * Not thread-safe: one per thread (or per virtual CPU driven by one thread at a time).
 *
 * <p>The stack is one region of {@link #MAX_FRAMES} × 512 bytes; frame {@code k} (0 = the
 * program's entry) has {@code r10 = stack + (MAX_FRAMES - k) * 512}, so a callee may use a
 * pointer into its caller's frame as Linux allows.
 */
public final class ExecContext {
    public static final int MAX_FRAMES = 8;
    public static final int FRAME_SIZE = 512;
    /** Linux's MAX_TAIL_CALL_CNT. */
    public static final int MAX_TAIL_CALLS = 33;

    private final BpfRuntime runtime;
    private final Region stack;
    private int cpu;
    private TraceSink trace = TraceSink.NONE;
    private boolean tracing;
    private final Map<Class<?>, Object> attachments = new HashMap<>();

    // run state, owned by the executing tier
    long budgetLeft;
    long executed;
    int depth;                 // current frame depth while a program runs (0 = entry frame)
    Program tailCallTarget;    // set by bpf_tail_call, consumed by the tier
    int tailCalls;
    boolean running;
    /** may_goto counters per frame (Linux keeps one per call in the frame's stack). */
    final long[] mayGoto = new long[MAX_FRAMES];
    boolean legacyExit;        // set when a legacy packet load ended the program (see Interpreter.runFrame)
    private Tier lastTier = Tier.INTERPRETER;
    private Object tierState;  // owned by a compiling tier (per-context state of compiled code)

    ExecContext(BpfRuntime runtime, int cpu) {
        this.runtime = runtime;
        this.cpu = checkCpu(runtime, cpu);
        this.stack = runtime.memory().register(
                Region.of(Region.Kind.STACK, "stack", new byte[MAX_FRAMES * FRAME_SIZE]).build());
    }

    private static int checkCpu(BpfRuntime rt, int cpu) {
        if (cpu < 0 || cpu >= rt.cpus()) {
            throw new IllegalArgumentException("cpu " + cpu + " out of range 0.." + (rt.cpus() - 1));
        }
        return cpu;
    }

    public BpfRuntime runtime() {
        return runtime;
    }

    public AddressSpace memory() {
        return runtime.memory();
    }

    public int cpu() {
        return cpu;
    }

    public ExecContext cpu(int newCpu) {
        this.cpu = checkCpu(runtime, newCpu);
        return this;
    }

    public Region stackRegion() {
        return stack;
    }

    /** r10 of frame {@code k}. */
    public long framePointer(int k) {
        return stack.address((MAX_FRAMES - k) * FRAME_SIZE);
    }

    public TraceSink trace() {
        return trace;
    }

    /** Sets where printk output and (with {@code steps}) per-instruction steps go. */
    public ExecContext trace(TraceSink sink, boolean steps) {
        this.trace = sink == null ? TraceSink.NONE : sink;
        this.tracing = steps && sink != null;
        return this;
    }

    public boolean tracingSteps() {
        return tracing;
    }

    /** Instructions executed by the last (or current) run. */
    public long executed() {
        return executed;
    }

    /** Current frame depth while running (0 in the entry frame). */
    public int depth() {
        return depth;
    }

    public <T> ExecContext attach(Class<T> type, T value) {
        if (value == null) {
            attachments.remove(type);
        } else {
            attachments.put(type, value);
        }
        return this;
    }

    /** What the embedder attached (current task, cgroup, packet, ...), or null. */
    public <T> T attachment(Class<T> type) {
        return type.cast(attachments.get(type));
    }

    /** Called by {@code bpf_tail_call}: after the helper returns, the run continues in target. */
    public boolean requestTailCall(Program target) {
        if (tailCalls >= MAX_TAIL_CALLS) {
            return false;
        }
        tailCallTarget = target;
        return true;
    }

    /** Zeroes the whole stack (Linux does not, but deterministic runs are worth it). */
    public void clearStack() {
        java.util.Arrays.fill(stack.data(), (byte) 0);
    }

    /**
     * Runs a program from its entry with r1-r5 set, in this context: in its compiled code if it
     * has some (and steps are not traced), else in the interpreter. Re-entrant from helpers is
     * not allowed here: use {@link #callFunction} for callbacks.
     */
    public long run(Program p, long r1, long r2, long r3, long r4, long r5) {
        if (running) {
            throw new IllegalStateException("context already running a program");
        }
        running = true;
        budgetLeft = runtime.budget();
        executed = 0;
        tailCalls = 0;
        tailCallTarget = null;
        try {
            CompiledCode code = p.compiledCode();
            if (code == null) {
                Tiering t = runtime.tiering();
                long runs = p.recordInterpretedRun();
                if (t != null) {
                    t.interpreting(p, runs);
                    code = p.compiledCode();
                }
            }
            if (code != null && !tracing) {
                lastTier = Tier.JIT;
                return code.call(this, 0, 0, r1, r2, r3, r4, r5);
            }
            lastTier = Tier.INTERPRETER;
            return Interpreter.execute(p, this, 0, 0, r1, r2, r3, r4, r5);
        } finally {
            running = false;
            depth = 0;
        }
    }

    /**
     * Calls a BPF function pointer (a callback of bpf_loop, for_each_map_elem, timers) from a
     * helper, in a new frame below the current one; returns its r0.
     */
    public long callFunction(long fnPtr, long r1, long r2, long r3, long r4, long r5) {
        Region r = memory().regionAt(fnPtr);
        if (r == null || r.kind() != Region.Kind.CODE || !(r.owner() instanceof Program)) {
            throw new BpfException(Errno.EFAULT, "0x" + Long.toHexString(fnPtr) + " is not a function pointer");
        }
        Program p = (Program) r.owner();
        int pc = AddressSpace.offsetOf(fnPtr);
        if (pc < 0 || pc >= p.slotCount()) {
            throw new BpfException(Errno.EFAULT, "function pointer 0x" + Long.toHexString(fnPtr) + " out of range");
        }
        int saved = depth;
        if (saved + 1 >= MAX_FRAMES) {
            throw new BpfException(Errno.E2BIG, "call stack too deep: more than " + MAX_FRAMES + " frames");
        }
        try {
            CompiledCode code = p.compiledCode();
            if (code != null && !tracing) {
                return code.call(this, pc, saved + 1, r1, r2, r3, r4, r5);
            }
            return Interpreter.execute(p, this, pc, saved + 1, r1, r2, r3, r4, r5);
        } finally {
            depth = saved;
        }
    }

    // ---- for execution tiers (compiled code keeps these in step with the interpreter) ----

    /** The tier that ran the last (or current) {@link #run}. */
    public Tier lastTier() {
        return lastTier;
    }

    /** The instruction budget of the current run. */
    public long runBudget() {
        return budgetLeft;
    }

    /** Sets the executed-instruction count of the current run (for execution tiers). */
    public void executed(long count) {
        this.executed = count;
    }

    /** Sets the current frame depth, as helpers see it (for execution tiers). */
    public void depth(int d) {
        this.depth = d;
    }

    /**
     * Consumes a tail call requested by the helper that just returned: returns its target (and
     * counts it), or null. For execution tiers.
     */
    public Program takeTailCall() {
        Program t = tailCallTarget;
        if (t != null) {
            tailCallTarget = null;
            tailCalls++;
        }
        return t;
    }

    /** Per-context state owned by a compiling tier, or null. */
    public Object tierState() {
        return tierState;
    }

    public void tierState(Object state) {
        this.tierState = state;
    }
}
