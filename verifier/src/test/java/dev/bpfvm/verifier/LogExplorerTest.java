package dev.bpfvm.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.verifier.explain.LogExplorer;
import dev.bpfvm.vm.exec.SourceLine;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The data of the {@code verify --html} page: {@link LogExplorer#json}. */
class LogExplorerTest {
    private static final SourceLine A = new SourceLine("/src/t.c", 3, 0, "  int x = ctx->len;");
    private static final SourceLine B = new SourceLine("/src/t.c", 4, 0, "return x > 7 ? 2 : y;");

    private static VerifierTrace rejected(int keep) {
        return Verifier.trace(Vt.of("r2 = *(u32 *)(r1 +0)", "r0 = 0", "if r2 > 7 goto big", "r0 = 1", "exit", "big:",
                "r0 = r3", "exit").kernelPrinter().logLevel(2).lines(pc -> pc == 0 ? A : B).input(), keep);
    }

    @Test
    void statesSplitIntoRegistersAndStackSlots() {
        assertThat(LogExplorer.stateEntries(" R0_w=0 R1=ctx() R2=scalar(smin=0,var_off=(0x0; 0xff)) fp-8=mmmmmmmm "
                + "fp-16_w=0 refs=2,3 cb")).containsExactly("R0_w=0", "R1=ctx()", "R2=scalar(smin=0,var_off=(0x0; 0xff))",
                "fp-8=mmmmmmmm", "fp-16_w=0", "refs=2,3", "cb");
        assertThat(LogExplorer.stateEntries("frame1: R1=fp-8 R10=fp0")).containsExactly("frame1:", "R1=fp-8", "R10=fp0");
        assertThat(LogExplorer.stateEntries("  ")).isEmpty();
    }

    @Test
    void theDataHasTheProgramItsVisitsTheLogAndTheVerdict() {
        VerifierTrace t = rejected(100);
        String json = LogExplorer.json(List.of(new LogExplorer.Program("p", "socket", "BPF_PROG_TYPE_SOCKET_FILTER", t)));
        assertThat(json).startsWith("""
                {"programs": [{"name": "p", "section": "socket", "type": "BPF_PROG_TYPE_SOCKET_FILTER", \
                "verdict": "rejected", "message": "R3 !read_ok", "errno": "EACCES", "errorInsn": 5, \
                "errorSource": "t.c:4", "stats": "processed 6 insns (limit 1000000) max_states_per_insn 0 \
                total_states 0 peak_states 0 mark_read 0", "explain": {"kind": "UNINITIALISED_REGISTER", \
                "title": "uninitialised register", "paragraph": "A register is read before anything was written \
                to it on this path.""");
        // instructions with their source line; the source lines once each, escaped for a script element
        assertThat(json).contains("""
                "insns": [["(61) r2 = *(u32 *)(r1 +0)", 0], ["(b7) r0 = 0", 1], ["(25) if r2 \\u003e 0x7 goto pc+2", 1], \
                ["(b7) r0 = 1", 1], ["(95) exit", 1], ["(bf) r0 = r3", 1], ["(95) exit", 1]],
                "sources": [["t.c", 3, "int x = ctx-\\u003elen;"], ["t.c", 4, "return x \\u003e 7 ? 2 : y;"]],
                "visits": [{"n": 0, "insn": 0, "parent": -1, "from": -1, "pruned": false, "frame": 0, \
                "state": ["R1=ctx()", "R10=fp0"], "after": ["R1=ctx()", \
                "R2_w=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))"], "line": 3},
                """);
        // the branch not taken first: from 2 to 5, where the failing visit's log line is
        assertThat(json).contains("""
                {"n": 5, "insn": 5, "parent": 2, "from": 2, "pruned": false, "frame": 0, "state": ["R0_w=0", \
                "R1=ctx()", "R2_w=scalar(smin=umin=umin32=8,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))", \
                "R10=fp0"], "after": null, "line": 12}],
                "path": [0, 1, 2, 5],
                "pathVisits": [0, 1, 2, 5],
                """);
        assertThat(json).endsWith("""
                ["", -1],
                ["from 2 to 5: R0_w=0 R1=ctx() R2_w=scalar(smin=umin=umin32=8,smax=umax=0xffffffff,\
                var_off=(0x0; 0xffffffff)) R10=fp0", 5],
                ["5: R0_w=0 R1=ctx() R2_w=scalar(smin=umin=umin32=8,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) \
                R10=fp0", 5],
                ["5: (bf) r0 = r3", 5],
                ["R3 !read_ok", 5],
                ["processed 6 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0", -1]],
                "errorLine": 13}]}""");
    }

    @Test
    void visitsTracedWithoutStateAreLeftOutUnlessOnTheFailingPathAndSoIsTheirLog() {
        String json = LogExplorer.json(List.of(new LogExplorer.Program("p", null, "BPF_PROG_TYPE_SOCKET_FILTER",
                rejected(2))));
        // visits 2 and 3 kept no state: 3 is left out, 2 is on the failing path
        assertThat(json).contains("""
                {"n": 2, "insn": 2, "parent": 1, "from": -1, "pruned": false, "frame": 0, "state": null, \
                "after": ["R2_w=scalar(smin=smin32=0,smax=umax=smax32=umax32=7,var_off=(0x0; 0x7))"], "line": 6},
                {"n": 4, "insn": 4,""");
        assertThat(json).contains("""
                ["1: (b7) r0 = 0                        ; R0_w=0", 1],
                ["... 2 lines of the log left out (visits traced without their state) ...", -1],
                ["4: (95) exit", 4],
                """);
        assertThat(json).endsWith("\"errorLine\": 12}]}");
    }

    @Test
    void anAcceptedProgramHasNoPathNoExplanationAndNoErrorLine() {
        VerifierTrace t = Verifier.trace(Vt.of("r0 = 0", "exit").kernelPrinter().logLevel(2).input(), 10);
        String json = LogExplorer.json(List.of(new LogExplorer.Program("ok", null, null, t)));
        assertThat(json).contains("\"verdict\": \"accepted\", \"message\": null, \"errno\": null, \"errorInsn\": -1, "
                + "\"errorSource\": null, \"stats\": \"processed 2 insns (limit 1000000) max_states_per_insn 0 "
                + "total_states 0 peak_states 0 mark_read 0\", \"explain\": null,");
        assertThat(json).contains("\"path\": [],\n\"pathVisits\": [],");
        assertThat(json).endsWith("\"errorLine\": -1}]}");
    }

    @Test
    void aVisitInACalledFunctionHasItsFrameNumberAndTheFramesRegisters() {
        VerifierTrace t = Verifier.trace(Vt.of("r1 = 5", "call f", "exit", "f:", "r0 = r1", "exit").kernelPrinter()
                .logLevel(2).input(), 10);
        assertThat(t.visits().get(2).state()).isEqualTo("frame1: R1_w=5 R10=fp0");
        String json = LogExplorer.json(List.of(new LogExplorer.Program("calls", null, null, t)));
        assertThat(json).contains("""
                {"n": 2, "insn": 3, "parent": 1, "from": -1, "pruned": false, "frame": 1, "state": ["R1_w=5", "R10=fp0"], \
                """);
    }
}
