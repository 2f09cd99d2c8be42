package dev.bpfvm.vm.isa;

import static dev.bpfvm.vm.isa.Opcodes.*;

/**
 * Structural checks of a single instruction, independent of any program state: known opcode,
 * register numbers, read-only r10, reserved fields. Messages follow the Linux verifier's wording.
 * The interpreter refuses such an instruction when it reaches it; the verifier refuses the
 * program.
 */
public final class InsnCheck {
    private InsnCheck() {}

    /** Null when the instruction is well-formed, else why not. */
    public static String check(Insn i) {
        int op = i.opcode();
        if (!Opcodes.isValid(op)) {
            return String.format("unknown opcode %02x", op);
        }
        if (i.dst() > 10) {
            return "R" + i.dst() + " is invalid";
        }
        if (i.src() > 10 && !(op == LDDW || op == CALL_IMM)) {
            return "R" + i.src() + " is invalid";
        }
        int cls = cls(op);
        switch (cls) {
            case ALU:
            case ALU64:
                return checkAlu(i, cls);
            case LD:
                if (op == LDDW) {
                    if (i.dst() == FP) {
                        return "frame pointer is read only";
                    }
                    if (i.src() > PSEUDO_MAP_IDX_VALUE) {
                        return "invalid BPF_LD_IMM insn";
                    }
                    return null;
                }
                if (i.dst() != 0 || i.off() != 0 || (mode(op) == ABS && i.src() != 0)) {
                    return "BPF_LD_[ABS|IND] uses reserved fields";
                }
                return null;
            case LDX:
                if (i.dst() == FP) {
                    return "frame pointer is read only";
                }
                return i.imm() != 0 ? "BPF_LDX uses reserved fields" : null;
            case ST:
                return i.src() != 0 ? "BPF_ST uses reserved fields" : null;
            case STX:
                if (mode(op) == ATOMIC) {
                    if (!Opcodes.isValidAtomicOp(i.imm())) {
                        return String.format("BPF_ATOMIC uses invalid atomic opcode %02x", i.imm());
                    }
                    if ((i.imm() & FETCH) != 0 && i.imm() != ATOMIC_CMPXCHG && i.src() == FP) {
                        return "frame pointer is read only";
                    }
                    return null;
                }
                return i.imm() != 0 ? "BPF_STX uses reserved fields" : null;
            default:
                return checkJump(i, cls);
        }
    }

    private static String checkAlu(Insn i, int cls) {
        int op = op(i.opcode());
        if (i.dst() == FP) {
            return "frame pointer is read only";
        }
        if (op == END) {
            if (i.imm() != 16 && i.imm() != 32 && i.imm() != 64) {
                return "BPF_END uses reserved fields";
            }
            return i.src() != 0 || i.off() != 0 ? "BPF_END uses reserved fields" : null;
        }
        if (op == NEG) {
            return i.src() != 0 || i.off() != 0 || i.imm() != 0 ? "BPF_NEG uses reserved fields" : null;
        }
        boolean reg = source(i.opcode()) == X;
        if (reg && i.imm() != 0) {
            return "BPF_ALU uses reserved fields";
        }
        if (!reg && i.src() != 0) {
            return "BPF_ALU uses reserved fields";
        }
        if (op == DIV || op == MOD) {
            return i.off() == 0 || i.off() == 1 ? null : "BPF_ALU uses reserved fields";
        }
        if (op == MOV && reg) {
            int off = i.off();
            boolean ok = off == 0 || off == 8 || off == 16 || (off == 32 && cls == ALU64);
            return ok ? null : "BPF_MOV uses reserved fields";
        }
        return i.off() != 0 ? "BPF_ALU uses reserved fields" : null;
    }

    private static String checkJump(Insn i, int cls) {
        int opc = i.opcode();
        if (opc == CALL_IMM) {
            if (i.src() > PSEUDO_KFUNC_CALL) {
                return "BPF_CALL uses reserved fields";
            }
            return i.off() != 0 || i.dst() != 0 ? "BPF_CALL uses reserved fields" : null;
        }
        if (opc == CALLX) {
            return i.src() != 0 || i.off() != 0 || i.imm() != 0 ? "BPF_CALL uses reserved fields" : null;
        }
        if (opc == EXIT_INSN) {
            return i.src() != 0 || i.dst() != 0 || i.off() != 0 || i.imm() != 0 ? "BPF_EXIT uses reserved fields" : null;
        }
        if (opc == JA64) {
            return i.src() != 0 || i.dst() != 0 || i.imm() != 0 ? "BPF_JA uses reserved fields" : null;
        }
        if (opc == GOTOL) {
            return i.src() != 0 || i.dst() != 0 || i.off() != 0 ? "BPF_JA uses reserved fields" : null;
        }
        if (opc == MAY_GOTO) {
            return i.src() != JCOND_MAY_GOTO || i.dst() != 0 || i.imm() != 0
                    ? "invalid may_goto imm " + i.imm() : null;
        }
        boolean reg = source(opc) == X;
        if (reg ? i.imm() != 0 : i.src() != 0) {
            return "BPF_JMP/JMP32 uses reserved fields";
        }
        return null;
    }
}
