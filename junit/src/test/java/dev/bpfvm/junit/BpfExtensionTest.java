package dev.bpfvm.junit;

import static dev.bpfvm.junit.BpfAssertions.assertThat;
import static dev.bpfvm.junit.BpfAssertions.assertThatThrownBy;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.load.BpfObject;
import dev.bpfvm.kernel.load.BpfProgram;
import dev.bpfvm.kernel.load.MapView;
import dev.bpfvm.kernel.testrun.TestRunOptions;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@BpfTest
@BpfObjectFile("counter.o")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BpfExtensionTest {
    static BpfObject previous;

    /** A 14-byte frame (the least XDP test-run takes) starting with {@code first}. */
    static byte[] frame(int first) {
        byte[] f = new byte[14];
        f[0] = (byte) first;
        return f;
    }

    @Test
    @Order(1)
    void injectsTheObjectItsMapsAndPrograms(BpfObject obj, @BpfMapName("counts") MapView counts,
            @BpfProgramName("count") BpfProgram count) {
        assertThat(obj.name()).isEqualTo("counter");
        assertThat(counts).isSameAs(obj.map("counts"));
        assertThat(count.object()).isSameAs(obj);
        assertThat(counts).hasSize(0);
        assertThat(count.testRun(TestRunOptions.data(frame(0x41)))).hasRetval(2);
        assertThat(count.testRun(TestRunOptions.data(frame(0x41)))).hasRetval(2);
        assertThat(count.testRun(TestRunOptions.data(frame(7)))).hasRetval(2)
                .hasDataOut("07 00 00 00 00 00 00 00 00 00 00 00 00 00");
        assertThat(counts).containsEntry(0x41, 2).containsEntry(7, 1).doesNotContainKey(8).hasSize(2);
        assertThat(counts).containsEntry(new byte[] {7, 0, 0, 0}, new byte[] {1, 0, 0, 0, 0, 0, 0, 0});
        previous = obj;
    }

    @Test
    @Order(2)
    void eachTestGetsAFreshObject(BpfObject obj, @BpfMapName("counts") MapView counts) {
        assertThat(obj).isNotSameAs(previous);
        assertThatThrownBy(() -> previous.map("counts")).isInstanceOf(IllegalStateException.class)
                .hasMessage("object counter is closed");                    // closed after its test
        assertThat(counts).hasSize(0);
    }

    @Test
    @Order(3)
    void theKernelHasADeterministicClockAndRunsOnCpu0(EmulatedKernel kernel, DeterministicClock clock) {
        assertThat(kernel.cpu()).isEqualTo(0);
        assertThat(kernel.runtime().nanoTime()).isEqualTo(1_000_000_000L);
        assertThat(kernel.runtime().nanoTime()).isEqualTo(1_000_001_000L);
        assertThat(clock.peek()).isEqualTo(1_000_002_000L);
    }

    @Test
    @Order(4)
    void anObjectLoadsIntoTheTestsKernel(EmulatedKernel kernel, BpfObject obj) {
        assertThat(obj.runtime()).isSameAs(kernel.runtime());
    }

    @Test
    @Order(5)
    void anObjectWithoutAKernelHasItsOwnRuntimeAndTheDeterministicClock(BpfObject obj) {
        assertThat(obj.runtime().nanoTime()).isEqualTo(1_000_000_000L);
        assertThat(obj.runtime().cpus()).isEqualTo(4);
    }

    @Test
    @Order(6)
    void kernelFilesAreStringsForPlainAssertJ(EmulatedKernel kernel) {
        kernel.mkdir("/sys/fs/cgroup/app");
        assertThat(kernel.read("/sys/fs/cgroup/app/cgroup.procs")).isEmpty();
    }
}
