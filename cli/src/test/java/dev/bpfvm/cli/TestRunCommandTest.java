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
        assertThat(r.out()).matches("\\{\"name\": \"xdp_too_far\", \"retval\": 2, \"duration_ns\": \\d+, \"cpu_ns\": \\d+, \"data_out\": \""
                + UDP.replace(" ", "") + "\", \"tier\": \"interp\", \"error\": null\\}\n");
        CliRun bad = CliRun.of("test-run", TESTRUN, "--prog", "sock_count", "--data-hex", "00", "--json");
        assertThat(bad.out()).isEqualTo("{\"name\": \"sock_count\", \"retval\": null, \"duration_ns\": null, \"cpu_ns\": null,"
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
        assertThat(jit.out().replaceAll("\"(duration|cpu)_ns\": \\d+", "").replace("jit", "interp"))
                .isEqualTo(interp.out().replaceAll("\"(duration|cpu)_ns\": \\d+", ""));
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

    @Test
    void traceWithSourceShowsLinesMemoryAndHelperCalls() {
        CliRun r = CliRun.of("test-run", TESTRUN, "--prog", "xdp_too_far", "--data-hex", UDP, "--trace", "--source");
        assertThat(r.err()).isEqualTo("""
                ; enter xdp_too_far: R1=ctx(xdp_md)+0 R10=fp
                ; long err = bpf_xdp_adjust_head(ctx, 4096); @ testrun.c:119
                0: (b4) w2 = 4096 ; R2=4096
                1: (85) call bpf_xdp_adjust_head#44 ; R0=-22 ; bpf_xdp_adjust_head(ctx(xdp_md)+0, 4096) = -22
                2: (bf) r1 = r0 ; R1=-22
                3: (b4) w0 = 2 ; R0=2
                ; return err == -22 ? XDP_PASS : XDP_DROP; @ testrun.c:120
                4: (15) if r1 == 0xffffffea goto pc+1
                6: (95) exit
                """);
        assertThat(r.out()).startsWith("retval: 2\n");
    }

    @Test
    void traceWithSourceShowsContextPacketStackAndMapAccesses() {
        CliRun r = CliRun.of("test-run", TESTRUN, "--prog", "sock_count", "--data-hex", UDP, "--trace", "--source");
        assertThat(r.err()).isEqualTo("""
                ; enter sock_count: R1=ctx(__sk_buff)+0 R10=fp
                ; int sock_count(struct __sk_buff *skb) @ testrun.c:51
                0: (bf) r6 = r1 ; R6=ctx(__sk_buff)+0
                1: (b4) w7 = 0
                ; if (skb->protocol != bpf_htons(ETH_P_IP)) @ testrun.c:53
                2: (61) r1 = *(u32 *)(r6 +16) ; R1=8 ; read 4 at ctx(__sk_buff)+16 = 8
                3: (56) if w1 != 0x8 goto pc+29
                ; __u32 proto = load_byte(skb, offsetof(struct iphdr, protocol)); @ testrun.c:55
                4: (30) r0 = *(u8 *)skb[9] ; R0=17 ; read 1 at skb data+9 = 17
                5: (63) *(u32 *)(r10 -4) = r0 ; wrote 4 at fp-4 = 17
                6: (bf) r2 = r10 ; R2=fp
                7: (07) r2 += -4 ; R2=fp-4
                ; __u64 *v = bpf_map_lookup_elem(&proto_bytes, &proto); @ testrun.c:56
                8: (18) r1 = map(proto_bytes)+0 ; R1=map(proto_bytes)+0
                10: (85) call bpf_map_lookup_elem#1 ; R0=map_value(proto_bytes)+136 ; \
                bpf_map_lookup_elem(map(proto_bytes)+0, fp-4) = map_value(proto_bytes)+136
                ; if (v) @ testrun.c:57
                11: (15) if r0 == 0x0 goto pc+2
                ; __sync_fetch_and_add(v, skb->len); @ testrun.c:58
                12: (61) r1 = *(u32 *)(r6 +0) ; R1=30 ; read 4 at ctx(__sk_buff)+0 = 30
                13: (db) lock *(u64 *)(r0 +0) += r1 ; read and wrote 8 at map_value(proto_bytes)+136
                14: (bf) r3 = r10 ; R3=fp
                15: (07) r3 += -5 ; R3=fp-5
                16: (b4) w7 = 1 ; R7=1
                ; if (bpf_skb_load_bytes(skb, offsetof(struct iphdr, ttl), &ttl, 1)) @ testrun.c:60
                17: (bf) r1 = r6 ; R1=ctx(__sk_buff)+0
                18: (b4) w2 = 8 ; R2=8
                19: (b4) w4 = 1 ; R4=1
                20: (85) call bpf_skb_load_bytes#26 ; R0=0 ; bpf_skb_load_bytes(ctx(__sk_buff)+0, 8, fp-5, 1) = 0
                21: (55) if r0 != 0x0 goto pc+11
                ; skb->cb[0] = proto; @ testrun.c:62
                22: (61) r1 = *(u32 *)(r10 -4) ; R1=17 ; read 4 at fp-4 = 17
                23: (63) *(u32 *)(r6 +48) = r1 ; wrote 4 at ctx(__sk_buff)+48 = 17
                ; skb->cb[4] = load_half(skb, sizeof(struct iphdr) + offsetof(struct udphdr, dest)); @ testrun.c:63
                24: (28) r0 = *(u16 *)skb[22] ; R0=53 ; read 2 at skb data+22 = 53
                25: (63) *(u32 *)(r6 +64) = r0 ; wrote 4 at ctx(__sk_buff)+64 = 53
                ; return ((__u32)ttl << 16) | (skb->pkt_type << 12) | skb->len; @ testrun.c:64
                26: (61) r1 = *(u32 *)(r6 +4) ; R1=0 ; read 4 at ctx(__sk_buff)+4 = 0
                27: (64) w1 <<= 12
                28: (71) r7 = *(u8 *)(r10 -5) ; R7=64 ; read 1 at fp-5 = 64
                29: (64) w7 <<= 16 ; R7=4194304
                30: (4c) w7 |= w1
                31: (61) r1 = *(u32 *)(r6 +0) ; R1=30 ; read 4 at ctx(__sk_buff)+0 = 30
                32: (4c) w7 |= w1 ; R7=4194334
                ; } @ testrun.c:65
                33: (bc) w0 = w7 ; R0=4194334
                34: (95) exit
                """);
    }

    @Test
    void sourceNeedsTrace() {
        CliRun r = CliRun.of("test-run", TESTRUN, "--prog", "sock_count", "--data-hex", UDP, "--source");
        assertThat(r.err()).isEqualTo("bpfvm: --source needs --trace\n");
        assertThat(r.out()).isEmpty();
    }
}
