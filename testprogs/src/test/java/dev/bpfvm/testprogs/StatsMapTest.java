package dev.bpfvm.testprogs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.kernel.iter.CgroupIterOrder;
import dev.bpfvm.kernel.statsmap.CgroupStatsMap;
import dev.bpfvm.kernel.syscall.Bpf;
import dev.bpfvm.kernel.syscall.BpfProcess;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.spi.MapType;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * stats_map (bpfvm's CGROUP_STATS map) over the hierarchy and events of {@link CgroupStatsTest}:
 * the map gives the same totals as cgroup_stats' hash maps + rstat flusher + iterator, and its
 * extensions (NO_PERCPU | NO_HIERARCHY, AGG_MAX, AGG_MIN) give exact values too.
 */
class StatsMapTest {
    private static final String CG = "/sys/fs/cgroup";
    private static final String[] DIRS = {"a", "a/a1", "a/a1/x", "a/a2", "b", "b/b1"};

    private final EmulatedKernel kernel = new EmulatedKernel();
    private final Bpf bpf = kernel.bpf();
    private final BpfProcess proc = bpf.process(EmulatedKernel.INIT_PID);

    private Bpf.LoadedObject load(String file) {
        Bpf.LoadedObject obj = bpf.objectLoad(proc, file, TestObjects.bytes(file));
        bpf.attachAuto(proc, obj.progFds().get("counter"), Bpf.LinkOpts.NONE);
        if (obj.progFds().containsKey("flusher")) {
            bpf.attachAuto(proc, obj.progFds().get("flusher"), Bpf.LinkOpts.NONE);
        }
        return obj;
    }

    private void hierarchy() {
        for (String d : DIRS) {
            kernel.mkdir(CG + "/" + d);
        }
        for (int pid = 100; pid <= 105; pid++) {
            kernel.spawn(pid, "task" + pid, 1000, 1000, CG);
        }
    }

    private void move(int cpu, int pid, String dst) {
        kernel.cpu(cpu).write(CG + "/" + dst + "/cgroup.procs", Integer.toString(pid));
    }

    /** The events of cgroup_stats.scenario and CgroupStatsTest. */
    private void events() {
        move(0, 100, "a/a1/x");
        move(1, 101, "a/a1/x");
        move(2, 102, "a/a1");
        move(3, 103, "a/a2");
        move(0, 104, "b/b1");
        move(1, 105, "b");
        move(2, 100, "a/a2");
        move(3, 101, "b/b1");
    }

    private int pins;

    /** Reads a pre-order cgroup iterator of {@code prog} over the whole tree (pinned, then cat). */
    private String iterate(Bpf.LoadedObject obj, String prog) {
        if (pins == 0) {
            bpf.bpffs().mkdir("/sys/fs/bpf/sm");
        }
        int cg = bpf.openCgroup(proc, CG);
        int link = bpf.attachAuto(proc, obj.progFds().get(prog), Bpf.LinkOpts.cgroupIter(cg, 0,
                CgroupIterOrder.DESCENDANTS_PRE));
        String path = "/sys/fs/bpf/sm/" + (pins++);
        bpf.objPin(proc, link, path);
        bpf.close(proc, link);
        bpf.close(proc, cg);
        return kernel.cat(path);
    }

    private static final String TOTALS = """
            cg_id: 1, attach_counter: 8
            cg_id: 2, attach_counter: 5
            cg_id: 3, attach_counter: 3
            cg_id: 4, attach_counter: 2
            cg_id: 5, attach_counter: 2
            cg_id: 6, attach_counter: 3
            cg_id: 7, attach_counter: 2
            """;

    @ParameterizedTest
    @ValueSource(strings = {"stats_map.o", "stats_map.v2.o", "stats_map.v4.o", "stats_map.clang14.o", "stats_map.clang16.o"})
    void theMapGivesTheIteratorDesignsTotals(String file) {
        hierarchy();
        Bpf.LoadedObject map = load(file);
        Bpf.LoadedObject iter = load("cgroup_stats.o");
        events();
        assertThat(iterate(map, "dumper")).isEqualTo(TOTALS);
        assertThat(iterate(iter, "dumper")).isEqualTo(TOTALS);
        assertThat(iterate(map, "details")).isEqualTo("""
                cg_id: 1, total: 8, own: 0, pids: 100..105
                cg_id: 2, total: 5, own: 0, pids: 100..103
                cg_id: 3, total: 3, own: 1, pids: 100..102
                cg_id: 4, total: 2, own: 2, pids: 100..101
                cg_id: 5, total: 2, own: 2, pids: 100..103
                cg_id: 6, total: 3, own: 1, pids: 101..105
                cg_id: 7, total: 2, own: 2, pids: 101..104
                """);
        // a later attach and a removed cgroup: both designs still agree
        move(1, 102, "a/a1/x");
        move(0, 101, "/");
        move(0, 104, "/");
        kernel.rmdir(CG + "/b/b1");
        String after = iterate(iter, "dumper");
        assertThat(after).isEqualTo("""
                cg_id: 1, attach_counter: 11
                cg_id: 2, attach_counter: 6
                cg_id: 3, attach_counter: 4
                cg_id: 4, attach_counter: 3
                cg_id: 5, attach_counter: 2
                cg_id: 6, attach_counter: 3
                """);
        assertThat(iterate(map, "dumper")).isEqualTo(after);
        assertThat(kernel.tracing().faults()).isEmpty();
    }

    @Test
    void userSpaceReadsTheSameTotals() {
        hierarchy();
        Bpf.LoadedObject obj = load("stats_map.o");
        events();
        int fd = obj.mapFds().get("attach_stats");
        assertThat(bpf.map(proc, fd).attr().type()).isEqualTo(MapType.CGROUP_STATS);
        assertThat(((CgroupStatsMap) bpf.map(proc, fd)).totals(2)).containsExactly(5);
        assertThat(((CgroupStatsMap) bpf.map(proc, obj.mapFds().get("max_pid"))).totals(6)).containsExactly(105);
        assertThatThrownBy(() -> bpf.mapUpdateElem(proc, fd, new byte[8], new byte[8], 0))
                .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPERM));
    }

    @Test
    void mapExtraSetBeforeLoadChoosesTheInitialCgroup() {
        hierarchy();
        long b = kernel.cgroup(CG + "/b").id();
        Bpf.LoadedObject obj = bpf.objectLoad(proc, "stats_map.o", TestObjects.bytes("stats_map.o"), 0,
                Map.of("attach_stats", b));
        bpf.attachAuto(proc, obj.progFds().get("counter"), Bpf.LinkOpts.NONE);
        events();
        CgroupStatsMap m = (CgroupStatsMap) bpf.map(proc, obj.mapFds().get("attach_stats"));
        assertThat(m.attr().mapExtra()).isEqualTo(b);
        assertThat(m.cgroupIds()).containsExactly(6L, 7L);
        assertThat(m.totals(6)).containsExactly(3);
        // the others keep the object's map_extra (the root)
        assertThat(((CgroupStatsMap) bpf.map(proc, obj.mapFds().get("flat_stats"))).cgroupIds()).hasSize(7);
        assertThatThrownBy(() -> bpf.objectLoad(proc, "stats_map.o", TestObjects.bytes("stats_map.o"), 0,
                Map.of("attach_stats", 999L)))
                .isInstanceOfSatisfying(KernelException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    assertThat(e.getMessage()).contains("attach_stats").contains("map_extra 999 is not a cgroup id");
                });
        assertThatThrownBy(() -> bpf.objectLoad(proc, "stats_map.o", TestObjects.bytes("stats_map.o"), 0,
                Map.of("nope", 1L)))
                .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    @Test
    void anUnprivilegedUserReadsAPinnedMapItMayOpenButCannotWriteIt() {
        hierarchy();
        Bpf.LoadedObject obj = load("stats_map.o");
        events();
        bpf.bpffs().mkdir("/sys/fs/bpf/shared");
        bpf.objPin(proc, obj.mapFds().get("attach_stats"), "/sys/fs/bpf/shared/attach_stats");
        kernel.privileges();
        kernel.spawn(2000, "user", 1000, 1000, CG);
        BpfProcess user = bpf.process(2000);
        kernel.actAs(2000);
        assertThatThrownBy(() -> bpf.objGet(user, "/sys/fs/bpf/shared/attach_stats"))
                .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EACCES));
        kernel.actAs(EmulatedKernel.INIT_PID);
        kernel.chmod("/sys/fs/bpf/shared/attach_stats", 0666);
        kernel.actAs(2000);
        int fd = bpf.objGet(user, "/sys/fs/bpf/shared/attach_stats");
        byte[] key = {6, 0, 0, 0, 0, 0, 0, 0};
        assertThat(bpf.mapLookupElem(user, fd, key, 0)).containsExactly(3, 0, 0, 0, 0, 0, 0, 0);
        assertThatThrownBy(() -> bpf.mapUpdateElem(user, fd, key, new byte[8], 0))
                .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPERM));
    }
}
