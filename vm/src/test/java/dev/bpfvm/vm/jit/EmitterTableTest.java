package dev.bpfvm.vm.jit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.isa.Opcodes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmitterTableTest {
    @Test
    void everyValidOpcodeHasAnEmitterOrIsInterpreterOnly() {
        List<String> missing = new ArrayList<>();
        for (int op : Opcodes.validOpcodes()) {
            if (!EmitterTable.has(op) && !EmitterTable.INTERPRETER_ONLY.contains(op)) {
                missing.add(String.format("0x%02x", op));
            }
        }
        assertThat(missing).isEmpty();
        int emitters = 0;
        for (int op = 0; op < 256; op++) {
            emitters += EmitterTable.has(op) ? 1 : 0;
        }
        assertThat(emitters).isEqualTo(Opcodes.validOpcodes().length - EmitterTable.INTERPRETER_ONLY.size()).isEqualTo(126);
    }

    @Test
    void noEmitterForAnInvalidOpcode() {
        for (int op = 0; op < 256; op++) {
            if (!Opcodes.isValid(op)) {
                assertThat(EmitterTable.has(op)).as("opcode 0x%02x", op).isFalse();
            }
        }
        assertThatThrownBy(() -> EmitterTable.get(0xff))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("no JIT emitter for opcode 0xff");
    }

    @Test
    void trickyOperationsCallTheInterpretersSemantics() {
        assertThat(EmitterTable.get(0x3f).semantics()).isEqualTo("dev/bpfvm/vm/exec/Semantics.udiv64");
        assertThat(EmitterTable.get(0x9c).semantics()).isEqualTo("dev/bpfvm/vm/exec/Semantics.umod32");
        assertThat(EmitterTable.get(0x6c).semantics()).isEqualTo("dev/bpfvm/vm/exec/Semantics.lsh32");
        assertThat(EmitterTable.get(0xdc).semantics()).isEqualTo("dev/bpfvm/vm/exec/Semantics.bswap");
        assertThat(EmitterTable.get(0xbf).semantics()).isEqualTo("dev/bpfvm/vm/exec/Semantics.movsx64");
        assertThat(EmitterTable.get(0x0f).semantics()).isNull();   // add: inlined
        assertThat(EmitterTable.get(0x0f).pure()).isTrue();
        assertThat(EmitterTable.get(0x79).kind()).isEqualTo(EmitterTable.Kind.FAULTS);   // a load can fault
        assertThat(EmitterTable.get(0x85).kind()).isEqualTo(EmitterTable.Kind.EFFECT);
    }
}
