package dev.bpfvm.vm.object;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.asm.Disassembler;
import dev.bpfvm.vm.btf.Btf;
import dev.bpfvm.vm.btf.BtfBuilder;
import dev.bpfvm.vm.btf.BtfType;
import dev.bpfvm.vm.exec.SourceLine;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.Opcodes;
import dev.bpfvm.vm.spi.MapType;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ObjectReportTest {
    static Btf btf() {
        BtfBuilder b = new BtfBuilder("t.o");
        int i = b.add(new BtfType.Int("int", 4, BtfType.Int.SIGNED, 0, 32));
        int ctx = b.add(new BtfType.Struct("__sk_buff", 4, List.of(new BtfType.Member("len", i, 0))));
        int ptr = b.add(new BtfType.Ptr(ctx));
        int proto = b.add(new BtfType.FuncProto(i, List.of(new BtfType.Param("skb", ptr))));
        b.add(new BtfType.Func("prog", proto, BtfType.Linkage.GLOBAL));                 // 5
        int p2 = b.add(new BtfType.FuncProto(i, List.of(new BtfType.Param("x", i))));
        b.add(new BtfType.Func("helper", p2, BtfType.Linkage.STATIC));                  // 7
        return b.build();
    }

    static ObjectSpec object() {
        SourceLine l1 = new SourceLine("./t.c", 10, 2, "\tint n = skb->len;");
        SourceLine l2 = new SourceLine("./t.c", 4, 0, "static int helper(int x)");
        ProgramSpec p = new ProgramSpec("prog", "socket", ProgramType.SOCKET_FILTER, AttachType.NONE, "", 0, List.of(
                new Insn(0x61, 1, 1, 0, 0),
                Insn.lddw(2, Opcodes.PSEUDO_MAP_FD, 0),
                new Insn(Opcodes.LDDW, 3, Opcodes.PSEUDO_MAP_VALUE, 0, 0, 4),
                new Insn(Opcodes.CALL_IMM, 0, 0, 0, 1),
                new Insn(Opcodes.CALL_IMM, 0, Opcodes.PSEUDO_CALL, 0, 1),
                new Insn(0x95, 0, 0, 0, 0),
                new Insn(0xbc, 0, 1, 0, 0),
                new Insn(0x95, 0, 0, 0, 0)),
                new TreeMap<>(Map.of(1, new Reloc.MapRef("counts"), 3, new Reloc.DataRef(".rodata", 4, "limit"),
                        6, new Reloc.CallRef("helper", 8))),
                List.of(new FunctionSpec("prog", "socket", 0, 8, 5, true), new FunctionSpec("helper", ".text", 8, 2, 7, false)),
                List.of(new SourceRef(0, l1), new SourceRef(8, l2)), "GPL");
        MapSpec counts = new MapSpec("counts", MapType.HASH, 4, 8, 16, MapSpec.BPF_F_NO_PREALLOC, 0, Pinning.BY_NAME, 0,
                null, List.of(), new TreeMap<>(), 1, 1, ".maps", false);
        MapSpec rodata = new MapSpec(".rodata", MapType.ARRAY, 4, 8, 1, MapSpec.BPF_F_RDONLY_PROG | MapSpec.BPF_F_MMAPABLE,
                0, Pinning.NONE, 0, null, List.of(new MapEntry(new byte[4], new byte[] {1, 0, 0, 0, 7, 0, 0, 0})),
                new TreeMap<>(), 0, 0, ".rodata", true);
        MapSpec kcfg = new MapSpec(".kconfig", MapType.ARRAY, 4, 8, 1, MapSpec.BPF_F_RDONLY_PROG | MapSpec.BPF_F_MMAPABLE,
                0, Pinning.NONE, 0, null, List.of(new MapEntry(new byte[4], new byte[] {(byte) 250, 0, 0, 0, 1, 0, 0, 0})),
                new TreeMap<>(), 0, 0, ".kconfig", true);
        return new ObjectSpec("t", List.of(p), List.of(counts, rodata, kcfg),
                List.of(new VariableSpec("limit", ".rodata", 4, 4, "const volatile int", 9, true)),
                List.of(new ExternSpec("CONFIG_HZ", ExternSpec.Kind.KCONFIG, false, 10, "int", 0, 4, ExternSpec.KconfigType.INT),
                        new ExternSpec("CONFIG_BPF", ExternSpec.Kind.KCONFIG, false, 11, "bool", 4, 1, ExternSpec.KconfigType.BOOL),
                        new ExternSpec("bpf_rcu_read_lock", ExternSpec.Kind.KFUNC, true, 12, "func", -1, 0, null)),
                "GPL", 0x060c00, btf());
    }

    @Test
    void text() {
        assertThat(ObjectReport.text(object(), "t.o")).isEqualTo(String.join("\n",
                "t.o: BPF object 't', license \"GPL\", kernel version 6.12.0",
                "",
                "programs (1):",
                "  name  section  type           attach  insns  source  subprograms",
                "  prog  socket   socket_filter  -       10     t.c     helper",
                "",
                "maps (3):",
                "  name      type   key  value  max_entries  flags  details",
                "  counts    hash   4    8      16           0x1    pinned by name",
                "  .rodata   array  4    8      1            0x480  frozen; section .rodata",
                "  .kconfig  array  4    8      1            0x480  frozen; section .kconfig",
                "",
                "globals (1):",
                "  section  name   type                offset  size",
                "  .rodata  limit  const volatile int  4       4",
                "",
                "externs (3):",
                "  kind     name               type  weak  value",
                "  kconfig  CONFIG_HZ          int   -     250",
                "  kconfig  CONFIG_BPF         bool  -     y",
                "  kfunc    bpf_rcu_read_lock  func  weak  -",
                "",
                "btf: 7 types (1 int, 1 ptr, 1 struct, 2 func, 2 func_proto); 2 func info, 2 line info, 0 CO-RE relocations",
                ""));
    }

    @Test
    void json() {
        assertThat(ObjectReport.json(object(), "t.o")).isEqualTo("{\"file\":\"t.o\",\"object\":\"t\",\"license\":\"GPL\","
                + "\"kernel_version\":396288,\"programs\":[{\"name\":\"prog\",\"section\":\"socket\",\"type\":\"socket_filter\","
                + "\"attach_type\":null,\"attach_to\":\"\",\"sleepable\":false,\"insns\":10,\"source_file\":\"./t.c\","
                + "\"functions\":[{\"name\":\"prog\",\"section\":\"socket\",\"start\":0,\"insns\":8},"
                + "{\"name\":\"helper\",\"section\":\".text\",\"start\":8,\"insns\":2}]}],"
                + "\"maps\":[{\"name\":\"counts\",\"type\":\"hash\",\"key_size\":4,\"value_size\":8,\"max_entries\":16,\"flags\":1,"
                + "\"numa_node\":0,\"pinning\":\"by_name\",\"map_extra\":0,\"section\":\".maps\",\"frozen\":false,\"inner_map\":null,"
                + "\"values\":{}},{\"name\":\".rodata\",\"type\":\"array\",\"key_size\":4,\"value_size\":8,\"max_entries\":1,"
                + "\"flags\":1152,\"numa_node\":0,\"pinning\":\"none\",\"map_extra\":0,\"section\":\".rodata\",\"frozen\":true,"
                + "\"inner_map\":null,\"values\":{}},{\"name\":\".kconfig\",\"type\":\"array\",\"key_size\":4,\"value_size\":8,"
                + "\"max_entries\":1,\"flags\":1152,\"numa_node\":0,\"pinning\":\"none\",\"map_extra\":0,\"section\":\".kconfig\","
                + "\"frozen\":true,\"inner_map\":null,\"values\":{}}],"
                + "\"globals\":[{\"section\":\".rodata\",\"name\":\"limit\",\"type\":\"const volatile int\",\"offset\":4,\"size\":4,"
                + "\"global\":true}],"
                + "\"externs\":[{\"kind\":\"kconfig\",\"name\":\"CONFIG_HZ\",\"type\":\"int\",\"weak\":false,\"value\":\"250\"},"
                + "{\"kind\":\"kconfig\",\"name\":\"CONFIG_BPF\",\"type\":\"bool\",\"weak\":false,\"value\":\"y\"},"
                + "{\"kind\":\"kfunc\",\"name\":\"bpf_rcu_read_lock\",\"type\":\"func\",\"weak\":true}],"
                + "\"btf\":{\"types\":7,\"func_info\":2,\"line_info\":2,\"core_relocs\":0}}");
    }

    @Test
    void disassemblyWithSourceLines() {
        ObjectSpec o = object();
        Disassembler.Symbols helpers = Disassembler.Symbols.helpers(id -> id == 1 ? "bpf_map_lookup_elem" : null);
        assertThat(ObjectReport.disassemble(o, o.program("prog"), helpers, true)).isEqualTo(String.join("\n",
                "int prog(struct __sk_buff * skb):",
                "; int n = skb->len; [file:./t.c line_num:10 line_col:2]",
                "   0: (61) r1 = *(u32 *)(r1 +0)",
                "   1: (18) r2 = map[counts]",
                "   3: (18) r3 = map[.rodata][0]+4",
                "   5: (85) call bpf_map_lookup_elem#1",
                "   6: (85) call pc+1",
                "   7: (95) exit",
                "static int helper(int x):",
                "; static int helper(int x) [file:./t.c line_num:4 line_col:0]",
                "   8: (bc) w0 = w1",
                "   9: (95) exit",
                ""));
        assertThat(ObjectReport.disassemble(o, o.program("prog"), Disassembler.Symbols.NONE, false))
                .startsWith("int prog(struct __sk_buff * skb):\n   0: (61) r1 = *(u32 *)(r1 +0)\n")
                .contains("   5: (85) call unknown#1\n");
    }

    @Test
    void withoutBtfFunctionsAreNamed() {
        ObjectSpec o = object();
        ObjectSpec noBtf = new ObjectSpec(o.name(), o.programs(), o.maps(), o.variables(), o.externs(), o.license(), 0, null);
        assertThat(ObjectReport.disassemble(noBtf, noBtf.program("prog"), Disassembler.Symbols.NONE, false))
                .startsWith("prog():\n").contains("helper():\n");
        assertThat(ObjectReport.text(noBtf, "t.o")).startsWith("t.o: BPF object 't', license \"GPL\"\n").endsWith("btf: none\n");
        assertThat(ObjectReport.json(noBtf, "t.o")).endsWith(",\"btf\":null}");
    }

    @Test
    void warningsAreListedLast() {
        ObjectSpec o = object();
        ObjectSpec warned = new ObjectSpec(o.name(), o.programs(), o.maps(), o.variables(), o.externs(), o.license(), 0,
                null, List.of(".BTF ignored (nothing in the object needs BTF): .BTF: bad \"x\""));
        assertThat(ObjectReport.text(warned, "t.o")).endsWith("btf: none\n\nwarnings (1):\n"
                + "  .BTF ignored (nothing in the object needs BTF): .BTF: bad \"x\"\n");
        assertThat(ObjectReport.json(warned, "t.o")).endsWith(",\"btf\":null,\"warnings\":"
                + "[\".BTF ignored (nothing in the object needs BTF): .BTF: bad \\\"x\\\"\"]}");
    }
}
