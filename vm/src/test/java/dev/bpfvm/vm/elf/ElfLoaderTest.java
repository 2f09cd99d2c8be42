package dev.bpfvm.vm.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.btf.Btf;
import dev.bpfvm.vm.btf.BtfBuilder;
import dev.bpfvm.vm.btf.BtfException;
import dev.bpfvm.vm.btf.BtfType;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.Opcodes;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ExternSpec;
import dev.bpfvm.vm.object.FunctionSpec;
import dev.bpfvm.vm.object.MapEntry;
import dev.bpfvm.vm.object.MapSpec;
import dev.bpfvm.vm.object.ObjectSpec;
import dev.bpfvm.vm.object.Pinning;
import dev.bpfvm.vm.object.ProgramSpec;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.object.Reloc;
import dev.bpfvm.vm.object.RelocationException;
import dev.bpfvm.vm.spi.MapType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ElfLoaderTest {
    static final Insn EXIT = new Insn(0x95, 0, 0, 0, 0);

    static Insn mov(int dst, int imm) {
        return new Insn(0xb7, dst, 0, 0, imm);
    }

    static Insn call(int imm) {
        return new Insn(Opcodes.CALL_IMM, 0, Opcodes.PSEUDO_CALL, 0, imm);
    }

    static Insn helper(int id) {
        return new Insn(Opcodes.CALL_IMM, 0, 0, 0, id);
    }

    @Test
    void subprogramsAreAppendedDepthFirstInCallOrder() {
        TestElf e = new TestElf();
        // .text: a (slots 0-1), b (2-4): b calls a
        int text = e.code(".text", List.of(mov(0, 1), EXIT, call(-1), mov(0, 2), EXIT));
        e.func("a", text, 0, 2, false);
        e.func("b", text, 2, 3, false);
        int textSym = e.sectionSymbol(text);
        // main calls b, then a
        int prog = e.code("xdp", List.of(call(1), call(-1), EXIT));
        e.func("main", prog, 0, 3, true);
        e.rel(prog, 0, textSym, ElfReloc.R_BPF_64_32);   // .text + (1+1)*8 = b
        e.rel(prog, 8, textSym, ElfReloc.R_BPF_64_32);   // .text + 0 = a
        e.rel(text, 16, textSym, ElfReloc.R_BPF_64_32);  // b calls .text + 0 = a
        ObjectSpec o = ElfLoader.load("t.o", e.build());
        ProgramSpec p = o.program("main");
        assertThat(p.type()).isEqualTo(ProgramType.XDP);
        assertThat(p.attachType()).isEqualTo(AttachType.XDP);
        assertThat(p.functions()).containsExactly(
                new FunctionSpec("main", "xdp", 0, 3, 0, true),
                new FunctionSpec("b", ".text", 3, 3, 0, false),
                new FunctionSpec("a", ".text", 6, 2, 0, false));
        assertThat(p.insns()).containsExactly(
                call(2), call(4), EXIT,          // main: b at 3 = 0+1+2, a at 6 = 1+1+4
                call(2), mov(0, 2), EXIT,        // b: a at 6 = 3+1+2
                mov(0, 1), EXIT);
        assertThat(p.relocs()).isEqualTo(new TreeMap<>(Map.of(
                0, new Reloc.CallRef("b", 3), 1, new Reloc.CallRef("a", 6), 3, new Reloc.CallRef("a", 6))));
    }

    @Test
    void staticFunctionsOfAProgramSectionAreSubprogramsCalledWithoutRelocation() {
        TestElf e = new TestElf();
        int s = e.code("socket", List.of(call(1), EXIT, mov(0, 7), EXIT));
        e.func("entry", s, 0, 2, true);
        e.func("helper", s, 2, 2, false);
        ObjectSpec o = ElfLoader.load("t.o", e.build());
        assertThat(o.programs()).extracting(ProgramSpec::name).containsExactly("entry");
        ProgramSpec p = o.programs().get(0);
        assertThat(p.insns()).containsExactly(call(1), EXIT, mov(0, 7), EXIT);
        assertThat(p.relocs()).containsEntry(0, new Reloc.CallRef("helper", 2));
    }

    @Test
    void functionAddressBecomesPseudoFunc() {
        TestElf e = new TestElf();
        int text = e.code(".text", List.of(mov(0, 0), EXIT, mov(0, 1), EXIT));
        e.func("cb0", text, 0, 2, false);
        e.func("cb", text, 2, 2, false);
        int textSym = e.sectionSymbol(text);
        int s = e.code("syscall", List.of(mov(1, 4), Insn.lddw(2, 0, 16), mov(3, 0), mov(4, 0), helper(181), EXIT));
        e.func("loop", s, 0, 7, true);
        e.rel(s, 8, textSym, ElfReloc.R_BPF_64_64);
        ProgramSpec p = ElfLoader.load("t.o", e.build()).program("loop");
        assertThat(p.insns().get(1)).isEqualTo(new Insn(Opcodes.LDDW, 2, Opcodes.PSEUDO_FUNC, 0, 5, 0));
        assertThat(p.relocs()).containsEntry(1, new Reloc.FuncRef("cb", 7));
        assertThat(p.functions()).extracting(FunctionSpec::name).containsExactly("loop", "cb");
        assertThat(p.sleepable()).isTrue();
    }

    @Test
    void dataAndLegacyMapReferences() {
        TestElf e = new TestElf();
        ByteBuffer def = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        def.putInt(2).putInt(4).putInt(8).putInt(16).putInt(0);
        int maps = e.data("maps", def.array());
        int mapSym = e.symbol("counts", maps, 0, 20, ElfSymbol.STT_OBJECT, ElfSymbol.STB_GLOBAL);
        int data = e.data(".data", new byte[] {1, 0, 0, 0, 2, 0, 0, 0});
        int v = e.symbol("second", data, 4, 4, ElfSymbol.STT_OBJECT, ElfSymbol.STB_GLOBAL);
        int ro = e.section(".rodata", ElfSection.SHT_PROGBITS, ElfSection.SHF_ALLOC, new byte[] {'h', 'i', 0});
        int roSym = e.sectionSymbol(ro);
        int bss = e.bss(".bss", 16);
        e.symbol("zeros", bss, 0, 16, ElfSymbol.STT_OBJECT, ElfSymbol.STB_GLOBAL);
        int lic = e.data("license", "GPL\0".getBytes());
        int ver = e.data("version", new byte[] {0, 12, 6, 0});
        int s = e.code("socket", List.of(Insn.lddw(1, 0, 0), Insn.lddw(2, 0, 0), Insn.lddw(3, 0, 1), EXIT));
        e.func("p", s, 0, 7, true);
        e.rel(s, 0, mapSym, ElfReloc.R_BPF_64_64);
        e.rel(s, 16, v, ElfReloc.R_BPF_64_64);
        e.rel(s, 32, roSym, ElfReloc.R_BPF_64_64);
        ObjectSpec o = ElfLoader.load("dir/t.o", e.build());
        assertThat(o.name()).isEqualTo("t");
        assertThat(o.license()).isEqualTo("GPL");
        assertThat(o.kernelVersion()).isEqualTo(0x060c00);
        assertThat(o.maps()).extracting(MapSpec::name).containsExactly("counts", ".data", ".rodata", ".bss");
        assertThat(o.map("counts")).isEqualTo(new MapSpec("counts", MapType.ARRAY, 4, 8, 16, 0, 0, Pinning.NONE, 0,
                null, List.of(), new TreeMap<>(), 0, 0, "maps", false));
        MapSpec rodata = o.map(".rodata");
        assertThat(rodata.flags()).isEqualTo(MapSpec.BPF_F_RDONLY_PROG | MapSpec.BPF_F_MMAPABLE);
        assertThat(rodata.frozen()).isTrue();
        assertThat(rodata.contents()).containsExactly(new MapEntry(new byte[4], new byte[] {'h', 'i', 0}));
        MapSpec b = o.map(".bss");
        assertThat(b.valueSize()).isEqualTo(16);
        assertThat(b.data()).isEqualTo(new byte[16]);
        assertThat(b.isGlobalData()).isTrue();
        ProgramSpec p = o.program("p");
        assertThat(p.insns()).containsExactly(
                Insn.lddw(1, Opcodes.PSEUDO_MAP_FD, 0),
                new Insn(Opcodes.LDDW, 2, Opcodes.PSEUDO_MAP_VALUE, 0, 0, 4),
                new Insn(Opcodes.LDDW, 3, Opcodes.PSEUDO_MAP_VALUE, 0, 0, 1),
                EXIT);
        assertThat(p.relocs()).isEqualTo(new TreeMap<>(Map.of(
                0, new Reloc.MapRef("counts"),
                2, new Reloc.DataRef(".data", 4, "second"),
                4, new Reloc.DataRef(".rodata", 1, ".rodata"))));
        assertThat(o.variables()).extracting(x -> x.name() + "@" + x.section() + "+" + x.offset())
                .containsExactly("second@.data+4", "zeros@.bss+0");
        assertThat(lic + ver).isPositive();
    }

    @Test
    void unknownSectionIsAnErrorNamingIt() {
        TestElf e = new TestElf();
        int s = e.code("my_section", List.of(mov(0, 0), EXIT));
        e.func("p", s, 0, 2, true);
        assertThatThrownBy(() -> ElfLoader.load("t.o", e.build()))
                .isInstanceOf(ElfFormatException.class)
                .hasMessage("t.o: section 'my_section': unknown program section 'my_section': not a SEC() name libbpf"
                        + " knows (e.g. socket, xdp, tc, kprobe/..., fentry/..., tracepoint/...)");
    }

    @Test
    void relocationErrorsNameProgramAndInstruction() {
        TestElf e = new TestElf();
        int weird = e.data("weird", new byte[8]);
        int sym = e.symbol("w", weird, 0, 8, ElfSymbol.STT_OBJECT, ElfSymbol.STB_GLOBAL);
        int s = e.code("socket", List.of(mov(0, 0), Insn.lddw(1, 0, 0), EXIT));
        e.func("p", s, 0, 4, true);
        e.rel(s, 8, sym, ElfReloc.R_BPF_64_64);
        assertThatThrownBy(() -> ElfLoader.load("t.o", e.build()))
                .isInstanceOf(RelocationException.class)
                .hasMessage("t.o: p: insn 1: bad map relocation against 'w' in section 'weird'");

        TestElf e2 = new TestElf();
        int d = e2.data(".data", new byte[8]);
        int v = e2.symbol("v", d, 0, 8, ElfSymbol.STT_OBJECT, ElfSymbol.STB_GLOBAL);
        int s2 = e2.code("socket", List.of(mov(0, 0), EXIT));
        e2.func("p", s2, 0, 2, true);
        e2.rel(s2, 0, v, ElfReloc.R_BPF_64_64);
        assertThatThrownBy(() -> ElfLoader.load("t.o", e2.build()))
                .isInstanceOf(RelocationException.class)
                .hasMessage("t.o: p: insn 0: relocation against 'v' on an instruction that is neither ld_imm64 nor call (opcode 0xb7)");
    }

    @Test
    void callIntoTheMiddleOfAFunctionIsRejected() {
        TestElf e = new TestElf();
        int text = e.code(".text", List.of(mov(0, 1), mov(0, 2), EXIT));
        e.func("f", text, 0, 3, false);
        int textSym = e.sectionSymbol(text);
        int s = e.code("socket", List.of(call(0), EXIT));
        e.func("p", s, 0, 2, true);
        e.rel(s, 0, textSym, ElfReloc.R_BPF_64_32);
        assertThatThrownBy(() -> ElfLoader.load("t.o", e.build()))
                .isInstanceOf(RelocationException.class)
                .hasMessage("t.o: p: insn 0: call targets insn 1 of section '.text', which is not the start of a function");
    }

    /** llvm-strip --strip-unneeded drops the symbols of static functions, --strip-all every symbol. */
    @Test
    void strippedObjectsAreRejectedWithAHint() {
        TestElf e = new TestElf();
        int text = e.code(".text", List.of(mov(0, 1), EXIT, mov(0, 2), EXIT));
        e.func("kept", text, 0, 2, true);
        int textSym = e.sectionSymbol(text);
        int s = e.code("socket", List.of(call(1), EXIT));
        e.func("p", s, 0, 2, true);
        e.rel(s, 0, textSym, ElfReloc.R_BPF_64_32);   // .text + 2: a static function whose symbol is gone
        assertThatThrownBy(() -> ElfLoader.load("t.o", e.build()))
                .isInstanceOf(RelocationException.class)
                .hasMessage("t.o: p: insn 0: call targets insn 2 of section '.text', which is not the start of a"
                        + " function (no function symbol covers it: was the object stripped?)");
        TestElf all = new TestElf();
        all.code("socket", List.of(mov(0, 0), EXIT));
        assertThatThrownBy(() -> ElfLoader.load("t.o", all.build()))
                .isInstanceOf(ElfFormatException.class)
                .hasMessage("t.o: section 'socket': code section has no function symbols (was the object stripped?"
                        + " the loader needs its function symbols)");
    }

    @Test
    void brokenInstructionsAreAFormatError() {
        TestElf e = new TestElf();
        byte[] code = new byte[24];
        code[0] = (byte) 0xb7;
        code[16] = 0x18;   // ld_imm64 in the last slot
        int s = e.section("socket", ElfSection.SHT_PROGBITS, ElfSection.SHF_ALLOC | ElfSection.SHF_EXECINSTR, code);
        e.func("p", s, 0, 3, true);
        assertThatThrownBy(() -> ElfLoader.load("t.o", e.build()))
                .isInstanceOf(ElfFormatException.class)
                .hasMessage("t.o: section 'socket' offset 0x10: cannot decode instructions: insn 2: ld_imm64 at the last slot has no second half");
    }

    @Test
    void legacyMapWithUnknownTypeIsRejected() {
        TestElf e = new TestElf();
        ByteBuffer def = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        def.putInt(999).putInt(4).putInt(8).putInt(16).putInt(0);
        int maps = e.data("maps", def.array());
        e.symbol("m", maps, 0, 20, ElfSymbol.STT_OBJECT, ElfSymbol.STB_GLOBAL);
        assertThatThrownBy(() -> ElfLoader.load("t.o", e.build()))
                .isInstanceOf(ElfFormatException.class)
                .hasMessage("t.o: section 'maps': map 'm': unknown map type 999");
    }

    @Test
    void externsNeedBtf() {
        TestElf e = new TestElf();
        int s = e.code("socket", List.of(new Insn(Opcodes.CALL_IMM, 0, 0, 0, -1), EXIT));
        e.func("p", s, 0, 2, true);
        int ext = e.symbol("bpf_rcu_read_lock", 0, 0, 0, ElfSymbol.STT_NOTYPE, ElfSymbol.STB_GLOBAL);
        e.rel(s, 0, ext, ElfReloc.R_BPF_64_32);
        assertThatThrownBy(() -> ElfLoader.load("t.o", e.build()))
                .isInstanceOf(RelocationException.class)
                .hasMessage("t.o: extern 'bpf_rcu_read_lock' needs BTF to be resolved, but the object has none (compile with -g)");
    }

    /** BTF as clang -gline-tables-only writes it: a FUNC whose prototype is type 0 (clang-14). */
    static byte[] btfWithoutPrototypes() {
        BtfBuilder b = new BtfBuilder("t.o");
        int proto = b.add(new BtfType.FuncProto(0, List.of()));
        b.add(new BtfType.Func("p", proto, BtfType.Linkage.GLOBAL));
        byte[] bytes = b.build().encode();
        // header 24, FUNC_PROTO [1] 12 bytes, FUNC [2]: name, info, type
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(24 + 12 + 8, 0);
        return bytes;
    }

    static TestElf objectWithBtf(byte[] btf) {
        TestElf e = new TestElf();
        e.section(".BTF", ElfSection.SHT_PROGBITS, 0, btf);
        int s = e.code("socket", List.of(mov(0, 1), EXIT));
        e.func("p", s, 0, 2, true);
        return e;
    }

    /** .BTF.ext with an empty func and line info part and {@code coreLen} bytes of CO-RE records. */
    static byte[] btfExtHeader(int coreLen) {
        return ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0xeb9f).put((byte) 1)
                .put((byte) 0).putInt(32).putInt(0).putInt(0).putInt(0).putInt(0).putInt(0).putInt(coreLen).array();
    }

    @Test
    void btfThatDoesNotLoadIsDroppedWhenNothingNeedsIt() {
        ObjectSpec o = ElfLoader.load("t.o", objectWithBtf(btfWithoutPrototypes()).build());
        assertThat(o.btf()).isNull();
        assertThat(o.warnings()).containsExactly(".BTF ignored (nothing in the object needs BTF): .BTF: type [2] FUNC"
                + " 'p': prototype [0] is a UNKN, not a FUNC_PROTO");
        assertThat(o.program("p").functions()).containsExactly(new FunctionSpec("p", "socket", 0, 2, 0, true));
        assertThat(o.program("p").insns()).containsExactly(mov(0, 1), EXIT);
        // its .BTF.ext goes with it
        TestElf withExt = objectWithBtf(btfWithoutPrototypes());
        withExt.section(".BTF.ext", ElfSection.SHT_PROGBITS, 0, btfExtHeader(0));
        assertThat(ElfLoader.load("t.o", withExt.build()).btf()).isNull();
    }

    @Test
    void btfThatDoesNotLoadIsAnErrorWhenTheObjectNeedsIt() {
        String detail = "t.o: .BTF: type [2] FUNC 'p': ";
        // an extern
        TestElf ext = objectWithBtf(btfWithoutPrototypes());
        ext.symbol("bpf_rcu_read_lock", 0, 0, 0, ElfSymbol.STT_NOTYPE, ElfSymbol.STB_GLOBAL);
        assertThatThrownBy(() -> ElfLoader.load("t.o", ext.build())).isInstanceOf(BtfException.class)
                .hasMessageStartingWith(detail);
        // BTF-defined maps
        TestElf maps = objectWithBtf(btfWithoutPrototypes());
        maps.data(".maps", new byte[32]);
        assertThatThrownBy(() -> ElfLoader.load("t.o", maps.build())).isInstanceOf(BtfException.class)
                .hasMessageStartingWith(detail);
        // CO-RE relocations
        TestElf core = objectWithBtf(btfWithoutPrototypes());
        core.section(".BTF.ext", ElfSection.SHT_PROGBITS, 0, btfExtHeader(16));
        assertThatThrownBy(() -> ElfLoader.load("t.o", core.build())).isInstanceOf(BtfException.class)
                .hasMessageStartingWith(detail);
    }

    @Test
    void btfExtThatDoesNotLoadIsDroppedAloneWhenNothingNeedsIt() {
        BtfBuilder b = new BtfBuilder("t.o");
        b.add(new BtfType.Func("p", b.add(new BtfType.FuncProto(0, List.of())), BtfType.Linkage.GLOBAL));
        TestElf e = objectWithBtf(b.build().encode());
        byte[] ext = btfExtHeader(0);
        ext[2] = 7;   // version
        e.section(".BTF.ext", ElfSection.SHT_PROGBITS, 0, ext);
        ObjectSpec o = ElfLoader.load("t.o", e.build());
        assertThat(o.btf().count()).isEqualTo(3);
        assertThat(o.warnings()).containsExactly(".BTF.ext ignored (nothing in the object needs BTF): .BTF.ext:"
                + " unsupported version 7");
        assertThat(o.program("p").functions()).containsExactly(new FunctionSpec("p", "socket", 0, 2, 0, true));
        // but not when it may hold CO-RE relocations
        TestElf core = objectWithBtf(b.build().encode());
        byte[] coreExt = btfExtHeader(16);
        coreExt[2] = 7;
        core.section(".BTF.ext", ElfSection.SHT_PROGBITS, 0, coreExt);
        assertThatThrownBy(() -> ElfLoader.load("t.o", core.build())).isInstanceOf(BtfException.class)
                .hasMessage("t.o: .BTF.ext: unsupported version 7");
    }

    /** A .BTF section declaring kfunc and kconfig externs, plus a .maps map definition. */
    static Btf externBtf() {
        BtfBuilder b = new BtfBuilder("t.o");
        int intT = b.add(new BtfType.Int("int", 4, BtfType.Int.SIGNED, 0, 32));
        int proto = b.add(new BtfType.FuncProto(0, List.of()));
        int kf = b.add(new BtfType.Func("bpf_rcu_read_lock", proto, BtfType.Linkage.EXTERN));
        int weakKf = b.add(new BtfType.Func("bpf_missing", proto, BtfType.Linkage.EXTERN));
        int hz = b.add(new BtfType.Var("CONFIG_HZ", intT, BtfType.Linkage.EXTERN));
        b.add(new BtfType.DataSec(".ksyms", 0, List.of(new BtfType.VarSecInfo(kf, 0, 0),
                new BtfType.VarSecInfo(weakKf, 0, 0))));
        b.add(new BtfType.DataSec(".kconfig", 0, List.of(new BtfType.VarSecInfo(hz, 0, 4))));
        return b.build();
    }

    static TestElf externObject() {
        TestElf e = new TestElf();
        e.section(".BTF", ElfSection.SHT_PROGBITS, 0, externBtf().encode());
        int s = e.code("socket", List.of(new Insn(Opcodes.CALL_IMM, 0, 0, 0, -1), Insn.lddw(1, 0, 0),
                new Insn(Opcodes.CALL_IMM, 0, 0, 0, -1), EXIT));
        e.func("p", s, 0, 5, true);
        int kf = e.symbol("bpf_rcu_read_lock", 0, 0, 0, ElfSymbol.STT_NOTYPE, ElfSymbol.STB_GLOBAL);
        int hz = e.symbol("CONFIG_HZ", 0, 0, 0, ElfSymbol.STT_NOTYPE, ElfSymbol.STB_GLOBAL);
        int weak = e.symbol("bpf_missing", 0, 0, 0, ElfSymbol.STT_NOTYPE, ElfSymbol.STB_WEAK);
        e.rel(s, 0, kf, ElfReloc.R_BPF_64_32);
        e.rel(s, 8, hz, ElfReloc.R_BPF_64_64);
        e.rel(s, 24, weak, ElfReloc.R_BPF_64_32);
        return e;
    }

    @Test
    void kfuncAndKconfigExterns() {
        ObjectSpec o = ElfLoader.load("t.o", externObject().build());
        assertThat(o.externs()).containsExactly(
                new ExternSpec("CONFIG_HZ", ExternSpec.Kind.KCONFIG, false, 5, "int", 0, 4, ExternSpec.KconfigType.INT),
                new ExternSpec("bpf_missing", ExternSpec.Kind.KFUNC, true, 4, "func", -1, 0, null),
                new ExternSpec("bpf_rcu_read_lock", ExternSpec.Kind.KFUNC, false, 3, "func", -1, 0, null));
        MapSpec kcfg = o.map(".kconfig");
        assertThat(kcfg.valueSize()).isEqualTo(8);
        assertThat(kcfg.data()).containsExactly(250 & 0xff, 0, 0, 0, 0, 0, 0, 0);
        assertThat(kcfg.frozen()).isTrue();
        ProgramSpec p = o.program("p");
        assertThat(p.relocs()).isEqualTo(new TreeMap<>(Map.of(
                0, new Reloc.KfuncCall("bpf_rcu_read_lock", false),
                1, new Reloc.DataRef(".kconfig", 0, "CONFIG_HZ"),
                3, new Reloc.KfuncCall("bpf_missing", true))));
        assertThat(p.insns().get(0)).isEqualTo(new Insn(Opcodes.CALL_IMM, 0, Opcodes.PSEUDO_KFUNC_CALL, 0, 0));
    }

    @Test
    void missingKconfigValueIsAnErrorUnlessWeak() {
        ElfLoader.Options none = new ElfLoader.Options(dev.bpfvm.vm.object.Kconfig.empty());
        assertThatThrownBy(() -> ElfLoader.load("t.o", externObject().build(), none))
                .isInstanceOf(RelocationException.class)
                .hasMessage("t.o: extern (kcfg) 'CONFIG_HZ': value not found (declare it __weak or set it)");
        ElfLoader.Options hz1000 = new ElfLoader.Options(dev.bpfvm.vm.object.Kconfig.empty().with("CONFIG_HZ", "1000"));
        assertThat(ElfLoader.load("t.o", externObject().build(), hz1000).map(".kconfig").data())
                .containsExactly(0xe8, 3, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void btfMapDefinitionErrors() {
        BtfBuilder b = new BtfBuilder("t.o");
        int intT = b.add(new BtfType.Int("int", 4, BtfType.Int.SIGNED, 0, 32));
        int idx = b.add(new BtfType.Int("__ARRAY_SIZE_TYPE__", 4, 0, 0, 32));
        int arr = b.add(new BtfType.Array(intT, idx, 2));
        int ptr = b.add(new BtfType.Ptr(arr));
        int def = b.add(new BtfType.Struct("", 16, List.of(new BtfType.Member("type", ptr, 0),
                new BtfType.Member("colour", ptr, 64))));
        int var = b.add(new BtfType.Var("m", def, BtfType.Linkage.GLOBAL));
        b.add(new BtfType.DataSec(".maps", 16, List.of(new BtfType.VarSecInfo(var, 0, 16))));
        TestElf e = new TestElf();
        e.section(".BTF", ElfSection.SHT_PROGBITS, 0, b.build().encode());
        int maps = e.data(".maps", new byte[16]);
        e.symbol("m", maps, 0, 16, ElfSymbol.STT_OBJECT, ElfSymbol.STB_GLOBAL);
        assertThatThrownBy(() -> ElfLoader.load("t.o", e.build()))
                .isInstanceOf(BtfException.class)
                .hasMessage("t.o: .BTF: map 'm': unknown field 'colour'");
    }

    @Test
    void anObjectWithoutCodeIsEmpty() {
        ObjectSpec o = ElfLoader.load("empty.o", new TestElf().build());
        assertThat(o.programs()).isEmpty();
        assertThat(o.maps()).isEmpty();
        assertThat(o.license()).isEmpty();
        assertThat(o.btf()).isNull();
    }
}
