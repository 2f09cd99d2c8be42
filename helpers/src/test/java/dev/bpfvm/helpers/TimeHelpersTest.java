package dev.bpfvm.helpers;

import static dev.bpfvm.helpers.Rig.call;
import static dev.bpfvm.helpers.Rig.exit;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TimeHelpersTest {
    private final Rig rig = new Rig();

    private long call0(int helper) {
        return rig.run(call(helper), exit());
    }

    @Test
    void hz250() {
        assertThat(TimeHelpers.HZ).isEqualTo(250);
        assertThat(TimeHelpers.TICK_NSEC).isEqualTo(4_000_000L);
        assertThat(TimeHelpers.INITIAL_JIFFIES).isEqualTo(4_294_892_296L);   // 2^32 - 300 * 250
    }

    @Test
    void atBoot() {
        rig.rt.clock(() -> 0L);
        assertThat(call0(118)).isEqualTo(4_294_892_296L);
        assertThat(call0(125)).isEqualTo(0);
        assertThat(call0(160)).isEqualTo(0);
    }

    @Test
    void allFollowTheRuntimeClock() {
        rig.rt.clock(() -> 1_234_567_891_234L);
        assertThat(call0(5)).isEqualTo(1_234_567_891_234L);     // bpf_ktime_get_ns
        assertThat(call0(125)).isEqualTo(1_234_567_891_234L);   // no suspend: boot == monotonic
        assertThat(call0(160)).isEqualTo(1_234_564_000_000L);   // the last 4 ms tick
        assertThat(call0(118)).isEqualTo(4_294_892_296L + 308_641);
    }

    @Test
    void jiffiesCountTicks() {
        rig.rt.clock(() -> 3_999_999L);
        assertThat(call0(118)).isEqualTo(4_294_892_296L);
        assertThat(call0(160)).isEqualTo(0);
        rig.rt.clock(() -> 4_000_000L);
        assertThat(call0(118)).isEqualTo(4_294_892_297L);
        assertThat(call0(160)).isEqualTo(4_000_000L);
        // five minutes after boot the low 32 bits wrap, as on Linux
        rig.rt.clock(() -> 300_000_000_000L);
        assertThat(call0(118)).isEqualTo(1L << 32);
    }
}
