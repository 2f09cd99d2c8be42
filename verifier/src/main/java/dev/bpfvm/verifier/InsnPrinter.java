package dev.bpfvm.verifier;

import dev.bpfvm.vm.asm.Disassembler;
import dev.bpfvm.vm.isa.Insn;

/**
 * Prints one instruction as the verifier log shows it after {@code N: }, e.g.
 * {@code (b7) r0 = 0} or {@code (85) call bpf_map_lookup_elem#1}. The default is the
 * project's kernel-syntax disassembler, naming helpers and kfuncs as the kernel does.
 */
@FunctionalInterface
public interface InsnPrinter {
    String print(int pc, Insn insn);

    /**
     * Prints with names for helpers and kfuncs; printers that cannot use them ignore them.
     * The verifier calls this one.
     */
    default String print(int pc, Insn insn, Disassembler.Symbols names) {
        return print(pc, insn);
    }

    /** The kernel's disasm.c text with its {@code (op) } prefix. */
    static InsnPrinter kernel() {
        return new InsnPrinter() {
            @Override
            public String print(int pc, Insn insn) {
                return print(pc, insn, Disassembler.Symbols.NONE);
            }

            @Override
            public String print(int pc, Insn insn, Disassembler.Symbols names) {
                String line = Disassembler.kernelLine(pc, insn, names);
                String prefix = pc + ": ";
                return line.startsWith(prefix) ? line.substring(prefix.length()) : line;
            }
        };
    }
}
