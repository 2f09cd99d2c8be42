package dev.bpfvm.testprogs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.iter.CgroupIterOrder;
import dev.bpfvm.kernel.syscall.Bpf;
import dev.bpfvm.kernel.syscall.BpfProcess;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * cgroup_stats (our program of the shape of Linux's cgroup_hierarchical_stats selftest), in both
 * builds, over a 7-cgroup hierarchy three levels deep: per-CPU attach counters, rstat flushes
 * children-first, and pinned cgroup iterators printing exact hierarchical totals.
 */
class CgroupStatsTest {
    private static final String CG = "/sys/fs/cgroup";

    private EmulatedKernel kernel;
    private Bpf bpf;
    private BpfProcess proc;
    private Bpf.LoadedObject obj;

    private void setUp(String file) {
        kernel = new EmulatedKernel();
        bpf = kernel.bpf();
        proc = bpf.process(EmulatedKernel.INIT_PID);
        obj = bpf.objectLoad(proc, file, TestObjects.bytes(file));
        bpf.attachAuto(proc, obj.progFds().get("counter"), Bpf.LinkOpts.NONE);
        bpf.attachAuto(proc, obj.progFds().get("flusher"), Bpf.LinkOpts.NONE);
        for (String d : new String[] {"a", "a/a1", "a/a1/x", "a/a2", "b", "b/b1"}) {
            kernel.mkdir(CG + "/" + d);
        }
        for (int pid = 100; pid <= 105; pid++) {
            kernel.spawn(pid, "task" + pid, 1000, 1000, CG);
        }
        bpf.bpffs().mkdir("/sys/fs/bpf/cg");
    }

    private void move(int cpu, int pid, String dst) {
        kernel.cpu(cpu).write(CG + "/" + dst + "/cgroup.procs", Integer.toString(pid));
    }

    private String pin(String cgroup, CgroupIterOrder order, String name) {
        int cg = bpf.openCgroup(proc, CG + cgroup);
        int link = bpf.attachAuto(proc, obj.progFds().get("dumper"), Bpf.LinkOpts.cgroupIter(cg, 0, order));
        String path = "/sys/fs/bpf/cg/" + name;
        bpf.objPin(proc, link, path);
        bpf.close(proc, link);
        bpf.close(proc, cg);
        return path;
    }

    @ParameterizedTest
    @ValueSource(strings = {"cgroup_stats.o", "cgroup_stats.vmlinux.o", "cgroup_stats.clang14.o"})
    void hierarchicalTotalsAddUp(String file) {
        setUp(file);
        String x = pin("/a/a1/x", CgroupIterOrder.SELF_ONLY, "x");
        String all = pin("", CgroupIterOrder.DESCENDANTS_PRE, "all");
        move(0, 100, "a/a1/x");
        move(1, 101, "a/a1/x");
        move(2, 102, "a/a1");
        move(3, 103, "a/a2");
        move(0, 104, "b/b1");
        move(1, 105, "b");
        assertThat(kernel.cat(x)).isEqualTo("cg_id: 4, attach_counter: 2\n");
        move(2, 100, "a/a2");
        move(3, 101, "b/b1");
        assertThat(kernel.cat(all)).isEqualTo("""
                cg_id: 1, attach_counter: 8
                cg_id: 2, attach_counter: 5
                cg_id: 3, attach_counter: 3
                cg_id: 4, attach_counter: 2
                cg_id: 5, attach_counter: 2
                cg_id: 6, attach_counter: 3
                cg_id: 7, attach_counter: 2
                """);
        // counts only grow; a second reading adds what happened since
        move(1, 102, "a/a1/x");
        assertThat(kernel.cat(x)).isEqualTo("cg_id: 4, attach_counter: 3\n");
        assertThat(kernel.cat(all)).startsWith("cg_id: 1, attach_counter: 9\ncg_id: 2, attach_counter: 6\n");
        assertThat(kernel.tracing().faults()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"cgroup_stats.o", "cgroup_stats.vmlinux.o", "cgroup_stats.clang14.o"})
    void countsOfARemovedCgroupStayInItsParent(String file) {
        setUp(file);
        String all = pin("/b", CgroupIterOrder.DESCENDANTS_POST, "b");
        move(0, 104, "b/b1");
        move(1, 105, "b/b1");
        move(2, 105, "b");
        move(3, 104, "b");
        kernel.rmdir(CG + "/b/b1");
        assertThat(kernel.cat(all)).isEqualTo("cg_id: 6, attach_counter: 4\n");
        assertThat(kernel.tracing().faults()).isEmpty();
    }
}
