package dev.bpfvm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.testprogs.TestObjects;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bpfvm inspect} and {@code bpfvm disasm} on the committed test objects. */
class InspectCommandTest {
    @TempDir
    Path dir;

    private Path object(String name) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, TestObjects.bytes(name));
        return p;
    }

    @Test
    void inspectText() throws Exception {
        CliRun r = CliRun.of("inspect", object("calls.o").toString());
        assertThat(r.code()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).startsWith("calls.o: BPF object 'calls', license \"GPL\"\n\nprograms (2):\n"
                + "  name        section  type                 attach  insns  source   subprograms\n"
                + "  calls_main  socket   socket_filter        -       28     calls.c  sum_squares,square,global_add\n"
                + "  calls_loop  syscall  syscall (sleepable)  -       32     calls.c  loop_body,square,global_add\n");
        assertThat(r.out()).contains("  .rodata.cst16  array  4    16     1            0x480  frozen; section .rodata.cst16\n");
    }

    @Test
    void inspectJson() throws Exception {
        CliRun r = CliRun.of("inspect", object("maps.o").toString(), "--json");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("{\"file\":\"maps.o\",\"object\":\"maps\",\"license\":\"GPL\",\"kernel_version\":0,")
                .endsWith("}\n")
                .contains("{\"name\":\"outer_array\",\"type\":\"array_of_maps\",\"key_size\":4,\"value_size\":4,"
                        + "\"max_entries\":4,\"flags\":0,\"numa_node\":0,\"pinning\":\"none\",\"map_extra\":0,"
                        + "\"section\":\".maps\",\"frozen\":false,\"inner_map\":{\"name\":\"outer_array.inner\","
                        + "\"type\":\"array\",\"key_size\":4,\"value_size\":8,\"max_entries\":2,\"flags\":0,\"numa_node\":0,"
                        + "\"pinning\":\"none\",\"map_extra\":0,\"section\":\".maps\",\"frozen\":false,\"inner_map\":null,"
                        + "\"values\":{}},\"values\":{\"0\":\"inner_a\",\"2\":\"inner_b\"}}");
        assertThat(r.out().lines().count()).isEqualTo(1);
    }

    @Test
    void disasmOfAnObjectWithSourceLines() throws Exception {
        CliRun r = CliRun.of("disasm", object("calls.o").toString(), "--prog", "calls_main", "--source");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("int calls_main(struct __sk_buff * skb):\n"
                + "; __u64 s = sum_squares(skb->len & 15); [file:./calls.c line_num:40 line_col:29]\n"
                + "   0: (61) r1 = *(u32 *)(r1 +0)\n");
        assertThat(r.out()).contains("   2: (85) call pc+4\n")
                .contains("static __u64 square(__u64 x):\n")
                .endsWith("  27: (95) exit\n");
        CliRun all = CliRun.of("disasm", object("globals.o").toString());
        assertThat(all.out()).startsWith("int use_globals(struct __sk_buff * skb):\n   0: (18) r2 = map[.bss][0]+0\n")
                .contains("call bpf_trace_printk#6")
                .doesNotContain("; ");
        CliRun two = CliRun.of("disasm", object("calls.o").toString());
        assertThat(two.out()).startsWith("program calls_main (SEC(\"socket\")):\n")
                .contains("\nprogram calls_loop (SEC(\"syscall\")):\n");
    }

    @Test
    void errorsAreOneLineWithExitCode2() throws Exception {
        CliRun none = CliRun.of("disasm", object("calls.o").toString(), "--prog", "nope");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).isEqualTo("bpfvm: " + dir.resolve("calls.o")
                + ": no program named 'nope' (programs: calls_main, calls_loop)\n");
        Path bad = dir.resolve("bad.o");
        byte[] b = TestObjects.bytes("calls.o");
        b[18] = 62;   // e_machine = x86-64
        Files.write(bad, b);
        CliRun r = CliRun.of("inspect", bad.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("bpfvm: bad.o: not a BPF object: ELF machine 62 (x86-64), expected 247 (EM_BPF)\n");
        assertThat(r.out()).isEmpty();
        Path raw = dir.resolve("raw.bin");
        Files.write(raw, new byte[8]);
        assertThat(CliRun.of("inspect", raw.toString()).err()).isEqualTo("bpfvm: " + raw + ": not an ELF object file\n");
        assertThat(CliRun.of("disasm", raw.toString(), "--source").err())
                .isEqualTo("bpfvm: --source is only for BPF object files (.o)\n");
    }
}
