package dev.bpfvm.vm.jit;

/**
 * Unwinds compiled frames when a legacy packet load (LD_ABS/LD_IND) is out of range, which ends
 * the whole program with r0 = 0; caught where the run (or callback) entered compiled code.
 */
final class LegacyExit extends RuntimeException {
    private static final long serialVersionUID = 1L;

    static final LegacyExit INSTANCE = new LegacyExit();

    private LegacyExit() {
        super("legacy packet load out of range", null, false, false);
    }
}
