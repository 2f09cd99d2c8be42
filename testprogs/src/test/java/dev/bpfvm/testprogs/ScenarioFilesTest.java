package dev.bpfvm.testprogs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.scenario.Scenario;
import dev.bpfvm.kernel.scenario.ScenarioException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every scenario under testprogs/scenarios runs to the end with all expectations met. */
class ScenarioFilesTest {
    static final Path DIR = Path.of("scenarios");

    static List<Path> scenarios() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.toString().endsWith(".scenario")).sorted().toList();
        }
    }

    static Scenario scenario(Path file, StringBuilder out) {
        return new Scenario(new EmulatedKernel(), file.getFileName().toString(), name -> {
            try {
                return Files.readAllBytes(file.getParent().resolve(name));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, out);
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void runs(Path file) throws IOException {
        StringBuilder out = new StringBuilder();
        scenario(file, out).run(Files.readString(file));
        assertThat(out.toString()).doesNotContain("internal error");
    }

    @Test
    void failuresNameTheLineAndTheirKind() {
        Path f = DIR.resolve("inline.scenario");
        StringBuilder out = new StringBuilder();
        assertThatThrownBy(() -> scenario(f, out).run("cgroup mkdir a\n# comment\ncat /sys/fs/cgroup/a/cgroup.procs\nexpect 42\n"))
                .isInstanceOfSatisfying(ScenarioException.class, e -> {
                    assertThat(e.line()).isEqualTo(4);
                    assertThat(e.exitCode()).isEqualTo(1);
                    assertThat(e.getMessage()).isEqualTo("inline.scenario:4: expected output containing '42', got ''");
                });
        assertThatThrownBy(() -> scenario(f, out).run("cgroup mkdir a\ncgroup rmdir a/b\ncgroup mkdir c\n"))
                .isInstanceOfSatisfying(ScenarioException.class, e -> {
                    assertThat(e.line()).isEqualTo(2);
                    assertThat(e.exitCode()).isEqualTo(1);
                    assertThat(e.getMessage()).startsWith("inline.scenario:2: 'cgroup rmdir a/b' failed: ENOENT");
                });
        assertThatThrownBy(() -> scenario(f, out).run("cgroup mkdir a\nexpect-error EBUSY\n"))
                .isInstanceOfSatisfying(ScenarioException.class, e -> {
                    assertThat(e.line()).isEqualTo(2);
                    assertThat(e.exitCode()).isEqualTo(1);
                });
        assertThatThrownBy(() -> scenario(f, out).run("\n\ncgroup frobnicate a\n"))
                .isInstanceOfSatisfying(ScenarioException.class, e -> {
                    assertThat(e.line()).isEqualTo(3);
                    assertThat(e.exitCode()).isEqualTo(2);
                    assertThat(e.getMessage()).isEqualTo("inline.scenario:3: unknown command 'cgroup frobnicate a'");
                });
        assertThatThrownBy(() -> scenario(f, out).run("load missing.o\n"))
                .isInstanceOfSatisfying(ScenarioException.class, e -> assertThat(e.exitCode()).isEqualTo(2));
        assertThatThrownBy(() -> scenario(f, out).run("attach nothing/prog\n"))
                .isInstanceOfSatisfying(ScenarioException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(2);
                    assertThat(e.getMessage()).isEqualTo("inline.scenario:1: no object loaded as 'nothing'");
                });
    }

    @Test
    void mapDumpAndRunPrintTheirResults() {
        StringBuilder out = new StringBuilder();
        scenario(DIR.resolve("inline.scenario"), out).run("""
                load ../src/main/resources/bpf/cgroup_stats.o as s
                attach s/counter
                cgroup mkdir a
                task spawn 7
                cpu 2
                cgroup attach a 7
                map dump s/percpu_attach_counters
                expect key: 02 00 00 00 00 00 00 00  cpu0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 cpu1: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 cpu2: 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 cpu3: 00
                """);
        assertThat(out.toString()).isEqualTo("link 1\nkey: 02 00 00 00 00 00 00 00  cpu0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
                + " cpu1: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 cpu2: 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
                + " cpu3: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n");
    }

    @Test
    void runIsProgTestRunOfTheLoadedProgram() {
        byte[] frame = TestRunObjects.udp4((byte) 'h', (byte) 'i');
        StringBuilder hex = new StringBuilder();
        for (byte b : frame) {
            hex.append(String.format("%02x", b & 0xff));
        }
        long expected;
        try (dev.bpfvm.kernel.load.BpfObject o = dev.bpfvm.kernel.load.BpfObject.open("testrun.o",
                TestObjects.bytes("testrun.o"))) {
            expected = o.program("sock_count").testRun(dev.bpfvm.kernel.testrun.TestRunOptions.data(frame)).retval();
        }
        StringBuilder out = new StringBuilder();
        scenario(DIR.resolve("inline.scenario"), out).run("load ../src/main/resources/bpf/testrun.o as t\n"
                + "run t/sock_count data-hex=" + hex + "\nexpect retval " + expected + "\n");
        assertThat(out.toString()).isEqualTo("retval " + expected + "\n");
        assertThat(expected).isNotZero();
    }
}
