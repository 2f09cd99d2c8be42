package dev.bpfvm.verifier;

import dev.bpfvm.vm.asm.Disassembler;
import dev.bpfvm.vm.isa.Insn;

/**
 * Prints one instruction as the verifier log shows it after {@code N: }, e.g.
 * {@code (b7) r0 = 0}. The default is the project's kernel-syntax disassembler.
 */
@FunctionalInterface
public interface InsnPrinter {
    String print(int pc, Insn insn);

    static InsnPrinter kernel() {
        return (pc, insn) -> Disassembler.kernel(insn);
    }
}
