package dev.bpfvm.vm.asm;

import static dev.bpfvm.vm.isa.Opcodes.*;

/** The names of the assembler syntax, shared by {@link Assembler} and {@link Disassembler}. */
final class Mnemonics {
    private Mnemonics() {}

    /** ALU operation names by {@code op >> 4}; null where the op has no two-operand name. */
    static final String[] ALU = new String[16];
    /** Conditional jump names by {@code op >> 4}; null for JA, CALL, EXIT and unused ops. */
    static final String[] JCOND = new String[16];

    static {
        ALU[ADD >> 4] = "add";
        ALU[SUB >> 4] = "sub";
        ALU[MUL >> 4] = "mul";
        ALU[DIV >> 4] = "div";
        ALU[OR >> 4] = "or";
        ALU[AND >> 4] = "and";
        ALU[LSH >> 4] = "lsh";
        ALU[RSH >> 4] = "rsh";
        ALU[MOD >> 4] = "mod";
        ALU[XOR >> 4] = "xor";
        ALU[MOV >> 4] = "mov";
        ALU[ARSH >> 4] = "arsh";

        JCOND[JEQ >> 4] = "jeq";
        JCOND[JGT >> 4] = "jgt";
        JCOND[JGE >> 4] = "jge";
        JCOND[JSET >> 4] = "jset";
        JCOND[JNE >> 4] = "jne";
        JCOND[JSGT >> 4] = "jsgt";
        JCOND[JSGE >> 4] = "jsge";
        JCOND[JLT >> 4] = "jlt";
        JCOND[JLE >> 4] = "jle";
        JCOND[JSLT >> 4] = "jslt";
        JCOND[JSLE >> 4] = "jsle";
    }

    /** The size suffix of loads and stores: b, h, w, dw. */
    static String sizeSuffix(int size) {
        switch (size) {
            case B: return "b";
            case H: return "h";
            case W: return "w";
            default: return "dw";
        }
    }

    /** The base name of an atomic operation (without fetch), or null. */
    static String atomicName(int imm) {
        switch (imm & ~FETCH) {
            case ATOMIC_ADD: return "add";
            case ATOMIC_OR: return "or";
            case ATOMIC_AND: return "and";
            case ATOMIC_XOR: return "xor";
            default: return null;
        }
    }
}
