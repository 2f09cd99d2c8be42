package dev.bpfvm.bench;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.LoadedProgram;
import dev.bpfvm.kernel.cgroup.Cgroup;
import dev.bpfvm.kernel.cgroup.CgroupTree;
import dev.bpfvm.vm.asm.Assembler;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * rstat on a large host: a tree of 10^5 cgroups (10 x 100 x 100, three levels), 100 leaves
 * marked updated across the CPUs, then {@code cgroup_rstat_flush} of the root with a
 * {@code fentry/bpf_rstat_flush} program attached. The flush must cost in proportion to the
 * updated cgroups (100 leaves + their ancestors per CPU), not the tree. {@link Memory}
 * reports heap bytes per cgroup (kernel objects included), which must stay at or below 1 KiB.
 * Measured on a shared 2-core machine: about 33 us per flush of 244 cgroups (one flush program
 * run each), about 680 bytes per cgroup.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RstatBench {
    static final int TOP = 10;
    static final int MID = 100;
    static final int LEAF = 100;
    static final int UPDATED = 100;

    /** Builds the tree; returns the leaves. */
    static List<Cgroup> buildTree(EmulatedKernel k) {
        CgroupTree t = k.cgroups();
        List<Cgroup> leaves = new ArrayList<>(TOP * MID * LEAF);
        for (int a = 0; a < TOP; a++) {
            t.mkdir("t" + a);
            for (int b = 0; b < MID; b++) {
                t.mkdir("t" + a + "/m" + b);
                for (int c = 0; c < LEAF; c++) {
                    leaves.add(t.mkdir("t" + a + "/m" + b + "/l" + c));
                }
            }
        }
        return leaves;
    }

    @State(Scope.Benchmark)
    public static class Host {
        final EmulatedKernel kernel = new EmulatedKernel();
        List<Cgroup> leaves;
        List<Cgroup> updated = new ArrayList<>();

        @Setup
        public void setUp() {
            leaves = buildTree(kernel);
            Program p = new Program("flusher", Assembler.assemble("ldxdw r0, [r1+16]\nmov r0, 0\nexit"));
            LoadedProgram lp = kernel.load("flusher", ProgramType.TRACING, AttachType.TRACE_FENTRY, "bpf_rstat_flush",
                    false, p);
            kernel.attach(lp, "fentry/bpf_rstat_flush");
            for (int i = 0; i < UPDATED; i++) {
                updated.add(leaves.get((int) ((i * 7919L) % leaves.size())));
            }
        }
    }

    /** Marks 100 leaves updated (on CPUs 0..3 in turn) and flushes the root: one op. */
    @Benchmark
    public long flush100Of100k(Host h) {
        EmulatedKernel k = h.kernel;
        int cpus = k.cpus().count();
        for (int i = 0; i < UPDATED; i++) {
            k.rstat().updated(h.updated.get(i), i % cpus);
        }
        k.rstat().flush(k.cgroups().root(), 0, null);
        return k.rstat().flushedCount();
    }

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class MemoryResult {
        public double bytesPerCgroup;
    }

    /**
     * Heap bytes per cgroup of a 10^5-cgroup kernel (measured: about 680). Run it with its one
     * annotated iteration: JMH sums EVENTS counters over iterations.
     */
    public static class Memory {
        @Benchmark
        @BenchmarkMode(Mode.SingleShotTime)
        @Warmup(iterations = 0)
        @Measurement(iterations = 1)
        public void heapPerCgroup(MemoryResult r) {
            long before = usedHeap();
            EmulatedKernel k = new EmulatedKernel();
            List<Cgroup> leaves = buildTree(k);
            long after = usedHeap();
            r.bytesPerCgroup = (after - before) / (double) k.cgroups().size();
            if (leaves.isEmpty()) {
                throw new IllegalStateException();
            }
        }
    }

    static long usedHeap() {
        Runtime r = Runtime.getRuntime();
        for (int i = 0; i < 4; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return r.totalMemory() - r.freeMemory();
    }
}
