package dev.bpfvm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.testprogs.TestObjects;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bpfvm run} on BPF objects: rawfunc.o holds ubpf-style functions in .text (see
 * testprogs/src/bpf/rawfunc.c), calls.o programs with a global .text subprogram.
 */
class RunObjectTest {
    private static final Pattern JSON = Pattern.compile("\\{\"retval\": (\\d+), \"duration_ns\": (\\d+), \"cpu_ns\": \\d+, \"repeat\": (\\d+), "
            + "\"timed_runs\": \\d+, \"tier\": \"(interp|jit)\", \"compile_ns\": (null|\\d+), \"instructions\": (\\d+)\\}\n");

    @TempDir
    Path dir;

    private Path object(String name) throws Exception {
        Path p = dir.resolve(name);
        if (!Files.exists(p)) {
            Files.write(p, TestObjects.bytes(name));
        }
        return p;
    }

    private CliRun run(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "run";
        all[1] = object("rawfunc.o").toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return CliRun.of(all);
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x ", x & 0xff));
        }
        return sb.toString();
    }

    /** rawfunc.c's checksum, in Java. */
    private static long checksum(byte[] mem) {
        long a = 1;
        long b = 0;
        for (byte x : mem) {
            a = Long.remainderUnsigned(a + (x & 0xff), 0xffffffffL);
            b = Long.remainderUnsigned(b + a, 0xffffffffL);
        }
        return b << 32 | a;
    }

    /** The clang-compiled benchmark objects (testprogs/src/bpf/bench) run on their committed inputs in every tier. */
    @Test
    void benchmarkObjectsRunOnTheirInputs() throws Exception {
        for (String tier : new String[] {"interp", "jit", "auto"}) {
            CliRun switchRun = CliRun.of("run", object("bench_switch.o").toString(), "--mem-in",
                    object("bench_switch.mem").toString(), "--tier", tier, "--repeat", "3", "--json");
            Matcher m = JSON.matcher(switchRun.out());
            assertThat(m.matches()).as(tier + ": " + switchRun.out() + switchRun.err()).isTrue();
            assertThat(m.group(1)).isEqualTo(Long.toUnsignedString(0xa699bdb9c9042865L));
            assertThat(m.group(6)).isEqualTo("125601");
            // the map keeps its counters across repeats: the second run's sum
            CliRun maps = CliRun.of("run", object("bench_maplookup.o").toString(), "--mem-in",
                    object("bench_maplookup.mem").toString(), "--tier", tier, "--repeat", "2");
            assertThat(maps.out()).as(tier).startsWith("retval: 106658\n");
        }
    }

    @Test
    void aTextFunctionWithAStaticSubprogram() throws Exception {
        CliRun r = run("--prog", "count_primes");
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).matches("retval: 168\nduration: \\d+ ns\n");
        assertThat(r.code()).isZero();
        // limit 10000 from the memory (little-endian u32)
        assertThat(run("--prog", "count_primes", "--mem-hex", "10 27 00 00").out()).startsWith("retval: 1229\n");
    }

    @Test
    void globalDataFromRodataAndData() throws Exception {
        byte[] mem = new byte[300];
        new Random(7).nextBytes(mem);
        long bits = 0;
        for (byte b : mem) {
            bits += Integer.bitCount(b & 0xff);
        }
        assertThat(run("--prog", "popcount", "--mem-hex", hex(mem)).out()).startsWith("retval: " + bits + "\n");
        // .data starts at 100; it is not reset between repeats, and jit's warm-up leaves it alone
        for (String tier : new String[] {"interp", "jit", "auto"}) {
            assertThat(run("--prog", "count_calls", "--repeat", "5", "--tier", tier).out()).as(tier)
                    .startsWith("retval: 105\n");
        }
    }

    @Test
    void tiersAgreeAndJitPrintsCompileTime() throws Exception {
        byte[] mem = new byte[4096];
        new Random(42).nextBytes(mem);
        Path in = dir.resolve("mem.raw");
        Files.write(in, mem);
        String want = Long.toUnsignedString(checksum(mem));
        CliRun interp = run("--prog", "checksum", "--mem-in", in.toString(), "--tier", "interp", "--repeat", "3");
        assertThat(interp.out()).matches("retval: " + want + "\nduration: \\d+ ns\n");
        CliRun jit = run("--prog", "checksum", "--mem-in", in.toString(), "--tier", "jit", "--repeat", "3");
        assertThat(jit.out()).matches("retval: " + want + "\nduration: \\d+ ns\ncompile: \\d+ ns\n");
        assertThat(jit.err()).isEmpty();
        CliRun auto = run("--prog", "checksum", "--mem-in", in.toString(), "--tier", "auto", "--repeat", "3");
        assertThat(auto.out()).matches("retval: " + want + "\nduration: \\d+ ns\n");
        // the memory is not reset between repeats, warm-up or not: 1 + 5 * 8 in every tier
        for (String tier : new String[] {"interp", "jit", "auto"}) {
            assertThat(run("--prog", "accumulate", "--mem-hex", "01 00 00 00 00 00 00 00", "--repeat", "5",
                    "--tier", tier).out()).as(tier).startsWith("retval: 41\n");
        }
    }

    @Test
    void jsonNamesTheTierThatRan() throws Exception {
        Matcher jit = JSON.matcher(run("--prog", "count_primes", "--tier", "jit", "--json", "--repeat", "2").out());
        assertThat(jit.matches()).isTrue();
        assertThat(jit.group(1)).isEqualTo("168");
        assertThat(jit.group(3)).isEqualTo("2");
        assertThat(jit.group(4)).isEqualTo("jit");
        assertThat(jit.group(5)).isNotEqualTo("null");
        Matcher interp = JSON.matcher(run("--prog", "count_primes", "--tier", "interp", "--json").out());
        assertThat(interp.matches()).isTrue();
        assertThat(interp.group(4)).isEqualTo("interp");
        assertThat(interp.group(5)).isEqualTo("null");
        assertThat(interp.group(6)).isEqualTo(jit.group(6));
    }

    @Test
    void autoCompilesInTheBackgroundWithoutChangingResults() throws Exception {
        // 3000 runs: compiled after 1000, swapped in whenever it is ready; .data counts every run
        Matcher m = JSON.matcher(run("--prog", "count_calls", "--repeat", "3000", "--json").out());
        assertThat(m.matches()).isTrue();
        assertThat(m.group(1)).isEqualTo("3100");
        assertThat(m.group(5)).isEqualTo("null");
        assertThat(m.group(6)).isEqualTo("5");
    }

    @Test
    void twoMibInputAndTenMillionInstructions() throws Exception {
        byte[] mem = new byte[2 << 20];
        new Random(1).nextBytes(mem);
        Path in = dir.resolve("big.raw");
        Files.write(in, mem);
        String want = Long.toUnsignedString(checksum(mem));
        for (String tier : new String[] {"interp", "jit"}) {
            Matcher m = JSON.matcher(run("--prog", "checksum", "--mem-in", in.toString(), "--tier", tier, "--json").out());
            assertThat(m.matches()).as(tier).isTrue();
            assertThat(m.group(1)).as(tier).isEqualTo(want);
            assertThat(Long.parseLong(m.group(6))).as(tier).isEqualTo(11L * (2 << 20) + 9);
        }
        // the budget stops a run that needs more
        CliRun over = run("--prog", "checksum", "--mem-in", in.toString(), "--budget", "1000000");
        assertThat(over.err()).startsWith("bpfvm: program checksum: insn ");
        assertThat(over.err().lines()).hasSize(1);
        assertThat(over.code()).isEqualTo(2);
    }

    @Test
    void faultsNameTheInstructionAndSourceLine() throws Exception {
        for (String tier : new String[] {"interp", "jit"}) {
            CliRun r = run("--prog", "read_past_end", "--mem-hex", "00 00 00 00", "--tier", tier);
            assertThat(r.out()).isEmpty();
            assertThat(r.err()).as(tier).startsWith("bpfvm: program read_past_end: insn 1 (rawfunc.c:")
                    .contains("invalid memory read of 8 bytes at 0x")
                    .endsWith(": out of bounds of mem 'mem' (4 bytes) at offset 4\n");
            assertThat(r.code()).isEqualTo(2);
        }
    }

    @Test
    void choosingTheFunction() throws Exception {
        CliRun none = run();
        assertThat(none.err()).isEqualTo("bpfvm: " + object("rawfunc.o") + ": more than one function; choose one with "
                + "--prog (functions: checksum, count_primes, popcount, count_calls, accumulate, read_past_end, main, "
                + "count_in_map)\n");
        assertThat(none.code()).isEqualTo(2);
        CliRun unknown = run("--prog", "is_prime");
        assertThat(unknown.err()).isEqualTo("bpfvm: " + object("rawfunc.o") + ": no program or global function named "
                + "'is_prime' (functions: checksum, count_primes, popcount, count_calls, accumulate, read_past_end, main, "
                + "count_in_map)\n");
        assertThat(unknown.code()).isEqualTo(2);
        // globals.o has one program: it is the default (it reads its context, and raw runs have none)
        assertThat(CliRun.of("run", object("globals.o").toString()).err())
                .startsWith("bpfvm: program use_globals: insn 5 (globals.c:26): invalid memory read of 4 bytes at 0x0");
        // calls.o: a global .text subprogram runs on its own (r1 + r2), programs too
        Path calls = object("calls.o");
        assertThat(CliRun.of("run", calls.toString(), "--prog", "global_add", "--mem-hex", "00 00 00").out())
                .startsWith("retval: 3\n");   // (int) (r1 + r2): the memory is at offset 0 of its region
        CliRun two = CliRun.of("run", calls.toString());
        assertThat(two.err()).isEqualTo("bpfvm: " + calls + ": more than one function; choose one with --prog "
                + "(functions: global_add, calls_main [socket], calls_loop [syscall])\n");
        // calls_loop uses bpf_loop with a callback: the helpers are there
        assertThat(CliRun.of("run", calls.toString(), "--prog", "calls_loop").out()).startsWith("retval: 285\n");
    }

    @Test
    void disasmShowsATextFunctionWithItsSubprograms() throws Exception {
        CliRun r = CliRun.of("disasm", object("rawfunc.o").toString(), "--prog", "count_primes");
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).startsWith("__u64 count_primes(const __u8 * mem, __u64 len):\n")
                .contains("\nstatic int is_prime(__u32 n):\n")
                .endsWith(": (95) exit\n");
        assertThat(r.code()).isZero();
    }

    @Test
    void functionsThatUseMapsRunWithTheObjectsMaps() throws Exception {
        // count_in_map: ++runs[0] + len; maps keep their contents across repeats (no warm-up touches them)
        for (String tier : new String[] {"interp", "jit", "auto"}) {
            CliRun r = run("--prog", "count_in_map", "--mem-hex", "00 00", "--repeat", "4", "--tier", tier);
            assertThat(r.err()).as(tier).isEmpty();
            assertThat(r.out()).as(tier).startsWith("retval: 6\n");
        }
        // a program of an object with maps and tail calls links, but raw runs have no context: r1 = 0
        Path maps = object("maps.o");
        CliRun r = CliRun.of("run", maps.toString(), "--prog", "use_maps");
        assertThat(r.err()).isEqualTo("bpfvm: program use_maps: insn 3 (maps.c:169): invalid memory read of 4 bytes"
                + " at 0x0: not a pointer\n");
        assertThat(r.code()).isEqualTo(2);
    }

    @Test
    void verifyModelsATextFunctionAsASyscallProgramWhoseR2IsUnknown() throws Exception {
        // r1 is the buffer (syscall context); the length in r2 is not modelled, so reading it is refused
        CliRun r = CliRun.of("run", object("rawfunc.o").toString(), "--prog", "checksum", "--verify");
        assertThat(r.err()).endsWith("1: (15) if r2 == 0x0 goto pc+18\nR2 !read_ok\n"
                + "processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n"
                + "bpfvm: " + object("rawfunc.o") + ": checksum: rejected by the verifier at insn 1 (rawfunc.c:14): "
                + "R2 !read_ok\n");
        assertThat(r.err()).contains("; for (__u64 i = 0; i < len; i++) { @ rawfunc.c:14\n");
        assertThat(r.code()).isEqualTo(1);
    }
}
