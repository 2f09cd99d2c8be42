package dev.bpfvm.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The JMH bodies run what their parameters name. */
class TierBenchTest {
    @Test
    void objectBenchRunsTheNamedObjectInEachTier() {
        for (String tier : new String[] {"interpreter", "jit", "java"}) {
            ObjectBench b = new ObjectBench();
            b.program = "primes";
            b.tier = tier;
            b.setUp();
            assertThat(b.run()).as(tier).isEqualTo(1229);
        }
    }

    @Test
    void jitBenchRunsTheNamedProgramInEachTier() {
        for (String tier : new String[] {"interpreter", "jit", "java"}) {
            JitBench b = new JitBench();
            b.program = "sieve";
            b.tier = tier;
            b.setUp();
            assertThat(b.run()).as(tier).isEqualTo(1028);
        }
    }

    @Test
    void unknownNamesAreClearErrors() {
        JitBench b = new JitBench();
        b.program = "sieve";
        b.tier = "native";
        assertThatThrownBy(b::setUp).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tier must be interpreter, jit or java: native");
        assertThatThrownBy(() -> BenchObjects.byName("fib")).hasMessage("no benchmark object fib");
        assertThatThrownBy(() -> BenchPrograms.byName("fib")).hasMessage("no benchmark program fib");
    }
}
