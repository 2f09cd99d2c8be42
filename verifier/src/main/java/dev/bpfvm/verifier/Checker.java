package dev.bpfvm.verifier;

import static dev.bpfvm.vm.isa.Opcodes.*;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.InsnCheck;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Path exploration ({@code do_check}): walks instructions with one current state, pushes the
 * other side of every undecided branch, prunes paths whose state is covered by a fully explored
 * one, and detects loops that do not make progress.
 */
final class Checker {
    static final int COMPLEXITY_LIMIT_JMP_SEQ = 8192;
    static final int COMPLEXITY_LIMIT_STATES = 64;

    enum Exact { NOT_EXACT, EXACT, RANGE_WITHIN }

    private record Pushed(VerifierState st, int insnIdx, int prevInsnIdx, int logPos) {}

    private static final class Explored {
        final VerifierState state;
        int hits;
        int misses;

        Explored(VerifierState state) {
            this.state = state;
        }
    }

    private final Env env;
    final AluCheck alu;
    final MemCheck mem;
    final CallCheck calls;
    final Precision precision;
    private final Deque<Pushed> stack = new ArrayDeque<>();
    private final Map<Integer, List<Explored>> explored = new HashMap<>();
    /** Jump-history entries since the last checkpoint (bounds checkpoint distance like the kernel). */
    private int jmpHistory;

    Checker(Env env) {
        this.env = env;
        this.alu = new AluCheck(env);
        this.mem = new MemCheck(env);
        this.calls = new CallCheck(env, this);
        this.precision = new Precision(env);
        env.precision = precision;
    }

    // ---- register argument checks ----

    enum Op { SRC, DST, DST_NO_MARK }

    void checkRegArg(int regno, Op t) {
        if (regno >= 11) {
            throw env.fail("R" + regno + " is invalid");
        }
        env.markRegScratched(regno);
        RegState r = env.reg(regno);
        if (t == Op.SRC) {
            if (r.type == RegType.NOT_INIT) {
                throw env.deny("R" + regno + " !read_ok");
            }
            return;
        }
        if (regno == FP) {
            throw env.deny("frame pointer is read only");
        }
        r.written = true;
        if (t == Op.DST) {
            env.markUnknown(r);
        }
    }

    // ---- the state stack ----

    VerifierState pushStack(int insnIdx, int prevInsnIdx, boolean speculative) {
        VerifierState st = env.cur.copy();
        st.speculative |= speculative;
        stack.push(new Pushed(st, insnIdx, prevInsnIdx, env.log.pos()));
        if (env.visits != null) {
            env.visits.pushed(st);
        }
        if (stack.size() > COMPLEXITY_LIMIT_JMP_SEQ) {
            throw env.fail(Errno.EFAULT, "The sequence of " + stack.size() + " jumps is too complex.");
        }
        if (st.parent != null) {
            st.parent.branches++;
        }
        return st;
    }

    private boolean popStack() {
        Pushed p = stack.poll();
        if (p == null) {
            return false;
        }
        env.cur = p.st();
        if (!env.log.level2()) {
            env.log.reset(p.logPos());
        }
        env.insnIdx = p.insnIdx();
        env.prevInsnIdx = p.prevInsnIdx();
        return true;
    }

    private static void updateBranchCounts(VerifierState st) {
        while (st != null) {
            int br = --st.branches;
            if (br != 0) {
                break;
            }
            st = st.parent;
        }
    }

    // ---- state printing in the trace ----

    void printState(FuncState f, boolean all) {
        StringBuilder sb = new StringBuilder();
        StatePrinter.appendFrame(sb, env.cur, f, all, env.scratchedRegs, env.scratchedStack);
        env.verbose(sb.toString());
        if (!all) {
            env.markClean();
        }
    }

    void printState(VerifierState vs, FuncState f, boolean all) {
        StringBuilder sb = new StringBuilder();
        StatePrinter.appendFrame(sb, vs, f, all, env.scratchedRegs, env.scratchedStack);
        env.verbose(sb.toString());
    }

    /** print_insn_state: the state after the last instruction, appended to its line when possible. */
    void printInsnState() {
        if (!env.log.traces()) {
            return;
        }
        VerifierLog log = env.log;
        if (log.prevLogPos != 0 && log.prevLogPos == log.pos()) {
            log.reset(log.prevLogPos - 1);
            env.verbose(" ".repeat(VerifierLog.alignment(log.prevInsnPrintPos)) + ";");
        } else {
            env.verbose(env.insnIdx + ":");
        }
        printState(env.curFunc(), false);
    }

    // ---- the main loop ----

    void doCheck() {
        boolean doPrintState = false;
        int prevInsnIdx = -1;
        for (;;) {
            env.prevInsnIdx = prevInsnIdx;
            if (env.insnIdx < 0 || env.insnIdx >= env.len) {
                throw env.fail(Errno.EFAULT, "invalid insn idx " + env.insnIdx + " insn_cnt " + env.len);
            }
            Insn insn = env.insn(env.insnIdx);
            if (++env.insnProcessed > Verifier.COMPLEXITY_LIMIT_INSNS) {
                throw env.fail(Errno.E2BIG, "BPF program is too large. Processed " + env.insnProcessed + " insn");
            }
            Env.Aux aux = env.aux[env.insnIdx];
            if (aux.prunePoint) {
                if (isStateVisited(env.insnIdx)) {
                    if (env.visits != null) {
                        env.visits.visit(env, true, doPrintState ? env.prevInsnIdx : -1, env.log.pos());
                    }
                    if (env.log.traces()) {
                        if (doPrintState) {
                            env.verbose("\nfrom " + env.prevInsnIdx + " to " + env.insnIdx
                                    + (env.cur.speculative ? " (speculative execution)" : "") + ": safe\n");
                        } else {
                            env.verbose(env.insnIdx + ": safe\n");
                        }
                    }
                    if (!processExit()) {
                        return;
                    }
                    prevInsnIdx = env.prevInsnIdx;
                    doPrintState = true;
                    continue;
                }
            }
            if (aux.jmpPoint) {
                jmpHistory++;
            }
            precision.arrived();
            boolean fromBranch = doPrintState;
            if (env.log.level2() && doPrintState) {
                env.verbose("\nfrom " + env.prevInsnIdx + " to " + env.insnIdx
                        + (env.cur.speculative ? " (speculative execution)" : "") + ":");
                printState(env.curFunc(), true);
                doPrintState = false;
            }
            if (env.log.traces()) {
                if (env.stateScratched()) {
                    printInsnState();
                }
                env.log.lineInfo(env.insnIdx, "; ");
                VerifierLog log = env.log;
                log.prevLogPos = log.pos();
                env.verbose(env.insnIdx + ": " + env.opts.printer().print(env.insnIdx, insn, env.symbols()) + "\n");
                log.prevInsnPrintPos = log.pos() - log.prevLogPos;
                log.prevLogPos = log.pos();
            }
            if (env.visits != null) {
                env.visits.visit(env, false, fromBranch ? env.prevInsnIdx : -1,
                        env.log.traces() ? env.log.prevLogPos - env.log.prevInsnPrintPos : env.log.pos());
            }
            if (!env.cur.speculative) {
                aux.seen = true;
            }
            prevInsnIdx = env.insnIdx;

            String bad = InsnCheck.check(insn);
            if (bad != null) {
                throw env.fail(bad);
            }
            int code = insn.opcode();
            int cls = cls(code);
            if (cls == ALU || cls == ALU64) {
                alu.check(insn, this);
            } else if (cls == LDX) {
                checkRegArg(insn.src(), Op.SRC);
                checkRegArg(insn.dst(), Op.DST_NO_MARK);
                RegType srcType = env.reg(insn.src()).type;
                int srcFlags = env.reg(insn.src()).flags;
                mem.access(insn.src(), insn.off(), sizeBytes(size(code)), false, insn.dst(), false,
                        mode(code) == MEMSX, this);
                saveAuxPtrType(srcType, srcFlags, true);
                sanityCheck(env.reg(insn.dst()), "ldx");
            } else if (cls == STX) {
                if (mode(code) == ATOMIC) {
                    mem.atomic(insn, this);
                    env.insnIdx++;
                    continue;
                }
                checkRegArg(insn.src(), Op.SRC);
                checkRegArg(insn.dst(), Op.SRC);
                RegType dstType = env.reg(insn.dst()).type;
                int dstFlags = env.reg(insn.dst()).flags;
                mem.access(insn.dst(), insn.off(), sizeBytes(size(code)), true, insn.src(), false, false, this);
                saveAuxPtrType(dstType, dstFlags, false);
            } else if (cls == ST) {
                checkRegArg(insn.dst(), Op.SRC);
                RegType dstType = env.reg(insn.dst()).type;
                int dstFlags = env.reg(insn.dst()).flags;
                mem.access(insn.dst(), insn.off(), sizeBytes(size(code)), true, -1, false, false, this);
                saveAuxPtrType(dstType, dstFlags, false);
            } else if (cls == JMP || cls == JMP32) {
                int o = op(code);
                env.jmpsProcessed++;
                if (o == CALL) {
                    if (code == CALLX || cls == JMP32) {
                        throw env.fail("BPF_CALL uses reserved fields");
                    }
                    if (env.cur.activeLockPtr != null && insn.src() != PSEUDO_CALL) {
                        boolean allowed = insn.src() == PSEUDO_CALL_HELPER && calls.isHelper(insn.imm(), "spin_unlock");
                        if (!allowed) {
                            throw env.fail("function calls are not allowed while holding a lock");
                        }
                    }
                    if (insn.src() == PSEUDO_CALL) {
                        calls.funcCall(insn);
                    } else if (insn.src() == PSEUDO_KFUNC_CALL) {
                        calls.kfuncCall(insn);
                    } else {
                        calls.helperCall(insn);
                    }
                    env.markRegScratched(0);
                } else if (o == JA) {
                    env.insnIdx += (cls == JMP ? insn.off() : insn.imm()) + 1;
                    continue;
                } else if (o == EXIT) {
                    if (env.cur.activeLockPtr != null) {
                        throw env.fail("bpf_spin_unlock is missing");
                    }
                    if (env.cur.activeRcuLock && env.cur.curframe == 0) {
                        throw env.fail("bpf_rcu_read_unlock is missing");
                    }
                    calls.checkReferenceLeak();
                    if (env.cur.curframe > 0) {
                        calls.prepareFuncExit();
                        doPrintState = true;
                        continue;
                    }
                    calls.checkReturnCode();
                    if (!processExit()) {
                        return;
                    }
                    prevInsnIdx = env.prevInsnIdx;
                    doPrintState = true;
                    continue;
                } else {
                    condJump(insn);
                }
            } else if (cls == LD) {
                int m = mode(code);
                if (m == ABS || m == IND) {
                    checkLdAbs(insn);
                } else if (m == IMM) {
                    checkLdImm(insn);
                    env.insnIdx++;
                } else {
                    throw env.fail("invalid BPF_LD mode");
                }
            } else {
                throw env.fail("unknown insn class " + cls);
            }
            env.insnIdx++;
        }
    }

    /** Ends the current path and continues with a pushed one; false when none is left. */
    private boolean processExit() {
        env.markAllScratched();
        updateBranchCounts(env.cur);
        return popStack();
    }

    void sanityCheck(RegState r, String ctx) {
        if (r.type != RegType.SCALAR_VALUE) {
            return;
        }
        String msg = ScalarBounds.sanityViolation(r);
        if (msg == null) {
            return;
        }
        env.verbose("REG SANITY VIOLATION (" + ctx + "): " + msg + " u64=[" + Tnum.hex(r.umin) + ", "
                + Tnum.hex(r.umax) + "] s64=[" + Tnum.hex(r.smin) + ", " + Tnum.hex(r.smax) + "] u32=["
                + Tnum.hex(r.u32minL()) + ", " + Tnum.hex(r.u32maxL()) + "] s32=["
                + Tnum.hex(Integer.toUnsignedLong(r.s32min)) + ", " + Tnum.hex(Integer.toUnsignedLong(r.s32max))
                + "] var_off=(" + Tnum.hex(r.varOff.value()) + ", " + Tnum.hex(r.varOff.mask()) + ")\n");
        r.markUnbounded();
    }

    /** save_aux_ptr_type: one load/store instruction may not see different pointer types. */
    private void saveAuxPtrType(RegType t, int flags, boolean allowTrustMismatch) {
        Env.Aux a = env.aux[env.insnIdx];
        if (a.ptrType == null || a.ptrType == RegType.NOT_INIT) {
            a.ptrType = t;
            a.ptrFlags = flags;
            return;
        }
        if (typeMismatch(t, flags, a.ptrType, a.ptrFlags)) {
            if (allowTrustMismatch && t == RegType.PTR_TO_BTF_ID && a.ptrType == RegType.PTR_TO_BTF_ID) {
                a.ptrFlags = RegState.UNTRUSTED;
                return;
            }
            throw env.fail("same insn cannot be used with different pointers");
        }
    }

    private static boolean mismatchOk(RegType t) {
        switch (t) {
            case PTR_TO_CTX:
            case PTR_TO_SOCKET:
            case PTR_TO_SOCK_COMMON:
            case PTR_TO_TCP_SOCK:
            case PTR_TO_XDP_SOCK:
            case PTR_TO_BTF_ID:
                return false;
            default:
                return true;
        }
    }

    private static boolean typeMismatch(RegType src, int srcFlags, RegType prev, int prevFlags) {
        boolean differ = src != prev || srcFlags != prevFlags;
        return differ && (!mismatchOk(src) || !mismatchOk(prev));
    }

    // ---- ld_imm64 and legacy packet loads ----

    private void checkLdImm(Insn insn) {
        if (insn.off() != 0) {
            throw env.fail("BPF_LD_IMM64 uses reserved fields");
        }
        checkRegArg(insn.dst(), Op.DST);
        RegState dst = env.reg(insn.dst());
        if (insn.src() == 0) {
            dst.type = RegType.SCALAR_VALUE;
            dst.markKnown(insn.imm64());
            return;
        }
        dst.markKnownZero();
        if (insn.src() == PSEUDO_FUNC) {
            int subprogno = env.findSubprog(env.insnIdx + insn.imm() + 1);
            if (env.input.funcInfo().isEmpty()) {
                throw env.fail("missing btf func_info");
            }
            if (env.subprogs.get(subprogno).global) {
                throw env.fail("callback function not static");
            }
            dst.type = RegType.PTR_TO_FUNC;
            dst.flags = 0;
            dst.subprogno = subprogno;
            return;
        }
        Env.Aux a = env.aux[env.insnIdx];
        if (insn.src() == PSEUDO_BTF_ID) {
            KernelSymbol ks = a.ksym;
            if (ks.isMissing()) {
                dst.type = RegType.SCALAR_VALUE;
                dst.markKnown(0);
            } else if (ks.struct() != null) {
                dst.type = RegType.PTR_TO_BTF_ID;
                dst.flags = ks.percpu() ? RegState.PERCPU : 0;
                dst.btf = ks.struct();
            } else {
                dst.type = RegType.PTR_TO_MEM;
                dst.flags = RegState.RDONLY;
                dst.memSize = ks.function() ? 0 : (int) Math.min(Integer.MAX_VALUE, ks.size());
            }
            return;
        }
        dst.map = a.map;
        if (insn.src() == PSEUDO_MAP_VALUE || insn.src() == PSEUDO_MAP_IDX_VALUE) {
            dst.type = RegType.PTR_TO_MAP_VALUE;
            dst.flags = 0;
            dst.off = a.mapOff;
        } else if (insn.src() == PSEUDO_MAP_FD || insn.src() == PSEUDO_MAP_IDX) {
            dst.type = RegType.CONST_PTR_TO_MAP;
            dst.flags = 0;
        } else {
            throw env.fail("bpf verifier is misconfigured");
        }
    }

    private void checkLdAbs(Insn insn) {
        if (!env.type.legacyPacketAccess()) {
            throw env.fail("BPF_LD_[ABS|IND] instructions not allowed for this program type");
        }
        checkRegArg(6, Op.SRC);
        if (!env.cur.refs.isEmpty()) {
            calls.logUnreleased();
            throw env.fail("BPF_LD_[ABS|IND] cannot be mixed with socket references");
        }
        if (env.cur.activeLockPtr != null) {
            throw env.fail("BPF_LD_[ABS|IND] cannot be used inside bpf_spin_lock-ed region");
        }
        if (env.cur.activeRcuLock) {
            throw env.fail("BPF_LD_[ABS|IND] cannot be used inside bpf_rcu_read_lock-ed region");
        }
        if (env.reg(6).type != RegType.PTR_TO_CTX) {
            throw env.fail("at the time of BPF_LD_ABS|IND R6 != pointer to skb");
        }
        if (mode(insn.opcode()) == IND) {
            checkRegArg(insn.src(), Op.SRC);
        }
        mem.checkPtrOffReg(env.reg(6), 6, false);
        clobberCallerSaved();
        env.markUnknown(env.reg(0));
        if (env.cur.curframe > 0) {
            // a failed load returns 0 from the whole program: in a subprogram, an exit to the caller
            // with r0 = 0 that the verifier explores too (the load's success goes on below)
            pushStack(env.insnIdx + 1, env.insnIdx, false);
            env.reg(0).markKnown(0);
            calls.prepareFuncExit();
            env.insnIdx--;
        }
    }

    void clobberCallerSaved() {
        for (int i = 0; i <= 5; i++) {
            env.reg(i).markNotInit();
            checkRegArg(i, Op.DST_NO_MARK);
        }
    }

    // ---- conditional jumps ----

    private void condJump(Insn insn) {
        int code = insn.opcode();
        int opc = op(code);
        VerifierState thisBranch = env.cur;
        RegState[] regs = thisBranch.regs();
        checkRegArg(insn.dst(), Op.SRC);
        RegState dst = regs[insn.dst()];
        RegState src;
        boolean regSrc = source(code) == X;
        if (regSrc) {
            checkRegArg(insn.src(), Op.SRC);
            src = regs[insn.src()];
            if (!(dst.type.isPacketAny() && src.type.isPacketAny()) && isPointerValue(src)) {
                throw env.deny("R" + insn.src() + " pointer comparison prohibited");
            }
        } else {
            src = new RegState();
            src.type = RegType.SCALAR_VALUE;
            src.markKnown(insn.imm());
        }
        boolean jmp32 = cls(code) == JMP32;
        int pred = BranchLogic.isBranchTaken(dst, src, opc, jmp32);
        if (pred >= 0) {
            // the verifier decides the branch from these values: they must stay exact
            if (dst.type == RegType.SCALAR_VALUE) {
                precision.markReg(insn.dst());
            }
            if (regSrc && src.type == RegType.SCALAR_VALUE) {
                precision.markReg(insn.src());
            }
        } else {
            precision.linked(linkedRegs(thisBranch, dst, regSrc ? src : null));
        }
        if (pred == 1) {
            if (!env.bypassSpecV1) {
                VerifierState spec = pushStack(env.insnIdx + 1, env.insnIdx, true);
                markSpeculativeUnknown(spec, insn);
            }
            if (env.log.traces()) {
                printInsnState();
            }
            env.insnIdx += insn.off();
            return;
        } else if (pred == 0) {
            if (!env.bypassSpecV1) {
                VerifierState spec = pushStack(env.insnIdx + insn.off() + 1, env.insnIdx, true);
                markSpeculativeUnknown(spec, insn);
            }
            if (env.log.traces()) {
                printInsnState();
            }
            return;
        }

        VerifierState otherBranch = pushStack(env.insnIdx + insn.off() + 1, env.insnIdx, false);
        RegState[] otherRegs = otherBranch.regs();
        if (regSrc) {
            regSetMinMax(otherRegs[insn.dst()], otherRegs[insn.src()], dst, src, opc, jmp32);
        } else {
            RegState fake0 = src;
            RegState fake1 = src.copy();
            regSetMinMax(otherRegs[insn.dst()], fake0, dst, fake1, opc, jmp32);
        }
        if (regSrc && src.type == RegType.SCALAR_VALUE && src.id != 0) {
            syncLinkedRegs(thisBranch, src);
            syncLinkedRegs(otherBranch, otherRegs[insn.src()]);
        }
        if (dst.type == RegType.SCALAR_VALUE && dst.id != 0) {
            syncLinkedRegs(thisBranch, dst);
            syncLinkedRegs(otherBranch, otherRegs[insn.dst()]);
        }

        // a pointer compared with a not-null pointer: equality proves non-null
        if (!jmp32 && regSrc && src.isPointer() && dst.isPointer() && src.maybeNull() != dst.maybeNull()
                && src.type != RegType.PTR_TO_BTF_ID && dst.type != RegType.PTR_TO_BTF_ID) {
            RegState[] eqRegs = null;
            if (opc == JEQ) {
                eqRegs = otherRegs;
            } else if (opc == JNE) {
                eqRegs = regs;
            }
            if (eqRegs != null) {
                if (src.maybeNull()) {
                    markPtrNotNull(eqRegs[insn.src()]);
                } else {
                    markPtrNotNull(eqRegs[insn.dst()]);
                }
            }
        }

        if (!jmp32 && !regSrc && insn.imm() == 0 && (opc == JEQ || opc == JNE) && dst.maybeNull()) {
            markPtrOrNullRegs(thisBranch, insn.dst(), opc == JNE);
            markPtrOrNullRegs(otherBranch, insn.dst(), opc == JEQ);
        } else if (!tryMatchPktPointers(insn, dst, regs[insn.src()], thisBranch, otherBranch)
                && isPointerValue(dst)) {
            throw env.deny("R" + insn.dst() + " pointer comparison prohibited");
        }
        if (env.log.traces()) {
            printInsnState();
        }
    }

    /** collect_linked_regs: every register and spilled slot sharing a compared scalar's id. */
    private static int[] linkedRegs(VerifierState st, RegState dst, RegState src) {
        int dstId = dst.type == RegType.SCALAR_VALUE ? dst.id & ~RegState.ADD_CONST : 0;
        int srcId = src != null && src.type == RegType.SCALAR_VALUE ? src.id & ~RegState.ADD_CONST : 0;
        if (dstId == 0 && srcId == 0) {
            return null;
        }
        java.util.List<Integer> out = new java.util.ArrayList<>();
        for (int f = 0; f <= st.curframe; f++) {
            FuncState fs = st.frames[f];
            for (int i = 0; i < 10; i++) {
                RegState r = fs.regs[i];
                int rid = r.id & ~RegState.ADD_CONST;
                if (r.type == RegType.SCALAR_VALUE && rid != 0 && (rid == dstId || rid == srcId)) {
                    out.add(Precision.linkedEntry(f, false, i));
                }
            }
            for (int spi = 0; spi < fs.stack.size() && spi < 64; spi++) {
                StackSlot sl = fs.stack.get(spi);
                int sid = sl.spilled.id & ~RegState.ADD_CONST;
                if (sl.isSpilledScalar() && sid != 0 && (sid == dstId || sid == srcId)) {
                    out.add(Precision.linkedEntry(f, true, spi));
                }
            }
        }
        return out.size() > 1 ? out.stream().mapToInt(Integer::intValue).toArray() : null;
    }

    boolean isPointerValue(RegState r) {
        return !env.allowPtrLeaks && r.type != RegType.SCALAR_VALUE;
    }

    private void markSpeculativeUnknown(VerifierState spec, Insn insn) {
        RegState[] r = spec.regs();
        env.markUnknown(r[insn.dst()]);
        if (source(insn.opcode()) == X) {
            env.markUnknown(r[insn.src()]);
        }
    }

    private void regSetMinMax(RegState trueReg1, RegState trueReg2, RegState falseReg1, RegState falseReg2,
            int opc, boolean jmp32) {
        if (falseReg1.type != RegType.SCALAR_VALUE || falseReg2.type != RegType.SCALAR_VALUE) {
            return;
        }
        BranchLogic.refine(falseReg1, falseReg2, BranchLogic.reverse(opc), jmp32);
        ScalarBounds.sync(falseReg1);
        ScalarBounds.sync(falseReg2);
        BranchLogic.refine(trueReg1, trueReg2, opc, jmp32);
        ScalarBounds.sync(trueReg1);
        ScalarBounds.sync(trueReg2);
        sanityCheck(trueReg1, "true_reg1");
        sanityCheck(trueReg2, "true_reg2");
        sanityCheck(falseReg1, "false_reg1");
        sanityCheck(falseReg2, "false_reg2");
    }

    /** Copies what was learned about {@code known} into every scalar sharing its id. */
    private void syncLinkedRegs(VerifierState vs, RegState known) {
        int base = known.id & ~RegState.ADD_CONST;
        for (int f = 0; f <= vs.curframe; f++) {
            FuncState fs = vs.frames[f];
            for (int i = 0; i < FP; i++) {
                syncLinked(fs.regs[i], known, base);
            }
            for (StackSlot s : fs.stack) {
                if (s.isSpill()) {
                    syncLinked(s.spilled, known, base);
                }
            }
        }
    }

    /** sync_linked_regs for one register: a copy of what was learned, shifted by its delta. */
    private static void syncLinked(RegState r, RegState known, int base) {
        if (r == known || r.type != RegType.SCALAR_VALUE || (r.id & ~RegState.ADD_CONST) != base) {
            return;
        }
        boolean rDelta = (r.id & RegState.ADD_CONST) != 0;
        boolean kDelta = (known.id & RegState.ADD_CONST) != 0;
        boolean written = r.written;
        if ((!rDelta && !kDelta) || r.off == known.off) {
            r.assign(known);
            r.written = written;
            return;
        }
        int savedId = r.id;
        int savedOff = r.off;
        RegState delta = new RegState();
        delta.markConst((long) savedOff - (long) known.off);
        r.assign(known);
        r.written = written;
        r.id = savedId;
        r.off = savedOff;
        ScalarBounds.add32(r, delta);
        ScalarBounds.add64(r, delta);
        r.varOff = r.varOff.add(delta.varOff);
    }

    /** mark_ptr_not_null_reg. */
    static void markPtrNotNull(RegState r) {
        if (r.type == RegType.PTR_TO_MAP_VALUE && r.map != null) {
            MapInfo m = r.map;
            if (m.innerMap() != null) {
                r.type = RegType.CONST_PTR_TO_MAP;
                r.map = m.innerMap();
                r.flags = 0;
                return;
            }
            switch (m.type()) {
                case XSKMAP:
                    r.type = RegType.PTR_TO_XDP_SOCK;
                    break;
                case SOCKMAP:
                case SOCKHASH:
                    r.type = RegType.PTR_TO_SOCKET;
                    break;
                default:
                    r.type = RegType.PTR_TO_MAP_VALUE;
                    break;
            }
            r.flags &= ~RegState.MAYBE_NULL;
            return;
        }
        r.flags &= ~RegState.MAYBE_NULL;
    }

    private void markPtrOrNullRegs(VerifierState vs, int regno, boolean isNull) {
        RegState[] regs = vs.regs();
        int refObjId = regs[regno].refObjId;
        int id = regs[regno].id;
        if (refObjId != 0 && refObjId == id && isNull) {
            vs.refs.removeIf(r -> r.id() == id);
        }
        for (int f = 0; f <= vs.curframe; f++) {
            FuncState fs = vs.frames[f];
            for (RegState r : fs.regs) {
                markPtrOrNullReg(r, id, isNull);
            }
            for (StackSlot s : fs.stack) {
                if (s.isSpill()) {
                    markPtrOrNullReg(s.spilled, id, isNull);
                }
            }
        }
    }

    private static void markPtrOrNullReg(RegState r, int id, boolean isNull) {
        if (!r.maybeNull() || r.id != id || id == 0) {
            return;
        }
        if (r.smin != 0 || r.smax != 0 || !r.varOff.equalsConst(0) || r.off != 0) {
            return;
        }
        if (isNull) {
            r.type = RegType.SCALAR_VALUE;
            r.flags = 0;
            r.id = 0;
            r.refObjId = 0;
            r.map = null;
            r.btf = null;
            r.memSize = 0;
            return;
        }
        markPtrNotNull(r);
        boolean spinLockValue = r.type == RegType.PTR_TO_MAP_VALUE && r.map != null && r.map.spinLockOffset() >= 0;
        if (!spinLockValue) {
            r.id = 0;
        }
    }

    private boolean tryMatchPktPointers(Insn insn, RegState dst, RegState src, VerifierState thisBranch,
            VerifierState otherBranch) {
        if (source(insn.opcode()) != X || cls(insn.opcode()) == JMP32) {
            return false;
        }
        boolean dstPkt = (dst.type == RegType.PTR_TO_PACKET && src.type == RegType.PTR_TO_PACKET_END)
                || (dst.type == RegType.PTR_TO_PACKET_META && isInitPkt(src, RegType.PTR_TO_PACKET));
        boolean srcPkt = (dst.type == RegType.PTR_TO_PACKET_END && src.type == RegType.PTR_TO_PACKET)
                || (isInitPkt(dst, RegType.PTR_TO_PACKET) && src.type == RegType.PTR_TO_PACKET_META);
        switch (op(insn.opcode())) {
            case JGT:
                if (dstPkt) {
                    findGoodPktPointers(thisBranch, dst, dst.type, false);
                    markPktEnd(otherBranch, insn.dst(), true);
                } else if (srcPkt) {
                    findGoodPktPointers(otherBranch, src, src.type, true);
                    markPktEnd(thisBranch, insn.src(), false);
                } else {
                    return false;
                }
                return true;
            case JLT:
                if (dstPkt) {
                    findGoodPktPointers(otherBranch, dst, dst.type, true);
                    markPktEnd(thisBranch, insn.dst(), false);
                } else if (srcPkt) {
                    findGoodPktPointers(thisBranch, src, src.type, false);
                    markPktEnd(otherBranch, insn.src(), true);
                } else {
                    return false;
                }
                return true;
            case JGE:
                if (dstPkt) {
                    findGoodPktPointers(thisBranch, dst, dst.type, true);
                    markPktEnd(otherBranch, insn.dst(), false);
                } else if (srcPkt) {
                    findGoodPktPointers(otherBranch, src, src.type, false);
                    markPktEnd(thisBranch, insn.src(), true);
                } else {
                    return false;
                }
                return true;
            case JLE:
                if (dstPkt) {
                    findGoodPktPointers(otherBranch, dst, dst.type, false);
                    markPktEnd(thisBranch, insn.dst(), true);
                } else if (srcPkt) {
                    findGoodPktPointers(thisBranch, src, src.type, true);
                    markPktEnd(otherBranch, insn.src(), false);
                } else {
                    return false;
                }
                return true;
            default:
                return false;
        }
    }

    private static boolean isInitPkt(RegState r, RegType which) {
        return r.type == which && r.id == 0 && r.off == 0 && r.varOff.equalsConst(0);
    }

    private static void markPktEnd(VerifierState vs, int regno, boolean rangeOpen) {
        RegState r = vs.regs()[regno];
        if (r.type != RegType.PTR_TO_PACKET) {
            return;
        }
        r.range = rangeOpen ? BranchLogic.BEYOND_PKT_END : BranchLogic.AT_PKT_END;
    }

    private static void findGoodPktPointers(VerifierState vs, RegState dst, RegType type, boolean rangeRightOpen) {
        if (dst.off < 0 || (dst.off == 0 && rangeRightOpen)) {
            return;
        }
        if (Long.compareUnsigned(dst.umax, 0xffff) > 0 || Long.compareUnsigned(dst.umax + dst.off, 0xffff) > 0) {
            return;
        }
        int newRange = dst.off + (rangeRightOpen ? 1 : 0);
        int id = dst.id;
        for (int f = 0; f <= vs.curframe; f++) {
            FuncState fs = vs.frames[f];
            for (RegState r : fs.regs) {
                if (r.type == type && r.id == id) {
                    r.range = Math.max(r.range, newRange);
                }
            }
            for (StackSlot s : fs.stack) {
                if (s.isSpill() && s.spilled.type == type && s.spilled.id == id) {
                    s.spilled.range = Math.max(s.spilled.range, newRange);
                }
            }
        }
    }

    // ---- pruning ----

    /** The registers of frame {@code f} that are live at this point of the state. */
    private int liveMask(VerifierState vs, int f, int insnIdx) {
        if (f == vs.curframe) {
            return env.aux[insnIdx].liveIn | (1 << FP);
        }
        FuncState child = vs.frames[f + 1];
        int at = child.inCallbackFn ? child.callsite : child.callsite + 1;
        if (at < 0 || at >= env.len) {
            return 0x7ff;
        }
        int live = env.aux[at].liveIn;
        if (!child.inCallbackFn) {
            live &= 0b1111000000;
        }
        return live | (1 << FP);
    }

    private boolean isStateVisited(int insnIdx) {
        VerifierState cur = env.cur;
        boolean forceNewState = env.aux[insnIdx].forceCheckpoint || jmpHistory > 40;
        boolean addNewState = forceNewState;
        if (env.jmpsProcessed - env.prevJmpsProcessed >= 2 && env.insnProcessed - env.prevInsnProcessed >= 8) {
            addNewState = true;
        }
        List<Explored> list = explored.computeIfAbsent(insnIdx, k -> new ArrayList<>());
        int statesCnt = 0;
        for (Iterator<Explored> it = list.iterator(); it.hasNext();) {
            Explored sl = it.next();
            statesCnt++;
            boolean miss = true;
            if (sl.state.branches > 0) {
                boolean skipLoopCheck = false;
                if (env.aux[insnIdx].callsCallback) {
                    if (statesEqual(sl.state, cur, Exact.RANGE_WITHIN, insnIdx)) {
                        sl.hits++;
                        precision.arrived();
                        precision.propagate(sl.state);
                        return true;
                    }
                    skipLoopCheck = true;
                }
                if (!skipLoopCheck && statesMaybeLooping(sl.state, cur)
                        && statesEqual(sl.state, cur, Exact.EXACT, insnIdx)
                        && sl.state.callbackUnrollDepth == cur.callbackUnrollDepth) {
                    env.log.lineInfo(insnIdx, "; ");
                    Env.Reject rej = env.fail("infinite loop detected at insn " + insnIdx);
                    StringBuilder sb = new StringBuilder("cur state:");
                    StatePrinter.appendFrame(sb, cur, cur.cur(), true, 0, 0);
                    sb.append("old state:");
                    StatePrinter.appendFrame(sb, sl.state, sl.state.frames[cur.curframe], true, 0, 0);
                    env.log.append(sb.toString());
                    throw rej;
                }
                if (!forceNewState && env.jmpsProcessed - env.prevJmpsProcessed < 20
                        && env.insnProcessed - env.prevInsnProcessed < 100) {
                    addNewState = false;
                }
            } else if (statesEqual(sl.state, cur, Exact.NOT_EXACT, insnIdx)) {
                sl.hits++;
                precision.arrived();
                precision.propagate(sl.state);
                return true;
            }
            if (miss) {
                if (addNewState) {
                    sl.misses++;
                }
                int n = env.aux[insnIdx].forceCheckpoint && sl.state.branches > 0 ? 64 : 3;
                if (sl.misses > sl.hits * n + n) {
                    it.remove();
                    if (sl.state.branches == 0) {
                        env.peakStates--;
                    }
                }
            }
        }
        if (env.maxStatesPerInsn < statesCnt) {
            env.maxStatesPerInsn = statesCnt;
        }
        if (!env.bpfCapable && statesCnt > COMPLEXITY_LIMIT_STATES) {
            return false;
        }
        if (!addNewState) {
            return false;
        }
        env.totalStates++;
        env.peakStates++;
        env.prevJmpsProcessed = env.jmpsProcessed;
        env.prevInsnProcessed = env.insnProcessed;
        VerifierState saved = cur.copy();
        saved.insnIdx = insnIdx;
        saved.branches = 1;
        saved.lastInsnIdx = env.prevInsnIdx;
        list.add(0, new Explored(saved));
        cur.parent = saved;
        cur.dfsDepth = saved.dfsDepth + 1;
        cur.firstInsnIdx = insnIdx;
        cur.history = new java.util.ArrayList<>();
        jmpHistory = 0;
        for (int f = 0; f <= cur.curframe; f++) {
            FuncState fs = cur.frames[f];
            for (RegState r : fs.regs) {
                r.written = false;
                if (env.bpfCapable && r.type == RegType.SCALAR_VALUE) {
                    r.precise = false;
                }
            }
            for (StackSlot s : fs.stack) {
                s.spilled.written = false;
                if (env.bpfCapable && s.isSpilledScalar()) {
                    s.spilled.precise = false;
                }
            }
        }
        return false;
    }

    private static boolean statesMaybeLooping(VerifierState old, VerifierState cur) {
        if (old.curframe != cur.curframe) {
            return false;
        }
        FuncState fo = old.frames[cur.curframe];
        FuncState fc = cur.frames[cur.curframe];
        for (int i = 0; i < 11; i++) {
            if (!sameValue(fo.regs[i], fc.regs[i]) || fo.regs[i].id != fc.regs[i].id
                    || fo.regs[i].refObjId != fc.regs[i].refObjId) {
                return false;
            }
        }
        return true;
    }

    /** Everything of two registers but ids and liveness/precision marks. */
    private static boolean sameValue(RegState a, RegState b) {
        return a.type == b.type && a.flags == b.flags && a.off == b.off && a.varOff.equals(b.varOff)
                && a.smin == b.smin && a.smax == b.smax && a.umin == b.umin && a.umax == b.umax
                && a.s32min == b.s32min && a.s32max == b.s32max && a.u32min == b.u32min && a.u32max == b.u32max
                && a.map == b.map && a.mapUid == b.mapUid && a.range == b.range && a.memSize == b.memSize
                && a.btf == b.btf && a.subprogno == b.subprogno && a.frameno == b.frameno;
    }

    /**
     * find_prev_entry: the checkpoint at {@code insnIdx} on the current path (still being
     * explored, same call sites, shallower), i.e. the previous iteration of a loop.
     */
    VerifierState findPrevEntry(VerifierState cur, int insnIdx) {
        List<Explored> list = explored.get(insnIdx);
        if (list == null) {
            return null;
        }
        for (int i = list.size() - 1; i >= 0; i--) {
            VerifierState st = list.get(i).state;
            if (st.insnIdx == insnIdx && st.branches > 0 && sameCallsites(st, cur) && st.dfsDepth < cur.dfsDepth) {
                return st;
            }
        }
        return null;
    }

    private static boolean sameCallsites(VerifierState a, VerifierState b) {
        if (a.curframe != b.curframe) {
            return false;
        }
        for (int f = a.curframe; f >= 0; f--) {
            if (a.frames[f].callsite != b.frames[f].callsite) {
                return false;
            }
        }
        return true;
    }

    /**
     * widen_imprecise_scalars: scalars that changed since the previous iteration of a callback
     * loop become unknown, so the iterations converge. bpfvm tracks no precision marks, so every
     * changed scalar is widened; a value the program must keep bounded is re-checked inside the
     * callback anyway (the kernel keeps precise ones and iterates further).
     */
    void widenImpreciseScalars(VerifierState old, VerifierState cur) {
        IdMap ids = new IdMap();
        for (int f = old.curframe; f >= 0; f--) {
            FuncState fo = old.frames[f];
            FuncState fc = cur.frames[f];
            for (int r = 0; r < fo.regs.length; r++) {
                maybeWiden(fo.regs[r], fc.regs[r], ids);
            }
            int n = Math.min(fo.stack.size(), fc.stack.size());
            for (int i = 0; i < n; i++) {
                StackSlot so = fo.stack.get(i);
                StackSlot sc = fc.stack.get(i);
                if (so.isSpill() && sc.isSpill()) {
                    maybeWiden(so.spilled, sc.spilled, ids);
                }
            }
        }
    }

    private void maybeWiden(RegState old, RegState cur, IdMap ids) {
        if (old.type != RegType.SCALAR_VALUE || cur.type != RegType.SCALAR_VALUE) {
            return;
        }
        if (old.precise || cur.precise || regsExact(old, cur, ids)) {
            return;
        }
        boolean written = cur.written;
        env.markUnknown(cur);
        cur.written = written;
    }

    /** The id correspondence between an old and a current state. */
    private static final class IdMap {
        private final Map<Integer, Integer> oldToCur = new HashMap<>();
        private final Map<Integer, Integer> curToOld = new HashMap<>();
        private int tmp = Integer.MIN_VALUE;

        boolean check(int oldId, int curId) {
            if ((oldId == 0) != (curId == 0)) {
                return false;
            }
            if (oldId == 0) {
                return true;
            }
            Integer c = oldToCur.get(oldId);
            if (c != null) {
                return c == curId;
            }
            Integer o = curToOld.get(curId);
            if (o != null) {
                return false;
            }
            oldToCur.put(oldId, curId);
            curToOld.put(curId, oldId);
            return true;
        }

        boolean checkScalar(int oldId, int curId) {
            return check(oldId != 0 ? oldId : tmp++, curId != 0 ? curId : tmp++);
        }
    }

    private static boolean rangeWithin(RegState old, RegState cur) {
        return Long.compareUnsigned(old.umin, cur.umin) <= 0 && Long.compareUnsigned(old.umax, cur.umax) >= 0
                && old.smin <= cur.smin && old.smax >= cur.smax
                && Integer.compareUnsigned(old.u32min, cur.u32min) <= 0
                && Integer.compareUnsigned(old.u32max, cur.u32max) >= 0
                && old.s32min <= cur.s32min && old.s32max >= cur.s32max;
    }

    private static boolean regsExact(RegState old, RegState cur, IdMap ids) {
        return sameValue(old, cur) && ids.check(old.id, cur.id) && ids.check(old.refObjId, cur.refObjId);
    }

    private boolean regSafe(RegState old, RegState cur, IdMap ids, Exact exact, boolean live) {
        if (exact == Exact.EXACT) {
            return regsExact(old, cur, ids);
        }
        if (!live && exact == Exact.NOT_EXACT) {
            return true;
        }
        if (old.type == RegType.NOT_INIT) {
            if (exact == Exact.NOT_EXACT || cur.type == RegType.NOT_INIT) {
                return true;
            }
        }
        if (old.type != cur.type || old.flags != cur.flags) {
            return false;
        }
        switch (old.type) {
            case SCALAR_VALUE:
                if (env.exploreAluLimits) {
                    return sameValue(old, cur) && ids.checkScalar(old.id, cur.id);
                }
                if (!old.precise && env.bpfCapable && exact == Exact.NOT_EXACT) {
                    return true;
                }
                if ((old.id & RegState.ADD_CONST) != (cur.id & RegState.ADD_CONST)) {
                    return false;
                }
                return rangeWithin(old, cur) && old.varOff.contains(cur.varOff) && ids.checkScalar(old.id, cur.id);
            case PTR_TO_MAP_KEY:
            case PTR_TO_MAP_VALUE:
            case PTR_TO_MEM:
            case PTR_TO_BUF:
            case PTR_TO_TP_BUFFER:
                return old.off == cur.off && old.map == cur.map && old.mapUid == cur.mapUid
                        && old.memSize == cur.memSize && old.btf == cur.btf && old.range == cur.range
                        && rangeWithin(old, cur) && old.varOff.contains(cur.varOff)
                        && ids.check(old.id, cur.id) && ids.check(old.refObjId, cur.refObjId);
            case PTR_TO_PACKET_META:
            case PTR_TO_PACKET:
                if (old.range > cur.range) {
                    return false;
                }
                if (old.off != cur.off) {
                    return false;
                }
                if (!ids.check(old.id, cur.id)) {
                    return false;
                }
                return rangeWithin(old, cur) && old.varOff.contains(cur.varOff);
            case PTR_TO_STACK:
                return regsExact(old, cur, ids) && old.frameno == cur.frameno;
            default:
                return regsExact(old, cur, ids);
        }
    }

    private boolean stackSafe(FuncState old, FuncState cur, IdMap ids, Exact exact) {
        int oldBytes = old.allocatedStack();
        int curBytes = cur.allocatedStack();
        for (int i = 0; i < oldBytes; i++) {
            int spi = i / 8;
            int b = i % 8;
            StackSlot os = old.stack.get(spi);
            byte ot = os.types[b];
            if (exact != Exact.NOT_EXACT && (i >= curBytes || ot != cur.stack.get(spi).types[b])) {
                return false;
            }
            if (ot == StackSlot.INVALID) {
                continue;
            }
            if (env.allowUninitStack && ot == StackSlot.MISC) {
                continue;
            }
            if (i >= curBytes) {
                return false;
            }
            StackSlot cs = cur.stack.get(spi);
            byte ct = cs.types[b];
            if (ot == StackSlot.MISC && ct == StackSlot.ZERO) {
                continue;
            }
            if (ot != ct) {
                return false;
            }
            if (b != 7) {
                continue;
            }
            if (os.types[7] == StackSlot.SPILL && !regSafe(os.spilled, cs.spilled, ids, exact, true)) {
                return false;
            }
        }
        return true;
    }

    private boolean statesEqual(VerifierState old, VerifierState cur, Exact exact, int insnIdx) {
        if (old.curframe != cur.curframe) {
            return false;
        }
        if (old.speculative && !cur.speculative) {
            return false;
        }
        if (old.activeLockPtr != cur.activeLockPtr) {
            return false;
        }
        if ((old.activeLockId != 0) != (cur.activeLockId != 0)) {
            return false;
        }
        IdMap ids = new IdMap();
        if (old.activeLockId != 0 && !ids.check(old.activeLockId, cur.activeLockId)) {
            return false;
        }
        if (old.activeRcuLock != cur.activeRcuLock) {
            return false;
        }
        for (int f = 0; f <= old.curframe; f++) {
            FuncState fo = old.frames[f];
            FuncState fc = cur.frames[f];
            if (fo.callsite != fc.callsite) {
                return false;
            }
            if (fo.callbackDepth > fc.callbackDepth) {
                return false;
            }
            int live = liveMask(cur, f, insnIdx);
            for (int i = 0; i < 11; i++) {
                if (!regSafe(fo.regs[i], fc.regs[i], ids, exact, (live & (1 << i)) != 0)) {
                    return false;
                }
            }
            if (!stackSafe(fo, fc, ids, exact)) {
                return false;
            }
        }
        if (old.refs.size() != cur.refs.size()) {
            return false;
        }
        for (int i = 0; i < old.refs.size(); i++) {
            if (!ids.check(old.refs.get(i).id(), cur.refs.get(i).id())) {
                return false;
            }
        }
        return true;
    }
}
