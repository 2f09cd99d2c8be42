package dev.bpfvm.helpers;

import static dev.bpfvm.helpers.Rig.call;
import static dev.bpfvm.helpers.Rig.exit;
import static dev.bpfvm.helpers.Rig.mov;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.TaskView;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TaskHelpersTest {
    private static final long EINVAL = -Errno.EINVAL.value();

    private final Rig rig = new Rig();
    private final Region taskStruct = rig.rt.memory().register(
            Region.of(Region.Kind.KERNEL_OBJECT, "task_struct", new byte[64]).build());

    private void attach(TaskView t) {
        rig.ctx.attach(TaskView.class, t);
    }

    private TaskView bash() {
        return new TaskView.Fixed(1234, 1200, 1000, 100, "bash", taskStruct.address(), new long[] {1, 5, 9});
    }

    private long call0(int helper) {
        return rig.run(call(helper), exit());
    }

    private long comm(int size) {
        return rig.run(mov(1, rig.addr(200)), mov(2, size), call(16), exit());
    }

    private byte[] bytes(int off, int n) {
        return Arrays.copyOfRange(rig.mem, off, off + n);
    }

    @Test
    void pidTgidAndUidGidPackTwoU32() {
        attach(bash());
        assertThat(call0(14)).isEqualTo(1200L << 32 | 1234);
        assertThat(call0(15)).isEqualTo(100L << 32 | 1000);
        attach(new TaskView.Fixed(-2, -3, -4, -5, "x"));   // values above 2^31 stay unsigned
        assertThat(call0(14)).isEqualTo(0xfffffffd_fffffffeL);
        assertThat(call0(15)).isEqualTo(0xfffffffb_fffffffcL);
    }

    @Test
    void commIsCopiedAndNulPadded() {
        attach(bash());
        Arrays.fill(rig.mem, 200, 240, (byte) 0xee);
        assertThat(comm(16)).isEqualTo(0);
        assertThat(bytes(200, 17)).containsExactly('b', 'a', 's', 'h', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xee);
        Arrays.fill(rig.mem, 200, 240, (byte) 0xee);
        assertThat(comm(3)).isEqualTo(0);
        assertThat(bytes(200, 4)).containsExactly('b', 'a', 0, 0xee);
    }

    @Test
    void commHoldsAtMost15Bytes() {
        attach(new TaskView.Fixed(1, 1, 0, 0, "abcdefghijklmnopqrstuvwxyz"));
        Arrays.fill(rig.mem, 200, 240, (byte) 0xee);
        assertThat(comm(20)).isEqualTo(0);
        assertThat(new String(bytes(200, 15))).isEqualTo("abcdefghijklmno");
        assertThat(bytes(215, 6)).containsExactly(0, 0, 0, 0, 0, 0xee);
    }

    @Test
    void taskPointers() {
        attach(bash());
        assertThat(call0(35)).isEqualTo(taskStruct.address());
        assertThat(call0(158)).isEqualTo(taskStruct.address());
        attach(new TaskView.Fixed(1, 1, 0, 0, "no object"));
        assertThat(call0(35)).isEqualTo(0);
    }

    @Test
    void cgroupIdAndAncestorsByLevel() {
        attach(bash());
        assertThat(call0(80)).isEqualTo(9);
        long[] byLevel = new long[6];
        for (int level = -2; level <= 3; level++) {
            byLevel[level + 2] = rig.run(mov(1, level), call(123), exit());
        }
        assertThat(byLevel).containsExactly(0, 0, 1, 5, 9, 0);
        // the level is an int: the upper half of r1 is ignored
        assertThat(rig.run(mov(1, 0x7_0000_0001L), call(123), exit())).isEqualTo(5);
    }

    @Test
    void taskInTheRootCgroup() {
        attach(new TaskView.Fixed(1, 1, 0, 0, "systemd", 1));
        assertThat(call0(80)).isEqualTo(1);
        assertThat(rig.run(mov(1, 0), call(123), exit())).isEqualTo(1);
        assertThat(rig.run(mov(1, 1), call(123), exit())).isEqualTo(0);
    }

    @Test
    void withoutATaskHelpersAnswerAsLinuxDoesWithoutCurrent() {
        assertThat(call0(14)).isEqualTo(EINVAL);
        assertThat(call0(15)).isEqualTo(EINVAL);
        Arrays.fill(rig.mem, 200, 240, (byte) 0xee);
        assertThat(comm(16)).isEqualTo(EINVAL);
        assertThat(bytes(200, 17)).containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xee);
        assertThat(call0(35)).isEqualTo(0);
        assertThat(call0(158)).isEqualTo(0);
        assertThat(call0(80)).isEqualTo(0);
        assertThat(rig.run(mov(1, 0), call(123), exit())).isEqualTo(0);
    }

    @Test
    void aProgramKeysOnTgidAndComm() {
        // r6 = pid_tgid >> 32; comm to the stack; r0 = tgid + first comm byte
        attach(bash());
        long r = rig.run(Rig.prog(
                call(14),
                new dev.bpfvm.vm.isa.Insn(0x77, 0, 0, 0, 32),        // r0 >>= 32
                Rig.movReg(6, 0),
                Rig.stackPtr(1, -16), mov(2, 16), call(16),
                new dev.bpfvm.vm.isa.Insn(0x71, 0, 10, -16, 0),      // r0 = *(u8 *)(r10 - 16)
                Rig.addReg(0, 6),
                exit()));
        assertThat(r).isEqualTo(1200 + 'b');
    }
}
