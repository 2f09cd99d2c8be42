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

                program 'sum': a loop over an array of u64 values that calls a local function (a
                bpf-to-bpf call) to read each element; as the kernel's verifier log would print it:

                  0: (bf) r6 = r1
                  1: (bf) r7 = r2
                  2: (77) r7 >>= 3
                  3: (b7) r8 = 0
                  4: (b7) r9 = 0
                  5: (3d) if r8 >= r7 goto pc+6
                  6: (bf) r1 = r6
                  7: (bf) r2 = r8
                  8: (85) call pc+5
                  9: (0f) r9 += r0
                  10: (07) r8 += 1
                  11: (05) goto pc-7
                  12: (bf) r0 = r9
                  13: (95) exit
                  14: (67) r2 <<= 3
                  15: (0f) r1 += r2
                  16: (79) r0 = *(u64 *)(r1 +0)
                  17: (95) exit

                input:   r1 = 10 u64 values [3 1 4 1 5 9 2 6 5 3], r2 = 80 bytes
                result:  r0 = 39 after 118 instructions
                check:   r0 is the sum of the values, as expected
                """);
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isZero();
    }
}
