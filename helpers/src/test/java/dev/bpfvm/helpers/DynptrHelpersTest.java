package dev.bpfvm.helpers;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Local dynptrs (#197, #201-#203) over the rig's memory, through programs. */
class DynptrHelpersTest {
    private final Rig rig = new Rig();

    /** r1 = the data: dynptr_from_mem(r1, 16, 0, fp-16), then {@code body}. */
    private long run(String body) {
        return rig.asm(rig.addr(0), String.join("\n",
                "mov %r2, 16", "mov %r3, 0", "mov %r4, %r10", "add %r4, -16", "call bpf_dynptr_from_mem",
                body));
    }

    private static final String WRITE_AT = String.join("\n",
            "lddw %r1, 0x1122334455667788", "stxdw [%r10-24], %r1",
            "mov %r1, %r10", "add %r1, -16", "mov %r3, %r10", "add %r3, -24", "mov %r4, 8", "mov %r5, 0",
            "call bpf_dynptr_write");

    @Test
    void writeThenDataSeeTheSameBytes() {
        long r = run(String.join("\n", "mov %r2, 4", WRITE_AT,
                "mov %r1, %r10", "add %r1, -16", "mov %r2, 4", "mov %r3, 8", "call bpf_dynptr_data",
                "ldxdw %r0, [%r0]", "exit"));
        assertThat(r).isEqualTo(0x1122334455667788L);
        assertThat(rig.u64(4)).isEqualTo(0x1122334455667788L);
    }

    @Test
    void readCopiesOutAndOutOfBoundsIsE2big() {
        rig.u64(8, 0x0102030405060708L);
        assertThat(run(String.join("\n",
                "mov %r1, %r10", "add %r1, -32", "mov %r2, 8", "mov %r3, %r10", "add %r3, -16", "mov %r4, 8",
                "mov %r5, 0", "call bpf_dynptr_read", "ldxdw %r0, [%r10-32]", "exit")))
                .isEqualTo(0x0102030405060708L);
        assertThat(run(String.join("\n", "mov %r2, 12", WRITE_AT, "exit"))).isEqualTo(-7);
        assertThat(run(String.join("\n",
                "mov %r1, %r10", "add %r1, -16", "mov %r2, 9", "mov %r3, 8", "call bpf_dynptr_data", "exit")))
                .isEqualTo(0);
    }

    @Test
    void badFlagsLeaveANullDynptr() {
        long r = rig.asm(rig.addr(0), String.join("\n",
                "mov %r2, 16", "mov %r3, 1", "mov %r4, %r10", "add %r4, -16", "call bpf_dynptr_from_mem",
                "mov %r6, %r0",
                "mov %r1, %r10", "add %r1, -32", "mov %r2, 8", "mov %r3, %r10", "add %r3, -16", "mov %r4, 0",
                "mov %r5, 0", "call bpf_dynptr_read", "lsh %r6, 8", "sub %r6, %r0", "mov %r0, %r6", "exit"));
        assertThat(r).isEqualTo(-22L * 256 + 22);                // from_mem -EINVAL, read of the NULL dynptr -EINVAL
    }

    @Test
    void adjustNarrowsWhatSizeAndSliceSee() {
        rig.u64(0, 0x0706050403020100L);
        rig.u64(8, 0x0f0e0d0c0b0a0908L);
        String adjust = String.join("\n", "mov %r1, %r10", "add %r1, -16", "mov %r2, 2", "mov %r3, 10",
                "call runtime bpf_dynptr_adjust");
        assertThat(run(String.join("\n", adjust, "exit"))).isEqualTo(0);
        assertThat(run(String.join("\n", adjust, "mov %r1, %r10", "add %r1, -16", "call runtime bpf_dynptr_size",
                "exit"))).isEqualTo(8);
        // a 4-byte slice at 4 of the adjusted view starts at byte 6 of the data
        assertThat(run(String.join("\n", adjust, "mov %r1, %r10", "add %r1, -16", "mov %r2, 4", "mov %r3, 0",
                "mov %r4, 4", "call runtime bpf_dynptr_slice", "ldxw %r0, [%r0]", "exit"))).isEqualTo(0x09080706L);
        // past the adjusted end: NULL
        assertThat(run(String.join("\n", adjust, "mov %r1, %r10", "add %r1, -16", "mov %r2, 6", "mov %r3, 0",
                "mov %r4, 4", "call runtime bpf_dynptr_slice", "exit"))).isEqualTo(0);
        assertThat(run(String.join("\n", "mov %r1, %r10", "add %r1, -16", "mov %r2, 3", "mov %r3, 2",
                "call runtime bpf_dynptr_adjust", "exit"))).isEqualTo(-22);
        assertThat(run(String.join("\n", "mov %r1, %r10", "add %r1, -16", "mov %r2, 0", "mov %r3, 17",
                "call runtime bpf_dynptr_adjust", "exit"))).isEqualTo(-34);
        assertThat(run(String.join("\n", "mov %r1, %r10", "add %r1, -16", "call runtime bpf_dynptr_is_null",
                "exit"))).isEqualTo(0);
    }
}
