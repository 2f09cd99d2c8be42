package dev.bpfvm.verifier;

import static dev.bpfvm.vm.isa.Opcodes.*;

import dev.bpfvm.vm.isa.Insn;
import java.util.List;

/**
 * Precision tracking ({@code mark_chain_precision}): when a scalar's exact range starts to
 * matter for safety — pointer arithmetic, a size argument, a branch the verifier decided, a
 * return value — the instructions that produced it are walked backwards through the jump
 * history of the current path, and every checkpoint on the way marks the registers and
 * spilled stack slots it came from as precise. Pruning compares only precise scalars; the
 * others may hold any value in an equivalent state. When the walk meets something it does
 * not follow, every scalar on the path becomes precise, which is always safe.
 */
final class Precision {
    /** History flag: the instruction accessed a stack slot (frame and slot index below). */
    static final int STACK_ACCESS = 1 << 12;
    private static final int ARGS = 0b111110;

    /** One jump-history entry: arrival at {@code idx} from {@code prevIdx}, plus what it did. */
    record Hist(int idx, int prevIdx, int flags, int[] linked) {}

    private final Env env;

    Precision(Env env) {
        this.env = env;
    }

    private static final class NotSupported extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotSupported() {
            super(null, null, false, false);
        }
    }

    /** Registers and stack slots still to be traced, per frame ({@code struct backtrack_state}). */
    private static final class Bt {
        int frame;
        final int[] regs = new int[VerifierState.MAX_CALL_FRAMES];
        final long[] stack = new long[VerifierState.MAX_CALL_FRAMES];

        boolean empty() {
            for (int f = 0; f <= frame; f++) {
                if (regs[f] != 0 || stack[f] != 0) {
                    return false;
                }
            }
            return true;
        }

        boolean reg(int r) {
            return (regs[frame] & (1 << r)) != 0;
        }

        void set(int r) {
            regs[frame] |= 1 << r;
        }

        void clear(int r) {
            regs[frame] &= ~(1 << r);
        }
    }

    // ---- jump history ----

    /** push_jmp_history for the current instruction; merges with an entry for the same step. */
    void push(int flags, int[] linked) {
        VerifierState st = env.cur;
        List<Hist> h = st.history;
        if (!h.isEmpty()) {
            Hist last = h.get(h.size() - 1);
            if (last.idx() == env.insnIdx && last.prevIdx() == env.prevInsnIdx) {
                h.set(h.size() - 1, new Hist(last.idx(), last.prevIdx(), last.flags() | flags,
                        linked != null ? linked : last.linked()));
                return;
            }
        }
        h.add(new Hist(env.insnIdx, env.prevInsnIdx, flags, linked));
    }

    /** Records arrival at the current instruction when it did not follow the previous one. */
    void arrived() {
        if (env.prevInsnIdx >= 0 && !follows(env.prevInsnIdx, env.insnIdx)) {
            push(0, null);
        }
    }

    private boolean follows(int prev, int idx) {
        return idx == prev + env.insn(prev).slots();
    }

    /** The current instruction filled or spilled stack slot {@code spi} of frame {@code frameno}. */
    void stackAccess(int frameno, int spi) {
        if (spi < 0 || spi >= 64) {
            return;
        }
        push(STACK_ACCESS | frameno << 6 | spi, null);
    }

    /** Records the registers and slots linked by scalar id to a compared register. */
    void linked(int[] linked) {
        if (linked != null && linked.length > 1) {
            push(0, linked);
        }
    }

    /** Packs (frame, register or slot) for {@link #linked}. */
    static int linkedEntry(int frame, boolean stackSlot, int n) {
        return frame << 8 | (stackSlot ? 1 << 7 : 0) | n;
    }

    // ---- marking ----

    /** mark_chain_precision for a register of the current frame. */
    void markReg(int regno) {
        if (!env.bpfCapable) {
            return;
        }
        RegState r = env.cur.regs()[regno];
        if (r.type != RegType.SCALAR_VALUE) {
            return;
        }
        Bt bt = new Bt();
        bt.frame = env.cur.curframe;
        bt.set(regno);
        run(bt);
    }

    /** propagate_precision: the current path must keep precise what the equivalent old state had precise. */
    void propagate(VerifierState old) {
        if (!env.bpfCapable) {
            return;
        }
        Bt bt = new Bt();
        bt.frame = env.cur.curframe;
        for (int f = 0; f <= old.curframe; f++) {
            FuncState fo = old.frames[f];
            for (int i = 0; i < fo.regs.length; i++) {
                RegState r = fo.regs[i];
                if (r.type == RegType.SCALAR_VALUE && r.precise) {
                    bt.regs[f] |= 1 << i;
                }
            }
            for (int spi = 0; spi < fo.stack.size() && spi < 64; spi++) {
                StackSlot s = fo.stack.get(spi);
                if (s.isSpilledScalar() && s.spilled.precise) {
                    bt.stack[f] |= 1L << spi;
                }
            }
        }
        if (trace()) {
            for (int f = old.curframe; f >= 0; f--) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < 10; i++) {
                    if ((bt.regs[f] & (1 << i)) != 0) {
                        sb.append(sb.length() == 0 ? "frame " + f + ": propagating r" : ",r").append(i);
                    }
                }
                for (int spi = 0; spi < 64; spi++) {
                    if ((bt.stack[f] & (1L << spi)) != 0) {
                        sb.append(sb.length() == 0 ? "frame " + f + ": propagating fp" : ",fp").append(-(spi + 1) * 8);
                    }
                }
                if (sb.length() > 0) {
                    env.verbose(sb.append('\n').toString());
                }
            }
        }
        if (!bt.empty()) {
            run(bt);
        }
    }

    private void run(Bt bt) {
        try {
            backtrack(bt);
        } catch (NotSupported e) {
            markAllPrecise(env.cur);
        }
    }

    /** Whether the level-2 trace lines ({@code mark_precise:}, {@code force_precise:}) are printed. */
    private boolean trace() {
        return env.log.level2();
    }

    /** fmt_reg_mask: {@code r1,r6}. */
    static String regMask(int mask) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 32; i++) {
            if ((mask & (1 << i)) != 0) {
                sb.append(sb.length() == 0 ? "" : ",").append('r').append(i);
            }
        }
        return sb.toString();
    }

    /** fmt_stack_mask: {@code -8,-24}. */
    static String stackMask(long mask) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            if ((mask & (1L << i)) != 0) {
                sb.append(sb.length() == 0 ? "" : ",").append(-(i + 1) * 8);
            }
        }
        return sb.toString();
    }

    /** mark_all_scalars_precise: the big hammer, for every checkpoint of the current path. */
    void markAllPrecise(VerifierState cur) {
        boolean trace = trace();
        if (trace) {
            env.verbose("mark_precise: frame" + cur.curframe + ": falling back to forcing all scalars precise\n");
        }
        for (VerifierState st = cur.parent; st != null; st = st.parent) {
            for (int f = 0; f <= st.curframe; f++) {
                FuncState fs = st.frames[f];
                for (int i = 0; i < 10 && i < fs.regs.length; i++) {
                    RegState r = fs.regs[i];
                    if (r.type == RegType.SCALAR_VALUE && !r.precise) {
                        r.precise = true;
                        if (trace) {
                            env.verbose("force_precise: frame" + f + ": forcing r" + i + " to be precise\n");
                        }
                    }
                }
                for (int j = 0; j < fs.stack.size(); j++) {
                    StackSlot s = fs.stack.get(j);
                    if (s.isSpilledScalar() && !s.spilled.precise) {
                        s.spilled.precise = true;
                        if (trace) {
                            env.verbose("force_precise: frame" + f + ": forcing fp" + (-(j + 1) * 8)
                                    + " to be precise\n");
                        }
                    }
                }
            }
        }
    }

    private void backtrack(Bt bt) {
        VerifierState st = env.cur;
        int lastIdx = env.insnIdx;
        int firstIdx = st.firstInsnIdx;
        int subseqIdx = -1;
        boolean skipFirst = true;
        for (;;) {
            List<Hist> hist = st.history;
            int cnt = hist.size();
            if (trace()) {
                env.verbose("mark_precise: frame" + bt.frame + ": last_idx " + lastIdx + " first_idx " + firstIdx
                        + " subseq_idx " + subseqIdx + " \n");
            }
            for (int i = lastIdx;;) {
                if (skipFirst) {
                    skipFirst = false;
                } else {
                    Hist h = cnt > 0 && hist.get(cnt - 1).idx() == i ? hist.get(cnt - 1) : null;
                    syncLinked(bt, h);
                    backtrackInsn(i, subseqIdx, h, bt);
                    syncLinked(bt, h);
                }
                if (bt.empty()) {
                    return;
                }
                subseqIdx = i;
                if (i == firstIdx) {
                    if (cnt == 0 || (cnt == 1 && hist.get(0).idx() == i)) {
                        break;
                    }
                }
                if (cnt > 0 && hist.get(cnt - 1).idx() == i) {
                    i = hist.get(cnt - 1).prevIdx();
                    cnt--;
                } else {
                    i--;
                    if (i > 0 && env.prog.insnAt(i) == null) {
                        i--;
                    }
                }
                if (i < 0 || i >= env.len) {
                    throw new NotSupported();
                }
            }
            st = st.parent;
            if (st == null) {
                break;
            }
            if (bt.frame > st.curframe) {
                throw new NotSupported();
            }
            for (int f = bt.frame; f >= 0; f--) {
                FuncState fs = st.frames[f];
                for (int r = 0; r < 11; r++) {
                    if ((bt.regs[f] & (1 << r)) == 0) {
                        continue;
                    }
                    RegState reg = fs.regs[r];
                    if (reg.type != RegType.SCALAR_VALUE || reg.precise) {
                        bt.regs[f] &= ~(1 << r);
                    } else {
                        reg.precise = true;
                    }
                }
                for (int spi = 0; spi < 64; spi++) {
                    if ((bt.stack[f] & (1L << spi)) == 0) {
                        continue;
                    }
                    if (spi >= fs.stack.size()) {
                        throw new NotSupported();
                    }
                    StackSlot s = fs.stack.get(spi);
                    if (!s.isSpilledScalar() || s.spilled.precise) {
                        bt.stack[f] &= ~(1L << spi);
                    } else {
                        s.spilled.precise = true;
                    }
                }
                if (trace()) {
                    StringBuilder sb = new StringBuilder("mark_precise: frame").append(f).append(": parent state regs=")
                            .append(regMask(bt.regs[f])).append(" stack=").append(stackMask(bt.stack[f])).append(": ");
                    StatePrinter.appendFrame(sb, st, fs, true, 0, 0);
                    env.verbose(sb.toString());
                }
            }
            if (bt.empty()) {
                return;
            }
            subseqIdx = firstIdx;
            lastIdx = st.lastInsnIdx;
            firstIdx = st.firstInsnIdx;
            if (lastIdx < 0) {
                throw new NotSupported();
            }
        }
        if (!bt.empty()) {
            throw new NotSupported();
        }
    }

    /** bt_sync_linked_regs: registers that gained range together need precision together. */
    private static void syncLinked(Bt bt, Hist h) {
        if (h == null || h.linked() == null) {
            return;
        }
        boolean any = false;
        for (int e : h.linked()) {
            int f = e >> 8;
            boolean slot = (e & (1 << 7)) != 0;
            int n = e & 0x7f;
            if (f > bt.frame) {
                continue;
            }
            if (slot ? (bt.stack[f] & (1L << n)) != 0 : (bt.regs[f] & (1 << n)) != 0) {
                any = true;
            }
        }
        if (!any) {
            return;
        }
        for (int e : h.linked()) {
            int f = e >> 8;
            boolean slot = (e & (1 << 7)) != 0;
            int n = e & 0x7f;
            if (f > bt.frame) {
                continue;
            }
            if (slot) {
                bt.stack[f] |= 1L << n;
            } else {
                bt.regs[f] |= 1 << n;
            }
        }
    }

    /** backtrack_insn: what the instruction at {@code idx} needed precise before it ran. */
    private void backtrackInsn(int idx, int subseqIdx, Hist h, Bt bt) {
        Insn insn = env.insn(idx);
        int code = insn.opcode();
        int cls = cls(code);
        int opc = op(code);
        int dreg = insn.dst();
        int sreg = insn.src();
        if (trace()) {
            env.verbose("mark_precise: frame" + bt.frame + ": regs=" + regMask(bt.regs[bt.frame]) + " stack="
                    + stackMask(bt.stack[bt.frame]) + " before " + idx + ": " + env.printInsn(idx) + "\n");
        }
        if (dreg > 10 || sreg > 10) {
            throw new NotSupported();
        }
        boolean stack = h != null && (h.flags() & STACK_ACCESS) != 0;
        if (cls == ALU || cls == ALU64) {
            if (!bt.reg(dreg)) {
                return;
            }
            if (opc == END || opc == NEG) {
                return;
            }
            if (opc == MOV) {
                bt.clear(dreg);
                if (source(code) == X && sreg != 10) {
                    bt.set(sreg);
                }
            } else if (source(code) == X && sreg != 10) {
                bt.set(sreg);
            }
        } else if (cls == LDX) {
            if (!bt.reg(dreg)) {
                return;
            }
            bt.clear(dreg);
            if (!stack) {
                return;
            }
            int fr = (h.flags() >> 6) & 0x7;
            bt.stack[fr] |= 1L << (h.flags() & 0x3f);
        } else if (cls == STX || cls == ST) {
            if (bt.reg(dreg)) {
                throw new NotSupported();
            }
            if (cls == STX && mode(code) == ATOMIC) {
                boolean fetch = (insn.imm() & 0x01) != 0;
                boolean cmpxchg = insn.imm() == 0xf1;
                if (stack || (fetch && bt.reg(sreg)) || (cmpxchg && bt.reg(0))) {
                    throw new NotSupported();
                }
                return;
            }
            if (!stack) {
                return;
            }
            int fr = (h.flags() >> 6) & 0x7;
            int spi = h.flags() & 0x3f;
            if ((bt.stack[fr] & (1L << spi)) == 0) {
                return;
            }
            bt.stack[fr] &= ~(1L << spi);
            if (cls == STX) {
                bt.set(sreg);
            }
        } else if (cls == JMP || cls == JMP32) {
            if (opc == CALL) {
                backtrackCall(insn, idx, subseqIdx, bt);
            } else if (opc == EXIT) {
                if ((bt.regs[bt.frame] & ARGS) != 0 || subseqIdx < 1) {
                    throw new NotSupported();
                }
                Insn before = env.insn(subseqIdx - 1);
                boolean r0 = before.opcode() == CALL_IMM && before.src() == PSEUDO_CALL && bt.reg(0);
                bt.clear(0);
                if (bt.frame + 1 >= VerifierState.MAX_CALL_FRAMES) {
                    throw new NotSupported();
                }
                bt.frame++;
                if (r0) {
                    bt.set(0);
                }
            } else if (opc == JA) {
                return;
            } else if (source(code) == X) {
                if (!bt.reg(dreg) && !bt.reg(sreg)) {
                    return;
                }
                bt.set(dreg);
                bt.set(sreg);
            }
        } else if (cls == LD) {
            if (!bt.reg(dreg) && mode(code) == IMM) {
                return;
            }
            if (mode(code) == ABS || mode(code) == IND) {
                if (bt.reg(0)) {
                    throw new NotSupported();
                }
                return;
            }
            bt.clear(dreg);
        }
    }

    private void backtrackCall(Insn insn, int idx, int subseqIdx, Bt bt) {
        if (insn.src() == PSEUDO_CALL) {
            int target = idx + insn.imm() + 1;
            if (subseqIdx != target) {
                // a global function verified apart: it sets R0, arguments are not followed
                int sub = env.findSubprog(target);
                if (sub < 0 || !env.subprogs.get(sub).separate()) {
                    throw new NotSupported();
                }
                bt.clear(0);
                if ((bt.regs[bt.frame] & ARGS) != 0) {
                    throw new NotSupported();
                }
                return;
            }
            if ((bt.regs[bt.frame] & ~ARGS) != 0 || bt.stack[bt.frame] != 0 || bt.frame == 0) {
                throw new NotSupported();
            }
            int args = bt.regs[bt.frame] & ARGS;
            bt.regs[bt.frame] = 0;
            bt.frame--;
            bt.regs[bt.frame] |= args;
            return;
        }
        if (insn.src() == PSEUDO_CALL_HELPER && isSyncCallbackHelper(insn.imm()) && idx != subseqIdx - 1) {
            // leaving a callback body backwards, into the helper that called it
            if ((bt.regs[bt.frame] & ~ARGS) != 0 || bt.stack[bt.frame] != 0 || bt.frame == 0) {
                throw new NotSupported();
            }
            bt.regs[bt.frame] = 0;
            bt.frame--;
            return;
        }
        bt.clear(0);
        if ((bt.regs[bt.frame] & ARGS) != 0) {
            throw new NotSupported();
        }
    }

    private static boolean isSyncCallbackHelper(int id) {
        String n = HelperNames.name(id);
        return n.equals("bpf_loop") || n.equals("bpf_for_each_map_elem") || n.equals("bpf_find_vma")
                || n.equals("bpf_user_ringbuf_drain");
    }
}
