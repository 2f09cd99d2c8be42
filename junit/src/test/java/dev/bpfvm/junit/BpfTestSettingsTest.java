package dev.bpfvm.junit;

import static dev.bpfvm.junit.BpfAssertions.assertThat;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.load.BpfObject;
import org.junit.jupiter.api.Test;

/** {@code @BpfTest} settings reach the kernel and object runtimes. */
@BpfTest(cpus = 2, clockStartNs = 500, clockStepNs = 0)
class BpfTestSettingsTest {
    @Test
    void aFrozenClockAndTwoCpus(EmulatedKernel kernel) {
        assertThat(kernel.runtime().cpus()).isEqualTo(2);
        assertThat(kernel.runtime().nanoTime()).isEqualTo(500);
        assertThat(kernel.runtime().nanoTime()).isEqualTo(500);
    }

    @Test
    void theObjectToo(@BpfObjectFile("counter.o") BpfObject obj) {
        assertThat(obj.runtime().cpus()).isEqualTo(2);
        assertThat(obj.runtime().nanoTime()).isEqualTo(500);
    }
}
