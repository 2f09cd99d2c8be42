package dev.bpfvm.vm.jit;

/**
 * Switches for the compiler's fast paths (all on by default; tests turn them off to check that
 * the plain checked paths agree).
 *
 * @param stackSlots    r10-relative accesses at constant offsets inside a frame go straight to the
 *                      context's stack array (always in bounds, whatever the frame depth)
 * @param memoryWindows other accesses first try the window cached for their base register
 * @param maxMethodBytes a function larger than this is split into several methods
 */
public record EmitOptions(boolean stackSlots, boolean memoryWindows, int maxMethodBytes) {
    /** HotSpot does not compile methods above 8000 bytes of bytecode; stay well under. */
    public static final int DEFAULT_MAX_METHOD_BYTES = 7000;

    public static final EmitOptions DEFAULT = new EmitOptions(true, true, DEFAULT_MAX_METHOD_BYTES);
    /** Every access through the checked address-space calls. */
    public static final EmitOptions CHECKED_ONLY = new EmitOptions(false, false, DEFAULT_MAX_METHOD_BYTES);
}
