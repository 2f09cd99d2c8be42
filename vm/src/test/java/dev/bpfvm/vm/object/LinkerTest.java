package dev.bpfvm.vm.object;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.btf.Btf;
import dev.bpfvm.vm.btf.BtfBuilder;
import dev.bpfvm.vm.btf.BtfExt.CoreRelo;
import dev.bpfvm.vm.btf.BtfType.Int;
import dev.bpfvm.vm.btf.BtfType.Member;
import dev.bpfvm.vm.btf.BtfType.Struct;
import dev.bpfvm.vm.btf.CoreKind;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.SourceLine;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.Opcodes;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.MapType;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class LinkerTest {
    static final Insn EXIT = new Insn(0x95, 0, 0, 0, 0);
    static final long MAP = 0x7_0000_0000L;
    static final long DATA = 0x8_0000_0000L;

    static final SymbolResolver RESOLVER = new SymbolResolver() {
        @Override
        public long mapAddress(String map) {
            return MAP;
        }

        @Override
        public long mapValueAddress(String map) {
            return DATA;
        }

        @Override
        public OptionalLong ksymAddress(String name) {
            return name.equals("jiffies") ? OptionalLong.of(0x1234) : OptionalLong.empty();
        }

        @Override
        public OptionalInt kfuncBtfId(String name) {
            return name.equals("bpf_rcu_read_lock") ? OptionalInt.of(77) : OptionalInt.empty();
        }
    };

    static ProgramSpec prog(List<Insn> insns, Map<Integer, Reloc> relocs) {
        return new ProgramSpec("p", "socket", ProgramType.SOCKET_FILTER, AttachType.NONE, "", 0, insns,
                new TreeMap<>(relocs), List.of(new FunctionSpec("p", "socket", 0, 99, 0, true)),
                List.of(new SourceRef(0, new SourceLine("/src/p.c", 7, 2, "x = y;"))), "GPL");
    }

    static ObjectSpec object(ProgramSpec p, Btf btf, ExternSpec... externs) {
        return new ObjectSpec("p", List.of(p), List.of(
                MapSpec.of("counts", MapType.ARRAY, 4, 8, 4, 0),
                MapSpec.of(".data", MapType.ARRAY, 4, 16, 1, MapSpec.BPF_F_MMAPABLE)),
                List.of(), List.of(externs), "GPL", 0, btf);
    }

    @Test
    void symbolicReferencesBecomeAddressesAndIds() {
        ProgramSpec p = prog(List.of(
                Insn.lddw(1, Opcodes.PSEUDO_MAP_FD, 0),
                new Insn(Opcodes.LDDW, 2, Opcodes.PSEUDO_MAP_VALUE, 0, 0, 12),
                Insn.lddw(3, 0, 0),
                new Insn(Opcodes.CALL_IMM, 0, Opcodes.PSEUDO_KFUNC_CALL, 0, 0),
                Insn.lddw(0, Opcodes.PSEUDO_BTF_ID, 0),
                EXIT), Map.of(
                0, new Reloc.MapRef("counts"),
                2, new Reloc.DataRef(".data", 12, "x"),
                4, new Reloc.KsymRef("jiffies", false, false),
                6, new Reloc.KfuncCall("bpf_rcu_read_lock", false),
                7, new Reloc.KsymRef("missing", true, true)));
        LinkedProgram lp = new Linker(object(p, null), RESOLVER, null).link(p);
        assertThat(lp.program().insns()).containsExactly(
                Insn.lddw(1, Opcodes.PSEUDO_MAP_FD, MAP),
                Insn.lddw(2, Opcodes.PSEUDO_MAP_VALUE, DATA + 12),
                Insn.lddw(3, 0, 0x1234),
                new Insn(Opcodes.CALL_IMM, 0, Opcodes.PSEUDO_KFUNC_CALL, 0, 77),
                Insn.lddw(0, Opcodes.PSEUDO_BTF_ID, 0),
                EXIT);
        assertThat(lp.poisoned()).isEmpty();
        assertThat(lp.relocs()).isEqualTo(p.relocs());
        assertThat(lp.program().sourceLine(5)).isEqualTo(new SourceLine("/src/p.c", 7, 2, "x = y;"));
    }

    @Test
    void linkAllAndLinkByName() {
        ProgramSpec p = prog(List.of(new Insn(0xb7, 0, 0, 0, 3), EXIT), Map.of());
        Linker l = new Linker(object(p, null), RESOLVER, null);
        assertThat(l.linkAll()).containsOnlyKeys("p");
        assertThat(l.link("p").program().insns()).containsExactly(new Insn(0xb7, 0, 0, 0, 3), EXIT);
        assertThatThrownBy(() -> l.link("q")).isInstanceOf(RelocationException.class).hasMessage("p: no program named 'q'");
    }

    @Test
    void missingSymbolsAreErrorsNamingProgramInsnAndLine() {
        ProgramSpec kf = prog(List.of(new Insn(Opcodes.CALL_IMM, 0, 2, 0, 0), EXIT),
                Map.of(0, new Reloc.KfuncCall("bpf_nope", false)));
        assertThatThrownBy(() -> new Linker(object(kf, null), RESOLVER, null).link(kf))
                .isInstanceOf(RelocationException.class)
                .hasMessage("p: p: insn 0 (p.c:7): extern (func ksym) 'bpf_nope': not found in kernel BTF");
        ProgramSpec ks = prog(List.of(Insn.lddw(1, 0, 0), EXIT), Map.of(0, new Reloc.KsymRef("nope", false, false)));
        assertThatThrownBy(() -> new Linker(object(ks, null), RESOLVER, null).link(ks))
                .hasMessage("p: p: insn 0 (p.c:7): extern (ksym) 'nope': not found in kernel");
        ProgramSpec m = prog(List.of(Insn.lddw(1, 1, 0), EXIT), Map.of(0, new Reloc.MapRef("other")));
        assertThatThrownBy(() -> new Linker(object(m, null), RESOLVER, null).link(m))
                .hasMessage("p: p: insn 0 (p.c:7): relocation against unknown map 'other'");
        ProgramSpec d = prog(List.of(Insn.lddw(1, 2, 0), EXIT), Map.of(0, new Reloc.DataRef(".data", 17, "x")));
        assertThatThrownBy(() -> new Linker(object(d, null), RESOLVER, null).link(d))
                .hasMessage("p: p: insn 0 (p.c:7): offset 17 outside '.data' (16 bytes)");
    }

    @Test
    void aMissingWeakKfuncFailsOnlyWhenCalled() {
        // r0 = 1; if r1 == 0 goto +1; call weak; exit
        ProgramSpec p = prog(List.of(new Insn(0xb7, 0, 0, 0, 1), new Insn(0x15, 1, 0, 1, 0),
                new Insn(Opcodes.CALL_IMM, 0, 2, 0, 0), EXIT), Map.of(2, new Reloc.KfuncCall("bpf_gone", true)));
        LinkedProgram lp = new Linker(object(p, null), RESOLVER, null).link(p);
        assertThat(lp.poisoned()).containsExactly(
                Map.entry(2, "call to unresolved weak kfunc 'bpf_gone' (it does not exist in this kernel)"));
        assertThat(lp.program().insnAt(2)).isEqualTo(new Insn(Opcodes.CALL_IMM, 0, 2, 0, 0));
        BpfRuntime rt = new BpfRuntime(new HelperRegistry());
        assertThat(rt.newContext(0).run(lp.program(), 0, 0, 0, 0, 0)).isEqualTo(1);
        assertThatThrownBy(() -> rt.newContext(0).run(lp.program(), 1, 0, 0, 0, 0))
                .isInstanceOf(BpfException.class)
                .hasMessage("program p: insn 2 (p.c:7): call to unresolved weak kfunc 'bpf_gone' (it does not exist in this kernel)");
    }

    /** local: struct s { int a; unsigned int u; int b; }; kernel: struct s { long pad; unsigned long u; int a; } */
    static Btf localBtf() {
        BtfBuilder b = new BtfBuilder("p.o");
        b.add(new Int("int", 4, Int.SIGNED, 0, 32));
        b.add(new Int("unsigned int", 4, 0, 0, 32));
        b.add(new Struct("s", 12, List.of(new Member("a", 1, 0), new Member("u", 2, 32), new Member("b", 1, 64))));
        return b.build();
    }

    static Btf kernelBtf() {
        BtfBuilder b = new BtfBuilder("kernel");
        b.add(new Int("int", 4, Int.SIGNED, 0, 32));
        b.add(new Int("long int", 8, Int.SIGNED, 0, 64));
        b.add(new Int("long unsigned int", 8, 0, 0, 64));
        b.add(new Struct("s", 24, List.of(new Member("pad", 2, 0), new Member("u", 3, 64), new Member("a", 1, 128))));
        return b.build();
    }

    static Reloc core(int pc, String access, CoreKind kind) {
        CoreRelo r = new CoreRelo(pc * 8, 3, access, kind);
        return new Reloc.CoreRef(r, "s " + access);
    }

    @Test
    void coreRelocationsPatchOffsetsImmediatesAndSizes() {
        ProgramSpec p = prog(List.of(
                new Insn(0x61, 0, 1, 0, 0),                 // r0 = *(u32 *)(r1 + 0)   s.a
                new Insn(0x61, 2, 1, 4, 0),                 // r2 = *(u32 *)(r1 + 4)   s.u (u32 -> u64)
                new Insn(0xb7, 3, 0, 0, 4),                 // r3 = 4                  sizeof(s.u)
                Insn.lddw(4, 0, 1),                         // r4 = exists(s.a)
                EXIT), Map.of(
                0, core(0, "0:0", CoreKind.FIELD_BYTE_OFFSET),
                1, core(1, "0:1", CoreKind.FIELD_BYTE_OFFSET),
                2, core(2, "0:1", CoreKind.FIELD_BYTE_SIZE),
                3, core(3, "0:0", CoreKind.FIELD_EXISTS)));
        LinkedProgram lp = new Linker(object(p, localBtf()), RESOLVER, kernelBtf()).link(p);
        assertThat(lp.program().insns()).containsExactly(
                new Insn(0x61, 0, 1, 16, 0),
                new Insn(0x79, 2, 1, 8, 0),
                new Insn(0xb7, 3, 0, 0, 8),
                Insn.lddw(4, 0, 1),
                EXIT);
        assertThat(lp.core()).hasSize(4);
        assertThat(lp.core().get(1).targetSpec().describe()).isEqualTo("<byte_off> [4] struct s.u (0:1 @ offset 8)");
    }

    @Test
    void unresolvedCoreAccessIsPoisonedAndNamesTheField() {
        ProgramSpec p = prog(List.of(
                new Insn(0xb7, 0, 0, 0, 0),
                new Insn(0x15, 1, 0, 1, 0),                 // if r1 == 0 goto exit
                new Insn(0x61, 0, 1, 8, 0),                 // r0 = s.b (not in the kernel)
                EXIT), Map.of(2, core(2, "0:2", CoreKind.FIELD_BYTE_OFFSET)));
        LinkedProgram lp = new Linker(object(p, localBtf()), RESOLVER, kernelBtf()).link(p);
        assertThat(lp.program().insnAt(2)).isEqualTo(new Insn(Opcodes.CALL_IMM, 0, 0, 0, Linker.POISON_HELPER_ID));
        String why = "unresolved CO-RE relocation <byte_off> [3] struct s.b (0:2 @ offset 8): field not found in the kernel's BTF";
        assertThat(lp.poisoned()).containsExactly(Map.entry(2, why));
        BpfRuntime rt = new BpfRuntime(new HelperRegistry());
        assertThat(rt.newContext(0).run(lp.program(), 0, 0, 0, 0, 0)).isEqualTo(0);
        assertThatThrownBy(() -> rt.newContext(0).run(lp.program(), 1, 0, 0, 0, 0))
                .isInstanceOf(BpfException.class)
                .hasMessage("program p: insn 2 (p.c:7): " + why);
    }

    @Test
    void poisonedLdImm64KeepsItsTwoSlots() {
        ProgramSpec p = prog(List.of(Insn.lddw(0, 0, 8), EXIT), Map.of(0, core(0, "0:2", CoreKind.FIELD_BYTE_OFFSET)));
        LinkedProgram lp = new Linker(object(p, localBtf()), RESOLVER, kernelBtf()).link(p);
        Insn poison = new Insn(Opcodes.CALL_IMM, 0, 0, 0, Linker.POISON_HELPER_ID);
        assertThat(lp.program().insns()).containsExactly(poison, poison, EXIT);
        assertThat(lp.poisoned()).containsOnlyKeys(0, 1);
    }

    @Test
    void anInstructionThatDoesNotHoldTheCompilersValueIsRejected() {
        ProgramSpec p = prog(List.of(new Insn(0x61, 0, 1, 2, 0), EXIT), Map.of(0, core(0, "0:0", CoreKind.FIELD_BYTE_OFFSET)));
        assertThatThrownBy(() -> new Linker(object(p, localBtf()), RESOLVER, kernelBtf()).link(p))
                .isInstanceOf(RelocationException.class)
                .hasMessage("p: p: insn 0 (p.c:7): CO-RE <byte_off> [3] struct s.a (0:0 @ offset 0): unexpected insn #0"
                        + " (LDX/ST/STX) value: got 2, exp 0 -> 16");
        ProgramSpec noBtf = prog(List.of(new Insn(0x61, 0, 1, 0, 0), EXIT), Map.of(0, core(0, "0:0", CoreKind.FIELD_BYTE_OFFSET)));
        assertThatThrownBy(() -> new Linker(object(noBtf, null), RESOLVER, kernelBtf()).link(noBtf))
                .hasMessage("p: p: insn 0 (p.c:7): CO-RE relocation s 0:0 but the object has no BTF");
    }

    /** clang-14 writes enum e { NEG = -5 } without BTF signedness (kind_flag 0) but loads it as -5 in 64 bits. */
    @Test
    void negativeEnumeratorOfAnEnumWithoutSignednessMatchesSignExtended() {
        BtfBuilder lb = new BtfBuilder("p.o");
        int le = lb.add(new dev.bpfvm.vm.btf.BtfType.Enum("e", 4, false, List.of(
                new dev.bpfvm.vm.btf.BtfType.EnumValue("NEG", 0xfffffffbL), new dev.bpfvm.vm.btf.BtfType.EnumValue("BIG", 0xfffffff0L))));
        BtfBuilder kb = new BtfBuilder("kernel");
        kb.add(new dev.bpfvm.vm.btf.BtfType.Enum("e", 4, true, List.of(
                new dev.bpfvm.vm.btf.BtfType.EnumValue("BIG", 9), new dev.bpfvm.vm.btf.BtfType.EnumValue("NEG", -3))));
        Reloc neg = new Reloc.CoreRef(new CoreRelo(0, le, "0", CoreKind.ENUMVAL_VALUE), "e::NEG");
        Reloc big = new Reloc.CoreRef(new CoreRelo(16, le, "1", CoreKind.ENUMVAL_VALUE), "e::BIG");
        ProgramSpec p = prog(List.of(Insn.lddw(1, 0, -5L), Insn.lddw(2, 0, 0xfffffff0L), EXIT), Map.of(0, neg, 2, big));
        LinkedProgram lp = new Linker(object(p, lb.build()), RESOLVER, kb.build()).link(p);
        assertThat(lp.program().insns()).containsExactly(Insn.lddw(1, 0, -3L), Insn.lddw(2, 0, 9L), EXIT);
        // without signedness in BTF both readings of the 32 bits are the compiler's
        ProgramSpec signed = prog(List.of(Insn.lddw(1, 0, -16L), EXIT), Map.of(0,
                new Reloc.CoreRef(new CoreRelo(0, le, "1", CoreKind.ENUMVAL_VALUE), "e::BIG")));
        assertThat(new Linker(object(signed, lb.build()), RESOLVER, kb.build()).link(signed).program().insns())
                .containsExactly(Insn.lddw(1, 0, 9L), EXIT);
        // any other value is not
        ProgramSpec bad = prog(List.of(Insn.lddw(1, 0, 7L), EXIT), Map.of(0, neg));
        assertThatThrownBy(() -> new Linker(object(bad, lb.build()), RESOLVER, kb.build()).link(bad))
                .isInstanceOf(RelocationException.class)
                .hasMessageEndingWith("unexpected insn #0 (LDIMM64) value: got 7, exp 4294967291 -> -3");
    }
}
