package dev.bpfvm.junit;

import static dev.bpfvm.junit.BpfAssertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.bpfvm.kernel.load.BpfProgram;
import dev.bpfvm.kernel.load.MapView;
import dev.bpfvm.kernel.testrun.TestRunOptions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * A BPF team's test that fails, run through the JUnit Platform as a build would run it: the report
 * names the test and carries the assertion's message with the map's entries.
 */
class DeliberatelyFailingTest {
    private static volatile boolean launching;

    static boolean launching() {
        return launching;
    }

    /** Fails on purpose; runs only when launched by {@link #theFailureReportCarriesTheBpfMessage}. */
    @BpfTest
    @BpfObjectFile("counter.o")
    @EnabledIf("dev.bpfvm.junit.DeliberatelyFailingTest#launching")
    static class CounterTest {
        @Test
        void countsTwoFrames(@BpfProgramName("count") BpfProgram count, @BpfMapName("counts") MapView counts) {
            count.testRun(TestRunOptions.data(BpfExtensionTest.frame(0x41)));
            assertThat(counts).containsEntry(0x41, 2);      // wrong: one frame was counted
        }
    }

    @Test
    void theFailureReportCarriesTheBpfMessage() {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(CounterTest.class)).build();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launching = true;
        try {
            LauncherFactory.create().execute(request, listener);
        } finally {
            launching = false;
        }
        TestExecutionSummary summary = listener.getSummary();
        assertThat(summary.getTestsStartedCount()).isEqualTo(1);
        assertThat(summary.getTestsFailedCount()).isEqualTo(1);
        List<TestExecutionSummary.Failure> failures = summary.getFailures();
        assertThat(failures.get(0).getTestIdentifier().getDisplayName())
                .isEqualTo("countsTwoFrames(BpfProgram, MapView)");
        assertThat(failures.get(0).getException()).isInstanceOf(AssertionError.class).hasMessage(
                "Expected map \"counts\" to contain key 41 00 00 00 (65) with value 02 00 00 00 00 00 00 00 (2)\n"
                + "- expected 02 00 00 00 00 00 00 00 (2)\n"
                + "+ actual   01 00 00 00 00 00 00 00 (1)\n"
                + "map \"counts\" (hash, 1 entry):\n"
                + "  41 00 00 00 -> 01 00 00 00 00 00 00 00");
    }
}
