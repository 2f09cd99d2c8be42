package dev.bpfvm.verifier;

import java.util.ArrayList;
import java.util.List;

/** The state of one call frame: registers and stack ({@code struct bpf_func_state}). */
final class FuncState {
    static final int MAIN_CALLSITE = -1;

    final RegState[] regs = new RegState[11];
    /** Slot i covers stack bytes [-(i+1)*8, -i*8). */
    final List<StackSlot> stack = new ArrayList<>();
    int callsite = MAIN_CALLSITE;
    int frameno;
    int subprogno;
    boolean inCallbackFn;
    boolean inAsyncCallbackFn;
    /** Allowed return range of a callback, inclusive. */
    int callbackRetMin;
    int callbackRetMax;
    /** Times a callback-calling helper in this frame has been unrolled. */
    int callbackDepth;

    FuncState() {
        for (int i = 0; i < regs.length; i++) {
            regs[i] = new RegState();
        }
    }

    FuncState copy() {
        FuncState f = new FuncState();
        for (int i = 0; i < regs.length; i++) {
            f.regs[i].copyFrom(regs[i]);
        }
        for (StackSlot s : stack) {
            f.stack.add(s.copy());
        }
        f.callsite = callsite;
        f.frameno = frameno;
        f.subprogno = subprogno;
        f.inCallbackFn = inCallbackFn;
        f.inAsyncCallbackFn = inAsyncCallbackFn;
        f.callbackRetMin = callbackRetMin;
        f.callbackRetMax = callbackRetMax;
        f.callbackDepth = callbackDepth;
        return f;
    }

    /** Allocated stack in bytes. */
    int allocatedStack() {
        return stack.size() * 8;
    }

    /** Grows the stack to at least {@code bytes} (rounded to 8). */
    void growStack(int bytes) {
        int slots = (bytes + 7) / 8;
        while (stack.size() < slots) {
            stack.add(new StackSlot());
        }
    }
}
