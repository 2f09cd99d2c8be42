package dev.bpfvm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MainTest {
    @Test
    void noCommandPrintsUsageToStderrAndExits2() {
        CliRun r = CliRun.of();
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("Usage: bpfvm [-hV] [COMMAND]\n").contains("  conformance ", "  run ", "  demo ");
    }

    @Test
    void helpGoesToStdout() {
        CliRun r = CliRun.of("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("Usage: bpfvm [-hV] [COMMAND]\n");
        assertThat(CliRun.of("run", "--help").out()).startsWith("Usage: bpfvm run [-hV] [--json]");
    }

    @Test
    void versionGoesToStdout() {
        assertThat(CliRun.of("--version").out()).isEqualTo("bpfvm 0.1.0\n");
    }

    @Test
    void unknownCommandIsAUsageError() {
        CliRun r = CliRun.of("frobnicate");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("bpfvm: Unmatched argument at index 0: 'frobnicate' (see 'bpfvm --help')\n");
    }
}
