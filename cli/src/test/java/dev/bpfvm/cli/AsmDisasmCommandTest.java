package dev.bpfvm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AsmDisasmCommandTest {
    @TempDir
    Path dir;

    private static final String SOURCE = """
            # r0 = time != 0 ? r1 + r2 : 0, computed in a local function
            mov r1, 1
            mov r2, 2
            call local add2
            exit
            add2:
              mov r0, r1
              add r0, r2
              call bpf_ktime_get_ns
              jeq r0, 0, +1
              mov r0, 3
              exit
            """;

    private static final String HEX = """
            b7 01 00 00 01 00 00 00
            b7 02 00 00 02 00 00 00
            85 10 00 00 01 00 00 00
            95 00 00 00 00 00 00 00
            bf 10 00 00 00 00 00 00
            0f 20 00 00 00 00 00 00
            85 00 00 00 05 00 00 00
            15 00 01 00 00 00 00 00
            b7 00 00 00 03 00 00 00
            95 00 00 00 00 00 00 00
            """;

    private Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void asmWritesTheBinNextToTheSource() throws Exception {
        Path s = write("add.s", SOURCE);
        CliRun r = CliRun.of("asm", s.toString());
        Path bin = dir.resolve("add.bin");
        assertThat(r.out()).isEqualTo("wrote " + bin + ": 10 instructions, 80 bytes\n");
        assertThat(r.code()).isZero();
        assertThat(Files.readAllBytes(bin)).isEqualTo(HexBytes.parse(HEX, "test"));
    }

    @Test
    void asmToAChosenFileOrAsHexOnStdout() throws Exception {
        Path s = write("add.s", SOURCE);
        Path out = dir.resolve("other.o.bin");
        assertThat(CliRun.of("asm", s.toString(), "-o", out.toString()).code()).isZero();
        assertThat(Files.readAllBytes(out)).isEqualTo(HexBytes.parse(HEX, "test"));
        CliRun hex = CliRun.of("asm", s.toString(), "-o", "-");
        assertThat(hex.out()).isEqualTo(HEX);
        // the hex runs as a conformance plugin program
        assertThat(CliRun.withStdin(hex.out(), "conformance").out()).isEqualTo("3\n");
    }

    @Test
    void asmErrorsNameFileAndLine() throws Exception {
        Path s = write("bad.s", "mov r0, 1\nmovv r0, 2\nexit\n");
        CliRun r = CliRun.of("asm", s.toString());
        assertThat(r.err()).isEqualTo("bpfvm: " + s + ":2: unknown mnemonic 'movv'\n");
        assertThat(r.code()).isEqualTo(2);
        assertThat(Files.exists(dir.resolve("bad.bin"))).isFalse();
        Path j = write("jump.s", "ja nowhere\nexit\n");
        assertThat(CliRun.of("asm", j.toString()).err()).startsWith("bpfvm: " + j + ":1: ");
    }

    @Test
    void disasmKernelSyntaxByDefault() throws Exception {
        Path bin = dir.resolve("add.bin");
        Files.write(bin, HexBytes.parse(HEX, "test"));
        CliRun r = CliRun.of("disasm", bin.toString());
        assertThat(r.out()).isEqualTo("""
                0: (b7) r1 = 1
                1: (b7) r2 = 2
                2: (85) call pc+1
                3: (95) exit
                4: (bf) r0 = r1
                5: (0f) r0 += r2
                6: (85) call bpf_ktime_get_ns#5
                7: (15) if r0 == 0x0 goto pc+1
                8: (b7) r0 = 3
                9: (95) exit
                """);
        assertThat(CliRun.of("disasm", bin.toString(), "--syntax", "kernel").out()).isEqualTo(r.out());
    }

    @Test
    void disasmAsmSyntaxAssemblesBackToTheSameBytes() throws Exception {
        Path bin = dir.resolve("add.bin");
        Files.write(bin, HexBytes.parse(HEX, "test"));
        CliRun r = CliRun.of("disasm", bin.toString(), "--syntax", "asm");
        assertThat(r.out()).isEqualTo("""
                mov %r1, 1
                mov %r2, 2
                call local L4
                exit
                L4:
                mov %r0, %r1
                add %r0, %r2
                call bpf_ktime_get_ns
                jeq %r0, 0, L9
                mov %r0, 3
                L9:
                exit
                """);
        Path again = write("again.s", r.out());
        assertThat(CliRun.of("asm", again.toString(), "-o", "-").out()).isEqualTo(HEX);
    }

    @Test
    void disasmReadsAssemblerTextToo() throws Exception {
        Path s = write("add.s", SOURCE);
        assertThat(CliRun.of("disasm", s.toString()).out()).startsWith("0: (b7) r1 = 1\n1: (b7) r2 = 2\n");
    }

    @Test
    void disasmBadInput() throws Exception {
        Path odd = dir.resolve("odd.bin");
        Files.write(odd, new byte[] {1, 2, 3});
        assertThat(CliRun.of("disasm", odd.toString()).err())
                .isEqualTo("bpfvm: " + odd + ": 3 bytes is not a whole number of 8-byte instructions\n");
        Path lddw = dir.resolve("half.bin");
        Files.write(lddw, HexBytes.parse("18 00 00 00 01 00 00 00", "test"));
        assertThat(CliRun.of("disasm", lddw.toString()).err())
                .isEqualTo("bpfvm: " + lddw + ": insn 0: ld_imm64 at the last slot has no second half\n");
        CliRun r = CliRun.of("disasm", odd.toString(), "--syntax", "intel");
        assertThat(r.err()).isEqualTo("bpfvm: Invalid value for option '--syntax': expected one of [kernel, asm]"
                + " (case-sensitive) but was 'intel' (see 'bpfvm disasm --help')\n");
        assertThat(r.code()).isEqualTo(2);
    }

    @Test
    void unknownOpcodesDisassembleWithoutFailing() throws Exception {
        Path bin = dir.resolve("junk.bin");
        Files.write(bin, HexBytes.parse("ff 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00", "test"));
        CliRun r = CliRun.of("disasm", bin.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo("0: (ff) unknown opcode ff\n1: (95) exit\n");
        assertThat(CliRun.of("disasm", bin.toString(), "--syntax", "asm").out())
                .isEqualTo(".insn 0xff, 0, 0, 0, 0\nexit\n");
        assertThat(new String(Files.readAllBytes(bin), StandardCharsets.ISO_8859_1)).hasSize(16);
    }
}
