package dev.bpfvm.junit;

import dev.bpfvm.kernel.load.BpfProgram;
import dev.bpfvm.kernel.load.MapView;
import dev.bpfvm.kernel.testrun.TestRunOptions;
import dev.bpfvm.kernel.testrun.TestRunResult;
import dev.bpfvm.verifier.VerifierResult;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.TraceSink;
import dev.bpfvm.vm.isa.Insn;
import org.assertj.core.api.Assertions;

/**
 * The entry point of BPF assertions; it extends AssertJ's {@link Assertions}, so one static import
 * of {@code BpfAssertions.assertThat} serves BPF values and everything else (strings read from
 * kernel files, numbers, ...).
 */
public class BpfAssertions extends Assertions {
    protected BpfAssertions() {}

    public static MapViewAssert assertThat(MapView map) {
        return new MapViewAssert(map);
    }

    public static TestRunAssert assertThat(TestRunResult result) {
        return new TestRunAssert(result, null, -1, null);
    }

    public static VerifierResultAssert assertThat(VerifierResult result) {
        return new VerifierResultAssert(result);
    }

    /**
     * Test-runs {@code program} with {@code options} (any trace sink in them is replaced) and
     * returns assertions on the result whose failure messages show the code around the
     * instruction where the run ended.
     */
    public static TestRunAssert assertThatRun(BpfProgram program, TestRunOptions options) {
        int[] last = {-1};
        Program[] prog = {null};
        TestRunResult r = program.testRun(options.withTrace(new TraceSink() {
            @Override
            public void step(Program p, int pc, Insn insn, long[] regs) {
                prog[0] = p;
                last[0] = pc;
            }
        }, true));
        return new TestRunAssert(r, prog[0], last[0], ProgramListing.helperNames(program.object().runtime()));
    }
}
