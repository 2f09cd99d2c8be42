package dev.bpfvm.testprogs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.kernel.iter.CgroupIterOrder;
import dev.bpfvm.kernel.statsmap.CgroupStatsMap;
import dev.bpfvm.kernel.statsmap.ProgramAggregator;
import dev.bpfvm.kernel.syscall.Bpf;
import dev.bpfvm.kernel.syscall.BpfProcess;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * stats_agg: a CGROUP_STATS map with struct values whose totals the {@code combine} aggregator
 * program (SEC("cgroup_stats_agg/agg_stats")) builds: attaches summed, busiest the largest own
 * count in the subtree. Attached with LINK_CREATE (target_fd = the map), detached with the link.
 */
class StatsAggTest {
    private static final String CG = "/sys/fs/cgroup";

    private final EmulatedKernel kernel = new EmulatedKernel();
    private final Bpf bpf = kernel.bpf();
    private final BpfProcess proc = bpf.process(EmulatedKernel.INIT_PID);
    private Bpf.LoadedObject obj;
    private int pins;

    private void setUp(String file) {
        for (String d : new String[] {"a", "a/a1", "a/a1/x", "a/a2", "b", "b/b1"}) {
            kernel.mkdir(CG + "/" + d);
        }
        for (int pid = 100; pid <= 105; pid++) {
            kernel.spawn(pid, "task" + pid, 1000, 1000, CG);
        }
        obj = bpf.objectLoad(proc, file, TestObjects.bytes(file));
        bpf.attachAuto(proc, obj.progFds().get("counter"), Bpf.LinkOpts.NONE);
        bpf.bpffs().mkdir("/sys/fs/bpf/agg");
        // the moves of StatsMapTest, then three more into b: own counts / 1 a1, 2 x, 2 a2, 4 b, 2 b1
        String[][] moves = {{"0", "100", "a/a1/x"}, {"1", "101", "a/a1/x"}, {"2", "102", "a/a1"}, {"3", "103", "a/a2"},
            {"0", "104", "b/b1"}, {"1", "105", "b"}, {"2", "100", "a/a2"}, {"3", "101", "b/b1"},
            {"0", "103", "b"}, {"1", "102", "b"}, {"2", "100", "b"}};
        for (String[] m : moves) {
            kernel.cpu(Integer.parseInt(m[0])).write(CG + "/" + m[2] + "/cgroup.procs", m[1]);
        }
    }

    private String dump() {
        int cg = bpf.openCgroup(proc, CG);
        int link = bpf.attachAuto(proc, obj.progFds().get("dumper"), Bpf.LinkOpts.cgroupIter(cg, 0,
                CgroupIterOrder.DESCENDANTS_PRE));
        String path = "/sys/fs/bpf/agg/" + (pins++);
        bpf.objPin(proc, link, path);
        bpf.close(proc, link);
        bpf.close(proc, cg);
        return kernel.cat(path);
    }

    private int mapFd() {
        return obj.mapFds().get("agg_stats");
    }

    @ParameterizedTest
    @ValueSource(strings = {"stats_agg.o", "stats_agg.v1.o", "stats_agg.v2.o", "stats_agg.clang14.o",
        "stats_agg.clang15.o", "stats_agg.clang16.o"})
    void theAggregatorCombinesChildrenIntoParents(String file) {
        setUp(file);
        assertThat(bpf.program(proc, obj.progFds().get("combine")).type()).isEqualTo(ProgramType.CGROUP_STATS_AGG);
        // no aggregator yet: u64 sums of both fields
        assertThat(dump()).startsWith("cg_id: 1, attaches: 11, busiest: 11\n");
        int link = bpf.attachAuto(proc, obj.progFds().get("combine"), Bpf.LinkOpts.target(mapFd()));
        assertThat(bpf.linkInfo(proc, link).id()).isPositive();
        assertThat(dump()).isEqualTo("""
                cg_id: 1, attaches: 11, busiest: 4
                cg_id: 2, attaches: 5, busiest: 2
                cg_id: 3, attaches: 3, busiest: 2
                cg_id: 4, attaches: 2, busiest: 2
                cg_id: 5, attaches: 2, busiest: 2
                cg_id: 6, attaches: 6, busiest: 4
                cg_id: 7, attaches: 2, busiest: 2
                """);
        CgroupStatsMap m = (CgroupStatsMap) bpf.map(proc, mapFd());
        ProgramAggregator agg = (ProgramAggregator) m.aggregator();
        assertThat(agg.runs()).isEqualTo(6);           // one per child: a, b, a1, a2, x, b1
        assertThat(agg.faults()).isEmpty();
        // a new attach under a1 and a removed b1: only the updated paths are recombined
        kernel.cpu(3).write(CG + "/a/a1/cgroup.procs", "104");
        kernel.cpu(0).write(CG + "/cgroup.procs", "101");
        kernel.rmdir(CG + "/b/b1");
        assertThat(dump()).isEqualTo("""
                cg_id: 1, attaches: 13, busiest: 4
                cg_id: 2, attaches: 6, busiest: 2
                cg_id: 3, attaches: 4, busiest: 2
                cg_id: 4, attaches: 2, busiest: 2
                cg_id: 5, attaches: 2, busiest: 2
                cg_id: 6, attaches: 6, busiest: 4
                """);
        // detaching the link puts u64 sums back
        bpf.linkDetach(proc, link);
        assertThat(m.aggregator()).isNull();
        assertThat(dump()).startsWith("cg_id: 1, attaches: 13, busiest: 13\n");
        assertThat(kernel.tracing().faults()).isEmpty();
    }

    @Test
    void linkCreateErrors() {
        setUp("stats_agg.o");
        int prog = obj.progFds().get("combine");
        int link = bpf.attachAuto(proc, prog, Bpf.LinkOpts.target(mapFd()));
        errno(Errno.EBUSY, () -> bpf.attachAuto(proc, prog, Bpf.LinkOpts.target(mapFd())));
        bpf.close(proc, link);
        assertThat(((CgroupStatsMap) bpf.map(proc, mapFd())).aggregator()).isNull();
        errno(Errno.EBADF, () -> bpf.attachAuto(proc, prog, Bpf.LinkOpts.target(99)));
        errno(Errno.EINVAL, () -> bpf.linkCreate(proc, prog, AttachType.TRACE_ITER, Bpf.LinkOpts.target(mapFd())));
        errno(Errno.EINVAL, () -> bpf.linkCreate(proc, obj.progFds().get("counter"), AttachType.CGROUP_STATS_AGG,
                Bpf.LinkOpts.target(mapFd())));
        // a map without BPF_F_STATS_AGG_PROG, and one of another value size
        int plain = bpf.mapCreate(proc, MapAttr.builder(MapType.CGROUP_STATS, 8, 16, 0).mapExtra(1).build());
        errno(Errno.EINVAL, () -> bpf.attachAuto(proc, prog, Bpf.LinkOpts.target(plain)));
        int wide = bpf.mapCreate(proc, MapAttr.builder(MapType.CGROUP_STATS, 8, 24, 0).mapExtra(1)
                .flags(CgroupStatsMap.BPF_F_STATS_AGG_PROG).build());
        assertThatThrownBy(() -> bpf.attachAuto(proc, prog, Bpf.LinkOpts.target(wide)))
                .isInstanceOfSatisfying(KernelException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                    assertThat(e.getMessage()).contains("verified for value_size 16").contains("has value_size 24");
                });
        // without CAP_BPF (the permission model on): EPERM
        kernel.privileges();
        kernel.spawn(2000, "user", 1000, 1000, CG);
        BpfProcess user = bpf.process(2000);
        errno(Errno.EPERM, () -> bpf.linkCreate(user, prog, AttachType.CGROUP_STATS_AGG, Bpf.LinkOpts.target(mapFd())));
    }

    private static void errno(Errno want, org.junit.jupiter.api.function.Executable e) {
        assertThatThrownBy(e::execute).isInstanceOfSatisfying(KernelException.class,
                x -> assertThat(x.errno()).isEqualTo(want));
    }
}
