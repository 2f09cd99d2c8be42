package dev.bpfvm.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.Errno;
import org.junit.jupiter.api.Test;

/** bpfvm's CGROUP_STATS aggregator programs: a writable parent value, a read-only child value, both value_size bytes. */
class StatsAggregatorTypeTest {
    private static final String[] COMBINE = {
        "r2 = *(u64 *)(r1 +0)",
        "r3 = *(u64 *)(r1 +8)",
        "r4 = *(u64 *)(r3 +0)",
        "r5 = *(u64 *)(r2 +0)",
        "r5 += r4",
        "*(u64 *)(r2 +0) = r5",
        "r4 = *(u64 *)(r3 +8)",
        "r5 = *(u64 *)(r2 +8)",
        "if r5 >= r4 goto keep",
        "*(u64 *)(r2 +8) = r4",
        "keep:",
        "r0 = 0",
        "exit",
    };

    private static VerifierResult run(int valueSize, String... lines) {
        return Vt.of(lines).type(new StatsAggregatorType(valueSize)).run();
    }

    @Test
    void sumsAndMaxesIntoTheParent() {
        VerifierResult r = run(16, COMBINE);
        assertThat(r.accepted()).as(r.log()).isTrue();
    }

    @Test
    void theValuesAreValueSizeBytes() {
        VerifierResult r = run(8, COMBINE);
        assertThat(r.accepted()).isFalse();
        assertThat(r.log()).contains("invalid access to memory, mem_size=8 off=8 size=8\n");
        assertThat(r.message()).isEqualTo("R3 min value is outside of the allowed memory range");
        assertThat(r.errno()).isEqualTo(Errno.EACCES);
    }

    @Test
    void theChildIsReadOnly() {
        VerifierResult r = run(16, "r3 = *(u64 *)(r1 +8)", "r4 = 1", "*(u64 *)(r3 +0) = r4", "r0 = 0", "exit");
        assertThat(r.accepted()).isFalse();
        assertThat(r.message()).isEqualTo("R3 cannot write into rdonly_mem");
    }

    @Test
    void theContextIsReadOnlyAndHasTwoPointers() {
        VerifierResult w = run(16, "r2 = 0", "*(u64 *)(r1 +0) = r2", "r0 = 0", "exit");
        assertThat(w.message()).isEqualTo("invalid bpf_context access off=0 size=8");
        VerifierResult past = run(16, "r2 = *(u64 *)(r1 +16)", "r0 = 0", "exit");
        assertThat(past.message()).isEqualTo("invalid bpf_context access off=16 size=8");
        VerifierResult narrow = run(16, "r2 = *(u32 *)(r1 +0)", "r0 = 0", "exit");
        assertThat(narrow.message()).isEqualTo("invalid bpf_context access off=0 size=4");
    }

    @Test
    void returnsZeroAndCallsNoStatsHelper() {
        VerifierResult one = run(16, "r0 = 1", "exit");
        assertThat(one.message()).isEqualTo("At program exit the register R0 has smin=1 smax=1 should have been in [0, 0]");
        VerifierResult helper = run(16, "r1 = 0", "r2 = 0", "r3 = 0", "r4 = 0", "call bpf_cgroup_stats_update",
                "r0 = 0", "exit");
        assertThat(helper.message()).isEqualTo("program of this type cannot use helper bpf_cgroup_stats_update#4096");
        VerifierResult time = run(16, "call bpf_ktime_get_ns", "r0 = 0", "exit");
        assertThat(time.accepted()).as(time.log()).isTrue();
    }
}
