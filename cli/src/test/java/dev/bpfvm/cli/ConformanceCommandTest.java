package dev.bpfvm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.testprogs.TestObjects;
import org.junit.jupiter.api.Test;

/** The plugin protocol exactly as bpf_conformance_runner drives it. */
class ConformanceCommandTest {
    // mov r0, 42; exit -- in the runner's format: two hex digits and two blanks per byte
    private static final String MOV42 = "b7  00  00  00  2a  00  00  00  95  00  00  00  00  00  00  00  \n";

    @Test
    void printsR0InLowerCaseHexWithoutPrefix() {
        CliRun r = CliRun.withStdin(MOV42, "conformance");
        assertThat(r.out()).isEqualTo("2a\n");
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isZero();
    }

    @Test
    void fullWidthR0IsUnsigned() {
        // mov r0, -1; exit
        CliRun r = CliRun.withStdin("b7 00 00 00 ff ff ff ff 95 00 00 00 00 00 00 00", "conformance");
        assertThat(r.out()).isEqualTo("ffffffffffffffff\n");
    }

    @Test
    void memoryIsAWritableCopyInR1WithItsLengthInR2() {
        // r0 = *(u32 *)(r1 + 0); *(u8 *)(r1 + 4) = 0x77; r0 += *(u8 *)(r1 + 4); r0 += r2; exit
        String prog = "61 10 00 00 00 00 00 00 "
                + "72 01 04 00 77 00 00 00 "
                + "71 13 04 00 00 00 00 00 "
                + "0f 30 00 00 00 00 00 00 "
                + "0f 20 00 00 00 00 00 00 "
                + "95 00 00 00 00 00 00 00";
        CliRun r = CliRun.withStdin(prog, "conformance", "01  02  03  04  05  ");
        // 0x04030201 + 0x77 + 5
        assertThat(r.out()).isEqualTo(Long.toHexString(0x04030201L + 0x77 + 5) + "\n");
        assertThat(r.code()).isZero();
    }

    @Test
    void withoutMemoryR1AndR2AreZero() {
        // r0 = r1; r0 += r2; r0 += 7; exit
        String prog = "bf 10 00 00 00 00 00 00 0f 20 00 00 00 00 00 00 07 00 00 00 07 00 00 00 95 00 00 00 00 00 00 00";
        assertThat(CliRun.withStdin(prog, "conformance").out()).isEqualTo("7\n");
    }

    @Test
    void helperFiveIsKtimeAndExecutionContinues() {
        // r1 = -1; call 5; r0 = 2; exit  (call_unwind_fail)
        String prog = "b7 01 00 00 ff ff ff ff 85 00 00 00 05 00 00 00 b7 00 00 00 02 00 00 00 95 00 00 00 00 00 00 00";
        CliRun r = CliRun.withStdin(prog, "conformance");
        assertThat(r.out()).isEqualTo("2\n");
        assertThat(r.code()).isZero();
    }

    @Test
    void unknownHelperIsAnErrorOnOneLine() {
        String prog = "85 00 00 00 63 00 00 00 95 00 00 00 00 00 00 00";
        CliRun r = CliRun.withStdin(prog, "conformance");
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("bpfvm: program stdin: insn 0: call to unknown helper #99\n");
        assertThat(r.code()).isEqualTo(2);
    }

    @Test
    void outOfBoundsAccessIsAnError() {
        // r0 = *(u64 *)(r1 + 0) with a 4-byte memory
        CliRun r = CliRun.withStdin("79 10 00 00 00 00 00 00 95 00 00 00 00 00 00 00", "conformance", "01  02  03  04  ");
        assertThat(r.err()).startsWith("bpfvm: program stdin: insn 0: invalid memory read of 8 bytes at 0x")
                .endsWith(": out of bounds of mem 'mem' (4 bytes) at offset 0\n");
        assertThat(r.code()).isEqualTo(2);
    }

    @Test
    void badInputIsAnError() {
        assertThat(CliRun.withStdin("b7 00 zz", "conformance").err())
                .isEqualTo("bpfvm: bad hex in the program on stdin: 'zz' (token 3) is not hex\n");
        assertThat(CliRun.withStdin("b7 00 00", "conformance").err())
                .isEqualTo("bpfvm: code length 3 is not a multiple of 8\n");
        assertThat(CliRun.withStdin("", "conformance").err()).isEqualTo("bpfvm: empty program on stdin\n");
        assertThat(CliRun.withStdin(MOV42, "conformance", "0g").err())
                .isEqualTo("bpfvm: bad hex in the memory argument: '0g' (token 1) is not hex\n");
        assertThat(CliRun.withStdin(MOV42, "conformance", "0").code()).isEqualTo(2);
    }

    @Test
    void elfRunsFunctionMainOfText() {
        CliRun r = CliRun.withStdin(MOV42, "conformance", "--elf");
        assertThat(r.err()).isEqualTo("bpfvm: --elf: the program on stdin is not an ELF object\n");
        assertThat(r.code()).isEqualTo(2);
        // calls.o has no function main: the error lists what it has
        CliRun none = CliRun.withStdin(HexBytes.format(TestObjects.bytes("calls.o")), "conformance", "--elf");
        assertThat(none.err()).isEqualTo("bpfvm: stdin: no program or global function named 'main' "
                + "(functions: global_add, calls_main [socket], calls_loop [syscall])\n");
        assertThat(none.code()).isEqualTo(2);
        // rawfunc.o's main (in .text) calls a static function of .text: r0 = r2 * 2 + 1
        String main = HexBytes.format(TestObjects.bytes("rawfunc.o"));
        CliRun ok = CliRun.withStdin(main, "01  02  03  ", "conformance --elf");
        assertThat(ok.err()).isEmpty();
        assertThat(ok.out()).isEqualTo("7\n");
        assertThat(ok.code()).isZero();
    }

    @Test
    void unknownOptionsAreRefused() {
        CliRun r = CliRun.withStdin(MOV42, "conformance", "00  ", "--jit");
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("bpfvm: Unknown option: '--jit' (see 'bpfvm conformance --help')\n");
        assertThat(r.code()).isEqualTo(2);
    }

    @Test
    void printkGoesToStderrOnly() {
        // *(u32 *)(r10 - 4) = "hi\n\0"; r1 = r10 - 4; r2 = 4; call 6; exit (r0 = 3)
        String prog = "62 0a fc ff 68 69 0a 00 "
                + "bf a1 00 00 00 00 00 00 "
                + "07 01 00 00 fc ff ff ff "
                + "b7 02 00 00 04 00 00 00 "
                + "85 00 00 00 06 00 00 00 "
                + "95 00 00 00 00 00 00 00";
        CliRun r = CliRun.withStdin(prog, "conformance");
        assertThat(r.out()).isEqualTo("3\n");
        assertThat(r.err()).isEqualTo("bpf_trace_printk: hi\n");
    }

    @Test
    void runnerOrderMemoryBeforeTheCommandWord() {
        // PLUGIN MEMORY OPTIONS: "bpfvm '01  02  ' conformance"; r0 = r2
        String prog = "bf 20 00 00 00 00 00 00 95 00 00 00 00 00 00 00";
        CliRun r = CliRun.withStdin(prog, "01  02  ", "conformance");
        assertThat(r.out()).isEqualTo("2\n");
        assertThat(r.code()).isZero();
        // older runners: always a memory argument (maybe empty), options as one argument
        assertThat(CliRun.withStdin(prog, "", "conformance").out()).isEqualTo("0\n");
        assertThat(CliRun.withStdin(prog, "", "conformance --elf").err())
                .isEqualTo("bpfvm: --elf: the program on stdin is not an ELF object\n");
        assertThat(CliRun.withStdin(prog, "01  ", "conformance --jit").err())
                .isEqualTo("bpfvm: Unknown option: '--jit' (see 'bpfvm conformance --help')\n");
    }

    @Test
    void pluginOrderLeavesOrdinaryCommandLinesAlone() {
        java.util.Set<String> cmds = java.util.Set.of("conformance", "run");
        assertThat(Main.pluginOrder(new String[] {"run", "conformance"}, cmds)).containsExactly("run", "conformance");
        assertThat(Main.pluginOrder(new String[] {"--help"}, cmds)).containsExactly("--help");
        assertThat(Main.pluginOrder(new String[] {"00  ", "conformance", "--elf"}, cmds))
                .containsExactly("conformance", "00  ", "--elf");
        assertThat(Main.pluginOrder(new String[] {"frob"}, cmds)).containsExactly("frob");
    }
}
