package dev.bpfvm.vm.jit;

/**
 * Switches for the compiler's fast paths (all on by default; tests turn them off to check that
 * the plain checked paths agree).
 *
 * @param stackSlots    r10-relative accesses at constant offsets inside a frame go straight to the
 *                      context's stack array (always in bounds, whatever the frame depth)
 * @param memoryWindows other accesses first try the window cached for their base register
 * @param maxMethodBytes a function larger than this is split into several methods
 * @param loops         simple loops get a second, fast copy without budget and window checks
 *                      (see {@link LoopAnalysis}); needs {@code memoryWindows}
 */
public record EmitOptions(boolean stackSlots, boolean memoryWindows, int maxMethodBytes, boolean loops) {
    /** HotSpot does not compile methods above 8000 bytes of bytecode; stay well under. */
    public static final int DEFAULT_MAX_METHOD_BYTES = 7000;

    public static final EmitOptions DEFAULT = new EmitOptions(true, true, DEFAULT_MAX_METHOD_BYTES, true);
    /** Every access through the checked address-space calls. */
    public static final EmitOptions CHECKED_ONLY = new EmitOptions(false, false, DEFAULT_MAX_METHOD_BYTES, false);
    /** Windows and stack slots but no loop versioning. */
    public static final EmitOptions NO_LOOPS = new EmitOptions(true, true, DEFAULT_MAX_METHOD_BYTES, false);

    /** Loop versioning follows {@code memoryWindows}. */
    public EmitOptions(boolean stackSlots, boolean memoryWindows, int maxMethodBytes) {
        this(stackSlots, memoryWindows, maxMethodBytes, memoryWindows);
    }
}
