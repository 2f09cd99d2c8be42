package dev.bpfvm.verifier;

import static dev.bpfvm.verifier.ScalarBounds.u32maxOf;
import static dev.bpfvm.verifier.ScalarBounds.u32minOf;
import static dev.bpfvm.verifier.ScalarBounds.umaxOf;
import static dev.bpfvm.verifier.ScalarBounds.uminOf;
import static dev.bpfvm.vm.isa.Opcodes.*;

/**
 * Conditional jumps on abstract values: whether a branch is decided ({@code is_branch_taken})
 * and what each side learns about its operands ({@code regs_refine_cond_op}).
 */
final class BranchLogic {
    private BranchLogic() {}

    /** The pseudo opcode for "not JSET" (the kernel uses JSET | X). */
    static final int JSET_NOT = JSET | X;

    /** AT_PKT_END / BEYOND_PKT_END markers in a packet pointer's range. */
    static final int AT_PKT_END = -1;
    static final int BEYOND_PKT_END = -2;

    /** The opcode that compares b to a for "a op b". */
    static int flip(int op) {
        switch (op) {
            case JGE: return JLE;
            case JGT: return JLT;
            case JLE: return JGE;
            case JLT: return JGT;
            case JSGE: return JSLE;
            case JSGT: return JSLT;
            case JSLE: return JSGE;
            case JSLT: return JSGT;
            default: return op; // JEQ, JNE, JSET
        }
    }

    /** The opcode of the false branch. */
    static int reverse(int op) {
        switch (op) {
            case JEQ: return JNE;
            case JNE: return JEQ;
            case JSET: return JSET_NOT;
            case JSET_NOT: return JSET;
            case JGE: return JLT;
            case JGT: return JLE;
            case JLE: return JGT;
            case JLT: return JGE;
            case JSGE: return JSLT;
            case JSGT: return JSLE;
            case JSLE: return JSGT;
            case JSLT: return JSGE;
            default: return 0;
        }
    }

    /** 1 taken, 0 not taken, -1 unknown. */
    static int isBranchTaken(RegState r1, RegState r2, int op, boolean jmp32) {
        if (r1.type.isPacketAny() && r2.type.isPacketAny() && !jmp32) {
            return pktBranchTaken(r1, r2, op);
        }
        if (r1.isPointer() || r2.isPointer()) {
            if (!r2.isConst(jmp32)) {
                op = flip(op);
                RegState t = r1;
                r1 = r2;
                r2 = t;
            }
            if (!r2.isConst(jmp32)) {
                return -1;
            }
            if (!notNull(r1)) {
                return -1;
            }
            if (r2.constValue(jmp32) != 0) {
                return -1;
            }
            if (op == JEQ) {
                return 0;
            }
            if (op == JNE) {
                return 1;
            }
            return -1;
        }
        return scalarBranchTaken(r1, r2, op, jmp32);
    }

    /**
     * Pointer types known not to be NULL (reg_not_null, as in 6.12's stable updates: a base that
     * cannot be NULL, unless an unbounded offset could wrap it to zero).
     */
    static boolean notNull(RegState r) {
        if (r.maybeNull()) {
            return false;
        }
        if (r.smin <= -Cfg.MAX_VAR_OFF || r.smax >= Cfg.MAX_VAR_OFF) {
            return false;
        }
        switch (r.type) {
            case PTR_TO_SOCKET:
            case PTR_TO_TCP_SOCK:
            case PTR_TO_XDP_SOCK:
            case PTR_TO_BUF:
            case PTR_TO_MAP_VALUE:
            case PTR_TO_MAP_KEY:
            case PTR_TO_SOCK_COMMON:
            case PTR_TO_MEM:
            case CONST_PTR_TO_MAP:
                return true;
            case PTR_TO_BTF_ID:
                return isTrusted(r);
            default:
                return false;
        }
    }

    static boolean isTrusted(RegState r) {
        if (r.refObjId != 0) {
            return true;
        }
        int unsafe = RegState.MAYBE_NULL | RegState.UNTRUSTED | RegState.USER;
        return (r.flags & (RegState.TRUSTED | RegState.ALLOC)) != 0 && (r.flags & unsafe) == 0;
    }

    private static int pktBranchTaken(RegState dst, RegState src, int op) {
        RegState pkt;
        if (src.type == RegType.PTR_TO_PACKET_END) {
            pkt = dst;
        } else if (dst.type == RegType.PTR_TO_PACKET_END) {
            pkt = src;
            op = flip(op);
        } else {
            return -1;
        }
        if (pkt.range >= 0) {
            return -1;
        }
        switch (op) {
            case JLE:
            case JGT:
                if (pkt.range == BEYOND_PKT_END) {
                    return op == JGT ? 1 : 0;
                }
                break;
            case JLT:
            case JGE:
                if (pkt.range == BEYOND_PKT_END || pkt.range == AT_PKT_END) {
                    return op == JGE ? 1 : 0;
                }
                break;
            default:
                break;
        }
        return -1;
    }

    private static int scalarBranchTaken(RegState r1, RegState r2, int op, boolean jmp32) {
        Tnum t1 = jmp32 ? r1.varOff.subreg() : r1.varOff;
        Tnum t2 = jmp32 ? r2.varOff.subreg() : r2.varOff;
        long umin1 = jmp32 ? r1.u32minL() : r1.umin;
        long umax1 = jmp32 ? r1.u32maxL() : r1.umax;
        long smin1 = jmp32 ? r1.s32min : r1.smin;
        long smax1 = jmp32 ? r1.s32max : r1.smax;
        long umin2 = jmp32 ? r2.u32minL() : r2.umin;
        long umax2 = jmp32 ? r2.u32maxL() : r2.umax;
        long smin2 = jmp32 ? r2.s32min : r2.smin;
        long smax2 = jmp32 ? r2.s32max : r2.smax;
        switch (op) {
            case JEQ:
                if (t1.isConst() && t2.isConst()) {
                    return t1.value() == t2.value() ? 1 : 0;
                }
                if (ugt(umin1, umax2) || ult(umax1, umin2)) {
                    return 0;
                }
                if (smin1 > smax2 || smax1 < smin2) {
                    return 0;
                }
                if (!jmp32) {
                    if (ScalarBounds.u32gt(r1.u32min, r2.u32max) || ScalarBounds.u32lt(r1.u32max, r2.u32min)) {
                        return 0;
                    }
                    if (r1.s32min > r2.s32max || r1.s32max < r2.s32min) {
                        return 0;
                    }
                }
                break;
            case JNE:
                if (t1.isConst() && t2.isConst()) {
                    return t1.value() != t2.value() ? 1 : 0;
                }
                if (ugt(umin1, umax2) || ult(umax1, umin2)) {
                    return 1;
                }
                if (smin1 > smax2 || smax1 < smin2) {
                    return 1;
                }
                if (!jmp32) {
                    if (ScalarBounds.u32gt(r1.u32min, r2.u32max) || ScalarBounds.u32lt(r1.u32max, r2.u32min)) {
                        return 1;
                    }
                    if (r1.s32min > r2.s32max || r1.s32max < r2.s32min) {
                        return 1;
                    }
                }
                break;
            case JSET:
                if (!r2.isConst(jmp32)) {
                    RegState tr = r1;
                    r1 = r2;
                    r2 = tr;
                    Tnum tt = t1;
                    t1 = t2;
                    t2 = tt;
                }
                if (!r2.isConst(jmp32)) {
                    return -1;
                }
                if (((~t1.mask() & t1.value()) & t2.value()) != 0) {
                    return 1;
                }
                if (((t1.mask() | t1.value()) & t2.value()) == 0) {
                    return 0;
                }
                break;
            case JGT:
                if (ugt(umin1, umax2)) {
                    return 1;
                } else if (!ugt(umax1, umin2)) {
                    return 0;
                }
                break;
            case JSGT:
                if (smin1 > smax2) {
                    return 1;
                } else if (smax1 <= smin2) {
                    return 0;
                }
                break;
            case JLT:
                if (ult(umax1, umin2)) {
                    return 1;
                } else if (!ult(umin1, umax2)) {
                    return 0;
                }
                break;
            case JSLT:
                if (smax1 < smin2) {
                    return 1;
                } else if (smin1 >= smax2) {
                    return 0;
                }
                break;
            case JGE:
                if (!ult(umin1, umax2)) {
                    return 1;
                } else if (ult(umax1, umin2)) {
                    return 0;
                }
                break;
            case JSGE:
                if (smin1 >= smax2) {
                    return 1;
                } else if (smax1 < smin2) {
                    return 0;
                }
                break;
            case JLE:
                if (!ugt(umax1, umin2)) {
                    return 1;
                } else if (ugt(umin1, umax2)) {
                    return 0;
                }
                break;
            case JSLE:
                if (smax1 <= smin2) {
                    return 1;
                } else if (smin1 > smax2) {
                    return 0;
                }
                break;
            default:
                break;
        }
        return -1;
    }

    private static boolean ugt(long a, long b) {
        return Long.compareUnsigned(a, b) > 0;
    }

    private static boolean ult(long a, long b) {
        return Long.compareUnsigned(a, b) < 0;
    }

    /** What "reg1 op reg2" being true tells about both registers. */
    static void refine(RegState reg1, RegState reg2, int op, boolean jmp32) {
        while (true) {
            switch (op) {
                case JEQ:
                    if (jmp32) {
                        reg1.u32min = u32maxOf(reg1.u32min, reg2.u32min);
                        reg1.u32max = u32minOf(reg1.u32max, reg2.u32max);
                        reg1.s32min = Math.max(reg1.s32min, reg2.s32min);
                        reg1.s32max = Math.min(reg1.s32max, reg2.s32max);
                        reg2.u32min = reg1.u32min;
                        reg2.u32max = reg1.u32max;
                        reg2.s32min = reg1.s32min;
                        reg2.s32max = reg1.s32max;
                        Tnum t = reg1.varOff.subreg().intersect(reg2.varOff.subreg());
                        reg1.varOff = reg1.varOff.withSubreg(t);
                        reg2.varOff = reg2.varOff.withSubreg(t);
                    } else {
                        reg1.umin = umaxOf(reg1.umin, reg2.umin);
                        reg1.umax = uminOf(reg1.umax, reg2.umax);
                        reg1.smin = Math.max(reg1.smin, reg2.smin);
                        reg1.smax = Math.min(reg1.smax, reg2.smax);
                        reg2.umin = reg1.umin;
                        reg2.umax = reg1.umax;
                        reg2.smin = reg1.smin;
                        reg2.smax = reg1.smax;
                        reg1.varOff = reg1.varOff.intersect(reg2.varOff);
                        reg2.varOff = reg1.varOff;
                    }
                    return;
                case JNE:
                    return;
                case JSET: {
                    if (!reg2.isConst(jmp32)) {
                        RegState t = reg1;
                        reg1 = reg2;
                        reg2 = t;
                    }
                    if (!reg2.isConst(jmp32)) {
                        return;
                    }
                    long val = reg2.constValue(jmp32);
                    if (val == 0 || (val & (val - 1)) != 0) {
                        return;
                    }
                    if (jmp32) {
                        reg1.varOff = reg1.varOff.withSubreg(reg1.varOff.subreg().or(Tnum.constant(val)));
                    } else {
                        reg1.varOff = reg1.varOff.or(Tnum.constant(val));
                    }
                    return;
                }
                case JSET_NOT: {
                    if (!reg2.isConst(jmp32)) {
                        RegState t = reg1;
                        reg1 = reg2;
                        reg2 = t;
                    }
                    if (!reg2.isConst(jmp32)) {
                        return;
                    }
                    long val = reg2.constValue(jmp32);
                    if (jmp32) {
                        reg1.varOff = reg1.varOff.withSubreg(reg1.varOff.subreg().and(Tnum.constant(~val)));
                    } else {
                        reg1.varOff = reg1.varOff.and(Tnum.constant(~val));
                    }
                    return;
                }
                case JLE:
                    if (jmp32) {
                        reg1.u32max = u32minOf(reg1.u32max, reg2.u32max);
                        reg2.u32min = u32maxOf(reg1.u32min, reg2.u32min);
                    } else {
                        reg1.umax = uminOf(reg1.umax, reg2.umax);
                        reg2.umin = umaxOf(reg1.umin, reg2.umin);
                    }
                    return;
                case JLT:
                    if (jmp32) {
                        reg1.u32max = u32minOf(reg1.u32max, reg2.u32max - 1);
                        reg2.u32min = u32maxOf(reg1.u32min + 1, reg2.u32min);
                    } else {
                        reg1.umax = uminOf(reg1.umax, reg2.umax - 1);
                        reg2.umin = umaxOf(reg1.umin + 1, reg2.umin);
                    }
                    return;
                case JSLE:
                    if (jmp32) {
                        reg1.s32max = Math.min(reg1.s32max, reg2.s32max);
                        reg2.s32min = Math.max(reg1.s32min, reg2.s32min);
                    } else {
                        reg1.smax = Math.min(reg1.smax, reg2.smax);
                        reg2.smin = Math.max(reg1.smin, reg2.smin);
                    }
                    return;
                case JSLT:
                    if (jmp32) {
                        reg1.s32max = Math.min(reg1.s32max, reg2.s32max - 1);
                        reg2.s32min = Math.max(reg1.s32min + 1, reg2.s32min);
                    } else {
                        reg1.smax = Math.min(reg1.smax, reg2.smax - 1);
                        reg2.smin = Math.max(reg1.smin + 1, reg2.smin);
                    }
                    return;
                case JGE:
                case JGT:
                case JSGE:
                case JSGT: {
                    op = flip(op);
                    RegState t = reg1;
                    reg1 = reg2;
                    reg2 = t;
                    continue;
                }
                default:
                    return;
            }
        }
    }
}
