package dev.bpfvm.verifier;

import static dev.bpfvm.vm.isa.Opcodes.*;

import dev.bpfvm.vm.isa.Insn;

/**
 * ALU instructions ({@code check_alu_op}): scalar range tracking for every operation, pointer
 * arithmetic rules, moves with sign extension, and the unprivileged restrictions on pointer
 * arithmetic.
 */
final class AluCheck {
    /** The kernel's bpf_alu_string, indexed by op >> 4. */
    private static final String[] ALU_STRING = {
        "+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=", "endian"
    };

    // alu sanitation states (aux->alu_state)
    private static final int ALU_NON_POINTER = 1;
    private static final int ALU_SANITIZE_SRC = 2;
    private static final int ALU_SANITIZE_DST = 4;
    private static final int ALU_NEG_VALUE = 8;
    private static final int ALU_IMMEDIATE = 16;

    private final Env env;
    private final int[] aluState;
    private final int[] aluLimit;
    /** The checker of the instruction being checked (for pushing speculative paths). */
    private Checker checker;

    AluCheck(Env env) {
        this.env = env;
        this.aluState = new int[env.len];
        this.aluLimit = new int[env.len];
    }

    static String aluString(int op) {
        int i = op >> 4;
        return i < ALU_STRING.length ? ALU_STRING[i] : "?";
    }

    void check(Insn insn, Checker c) {
        checker = c;
        int code = insn.opcode();
        int opc = op(code);
        RegState[] regs = env.regs();
        boolean alu64 = cls(code) == ALU64;
        if (opc == END || opc == NEG) {
            c.checkRegArg(insn.dst(), Checker.Op.SRC);
            if (c.isPointerValue(regs[insn.dst()])) {
                throw env.deny("R" + insn.dst() + " pointer arithmetic prohibited");
            }
            c.checkRegArg(insn.dst(), Checker.Op.DST);
        } else if (opc == MOV) {
            if (source(code) == X) {
                c.checkRegArg(insn.src(), Checker.Op.SRC);
            }
            c.checkRegArg(insn.dst(), Checker.Op.DST_NO_MARK);
            if (source(code) == X) {
                RegState src = regs[insn.src()];
                RegState dst = regs[insn.dst()];
                if (alu64) {
                    if (insn.off() == 0) {
                        assignScalarIdBeforeMov(src);
                        dst.assign(src);
                        dst.written = true;
                    } else {
                        if (c.isPointerValue(src)) {
                            throw env.deny("R" + insn.src() + " sign-extension part of pointer");
                        } else if (src.type == RegType.SCALAR_VALUE) {
                            boolean noSext = Long.compareUnsigned(src.umax, 1L << (insn.off() - 1)) < 0;
                            if (noSext) {
                                assignScalarIdBeforeMov(src);
                            }
                            dst.assign(src);
                            if (!noSext) {
                                dst.id = 0;
                            }
                            ScalarBounds.coerceToSizeSx(dst, insn.off() >> 3);
                            dst.written = true;
                        } else {
                            env.markUnknown(dst);
                        }
                    }
                } else {
                    if (c.isPointerValue(src)) {
                        throw env.deny("R" + insn.src() + " partial copy of pointer");
                    } else if (src.type == RegType.SCALAR_VALUE) {
                        if (insn.off() == 0) {
                            boolean fits32 = Long.compareUnsigned(src.umax, 0xffff_ffffL) <= 0;
                            if (fits32) {
                                assignScalarIdBeforeMov(src);
                            }
                            dst.assign(src);
                            if (!fits32) {
                                dst.id = 0;
                            }
                            dst.written = true;
                        } else {
                            boolean noSext = Long.compareUnsigned(src.umax, 1L << (insn.off() - 1)) < 0;
                            if (noSext) {
                                assignScalarIdBeforeMov(src);
                            }
                            dst.assign(src);
                            if (!noSext) {
                                dst.id = 0;
                            }
                            dst.written = true;
                            ScalarBounds.coerceSubregToSizeSx(dst, insn.off() >> 3);
                        }
                    } else {
                        env.markUnknown(dst);
                    }
                    ScalarBounds.zext32To64(dst);
                    ScalarBounds.sync(dst);
                }
            } else {
                RegState dst = regs[insn.dst()];
                env.markUnknown(dst);
                dst.type = RegType.SCALAR_VALUE;
                if (alu64) {
                    dst.markKnown(insn.imm());
                } else {
                    dst.markKnown(Integer.toUnsignedLong(insn.imm()));
                }
            }
        } else {
            if (source(code) == X) {
                c.checkRegArg(insn.src(), Checker.Op.SRC);
            }
            c.checkRegArg(insn.dst(), Checker.Op.SRC);
            if ((opc == MOD || opc == DIV) && source(code) == K && insn.imm() == 0) {
                throw env.fail("div by zero");
            }
            if ((opc == LSH || opc == RSH || opc == ARSH) && source(code) == K) {
                int size = alu64 ? 64 : 32;
                if (insn.imm() < 0 || insn.imm() >= size) {
                    throw env.fail("invalid shift " + insn.imm());
                }
            }
            c.checkRegArg(insn.dst(), Checker.Op.DST_NO_MARK);
            adjustRegMinMax(insn, c);
        }
        c.sanityCheck(regs[insn.dst()], "alu");
    }

    /** Gives a scalar about to be copied an id, so bounds learned on one copy reach the other. */
    private void assignScalarIdBeforeMov(RegState src) {
        env.assignScalarIdBeforeMov(src);
    }

    private void adjustRegMinMax(Insn insn, Checker c) {
        RegState[] regs = env.regs();
        RegState dst = regs[insn.dst()];
        int opc = op(insn.opcode());
        RegState ptr = dst.type != RegType.SCALAR_VALUE ? dst : null;
        RegState src;
        if (source(insn.opcode()) == X) {
            src = regs[insn.src()];
            if (src.type != RegType.SCALAR_VALUE) {
                if (dst.type != RegType.SCALAR_VALUE) {
                    if (opc == SUB && env.allowPtrLeaks) {
                        env.markUnknown(dst);
                        return;
                    }
                    throw env.deny("R" + insn.dst() + " pointer " + aluString(opc) + " pointer prohibited");
                }
                c.precision.markReg(insn.dst());
                adjustPtr(insn, src, dst, c);
                return;
            } else if (ptr != null) {
                c.precision.markReg(insn.src());
                adjustPtr(insn, dst, src, c);
                return;
            } else if (dst.precise && env.bpfCapable) {
                c.precision.markReg(insn.src());
            }
        } else {
            src = new RegState();
            src.type = RegType.SCALAR_VALUE;
            src.markKnown(insn.imm());
            if (ptr != null) {
                adjustPtr(insn, ptr, src, c);
                return;
            }
        }
        adjustScalar(insn, dst, src.copy());
        // r1 = r2; r1 += K: remember the delta, so bounds learned on r2 reach r1 (6.11)
        boolean alu64 = cls(insn.opcode()) == ALU64;
        boolean selfOp = source(insn.opcode()) == X && insn.src() == insn.dst();
        if (env.bpfCapable && opc == ADD && alu64 && dst.id != 0 && src.varOff.isConst()
                && src.smin == src.smax && !selfOp) {
            long val = src.varOff.value();
            if ((dst.id & RegState.ADD_CONST) != 0 || Long.compareUnsigned(val, Integer.MAX_VALUE) > 0) {
                dst.off = 0;
                dst.id = 0;
            } else {
                dst.id |= RegState.ADD_CONST;
                dst.off = (int) val;
            }
        } else {
            // an unlinked scalar keeps no delta either: a later copy would link it with a stale one
            dst.id = 0;
            dst.off = 0;
        }
    }

    // ---- scalar op scalar ----

    private void adjustScalar(Insn insn, RegState dst, RegState src) {
        int opc = op(insn.opcode());
        boolean alu32 = cls(insn.opcode()) != ALU64;
        int bitness = alu32 ? 32 : 64;
        // is_safe_to_compute_dst_reg_range (6.10+): add, sub, and, or, xor and mul always; shifts
        // only by a constant below the width; anything else forgets the register (all 64 bits)
        boolean srcConst = alu32
                ? src.varOff.subregIsConst() && src.s32min == src.s32max && src.u32min == src.u32max
                : src.varOff.isConst() && src.smin == src.smax && src.umin == src.umax;
        boolean safe;
        switch (opc) {
            case ADD:
            case SUB:
            case AND:
            case OR:
            case XOR:
            case MUL:
                safe = true;
                break;
            case LSH:
            case RSH:
            case ARSH:
                safe = srcConst && Long.compareUnsigned(src.umax, bitness) < 0;
                break;
            default:
                safe = false;
                break;
        }
        if (!safe) {
            env.markUnknown(dst);
            return;
        }
        if (opc == ADD || opc == SUB) {
            sanitizeValAlu(insn);
        }
        switch (opc) {
            case ADD:
                ScalarBounds.add32(dst, src);
                ScalarBounds.add64(dst, src);
                dst.varOff = dst.varOff.add(src.varOff);
                break;
            case SUB:
                ScalarBounds.sub32(dst, src);
                ScalarBounds.sub64(dst, src);
                dst.varOff = dst.varOff.sub(src.varOff);
                break;
            case MUL:
                dst.varOff = dst.varOff.mul(src.varOff);
                ScalarBounds.mul32(dst, src);
                ScalarBounds.mul64(dst, src);
                break;
            case AND:
                dst.varOff = dst.varOff.and(src.varOff);
                ScalarBounds.and32(dst, src);
                ScalarBounds.and64(dst, src);
                break;
            case OR:
                dst.varOff = dst.varOff.or(src.varOff);
                ScalarBounds.or32(dst, src);
                ScalarBounds.or64(dst, src);
                break;
            case XOR:
                dst.varOff = dst.varOff.xor(src.varOff);
                ScalarBounds.xor32(dst, src);
                ScalarBounds.xor64(dst, src);
                break;
            case LSH:
                if (Long.compareUnsigned(src.umax, bitness) >= 0) {
                    env.markUnknown(dst);
                    break;
                }
                if (alu32) {
                    ScalarBounds.lsh32(dst, src);
                } else {
                    ScalarBounds.lsh64(dst, src);
                }
                break;
            case RSH:
                if (Long.compareUnsigned(src.umax, bitness) >= 0) {
                    env.markUnknown(dst);
                    break;
                }
                if (alu32) {
                    ScalarBounds.rsh32(dst, src);
                } else {
                    ScalarBounds.rsh64(dst, src);
                }
                break;
            case ARSH:
                if (Long.compareUnsigned(src.umax, bitness) >= 0) {
                    env.markUnknown(dst);
                    break;
                }
                if (alu32) {
                    ScalarBounds.arsh32(dst, src);
                } else {
                    ScalarBounds.arsh64(dst, src);
                }
                break;
            default:
                env.markUnknown(dst);
                break;
        }
        if (alu32) {
            ScalarBounds.zext32To64(dst);
        }
        ScalarBounds.sync(dst);
    }

    // ---- pointer op scalar ----

    private static boolean checkSaneOffset(Env env, RegState reg, RegType t, int flags) {
        boolean known = reg.varOff.isConst();
        long val = reg.varOff.value();
        String ts = StatePrinter.typeStr(t, flags);
        if (known && (val >= Cfg.MAX_VAR_OFF || val <= -Cfg.MAX_VAR_OFF)) {
            throw env.fail("math between " + ts + " pointer and " + val + " is not allowed");
        }
        if (reg.off >= Cfg.MAX_VAR_OFF || reg.off <= -Cfg.MAX_VAR_OFF) {
            throw env.fail(ts + " pointer offset " + reg.off + " is not allowed");
        }
        if (reg.smin == Long.MIN_VALUE) {
            throw env.fail("math between " + ts + " pointer and register with unbounded min value is not allowed");
        }
        if (reg.smin >= Cfg.MAX_VAR_OFF || reg.smin <= -Cfg.MAX_VAR_OFF) {
            throw env.fail("value " + reg.smin + " makes " + ts + " pointer be out of bounds");
        }
        return true;
    }

    private void adjustPtr(Insn insn, RegState ptrReg, RegState offReg, Checker c) {
        RegState[] regs = env.regs();
        int dstno = insn.dst();
        RegState dst = regs[dstno];
        int opc = op(insn.opcode());
        boolean known = offReg.varOff.isConst();
        long sminVal = offReg.smin;
        long smaxVal = offReg.smax;
        long uminVal = offReg.umin;
        long umaxVal = offReg.umax;
        long sminPtr = ptrReg.smin;
        long smaxPtr = ptrReg.smax;
        long uminPtr = ptrReg.umin;
        long umaxPtr = ptrReg.umax;
        if ((known && (sminVal != smaxVal || uminVal != umaxVal)) || sminVal > smaxVal
                || Long.compareUnsigned(uminVal, umaxVal) > 0) {
            env.markUnknown(dst);
            return;
        }
        if (cls(insn.opcode()) != ALU64) {
            if (opc == SUB && env.allowPtrLeaks) {
                env.markUnknown(dst);
                return;
            }
            throw env.deny("R" + dstno + " 32-bit pointer arithmetic prohibited");
        }
        if (ptrReg.maybeNull()) {
            throw env.deny("R" + dstno + " pointer arithmetic on " + StatePrinter.typeStr(ptrReg)
                    + " prohibited, null-check it first");
        }
        switch (ptrReg.type) {
            case PTR_TO_FLOW_KEYS:
                if (known) {
                    break;
                }
                throw env.deny("R" + dstno + " pointer arithmetic on " + StatePrinter.typeStr(ptrReg) + " prohibited");
            case CONST_PTR_TO_MAP:
                if (known && sminVal == 0 && opc == ADD) {
                    break;
                }
                throw env.deny("R" + dstno + " pointer arithmetic on " + StatePrinter.typeStr(ptrReg) + " prohibited");
            case PTR_TO_PACKET_END:
            case PTR_TO_SOCKET:
            case PTR_TO_SOCK_COMMON:
            case PTR_TO_TCP_SOCK:
            case PTR_TO_XDP_SOCK:
                throw env.deny("R" + dstno + " pointer arithmetic on " + StatePrinter.typeStr(ptrReg) + " prohibited");
            default:
                break;
        }
        RegState ptr = ptrReg.copy();
        RegState off = offReg.copy();
        RegType t = ptr.type;
        int tflags = ptr.flags;
        dst.type = t;
        dst.flags = tflags;
        dst.id = ptr.id;
        checkSaneOffset(env, off, t, tflags);
        checkSaneOffset(env, ptr, t, tflags);
        dst.mark32Unbounded();
        boolean sanitize = opc == ADD || opc == SUB;
        boolean ptrIsDst = ptrReg == dst;
        SanitizeInfo info = new SanitizeInfo();
        if (sanitize) {
            sanitizePtrAlu(insn, ptr, off, ptrIsDst, false, info);
        }
        switch (opc) {
            case ADD:
                if (known && ptr.off + sminVal == (int) (ptr.off + sminVal)) {
                    dst.smin = sminPtr;
                    dst.smax = smaxPtr;
                    dst.umin = uminPtr;
                    dst.umax = umaxPtr;
                    dst.varOff = ptr.varOff;
                    dst.off = (int) (ptr.off + sminVal);
                    copyRaw(dst, ptr);
                    break;
                }
                if (ScalarBounds.addOverflows(sminPtr, sminVal) || ScalarBounds.addOverflows(smaxPtr, smaxVal)) {
                    dst.smin = Long.MIN_VALUE;
                    dst.smax = Long.MAX_VALUE;
                } else {
                    dst.smin = sminPtr + sminVal;
                    dst.smax = smaxPtr + smaxVal;
                }
                if (Long.compareUnsigned(uminPtr + uminVal, uminPtr) < 0
                        || Long.compareUnsigned(umaxPtr + umaxVal, umaxPtr) < 0) {
                    dst.umin = 0;
                    dst.umax = -1L;
                } else {
                    dst.umin = uminPtr + uminVal;
                    dst.umax = umaxPtr + umaxVal;
                }
                dst.varOff = ptr.varOff.add(off.varOff);
                dst.off = ptr.off;
                copyRaw(dst, ptr);
                if (t.isPacket()) {
                    dst.id = env.newId();
                    dst.range = 0;
                }
                break;
            case SUB:
                if (dst == offReg) {
                    throw env.deny("R" + dstno + " tried to subtract pointer from scalar");
                }
                if (t == RegType.PTR_TO_STACK) {
                    throw env.deny("R" + dstno + " subtraction from stack pointer prohibited");
                }
                if (known && ptr.off - sminVal == (int) (ptr.off - sminVal)) {
                    dst.smin = sminPtr;
                    dst.smax = smaxPtr;
                    dst.umin = uminPtr;
                    dst.umax = umaxPtr;
                    dst.varOff = ptr.varOff;
                    dst.id = ptr.id;
                    dst.off = (int) (ptr.off - sminVal);
                    copyRaw(dst, ptr);
                    break;
                }
                if (ScalarBounds.subOverflows(sminPtr, smaxVal) || ScalarBounds.subOverflows(smaxPtr, sminVal)) {
                    dst.smin = Long.MIN_VALUE;
                    dst.smax = Long.MAX_VALUE;
                } else {
                    dst.smin = sminPtr - smaxVal;
                    dst.smax = smaxPtr - sminVal;
                }
                if (Long.compareUnsigned(uminPtr, umaxVal) < 0) {
                    dst.umin = 0;
                    dst.umax = -1L;
                } else {
                    dst.umin = uminPtr - umaxVal;
                    dst.umax = umaxPtr - uminVal;
                }
                dst.varOff = ptr.varOff.sub(off.varOff);
                dst.off = ptr.off;
                copyRaw(dst, ptr);
                if (t.isPacket()) {
                    dst.id = env.newId();
                    if (sminVal < 0) {
                        dst.range = 0;
                    }
                }
                break;
            case AND:
            case OR:
            case XOR:
                throw env.deny("R" + dstno + " bitwise operator " + aluString(opc) + " on pointer prohibited");
            default:
                throw env.deny("R" + dstno + " pointer arithmetic with " + aluString(opc) + " operator prohibited");
        }
        checkSaneOffset(env, dst, t, tflags);
        ScalarBounds.sync(dst);
        sanitizeCheckBounds(insn, dst, c);
        if (sanitize) {
            sanitizePtrAlu(insn, dst, off, true, true, info);
        }
    }

    /** The pointer-specific attributes a pointer keeps through arithmetic (the kernel's reg->raw). */
    private static void copyRaw(RegState dst, RegState ptr) {
        dst.map = ptr.map;
        dst.mapUid = ptr.mapUid;
        dst.range = ptr.range;
        dst.memSize = ptr.memSize;
        dst.btf = ptr.btf;
        dst.subprogno = ptr.subprogno;
        dst.frameno = ptr.frameno;
        dst.refObjId = ptr.refObjId;
    }

    // ---- Spectre v1 restrictions for unprivileged programs ----

    private boolean canSkipSanitation(Insn insn) {
        return env.bypassSpecV1 || source(insn.opcode()) == K;
    }

    private void updateSanitationState(Insn insn, int state, int limit) {
        int pc = env.insnIdx;
        if (aluState[pc] != 0 && (aluState[pc] != state || aluLimit[pc] != limit)) {
            throw sanitizeErr(insn, "paths", false);
        }
        aluState[pc] = state;
        aluLimit[pc] = limit;
    }

    private void sanitizeValAlu(Insn insn) {
        if (canSkipSanitation(insn)) {
            return;
        }
        updateSanitationState(insn, ALU_NON_POINTER, 0);
    }

    /** retrieve_ptr_limit; -1 for unsupported pointer types, -2 when over the limit. */
    private static long ptrLimit(RegState ptr, boolean maskToLeft) {
        long max;
        long limit;
        if (ptr.type == RegType.PTR_TO_STACK) {
            max = 512 + (maskToLeft ? 1 : 0);
            limit = -(ptr.varOff.value() + ptr.off);
        } else if (ptr.type == RegType.PTR_TO_MAP_VALUE) {
            max = ptr.map.valueSize();
            limit = (maskToLeft ? ptr.smin : ptr.umax) + ptr.off;
        } else {
            return -1;
        }
        long u = limit & 0xffff_ffffL;
        if (u >= max) {
            return -2;
        }
        return u;
    }

    /** sanitize_ptr_alu's bpf_sanitize_info: what the first phase saw, for the commit phase. */
    private static final class SanitizeInfo {
        boolean maskToLeft;
        int state;
        long limit;
    }

    /**
     * sanitize_ptr_alu (6.12). Before the operation ({@code commit} false) it checks the offset and
     * records the pointer's limit in {@code info}; after it ({@code commit} true) the masking
     * window is the distance the pointer moved, and that (with the state) must be the same on
     * every path reaching this instruction. A register offset also pushes a speculative path
     * where the offset was masked to zero (the pointer unchanged) at the next instruction.
     */
    private void sanitizePtrAlu(Insn insn, RegState ptr, RegState off, boolean ptrIsDst, boolean commit,
            SanitizeInfo info) {
        if (canSkipSanitation(insn)) {
            return;
        }
        boolean offIsImm = off.varOff.isConst();
        if (!env.cur.speculative) {
            int opc = op(insn.opcode());
            boolean offIsNeg = off.smin < 0;
            if (!commit) {
                if (!offIsImm && (off.smin < 0) != (off.smax < 0)) {
                    throw sanitizeErr(insn, "bounds", !ptrIsDst);
                }
                info.maskToLeft = (opc == ADD && offIsNeg) || (opc == SUB && !offIsNeg);
            }
            long limit = ptrLimit(ptr, info.maskToLeft);
            if (limit == -1) {
                throw sanitizeErr(insn, "type", !ptrIsDst);
            }
            if (limit == -2) {
                throw sanitizeErr(insn, "limit", !ptrIsDst);
            }
            if (commit) {
                updateSanitationState(insn, info.state, (int) Math.abs(info.limit - limit));
            } else {
                info.state = (offIsNeg ? ALU_NEG_VALUE : 0) | (offIsImm ? ALU_IMMEDIATE : 0)
                        | (ptrIsDst ? ALU_SANITIZE_SRC : ALU_SANITIZE_DST);
                info.limit = limit;
                if (!offIsImm) {
                    // scalars are compared exactly from now on, to find paths that mask differently
                    env.exploreAluLimits = true;
                }
            }
        }
        if (commit || offIsImm) {
            return;
        }
        // the offset masked to zero under speculation: the destination keeps the pointer
        VerifierState spec = checker.pushStack(env.insnIdx + 1, env.insnIdx, true);
        if (!ptrIsDst) {
            spec.regs()[insn.dst()].assign(ptr);
        }
    }

    /** sanitize_err; {@code offIsDst} when the scalar offset sits in the destination register. */
    private Env.Reject sanitizeErr(Insn insn, String reason, boolean offIsDst) {
        String err = "pointer arithmetic with it prohibited for !root";
        String op = op(insn.opcode()) == ADD ? "add" : "sub";
        int dst = insn.dst();
        int src = insn.src();
        switch (reason) {
            case "bounds":
                return env.deny("R" + (offIsDst ? dst : src) + " has unknown scalar with mixed signed bounds, " + err);
            case "type":
                return env.deny("R" + (offIsDst ? src : dst) + " has pointer with unsupported alu operation, " + err);
            case "paths":
                return env.deny("R" + dst + " tried to " + op + " from different maps, paths or scalars, " + err);
            default:
                return env.deny("R" + dst + " tried to " + op + " beyond pointer bounds, " + err);
        }
    }

    private void sanitizeCheckBounds(Insn insn, RegState dst, Checker c) {
        if (env.bypassSpecV1) {
            return;
        }
        int dstno = insn.dst();
        if (dst.type == RegType.PTR_TO_STACK) {
            int off = (int) (dst.off + dst.varOff.value());
            if (!dst.varOff.isConst()) {
                throw env.deny("R" + dstno + " variable stack access prohibited for !root, var_off=" + dst.varOff
                        + " off=" + off);
            }
            if (off >= 0 || off < -512) {
                throw env.deny("R" + dstno + " stack pointer arithmetic goes out of range, prohibited for !root; off="
                        + off);
            }
        } else if (dst.type == RegType.PTR_TO_MAP_VALUE) {
            try {
                c.mem.checkMapAccess(dstno, dst.off, 1, false, true);
            } catch (Env.Reject r) {
                throw env.deny("R" + dstno + " pointer arithmetic of map value goes out of range, prohibited for !root");
            }
        }
    }
}
