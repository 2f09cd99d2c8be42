package dev.bpfvm.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.kernel.cgroup.Cgroup;
import dev.bpfvm.kernel.rstat.Rstat;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.object.AttachType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RstatTest extends KernelTesting {
    /** Records (cgrp id, parent id or 0, cpu). */
    static final String FLUSHER = """
            mov r6, r1
            ldxdw r1, [r6+0]
            ldxdw r1, [r1+{cgroup.kn}]
            ldxdw r1, [r1+{kernfs_node.id}]
            mov r2, 0
            ldxdw r3, [r6+8]
            jeq r3, 0, +2
            ldxdw r3, [r3+{cgroup.kn}]
            ldxdw r2, [r3+{kernfs_node.id}]
            ldxdw r3, [r6+16]
            call kfunc record
            mov r0, 0
            exit
            """;

    private final Rstat rstat = kernel.rstat();
    private Cgroup root;
    private Cgroup a;
    private Cgroup b;
    private Cgroup c;
    private Cgroup d;
    private Cgroup e;

    @BeforeEach
    void tree() {
        root = kernel.cgroups().root();
        a = kernel.mkdir("/sys/fs/cgroup/a");
        b = kernel.mkdir("/sys/fs/cgroup/a/b");
        c = kernel.mkdir("/sys/fs/cgroup/a/c");
        d = kernel.mkdir("/sys/fs/cgroup/d");
        e = kernel.mkdir("/sys/fs/cgroup/d/e");
        kernel.attach(tracing("flusher", AttachType.TRACE_FENTRY, "bpf_rstat_flush", FLUSHER), "fentry/bpf_rstat_flush");
    }

    private List<String> flushed() {
        List<String> out = new ArrayList<>();
        for (long[] r : records()) {
            out.add(r[0] + "<" + r[1] + "@" + r[2]);
        }
        records.clear();
        return out;
    }

    @Test
    void flushWalksEachCpusUpdatedSubtreeChildrenFirst() {
        rstat.updated(b, 0);
        rstat.updated(c, 0);
        rstat.updated(e, 1);
        rstat.updated(a, 2);
        rstat.updated(b, 0);   // already marked: nothing changes
        rstat.flush(root, 3, null);
        assertThat(flushed()).containsExactly(
                "4<2@0", "3<2@0", "2<1@0", "1<0@0",
                "6<5@1", "5<1@1", "1<0@1",
                "2<1@2", "1<0@2");
        assertThat(records()).isEmpty();
        rstat.flush(root, 0, null);
        assertThat(flushed()).isEmpty();
        assertThat(rstat.isUpdated(root, 0)).isFalse();
    }

    @Test
    void flushOfASubtreeLeavesTheRestMarked() {
        rstat.updated(b, 0);
        rstat.updated(e, 0);
        rstat.flush(a, 0, null);
        assertThat(flushed()).containsExactly("3<2@0", "2<1@0");
        assertThat(rstat.isUpdated(a, 0)).isFalse();
        assertThat(rstat.isUpdated(root, 0)).isTrue();
        assertThat(rstat.isUpdated(e, 0)).isTrue();
        rstat.flush(root, 0, null);
        assertThat(flushed()).containsExactly("6<5@0", "5<1@0", "1<0@0");
    }

    @Test
    void flushCostIsProportionalToTheUpdatedCgroups() {
        List<Cgroup> many = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            many.add(kernel.mkdir("/sys/fs/cgroup/d/e/n" + i));
        }
        long before = rstat.flushedCount();
        rstat.updated(many.get(10), 1);
        rstat.updated(many.get(500), 1);
        rstat.updated(many.get(999), 3);
        rstat.flush(root, 0, null);
        // cpu 1: two leaves + e + d + root; cpu 3: one leaf + e + d + root
        assertThat(rstat.flushedCount() - before).isEqualTo(9);
        assertThat(records()).hasSize(9);
    }

    @Test
    void removedCgroupIsFlushedIntoItsParentWhenReleased() {
        rstat.updated(b, 2);
        kernel.rmdir("/sys/fs/cgroup/a/b");
        assertThat(flushed()).containsExactly("3<2@2");
        assertThat(rstat.isUpdated(a, 2)).isTrue();
    }

    @Test
    void kfuncsOfBothFamiliesFromPrograms() {
        LoadedProgram upd = tracing("upd", AttachType.TRACE_FENTRY, "cgroup_mkdir", """
                mov r6, r1
                mov r2, 1
                call kfunc cgroup_rstat_updated
                mov r1, r6
                mov r2, 3
                call kfunc css_rstat_updated
                mov r0, 0
                exit
                """);
        kernel.cpus().run(0, null, upd, c.address());
        assertThat(rstat.isUpdated(c, 1)).isTrue();
        assertThat(rstat.isUpdated(c, 3)).isTrue();
        LoadedProgram flush = kernel.load("flush", dev.bpfvm.vm.object.ProgramType.TRACING, AttachType.TRACE_ITER,
                "cgroup", true, assemble("flush", """
                        call kfunc css_rstat_flush
                        mov r0, 0
                        exit
                        """));
        kernel.cpus().run(2, null, flush, a.cssAddress());
        assertThat(flushed()).containsExactly("4<2@1", "2<1@1", "4<2@3", "2<1@3");
        assertThat(records()).isEmpty();
        rstat.updated(c, 0);
        LoadedProgram notSleepable = tracing("ns", AttachType.TRACE_FENTRY, "cgroup_mkdir", """
                call kfunc cgroup_rstat_flush
                mov r0, 0
                exit
                """);
        assertThatThrownBy(() -> kernel.cpus().run(0, null, notSleepable, a.address()))
                .isInstanceOfSatisfying(BpfException.class, x -> assertThat(x.errno()).isEqualTo(Errno.EINVAL));
        assertThat(rstat.isUpdated(c, 0)).isTrue();
    }
}
