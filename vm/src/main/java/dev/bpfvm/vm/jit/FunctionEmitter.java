package dev.bpfvm.vm.jit;

import static org.objectweb.asm.Opcodes.*;

import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.jit.RuntimeRefs.Ref;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Type;

/**
 * Emits one JVM method for a set of BPF slots: a whole function
 * ({@code static long f<pc>(JitState, int depth, long r0..r9)}) or, for a function too large for
 * one method, a piece of it (see {@link Shape#CHUNK}).
 *
 * <p>Registers are {@code long} locals. The executed count is a local too, brought up to date
 * ("flushed") before anything that can observe it: a fault, a call, a jump, a join point; so a
 * straight run of instructions costs one add. Faults of called code (memory, helpers) are caught
 * by one exception handler per site, which stores the count and names the slot, exactly like
 * the interpreter's catch and finally.
 */
final class FunctionEmitter {
    /** What kind of method is being emitted. */
    enum Shape {
        /** A whole function: registers come as parameters, the method returns r0. */
        FUNCTION,
        /**
         * A piece of a split function: {@code static int c<pc>_<k>(JitState, int depth, long[] regs,
         * int entry)}; registers and the executed count come from and go back to {@code regs}
         * (r0-r9, then the count in slot 10); returns the next slot to run, or -1 after the
         * function's exit (r0 in regs[0], r1-r5 in the state), or -2 after a tail call ran.
         */
        CHUNK
    }

    static final String FUNC_DESC = "(L" + RuntimeRefs.JIT_STATE + ";IJJJJJJJJJJ)J";
    static final String CHUNK_DESC = "(L" + RuntimeRefs.JIT_STATE + ";I[JI)I";
    static final int CHUNK_EXIT = -1;
    static final int CHUNK_TAIL_DONE = -2;

    final MethodVisitor mv;
    private final String owner;
    private final CodeAnalysis an;
    private final Shape shape;
    private final BitSet body;
    private final BitSet entries;
    private final BitSet flushBefore;
    private final Label[] labels;
    private final EmitOptions options;

    // local variable slots
    private static final int S = 0;
    private static final int DEPTH = 1;
    private static final int REGS_ARRAY = 2;   // CHUNK only
    private static final int ENTRY = 3;        // CHUNK only
    private final int regBase;
    private final int executed;
    private final int budget;
    private final int ctx;
    private final int mem;
    private final int stack;
    private final int fpIndex;
    private final int tmp;
    private int nextLocal;

    /** Per base register: the local slot of its memory window cache, or 0. */
    private final int[] windowSlot = new int[11];
    /** The address space's removal count the windows were filled under (0: no windows). */
    private int windowRemovals;

    private int pending;
    /** The generated class's constants ({@code K<i>} fields), shared by its methods; set before {@link #emit}. */
    List<Object> constants;
    /** Jump targets and entries of the body: where a basic block starts. */
    private final BitSet joins;
    /** An object local holding a {@link LookupSite.Learned} during an inlined lookup, or 0. */
    private int learnedLocal;
    /** Whether exits leave r1-r5 in the state for a local caller (not in the run's entry variant). */
    boolean storeOuts = true;
    /** Versioned loops of this method, by header and by latch slot. */
    private final LoopAnalysis.Loop[] loopAtHeader;
    private final LoopAnalysis.Loop[] loopAtLatch;
    /** Versioned loops by the slot of each jump back to their header (the latch's too). */
    private final LoopAnalysis.Loop[] loopAtBackEdge;
    /** Class constant index of the {@link LookupSite} of each inlined lookup slot. */
    private final java.util.Map<Integer, Integer> lookupSites = new java.util.HashMap<>();
    /** Per inlined lookup slot in a versioned loop: the local holding its site's fast-copy {@link LookupSite.Learned}. */
    private final java.util.Map<Integer, Integer> fastLearned = new java.util.HashMap<>();
    private final List<LoopAnalysis.Loop> loops;
    private final java.util.Map<Integer, LoopAnalysis.Loop> loopAtMidEntry = new java.util.HashMap<>();
    /** The loop whose fast copy is being emitted, or null. */
    private LoopAnalysis.Loop fast;
    /** A long local for the dispatch of loops. */
    private int tripsLocal;
    /** The shared exit of a chunk to another slot (registers saved, next slot returned), if used. */
    private Label leave;
    /** Bytecode offset of each emitted slot, and the method's code size, once emitted. */
    final int[] offsets;
    /** Label every slot, so that {@link #offsets} is complete (for sizing pieces). */
    boolean measuring;
    int codeSize;
    private final List<int[]> handlers = new ArrayList<>();
    private final List<Label> handlerLabels = new ArrayList<>();

    FunctionEmitter(MethodVisitor mv, String owner, CodeAnalysis an, Shape shape, BitSet body, BitSet entries,
                    EmitOptions options) {
        this.mv = mv;
        this.owner = owner;
        this.an = an;
        this.shape = shape;
        this.body = body;
        this.entries = entries;
        this.options = options;
        this.labels = new Label[an.slots];
        this.offsets = new int[an.slots];
        for (int pc = body.nextSetBit(0); pc >= 0; pc = body.nextSetBit(pc + 1)) {
            labels[pc] = new Label();
        }
        this.flushBefore = an.jumpTargets(body);
        flushBefore.or(entries);
        this.joins = (BitSet) flushBefore.clone();
        this.regBase = shape == Shape.FUNCTION ? 2 : 4;
        this.executed = regBase + 22;
        this.budget = executed + 2;
        this.ctx = budget + 2;
        this.mem = ctx + 1;
        this.stack = mem + 1;
        this.fpIndex = stack + 1;
        this.tmp = fpIndex + 1;
        this.nextLocal = tmp + 2;
        this.loopAtHeader = new LoopAnalysis.Loop[an.slots];
        this.loopAtLatch = new LoopAnalysis.Loop[an.slots];
        this.loopAtBackEdge = new LoopAnalysis.Loop[an.slots];
        this.loops = options.memoryWindows() && options.loops()
                ? LoopAnalysis.find(an, body, entries, options.stackSlots(), this::inlinedLookupKey) : List.of();
        for (LoopAnalysis.Loop l : loops) {
            loopAtHeader[l.header] = l;
            loopAtLatch[l.latch] = l;
            loopAtBackEdge[l.latch] = l;
            for (int e : l.backEdges) {
                loopAtBackEdge[e] = l;
            }
            for (int c : l.calls) {
                flushBefore.set(c);   // the fast copy leaves for the general one here, count exact
            }
            l.entry = new Label();
            l.dispatch = new Label();
            l.midEntryLabels = new Label[l.midEntries.length];
            for (int k = 0; k < l.midEntries.length; k++) {
                l.midEntryLabels[k] = new Label();
                loopAtMidEntry.put(l.midEntries[k], l);
            }
            l.fast = new Label[l.latch - l.header + 1];
            for (int k = 0; k < l.fast.length; k++) {
                l.fast[k] = new Label();
            }
            // the latch falls through out of the loop from both copies: its next slot is a join
            if (l.latch + 1 < an.slots) {
                flushBefore.set(l.latch + 1);
            }
        }
    }

    /**
     * Slow iterations (back-edges) a loop runs after each entry before its dispatch: loops of a
     * few iterations (a packet's headers) do not pay for computing N.
     */
    static final int DISPATCH_AFTER = 3;

    /** How many loops this method versions. */
    int loopCount() {
        return loops.size();
    }

    private int slot(int reg) {
        return regBase + 2 * reg;
    }

    // ---------------- small emit helpers ----------------

    void ld(int reg) {
        mv.visitVarInsn(LLOAD, slot(reg));
    }

    void st(int reg) {
        mv.visitVarInsn(LSTORE, slot(reg));
    }

    void lconst(long v) {
        if (v == 0) {
            mv.visitInsn(LCONST_0);
        } else if (v == 1) {
            mv.visitInsn(LCONST_1);
        } else {
            mv.visitLdcInsn(v);
        }
    }

    void iconst(int v) {
        if (v >= -1 && v <= 5) {
            mv.visitInsn(ICONST_0 + v);
        } else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
            mv.visitIntInsn(BIPUSH, v);
        } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            mv.visitIntInsn(SIPUSH, v);
        } else {
            mv.visitLdcInsn(v);
        }
    }

    void invoke(Ref r) {
        r.emit(mv);
    }

    /** Zero-extends the int on the stack into a long. */
    void zextInt() {
        mv.visitInsn(I2L);
        mv.visitLdcInsn(0xffffffffL);
        mv.visitInsn(LAND);
    }

    private void prog() {
        mv.visitFieldInsn(GETSTATIC, owner, "PROG", "L" + RuntimeRefs.PROGRAM + ";");
    }

    // ---------------- method structure ----------------

    /** Emits the method body for every slot of the body. */
    void emit() {
        mv.visitCode();
        prologue();
        int prev = -1;
        for (int pc = body.nextSetBit(0); pc >= 0; pc = body.nextSetBit(pc + 1)) {
            LoopAnalysis.Loop l = loopAtLatch[pc];
            emitSlot(pc, l != null ? -2 : body.nextSetBit(pc + 1));
            if (l != null) {
                emitFastLoop(l);
            }
            prev = pc;
        }
        if (leave != null) {
            mv.visitLabel(leave);
            saveRegisters();
            mv.visitVarInsn(ILOAD, ENTRY);
            mv.visitInsn(IRETURN);
        }
        for (int k = 0; k < handlers.size(); k++) {
            mv.visitLabel(handlerLabels.get(k));
            // stack: [Throwable]
            iconst(handlers.get(k)[0]);
            prog();
            mv.visitVarInsn(ALOAD, S);
            mv.visitVarInsn(LLOAD, executed);
            if (handlers.get(k)[1] != 0) {
                lconst(handlers.get(k)[1]);
                mv.visitInsn(LADD);
            }
            invoke(RuntimeRefs.FAULT);
            mv.visitInsn(ATHROW);
        }
        if (prev < 0) {
            throw new IllegalStateException("empty method body");
        }
        Label end = new Label();
        mv.visitLabel(end);
        codeSize = end.getOffset();
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    private void prologue() {
        mv.visitVarInsn(ALOAD, S);
        mv.visitFieldInsn(GETFIELD, RuntimeRefs.JIT_STATE, "ctx", Type.getDescriptor(ExecContext.class));
        mv.visitVarInsn(ASTORE, ctx);
        if (shape == Shape.CHUNK) {
            for (int r = 0; r < 10; r++) {
                mv.visitVarInsn(ALOAD, REGS_ARRAY);
                iconst(r);
                mv.visitInsn(LALOAD);
                st(r);
            }
            mv.visitVarInsn(ALOAD, REGS_ARRAY);
            iconst(10);
            mv.visitInsn(LALOAD);
            mv.visitVarInsn(LSTORE, executed);
        } else {
            mv.visitVarInsn(ALOAD, ctx);
            invoke(RuntimeRefs.GET_EXECUTED);
            mv.visitVarInsn(LSTORE, executed);
        }
        // r10 = stackTop - depth * FRAME_SIZE, as ExecContext.framePointer(depth)
        mv.visitVarInsn(ALOAD, S);
        mv.visitFieldInsn(GETFIELD, RuntimeRefs.JIT_STATE, "stackTop", "J");
        mv.visitVarInsn(ILOAD, DEPTH);
        iconst(ExecContext.FRAME_SIZE);
        mv.visitInsn(IMUL);
        mv.visitInsn(I2L);
        mv.visitInsn(LSUB);
        st(10);
        mv.visitVarInsn(ALOAD, ctx);
        invoke(RuntimeRefs.RUN_BUDGET);
        mv.visitVarInsn(LSTORE, budget);
        mv.visitVarInsn(ALOAD, S);
        mv.visitFieldInsn(GETFIELD, RuntimeRefs.JIT_STATE, "mem", "L" + Type.getInternalName(dev.bpfvm.vm.mem.AddressSpace.class) + ";");
        mv.visitVarInsn(ASTORE, mem);
        mv.visitVarInsn(ALOAD, S);
        mv.visitFieldInsn(GETFIELD, RuntimeRefs.JIT_STATE, "stack", "[B");
        mv.visitVarInsn(ASTORE, stack);
        // index of r10's byte in the stack array: stackBase + (MAX_FRAMES - depth) * FRAME_SIZE
        mv.visitVarInsn(ALOAD, S);
        mv.visitFieldInsn(GETFIELD, RuntimeRefs.JIT_STATE, "stackBase", "I");
        iconst(ExecContext.MAX_FRAMES);
        mv.visitVarInsn(ILOAD, DEPTH);
        mv.visitInsn(ISUB);
        iconst(ExecContext.FRAME_SIZE);
        mv.visitInsn(IMUL);
        mv.visitInsn(IADD);
        mv.visitVarInsn(ISTORE, fpIndex);
        mv.visitInsn(LCONST_0);
        mv.visitVarInsn(LSTORE, tmp);
        allocateLoops();
        if (options.memoryWindows()) {
            allocateWindows();
        }
        if (shape == Shape.CHUNK) {
            // jump to the entry slot the caller asked for
            int n = entries.cardinality();
            int[] keys = new int[n];
            Label[] targets = new Label[n];
            int k = 0;
            for (int pc = entries.nextSetBit(0); pc >= 0; pc = entries.nextSetBit(pc + 1)) {
                keys[k] = pc;
                targets[k++] = jumpLabel(-1, pc);
            }
            Label bad = new Label();
            mv.visitVarInsn(ILOAD, ENTRY);
            mv.visitLookupSwitchInsn(bad, keys, targets);
            mv.visitLabel(bad);
            mv.visitTypeInsn(NEW, "java/lang/IllegalStateException");
            mv.visitInsn(DUP);
            mv.visitMethodInsn(INVOKESPECIAL, "java/lang/IllegalStateException", "<init>", "()V", false);
            mv.visitInsn(ATHROW);
        } else {
            int entry = entries.nextSetBit(0);
            if (entry != body.nextSetBit(0)) {
                mv.visitJumpInsn(GOTO, jumpLabel(-1, entry));
            }
        }
    }

    private void emitSlot(int pc, int nextEmitted) {
        Label l = fast != null ? fast.fast[pc - fast.header] : labels[pc];
        if (flushBefore.get(pc)) {
            flush();
        }
        LoopAnalysis.Loop header = loopAtHeader[pc];
        if (fast == null && header != null) {
            // entering the loop from outside: its fast copy may be tried again
            mv.visitLabel(header.entry);
            iconst(DISPATCH_AFTER);
            mv.visitVarInsn(ISTORE, header.tried);
        }
        Insn i = an.valid(pc);
        EmitterTable.Emitter e = i == null ? null : EmitterTable.get(i.opcode());
        // a label (and line number) where control can arrive or an exception can leave; every
        // label is a basic block to ASM's frame computation, so not one per slot
        if (measuring || flushBefore.get(pc) || e == null || e.kind() != EmitterTable.Kind.PURE) {
            mv.visitLabel(l);
            mv.visitLineNumber(pc, l);
            if (fast == null) {
                offsets[pc] = l.getOffset();
            }
        }
        pending++;
        if (i == null) {
            flush();
            throwInvalid(pc);
            return;
        }
        if (e.kind() == EmitterTable.Kind.EFFECT && !(i.isLddw() && i.src() != dev.bpfvm.vm.isa.Opcodes.PSEUDO_FUNC)) {
            flush();
        }
        if (fast != null && fast.test != null && fast.test.pc() == pc) {
            // counted on entry: the header's exit is not taken, the latch's jump back is
            if (pc == fast.latch) {
                flush();
                fastBackEdge(fast);
                return;
            }
        } else {
            e.emit(this, i, pc);
        }
        if (CodeAnalysis.fallsThrough(i)) {
            int next = pc + i.slots();
            if (next != nextEmitted) {
                flush();
                if (next < an.slots) {
                    flushBefore.set(next);
                }
                goTo(pc, next);
            }
        }
    }

    /** Brings the executed count up to date. */
    void flush() {
        addPending();
        pending = 0;
    }

    // ---------------- faults ----------------

    private void faultArgs(int pc) {
        mv.visitVarInsn(ALOAD, S);
        mv.visitVarInsn(LLOAD, executed);
        iconst(pc);
        prog();
    }

    void throwInvalid(int pc) {
        faultArgs(pc);
        invoke(RuntimeRefs.INVALID);
        mv.visitInsn(ATHROW);
    }

    void throwOutOfRange(int pc, int target) {
        faultArgs(pc);
        iconst(target);
        invoke(RuntimeRefs.OUT_OF_RANGE);
        mv.visitInsn(ATHROW);
    }

    void throwBudget(int pc) {
        faultArgs(pc);
        invoke(RuntimeRefs.BUDGET);
        mv.visitInsn(ATHROW);
    }

    /** The interpreter's check at calls: executed > budget faults. */
    void budgetCheck(int pc) {
        Label ok = new Label();
        mv.visitVarInsn(LLOAD, executed);
        mv.visitVarInsn(LLOAD, budget);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFLE, ok);
        throwBudget(pc);
        mv.visitLabel(ok);
    }

    /** Starts a call site whose callee may throw; returns the label ending it. */
    private Label tryStart(int pc) {
        Label start = new Label();
        Label end = new Label();
        Label handler = new Label();
        mv.visitTryCatchBlock(start, end, handler, null);
        handlers.add(new int[] {pc, pending});   // the count at a fault: executed + pending
        handlerLabels.add(handler);
        mv.visitLabel(start);
        return end;
    }

    private void tryEnd(Label end) {
        mv.visitLabel(end);
    }

    // ---------------- control flow ----------------

    /** Emits the compare of a conditional jump, branching to the label when (not) taken. */
    interface Branch {
        void emit(Label to, boolean whenFalse);
    }

    /**
     * A conditional jump. The count is not flushed before it: the taken edge adds what is
     * pending (this jump included), the fall-through keeps it pending.
     */
    void condJump(int pc, int target, Branch branch) {
        Label notTaken = new Label();
        branch.emit(notTaken, true);
        addPending();
        taken(pc, target);
        mv.visitLabel(notTaken);
    }

    /** executed += pending, on this path only (pending stays for the other). */
    private void addPending() {
        if (pending > 0) {
            mv.visitVarInsn(LLOAD, executed);
            lconst(pending);
            mv.visitInsn(LADD);
            mv.visitVarInsn(LSTORE, executed);
        }
    }

    /** A taken jump: the budget check of a back-edge, then the target (or its fault). */
    void taken(int pc, int target) {
        if (target <= pc) {
            LoopAnalysis.Loop l = loopAtBackEdge[pc];
            if (l != null && l.header == target) {
                if (fast == l) {
                    fastBackEdge(l);
                } else {
                    slowBackEdge(pc, l);
                }
                return;
            }
            if (target >= 0 && body.get(target)) {
                // budget check and loop edge in one: within budget goes straight to the target
                mv.visitVarInsn(LLOAD, executed);
                mv.visitVarInsn(LLOAD, budget);
                mv.visitInsn(LCMP);
                mv.visitJumpInsn(IFLE, jumpLabel(pc, target));
                throwBudget(pc);
                return;
            }
            budgetCheck(pc);
        }
        goTo(pc, target);
    }

    /** Continues at {@code target} (count already flushed): a jump, a fault, or leaving a chunk. */
    void goTo(int pc, int target) {
        if (target < 0 || target >= an.slots) {
            throwOutOfRange(pc, target);
        } else if (body.get(target)) {
            mv.visitJumpInsn(GOTO, jumpLabel(pc, target));
        } else {
            leaveChunk(target);
        }
    }

    private void leaveChunk(int target) {
        if (shape != Shape.CHUNK) {
            throw new IllegalStateException("jump to " + target + " outside a whole function");
        }
        if (leave == null) {
            leave = new Label();
        }
        iconst(target);
        mv.visitVarInsn(ISTORE, ENTRY);   // the entry parameter is free once inside: reuse it
        mv.visitJumpInsn(GOTO, leave);
    }

    private void saveRegisters() {
        for (int r = 0; r < 10; r++) {
            mv.visitVarInsn(ALOAD, REGS_ARRAY);
            iconst(r);
            ld(r);
            mv.visitInsn(LASTORE);
        }
        mv.visitVarInsn(ALOAD, REGS_ARRAY);
        iconst(10);
        mv.visitVarInsn(LLOAD, executed);
        mv.visitInsn(LASTORE);
    }

    void exit() {
        mv.visitVarInsn(ALOAD, ctx);
        mv.visitVarInsn(LLOAD, executed);
        invoke(RuntimeRefs.SET_EXECUTED);
        for (int r = 1; r <= 5 && storeOuts; r++) {
            mv.visitVarInsn(ALOAD, S);
            ld(r);
            mv.visitFieldInsn(PUTFIELD, RuntimeRefs.JIT_STATE, "out" + r, "J");
        }
        if (shape == Shape.FUNCTION) {
            ld(0);
            mv.visitInsn(LRETURN);
        } else {
            mv.visitVarInsn(ALOAD, REGS_ARRAY);
            iconst(0);
            ld(0);
            mv.visitInsn(LASTORE);
            iconst(CHUNK_EXIT);
            mv.visitInsn(IRETURN);
        }
    }

    /** After a call returned normally: the callee's count and r1-r5, fresh memory windows. */
    private void afterCall(boolean reloadArgs) {
        mv.visitVarInsn(ALOAD, ctx);
        invoke(RuntimeRefs.GET_EXECUTED);
        mv.visitVarInsn(LSTORE, executed);
        if (reloadArgs) {
            for (int r = 1; r <= 5; r++) {
                mv.visitVarInsn(ALOAD, S);
                mv.visitFieldInsn(GETFIELD, RuntimeRefs.JIT_STATE, "out" + r, "J");
                st(r);
            }
        }
        invalidateAfterCall();
    }

    private void storeExecuted() {
        mv.visitVarInsn(ALOAD, ctx);
        mv.visitVarInsn(LLOAD, executed);
        invoke(RuntimeRefs.SET_EXECUTED);
    }

    private void pushAllRegisters() {
        for (int r = 0; r < 10; r++) {
            ld(r);
        }
    }

    /** The frame already finished in a tail call: return its r0 (on the stack, a long). */
    private void returnAfterTailCall() {
        if (shape == Shape.FUNCTION) {
            mv.visitInsn(LRETURN);
        } else {
            st(0);
            mv.visitVarInsn(ALOAD, REGS_ARRAY);
            iconst(0);
            ld(0);
            mv.visitInsn(LASTORE);
            iconst(CHUNK_TAIL_DONE);
            mv.visitInsn(IRETURN);
        }
    }

    void localCall(int pc, int target) {
        budgetCheck(pc);
        Label ok = new Label();
        mv.visitVarInsn(ILOAD, DEPTH);
        iconst(1);
        mv.visitInsn(IADD);
        iconst(ExecContext.MAX_FRAMES);
        mv.visitJumpInsn(IF_ICMPLT, ok);
        faultArgs(pc);
        invoke(RuntimeRefs.TOO_DEEP);
        mv.visitInsn(ATHROW);
        mv.visitLabel(ok);
        if (target < 0 || target >= an.slots) {
            throwOutOfRange(pc, target);
            return;
        }
        storeExecuted();
        mv.visitVarInsn(ALOAD, S);
        mv.visitVarInsn(ILOAD, DEPTH);
        iconst(1);
        mv.visitInsn(IADD);
        pushAllRegisters();
        mv.visitMethodInsn(INVOKESTATIC, owner, JitCompiler.functionName(target), FUNC_DESC, false);
        st(0);
        afterCall(true);
    }

    /** Whether the call at {@code pc} is a {@code bpf_map_lookup_elem} this emitter inlines. */
    private boolean inlinedLookupKey(int pc) {
        return inlinedLookupKey(pc, an.valid(pc)) != null;
    }

    /** The key's stack offset of an inlined {@code bpf_map_lookup_elem} at {@code pc}, or null. */
    private Integer inlinedLookupKey(int pc, Insn i) {
        if (i == null || i.opcode() != dev.bpfvm.vm.isa.Opcodes.CALL_IMM || i.src() != 0
                || i.imm() != LookupSite.BPF_FUNC_map_lookup_elem || !options.stackSlots()) {
            return null;
        }
        Integer key = stackOffset(pc, 2);
        return key != null && constantStackSlot(10, key, 4) ? key : null;
    }

    /** The class constant index of the {@link LookupSite} of the inlined lookup at {@code pc}. */
    private int lookupSite(int pc) {
        return lookupSites.computeIfAbsent(pc, x -> {
            constants.add(new LookupSite());
            return constants.size() - 1;
        });
    }

    void helperCall(int pc, long id) {
        Integer key = constants != null ? inlinedLookupKey(pc, an.valid(pc)) : null;
        if (fast != null) {
            fastLookup(pc, key);
            return;
        }
        budgetCheck(pc);
        Label done = null;
        int site = -1;
        if (key != null) {
            site = lookupSite(pc);
            done = new Label();
            inlineLookup(site, key, done);
        }
        Label found = new Label();
        mv.visitVarInsn(ALOAD, S);
        mv.visitFieldInsn(GETFIELD, RuntimeRefs.JIT_STATE, "helpers", "L" + RuntimeRefs.HELPER_BY_ID.owner() + ";");
        lconst(id);
        invoke(RuntimeRefs.HELPER_BY_ID);
        mv.visitInsn(DUP);
        mv.visitJumpInsn(IFNONNULL, found);
        mv.visitInsn(POP);
        faultArgs(pc);
        lconst(id);
        invoke(RuntimeRefs.UNKNOWN_HELPER);
        mv.visitInsn(ATHROW);
        callFound(pc, found, RuntimeRefs.HELPER_FN);
        Label noTail = new Label();
        mv.visitVarInsn(ALOAD, ctx);
        invoke(RuntimeRefs.TAKE_TAIL_CALL);
        mv.visitInsn(DUP);
        mv.visitJumpInsn(IFNULL, noTail);
        mv.visitVarInsn(ALOAD, S);
        iconst(pc);
        prog();
        mv.visitVarInsn(ILOAD, DEPTH);
        pushAllRegisters();
        invoke(RuntimeRefs.TAIL_CALL);
        returnAfterTailCall();
        mv.visitLabel(noTail);
        mv.visitInsn(POP);
        if (done != null) {
            siteConstant(site);
            mv.visitVarInsn(ALOAD, S);
            ld(1);
            invoke(RuntimeRefs.LEARN_LOOKUP);
            mv.visitLabel(done);
        }
    }

    /**
     * An inlined lookup in a versioned loop's fast copy, with its site's
     * {@link LookupSite.Learned} checked on entry (see {@link #emitFastLoop}): if r1 is its map,
     * r0 = the map's {@code indexAddress} of the key; else the fast copy leaves for the general
     * copy at this slot, whose label expects the count without the call (flushed before it: see
     * the constructor). No budget check: the fast copy's N iterations cannot exceed it.
     */
    private void fastLookup(int pc, Integer key) {
        Label deopt = new Label();
        Integer learned = fastLearned.get(pc);
        if (key != null && learned != null) {
            sameMap(learned, deopt);
            pushIndexLookup(learned, key);
            invoke(RuntimeRefs.INDEX_ADDRESS);
            st(0);
            Label done = new Label();
            mv.visitJumpInsn(GOTO, done);
            mv.visitLabel(deopt);
            leaveFastAt(pc);
            mv.visitLabel(done);
        } else {
            leaveFastAt(pc);
        }
    }

    /** Jumps to {@code other} unless r1 is the map of the {@link LookupSite.Learned} in local {@code learned}. */
    private void sameMap(int learned, Label other) {
        ld(1);
        mv.visitVarInsn(ALOAD, learned);
        mv.visitFieldInsn(GETFIELD, Type.getInternalName(LookupSite.Learned.class), "map", "J");
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFNE, other);
    }

    /** Pushes the arguments of an {@code InlineLookup} call: its lookup, the context, the u32 key at {@code r10 + key}. */
    private void pushIndexLookup(int learned, int key) {
        mv.visitVarInsn(ALOAD, learned);
        mv.visitFieldInsn(GETFIELD, Type.getInternalName(LookupSite.Learned.class), "lookup",
                Type.getDescriptor(dev.bpfvm.vm.spi.InlineLookup.class));
        mv.visitVarInsn(ALOAD, ctx);
        mv.visitVarInsn(ALOAD, stack);
        mv.visitVarInsn(ILOAD, fpIndex);
        iconst(key);
        mv.visitInsn(IADD);
        invoke(RuntimeRefs.LD32);
        mv.visitInsn(L2I);
    }

    /** From the fast copy's call at {@code pc} (count flushed, the call included) to the general copy's. */
    private void leaveFastAt(int pc) {
        mv.visitVarInsn(LLOAD, executed);
        mv.visitInsn(LCONST_1);
        mv.visitInsn(LSUB);
        mv.visitVarInsn(LSTORE, executed);
        mv.visitJumpInsn(GOTO, labels[pc]);
    }

    private void siteConstant(int site) {
        mv.visitFieldInsn(GETSTATIC, owner, JitCompiler.constantName(site), Type.getDescriptor(LookupSite.class));
    }

    /**
     * The inlined {@code bpf_map_lookup_elem} of an array (Linux's {@code map_gen_lookup}): if
     * the site's {@link LookupSite.Learned} matches this call (address space, r1, helper #1),
     * r0 = the map's {@code lookupIndex} of the u32 key at {@code r10 + key} and on to
     * {@code done}; else (or for a closed map) falls through to the helper call. Nothing it
     * skips is observable: the helper would read the same key, return the same address and
     * leave the count, the registers and memory as they are.
     */
    private void inlineLookup(int site, int key, Label done) {
        String learned = Type.getInternalName(LookupSite.Learned.class);
        Label generic = new Label();
        Label closed = new Label();
        if (learnedLocal == 0) {
            learnedLocal = nextLocal++;
        }
        siteConstant(site);
        mv.visitFieldInsn(GETFIELD, Type.getInternalName(LookupSite.class), "learned", "L" + learned + ";");
        mv.visitVarInsn(ASTORE, learnedLocal);
        mv.visitVarInsn(ALOAD, learnedLocal);
        mv.visitFieldInsn(GETFIELD, learned, "mem", Type.getDescriptor(dev.bpfvm.vm.mem.AddressSpace.class));
        mv.visitVarInsn(ALOAD, S);
        mv.visitFieldInsn(GETFIELD, RuntimeRefs.JIT_STATE, "mem", Type.getDescriptor(dev.bpfvm.vm.mem.AddressSpace.class));
        mv.visitJumpInsn(IF_ACMPNE, generic);
        sameMap(learnedLocal, generic);
        mv.visitVarInsn(ALOAD, S);
        mv.visitFieldInsn(GETFIELD, RuntimeRefs.JIT_STATE, "helpers", "L" + RuntimeRefs.HELPER_BY_ID.owner() + ";");
        lconst(LookupSite.BPF_FUNC_map_lookup_elem);
        invoke(RuntimeRefs.HELPER_BY_ID);
        mv.visitVarInsn(ALOAD, learnedLocal);
        mv.visitFieldInsn(GETFIELD, learned, "spec", Type.getDescriptor(dev.bpfvm.vm.spi.HelperSpec.class));
        mv.visitJumpInsn(IF_ACMPNE, generic);
        pushIndexLookup(learnedLocal, key);
        invoke(RuntimeRefs.LOOKUP_INDEX);
        mv.visitInsn(DUP2);
        lconst(dev.bpfvm.vm.spi.InlineLookup.CLOSED);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFEQ, closed);
        st(0);
        mv.visitJumpInsn(GOTO, done);
        mv.visitLabel(closed);
        mv.visitInsn(POP2);
        mv.visitLabel(generic);
    }

    /**
     * The constant {@code r10 + off} that register {@code reg} holds when slot {@code pc} runs,
     * if the instructions of its basic block before it set it so ({@code reg = r10},
     * {@code reg += imm}...); else null.
     */
    private Integer stackOffset(int pc, int reg) {
        int start = pc;
        while (start > 0 && pc - start < 64 && !joins.get(start)) {
            if (body.get(start - 1)) {
                start--;
            } else if (start > 1 && body.get(start - 2) && an.valid(start - 2) != null && an.valid(start - 2).isLddw()) {
                start -= 2;   // the second half of an ld_imm64 is not in the body
            } else {
                break;
            }
        }
        Long off = null;
        for (int q = start; q < pc; ) {
            Insn i = an.valid(q);
            if (i == null) {
                off = null;
                q++;
                continue;
            }
            int op = i.opcode();
            int cls = dev.bpfvm.vm.isa.Opcodes.cls(op);
            if (op == dev.bpfvm.vm.isa.Opcodes.CALL_IMM || op == dev.bpfvm.vm.isa.Opcodes.CALLX) {
                off = null;
            } else if (writes(i, reg)) {
                if (op == (dev.bpfvm.vm.isa.Opcodes.ALU64 | dev.bpfvm.vm.isa.Opcodes.MOV | dev.bpfvm.vm.isa.Opcodes.X)
                        && i.src() == 10 && i.off() == 0) {
                    off = 0L;
                } else if (off != null && op == (dev.bpfvm.vm.isa.Opcodes.ALU64 | dev.bpfvm.vm.isa.Opcodes.ADD | dev.bpfvm.vm.isa.Opcodes.K)) {
                    off += i.imm();
                } else {
                    off = null;
                }
            }
            q += i.slots();
        }
        return off != null && off >= Integer.MIN_VALUE && off <= Integer.MAX_VALUE ? (int) (long) off : null;
    }

    /** Whether {@code i} (not a call) may write register {@code reg}. */
    private static boolean writes(Insn i, int reg) {
        int op = i.opcode();
        switch (dev.bpfvm.vm.isa.Opcodes.cls(op)) {
            case dev.bpfvm.vm.isa.Opcodes.ALU:
            case dev.bpfvm.vm.isa.Opcodes.ALU64:
            case dev.bpfvm.vm.isa.Opcodes.LDX:
                return i.dst() == reg;
            case dev.bpfvm.vm.isa.Opcodes.LD:
                return i.dst() == reg || reg == 0;   // LD_ABS/LD_IND set r0
            case dev.bpfvm.vm.isa.Opcodes.STX:
                return dev.bpfvm.vm.isa.Opcodes.mode(op) == dev.bpfvm.vm.isa.Opcodes.ATOMIC && (i.src() == reg || reg == 0);
            default:
                return false;
        }
    }

    /**
     * The call of a helper or kfunc found by id (its spec on the stack at {@code found}): its
     * function ({@code fn}), the frame depth and executed count stored, r1-r5 passed, r0 set.
     */
    private void callFound(int pc, Label found, Ref fn) {
        mv.visitLabel(found);
        invoke(fn);
        mv.visitVarInsn(ALOAD, ctx);
        mv.visitVarInsn(ILOAD, DEPTH);
        invoke(RuntimeRefs.SET_DEPTH);
        storeExecuted();
        mv.visitVarInsn(ALOAD, ctx);
        for (int r = 1; r <= 5; r++) {
            ld(r);
        }
        Label end = tryStart(pc);
        invoke(RuntimeRefs.CALL_FN);
        tryEnd(end);
        st(0);
        afterCall(false);
    }

    void kfuncCall(int pc, int btfId) {
        budgetCheck(pc);
        Label found = new Label();
        mv.visitVarInsn(ALOAD, S);
        mv.visitFieldInsn(GETFIELD, RuntimeRefs.JIT_STATE, "kfuncs", "L" + RuntimeRefs.KFUNC_BY_ID.owner() + ";");
        iconst(btfId);
        invoke(RuntimeRefs.KFUNC_BY_ID);
        mv.visitInsn(DUP);
        mv.visitJumpInsn(IFNONNULL, found);
        mv.visitInsn(POP);
        faultArgs(pc);
        iconst(btfId);
        invoke(RuntimeRefs.UNKNOWN_KFUNC);
        mv.visitInsn(ATHROW);
        callFound(pc, found, RuntimeRefs.KFUNC_FN);
    }

    void callx(int pc, int reg) {
        budgetCheck(pc);
        storeExecuted();
        mv.visitVarInsn(ALOAD, S);
        mv.visitFieldInsn(GETSTATIC, owner, "SELF", "L" + RuntimeRefs.JIT_CODE + ";");
        ld(reg);
        iconst(pc);
        mv.visitVarInsn(ILOAD, DEPTH);
        pushAllRegisters();
        invoke(RuntimeRefs.CALLX);
        Label normal = new Label();
        mv.visitVarInsn(ALOAD, S);
        mv.visitFieldInsn(GETFIELD, RuntimeRefs.JIT_STATE, "tailDone", "Z");
        mv.visitJumpInsn(IFEQ, normal);
        mv.visitVarInsn(ALOAD, S);
        iconst(0);
        mv.visitFieldInsn(PUTFIELD, RuntimeRefs.JIT_STATE, "tailDone", "Z");
        returnAfterTailCall();
        mv.visitLabel(normal);
        st(0);
        afterCall(true);
    }

    /** LD_ABS / LD_IND into r0. */
    void legacyLoad(int pc, Insn i) {
        storeExecuted();
        mv.visitVarInsn(ALOAD, S);
        ld(6);
        ld(i.src());
        iconst(i.opcode());
        iconst(i.imm());
        Label end = tryStart(pc);
        invoke(RuntimeRefs.LEGACY_LOAD);
        tryEnd(end);
        st(0);
    }

    /** ld_imm64 src=4: the function's address in the program's code region. */
    void functionAddress(int pc, int dst, int target) {
        prog();
        mv.visitVarInsn(ALOAD, ctx);
        invoke(RuntimeRefs.RUNTIME);
        iconst(target);
        Label end = tryStart(pc);
        invoke(RuntimeRefs.FUNCTION_ADDRESS);
        tryEnd(end);
        st(dst);
    }

    // ---------------- memory ----------------

    private void address(int base, int off) {
        ld(base);
        if (off != 0) {
            lconst(off);
            mv.visitInsn(LADD);
        }
    }

    /** Whether {@code [r10 + off, +size)} lies in the stack at any frame depth. */
    private static boolean constantStackSlot(int base, int off, int size) {
        return base == 10 && off >= -ExecContext.FRAME_SIZE && off + size <= 0;
    }

    private static Ref loadRef(int size) {
        switch (size) {
            case 1: return RuntimeRefs.LD8;
            case 2: return RuntimeRefs.LD16;
            case 4: return RuntimeRefs.LD32;
            default: return RuntimeRefs.LD64;
        }
    }

    private static Ref storeRef(int size) {
        switch (size) {
            case 1: return RuntimeRefs.ST8;
            case 2: return RuntimeRefs.ST16;
            case 4: return RuntimeRefs.ST32;
            default: return RuntimeRefs.ST64;
        }
    }

    /** Sign-extends the loaded long on the stack from {@code size} bytes (0 = no). */
    private void signExtend(int size) {
        switch (size) {
            case 1: mv.visitInsn(L2I); mv.visitInsn(I2B); mv.visitInsn(I2L); break;
            case 2: mv.visitInsn(L2I); mv.visitInsn(I2S); mv.visitInsn(I2L); break;
            case 4: mv.visitInsn(L2I); mv.visitInsn(I2L); break;
            default: break;
        }
    }

    /** {@code dst = *(size *)(base + off)}, sign-extended when {@code signed}. */
    void load(int pc, int dst, int base, int off, int size, boolean signed) {
        LoopAnalysis.Site site = fast != null ? fast.sites.get(pc) : null;
        if (site != null) {
            fastIndex(site);
            invoke(loadRef(size));
        } else if (options.stackSlots() && constantStackSlot(base, off, size)) {
            mv.visitVarInsn(ALOAD, stack);
            mv.visitVarInsn(ILOAD, fpIndex);
            iconst(off);
            mv.visitInsn(IADD);
            invoke(loadRef(size));
        } else if (options.memoryWindows()) {
            windowLoad(pc, base, off, size);
        } else {
            mv.visitVarInsn(ALOAD, mem);
            address(base, off);
            iconst(size);
            Label end = tryStart(pc);
            invoke(RuntimeRefs.LOAD);
            tryEnd(end);
        }
        if (signed) {
            signExtend(size);
        }
        st(dst);
    }

    /** Pushes the value to store (a long). */
    interface Value {
        void push();
    }

    /** {@code *(size *)(base + off) = value}. */
    void store(int pc, int base, int off, int size, Value value) {
        LoopAnalysis.Site site = fast != null ? fast.sites.get(pc) : null;
        if (site != null) {
            fastIndex(site);
            value.push();
            invoke(storeRef(size));
        } else if (options.stackSlots() && constantStackSlot(base, off, size)) {
            mv.visitVarInsn(ALOAD, stack);
            mv.visitVarInsn(ILOAD, fpIndex);
            iconst(off);
            mv.visitInsn(IADD);
            value.push();
            invoke(storeRef(size));
        } else if (options.memoryWindows()) {
            windowStore(pc, base, off, size, value);
        } else {
            mv.visitVarInsn(ALOAD, mem);
            address(base, off);
            iconst(size);
            value.push();
            Label end = tryStart(pc);
            invoke(RuntimeRefs.STORE);
            tryEnd(end);
        }
    }

    /** STX | ATOMIC, as the interpreter's {@code atomic}. */
    void atomic(int pc, Insn i, int size) {
        int op = i.imm();
        if (op == dev.bpfvm.vm.isa.Opcodes.ATOMIC_CMPXCHG) {
            mv.visitVarInsn(ALOAD, mem);
            address(i.dst(), i.off());
            iconst(size);
            ld(0);
            ld(i.src());
            Label end = tryStart(pc);
            invoke(RuntimeRefs.CMPXCHG);
            tryEnd(end);
            st(0);
            return;
        }
        mv.visitVarInsn(ALOAD, mem);
        address(i.dst(), i.off());
        iconst(size);
        iconst(op);
        ld(i.src());
        Label end = tryStart(pc);
        invoke(RuntimeRefs.ATOMIC);
        tryEnd(end);
        if ((op & dev.bpfvm.vm.isa.Opcodes.FETCH) != 0) {
            st(i.src());
        } else {
            mv.visitInsn(POP2);
        }
    }

    // ---------------- memory windows (fast path for accesses through registers) ----------------
    // Per base register a cached MemoryAccess.Window: lo (J), readEnd (J), writeEnd (J), data ([B), bias (I).

    private static final int W_LO = 0;
    private static final int W_READ_END = 2;
    private static final int W_WRITE_END = 4;
    private static final int W_DATA = 6;
    private static final int W_BIAS = 7;
    private static final int W_ELEM_MASK = 8;
    private static final int W_ELEM_SIZE = 10;
    private static final int W_SIZE = 12;

    private void allocateWindows() {
        for (int pc = body.nextSetBit(0); pc >= 0; pc = body.nextSetBit(pc + 1)) {
            Insn i = an.valid(pc);
            if (i == null) {
                continue;
            }
            int base = memoryBase(i);
            if (base >= 0 && windowSlot[base] == 0
                    && !(options.stackSlots() && constantStackSlot(base, i.off(), accessSize(i)))) {
                windowSlot[base] = nextLocal;
                nextLocal += W_SIZE;
            }
        }
        for (int r = 0; r < windowSlot.length; r++) {
            int w = windowSlot[r];
            if (w != 0) {
                mv.visitInsn(ACONST_NULL);
                mv.visitVarInsn(ASTORE, w + W_DATA);
                mv.visitInsn(ICONST_0);
                mv.visitVarInsn(ISTORE, w + W_BIAS);
                mv.visitInsn(LCONST_0);
                mv.visitVarInsn(LSTORE, w + W_ELEM_MASK);
                mv.visitInsn(LCONST_0);
                mv.visitVarInsn(LSTORE, w + W_ELEM_SIZE);
                if (windowRemovals == 0) {
                    windowRemovals = nextLocal++;
                }
            }
        }
        invalidateWindows();
        if (windowRemovals != 0) {
            mv.visitVarInsn(ALOAD, mem);
            invoke(RuntimeRefs.REMOVALS);
            mv.visitVarInsn(ISTORE, windowRemovals);
        }
    }

    /** The base register of a plain load or store, or -1. */
    private static int memoryBase(Insn i) {
        int mode = dev.bpfvm.vm.isa.Opcodes.mode(i.opcode());
        switch (i.cls()) {
            case dev.bpfvm.vm.isa.Opcodes.LDX:
                return mode == dev.bpfvm.vm.isa.Opcodes.MEM || mode == dev.bpfvm.vm.isa.Opcodes.MEMSX ? i.src() : -1;
            case dev.bpfvm.vm.isa.Opcodes.ST:
            case dev.bpfvm.vm.isa.Opcodes.STX:
                return mode == dev.bpfvm.vm.isa.Opcodes.MEM ? i.dst() : -1;
            default:
                return -1;
        }
    }

    private static int accessSize(Insn i) {
        return dev.bpfvm.vm.isa.Opcodes.sizeBytes(dev.bpfvm.vm.isa.Opcodes.size(i.opcode()));
    }

    /**
     * After a call: the loops' windows are forgotten; the registers' windows only if a region
     * was removed meanwhile (a region keeps its bytes and permissions while registered).
     */
    private void invalidateAfterCall() {
        invalidateLoopWindows();
        if (windowRemovals == 0) {
            return;
        }
        Label kept = new Label();
        mv.visitVarInsn(ALOAD, mem);
        invoke(RuntimeRefs.REMOVALS);
        mv.visitVarInsn(ILOAD, windowRemovals);
        mv.visitJumpInsn(IF_ICMPEQ, kept);
        invalidateRegisterWindows();
        mv.visitVarInsn(ALOAD, mem);
        invoke(RuntimeRefs.REMOVALS);
        mv.visitVarInsn(ISTORE, windowRemovals);
        mv.visitLabel(kept);
    }

    /** Forgets every window. */
    private void invalidateWindows() {
        invalidateLoopWindows();
        invalidateRegisterWindows();
    }

    private void invalidateLoopWindows() {
        for (LoopAnalysis.Loop l : loops) {
            for (LoopAnalysis.Site site : l.sites.values()) {
                mv.visitInsn(LCONST_1);
                mv.visitVarInsn(LSTORE, site.lo);
                mv.visitInsn(LCONST_0);
                mv.visitVarInsn(LSTORE, site.end);
            }
        }
    }

    private void invalidateRegisterWindows() {
        for (int w : windowSlot) {
            if (w != 0) {
                // lo = 1, ends = 0: no address is at least 1 and at most -size
                mv.visitInsn(LCONST_1);
                mv.visitVarInsn(LSTORE, w + W_LO);
                mv.visitInsn(LCONST_0);
                mv.visitVarInsn(LSTORE, w + W_READ_END);
                mv.visitInsn(LCONST_0);
                mv.visitVarInsn(LSTORE, w + W_WRITE_END);
            }
        }
    }

    /**
     * Falls through if the access of {@code size} bytes at the address in {@code tmp} is
     * covered by the window ({@code lo <= addr <= end - size}), else jumps to {@code miss}.
     */
    private void windowCovered(int w, int endSlot, int size, Label miss) {
        mv.visitVarInsn(LLOAD, tmp);
        mv.visitVarInsn(LLOAD, w + W_LO);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFLT, miss);
        mv.visitVarInsn(LLOAD, tmp);
        mv.visitVarInsn(LLOAD, w + endSlot);
        lconst(size);
        mv.visitInsn(LSUB);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFGT, miss);
        // inside one element: ((addr - lo) & elemMask) <= elemSize - size
        mv.visitVarInsn(LLOAD, tmp);
        mv.visitVarInsn(LLOAD, w + W_LO);
        mv.visitInsn(LSUB);
        mv.visitVarInsn(LLOAD, w + W_ELEM_MASK);
        mv.visitInsn(LAND);
        mv.visitVarInsn(LLOAD, w + W_ELEM_SIZE);
        lconst(size);
        mv.visitInsn(LSUB);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFGT, miss);
    }

    /** Takes the window a missed access left in the state. */
    private void windowTake(int w) {
        mv.visitVarInsn(ALOAD, S);
        mv.visitFieldInsn(GETFIELD, RuntimeRefs.JIT_STATE, "window", Type.getDescriptor(MemoryAccess.Window.class));
        windowFields(w);
    }

    /** Stores the fields of the window on the stack in window {@code w}'s locals. */
    private void windowFields(int w) {
        String win = Type.getInternalName(MemoryAccess.Window.class);
        mv.visitInsn(DUP);
        mv.visitFieldInsn(GETFIELD, win, "lo", "J");
        mv.visitVarInsn(LSTORE, w + W_LO);
        mv.visitInsn(DUP);
        mv.visitFieldInsn(GETFIELD, win, "readEnd", "J");
        mv.visitVarInsn(LSTORE, w + W_READ_END);
        mv.visitInsn(DUP);
        mv.visitFieldInsn(GETFIELD, win, "writeEnd", "J");
        mv.visitVarInsn(LSTORE, w + W_WRITE_END);
        mv.visitInsn(DUP);
        mv.visitFieldInsn(GETFIELD, win, "elemMask", "J");
        mv.visitVarInsn(LSTORE, w + W_ELEM_MASK);
        mv.visitInsn(DUP);
        mv.visitFieldInsn(GETFIELD, win, "elemSize", "J");
        mv.visitVarInsn(LSTORE, w + W_ELEM_SIZE);
        mv.visitInsn(DUP);
        mv.visitFieldInsn(GETFIELD, win, "data", "[B");
        mv.visitVarInsn(ASTORE, w + W_DATA);
        mv.visitFieldInsn(GETFIELD, win, "bias", "I");
        mv.visitVarInsn(ISTORE, w + W_BIAS);
    }

    /** Pushes data and index of a covered access: data[bias + (int) addr]. */
    private void windowIndex(int w) {
        mv.visitVarInsn(ALOAD, w + W_DATA);
        mv.visitVarInsn(LLOAD, tmp);
        mv.visitInsn(L2I);
        mv.visitVarInsn(ILOAD, w + W_BIAS);
        mv.visitInsn(IADD);
    }

    private void windowLoad(int pc, int base, int off, int size) {
        int w = windowSlot[base];
        address(base, off);
        mv.visitVarInsn(LSTORE, tmp);
        Label miss = new Label();
        Label done = new Label();
        windowCovered(w, W_READ_END, size, miss);
        windowIndex(w);
        invoke(loadRef(size));
        mv.visitJumpInsn(GOTO, done);
        // slow: the checked access (faults exactly as the interpreter), then a new window
        mv.visitLabel(miss);
        mv.visitVarInsn(ALOAD, S);
        mv.visitVarInsn(LLOAD, tmp);
        iconst(size);
        Label end = tryStart(pc);
        invoke(RuntimeRefs.LOAD_MISS);
        tryEnd(end);
        windowTake(w);
        mv.visitLabel(done);
    }

    private void windowStore(int pc, int base, int off, int size, Value value) {
        int w = windowSlot[base];
        address(base, off);
        mv.visitVarInsn(LSTORE, tmp);
        Label miss = new Label();
        Label done = new Label();
        windowCovered(w, W_WRITE_END, size, miss);
        windowIndex(w);
        value.push();
        invoke(storeRef(size));
        mv.visitJumpInsn(GOTO, done);
        mv.visitLabel(miss);
        mv.visitVarInsn(ALOAD, S);
        mv.visitVarInsn(LLOAD, tmp);
        iconst(size);
        value.push();
        Label end = tryStart(pc);
        invoke(RuntimeRefs.STORE_MISS);
        tryEnd(end);
        windowTake(w);
        mv.visitLabel(done);
    }

    // ---------------- loop versioning (see LoopAnalysis) ----------------

    /** Where a jump from {@code from} to {@code target} lands (the fast copy, a loop's entry). */
    private Label jumpLabel(int from, int target) {
        if (fast != null && fast.contains(target) && target != fast.header) {
            return fast.fast[target - fast.header];
        }
        LoopAnalysis.Loop l = loopAtHeader[target];
        if (l != null && !l.contains(from)) {
            return l.entry;
        }
        l = loopAtMidEntry.get(target);
        if (l != null && !l.contains(from)) {
            for (int k = 0; k < l.midEntries.length; k++) {
                if (l.midEntries[k] == target) {
                    return l.midEntryLabels[k];
                }
            }
        }
        return labels[target];
    }

    private void allocateLoops() {
        if (loops.isEmpty()) {
            return;
        }
        tripsLocal = nextLocal;
        nextLocal += 2;
        for (LoopAnalysis.Loop l : loops) {
            for (int c : l.calls) {
                if (constants != null && inlinedLookupKey(c, an.valid(c)) != null) {
                    fastLearned.put(c, nextLocal);
                    mv.visitInsn(ACONST_NULL);
                    mv.visitVarInsn(ASTORE, nextLocal++);
                }
            }
            l.tried = nextLocal++;
            l.k = nextLocal++;
            l.n = nextLocal++;
            for (int v : new int[] {l.tried, l.k, l.n}) {
                mv.visitInsn(ICONST_0);
                mv.visitVarInsn(ISTORE, v);
            }
            for (LoopAnalysis.Site site : l.sites.values()) {
                site.lo = nextLocal;
                site.end = nextLocal + 2;
                site.data = nextLocal + 4;
                site.bias = nextLocal + 5;
                site.idx0 = nextLocal + 6;
                site.stride = nextLocal + 7;
                nextLocal += 8;
                mv.visitInsn(LCONST_1);
                mv.visitVarInsn(LSTORE, site.lo);
                mv.visitInsn(LCONST_0);
                mv.visitVarInsn(LSTORE, site.end);
                mv.visitInsn(ACONST_NULL);
                mv.visitVarInsn(ASTORE, site.data);
                for (int v : new int[] {site.bias, site.idx0, site.stride}) {
                    mv.visitInsn(ICONST_0);
                    mv.visitVarInsn(ISTORE, v);
                }
            }
        }
    }

    /**
     * The latch of the general copy: the budget check, then at the {@link #DISPATCH_AFTER}th
     * back-edge since the loop was entered the dispatch to the fast copy, else the header.
     */
    private void slowBackEdge(int pc, LoopAnalysis.Loop l) {
        Label fault = new Label();
        mv.visitVarInsn(LLOAD, executed);
        mv.visitVarInsn(LLOAD, budget);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFGT, fault);
        mv.visitVarInsn(ILOAD, l.tried);
        mv.visitJumpInsn(IFLE, labels[l.header]);
        mv.visitIincInsn(l.tried, -1);
        mv.visitVarInsn(ILOAD, l.tried);
        mv.visitJumpInsn(IFEQ, l.dispatch);
        mv.visitJumpInsn(GOTO, labels[l.header]);
        mv.visitLabel(fault);
        throwBudget(pc);
    }

    /** The latch of the fast copy: the next of its N iterations, else on in the general copy. */
    private void fastBackEdge(LoopAnalysis.Loop l) {
        mv.visitIincInsn(l.k, 1);
        mv.visitVarInsn(ILOAD, l.k);
        mv.visitVarInsn(ILOAD, l.n);
        mv.visitJumpInsn(IF_ICMPLT, l.fast[0]);
        mv.visitJumpInsn(GOTO, labels[l.header]);
    }

    /** Pushes the affine value on the current registers. */
    private void pushLin(LoopAnalysis.Lin v) {
        lconst(v.c);
        for (int r = 0; r < 11; r++) {
            long k = v.coef[r];
            if (k == 0) {
                continue;
            }
            ld(r);
            if (k == 1) {
                mv.visitInsn(LADD);
            } else if (k == -1) {
                mv.visitInsn(LSUB);
            } else {
                lconst(k);
                mv.visitInsn(LMUL);
                mv.visitInsn(LADD);
            }
        }
    }

    private void pushStride(LoopAnalysis.Site site) {
        long[] coef = site.strideRegs.clone();
        pushLin(new LoopAnalysis.Lin(site.strideConst, coef));
    }

    /**
     * The dispatch, with the registers as at the start of an iteration and the count flushed:
     * N = the iterations the budget allows for sure (each at most maxPath instructions), capped
     * by every site's window; N ≥ 1 runs the fast copy N times, else the general copy.
     */
    private void emitFastLoop(LoopAnalysis.Loop l) {
        pending = 0;
        // entries from outside into the middle of the loop: the fast copy may be tried again
        for (int k = 0; k < l.midEntries.length; k++) {
            mv.visitLabel(l.midEntryLabels[k]);
            iconst(DISPATCH_AFTER);
            mv.visitVarInsn(ISTORE, l.tried);
            mv.visitJumpInsn(GOTO, labels[l.midEntries[k]]);
        }
        mv.visitLabel(l.dispatch);
        mv.visitInsn(ICONST_M1);
        mv.visitVarInsn(ISTORE, l.tried);
        // the inlined lookups: each site's learned map, checked once for the whole fast copy
        for (int c : l.calls) {
            Integer learned = fastLearned.get(c);
            if (learned != null) {
                siteConstant(lookupSite(c));
                mv.visitVarInsn(ALOAD, S);
                invoke(RuntimeRefs.FAST_LOOKUP);
                mv.visitInsn(DUP);
                mv.visitVarInsn(ASTORE, learned);
                mv.visitJumpInsn(IFNULL, labels[l.header]);
            }
        }
        mv.visitVarInsn(LLOAD, budget);
        mv.visitVarInsn(LLOAD, executed);
        mv.visitInsn(LSUB);
        lconst(l.maxPath);
        mv.visitInsn(LDIV);
        mv.visitVarInsn(LSTORE, tripsLocal);
        String win = Type.getInternalName(MemoryAccess.Window.class);
        for (LoopAnalysis.Site site : l.sites.values()) {
            pushLin(site.addr);
            mv.visitVarInsn(LSTORE, tmp);
            Label have = new Label();
            Label refill = new Label();
            mv.visitVarInsn(LLOAD, tmp);
            mv.visitVarInsn(LLOAD, site.lo);
            mv.visitInsn(LCMP);
            mv.visitJumpInsn(IFLT, refill);
            mv.visitVarInsn(LLOAD, tmp);
            mv.visitVarInsn(LLOAD, site.end);
            lconst(site.size);
            mv.visitInsn(LSUB);
            mv.visitInsn(LCMP);
            mv.visitJumpInsn(IFLE, have);
            mv.visitLabel(refill);
            mv.visitVarInsn(ALOAD, S);
            mv.visitVarInsn(LLOAD, tmp);
            invoke(RuntimeRefs.WINDOW);
            mv.visitInsn(DUP);
            mv.visitFieldInsn(GETFIELD, win, "lo", "J");
            mv.visitVarInsn(LSTORE, site.lo);
            mv.visitInsn(DUP);
            mv.visitFieldInsn(GETFIELD, win, site.write ? "writeEnd" : "readEnd", "J");
            mv.visitVarInsn(LSTORE, site.end);
            mv.visitInsn(DUP);
            mv.visitFieldInsn(GETFIELD, win, "data", "[B");
            mv.visitVarInsn(ASTORE, site.data);
            mv.visitFieldInsn(GETFIELD, win, "bias", "I");
            mv.visitVarInsn(ISTORE, site.bias);
            mv.visitLabel(have);
            mv.visitVarInsn(LLOAD, tripsLocal);
            mv.visitVarInsn(LLOAD, tmp);
            pushStride(site);
            mv.visitVarInsn(LLOAD, site.lo);
            mv.visitVarInsn(LLOAD, site.end);
            iconst(site.size);
            invoke(RuntimeRefs.LIMIT_TRIPS);
            mv.visitVarInsn(LSTORE, tripsLocal);
            mv.visitVarInsn(ILOAD, site.bias);
            mv.visitVarInsn(LLOAD, tmp);
            mv.visitInsn(L2I);
            mv.visitInsn(IADD);
            mv.visitVarInsn(ISTORE, site.idx0);
            if (!site.constantStride()) {
                pushStride(site);
                mv.visitInsn(L2I);
                mv.visitVarInsn(ISTORE, site.stride);
            }
        }
        if (l.test != null) {
            // the loop's own test: as many iterations as it lets through
            mv.visitVarInsn(LLOAD, tripsLocal);
            iconst(l.test.rel());
            pushLin(l.test.value());
            pushLin(l.test.stride());
            pushLin(l.test.bound());
            invoke(RuntimeRefs.TRIPS_WHILE);
            invoke(RuntimeRefs.MIN_LONG);
            mv.visitVarInsn(LSTORE, tripsLocal);
        }
        mv.visitVarInsn(LLOAD, tripsLocal);
        mv.visitInsn(LCONST_1);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFLT, labels[l.header]);
        mv.visitVarInsn(LLOAD, tripsLocal);
        invoke(RuntimeRefs.CLAMP_TRIPS);
        mv.visitVarInsn(ISTORE, l.n);
        mv.visitInsn(ICONST_0);
        mv.visitVarInsn(ISTORE, l.k);
        fast = l;
        for (int pc = l.header; pc <= l.latch; pc += an.valid(pc).slots()) {
            int next = pc + an.valid(pc).slots();
            emitSlot(pc, pc == l.latch ? -2 : next);
        }
        fast = null;
        pending = 0;
    }

    /** Pushes data and index of a site's access in fast iteration k: data[idx0 + k·stride]. */
    private void fastIndex(LoopAnalysis.Site site) {
        mv.visitVarInsn(ALOAD, site.data);
        mv.visitVarInsn(ILOAD, site.idx0);
        if (site.constantStride()) {
            int stride = (int) site.strideConst;
            if (stride != 0) {
                mv.visitVarInsn(ILOAD, fast.k);
                if (stride != 1) {
                    iconst(stride);
                    mv.visitInsn(IMUL);
                }
                mv.visitInsn(IADD);
            }
        } else {
            mv.visitVarInsn(ILOAD, fast.k);
            mv.visitVarInsn(ILOAD, site.stride);
            mv.visitInsn(IMUL);
            mv.visitInsn(IADD);
        }
    }
}
