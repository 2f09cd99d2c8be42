package dev.bpfvm.helpers;

import static dev.bpfvm.helpers.Rig.call;
import static dev.bpfvm.helpers.Rig.exit;
import static dev.bpfvm.helpers.Rig.mov;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.spi.AttachCookie;
import dev.bpfvm.vm.spi.TracingArgs;
import org.junit.jupiter.api.Test;

class TracingHelpersTest {
    private static final long FUNC_IP = 0xffffffff81234560L;

    private final Rig rig = new Rig();
    private final TracingArgs fentry = TracingArgs.entry(rig.rt.memory(), "fentry/cgroup_mkdir", FUNC_IP,
            10, -20, 30);
    private final TracingArgs fexit = TracingArgs.exit(rig.rt.memory(), "fexit/cgroup_mkdir", FUNC_IP,
            -17, 10, -20, 30);

    /** r0 = bpf_get_func_arg(ctx, n, &test memory[0]). */
    private long funcArg(TracingArgs t, long n) {
        return rig.runWith(t.ctx(), mov(2, n), mov(3, rig.addr(0)), call(183), exit());
    }

    @Test
    void layoutIsTheTrampolines() {
        assertThat(fentry.ctx()).isEqualTo(fentry.region().address(16));
        assertThat(fentry.count()).isEqualTo(3);
        assertThat(fentry.arg(1)).isEqualTo(-20);
        assertThat(fentry.region().length()).isEqualTo(16 + 4 * 8);
        assertThat(fexit.returnValue()).isEqualTo(-17);
        assertThat(fentry.region().writable()).isFalse();
        // the program reads ctx[-2] (ip), ctx[-1] (count) and its arguments directly
        assertThat(rig.runWith(fentry.ctx(), Rig.ldx64(0, 1, -16), exit())).isEqualTo(FUNC_IP);
        assertThat(rig.runWith(fentry.ctx(), Rig.ldx64(0, 1, -8), exit())).isEqualTo(3);
        assertThat(rig.runWith(fentry.ctx(), Rig.ldx64(0, 1, 16), exit())).isEqualTo(30);
        assertThat(rig.runWith(fexit.ctx(), Rig.ldx64(0, 1, 24), exit())).isEqualTo(-17);
        assertThat(TracingArgs.at(rig.rt.memory(), fexit.ctx() + 8)).isSameAs(fexit);
        assertThat(TracingArgs.at(rig.rt.memory(), rig.addr(0))).isNull();
    }

    @Test
    void programsCannotWriteTheirArguments() {
        assertThatThrownBy(() -> rig.runWith(fentry.ctx(), mov(2, 5), Rig.stx64(1, 2, 0), exit()))
                .isInstanceOf(BpfException.class)
                .hasMessageStartingWith("program p: insn 1: invalid memory write of 8 bytes at 0x")
                .hasMessageEndingWith(" is read-only");
    }

    @Test
    void argCount() {
        assertThat(rig.runWith(fentry.ctx(), call(185), exit())).isEqualTo(3);
        TracingArgs none = TracingArgs.entry(rig.rt.memory(), "raw_tp", 0);
        assertThat(rig.runWith(none.ctx(), call(185), exit())).isEqualTo(0);
    }

    @Test
    void argByIndex() {
        rig.u64(0, 0x5555);
        assertThat(funcArg(fentry, 0)).isEqualTo(0);
        assertThat(rig.u64(0)).isEqualTo(10);
        assertThat(funcArg(fentry, 1)).isEqualTo(0);
        assertThat(rig.u64(0)).isEqualTo(-20);
        assertThat(funcArg(fentry, 2)).isEqualTo(0);
        assertThat(rig.u64(0)).isEqualTo(30);
        // n is u32: the upper half of r2 is ignored
        assertThat(funcArg(fentry, 0x7_0000_0001L)).isEqualTo(0);
        assertThat(rig.u64(0)).isEqualTo(-20);
    }

    @Test
    void argBeyondTheCountIsEinvalAndStoresNothing() {
        rig.u64(0, 0x5555);
        assertThat(funcArg(fentry, 3)).isEqualTo(-Errno.EINVAL.value());
        assertThat(funcArg(fentry, -1)).isEqualTo(-Errno.EINVAL.value());
        assertThat(funcArg(fexit, 3)).isEqualTo(-Errno.EINVAL.value());   // not the return value
        assertThat(rig.u64(0)).isEqualTo(0x5555);
    }

    @Test
    void returnValueOnlyAtExit() {
        rig.u64(0, 0x5555);
        assertThat(rig.runWith(fentry.ctx(), mov(2, rig.addr(0)), call(184), exit()))
                .isEqualTo(-Errno.EOPNOTSUPP.value());
        assertThat(rig.u64(0)).isEqualTo(0x5555);
        assertThat(rig.runWith(fexit.ctx(), mov(2, rig.addr(0)), call(184), exit())).isEqualTo(0);
        assertThat(rig.u64(0)).isEqualTo(-17);
        fexit.returnValue(4);
        assertThat(rig.runWith(fexit.ctx(), mov(2, rig.addr(0)), call(184), exit())).isEqualTo(0);
        assertThat(rig.u64(0)).isEqualTo(4);
    }

    @Test
    void argsIntoTheStack() {
        // sum of all arguments via bpf_get_func_arg into a stack slot, in a loop
        long r = rig.asm(fexit.ctx(), """
                    mov r6, r1               # ctx
                    mov r7, 0                # i
                    mov r8, 0                # sum
                next:
                    mov r1, r6
                    mov r2, r7
                    mov r3, r10
                    add r3, -8
                    call bpf_get_func_arg
                    jne r0, 0, done
                    ldxdw r1, [r10-8]
                    add r8, r1
                    add r7, 1
                    ja next
                done:
                    mov r0, r8
                    exit
                """);
        assertThat(r).isEqualTo(10 - 20 + 30);
    }

    @Test
    void aContextThatIsNotAnArgumentArrayFaults() {
        assertThatThrownBy(() -> rig.runWith(rig.addr(0), call(185), exit()))
                .isInstanceOf(BpfException.class)
                .hasMessage("program p: insn 0: invalid memory read of 8 bytes at 0x" + Long.toHexString(rig.addr(0) - 8)
                        + ": out of bounds of mem 'mem' (1024 bytes) at offset -8");
        assertThat(rig.runWith(rig.addr(8), mov(2, rig.addr(100)), call(184), exit()))
                .isEqualTo(-Errno.EOPNOTSUPP.value());
    }

    @Test
    void attachCookie() {
        assertThat(rig.runWith(fentry.ctx(), call(174), exit())).isEqualTo(0);
        rig.ctx.attach(AttachCookie.class, new AttachCookie(0xdeadbeefcafeL));
        assertThat(rig.runWith(fentry.ctx(), call(174), exit())).isEqualTo(0xdeadbeefcafeL);
        rig.ctx.attach(AttachCookie.class, null);
        assertThat(rig.runWith(fentry.ctx(), call(174), exit())).isEqualTo(0);
    }

    @Test
    void atMostTwelveArguments() {
        assertThatThrownBy(() -> TracingArgs.entry(rig.rt.memory(), "x", 0, new long[13]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("at most 12 arguments: 13");
    }
}
