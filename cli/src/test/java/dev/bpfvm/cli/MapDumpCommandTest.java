package dev.bpfvm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MapDumpCommandTest {
    private static final String TESTRUN = TestRunCommandTest.TESTRUN;
    private static final String UDP = TestRunCommandTest.UDP;

    @Test
    void hashAfterARun() {
        CliRun r = CliRun.of("map", "dump", TESTRUN, "--map", "peer_bytes", "--run", "cg_ingress", "--data-hex", UDP);
        assertThat(r.out()).isEqualTo("key: 0a 00 00 02  value: 1e 00 00 00 00 00 00 00\nFound 1 element\n");
        assertThat(r.code()).isZero();
    }

    @Test
    void emptyHashAndRepeatedRuns() {
        assertThat(CliRun.of("map", "dump", TESTRUN, "--map", "peer_bytes").out()).isEqualTo("Found 0 elements\n");
        CliRun r = CliRun.of("map", "dump", TESTRUN, "--map", "peer_bytes", "--run", "cg_ingress", "--run",
                "cg_ingress", "--data-hex", UDP);
        assertThat(r.out()).isEqualTo("key: 0a 00 00 02  value: 3c 00 00 00 00 00 00 00\nFound 1 element\n");
    }

    @TempDir
    Path dir;

    @Test
    void arrayListsEveryIndex() throws Exception {
        Path ctx = dir.resolve("args.bin");
        Files.write(ctx, new byte[] {10, 0, 0, 0, 0, 0, 0, 0, 50, 0, 0, 0, 0, 0, 0, 0});
        CliRun r = CliRun.of("map", "dump", TESTRUN, "--map", "seen", "--run", "raw_args", "--ctx-in",
                ctx.toString());
        assertThat(r.out()).startsWith("key: 00 00 00 00  value: 00 00 00 00 00 00 00 00\n"
                + "key: 01 00 00 00  value: 00 00 00 00 00 00 00 00\n");
        assertThat(r.out()).contains("key: 03 00 00 00  value: 3c 00 00 00 00 00 00 00\n");
        assertThat(r.out()).endsWith("key: 07 00 00 00  value: 00 00 00 00 00 00 00 00\nFound 8 elements\n");
    }

    @Test
    void perCpuValuesPerCpu() {
        CliRun r = CliRun.of("map", "dump", TESTRUN, "--map", "xdp_stats", "--run", "xdp_tag", "--cpu", "1",
                "--data-hex", UDP);
        assertThat(r.out()).startsWith("key:\n00 00 00 00\n"
                + "value (CPU 00): 00 00 00 00 00 00 00 00\n"
                + "value (CPU 01): 00 00 00 00 00 00 00 00\n"
                + "value (CPU 02): 00 00 00 00 00 00 00 00\n"
                + "value (CPU 03): 00 00 00 00 00 00 00 00\n");
        assertThat(r.out()).contains("key:\n03 00 00 00\n"
                + "value (CPU 00): 00 00 00 00 00 00 00 00\n"
                + "value (CPU 01): 01 00 00 00 00 00 00 00\n");
        assertThat(r.out()).endsWith("Found 4 elements\n");
    }

    @Test
    void json() {
        CliRun r = CliRun.of("map", "dump", TESTRUN, "--map", "peer_bytes", "--run", "cg_ingress", "--data-hex", UDP,
                "--json");
        assertThat(r.out()).isEqualTo("[{\"key\":[\"0x0a\",\"0x00\",\"0x00\",\"0x02\"],\"value\":[\"0x1e\",\"0x00\","
                + "\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\"]}]\n");
    }

    @Test
    void longValuesBreakLines() {
        assertThat(MapCommand.hex(new byte[17], 0, 17))
                .isEqualTo("00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00\n00");
    }

    @Test
    void errors() {
        CliRun r = CliRun.of("map", "dump", TESTRUN, "--map", "nope");
        assertThat(r.err()).startsWith("bpfvm: testrun.o: no map named 'nope' (maps: proto_bytes, xdp_stats, peer_bytes, seen)");
        assertThat(r.code()).isEqualTo(2);
        CliRun bad = CliRun.of("map", "dump", TESTRUN, "--map", "seen", "--run", "sock_count");
        assertThat(bad.err()).isEqualTo("bpfvm: program sock_count: test run: data_in must be an Ethernet frame of"
                + " 14..3712 bytes (none given) (EINVAL)\n");
        assertThat(bad.code()).isEqualTo(2);
    }
}
