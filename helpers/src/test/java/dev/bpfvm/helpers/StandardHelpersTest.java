package dev.bpfvm.helpers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.TraceSink;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.ArgType;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.RetType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StandardHelpersTest {
    private final HelperRegistry helpers = StandardHelpers.register(new HelperRegistry());
    private final BpfRuntime rt = new BpfRuntime(helpers);
    private final ExecContext ctx = rt.newContext(0);
    private final List<String> lines = new ArrayList<>();
    private final byte[] mem = new byte[256];
    private final Region region = rt.memory().register(Region.of(Region.Kind.MEMORY, "mem", mem).build());
    private int used;

    StandardHelpersTest() {
        ctx.trace(new TraceSink() {
            @Override
            public void printk(String line) {
                lines.add(line);
            }
        }, false);
    }

    /** Puts bytes into the test memory and returns their BPF address. */
    private long put(byte[] b) {
        System.arraycopy(b, 0, mem, used, b.length);
        long addr = region.address(used);
        used += b.length;
        return addr;
    }

    /** A C string literal as the program would hold it: with its NUL. */
    private long cstr(String s) {
        return put((s + "\0").getBytes(StandardCharsets.UTF_8));
    }

    private long printk(String fmt, long... args) {
        long f = cstr(fmt);
        long[] a = new long[3];
        System.arraycopy(args, 0, a, 0, args.length);
        int size = fmt.getBytes(StandardCharsets.UTF_8).length + 1;
        return StandardHelpers.TRACE_PRINTK.fn().call(ctx, f, size, a[0], a[1], a[2]);
    }

    @Test
    void registersBothHelpersWithKernelPrototypes() {
        assertThat(helpers.byId(5).name()).isEqualTo("bpf_ktime_get_ns");
        assertThat(helpers.byId(5).proto().args()).isEmpty();
        assertThat(helpers.byId(5).proto().gplOnly()).isFalse();
        assertThat(helpers.byId(6).name()).isEqualTo("bpf_trace_printk");
        assertThat(helpers.byId(6).proto().ret()).isEqualTo(RetType.INTEGER);
        assertThat(helpers.byId(6).proto().args()).containsExactly(ArgType.PTR_TO_RDONLY_MEM, ArgType.CONST_SIZE);
        assertThat(helpers.byId(6).proto().gplOnly()).isTrue();
        assertThat(helpers.byName("bpf_trace_printk").id()).isEqualTo(6);
        assertThat(helpers.all()).hasSize(2);
    }

    @Test
    void ktimeReadsTheRuntimeClock() {
        rt.clock(() -> 123_456_789_000L);
        assertThat(StandardHelpers.KTIME_GET_NS.fn().call(ctx, 0, 0, 0, 0, 0)).isEqualTo(123_456_789_000L);
    }

    @Test
    void plainTextDropsOneTrailingNewlineAndCountsIt() {
        assertThat(printk("hello\n")).isEqualTo(6);
        assertThat(printk("two\n\n")).isEqualTo(5);
        assertThat(printk("no newline")).isEqualTo(10);
        assertThat(lines).containsExactly("hello", "two\n", "no newline");
    }

    @Test
    void integerConversionsUseTheirWidths() {
        printk("%d %i %u", -5, -5, -5);
        printk("%ld %lu %llx", -1, -1, -1);
        printk("%x %X %lx", 255, 0xabc, 0x1234567890L);
        printk("%d %u %lld", 0x1_0000_0007L, 0x1_8000_0000L, Long.MIN_VALUE);
        printk("%lli %llu %llX", -2, -2, 0xdeadbeefcafeL);
        assertThat(lines).containsExactly(
                "-5 -5 4294967291",
                "-1 18446744073709551615 ffffffffffffffff",
                "ff ABC 1234567890",
                "7 2147483648 -9223372036854775808",
                "-2 18446744073709551614 DEADBEEFCAFE");
    }

    @Test
    void flagsAndWidths() {
        printk("[%5d][%-5d][%05d]", 42, 42, 42);
        printk("[%+d][% d][%+5d]", 7, 7, -7);
        printk("[%-05d][%05d][%+u]", 3, -42, 5);
        printk("[%08x][%-8X][%+ d]", 0xbeef, 0xbeef, 9);
        printk("[%2d][%0-3d][%1u]", 100, 1, 0);
        assertThat(lines).containsExactly(
                "[   42][42   ][00042]",
                "[+7][ 7][   -7]",
                "[3    ][-0042][5]",
                "[0000beef][BEEF    ][+9]",
                "[100][1  ][0]");
    }

    @Test
    void charactersAndPercent() {
        printk("%c%c%c", 'a', 'b', 0x163);
        printk("[%3c][%-3c] 100%%", 'x', 'y');
        assertThat(lines).containsExactly("abc", "[  x][y  ] 100%");
    }

    @Test
    void stringsAreReadFromBpfMemory() {
        long bpf = cstr("bpf");
        long vm = cstr("vm");
        long ret = printk("name=%s, [%6s][%-4s].", bpf, vm, bpf);
        assertThat(lines).containsExactly("name=bpf, [    vm][bpf ].");
        assertThat(ret).isEqualTo(25);
    }

    @Test
    void unreadableStringsPrintEmpty() {
        byte[] tail = "abc".getBytes(StandardCharsets.US_ASCII);   // no NUL before the region ends
        System.arraycopy(tail, 0, mem, mem.length - 3, 3);
        printk("[%s][%s][%s]", 0, 12345, region.address(mem.length - 3));
        assertThat(lines).containsExactly("[][][]");
    }

    @Test
    void kernelAndUserStringsReadTheSameMemory() {
        long s = cstr("cgroup");
        printk("%pks %pus!", s, s);
        assertThat(lines).containsExactly("cgroup cgroup!");
    }

    @Test
    void pointersPrintTheirRawValue() {
        printk("%p %px %pK", 0x1234, 0xffff888012345678L, 0);
        printk("[%10p] %ps %pS", 0xabc, 0xffffffff81000000L, 16);
        printk("%pB|%pKfoo|%p.", 0x10, 1, 2);
        assertThat(lines).containsExactly(
                "0000000000001234 ffff888012345678 0000000000000000",
                "[       abc] 0xffffffff81000000 0x10",
                "0x10|0000000000000001|0000000000000002.");
    }

    @Test
    void ipAddressesAreReadFromMemoryOrZeros() {
        long v4 = put(new byte[] {(byte) 192, (byte) 168, 0, 1});
        long v6 = put(new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
        printk("%pI4 %pi4 %pI4", v4, v4, 0);
        printk("%pI6|%pi6", v6, v6);
        printk("%pI6c", v6);
        assertThat(lines).containsExactly(
                "192.168.0.1 192.168.000.001 0.0.0.0",
                "2001:0db8:0000:0000:0000:0000:0000:0001|20010db8000000000000000000000001",
                "2001:0db8:0000:0000:0000:0000:0000:0001");
    }

    @Test
    void badFormatsReturnEinvalAndPrintNothing() {
        long einval = -Errno.EINVAL.value();
        assertThat(printk("%d%d%d%d", 1, 2, 3)).isEqualTo(einval);   // 4 conversions, 3 arguments
        assertThat(printk("%hd", 1)).isEqualTo(einval);
        assertThat(printk("%lc", 1)).isEqualTo(einval);
        assertThat(printk("%#x", 1)).isEqualTo(einval);
        assertThat(printk("%.2d", 1)).isEqualTo(einval);
        assertThat(printk("%*d", 1, 2)).isEqualTo(einval);
        assertThat(printk("%q")).isEqualTo(einval);
        assertThat(printk("%sabc", 0)).isEqualTo(einval);
        assertThat(printk("%pZ", 0)).isEqualTo(einval);
        assertThat(printk("%pI5", 0)).isEqualTo(einval);
        assertThat(printk("ok %d then %", 1)).isEqualTo(einval);
        assertThat(printk("\u0001")).isEqualTo(einval);
        assertThat(printk("%\u00e9", 1)).isEqualTo(einval);
        assertThat(printk("%5%")).isEqualTo(einval);
        assertThat(lines).isEmpty();
    }

    @Test
    void utf8TextOutsideConversionsIsAllowed() {
        assertThat(printk("d\u00e9j\u00e0 %d\n", 3)).isEqualTo(9);   // bytes: é and à are two each
        assertThat(lines).containsExactly("d\u00e9j\u00e0 3");
    }

    @Test
    void formatMustBeNulTerminatedWithinItsSize() {
        long f = put("abc".getBytes(StandardCharsets.US_ASCII));
        assertThat(StandardHelpers.TRACE_PRINTK.fn().call(ctx, f, 3, 0, 0, 0)).isEqualTo(-Errno.EINVAL.value());
        assertThat(StandardHelpers.TRACE_PRINTK.fn().call(ctx, f, 0, 0, 0, 0)).isEqualTo(-Errno.EINVAL.value());
        // the format ends at its first NUL even when fmt_size is larger
        long g = put("hi\0junk\0".getBytes(StandardCharsets.US_ASCII));
        assertThat(StandardHelpers.TRACE_PRINTK.fn().call(ctx, g, 8, 0, 0, 0)).isEqualTo(2);
        assertThat(lines).containsExactly("hi");
    }

    @Test
    void longOutputIsCutAt1023BytesButCountedWhole() {
        long ret = printk("%1000d%100d", 1, 2);
        assertThat(ret).isEqualTo(1100);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).hasSize(1023).endsWith("1" + " ".repeat(23));
    }

    @Test
    void stringsShareThe512ByteArgumentBuffer() {
        byte[] m = new byte[1024];
        java.util.Arrays.fill(m, 0, 600, (byte) 'y');      // 600 'y', then NUL
        Region r = rt.memory().register(Region.of(Region.Kind.MEMORY, "big", m).build());
        long y600 = r.address(0);
        long y400 = r.address(200);
        // one string is cut to 511 bytes + NUL: the whole buffer
        assertThat(printk("%s", y600)).isEqualTo(511);
        // then nothing is left for a second string or a number
        assertThat(printk("%s|%s", y600, y600)).isEqualTo(-Errno.ENOSPC.value());
        assertThat(printk("%s%d", y600, 1)).isEqualTo(-Errno.ENOSPC.value());
        // 400 + NUL, then the 111 bytes left: 110 + NUL
        assertThat(printk("%s|%s", y400, y400)).isEqualTo(511);
        assertThat(lines).containsExactly("y".repeat(511), "y".repeat(400) + "|" + "y".repeat(110));
    }

    @Test
    void kernelQuirkAConversionRightAfterPointerPunctuationReadsBeyondTheArguments() {
        // prepare() skips the character after "%p" when it is punctuation, so it counts one
        // conversion here; bstr_printf then formats "%d" from the empty rest of the buffer.
        printk("%p%d", 1, 2);
        assertThat(lines).containsExactly("00000000000000010");
    }

    @Test
    void unreadableFormatFaultsAtTheCall() {
        List<Insn> p = List.of(
                new Insn(0xb7, 1, 0, 0, 0),     // r1 = 0 (not a pointer)
                new Insn(0xb7, 2, 0, 0, 4),     // r2 = 4
                new Insn(0x85, 0, 0, 0, 6),     // call bpf_trace_printk
                new Insn(0x95, 0, 0, 0, 0));
        assertThatThrownBy(() -> ctx.run(new Program("p", p), 0, 0, 0, 0, 0))
                .isInstanceOf(BpfException.class)
                .hasMessage("program p: insn 2: invalid memory read of 4 bytes at 0x0: not a pointer");
    }

    @Test
    void programPrintsFromItsStack() {
        // "x=%d\n\0" as two stores to the stack, then bpf_trace_printk(fp-8, 6, 42)
        long fmt = 0L;
        byte[] b = "x=%d\n\0\0\0".getBytes(StandardCharsets.US_ASCII);
        for (int k = 7; k >= 0; k--) {
            fmt = fmt << 8 | (b[k] & 0xff);
        }
        List<Insn> p = List.of(
                Insn.lddw(1, 0, fmt),
                new Insn(0x7b, 10, 1, -8, 0),   // *(u64 *)(r10 - 8) = r1
                new Insn(0xbf, 1, 10, 0, 0),    // r1 = r10
                new Insn(0x07, 1, 0, 0, -8),    // r1 += -8
                new Insn(0xb7, 2, 0, 0, 6),     // r2 = 6
                new Insn(0xb7, 3, 0, 0, 42),    // r3 = 42
                new Insn(0x85, 0, 0, 0, 6),     // call bpf_trace_printk
                new Insn(0x95, 0, 0, 0, 0));
        assertThat(ctx.run(new Program("p", p), 0, 0, 0, 0, 0)).isEqualTo(5);
        assertThat(lines).containsExactly("x=42");
    }
}
