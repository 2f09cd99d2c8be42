package dev.bpfvm.helpers.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.mem.AddressSpace;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BpfFormatTest {
    private final AddressSpace memory = new AddressSpace();

    private static byte[] c(String s) {
        return (s + "\0").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void printKeepsSizeMinusOneBytesAndReportsTheFullLength() throws Exception {
        BpfFormat f = BpfFormat.prepare(c("%d-%d"), new long[] {1234, 5678}, memory);
        BpfFormat.Output whole = f.print(100);
        assertThat(whole.text()).isEqualTo("1234-5678");
        assertThat(whole.length()).isEqualTo(9);
        BpfFormat.Output cut = f.print(5);
        assertThat(new String(cut.bytes(), StandardCharsets.US_ASCII)).isEqualTo("1234");
        assertThat(cut.length()).isEqualTo(9);
        BpfFormat.Output none = f.print(0);
        assertThat(none.bytes()).isEmpty();
        assertThat(none.length()).isEqualTo(9);
    }

    @Test
    void printCanBeRepeated() throws Exception {
        BpfFormat f = BpfFormat.prepare(c("%c%s"), new long[] {'a', 0}, memory);
        assertThat(f.print(16).text()).isEqualTo("a");
        assertThat(f.print(16).text()).isEqualTo("a");
    }

    @Test
    void checkValidatesWithoutArguments() throws Exception {
        BpfFormat.check(c("%d %s %pI4 %%"), 3);
        assertThatThrownBy(() -> BpfFormat.check(c("%d %s %pI4"), 2))
                .isInstanceOf(BpfFormatException.class)
                .hasMessage("more conversions than the 2 arguments (at offset 6)")
                .extracting(e -> ((BpfFormatException) e).errno()).isEqualTo(Errno.EINVAL);
        assertThatThrownBy(() -> BpfFormat.check("abc".getBytes(StandardCharsets.US_ASCII), 0))
                .hasMessage("format is not NUL-terminated within its 3 bytes");
        assertThatThrownBy(() -> BpfFormat.check(c("a\tb\u0007"), 0))
                .hasMessage("invalid character 0x07 at offset 3");
        assertThatThrownBy(() -> BpfFormat.check(c("%pQ"), 1))
                .hasMessage("unsupported conversion %pQ at offset 0");
        assertThatThrownBy(() -> BpfFormat.check(c("%s1"), 1))
                .hasMessage("a string conversion must be followed by a space, punctuation or the end (at offset 0)");
    }

    @Test
    void twelveArgumentsAsBpfSnprintfPasses() throws Exception {
        long[] args = new long[BpfFormat.MAX_VARARGS];
        for (int i = 0; i < args.length; i++) {
            args[i] = i;
        }
        BpfFormat f = BpfFormat.prepare(c("%d%d%d%d%d%d%d%d%d%d%lld%llu"), args, memory);
        assertThat(f.print(BpfFormat.MAX_BUF).text()).isEqualTo("01234567891011");
    }

    @Test
    void latin1PunctuationAndSpaceEndAStringConversionAsInLinuxCtype() throws Exception {
        byte[] fmt = {'%', 's', (byte) 0xa1, 0};
        BpfFormat.check(fmt, 1);
        byte[] fmt2 = {'%', 's', (byte) 0xc0, 0};
        assertThatThrownBy(() -> BpfFormat.check(fmt2, 1)).isInstanceOf(BpfFormatException.class);
    }
}
