package dev.bpfvm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DemoCommandTest {
    @Test
    void runsTheBuiltInProgramAndExplainsIt() {
        CliRun r = CliRun.of("demo");
        assertThat(r.out()).isEqualTo("""
                bpfvm demo: a built-in eBPF program run by the bpfvm interpreter.
                (The cgroup-stats demo arrives with the emulated kernel.)

                program: 'sum', 18 instructions: a loop over an array of u64 values that
                         calls a local function (a bpf-to-bpf call) to read each element
                input:   r1 = 10 u64 values [3 1 4 1 5 9 2 6 5 3], r2 = 80 bytes
                result:  r0 = 39 after 118 instructions
                check:   r0 is the sum of the values, as expected
                """);
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isZero();
    }
}
