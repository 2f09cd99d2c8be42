package dev.bpfvm.verifier;

import java.util.ArrayList;
import java.util.List;

/**
 * A whole verifier state: the call frames, the current frame, held references and locks, and
 * its place in the exploration tree ({@code struct bpf_verifier_state}).
 */
final class VerifierState {
    static final int MAX_CALL_FRAMES = 8;

    /** An acquired reference: a ringbuf record, a kfunc-acquired object, a socket. */
    record Ref(int id, int insnIdx, int callbackFrame) {}

    final FuncState[] frames = new FuncState[MAX_CALL_FRAMES];
    int curframe;
    final List<Ref> refs = new ArrayList<>();
    /** The map (or other object) whose bpf_spin_lock is held, null if none. */
    Object activeLockPtr;
    int activeLockId;
    boolean activeRcuLock;
    boolean speculative;
    /** The checkpoint this state descends from (explored state), or null. */
    VerifierState parent;
    /** Unfinished paths below this state (for checkpoints). */
    int branches = 1;
    /** Instruction of a checkpoint. */
    int insnIdx;
    int callbackUnrollDepth;
    /** may_goto branches taken (fall-through) on this path. */
    int mayGotoDepth;
    /** The checkpoint heading the innermost loop this state is part of (get_loop_entry), or null. */
    VerifierState loopEntry;
    boolean usedAsLoopEntry;
    int dfsDepth;
    /** First instruction of this state's segment of the path (since its parent checkpoint). */
    int firstInsnIdx;
    /** For a checkpoint: the last instruction of the segment that led to it. */
    int lastInsnIdx = -1;
    /** Non-sequential steps and stack accesses of the segment, for precision backtracking. */
    java.util.ArrayList<Precision.Hist> history = new java.util.ArrayList<>();

    VerifierState copy() {
        VerifierState s = new VerifierState();
        for (int i = 0; i <= curframe; i++) {
            s.frames[i] = frames[i].copy();
        }
        s.curframe = curframe;
        s.refs.addAll(refs);
        s.activeLockPtr = activeLockPtr;
        s.activeLockId = activeLockId;
        s.activeRcuLock = activeRcuLock;
        s.speculative = speculative;
        s.parent = parent;
        s.branches = branches;
        s.insnIdx = insnIdx;
        s.callbackUnrollDepth = callbackUnrollDepth;
        s.mayGotoDepth = mayGotoDepth;
        s.loopEntry = loopEntry;
        s.dfsDepth = dfsDepth;
        s.firstInsnIdx = firstInsnIdx;
        s.lastInsnIdx = lastInsnIdx;
        s.history = new java.util.ArrayList<>(history);
        return s;
    }

    FuncState cur() {
        return frames[curframe];
    }

    RegState[] regs() {
        return frames[curframe].regs;
    }

    /** Every register and spilled register of every frame (bpf_for_each_reg_in_vstate). */
    void forEachReg(java.util.function.Consumer<RegState> action) {
        for (int f = 0; f <= curframe; f++) {
            FuncState fs = frames[f];
            for (RegState r : fs.regs) {
                action.accept(r);
            }
            for (StackSlot s : fs.stack) {
                if (s.isSpill()) {
                    action.accept(s.spilled);
                }
            }
        }
    }
}
