package dev.bpfvm.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.verifier.VerifierResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Each verifier benchmark body verifies its program once: accepted, with the exact processed count. */
class VerifierBenchTest {
    private static VerifierBench.Inputs inputs(int logLevel) {
        VerifierBench.Inputs in = new VerifierBench.Inputs();
        in.logLevel = logLevel;
        in.setUp();
        return in;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void largestTestprogIsAccepted(int logLevel) {
        VerifierResult r = new VerifierBench().largestTestprog(inputs(logLevel));
        assertThat(r.accepted()).as(r.message()).isTrue();
        assertThat(r.insnsProcessed()).isEqualTo(221);
        // level 1 writes every path too, but rolls each back once it ends well, as Linux does
        assertThat(r.log()).startsWith("processed 221 insns (limit 1000000) ").hasLineCount(1);
    }

    @Test
    void boundedLoopIsWalkedIterationByIteration() {
        VerifierResult r = new VerifierBench().boundedLoop20k(inputs(0));
        assertThat(r.accepted()).as(r.message()).isTrue();
        // 3 before the loop, 8 per iteration, 2 after it
        assertThat(r.insnsProcessed()).isEqualTo(3 + 8 * VerifierBench.LOOP_ITERATIONS + 2);
        assertThat(r.log()).startsWith("processed 160005 insns (limit 1000000) ").hasLineCount(1);
    }

    @Test
    void unknownProgramIsNamed() {
        assertThatThrownBy(() -> VerifierBench.objectInput("calls.o", "nope", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no program nope in calls.o");
    }
}
