package dev.bpfvm.vm.jit;

import static dev.bpfvm.vm.isa.Opcodes.*;

import dev.bpfvm.vm.isa.Insn;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the loops the compiler versions (see {@link Loop}) and, for each, which registers are
 * loop-invariant or induction registers and which memory accesses walk memory at a fixed stride.
 *
 * <p>A loop here is a contiguous run of slots {@code [header, latch]}: the latch jumps back to
 * the header, other jumps inside go forward (to a later slot inside or anywhere outside) or
 * back to the header (more back-edges, as clang emits a {@code continue}), nothing outside
 * jumps into the loop but to its header, and it has no calls (but {@code bpf_map_lookup_elem}s
 * the emitter inlines), atomics, legacy packet loads or invalid slots. Its body is a DAG, so one pass
 * in slot order computes, for every register at every slot, whether it is an affine function
 * {@code c + Σ coef[r] · R[r]} of the registers' values {@code R} at the start of the iteration.
 */
final class LoopAnalysis {
    private LoopAnalysis() {}

    /**
     * Jumps back to the header a versioned loop may have, its latch's included. Two is a loop
     * with a {@code continue} (clang's map-lookup loop); a switch whose every case jumps back
     * (bench_switch.o: 14) ran slower whole-loop versioned (61 against 35 µs): it leaves the
     * loop often and each entry pays the dispatch again; the first cases' stretch is versioned
     * instead.
     */
    static final int MAX_BACK_EDGES = 2;

    /** Loops longer than this (in slots) are not versioned: the fast copy doubles the code. */
    static final int MAX_LOOP_SLOTS = 400;

    /** A value {@code c + Σ coef[r] · R[r]} over the registers at the start of an iteration. */
    static final class Lin {
        final long c;
        final long[] coef;

        Lin(long c, long[] coef) {
            this.c = c;
            this.coef = coef;
        }

        static Lin constant(long c) {
            return new Lin(c, new long[11]);
        }

        static Lin reg(int r) {
            long[] k = new long[11];
            k[r] = 1;
            return new Lin(0, k);
        }

        Lin plus(Lin o, long sign) {
            long[] k = coef.clone();
            for (int r = 0; r < 11; r++) {
                k[r] += sign * o.coef[r];
            }
            return new Lin(c + sign * o.c, k);
        }

        Lin plus(long d) {
            return new Lin(c + d, coef);
        }

        Lin times(long f) {
            long[] k = coef.clone();
            for (int r = 0; r < 11; r++) {
                k[r] *= f;
            }
            return new Lin(c * f, k);
        }

        boolean isZero() {
            return c == 0 && isConstant();
        }

        boolean isConstant() {
            for (long k : coef) {
                if (k != 0) {
                    return false;
                }
            }
            return true;
        }

        boolean isReg(int r, long d) {
            for (int q = 0; q < 11; q++) {
                if (coef[q] != (q == r ? 1 : 0)) {
                    return false;
                }
            }
            return c == d;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Lin && ((Lin) o).c == c && Arrays.equals(((Lin) o).coef, coef);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(c) * 31 + Arrays.hashCode(coef);
        }
    }

    /** How a register changes from one iteration to the next. */
    enum Change { INVARIANT, STEP_CONST, STEP_REG, VARYING }

    /**
     * A memory access whose address at iteration {@code k} is {@code A0 + k · S}: {@code A0} =
     * {@link #addr} evaluated on the registers when the fast loop starts, {@code S} =
     * {@code strideConst + Σ strideRegs[r] · R[r]} (R of invariant registers).
     */
    static final class Site {
        final int pc;
        final int size;
        final boolean write;
        final Lin addr;
        final long strideConst;
        final long[] strideRegs;
        /** Local slots, assigned by the emitter: lo (J), end (J), data ([B), bias (I), idx0 (I), stride (I). */
        int lo;
        int end;
        int data;
        int bias;
        int idx0;
        int stride;

        Site(int pc, int size, boolean write, Lin addr, long strideConst, long[] strideRegs) {
            this.pc = pc;
            this.size = size;
            this.write = write;
            this.addr = addr;
            this.strideConst = strideConst;
            this.strideRegs = strideRegs;
        }

        boolean constantStride() {
            for (long k : strideRegs) {
                if (k != 0) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * A loop the compiler emits twice: the general code, and a fast copy that runs a number of
     * iterations computed on entry ({@code N}) in which no budget check can fail and every
     * {@link Site} stays inside its memory window, so the copy has neither.
     */
    static final class Loop {
        final int header;
        final int latch;
        /** Most instructions one iteration can execute, header to latch inclusive. */
        final int maxPath;
        final Change[] change;
        final long[] constStep;
        final int[] regStep;
        final Map<Integer, Site> sites;
        /** Slots inside the loop (not the header) that code outside jumps to. */
        int[] midEntries = new int[0];
        /** Jumps back to the header other than the latch's. */
        int[] backEdges = new int[0];
        /** The inlined map lookups inside (calls). */
        int[] calls = new int[0];
        org.objectweb.asm.Label[] midEntryLabels;
        /** The loop's test the fast copy omits, or null. */
        Test test;
        // local slots, assigned by the emitter
        int tried;
        int k;
        int n;
        // labels, created by the emitter
        org.objectweb.asm.Label entry;
        org.objectweb.asm.Label dispatch;
        org.objectweb.asm.Label[] fast;

        Loop(int header, int latch, int maxPath, Change[] change, long[] constStep, int[] regStep, Map<Integer, Site> sites) {
            this.header = header;
            this.latch = latch;
            this.maxPath = maxPath;
            this.change = change;
            this.constStep = constStep;
            this.regStep = regStep;
            this.sites = sites;
        }

        boolean contains(int pc) {
            return pc >= header && pc <= latch;
        }
    }

    static boolean isBranch(Insn i) {
        int op = i.opcode();
        return isJump(op) && (isCondJump(op) || op == JA64 || op == GOTOL);
    }

    /**
     * The versionable loops whose slots all lie in {@code body}. {@code stackSlot} says which
     * accesses the emitter already compiles without checks (constant r10 offsets).
     */
    static List<Loop> find(CodeAnalysis an, BitSet body, BitSet entries, boolean stackSlots) {
        return find(an, body, entries, stackSlots, pc -> false);
    }

    /**
     * As above; {@code inlinedCall} says which call slots the emitter inlines (a map lookup it
     * can leave the fast copy at): those may be inside a loop. Of loops with the same header
     * the longest is kept (its other back-edges include the shorter one's latch).
     */
    static List<Loop> find(CodeAnalysis an, BitSet body, BitSet entries, boolean stackSlots,
                           java.util.function.IntPredicate inlinedCall) {
        Map<Integer, Loop> byHeader = new LinkedHashMap<>();
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            Insn i = an.valid(b);
            if (i == null || !isBranch(i)) {
                continue;
            }
            int h = CodeAnalysis.jumpTarget(i, b);
            if (h > b || h < 0 || !body.get(h) || b - h > MAX_LOOP_SLOTS) {
                continue;
            }
            Loop l = analyze(an, body, entries, h, b, stackSlots, inlinedCall);
            if (l != null) {
                byHeader.put(h, l);   // b grows: a later one is longer
            }
        }
        return new ArrayList<>(byHeader.values());
    }

    private static Loop analyze(CodeAnalysis an, BitSet body, BitSet entries, int h, int b, boolean stackSlots,
                                java.util.function.IntPredicate inlinedCall) {
        // shape: contiguous valid slots, only forward jumps inside but the latch's, and none
        // into the second half of an ld_imm64
        BitSet starts = new BitSet();
        for (int pc = h; pc <= b; ) {
            starts.set(pc);
            pc += an.valid(pc) == null ? 1 : an.valid(pc).slots();
        }
        BitSet backEdges = new BitSet();
        BitSet calls = new BitSet();
        for (int pc = h; pc <= b; ) {
            Insn i = an.valid(pc);
            if (i == null || !body.get(pc) || pc > h && entries.get(pc)) {
                return null;
            }
            int op = i.opcode();
            if (op == CALL_IMM && inlinedCall.test(pc)) {
                calls.set(pc);
            } else if (op == CALL_IMM || op == CALLX || i.isLddw() && i.src() == PSEUDO_FUNC
                    || cls(op) == STX && mode(op) == ATOMIC || (cls(op) == LD && (mode(op) == ABS || mode(op) == IND))) {
                return null;
            }
            if (isBranch(i) && pc != b) {
                int t = CodeAnalysis.jumpTarget(i, pc);
                if (t == h && backEdges.cardinality() < MAX_BACK_EDGES - 1) {
                    backEdges.set(pc);
                } else if (t <= pc && t >= h || t > pc && t <= b && !starts.get(t)) {
                    return null;
                }
            }
            if (pc + i.slots() > b + 1) {
                return null;
            }
            pc += i.slots();
        }
        // jumps from outside into (h, b] (clang's rotated loops are entered in the middle):
        // instruction starts only; each gets an entry of its own
        BitSet midEntries = new BitSet();
        for (int pc = body.nextSetBit(0); pc >= 0; pc = body.nextSetBit(pc + 1)) {
            if (pc >= h && pc <= b) {
                continue;
            }
            Insn i = an.valid(pc);
            if (i != null && isBranch(i)) {
                int t = CodeAnalysis.jumpTarget(i, pc);
                if (t > h && t <= b) {
                    if (!starts.get(t)) {
                        return null;
                    }
                    midEntries.set(t);
                }
            }
        }
        // forward pass: affine values and longest path
        int len = b - h + 1;
        Lin[][] state = new Lin[len][];
        int[] dist = new int[len];
        Lin[] start = new Lin[11];
        for (int r = 0; r < 11; r++) {
            start[r] = Lin.reg(r);
        }
        state[0] = start;
        dist[0] = 1;
        Lin[] atLatch = null;
        int maxPath = 0;
        for (int pc = h; pc <= b; pc += an.valid(pc).slots()) {
            Lin[] in = state[pc - h];
            if (in == null) {
                continue;
            }
            Insn i = an.valid(pc);
            Lin[] after = transfer(in, i);
            int d = dist[pc - h];
            if (pc == b || backEdges.get(pc)) {
                // the registers the next iteration starts with: equal on every back-edge, or unknown
                maxPath = Math.max(maxPath, d);
                if (atLatch == null) {
                    atLatch = after.clone();
                } else {
                    for (int r = 0; r < 11; r++) {
                        if (atLatch[r] != null && !atLatch[r].equals(after[r])) {
                            atLatch[r] = null;
                        }
                    }
                }
                if (pc == b) {
                    break;
                }
            }
            if (CodeAnalysis.fallsThrough(i)) {
                merge(state, dist, pc + i.slots() - h, after, d + 1);
            }
            if (isBranch(i)) {
                int t = CodeAnalysis.jumpTarget(i, pc);
                if (t > pc && t <= b) {
                    merge(state, dist, t - h, after, d + 1);
                }
            }
        }
        if (atLatch == null) {
            return null;
        }
        Change[] change = new Change[11];
        long[] constStep = new long[11];
        int[] regStep = new int[11];
        Arrays.fill(regStep, -1);
        for (int r = 0; r < 11; r++) {
            Lin v = atLatch[r];
            change[r] = Change.VARYING;
            if (v == null) {
                continue;
            }
            if (v.isReg(r, 0)) {
                change[r] = Change.INVARIANT;
            } else if (v.coef[r] == 1 && v.isReg(r, v.c)) {
                change[r] = Change.STEP_CONST;
                constStep[r] = v.c;
            }
        }
        for (int r = 0; r < 11; r++) {
            Lin v = atLatch[r];
            if (change[r] != Change.VARYING || v == null || v.c != 0 || v.coef[r] != 1) {
                continue;
            }
            for (int q = 0; q < 11; q++) {
                if (q != r && v.coef[q] == 1 && change[q] == Change.INVARIANT && v.plus(Lin.reg(q), -1).isReg(r, 0)) {
                    change[r] = Change.STEP_REG;
                    regStep[r] = q;
                }
            }
        }
        // a register that ends every iteration equal to an induction register (clang's
        // "r2 = r5" after "r5 += 8") starts every iteration after a back-edge equal to it, and
        // the fast copy is only entered at a back-edge: it moves by the same step
        for (int r = 0; r < 11; r++) {
            if (change[r] != Change.VARYING || atLatch[r] == null) {
                continue;
            }
            for (int q = 0; q < 11; q++) {
                if (q != r && (change[q] == Change.STEP_CONST || change[q] == Change.STEP_REG)
                        && atLatch[r].equals(atLatch[q])) {
                    change[r] = change[q];
                    constStep[r] = constStep[q];
                    regStep[r] = regStep[q];
                    break;
                }
            }
        }
        Map<Integer, Site> sites = new LinkedHashMap<>();
        for (int pc = h; pc <= b; pc += an.valid(pc).slots()) {
            Lin[] in = state[pc - h];
            Insn i = an.valid(pc);
            int base = memoryBase(i);
            if (in == null || base < 0 || in[base] == null) {
                continue;
            }
            int size = sizeBytes(size(i.opcode()));
            if (stackSlots && base == 10 && i.off() >= -dev.bpfvm.vm.exec.ExecContext.FRAME_SIZE && i.off() + size <= 0) {
                continue;
            }
            Lin addr = in[base].plus(i.off());
            Lin stride = stride(addr, change, constStep, regStep);
            if (stride != null) {
                sites.put(pc, new Site(pc, size, cls(i.opcode()) != LDX, addr, stride.c, stride.coef));
            }
        }
        Loop loop = new Loop(h, b, maxPath, change, constStep, regStep, sites);
        loop.midEntries = midEntries.stream().toArray();
        loop.backEdges = backEdges.stream().toArray();
        loop.calls = calls.stream().toArray();
        Insn first = an.valid(h);
        Insn last = an.valid(b);
        if (h != b && isCondJump(first.opcode()) && !loop.contains(CodeAnalysis.jumpTarget(first, h))) {
            loop.test = test(h, first, state[0], true, change, constStep, regStep);
        }
        if (loop.test == null && isCondJump(last.opcode()) && backEdges.isEmpty()) {
            loop.test = test(b, last, state[b - h], false, change, constStep, regStep);
        }
        return loop;
    }

    /** {@code v}'s change per iteration, {@code c + Σ coef[r]·R[r]}, or null if not affine in the iteration. */
    private static Lin stride(Lin v, Change[] change, long[] constStep, int[] regStep) {
        long sc = 0;
        long[] sr = new long[11];
        for (int r = 0; r < 11; r++) {
            long k = v.coef[r];
            if (k == 0) {
                continue;
            }
            switch (change[r]) {
                case INVARIANT: break;
                case STEP_CONST: sc += k * constStep[r]; break;
                case STEP_REG: sr[regStep[r]] += k; break;
                default: return null;
            }
        }
        return new Lin(sc, sr);
    }

    /**
     * The loop's own test, if it can be counted on entry: a 64-bit compare of a register that
     * moves by a positive stride against a bound that does not move, at the header (an exit) or
     * the latch (the jump back).
     */
    private static Test test(int pc, Insn i, Lin[] in, boolean exits, Change[] change, long[] constStep, int[] regStep) {
        if (cls(i.opcode()) != JMP || in == null || in[i.dst()] == null) {
            return null;
        }
        Lin value = in[i.dst()];
        Lin bound = source(i.opcode()) == X ? in[i.src()] : Lin.constant(i.imm());
        if (bound == null) {
            return null;
        }
        Lin vs = stride(value, change, constStep, regStep);
        Lin bs = stride(bound, change, constStep, regStep);
        if (vs == null || bs == null || !bs.isZero() || vs.isZero() || vs.isConstant() && vs.c < 0) {
            return null;
        }
        int op = op(i.opcode());
        int rel;   // the relation under which the loop goes on
        if (exits) {
            switch (op) {
                case JGE: rel = JLT; break;
                case JGT: rel = JLE; break;
                case JSGE: rel = JSLT; break;
                case JSGT: rel = JSLE; break;
                case JEQ: rel = JNE; break;
                default: return null;
            }
        } else {
            switch (op) {
                case JLT: rel = JLT; break;
                case JLE: rel = JLE; break;
                case JSLT: rel = JSLT; break;
                case JSLE: rel = JSLE; break;
                case JNE: rel = JNE; break;
                default: return null;
            }
        }
        return new Test(pc, rel, value, vs, bound);
    }

    /**
     * A loop test counted on entry: the loop goes on while {@code value rel bound}, where
     * {@code value} moves by {@code stride} per iteration; its fast copy omits the test.
     */
    record Test(int pc, int rel, Lin value, Lin stride, Lin bound) {}

    private static void merge(Lin[][] state, int[] dist, int at, Lin[] v, int d) {
        dist[at] = Math.max(dist[at], d);
        Lin[] s = state[at];
        if (s == null) {
            state[at] = v.clone();
            return;
        }
        for (int r = 0; r < 11; r++) {
            if (s[r] != null && !s[r].equals(v[r])) {
                s[r] = null;
            }
        }
    }

    /** The base register of a plain load or store, or -1. */
    static int memoryBase(Insn i) {
        int mode = mode(i.opcode());
        switch (i.cls()) {
            case LDX:
                return mode == MEM || mode == MEMSX ? i.src() : -1;
            case ST:
            case STX:
                return mode == MEM ? i.dst() : -1;
            default:
                return -1;
        }
    }

    /** The registers after {@code i}, as affine values (null = unknown). */
    private static Lin[] transfer(Lin[] in, Insn i) {
        int op = i.opcode();
        int cls = cls(op);
        Lin[] out = in.clone();
        int dst = i.dst();
        if (cls == ALU64) {
            Lin d = in[dst];
            Lin s = source(op) == X ? in[i.src()] : Lin.constant(i.imm());
            Lin v = null;
            switch (op(op)) {
                case MOV:
                    v = source(op) == K || i.off() == 0 ? s : null;
                    break;
                case ADD:
                    v = d != null && s != null ? d.plus(s, 1) : null;
                    break;
                case SUB:
                    v = d != null && s != null ? d.plus(s, -1) : null;
                    break;
                case MUL:
                    v = d != null && source(op) == K ? d.times(i.imm()) : null;
                    break;
                case LSH:
                    v = d != null && source(op) == K ? d.times(1L << (i.imm() & 63)) : null;
                    break;
                case NEG:
                    v = d != null ? d.times(-1) : null;
                    break;
                default:
                    v = null;
                    break;
            }
            out[dst] = v;
        } else if (cls == ALU || cls == LDX) {
            out[dst] = null;
        } else if (op == CALL_IMM) {
            for (int r = 0; r <= 5; r++) {
                out[r] = null;   // r0 the result; r1-r5 as the kernel has it (clobbered)
            }
        } else if (i.isLddw()) {
            out[dst] = Lin.constant(i.imm64());
        }
        return out;
    }
}
