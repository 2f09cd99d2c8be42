package dev.bpfvm.vm.jit;

import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.KfuncRegistry;

/**
 * What compiled code of one {@link ExecContext} needs at hand, kept in the context's tier slot:
 * the context, its address space and registries, and the registers a returning frame hands back
 * (a BPF callee leaves r1-r5 as it had them, and an unverified caller may read them).
 */
final class JitState {
    final ExecContext ctx;
    final AddressSpace mem;
    final HelperRegistry helpers;
    final KfuncRegistry kfuncs;
    /** The context's stack bytes, and the array index of the stack region's offset 0. */
    final byte[] stack;
    final int stackBase;
    /** r10 of frame 0; frame k has {@code stackTop - k * FRAME_SIZE} (the stack region never moves). */
    final long stackTop;

    /** r1-r5 of the frame that just returned. */
    long out1;
    long out2;
    long out3;
    long out4;
    long out5;
    /** Set by {@link JitRuntime#callx} when the helper it called made a tail call that already ran. */
    boolean tailDone;
    /** The window a missed access left ({@link MemoryAccess#loadMiss}, {@link MemoryAccess#storeMiss}). */
    MemoryAccess.Window window = MemoryAccess.Window.EMPTY;
    /**
     * Whole-region windows by region index, kept across runs so that a run's first access
     * through a register does not build one again: valid while their region is still the one
     * registered at that index ({@link MemoryAccess}).
     */
    MemoryAccess.Window[] regionWindows = new MemoryAccess.Window[16];

    private JitState(ExecContext ctx) {
        this.ctx = ctx;
        this.mem = ctx.memory();
        this.helpers = ctx.runtime().helpers();
        this.kfuncs = ctx.runtime().kfuncs();
        this.stack = ctx.stackRegion().data();
        this.stackBase = ctx.stackRegion().base();
        this.stackTop = ctx.framePointer(0);
    }

    static JitState of(ExecContext ctx) {
        Object o = ctx.tierState();
        if (o instanceof JitState) {
            return (JitState) o;
        }
        JitState s = new JitState(ctx);
        ctx.tierState(s);
        return s;
    }
}
