package dev.bpfvm.vm.jit;

import java.util.Locale;

/** When programs are compiled: the CLI's {@code --tier interp|jit|auto}. */
public enum TierPolicy {
    /** Never: every program is interpreted. */
    INTERP,
    /** Before the first run, synchronously. */
    JIT,
    /** In the background once a program has run often enough; runs never wait for it. */
    AUTO;

    /** Parses {@code interp}, {@code jit} or {@code auto}. */
    public static TierPolicy parse(String s) {
        for (TierPolicy p : values()) {
            if (p.label().equals(s.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown tier '" + s + "' (expected interp, jit or auto)");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
