package dev.bpfvm.kernel.statsmap;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.LoadedProgram;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import java.util.ArrayList;
import java.util.List;

/**
 * A CGROUP_STATS map's aggregator program ({@code BPF_PROG_TYPE_CGROUP_STATS_AGG}) as the
 * map's {@link CgroupStatsMap.Aggregator}: each combine runs the program on the kernel's current
 * CPU, like any program (interpreter or JIT), with r1 pointing at
 * {@code struct bpf_cgroup_stats_agg { void *parent; const void *child; }}: a writable copy of
 * the parent's value and a read-only copy of the child's, value_size bytes each. The parent's
 * value takes the copy back when the program returns 0. A program that faults or returns
 * anything else leaves the parent unchanged; its faults are kept ({@link #faults()}).
 */
public final class ProgramAggregator implements CgroupStatsMap.Aggregator, AutoCloseable {
    private final EmulatedKernel kernel;
    private final LoadedProgram program;
    private final AddressSpace memory;
    private final byte[] parent;
    private final byte[] child;
    private final Region parentRegion;
    private final Region childRegion;
    private final Region ctxRegion;
    private final List<BpfException> faults = new ArrayList<>();
    private long runs;

    public ProgramAggregator(EmulatedKernel kernel, LoadedProgram program, int valueSize) {
        this.kernel = kernel;
        this.program = program;
        this.memory = kernel.runtime().memory();
        this.parent = new byte[valueSize];
        this.child = new byte[valueSize];
        parentRegion = memory.register(Region.of(Region.Kind.MAP_VALUE, program.name() + ".parent", parent)
                .perms(Region.RW).build());
        childRegion = memory.register(Region.of(Region.Kind.MAP_VALUE, program.name() + ".child", child)
                .perms(Region.READ).build());
        byte[] ctx = new byte[16];
        put(ctx, 0, parentRegion.address());
        put(ctx, 8, childRegion.address());
        ctxRegion = memory.register(Region.of(Region.Kind.CTX, program.name() + ".ctx", ctx).perms(Region.READ).build());
    }

    private static void put(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    @Override
    public synchronized void combine(byte[] parentValue, byte[] childValue) {
        System.arraycopy(parentValue, 0, parent, 0, parent.length);
        System.arraycopy(childValue, 0, child, 0, child.length);
        runs++;
        long r0;
        try {
            r0 = kernel.cpus().run(kernel.cpu(), null, program, ctxRegion.address());
        } catch (BpfException e) {
            faults.add(e);
            return;
        }
        if (r0 == 0) {
            System.arraycopy(parent, 0, parentValue, 0, parent.length);
        }
    }

    /** The program this aggregator runs. */
    public LoadedProgram program() {
        return program;
    }

    /** Program runs so far. */
    public synchronized long runs() {
        return runs;
    }

    /** The faults of its runs (each left its parent unchanged). */
    public synchronized List<BpfException> faults() {
        return List.copyOf(faults);
    }

    /** Frees the value copies and the context. */
    @Override
    public synchronized void close() {
        memory.unregister(ctxRegion);
        memory.unregister(childRegion);
        memory.unregister(parentRegion);
    }
}
