package dev.bpfvm.vm.elf;

import static dev.bpfvm.vm.elf.ElfLoaderTest.EXIT;
import static dev.bpfvm.vm.elf.ElfLoaderTest.call;
import static dev.bpfvm.vm.elf.ElfLoaderTest.mov;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.Opcodes;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.FunctionSpec;
import dev.bpfvm.vm.object.ObjectFunctions;
import dev.bpfvm.vm.object.ProgramSpec;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.object.Reloc;
import dev.bpfvm.vm.object.RelocationException;
import dev.bpfvm.vm.spi.HelperRegistry;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@link ElfLoader#loadFunctions}: a program of every global function, .text included. */
class ElfLoaderFunctionsTest {
    /** .text: static a (0-1), global b (2-4) calling a, global c (5-6); socket program main calling b. */
    private static byte[] object() {
        TestElf e = new TestElf();
        int text = e.code(".text", List.of(mov(0, 1), EXIT, call(-1), mov(0, 2), EXIT, mov(0, 3), EXIT));
        e.func("a", text, 0, 2, false);
        e.func("b", text, 2, 3, true);
        e.func("c", text, 5, 2, true);
        int textSym = e.sectionSymbol(text);
        e.rel(text, 16, textSym, ElfReloc.R_BPF_64_32);   // b calls .text + 0 = a
        int prog = e.code("socket", List.of(call(1), EXIT));
        e.func("main", prog, 0, 2, true);
        e.rel(prog, 0, textSym, ElfReloc.R_BPF_64_32);    // .text + (1+1)*8 = b
        return e.build();
    }

    @Test
    void everyGlobalFunctionInSectionOrderWithItsSubprograms() {
        ObjectFunctions f = ElfLoader.loadFunctions("t.o", object());
        assertThat(f.object().programs()).extracting(ProgramSpec::name).containsExactly("main");
        assertThat(f.names()).containsExactly("b", "c", "main");

        ProgramSpec b = f.function("b");
        assertThat(b.section()).isEqualTo(".text");
        assertThat(b.type()).isEqualTo(ProgramType.UNSPEC);
        assertThat(b.attachType()).isEqualTo(AttachType.NONE);
        assertThat(b.attachTo()).isEmpty();
        assertThat(b.flags()).isZero();
        assertThat(b.functions()).containsExactly(
                new FunctionSpec("b", ".text", 0, 3, 0, true),
                new FunctionSpec("a", ".text", 3, 2, 0, false));
        assertThat(b.insns()).containsExactly(call(2), mov(0, 2), EXIT, mov(0, 1), EXIT);
        assertThat(b.relocs()).isEqualTo(new TreeMap<>(Map.of(0, new Reloc.CallRef("a", 3))));

        ProgramSpec c = f.function("c");
        assertThat(c.insns()).containsExactly(mov(0, 3), EXIT);
        assertThat(c.functions()).containsExactly(new FunctionSpec("c", ".text", 0, 2, 0, true));
        assertThat(c.relocs()).isEmpty();

        // a program is built exactly as load() builds it
        assertThat(f.function("main")).isEqualTo(f.object().program("main"));
        assertThat(f.function("a")).isNull();   // static: only a subprogram
        assertThat(f.function("nope")).isNull();
    }

    @Test
    void aTextOnlyObjectHasNoProgramsButItsFunctions() {
        TestElf e = new TestElf();
        int text = e.code(".text", List.of(Insn.lddw(0, 0, 0x1_0000_0002L), EXIT));
        e.func("bpf_main", text, 0, 3, true);
        ObjectFunctions f = ElfLoader.loadFunctions("ubpf.o", e.build());
        assertThat(f.object().programs()).isEmpty();
        assertThat(f.names()).containsExactly("bpf_main");
        assertThat(f.function("bpf_main").insns()).containsExactly(Insn.lddw(0, 0, 0x1_0000_0002L), EXIT);
        assertThat(f.function("bpf_main").slotCount()).isEqualTo(3);
    }

    @Test
    void aCallIntoTheFunctionsOwnBodyStaysAsItIs() {
        // bpf_conformance's --elf files: one global symbol 'main' over the whole of .text, local calls inside it
        Insn local = new Insn(Opcodes.CALL_IMM, 0, Opcodes.PSEUDO_CALL, 0, 1);
        List<Insn> code = List.of(mov(1, 5), local, EXIT, mov(0, 7), EXIT);
        TestElf e = new TestElf();
        int text = e.code(".text", code);
        e.func("main", text, 0, 5, true);
        ObjectFunctions f = ElfLoader.loadFunctions("conf.o", e.build());
        ProgramSpec main = f.function("main");
        assertThat(main.insns()).isEqualTo(code);
        assertThat(main.relocs()).isEmpty();
        assertThat(main.functions()).containsExactly(new FunctionSpec("main", ".text", 0, 5, 0, true));
        // r1 = 5; call (r0 = 7); exit
        BpfRuntime rt = new BpfRuntime(new HelperRegistry());
        assertThat(rt.newContext(0).run(new Program("main", main.insns()), 0, 0, 0, 0, 0)).isEqualTo(7);
        // into another function's body it is still an error
        TestElf e2 = new TestElf();
        int t2 = e2.code(".text", List.of(mov(1, 5), call(2), EXIT, mov(0, 1), mov(0, 7), EXIT));
        e2.func("main", t2, 0, 3, true);
        e2.func("other", t2, 3, 3, true);
        assertThatThrownBy(() -> ElfLoader.loadFunctions("conf.o", e2.build()))
                .isInstanceOf(RelocationException.class)
                .hasMessage("conf.o: main: insn 1: call targets insn 4 of section '.text', which is not the start of a function");
    }

    @Test
    void errorsAreThoseOfLoad() {
        byte[] b = object();
        b[18] = 62;   // e_machine = x86-64
        assertThatThrownBy(() -> ElfLoader.loadFunctions("t.o", b))
                .isInstanceOf(ElfFormatException.class)
                .hasMessage("t.o: not a BPF object: ELF machine 62 (x86-64), expected 247 (EM_BPF)");
        assertThatThrownBy(() -> ElfLoader.loadFunctions("t.o", new byte[] {0x7f, 'E', 'L', 'F'}))
                .isInstanceOf(ElfFormatException.class);
        assertThat(Opcodes.PSEUDO_CALL).isEqualTo(1);
    }
}
