package dev.bpfvm.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.kernel.cgroup.Cgroup;
import dev.bpfvm.kernel.iter.CgroupIterOrder;
import dev.bpfvm.kernel.iter.CgroupIterator;
import dev.bpfvm.kernel.iter.SeqFile;
import dev.bpfvm.vm.Errno;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CgroupIteratorTest extends KernelTesting {
    private Cgroup root;
    private Cgroup a;
    private Cgroup b;

    @BeforeEach
    void tree() {
        root = kernel.cgroups().root();
        a = kernel.mkdir("/sys/fs/cgroup/a");
        b = kernel.mkdir("/sys/fs/cgroup/a/b");
        kernel.mkdir("/sys/fs/cgroup/a/c");
        kernel.mkdir("/sys/fs/cgroup/d");
    }

    /** Assembler lines storing {@code s} and a NUL at {@code [r10+off]} (off negative, 8-aligned room). */
    static String stackString(String s, int off) {
        byte[] b = (s + "\0").getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < b.length; i += 8) {
            long v = 0;
            for (int k = 0; k < 8 && i + k < b.length; k++) {
                v |= (b[i + k] & 0xffL) << (8 * k);
            }
            sb.append("lddw r0, 0x").append(Long.toHexString(v)).append('\n');
            sb.append("stxdw [r10").append(off + i).append("], r0\n");
        }
        return sb.toString();
    }

    /** Prints "cg ID #SEQNUM\n" per cgroup and "end\n" at the stop; returns {@code ret} when the id is {@code stopAt}. */
    private LoadedProgram printer(int stopAt) {
        return iter("dump", false, """
                mov r6, r1
                ldxdw r7, [r6+{bpf_iter__cgroup.cgroup}]
                ldxdw r8, [r6+{bpf_iter__cgroup.meta}]
                ldxdw r9, [r8+{bpf_iter_meta.seq}]
                jeq r7, 0, stop
                """ + stackString("cg %llu #%llu\n", -48) + """
                ldxdw r2, [r7+{cgroup.kn}]
                ldxdw r2, [r2+{kernfs_node.id}]
                stxdw [r10-16], r2
                ldxdw r3, [r8+{bpf_iter_meta.seq_num}]
                stxdw [r10-8], r3
                mov r1, r9
                mov r2, r10
                add r2, -48
                mov r3, 15
                mov r4, r10
                add r4, -16
                mov r5, 16
                call bpf_seq_printf
                ldxdw r2, [r10-16]
                mov r0, 0
                jne r2, STOPAT, +1
                mov r0, 1
                exit
                stop:
                """.replace("STOPAT", Integer.toString(stopAt)) + stackString("end\n", -48) + """
                mov r1, r9
                mov r2, r10
                add r2, -48
                mov r3, 4
                call bpf_seq_write
                mov r0, 0
                exit
                """);
    }

    private String cat(Cgroup start, CgroupIterOrder order, int stopAt) {
        CgroupIterator it = kernel.cgroupIterator(printer(stopAt), start, order);
        return new String(it.cat(), StandardCharsets.UTF_8);
    }

    @Test
    void ordersVisitTheRightCgroupsThenRunOnceWithNull() {
        assertThat(cat(root, CgroupIterOrder.DESCENDANTS_PRE, -1)).isEqualTo("cg 1 #0\ncg 2 #1\ncg 3 #2\ncg 4 #3\ncg 5 #4\nend\n");
        assertThat(cat(root, CgroupIterOrder.DESCENDANTS_POST, -1)).isEqualTo("cg 3 #0\ncg 4 #1\ncg 2 #2\ncg 5 #3\ncg 1 #4\nend\n");
        assertThat(cat(a, CgroupIterOrder.SELF_ONLY, -1)).isEqualTo("cg 2 #0\nend\n");
        assertThat(cat(b, CgroupIterOrder.ANCESTORS_UP, -1)).isEqualTo("cg 3 #0\ncg 2 #1\ncg 1 #2\nend\n");
        assertThat(cat(a, CgroupIterOrder.UNSPEC, -1)).isEqualTo("cg 2 #0\ncg 3 #1\ncg 4 #2\nend\n");
    }

    @Test
    void returningOneStopsAfterThatCgroup() {
        assertThat(cat(root, CgroupIterOrder.DESCENDANTS_PRE, 3)).isEqualTo("cg 1 #0\ncg 2 #1\ncg 3 #2\nend\n");
    }

    @Test
    void smallReadsComeFromTheBufferAndTheStopRunsOnce() {
        CgroupIterator it = kernel.cgroupIterator(printer(-1), a, CgroupIterOrder.SELF_ONLY);
        try (SeqFile f = it.open()) {
            assertThat(new String(f.read(5), StandardCharsets.UTF_8)).isEqualTo("cg 2 ");
            assertThat(new String(f.read(5), StandardCharsets.UTF_8)).isEqualTo("#0\nen");
            assertThat(new String(f.read(100), StandardCharsets.UTF_8)).isEqualTo("d\n");
            assertThat(f.read(100)).isEmpty();
            assertThat(f.read(100)).isEmpty();
        }
    }

    @Test
    void removedCgroupsAreNotVisitedAndTheLinkKeepsItsStart() {
        CgroupIterator it = kernel.cgroupIterator(printer(-1), b, CgroupIterOrder.SELF_ONLY);
        kernel.rmdir("/sys/fs/cgroup/a/b");
        assertThat(b.freed()).isFalse();
        assertThat(new String(it.cat(), StandardCharsets.UTF_8)).isEqualTo("end\n");
        it.release();
        assertThat(b.freed()).isTrue();
        assertThatThrownBy(it::open).isInstanceOfSatisfying(KernelException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
    }

    /** Writes 400 bytes of the stack per cgroup, records each run's cgroup id. */
    private LoadedProgram bulk() {
        return iter("bulk", false, """
                mov r6, r1
                ldxdw r7, [r6+{bpf_iter__cgroup.cgroup}]
                ldxdw r8, [r6+{bpf_iter__cgroup.meta}]
                ldxdw r9, [r8+{bpf_iter_meta.seq}]
                mov r1, 0
                jeq r7, 0, +2
                ldxdw r1, [r7+{cgroup.kn}]
                ldxdw r1, [r1+{kernfs_node.id}]
                call kfunc record
                jeq r7, 0, +6
                mov r1, r9
                mov r2, r10
                add r2, -400
                mov r3, 400
                call bpf_seq_write
                mov r0, r0
                mov r0, 0
                exit
                """);
    }

    @Test
    void overflowDropsTheObjectAndTheWalkCannotContinueAcrossReads() {
        for (int i = 0; i < 100; i++) {
            kernel.mkdir("/sys/fs/cgroup/d/n" + i);
        }
        CgroupIterator it = kernel.cgroupIterator(bulk(), kernel.cgroup("/sys/fs/cgroup/d"), CgroupIterOrder.DESCENDANTS_PRE);
        try (SeqFile f = it.open()) {
            assertThat(f.read(SeqFile.CAT_READ_SIZE)).hasSize(81 * 400);
            // 82 programs ran; the 82nd one's output did not fit and was dropped
            assertThat(records()).hasSize(82);
            assertThatThrownBy(() -> f.read(SeqFile.CAT_READ_SIZE)).isInstanceOfSatisfying(KernelException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EOPNOTSUPP));
        }
        records.clear();
        // a reader asking for less stops the batch early, which also cannot continue
        try (SeqFile f = it.open()) {
            assertThat(f.read(1000)).hasSize(1000);
            assertThat(records()).hasSize(3);   // 3 objects = 1200 bytes >= 1000: the 4th is fetched, not shown
            assertThat(f.read(1000)).hasSize(200);
            assertThatThrownBy(() -> f.read(1000)).isInstanceOfSatisfying(KernelException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EOPNOTSUPP));
        }
    }

    @Test
    void oneObjectLargerThanTheBufferIsE2big() {
        LoadedProgram big = iter("big", false, """
                ldxdw r7, [r1+{bpf_iter__cgroup.cgroup}]
                ldxdw r8, [r1+{bpf_iter__cgroup.meta}]
                ldxdw r9, [r8+{bpf_iter_meta.seq}]
                """ + stackString("%33000d", -16) + """
                stdw [r10-24], 7
                mov r1, r9
                mov r2, r10
                add r2, -16
                mov r3, 8
                mov r4, r10
                add r4, -24
                mov r5, 8
                call bpf_seq_printf
                stxdw [r10-32], r0
                ldxdw r1, [r10-32]
                call kfunc record
                mov r0, 0
                exit
                """);
        CgroupIterator it = kernel.cgroupIterator(big, a, CgroupIterOrder.SELF_ONLY);
        assertThatThrownBy(it::cat).isInstanceOfSatisfying(KernelException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.E2BIG));
        assertThat(column(0)).containsExactly(-75L);   // -EOVERFLOW from bpf_seq_printf
    }
}
