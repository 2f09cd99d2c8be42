package dev.bpfvm.vm.jit;

import static dev.bpfvm.vm.isa.Opcodes.*;
import static org.objectweb.asm.Opcodes.I2L;
import static org.objectweb.asm.Opcodes.IADD;
import static org.objectweb.asm.Opcodes.IAND;
import static org.objectweb.asm.Opcodes.IFEQ;
import static org.objectweb.asm.Opcodes.IFGE;
import static org.objectweb.asm.Opcodes.IFGT;
import static org.objectweb.asm.Opcodes.IFLE;
import static org.objectweb.asm.Opcodes.IFLT;
import static org.objectweb.asm.Opcodes.IFNE;
import static org.objectweb.asm.Opcodes.IMUL;
import static org.objectweb.asm.Opcodes.INEG;
import static org.objectweb.asm.Opcodes.IOR;
import static org.objectweb.asm.Opcodes.ISUB;
import static org.objectweb.asm.Opcodes.IXOR;
import static org.objectweb.asm.Opcodes.L2I;
import static org.objectweb.asm.Opcodes.LADD;
import static org.objectweb.asm.Opcodes.LAND;
import static org.objectweb.asm.Opcodes.LCMP;
import static org.objectweb.asm.Opcodes.LCONST_0;
import static org.objectweb.asm.Opcodes.LMUL;
import static org.objectweb.asm.Opcodes.LNEG;
import static org.objectweb.asm.Opcodes.LOR;
import static org.objectweb.asm.Opcodes.LSHL;
import static org.objectweb.asm.Opcodes.LSHR;
import static org.objectweb.asm.Opcodes.LSUB;
import static org.objectweb.asm.Opcodes.LUSHR;
import static org.objectweb.asm.Opcodes.LXOR;

import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.jit.RuntimeRefs.Ref;
import java.util.Set;

/**
 * One emitter per opcode byte, the JIT's counterpart of the interpreter's switch. An emitter is
 * either an intrinsic (a few JVM instructions, for the trivial operations) or shared: an
 * {@code invokestatic} of the very {@link dev.bpfvm.vm.exec.Semantics} method the interpreter
 * calls. Asking for an opcode without an emitter fails fast; a test checks that every
 * {@link dev.bpfvm.vm.isa.Opcodes#validOpcodes()} entry has one.
 */
final class EmitterTable {
    private EmitterTable() {}

    /** Emits one instruction. */
    interface Body {
        void emit(FunctionEmitter f, Insn i, int pc);
    }

    /** What an instruction may do that needs the executed count up to date. */
    enum Kind {
        /** Nothing: arithmetic. */
        PURE,
        /** Fault (memory accesses): its fault handler adds the instructions since the last flush. */
        FAULTS,
        /**
         * Conditional jump: the taken edge adds the instructions since the last flush, the
         * fall-through carries them on (one add per loop iteration instead of one per jump).
         */
        BRANCH,
        /** Jump, call, exit or anything else that reads the count: flush before it. */
        EFFECT
    }

    /**
     * @param kind      whether the executed count must be brought up to date before it
     * @param semantics the shared method it calls, or null for an intrinsic
     */
    record Emitter(Kind kind, String semantics, Body body) {
        boolean pure() {
            return kind == Kind.PURE;
        }

        void emit(FunctionEmitter f, Insn i, int pc) {
            body.emit(f, i, pc);
        }
    }

    /** Opcodes deliberately left to the interpreter (a program using one is not compiled): may_goto. */
    static final Set<Integer> INTERPRETER_ONLY = Set.of(dev.bpfvm.vm.isa.Opcodes.MAY_GOTO);

    private static final Emitter[] TABLE = new Emitter[256];

    static Emitter get(int opcode) {
        Emitter e = opcode >= 0 && opcode < 256 ? TABLE[opcode] : null;
        if (e == null) {
            throw new IllegalStateException(String.format("no JIT emitter for opcode 0x%02x", opcode));
        }
        return e;
    }

    static boolean has(int opcode) {
        return opcode >= 0 && opcode < 256 && TABLE[opcode] != null;
    }

    private static void intrinsic(int opcode, Body b) {
        put(opcode, new Emitter(Kind.PURE, null, b));
    }

    private static void effect(int opcode, Body b) {
        put(opcode, new Emitter(Kind.EFFECT, null, b));
    }

    private static void memory(int opcode, Body b) {
        put(opcode, new Emitter(Kind.FAULTS, null, b));
    }

    private static void shared(int opcode, Ref semantics, Body b) {
        put(opcode, new Emitter(Kind.PURE, semantics.owner() + "." + semantics.name(), b));
    }

    private static void put(int opcode, Emitter e) {
        if (TABLE[opcode] != null) {
            throw new IllegalStateException(String.format("two emitters for opcode 0x%02x", opcode));
        }
        TABLE[opcode] = e;
    }

    // ---------------- operands ----------------

    /** Pushes the 64-bit source operand: the register, or imm sign-extended. */
    private static void src64(FunctionEmitter f, Insn i) {
        if (source(i.opcode()) == X) {
            f.ld(i.src());
        } else {
            f.lconst(i.imm());
        }
    }

    /** Pushes the low 32 bits of the source operand as an int. */
    private static void src32(FunctionEmitter f, Insn i) {
        if (source(i.opcode()) == X) {
            f.ld(i.src());
            f.mv.visitInsn(L2I);
        } else {
            f.iconst(i.imm());
        }
    }

    /** dst = dst OP src, 64 bits, one JVM instruction. */
    private static void alu64(int op, int jvmOp) {
        for (int s : new int[] {K, X}) {
            intrinsic(ALU64 | op | s, (f, i, pc) -> {
                f.ld(i.dst());
                src64(f, i);
                f.mv.visitInsn(jvmOp);
                f.st(i.dst());
            });
        }
    }

    /** dst = zext(dst32 OP src32). */
    private static void alu32(int op, int jvmOp) {
        for (int s : new int[] {K, X}) {
            intrinsic(ALU | op | s, (f, i, pc) -> {
                f.ld(i.dst());
                f.mv.visitInsn(L2I);
                src32(f, i);
                f.mv.visitInsn(jvmOp);
                f.zextInt();
                f.st(i.dst());
            });
        }
    }

    /** 64-bit shift: the JVM masks a long shift count to 6 bits, as BPF does. */
    private static void shift64(int op, int jvmOp) {
        for (int s : new int[] {K, X}) {
            intrinsic(ALU64 | op | s, (f, i, pc) -> {
                f.ld(i.dst());
                if (s == X) {
                    f.ld(i.src());
                    f.mv.visitInsn(L2I);
                } else {
                    f.iconst(i.imm() & 63);
                }
                f.mv.visitInsn(jvmOp);
                f.st(i.dst());
            });
        }
    }

    /** dst = Semantics.fn(dst, src) for both sources and classes as given. */
    private static void sharedBinary(int cls, int op, Ref fn) {
        for (int s : new int[] {K, X}) {
            shared(cls | op | s, fn, (f, i, pc) -> {
                f.ld(i.dst());
                src64(f, i);
                f.invoke(fn);
                f.st(i.dst());
            });
        }
    }

    /** DIV/MOD: off 1 selects the signed operation, as in the interpreter. */
    private static void divMod(int cls, int op, Ref unsigned, Ref signed) {
        for (int s : new int[] {K, X}) {
            shared(cls | op | s, unsigned, (f, i, pc) -> {
                f.ld(i.dst());
                src64(f, i);
                if (cls == ALU64 && s == K && i.off() == 0 && i.imm() > 0) {
                    // a positive constant divisor: signed and unsigned agree on a non-negative
                    // dividend, and the JVM turns a constant signed division into a multiplication
                    f.invoke(op == DIV ? RuntimeRefs.UDIV_POSITIVE : RuntimeRefs.UMOD_POSITIVE);
                } else {
                    f.invoke(i.off() == 1 ? signed : unsigned);
                }
                f.st(i.dst());
            });
        }
    }

    /** Byte order: dst = fn(dst, imm bits). */
    private static void endian(int opcode, Ref fn) {
        shared(opcode, fn, (f, i, pc) -> {
            f.ld(i.dst());
            f.iconst(i.imm());
            f.invoke(fn);
            f.st(i.dst());
        });
    }

    // ---------------- jumps ----------------

    /** The JVM branch that is taken when the signed-compare result satisfies the condition. */
    private static int negate(int ifOp) {
        switch (ifOp) {
            case IFEQ: return IFNE;
            case IFNE: return IFEQ;
            case IFLT: return IFGE;
            case IFGE: return IFLT;
            case IFGT: return IFLE;
            case IFLE: return IFGT;
            default: throw new IllegalArgumentException("branch " + ifOp);
        }
    }

    /**
     * 64-bit conditional jumps, compared inline as the interpreter's switch does. Unsigned
     * compares flip the sign bits of both sides (what {@code Long.compareUnsigned} does), so
     * each is one {@code lcmp} and one branch.
     */
    private static void jmp64(int op) {
        boolean unsigned = op == JGT || op == JGE || op == JLT || op == JLE;
        for (int s : new int[] {K, X}) {
            put(JMP | op | s, new Emitter(Kind.BRANCH, null, (f, i, pc) -> f.condJump(pc, CodeAnalysis.jumpTarget(i, pc), (to, whenFalse) -> {
                int ifOp;
                f.ld(i.dst());
                if (unsigned) {
                    f.lconst(Long.MIN_VALUE);
                    f.mv.visitInsn(LXOR);
                    if (s == X) {
                        f.ld(i.src());
                        f.lconst(Long.MIN_VALUE);
                        f.mv.visitInsn(LXOR);
                    } else {
                        f.lconst(i.imm() ^ Long.MIN_VALUE);
                    }
                } else {
                    src64(f, i);
                }
                switch (op) {
                    case JEQ: f.mv.visitInsn(LCMP); ifOp = IFEQ; break;
                    case JNE: f.mv.visitInsn(LCMP); ifOp = IFNE; break;
                    case JSGT: case JGT: f.mv.visitInsn(LCMP); ifOp = IFGT; break;
                    case JSGE: case JGE: f.mv.visitInsn(LCMP); ifOp = IFGE; break;
                    case JSLT: case JLT: f.mv.visitInsn(LCMP); ifOp = IFLT; break;
                    case JSLE: case JLE: f.mv.visitInsn(LCMP); ifOp = IFLE; break;
                    case JSET:
                        f.mv.visitInsn(LAND);
                        f.mv.visitInsn(LCONST_0);
                        f.mv.visitInsn(LCMP);
                        ifOp = IFNE;
                        break;
                    default: throw new IllegalStateException("jump op " + op);
                }
                f.mv.visitJumpInsn(whenFalse ? negate(ifOp) : ifOp, to);
            })));
        }
    }

    /** 32-bit conditional jumps: Semantics.cond32, as the interpreter. */
    private static void jmp32(int op) {
        for (int s : new int[] {K, X}) {
            put(JMP32 | op | s, new Emitter(Kind.BRANCH, RuntimeRefs.COND32.owner() + "." + RuntimeRefs.COND32.name(), (f, i, pc) ->
                    f.condJump(pc, CodeAnalysis.jumpTarget(i, pc), (to, whenFalse) -> {
                        f.iconst(op);
                        f.ld(i.dst());
                        src64(f, i);
                        f.invoke(RuntimeRefs.COND32);
                        f.mv.visitJumpInsn(whenFalse ? IFEQ : IFNE, to);
                    })));
        }
    }

    static {
        // ---------------- ALU64 ----------------
        alu64(ADD, LADD);
        alu64(SUB, LSUB);
        alu64(MUL, LMUL);
        alu64(OR, LOR);
        alu64(AND, LAND);
        alu64(XOR, LXOR);
        shift64(LSH, LSHL);
        shift64(RSH, LUSHR);
        shift64(ARSH, LSHR);
        divMod(ALU64, DIV, RuntimeRefs.UDIV64, RuntimeRefs.SDIV64);
        divMod(ALU64, MOD, RuntimeRefs.UMOD64, RuntimeRefs.SMOD64);
        intrinsic(ALU64 | NEG | K, (f, i, pc) -> {
            f.ld(i.dst());
            f.mv.visitInsn(LNEG);
            f.st(i.dst());
        });
        intrinsic(ALU64 | MOV | K, (f, i, pc) -> {
            f.lconst(i.imm());
            f.st(i.dst());
        });
        shared(ALU64 | MOV | X, RuntimeRefs.MOVSX64, (f, i, pc) -> {
            f.ld(i.src());
            if (i.off() != 0) {
                f.iconst(i.off());
                f.invoke(RuntimeRefs.MOVSX64);
            }
            f.st(i.dst());
        });
        endian(ALU64 | END | K, RuntimeRefs.BSWAP);

        // ---------------- ALU32 ----------------
        alu32(ADD, IADD);
        alu32(SUB, ISUB);
        alu32(MUL, IMUL);
        alu32(OR, IOR);
        alu32(AND, IAND);
        alu32(XOR, IXOR);
        sharedBinary(ALU, LSH, RuntimeRefs.LSH32);
        sharedBinary(ALU, RSH, RuntimeRefs.RSH32);
        sharedBinary(ALU, ARSH, RuntimeRefs.ARSH32);
        divMod(ALU, DIV, RuntimeRefs.UDIV32, RuntimeRefs.SDIV32);
        divMod(ALU, MOD, RuntimeRefs.UMOD32, RuntimeRefs.SMOD32);
        intrinsic(ALU | NEG | K, (f, i, pc) -> {
            f.ld(i.dst());
            f.mv.visitInsn(L2I);
            f.mv.visitInsn(INEG);
            f.zextInt();
            f.st(i.dst());
        });
        intrinsic(ALU | MOV | K, (f, i, pc) -> {
            f.lconst(i.imm() & 0xffffffffL);
            f.st(i.dst());
        });
        shared(ALU | MOV | X, RuntimeRefs.MOVSX32, (f, i, pc) -> {
            f.ld(i.src());
            if (i.off() != 0) {
                f.iconst(i.off());
                f.invoke(RuntimeRefs.MOVSX32);
            } else {
                f.mv.visitInsn(L2I);
                f.zextInt();
            }
            f.st(i.dst());
        });
        endian(ALU | END | TO_LE, RuntimeRefs.TO_LE);
        endian(ALU | END | TO_BE, RuntimeRefs.BSWAP);

        // ---------------- loads and stores ----------------
        // not pure: src=4 registers the program's code region, which can fail like a fault
        effect(LDDW, (f, i, pc) -> {
            if (i.src() == PSEUDO_FUNC) {
                f.functionAddress(pc, i.dst(), pc + i.imm() + 1);
            } else {
                f.lconst(i.imm64());
                f.st(i.dst());
            }
        });
        for (int size : new int[] {W, H, B, DW}) {
            int bytes = sizeBytes(size);
            memory(LDX | MEM | size, (f, i, pc) -> f.load(pc, i.dst(), i.src(), i.off(), bytes, false));
            memory(ST | MEM | size, (f, i, pc) -> f.store(pc, i.dst(), i.off(), bytes, () -> f.lconst(i.imm())));
            memory(STX | MEM | size, (f, i, pc) -> f.store(pc, i.dst(), i.off(), bytes, () -> f.ld(i.src())));
        }
        for (int size : new int[] {W, H, B}) {
            int bytes = sizeBytes(size);
            memory(LDX | MEMSX | size, (f, i, pc) -> f.load(pc, i.dst(), i.src(), i.off(), bytes, true));
            effect(LD | ABS | size, (f, i, pc) -> f.legacyLoad(pc, i));
            effect(LD | IND | size, (f, i, pc) -> f.legacyLoad(pc, i));
        }
        memory(STX | ATOMIC | W, (f, i, pc) -> f.atomic(pc, i, 4));
        memory(STX | ATOMIC | DW, (f, i, pc) -> f.atomic(pc, i, 8));

        // ---------------- jumps, calls, exit ----------------
        for (int op : new int[] {JEQ, JGT, JGE, JSET, JNE, JSGT, JSGE, JLT, JLE, JSLT, JSLE}) {
            jmp64(op);
            jmp32(op);
        }
        effect(JA64, (f, i, pc) -> f.taken(pc, CodeAnalysis.jumpTarget(i, pc)));
        effect(GOTOL, (f, i, pc) -> f.taken(pc, CodeAnalysis.jumpTarget(i, pc)));
        effect(EXIT_INSN, (f, i, pc) -> f.exit());
        effect(CALL_IMM, (f, i, pc) -> {
            switch (i.src()) {
                case PSEUDO_CALL: f.localCall(pc, pc + i.imm() + 1); break;
                case PSEUDO_KFUNC_CALL: f.kfuncCall(pc, i.imm()); break;
                default: f.helperCall(pc, i.imm()); break;
            }
        });
        effect(CALLX, (f, i, pc) -> f.callx(pc, i.dst()));
    }
}
