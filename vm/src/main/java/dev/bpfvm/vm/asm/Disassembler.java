package dev.bpfvm.vm.asm;

import dev.bpfvm.vm.isa.Insn;

/** Instruction → text. Placeholder until the text tools land: prints the raw fields. */
public final class Disassembler {
    private Disassembler() {}

    /** The kernel verifier's pseudo-C syntax, e.g. {@code r0 = *(u32 *)(r1 +4)}. */
    public static String kernel(Insn i) {
        return String.format("(%02x) dst=r%d src=r%d off=%d imm=%d", i.opcode(), i.dst(), i.src(), i.off(), i.imm());
    }
}
