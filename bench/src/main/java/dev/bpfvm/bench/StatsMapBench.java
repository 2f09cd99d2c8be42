package dev.bpfvm.bench;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.cgroup.Cgroup;
import dev.bpfvm.kernel.statsmap.CgroupStatsMap;
import dev.bpfvm.kernel.syscall.Bpf;
import dev.bpfvm.kernel.syscall.BpfProcess;
import dev.bpfvm.kernel.load.MapView;
import dev.bpfvm.testprogs.TestObjects;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Update and flush cost of bpfvm's CGROUP_STATS map against the hash-map + rstat flusher +
 * iterator design, on {@link RstatBench}'s tree of 10^5 cgroups and its 100 leaves.
 *
 * <ul>
 *   <li>{@code design=iterator}: cgroup_stats.o, its {@code counter} (per-CPU hash map lookup,
 *       increment, {@code cgroup_rstat_updated}) and {@code flusher}
 *       ({@code fentry/bpf_rstat_flush}: per popped cgroup and CPU, two hash-map lookups);
 *       reading the root's total is {@code cgroup_rstat_flush(root)} + a hash-map lookup.
 *   <li>{@code design=map}: stats_map.o's {@code count} (one {@code bpf_cgroup_stats_update}
 *       call into a per-CPU, hierarchical CGROUP_STATS map); reading the root's total is a map
 *       lookup, which folds the map's updated cgroups.
 *   <li>{@code design=none}: no program, the cost of the 100 task moves themselves.
 * </ul>
 *
 * {@link #update100} moves a task to each of the 100 leaves (each move fires the
 * {@code cgroup_attach_task} tracepoint on CPU i % 4); {@link #update100ThenReadRoot} then
 * reads the root's hierarchical total. Their difference is the flush. Numbers: bench/README.md.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx3g")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class StatsMapBench {
    static final int PID = 100;

    @State(Scope.Benchmark)
    public static class Host {
        @Param({"iterator", "map", "none"})
        public String design;

        final EmulatedKernel kernel = new EmulatedKernel();
        final BpfProcess proc = kernel.bpf().process(EmulatedKernel.INIT_PID);
        final List<Cgroup> updated = new ArrayList<>();
        MapView totals;
        CgroupStatsMap map;

        @Setup(Level.Trial)
        public void setUp() {
            List<Cgroup> leaves = RstatBench.buildTree(kernel);
            for (int i = 0; i < RstatBench.UPDATED; i++) {
                updated.add(leaves.get((int) ((i * 7919L) % leaves.size())));
            }
            kernel.cgroups().spawn(PID, PID, 0, 0, "mover", kernel.cgroups().root());
            Bpf bpf = kernel.bpf();
            switch (design) {
                case "iterator": {
                    Bpf.LoadedObject o = bpf.objectLoad(proc, "cgroup_stats.o", TestObjects.bytes("cgroup_stats.o"));
                    bpf.attachAuto(proc, o.progFds().get("counter"), Bpf.LinkOpts.NONE);
                    bpf.attachAuto(proc, o.progFds().get("flusher"), Bpf.LinkOpts.NONE);
                    totals = o.object().map("attach_counters");
                    break;
                }
                case "map": {
                    // the object's other maps start at one leaf, so only attach_stats follows the whole tree
                    long leaf = leaves.get(0).id();
                    Bpf.LoadedObject o = bpf.objectLoad(proc, "stats_map.o", TestObjects.bytes("stats_map.o"), 0,
                            Map.of("flat_stats", leaf, "max_pid", leaf, "min_pid", leaf));
                    bpf.attachAuto(proc, o.progFds().get("count"), Bpf.LinkOpts.NONE);
                    map = (CgroupStatsMap) o.object().map("attach_stats").map();
                    break;
                }
                case "none":
                    break;
                default:
                    throw new IllegalArgumentException(design);
            }
        }

        void moves() {
            for (int i = 0; i < updated.size(); i++) {
                kernel.cpu(i % kernel.cpus().count()).cgroups().attach(updated.get(i), PID, false);
            }
        }

        /** The root's hierarchical total, as each design reads it. */
        long rootTotal() {
            Cgroup root = kernel.cgroups().root();
            switch (design) {
                case "iterator": {
                    kernel.rstat().flush(root, 0, null);
                    byte[] v = totals.lookup(MapView.encode(root.id(), 8));
                    return v == null ? 0 : MapView.decode(v, 0, 8);
                }
                case "map":
                    return map.totals(root.id())[0];
                default:
                    return 0;
            }
        }
    }

    /** 100 task moves, each counted by the design's program. */
    @Benchmark
    public void update100(Host h) {
        h.moves();
    }

    /** 100 counted moves, then the root's total (the flush of 100 leaves and their ancestors). */
    @Benchmark
    public long update100ThenReadRoot(Host h) {
        h.moves();
        return h.rootTotal();
    }
}
