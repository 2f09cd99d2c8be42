package dev.bpfvm.helpers;

import static dev.bpfvm.helpers.Rig.call;
import static dev.bpfvm.helpers.Rig.exit;
import static dev.bpfvm.helpers.Rig.mov;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.mem.Region;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ProbeReadHelpersTest {
    private static final long EFAULT = -Errno.EFAULT.value();
    private static final int[] PLAIN = {4, 112, 113};
    private static final int[] STR = {45, 114, 115};

    private final Rig rig = new Rig();

    /** Runs {@code helper(dst, size, src)} in a program and returns r0. */
    private long probe(int helper, long dst, long size, long src) {
        return rig.run(mov(1, dst), mov(2, size), mov(3, src), call(helper), exit());
    }

    private byte[] bytes(int off, int n) {
        return Arrays.copyOfRange(rig.mem, off, off + n);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void copiesBytes() {
        for (int helper : PLAIN) {
            byte[] src = {1, 2, 3, 4, 5, 6, 7, (byte) 0xf8, 9};
            System.arraycopy(src, 0, rig.mem, 100, src.length);
            Arrays.fill(rig.mem, 200, 220, (byte) 0);
            assertThat(probe(helper, rig.addr(200), 9, rig.addr(100))).isEqualTo(0);
            assertThat(bytes(200, 10)).containsExactly(1, 2, 3, 4, 5, 6, 7, 0xf8, 9, 0);
        }
    }

    @Test
    void unreadableSourceZeroFillsAndReturnsEfault() {
        Region noRead = rig.rt.memory().register(
                Region.of(Region.Kind.KERNEL_OBJECT, "hidden", new byte[16]).perms(Region.WRITE).build());
        long[] bad = {0, 0x1234, rig.addr(1020), rig.addr(-4), rig.addr(0) - 4, noRead.address(0), 77L << 32};
        for (int helper : PLAIN) {
            for (long src : bad) {
                Arrays.fill(rig.mem, 200, 216, (byte) 0xee);
                assertThat(probe(helper, rig.addr(200), 8, src)).as("helper %d src %x", helper, src).isEqualTo(EFAULT);
                assertThat(bytes(200, 9)).containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 0xee);
            }
        }
    }

    @Test
    void aReadMayNotCrossAnElementOfAnElementRegion() {
        byte[] data = new byte[32];
        Arrays.fill(data, (byte) 7);
        Region values = rig.rt.memory().register(
                Region.of(Region.Kind.MAP_VALUE, "values", data).elements(16, 12).build());
        assertThat(probe(113, rig.addr(0), 12, values.address(16))).isEqualTo(0);
        assertThat(bytes(0, 13)).containsExactly(7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0);
        assertThat(probe(113, rig.addr(0), 8, values.address(8))).isEqualTo(EFAULT);   // 8..16 passes 12
        assertThat(bytes(0, 12)).containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 7, 7, 7, 7);
    }

    @Test
    void readsTheStackAndReadOnlyMemory() {
        Region ro = rig.rt.memory().register(
                Region.of(Region.Kind.GLOBAL, ".rodata", ascii("constant")).readOnly().build());
        assertThat(probe(113, rig.addr(0), 8, ro.address(0))).isEqualTo(0);
        assertThat(new String(bytes(0, 8), StandardCharsets.ISO_8859_1)).isEqualTo("constant");
        // *(u64 *)(r10 - 8) = 0x1122334455667788, then probe it into the test memory
        long r = rig.run(Rig.prog(
                mov(1, 0x1122334455667788L), Rig.stx64(10, 1, -8),
                mov(1, rig.addr(40)), mov(2, 8), Rig.stackPtr(3, -8), call(113), exit()));
        assertThat(r).isEqualTo(0);
        assertThat(rig.u64(40)).isEqualTo(0x1122334455667788L);
    }

    @Test
    void sizeZeroCopiesNothingEvenFromNowhereToNull() {
        for (int helper : new int[] {4, 45, 112, 113, 114, 115}) {
            assertThat(probe(helper, 0, 0, 0)).isEqualTo(0);
        }
    }

    @Test
    void sizeIsU32() {
        rig.cstr(100, "abcdefgh");
        assertThat(probe(113, rig.addr(200), 0x1_0000_0004L, rig.addr(100))).isEqualTo(0);
        assertThat(new String(bytes(200, 5), StandardCharsets.ISO_8859_1)).isEqualTo("abcd\0");
    }

    @Test
    void badDestinationFaultsAtTheCall() {
        assertThatThrownBy(() -> probe(113, 0, 8, rig.addr(0)))
                .isInstanceOf(BpfException.class)
                .hasMessage("program p: insn 4: invalid memory write of 8 bytes at 0x0: not a pointer");
    }

    @Test
    void stringsStopAtTheirNulAndLeaveTheRestAlone() {
        for (int helper : STR) {
            rig.cstr(100, "hello");
            Arrays.fill(rig.mem, 200, 216, (byte) 0xee);
            assertThat(probe(helper, rig.addr(200), 16, rig.addr(100))).isEqualTo(6);
            assertThat(bytes(200, 8)).containsExactly('h', 'e', 'l', 'l', 'o', 0, 0xee, 0xee);
        }
    }

    @Test
    void longStringsAreCutToSizeMinusOneAndNul() {
        for (int helper : STR) {
            rig.cstr(100, "hello");
            Arrays.fill(rig.mem, 200, 216, (byte) 0xee);
            assertThat(probe(helper, rig.addr(200), 4, rig.addr(100))).isEqualTo(4);
            assertThat(bytes(200, 5)).containsExactly('h', 'e', 'l', 0, 0xee);
            assertThat(probe(helper, rig.addr(200), 5, rig.addr(100))).isEqualTo(5);
            assertThat(bytes(200, 6)).containsExactly('h', 'e', 'l', 'l', 0, 0xee);
            assertThat(probe(helper, rig.addr(200), 6, rig.addr(100))).isEqualTo(6);
            assertThat(bytes(200, 7)).containsExactly('h', 'e', 'l', 'l', 'o', 0, 0xee);
            assertThat(probe(helper, rig.addr(200), 1, rig.addr(100))).isEqualTo(1);
            assertThat(bytes(200, 2)).containsExactly(0, 'e');
        }
    }

    @Test
    void emptyStringCountsItsNul() {
        for (int helper : STR) {
            rig.cstr(100, "");
            assertThat(probe(helper, rig.addr(200), 16, rig.addr(100))).isEqualTo(1);
            assertThat(rig.mem[200]).isEqualTo((byte) 0);
        }
    }

    @Test
    void stringRunningIntoUnreadableMemoryZeroFillsAndReturnsEfault() {
        byte[] tail = ascii("abc");                   // no NUL before the region ends
        System.arraycopy(tail, 0, rig.mem, 1021, 3);
        for (int helper : STR) {
            Arrays.fill(rig.mem, 200, 217, (byte) 0xee);
            assertThat(probe(helper, rig.addr(200), 16, rig.addr(1021))).isEqualTo(EFAULT);
            assertThat(bytes(200, 17)).containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xee);
            // the kernel reads exactly size bytes: 3 readable bytes suffice for size 3 ...
            assertThat(probe(helper, rig.addr(200), 3, rig.addr(1021))).isEqualTo(3);
            assertThat(bytes(200, 4)).containsExactly('a', 'b', 0, 0);
            // ... but not for size 4
            assertThat(probe(helper, rig.addr(200), 4, rig.addr(1021))).isEqualTo(EFAULT);
            assertThat(probe(helper, rig.addr(200), 8, 0)).isEqualTo(EFAULT);
        }
    }
}
