package dev.bpfvm.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Verifier#trace}: every visit with its path structure, state and place in the log. */
class VerifierTraceTest {
    /** 0: r0 = 0; 1: if r1 == 0 goto 3 (never true: ctx); a two-way branch on r2 below. */
    private static Vt branching() {
        return Vt.of("r2 = *(u32 *)(r1 +0)", "r0 = 0", "if r2 > 7 goto big", "r0 = 1", "exit", "big:", "r0 = 2",
                "exit").kernelPrinter().logLevel(2);
    }

    @Test
    void recordsEveryVisitWithItsArrivalStateParentAndLogLine() {
        VerifierTrace t = Verifier.trace(branching().input(), 100);
        VerifierResult r = t.result();
        assertThat(r.accepted()).isTrue();
        assertThat(t.visits()).extracting(VerifierVisit::insn).containsExactly(0, 1, 2, 3, 4, 5, 6);
        assertThat(t.visits()).extracting(VerifierVisit::parent).containsExactly(-1, 0, 1, 2, 3, 2, 5);
        assertThat(t.visits()).extracting(VerifierVisit::from).containsExactly(-1, -1, -1, -1, -1, 2, -1);
        assertThat(t.visits().get(0).state()).isEqualTo("R1=ctx() R10=fp0");
        assertThat(t.visits().get(2).state()).isEqualTo("R0_w=0 R1=ctx() R2_w=scalar(smin=0,smax=umax=0xffffffff,"
                + "var_off=(0x0; 0xffffffff)) R10=fp0");
        // the other direction of the branch arrives with r2 refined
        assertThat(t.visits().get(5).state()).isEqualTo("R0_w=0 R1=ctx() R2_w=scalar(smin=umin=umin32=8,"
                + "smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R10=fp0");
        for (VerifierVisit v : t.visits()) {
            String line = r.log().substring(v.logPos(), r.log().indexOf('\n', v.logPos()));
            assertThat(line).startsWith(v.insn() + ": (");
        }
        assertThat(t.insns()).containsExactly("(61) r2 = *(u32 *)(r1 +0)", "(b7) r0 = 0", "(25) if r2 > 0x7 goto pc+2",
                "(b7) r0 = 1", "(95) exit", "(b7) r0 = 2", "(95) exit");
        assertThat(t.failingPath()).isEmpty();
    }

    @Test
    void theFailingPathLeadsFromTheStartToTheFailingVisit() {
        VerifierTrace t = Verifier.trace(Vt.of("r2 = *(u32 *)(r1 +0)", "r0 = 0", "if r2 > 7 goto big", "r0 = 1",
                "exit", "big:", "r0 = r3", "exit").kernelPrinter().logLevel(2).input(), 100);
        assertThat(t.result().message()).isEqualTo("R3 !read_ok");
        assertThat(t.failingPath()).extracting(VerifierVisit::insn).containsExactly(0, 1, 2, 5);
        assertThat(t.failingPath().get(3).from()).isEqualTo(2);
    }

    @Test
    void prunedVisitsAreMarkedAndLongTracesKeepTheirEnds() {
        // both directions meet at the exit with equal states: the second arrival is pruned
        VerifierTrace t = Verifier.trace(Vt.of("r2 = *(u32 *)(r1 +0)", "r0 = 0", "if r2 > 7 goto a", "r3 = 1", "a:",
                "if r2 > 9 goto b", "r3 = 1", "r3 = 1", "r3 = 1", "r3 = 1", "r3 = 1", "r3 = 1", "r3 = 1", "r3 = 1",
                "b:", "r0 = 0", "exit").kernelPrinter().logLevel(2).input(), 2);
        List<VerifierVisit> v = t.visits();
        assertThat(v).extracting(VerifierVisit::insn)
                .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 13);
        assertThat(v.get(15).parent()).isEqualTo(2);
        assertThat(v.get(15).from()).isEqualTo(2);
        // the second path reaches 13 in a state equivalent to the first's, and so does its branch to 13
        assertThat(v).filteredOn(VerifierVisit::pruned).containsExactly(v.get(24), v.get(25));
        assertThat(v.get(24).parent()).isEqualTo(23);
        assertThat(v.get(24).from()).isEqualTo(-1);
        assertThat(v.get(25).parent()).isEqualTo(15);
        assertThat(v.get(25).from()).isEqualTo(4);
        assertThat(t.result().log().substring(v.get(24).logPos())).startsWith("13: safe\n\nfrom 4 to 13: safe\n");
        assertThat(t.result().log().substring(v.get(25).logPos())).startsWith("\nfrom 4 to 13: safe\n");
        // keep 2: the first two and the last two visits keep their state
        assertThat(v).filteredOn(x -> x.state() != null).extracting(VerifierVisit::insn).containsExactly(0, 1, 13, 13);
        assertThat(v.get(25).state()).isEqualTo("R0_w=0 R1=ctx() R2_w=scalar(smin=umin=umin32=10,smax=umax=0xffffffff,"
                + "var_off=(0x0; 0xffffffff)) R10=fp0");
        assertThatThrownBy(() -> Verifier.trace(branching().input(), 0)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Recording changes nothing: over the case corpus (those without options or global functions), the
     * traced verification has the plain one's result and log at level 2, every visit's log position is its
     * instruction line (or its {@code safe} line), and a rejection's failing path ends at the failing
     * instruction.
     */
    @Test
    void tracingChangesNoVerdictNoLogAndPointsIntoTheLog() throws Exception {
        int traced = 0;
        for (CaseFileTest.Case c : CaseFileTest.allCases()) {
            if (!c.options().isEmpty() || !c.globals().isEmpty() || !c.voids().isEmpty()) {
                continue;
            }
            Vt vt = Vt.of(c.program()).type(c.type()).kernelPrinter().logLevel(2);
            for (MapInfo m : c.maps()) {
                vt.map(m);
            }
            if (c.unpriv()) {
                vt.unpriv();
            }
            String ctx = c.file() + ":" + c.line() + " " + c.name();
            VerifierResult plain = vt.run();
            VerifierTrace t = Verifier.trace(vt.input(), 1000);
            assertThat(t.result()).as(ctx).isEqualTo(plain);
            String log = plain.log();
            for (int i = 0; i < t.visits().size(); i++) {
                VerifierVisit v = t.visits().get(i);
                int pos = v.logPos() < log.length() && log.charAt(v.logPos()) == '\n' ? v.logPos() + 1 : v.logPos();
                String rest = log.substring(pos);
                if (v.pruned()) {
                    assertThat(rest).as(ctx).matches("(?s)(" + v.insn() + ": safe|from \\d+ to " + v.insn()
                            + "( \\(speculative execution\\))?: safe)\n.*");
                } else {
                    assertThat(rest).as(ctx).startsWith(v.insn() + ": (");
                }
                assertThat(v.parent()).as(ctx).isBetween(-1, i - 1);
            }
            List<VerifierVisit> path = t.failingPath();
            if (!path.isEmpty()) {
                assertThat(path.get(path.size() - 1).insn()).as(ctx).isEqualTo(plain.errorInsn());
            }
            traced++;
        }
        assertThat(traced).isGreaterThan(100);
    }
}
