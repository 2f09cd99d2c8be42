package dev.bpfvm.helpers;

import static dev.bpfvm.helpers.Rig.call;
import static dev.bpfvm.helpers.Rig.exit;
import static dev.bpfvm.helpers.Rig.mov;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.isa.Insn;
import org.junit.jupiter.api.Test;

class LoopHelpersTest {
    private final Rig rig = new Rig();

    /**
     * A program: u64 sum = 0 on the stack; r0 = bpf_loop(n, cb, &sum, flags); stores sum to
     * the test memory at offset 0; returns r0. The callback adds its index to *ctx and returns
     * 1 (stop) when the index equals {@code stopAt}.
     */
    private long loop(long n, long flags, int stopAt) {
        return rig.asm(0, """
                    stdw [r10-8], 0          # u64 sum = 0
                    lddw r1, %d
                    lddw r2, code_addr(callback)
                    mov r3, r10
                    add r3, -8               # &sum
                    lddw r4, %d
                    call bpf_loop
                    ldxdw r1, [r10-8]
                    lddw r2, %d
                    stxdw [r2+0], r1         # test memory = sum
                    exit
                callback:                    # (u64 index, u64 *ctx)
                    ldxdw r3, [r2+0]
                    add r3, r1
                    stxdw [r2+0], r3         # *ctx += index
                    mov r0, 0
                    jne r1, %d, +1
                    mov r0, 1                # stop after index stopAt
                    exit
                """.formatted(n, flags, rig.addr(0), stopAt));
    }

    @Test
    void runsTheCallbackNTimes() {
        assertThat(loop(10, 0, -1)).isEqualTo(10);
        assertThat(rig.u64(0)).isEqualTo(45);
    }

    @Test
    void aNonZeroReturnStopsAfterThatIteration() {
        assertThat(loop(10, 0, 3)).isEqualTo(4);
        assertThat(rig.u64(0)).isEqualTo(0 + 1 + 2 + 3);
        assertThat(loop(10, 0, 0)).isEqualTo(1);
        assertThat(rig.u64(0)).isEqualTo(0);
    }

    @Test
    void zeroLoops() {
        rig.u64(0, 99);
        assertThat(loop(0, 0, -1)).isEqualTo(0);
        assertThat(rig.u64(0)).isEqualTo(0);
    }

    @Test
    void nrLoopsIsU32() {
        assertThat(loop(0x1_0000_0003L, 0, -1)).isEqualTo(3);
        assertThat(rig.u64(0)).isEqualTo(3);
    }

    @Test
    void flagsMustBeZeroAndNoCallbackRuns() {
        rig.u64(0, 99);
        assertThat(loop(10, 1, -1)).isEqualTo(-Errno.EINVAL.value());
        assertThat(rig.u64(0)).isEqualTo(0);
        // flags are checked before the count
        assertThat(loop((1 << 23) + 1, 1L << 40, -1)).isEqualTo(-Errno.EINVAL.value());
    }

    @Test
    void atMost8MiIterations() {
        assertThat(loop((1 << 23) + 1, 0, -1)).isEqualTo(-Errno.E2BIG.value());
        assertThat(loop(0xffffffffL, 0, -1)).isEqualTo(-Errno.E2BIG.value());
        assertThat(rig.u64(0)).isEqualTo(0);
        // the limit itself is allowed: stop at once to keep the test fast
        assertThat(loop(1 << 23, 0, 0)).isEqualTo(1);
    }

    @Test
    void callbackFaultsAreTheProgramsFaults() {
        Insn[] prog = Rig.prog(
                mov(1, 3),                          // 0
                Insn.lddw(2, 4, 5),                 // 1-2: callback at 1 + 5 + 1 = 7
                mov(3, 0),                          // 3: NULL ctx
                mov(4, 0),                          // 4
                call(181),                          // 5
                exit(),                             // 6
                Rig.ldx64(0, 2, 0),                 // 7: *(u64 *)ctx with ctx NULL
                exit());
        assertThatThrownBy(() -> rig.run(prog))
                .isInstanceOf(BpfException.class)
                .hasMessage("program p: insn 7: invalid memory read of 8 bytes at 0x0: not a pointer");
    }

    @Test
    void aCallbackThatIsNotAFunctionFaults() {
        assertThatThrownBy(() -> rig.run(mov(1, 1), mov(2, 1234), mov(3, 0), mov(4, 0), call(181), exit()))
                .isInstanceOf(BpfException.class)
                .hasMessage("program p: insn 4: 0x4d2 is not a function pointer");
    }
}
