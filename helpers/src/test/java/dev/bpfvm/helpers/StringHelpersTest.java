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

class StringHelpersTest {
    private static final long EINVAL = -Errno.EINVAL.value();

    private final Rig rig = new Rig();

    private long snprintf(long str, long size, long fmt, long data, long dataLen) {
        return rig.run(mov(1, str), mov(2, size), mov(3, fmt), mov(4, data), mov(5, dataLen), call(165), exit());
    }

    /** Puts u64 arguments at offset 100; returns their address. */
    private long args(long... values) {
        for (int i = 0; i < values.length; i++) {
            rig.u64(100 + 8 * i, values[i]);
        }
        return rig.addr(100);
    }

    private String text(int off, int n) {
        return new String(rig.mem, off, n, StandardCharsets.ISO_8859_1);
    }

    @Test
    void snprintfFormatsAndCountsTheNul() {
        long fmt = rig.cstr(0, "%d-%s|%5x");
        long ab = rig.cstr(40, "ab");
        Arrays.fill(rig.mem, 300, 340, (byte) 'z');
        assertThat(snprintf(rig.addr(300), 32, fmt, args(42, ab, 255), 24)).isEqualTo(12);
        assertThat(text(300, 13)).isEqualTo("42-ab|   ff\0z");
    }

    @Test
    void snprintfTruncatesButReportsTheWholeLength() {
        long fmt = rig.cstr(0, "%d-%s|%5x");
        long ab = rig.cstr(40, "ab");
        Arrays.fill(rig.mem, 300, 340, (byte) 'z');
        assertThat(snprintf(rig.addr(300), 4, fmt, args(42, ab, 255), 24)).isEqualTo(12);
        assertThat(text(300, 5)).isEqualTo("42-\0z");
        assertThat(snprintf(rig.addr(300), 1, fmt, args(42, ab, 255), 24)).isEqualTo(12);
        assertThat(text(300, 2)).isEqualTo("\0" + "2");
    }

    @Test
    void snprintfToNothingOnlyMeasures() {
        long fmt = rig.cstr(0, "%llu");
        assertThat(snprintf(0, 0, fmt, args(-1), 8)).isEqualTo(21);   // 18446744073709551615 + NUL
    }

    @Test
    void snprintfWithoutArguments() {
        long fmt = rig.cstr(0, "plain 100%%");
        assertThat(snprintf(rig.addr(300), 64, fmt, 0, 0)).isEqualTo(11);
        assertThat(text(300, 11)).isEqualTo("plain 100%\0");
    }

    @Test
    void snprintfRefusesBadDataLengthsAndFormats() {
        long fmt = rig.cstr(0, "%d");
        long data = args(1, 2, 3);
        assertThat(snprintf(rig.addr(300), 16, fmt, data, 12)).isEqualTo(EINVAL);    // not a multiple of 8
        assertThat(snprintf(rig.addr(300), 16, fmt, data, 104)).isEqualTo(EINVAL);   // 13 arguments
        assertThat(snprintf(rig.addr(300), 16, fmt, 0, 8)).isEqualTo(EINVAL);       // NULL data
        assertThat(snprintf(rig.addr(300), 16, fmt, data, 0)).isEqualTo(EINVAL);    // %d without argument
        assertThat(snprintf(rig.addr(300), 16, rig.cstr(0, "%q"), data, 8)).isEqualTo(EINVAL);
        assertThat(snprintf(rig.addr(300), 16, rig.cstr(0, "%d"), data, 0x1_0000_0008L)).isEqualTo(2);  // u32 length
    }

    @Test
    void snprintfTakesTwelveArguments() {
        long fmt = rig.cstr(0, "%d%d%d%d%d%d%d%d%d%d%d%d");
        long data = args(1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2);
        assertThat(snprintf(rig.addr(300), 64, fmt, data, 96)).isEqualTo(13);
        assertThat(text(300, 13)).isEqualTo("123456789012\0");
    }

    @Test
    void snprintfFormatMustBeAConstantString() {
        byte[] m = "%d".getBytes(StandardCharsets.US_ASCII);    // no NUL before the region ends
        Region r = rig.rt.memory().register(Region.of(Region.Kind.GLOBAL, ".rodata", m).readOnly().build());
        assertThatThrownBy(() -> snprintf(rig.addr(300), 16, r.address(0), args(1), 8))
                .isInstanceOf(BpfException.class)
                .hasMessage("program p: insn 8: invalid string argument at 0x" + Long.toHexString(r.address(0))
                        + ": no NUL-terminated string in readable memory there");
    }

    private long strncmp(long s1, long size, long s2) {
        return rig.run(mov(1, s1), mov(2, size), mov(3, s2), call(182), exit());
    }

    @Test
    void strncmpReturnsTheSign() {
        long abc = rig.cstr(0, "abc");
        assertThat(strncmp(abc, 3, rig.cstr(10, "abd"))).isEqualTo(-1);
        assertThat(strncmp(abc, 3, rig.cstr(10, "abb"))).isEqualTo(1);
        assertThat(strncmp(abc, 3, rig.cstr(10, "abc"))).isEqualTo(0);
        assertThat(strncmp(abc, 4, rig.cstr(10, "abc"))).isEqualTo(0);    // both NULs compared
        assertThat(strncmp(abc, 2, rig.cstr(10, "abz"))).isEqualTo(0);    // only 2 bytes
        assertThat(strncmp(abc, 4, rig.cstr(10, "ab"))).isEqualTo(1);     // 'c' > NUL
        assertThat(strncmp(abc, 0, rig.cstr(10, "x"))).isEqualTo(0);
    }

    @Test
    void strncmpComparesUnsignedBytes() {
        rig.mem[0] = (byte) 0xc3;
        rig.mem[1] = 0;
        assertThat(strncmp(rig.addr(0), 2, rig.cstr(10, "a"))).isEqualTo(1);
    }

    @Test
    void strncmpStopsAtTheCommonNul() {
        // s1 holds "ab\0" then junk; equal to "ab" however long s1_sz is
        System.arraycopy("ab\0junk".getBytes(StandardCharsets.US_ASCII), 0, rig.mem, 0, 7);
        assertThat(strncmp(rig.addr(0), 7, rig.cstr(10, "ab"))).isEqualTo(0);
    }

    @Test
    void strncmpFromTheStack() {
        // the program builds "cgroup\0\0" on its stack and compares 7 bytes with a constant
        long word = 0;
        byte[] b = "cgroup\0\0".getBytes(StandardCharsets.US_ASCII);
        for (int k = 7; k >= 0; k--) {
            word = word << 8 | b[k];
        }
        long r = rig.run(Rig.prog(mov(1, word), Rig.stx64(10, 1, -8), Rig.stackPtr(1, -8), mov(2, 7),
                mov(3, rig.cstr(0, "cgroup")), call(182), exit()));
        assertThat(r).isEqualTo(0);
    }
}
