package dev.bpfvm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunCommandTest {
    @TempDir
    Path dir;

    private Path bin(String name, String hex) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, HexBytes.parse(hex, "test"));
        return p;
    }

    // r0 = *(u64 *)(r1 + 0); r0 += r2; *(u64 *)(r1 + 0) = r0; exit
    private static final String ACCUMULATE = "79 10 00 00 00 00 00 00 0f 20 00 00 00 00 00 00 "
            + "7b 01 00 00 00 00 00 00 95 00 00 00 00 00 00 00";

    @Test
    void verifyChecksRawCodeWithTheRawTypeBeforeRunning() throws Exception {
        Path p = bin("p.bin", "b7 00 00 00 2a 00 00 00 95 00 00 00 00 00 00 00");
        CliRun ok = CliRun.of("run", p.toString(), "--verify", "--tier", "interp");
        assertThat(ok.out()).startsWith("retval: 42\n");
        assertThat(ok.code()).isZero();
        // r1 is the memory, r2 its length, as conformance programs expect
        Path read = dir.resolve("read.s");
        Files.writeString(read, "ldxdw r0, [r1+0]\nexit\n");
        CliRun mem = CliRun.of("run", read.toString(), "--verify", "--tier", "interp", "--mem-hex",
                "01 00 00 00 00 00 00 00");
        assertThat(mem.out()).startsWith("retval: 1\n");
        CliRun acc = CliRun.of("run", bin("acc.bin", ACCUMULATE).toString(), "--verify", "--tier", "interp",
                "--mem-hex", "01 00 00 00 00 00 00 00");
        assertThat(acc.out()).startsWith("retval: 9\n");
        assertThat(acc.code()).isZero();
        Path past = dir.resolve("past.s");
        Files.writeString(past, "ldxdw r0, [r1+8]\nexit\n");
        CliRun beyond = CliRun.of("run", past.toString(), "--verify", "--mem-hex", "01 00 00 00 00 00 00 00");
        assertThat(beyond.err()).contains("0: R1=mem(sz=8) R2=8 R10=fp0\n")
                .contains("invalid access to memory, mem_size=8 off=8 size=8\n");
        assertThat(beyond.code()).isEqualTo(1);
        Path noRet = dir.resolve("noret.s");
        Files.writeString(noRet, "mov r1, 1\nexit\n");
        CliRun bad = CliRun.of("run", noRet.toString(), "--verify");
        assertThat(bad.err()).isEqualTo("""
                0: R1=mem(sz=0) R2=0 R10=fp0
                ; mov r1, 1 @ noret.s:1
                0: (b7) r1 = 1                        ; R1_w=1
                ; exit @ noret.s:2
                1: (95) exit
                R0 !read_ok
                processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
                """ + "bpfvm: " + noRet + ": rejected by the verifier at insn 1 (noret.s:2): R0 !read_ok\n");
        assertThat(bad.out()).isEmpty();
        assertThat(bad.code()).isEqualTo(1);
        assertThat(CliRun.of("run", noRet.toString()).code()).isZero(); // no verifier without --verify
    }

    @Test
    void printsRetvalAndDuration() throws Exception {
        Path p = bin("p.bin", "b7 00 00 00 2a 00 00 00 95 00 00 00 00 00 00 00");
        CliRun r = CliRun.of("run", p.toString());
        assertThat(r.out()).matches("retval: 42\nduration: \\d+ ns\n");
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isZero();
    }

    @Test
    void retvalIsUnsignedDecimal() throws Exception {
        Path p = bin("p.bin", "b7 00 00 00 fe ff ff ff 95 00 00 00 00 00 00 00");
        assertThat(CliRun.of("run", p.toString()).out()).startsWith("retval: 18446744073709551614\n");
    }

    @Test
    void memoryIsNotResetBetweenRepeats() throws Exception {
        Path p = bin("acc.bin", ACCUMULATE);
        // 8 bytes of memory starting at 1: each run adds r2 = 8
        CliRun r = CliRun.of("run", p.toString(), "--mem-hex", "01 00 00 00 00 00 00 00", "--repeat", "5");
        assertThat(r.out()).startsWith("retval: 41\n");
    }

    @Test
    void memoryFromAFile() throws Exception {
        Path p = bin("acc.bin", ACCUMULATE);
        Path mem = dir.resolve("mem.raw");
        byte[] big = new byte[2 << 20];   // 2 MiB
        big[0] = 10;
        Files.write(mem, big);
        CliRun r = CliRun.of("run", p.toString(), "--mem-in", mem.toString());
        assertThat(r.out()).startsWith("retval: " + (10 + (2 << 20)) + "\n");
    }

    @Test
    void jsonIsOneObject() throws Exception {
        Path p = bin("p.bin", "b7 00 00 00 07 00 00 00 95 00 00 00 00 00 00 00");
        CliRun r = CliRun.of("run", p.toString(), "--json", "--repeat", "3");
        assertThat(r.out()).matches("\\{\"retval\": 7, \"duration_ns\": \\d+, \"cpu_ns\": \\d+, \"repeat\": 3, \"timed_runs\": 2, \"tier\": \"interp\", "
                + "\"compile_ns\": null, \"instructions\": 2\\}\n");
        CliRun jit = CliRun.of("run", p.toString(), "--json", "--tier", "jit");
        assertThat(jit.out()).matches("\\{\"retval\": 7, \"duration_ns\": \\d+, \"cpu_ns\": \\d+, \"repeat\": 1, \"timed_runs\": 1, \"tier\": \"jit\", "
                + "\"compile_ns\": \\d+, \"instructions\": 2\\}\n");
    }

    @Test
    void faultsNameTheInstruction() throws Exception {
        Path p = bin("bad.bin", "b7 00 00 00 00 00 00 00 79 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00");
        CliRun r = CliRun.of("run", p.toString());
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("bpfvm: program bad.bin: insn 1: invalid memory read of 8 bytes at 0x0: not a pointer\n");
        assertThat(r.code()).isEqualTo(2);
    }

    @Test
    void budgetStopsInfiniteLoops() throws Exception {
        Path p = bin("loop.bin", "05 00 ff ff 00 00 00 00 95 00 00 00 00 00 00 00");
        CliRun r = CliRun.of("run", p.toString());
        assertThat(r.err()).startsWith("bpfvm: program loop.bin: insn 0: ").doesNotContain("\n\n");
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.code()).isEqualTo(2);
    }

    @Test
    void badInputs() throws Exception {
        Path p = bin("p.bin", "b7 00 00 00 2a 00 00 00 95 00 00 00 00 00 00 00");
        Path missing = dir.resolve("missing.bin");
        assertThat(CliRun.of("run", missing.toString()).err()).isEqualTo("bpfvm: cannot read " + missing + ": no such file\n");
        assertThat(CliRun.of("run", dir.toString()).err()).isEqualTo("bpfvm: cannot read " + dir + ": is a directory\n");
        Path odd = bin("odd.bin", "b7 00 00");
        assertThat(CliRun.of("run", odd.toString()).err())
                .isEqualTo("bpfvm: " + odd + ": 3 bytes is not a whole number of 8-byte instructions\n");
        Path empty = bin("empty.bin", "");
        assertThat(CliRun.of("run", empty.toString()).err()).isEqualTo("bpfvm: " + empty + ": empty program\n");
        Path elf = bin("x.o", "7f 45 4c 46 02 01 01 00");
        assertThat(CliRun.of("run", elf.toString()).err()).isEqualTo("bpfvm: x.o: not an ELF file (bad magic)\n");
        assertThat(CliRun.of("run", p.toString(), "--prog", "f").err())
                .isEqualTo("bpfvm: --prog is only for BPF object files (.o)\n");
        assertThat(CliRun.of("run", p.toString(), "--tier", "fast").err()).isEqualTo("bpfvm: Invalid value for option "
                + "'--tier': unknown tier 'fast' (expected interp, jit or auto) (see 'bpfvm run --help')\n");
        assertThat(CliRun.of("run", p.toString(), "--budget", "0").err())
                .isEqualTo("bpfvm: --budget must be at least 1 (got 0)\n");
        assertThat(CliRun.of("run", p.toString(), "--mem-hex", "1").err())
                .isEqualTo("bpfvm: bad hex in --mem-hex: '1' (token 1) has an odd number of digits\n");
        assertThat(CliRun.of("run", p.toString(), "--mem-hex", "00", "--mem-in", p.toString()).err())
                .isEqualTo("bpfvm: --mem-hex and --mem-in cannot be used together\n");
        assertThat(CliRun.of("run", p.toString(), "--repeat", "0").err())
                .isEqualTo("bpfvm: --repeat must be at least 1 (got 0)\n");
        CliRun r = CliRun.of("run", p.toString(), "--repeat", "x");
        assertThat(r.err()).isEqualTo("bpfvm: Invalid value for option '--repeat': 'x' is not an int (see 'bpfvm run --help')\n");
        assertThat(r.code()).isEqualTo(2);
        assertThat(CliRun.of("run").err()).isEqualTo("bpfvm: Missing required parameter: 'FILE' (see 'bpfvm run --help')\n");
    }

    @Test
    void runsAssemblerTextAndNamesItsLinesInFaults() throws Exception {
        Path ok = dir.resolve("ok.s");
        Files.writeString(ok, "ldxw r0, [r1+2]\nexit\n");
        assertThat(CliRun.of("run", ok.toString(), "--mem-hex", "aa bb 11 22 33 44 cc dd").out())
                .startsWith("retval: " + 0x44332211L + "\n");
        Path bad = dir.resolve("bad.s");
        Files.writeString(bad, "mov r0, 0\n# read past the end\nldxdw r0, [r1+4]\nexit\n");
        CliRun r = CliRun.of("run", bad.toString(), "--mem-hex", "00 00 00 00 00 00 00 00");
        assertThat(r.err()).startsWith("bpfvm: program bad.s: insn 1 (bad.s:3): invalid memory read of 8 bytes at 0x")
                .endsWith(": out of bounds of mem 'mem' (8 bytes) at offset 4\n");
        Path syntax = dir.resolve("syntax.s");
        Files.writeString(syntax, "mov r0\nexit\n");
        assertThat(CliRun.of("run", syntax.toString()).err()).startsWith("bpfvm: " + syntax + ":1: ");
    }

    @Test
    void printkLinesGoToStderr() throws Exception {
        Path p = dir.resolve("hello.s");
        Files.writeString(p, """
                stw [r10-4], 0x0a6968    # "hi\\n\\0"
                mov r1, r10
                add r1, -4
                mov r2, 4
                call bpf_trace_printk
                exit
                """);
        CliRun r = CliRun.of("run", p.toString(), "--repeat", "2");
        assertThat(r.out()).startsWith("retval: 3\n");
        assertThat(r.err()).isEqualTo("bpf_trace_printk: hi\nbpf_trace_printk: hi\n");
        // jit's warm-up runs print nothing: only the timed runs do
        CliRun jit = CliRun.of("run", p.toString(), "--repeat", "2", "--tier", "jit");
        assertThat(jit.out()).matches("retval: 3\nduration: \\d+ ns\ncompile: \\d+ ns\n");
        assertThat(jit.err()).isEqualTo("bpf_trace_printk: hi\nbpf_trace_printk: hi\n");
    }

    /** The first run marks the memory and spins 2 million times; every later run returns at once. */
    // the heavy loop calls a helper (bpf_ktime_get_ns), so the JIT runs every iteration as
    // written (a loop without calls would be versioned into a fast copy that costs almost nothing)
    private static final String HEAVY_FIRST_RUN = """
            ldxb r2, [r1+0]
            jne r2, 0, light
            stb [r1+0], 1
            mov r6, 0
            spin:
            call 5
            add r6, 1
            jlt r6, 500000, spin
            mov r2, 0
            light:
            mov r0, r2
            exit
            """;

    /** The CPU time per timed run (a busy machine disturbs the wall-clock duration far more). */
    private static long cpuNs(CliRun r) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"cpu_ns\": (\\d+),").matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void durationIsTimedOverTheSecondHalfOfTheRuns() throws Exception {
        Path p = dir.resolve("heavy.s");
        Files.writeString(p, HEAVY_FIRST_RUN);
        for (String tier : new String[] {"interp", "jit", "auto"}) {
            CliRun cold = CliRun.of("run", p.toString(), "--mem-hex", "00", "--tier", tier, "--json");
            assertThat(cold.out()).as(tier).contains("\"retval\": 0, ").contains("\"timed_runs\": 1, ");
            // the heavy first run is the warm-up (jit's warm-up on a scratch copy leaves the memory alone)
            CliRun two = CliRun.of("run", p.toString(), "--mem-hex", "00", "--tier", tier, "--json", "--repeat", "2");
            assertThat(two.out()).as(tier).contains("\"retval\": 1, ").contains("\"timed_runs\": 1, ")
                    .contains("\"instructions\": 4}");
            assertThat(cpuNs(two)).as(tier).isLessThan(cpuNs(cold) / 10);
        }
    }
}
