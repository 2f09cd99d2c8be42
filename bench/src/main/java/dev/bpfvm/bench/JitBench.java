package dev.bpfvm.bench;

import org.openjdk.jmh.annotations.Param;

/**
 * Interpreter, JIT and plain Java side by side on the compute-bound assembler programs of
 * {@link BenchPrograms} ({@link ObjectBench} does the same for the clang-compiled ones).
 */
public class JitBench extends TierBench {
    @Param({"sieve", "adler32", "copy", "strcmp", "switch"})
    public String program;

    @Override
    BenchCase benchCase() {
        return BenchPrograms.byName(program);
    }
}
