package dev.bpfvm.vm.jit;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * How the JIT tiers programs.
 *
 * @param policy           interp, jit or auto
 * @param compileAfterRuns with {@link TierPolicy#AUTO}: interpreted runs before a background compile
 * @param fallback         what a failed compilation does
 * @param warnings         where {@link InterpreterFallback#WARN} reports (libraries never print)
 * @param emit             the compiler's fast-path switches
 */
public record JitOptions(TierPolicy policy, long compileAfterRuns, InterpreterFallback fallback,
                         Consumer<String> warnings, EmitOptions emit) {
    public static final long DEFAULT_COMPILE_AFTER_RUNS = 1000;

    public JitOptions {
        Objects.requireNonNull(policy);
        Objects.requireNonNull(fallback);
        Objects.requireNonNull(warnings);
        Objects.requireNonNull(emit);
        if (compileAfterRuns < 1) {
            throw new IllegalArgumentException("compileAfterRuns must be at least 1: " + compileAfterRuns);
        }
    }

    /** The policy with the defaults: compile after 1000 runs, warn on fallback (to nowhere). */
    public static JitOptions of(TierPolicy policy) {
        return new JitOptions(policy, DEFAULT_COMPILE_AFTER_RUNS, InterpreterFallback.WARN, w -> { }, EmitOptions.DEFAULT);
    }

    public JitOptions compileAfterRuns(long runs) {
        return new JitOptions(policy, runs, fallback, warnings, emit);
    }

    public JitOptions fallback(InterpreterFallback f) {
        return new JitOptions(policy, compileAfterRuns, f, warnings, emit);
    }

    public JitOptions warnings(Consumer<String> sink) {
        return new JitOptions(policy, compileAfterRuns, fallback, sink, emit);
    }

    public JitOptions emit(EmitOptions e) {
        return new JitOptions(policy, compileAfterRuns, fallback, warnings, e);
    }
}
