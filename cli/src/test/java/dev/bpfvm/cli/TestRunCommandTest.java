package dev.bpfvm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestRunCommandTest {
    /** testprogs' committed objects (tests run in the module directory). */
    static final String TESTRUN = Path.of("../testprogs/src/main/resources/bpf/testrun.o").toString();
    static final String GLOBALS = Path.of("../testprogs/src/main/resources/bpf/globals.o").toString();

    /** An IPv4/UDP frame to port 53 with payload "hi", TTL 64, checksum correct. */
    static final String UDP = "000000000000 000000000000 0800"
            + " 4500 001e 0000 0000 4011 66cc 0a000001 0a000002"
            + " 3039 0035 000a 0000 6869";

    @TempDir
    Path dir;

    @Test
    void oneProgramPrintsRetvalAndDuration() {
        CliRun r = CliRun.of("test-run", TESTRUN, "--prog", "sock_count", "--data-hex", UDP);
        assertThat(r.out()).matches("retval: 4194334\nduration: \\d+ ns\n");       // 64 << 16 | 30 (skb->len)
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isZero();
    }

    @Test
    void theVerifierRunsUnlessNoVerify() {
        String core = Path.of("../testprogs/src/main/resources/bpf/core.o").toString();
        CliRun r = CliRun.of("test-run", core, "--prog", "core_reads");
        assertThat(r.err()).isEqualTo("bpfvm: core.o: program core_iter: rejected at insn 7 (core.c:51): At program "
                + "exit the register R0 has smin=0 smax=4294967295 should have been in [0, 1]\n");
        assertThat(r.out()).isEmpty();
        assertThat(r.code()).isEqualTo(2);
        CliRun skipped = CliRun.of("test-run", core, "--prog", "core_reads", "--no-verify");
        // loaded without the verifier: the run itself happens (and faults without a ctx)
        assertThat(skipped.err()).startsWith("bpfvm: program core_reads: insn 0 (core.c:31): invalid memory read");
    }

    @Test
    void allProgramsArePrefixedAndFailuresGoToStderr() {
        CliRun r = CliRun.of("test-run", TESTRUN, "--all", "--data-hex", UDP);
        assertThat(r.out()).matches("(?s)sock_count: retval: 4194334\nsock_count: duration: \\d+ ns\n"
                + "tc_rewrite: retval: 0\ntc_rewrite: duration: \\d+ ns\n"
                + "xdp_tag: retval: 3\nxdp_tag: duration: \\d+ ns\n"
                + "xdp_too_far: retval: 2\nxdp_too_far: duration: \\d+ ns\n"
                + "cg_ingress: retval: 1\ncg_ingress: duration: \\d+ ns\n");
        assertThat(r.err()).startsWith("bpfvm: fentry_args: program fentry_args: test run: tracing programs take no"
                + " data_in (EINVAL)\n");
        assertThat(r.code()).isEqualTo(2);
    }

    @Test
    void jsonHasOneObjectPerProgram() {
        CliRun r = CliRun.of("test-run", TESTRUN, "--prog", "xdp_too_far", "--data-hex", UDP, "--json");
        assertThat(r.out()).matches("\\{\"name\": \"xdp_too_far\", \"retval\": 2, \"duration_ns\": \\d+, \"data_out\": \""
                + UDP.replace(" ", "") + "\", \"tier\": \"interp\", \"error\": null\\}\n");
        CliRun bad = CliRun.of("test-run", TESTRUN, "--prog", "sock_count", "--data-hex", "00", "--json");
        assertThat(bad.out()).isEqualTo("{\"name\": \"sock_count\", \"retval\": null, \"duration_ns\": null,"
                + " \"data_out\": null, \"error\": \"program sock_count: test run: data_in must be an Ethernet frame"
                + " of 14..3712 bytes (1 given) (EINVAL)\"}\n");
        assertThat(bad.code()).isEqualTo(2);
    }

    @Test
    void jitTierCompilesFirstAndGivesTheSameResults() {
        CliRun interp = CliRun.of("test-run", TESTRUN, "--prog", "xdp_too_far", "--data-hex", UDP, "--tier", "interp",
                "--json", "--repeat", "5");
        CliRun jit = CliRun.of("test-run", TESTRUN, "--prog", "xdp_too_far", "--data-hex", UDP, "--tier", "jit",
                "--json", "--repeat", "5");
        assertThat(interp.out()).contains("\"retval\": 2,").contains("\"tier\": \"interp\"");
        assertThat(jit.out()).contains("\"retval\": 2,").contains("\"tier\": \"jit\"");
        assertThat(jit.out().replaceAll("\"duration_ns\": \\d+", "").replace("jit", "interp"))
                .isEqualTo(interp.out().replaceAll("\"duration_ns\": \\d+", ""));
        CliRun bad = CliRun.of("test-run", TESTRUN, "--prog", "xdp_too_far", "--tier", "fast");
        assertThat(bad.code()).isEqualTo(2);
    }

    @Test
    void ctxInFromAFile() throws Exception {
        Path ctx = dir.resolve("args.bin");
        Files.write(ctx, new byte[] {10, 0, 0, 0, 0, 0, 0, 0, 50, 0, 0, 0, 0, 0, 0, 0});
        CliRun r = CliRun.of("test-run", TESTRUN, "--prog", "raw_args", "--ctx-in", ctx.toString());
        assertThat(r.out()).startsWith("retval: 40\n");
    }

    @Test
    void errorsExitWithTwoAndTheMessage() {
        CliRun r = CliRun.of("test-run", TESTRUN, "--prog", "nope");
        assertThat(r.err()).isEqualTo("bpfvm: testrun.o: no program named 'nope' (programs: sock_count, tc_rewrite,"
                + " xdp_tag, xdp_too_far, cg_ingress, fentry_args, fexit_ret, raw_args, kprobe_regs, tp_record,"
                + " syscall_ctx)\n");
        assertThat(r.code()).isEqualTo(2);
        CliRun missing = CliRun.of("test-run", dir.resolve("none.o").toString(), "--all");
        assertThat(missing.err()).endsWith("none.o: no such file\n");
        assertThat(missing.code()).isEqualTo(2);
        CliRun both = CliRun.of("test-run", TESTRUN, "--prog", "x", "--all");
        assertThat(both.code()).isEqualTo(2);
        CliRun fault = CliRun.of("test-run", TESTRUN, "--prog", "syscall_ctx");
        assertThat(fault.err()).startsWith("bpfvm: program syscall_ctx: insn ");
        assertThat(fault.code()).isEqualTo(2);
    }

    @Test
    void traceShowsEachInstructionAndChangedRegisters() {
        CliRun r = CliRun.of("test-run", TESTRUN, "--prog", "xdp_too_far", "--data-hex", UDP, "--trace");
        String[] lines = r.err().split("\n");
        assertThat(lines[0]).matches("0: \\(b4\\) w2 = 4096 ; R1=0x[0-9a-f]+ R2=4096 R10=0x[0-9a-f]+");
        assertThat(lines[1]).isEqualTo("1: (85) call bpf_xdp_adjust_head#44 ; R0=-22");
        assertThat(lines[lines.length - 1]).matches("\\d+: \\(95\\) exit");
        assertThat(r.out()).startsWith("retval: 2\n");
    }

    @Test
    void printkGoesToStderr() {
        CliRun r = CliRun.of("test-run", GLOBALS, "--prog", "use_globals", "--data-hex", UDP);
        assertThat(r.err()).isEqualTo("bpf_trace_printk: len 30 limit 512\n");
        assertThat(r.out()).startsWith("retval: 43\n");
    }
}
