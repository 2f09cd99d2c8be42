package dev.bpfvm.junit;

import static dev.bpfvm.junit.BpfAssertions.assertThat;
import static dev.bpfvm.junit.BpfAssertions.assertThatThrownBy;

import dev.bpfvm.kernel.load.BpfObject;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ParameterResolutionException;

/** Where {@code @BpfObjectFile} names are looked up, and the extension without {@code @BpfTest}. */
@ExtendWith(BpfExtension.class)
class ObjectLookupTest {
    @Test
    void resourcesAreFoundAtTheRootOrUnderBpf() {
        assertThat(BpfExtension.objectBytes(getClass(), "counter.o")).hasSize(7080);
        assertThat(BpfExtension.objectBytes(getClass(), "bpf/counter.o")).hasSize(7080);
    }

    @Test
    void aPathIsTheLastResort() {
        assertThat(BpfExtension.objectBytes(getClass(), "src/test/resources/bpf/counter.o")).hasSize(7080);
    }

    @Test
    void aMissingObjectNamesEveryPlaceTried() {
        String abs = Path.of("nope.o").toAbsolutePath().toString();
        assertThatThrownBy(() -> BpfExtension.objectBytes(getClass(), "nope.o"))
                .isInstanceOf(ParameterResolutionException.class)
                .hasMessage("BPF object nope.o not found; tried classpath:/nope.o, classpath:/bpf/nope.o, " + abs);
    }

    @Test
    void withoutBpfTestTheDefaultsHold(@BpfObjectFile("counter.o") BpfObject obj, DeterministicClock clock) {
        assertThat(obj.runtime().cpus()).isEqualTo(4);
        assertThat(obj.runtime().nanoTime()).isEqualTo(DeterministicClock.DEFAULT_START_NS);
        assertThat(clock.peek()).isEqualTo(DeterministicClock.DEFAULT_START_NS + DeterministicClock.DEFAULT_STEP_NS);
    }

    @Test
    void theClockCannotGoBack() {
        DeterministicClock c = new DeterministicClock(5, 0);
        c.advance(10);
        assertThat(c.getAsLong()).isEqualTo(15);
        assertThat(c.getAsLong()).isEqualTo(15);
        assertThatThrownBy(() -> c.advance(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the clock cannot go back: -1");
    }
}
