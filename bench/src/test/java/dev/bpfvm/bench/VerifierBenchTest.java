package dev.bpfvm.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.verifier.VerifierResult;
import org.junit.jupiter.api.Test;

/** Each verifier benchmark body verifies its program once: accepted, with the exact processed count. */
class VerifierBenchTest {
    private static final VerifierBench.Inputs INPUTS = inputs();

    private static VerifierBench.Inputs inputs() {
        VerifierBench.Inputs in = new VerifierBench.Inputs();
        in.setUp();
        return in;
    }

    @Test
    void largestTestprogIsAccepted() {
        VerifierResult r = new VerifierBench().largestTestprog(INPUTS);
        assertThat(r.accepted()).as(r.message()).isTrue();
        assertThat(r.insnsProcessed()).isEqualTo(221);
    }

    @Test
    void boundedLoopIsWalkedIterationByIteration() {
        VerifierResult r = new VerifierBench().boundedLoop20k(INPUTS);
        assertThat(r.accepted()).as(r.message()).isTrue();
        // 3 before the loop, 8 per iteration, 2 after it
        assertThat(r.insnsProcessed()).isEqualTo(3 + 8 * VerifierBench.LOOP_ITERATIONS + 2);
    }

    @Test
    void unknownProgramIsNamed() {
        assertThatThrownBy(() -> VerifierBench.objectInput("calls.o", "nope"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no program nope in calls.o");
    }
}
