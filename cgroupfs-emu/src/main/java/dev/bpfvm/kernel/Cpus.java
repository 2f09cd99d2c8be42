package dev.bpfvm.kernel;

import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.TraceSink;
import dev.bpfvm.vm.spi.AttachCookie;
import dev.bpfvm.vm.spi.TaskView;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The virtual CPUs programs run on. Each CPU keeps a pool of execution contexts so that a
 * program may cause another to run on the same CPU while it runs (a flush kfunc running the
 * {@code bpf_rstat_flush} programs, as Linux nests them), each with its own stack.
 */
public final class Cpus {
    /** What a running program is, for kfuncs that care (sleepable only). */
    public record Running(LoadedProgram program) {}

    private final BpfRuntime runtime;
    private final List<ArrayDeque<ExecContext>> pools = new ArrayList<>();
    private volatile TraceSink trace = TraceSink.NONE;

    Cpus(BpfRuntime runtime) {
        this.runtime = runtime;
        for (int i = 0; i < runtime.cpus(); i++) {
            pools.add(new ArrayDeque<>());
        }
    }

    public int count() {
        return runtime.cpus();
    }

    void trace(TraceSink sink) {
        this.trace = sink == null ? TraceSink.NONE : sink;
    }

    /**
     * Runs {@code p} from its entry on virtual CPU {@code cpu} with {@code current} as the
     * current task (may be null) and r1 = {@code ctx}; returns r0. A fault propagates as
     * {@code BpfException}.
     */
    public long run(int cpu, TaskView current, LoadedProgram p, long ctx) {
        return run(cpu, current, p, ctx, 0);
    }

    /** As {@link #run(int, TaskView, LoadedProgram, long)}, with the link's BPF cookie. */
    public long run(int cpu, TaskView current, LoadedProgram p, long ctx, long cookie) {
        if (cpu < 0 || cpu >= runtime.cpus()) {
            throw new KernelException(dev.bpfvm.vm.Errno.EINVAL, "cpu " + cpu + " out of range 0.." + (runtime.cpus() - 1));
        }
        ArrayDeque<ExecContext> pool = pools.get(cpu);
        ExecContext c;
        synchronized (pool) {
            c = pool.poll();
        }
        if (c == null) {
            c = runtime.newContext(cpu);
        }
        try {
            c.trace(trace, false);
            c.attach(TaskView.class, current);
            c.attach(Running.class, new Running(p));
            c.attach(AttachCookie.class, cookie == 0 ? null : new AttachCookie(cookie));
            return c.run(p.code(), ctx, 0, 0, 0, 0);
        } finally {
            c.attach(TaskView.class, null);
            c.attach(Running.class, null);
            c.attach(AttachCookie.class, null);
            synchronized (pool) {
                pool.push(c);
            }
        }
    }
}
