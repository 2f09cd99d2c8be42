package dev.bpfvm.verifier;

/**
 * How to verify: log verbosity, privileges, alignment, and program attributes that come from
 * the load request ({@code BPF_PROG_LOAD} flags and attributes).
 *
 * @param logLevel        0 (errors only), 1 (the failing path) or 2 (every instruction)
 * @param unprivileged    no CAP_BPF / CAP_PERFMON: pointer leaks, uninitialized stack reads,
 *                        variable stack offsets, bpf-to-bpf calls and back-edges are refused
 * @param strictAlignment {@code BPF_F_STRICT_ALIGNMENT}
 * @param anyAlignment    {@code BPF_F_ANY_ALIGNMENT} (wins over strict)
 * @param sleepable       {@code BPF_F_SLEEPABLE}: the program may call sleepable helpers
 * @param gplCompatible   the program's license is GPL-compatible
 * @param printer         how instructions are printed in the log
 */
public record VerifierOptions(int logLevel, boolean unprivileged, boolean strictAlignment, boolean anyAlignment,
        boolean sleepable, boolean gplCompatible, InsnPrinter printer) {

    public VerifierOptions {
        if (logLevel < 0 || logLevel > 2) {
            throw new IllegalArgumentException("log level must be 0, 1 or 2: " + logLevel);
        }
        if (printer == null) {
            printer = InsnPrinter.kernel();
        }
    }

    /** Privileged, log level 1, GPL, default alignment. */
    public static VerifierOptions defaults() {
        return new VerifierOptions(1, false, false, false, false, true, InsnPrinter.kernel());
    }

    public VerifierOptions withLogLevel(int level) {
        return new VerifierOptions(level, unprivileged, strictAlignment, anyAlignment, sleepable, gplCompatible, printer);
    }

    public VerifierOptions withUnprivileged(boolean u) {
        return new VerifierOptions(logLevel, u, strictAlignment, anyAlignment, sleepable, gplCompatible, printer);
    }

    public VerifierOptions withStrictAlignment(boolean s) {
        return new VerifierOptions(logLevel, unprivileged, s, anyAlignment, sleepable, gplCompatible, printer);
    }

    public VerifierOptions withAnyAlignment(boolean a) {
        return new VerifierOptions(logLevel, unprivileged, strictAlignment, a, sleepable, gplCompatible, printer);
    }

    public VerifierOptions withSleepable(boolean s) {
        return new VerifierOptions(logLevel, unprivileged, strictAlignment, anyAlignment, s, gplCompatible, printer);
    }

    public VerifierOptions withGplCompatible(boolean g) {
        return new VerifierOptions(logLevel, unprivileged, strictAlignment, anyAlignment, sleepable, g, printer);
    }

    public VerifierOptions withPrinter(InsnPrinter p) {
        return new VerifierOptions(logLevel, unprivileged, strictAlignment, anyAlignment, sleepable, gplCompatible, p);
    }
}
