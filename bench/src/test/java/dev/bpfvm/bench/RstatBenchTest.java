package dev.bpfvm.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The rstat benchmark's flush visits exactly the updated cgroups and their ancestors. */
class RstatBenchTest {
    @Test
    void flushVisitsOnlyTheUpdatedPaths() {
        RstatBench.Host h = new RstatBench.Host();
        h.setUp();
        assertThat(h.kernel.cgroups().size()).isEqualTo(1 + 10 + 1000 + 100_000);
        long first = new RstatBench().flush100Of100k(h);
        // 100 distinct leaves, 25 per CPU; per CPU: 25 leaves + their distinct mids and tops + the root
        long second = new RstatBench().flush100Of100k(h);
        assertThat(second - first).isEqualTo(first);
        assertThat(first).isEqualTo(244);   // computed from the leaf choice: 100 + 100 mids + 40 tops + 4 roots
    }
}
