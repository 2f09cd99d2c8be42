package dev.bpfvm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code bpfvm verify} on testprogs' committed objects. */
class VerifyCommandTest {
    static final String CORE = Path.of("../testprogs/src/main/resources/bpf/core.o").toString();
    static final String GLOBALS = Path.of("../testprogs/src/main/resources/bpf/globals.o").toString();
    static final String TESTRUN = Path.of("../testprogs/src/main/resources/bpf/testrun.o").toString();
    static final String EXTERNS = Path.of("../testprogs/src/main/resources/bpf/externs.o").toString();
    static final String RAWFUNC = Path.of("../testprogs/src/main/resources/bpf/rawfunc.o").toString();

    static final String CORE_ITER = "At program exit the register R0 has smin=0 smax=4294967295 "
            + "should have been in [0, 1]";

    /** The level-1 log of core_iter: the failing path, with source lines. */
    static final String CORE_ITER_LOG = """
            0: R1=ctx() R10=fp0
            ; int core_iter(struct bpf_iter__cgroup *ctx) @ core.c:45
            0: (b4) w0 = 0                        ; R0_w=0
            ; struct cgroup *cgrp = ctx->cgroup; @ core.c:47
            1: (79) r2 = *(u64 *)(r1 +8)          ; R1=ctx() R2_w=trusted_ptr_or_null_cgroup(id=1)
            ; if (!cgrp) @ core.c:48
            2: (15) if r2 == 0x0 goto pc+4        ; R2_w=trusted_ptr_cgroup()
            ; return cgrp->level + (int)ctx->meta->seq_num; @ core.c:50
            3: (79) r1 = *(u64 *)(r1 +0)          ; R1_w=trusted_ptr_bpf_iter_meta()
            4: (61) r0 = *(u32 *)(r2 +96)         ; R0_w=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) \
            R2_w=trusted_ptr_cgroup()
            5: (79) r1 = *(u64 *)(r1 +16)         ; R1_w=scalar()
            6: (0c) w0 += w1                      ; R0_w=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) \
            R1_w=scalar()
            ; } @ core.c:51
            7: (95) exit
            At program exit the register R0 has smin=0 smax=4294967295 should have been in [0, 1]
            processed 8 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
            """;

    @Test
    void allPrintsOneLinePerProgramAndExitsOneOnARejection() {
        CliRun r = CliRun.of("verify", CORE, "--all");
        assertThat(r.out()).isEqualTo("""
                core_reads: accepted (88 insns processed)
                core_poisoned: accepted (5 insns processed)
                core_iter: rejected: At program exit the register R0 has smin=0 smax=4294967295 should have been in [0, 1]
                """);
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isEqualTo(1);
    }

    @Test
    void aRejectedProgramPrintsItsLogWithSourceLines() {
        CliRun r = CliRun.of("verify", CORE, "--prog", "core_iter");
        assertThat(r.out()).isEqualTo(CORE_ITER_LOG + "core_iter: rejected: " + CORE_ITER + "\n");
        assertThat(r.code()).isEqualTo(1);
    }

    @Test
    void anAcceptedProgramExitsZero() {
        CliRun one = CliRun.of("verify", GLOBALS);
        assertThat(one.out()).isEqualTo("use_globals: accepted (79 insns processed)\n");
        assertThat(one.code()).isZero();
        CliRun prog = CliRun.of("verify", CORE, "--prog", "core_reads");
        assertThat(prog.out()).isEqualTo("core_reads: accepted (88 insns processed)\n");
        assertThat(prog.code()).isZero();
    }

    @Test
    void logLevelTwoPrintsEveryInstructionOfAcceptedProgramsToo() {
        CliRun r = CliRun.of("verify", GLOBALS, "--log-level", "2");
        assertThat(r.out()).startsWith("""
                func#0 @0
                0: R1=ctx() R10=fp0
                ; calls++; @ globals.c:25
                0: (18) r2 = map[id:5][0]+0           ; R2_w=map_value(map=.bss,ks=4,vs=48)
                """);
        assertThat(r.out()).contains("\n57: (85) call bpf_trace_printk#6\n58: safe\n");
        assertThat(r.out()).endsWith("\nprocessed 79 insns (limit 1000000) max_states_per_insn 0 total_states 1 "
                + "peak_states 1 mark_read 0\nuse_globals: accepted (79 insns processed)\n");
        assertThat(r.code()).isZero();
    }

    @Test
    void jsonHasOneObjectPerProgram() {
        CliRun r = CliRun.of("verify", CORE, "--all", "--json");
        assertThat(r.out()).isEqualTo("""
                {"name": "core_reads", "verdict": "accepted", "message": null, "insns_processed": 88}
                {"name": "core_poisoned", "verdict": "accepted", "message": null, "insns_processed": 5}
                {"name": "core_iter", "verdict": "rejected", "message": "%s", "insns_processed": 8}
                """.formatted(CORE_ITER));
        assertThat(r.code()).isEqualTo(1);
        CliRun log = CliRun.of("verify", CORE, "--prog", "core_iter", "--json", "--log-level", "1");
        assertThat(log.out()).isEqualTo("{\"name\": \"core_iter\", \"verdict\": \"rejected\", \"message\": \""
                + CORE_ITER + "\", \"insns_processed\": 8, \"log\": " + ObjectRuns.json(CORE_ITER_LOG) + "}\n");
    }

    @Test
    void unprivilegedRefusesTypesThatNeedCapBpf() {
        CliRun r = CliRun.of("verify", TESTRUN, "--all", "--unpriv");
        assertThat(r.out()).isEqualTo("""
                sock_count: accepted (46 insns processed)
                tc_rewrite: rejected: program type BPF_PROG_TYPE_SCHED_CLS requires CAP_BPF
                xdp_tag: rejected: program type BPF_PROG_TYPE_XDP requires CAP_BPF
                xdp_too_far: rejected: program type BPF_PROG_TYPE_XDP requires CAP_BPF
                cg_ingress: rejected: invalid bpf_context access off=80 size=4
                fentry_args: rejected: program type BPF_PROG_TYPE_TRACING requires CAP_BPF
                fexit_ret: rejected: program type BPF_PROG_TYPE_TRACING requires CAP_BPF
                raw_args: rejected: program type BPF_PROG_TYPE_RAW_TRACEPOINT requires CAP_BPF
                kprobe_regs: rejected: program type BPF_PROG_TYPE_KPROBE requires CAP_BPF
                tp_record: rejected: program type BPF_PROG_TYPE_TRACEPOINT requires CAP_BPF
                syscall_ctx: rejected: program type BPF_PROG_TYPE_SYSCALL requires CAP_BPF
                """);
        assertThat(r.code()).isEqualTo(1);
    }

    @Test
    void errorsExitTwo() {
        CliRun many = CliRun.of("verify", CORE);
        assertThat(many.err()).isEqualTo("bpfvm: " + CORE + ": more than one program; choose one with --prog or use "
                + "--all (programs: core_reads, core_poisoned, core_iter)\n");
        assertThat(many.code()).isEqualTo(2);
        assertThat(CliRun.of("verify", CORE, "--prog", "nope").err()).isEqualTo("bpfvm: " + CORE
                + ": no program named 'nope' (programs: core_reads, core_poisoned, core_iter)\n");
        assertThat(CliRun.of("verify", CORE, "--prog", "core_iter", "--all").err())
                .isEqualTo("bpfvm: --prog and --all cannot be used together\n");
        assertThat(CliRun.of("verify", CORE, "--all", "--log-level", "3").err())
                .isEqualTo("bpfvm: --log-level must be 1 or 2 (got 3)\n");
        assertThat(CliRun.of("verify", RAWFUNC, "--all").err())
                .isEqualTo("bpfvm: " + RAWFUNC + ": the object has no programs\n");
        // a program that cannot be linked is its own load error; the others are still verified
        CliRun load = CliRun.of("verify", EXTERNS, "--all");
        assertThat(load.err()).isEmpty();
        assertThat(load.out()).contains("use_kconfig: cannot load: externs: use_kconfig: insn 2 (externs.c:59): "
                + "extern (ksym) 'bpf_prog_active': not found in kernel\n");
        assertThat(load.code()).isEqualTo(2);
        CliRun one = CliRun.of("verify", EXTERNS, "--prog", "use_kconfig");
        assertThat(one.err()).isEqualTo("bpfvm: externs: use_kconfig: insn 2 (externs.c:59): extern (ksym) "
                + "'bpf_prog_active': not found in kernel\n");
        assertThat(one.code()).isEqualTo(2);
        assertThat(CliRun.of("verify", "nope.o").code()).isEqualTo(2);
    }

    static final String CORE_ITER_EXPLAINED = """
            core.c:45: int core_iter(struct bpf_iter__cgroup *ctx)
                0: (b4) w0 = 0                        ; R0_w=0
            core.c:47: struct cgroup *cgrp = ctx->cgroup;
                1: (79) r2 = *(u64 *)(r1 +8)          ; R1=ctx() R2_w=trusted_ptr_or_null_cgroup(id=1)
            core.c:48: if (!cgrp)
                2: (15) if r2 == 0x0 goto pc+4        ; R2_w=trusted_ptr_cgroup()
            core.c:50: return cgrp->level + (int)ctx->meta->seq_num;
                3: (79) r1 = *(u64 *)(r1 +0)          ; R1_w=trusted_ptr_bpf_iter_meta()
                4: (61) r0 = *(u32 *)(r2 +96)         ; R0_w=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; \
            0xffffffff)) R2_w=trusted_ptr_cgroup()
                5: (79) r1 = *(u64 *)(r1 +16)         ; R1_w=scalar()
                6: (0c) w0 += w1                      ; R0_w=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; \
            0xffffffff)) R1_w=scalar()
            core.c:51: }
              > 7: (95) exit
            core_iter: rejected: At program exit the register R0 has smin=0 smax=4294967295 should have been in [0, 1]
            why: return value out of range
            The value in R0 at exit is outside the range the program type allows, for example a cgroup program \
            that must return 0 or 1. The verifier uses the proven range of R0, so a value computed at run time \
            must be clamped.
            fix:
                return ret ? 1 : 0;     /* return only the values the hook accepts */
            """;

    @Test
    void explainGroupsTheLogBySourceLineAndSaysWhyAndHowToFix() {
        CliRun r = CliRun.of("verify", CORE, "--prog", "core_iter", "--explain");
        assertThat(r.out()).isEqualTo(CORE_ITER_EXPLAINED);
        assertThat(r.code()).isEqualTo(1);
        CliRun all = CliRun.of("verify", CORE, "--all", "--explain");
        assertThat(all.out()).isEqualTo("core_reads: accepted (88 insns processed)\n"
                + "core_poisoned: accepted (5 insns processed)\n" + CORE_ITER_EXPLAINED);
        assertThat(all.code()).isEqualTo(1);
        assertThat(CliRun.of("verify", CORE, "--all", "--explain", "--json").err())
                .isEqualTo("bpfvm: --explain and --json cannot be used together\n");
    }
}
