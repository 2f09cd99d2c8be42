package dev.bpfvm.bench;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A program interpreted, compiled or as plain Java ({@code tier}); the subclasses say which
 * programs ({@link JitBench}, {@link ObjectBench}). One operation is one whole run of the
 * program on its memory, as {@code bpfvm run} does it; each (program, tier) pair runs in its
 * own fork, so the call site below only ever sees one target.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public abstract class TierBench {
    @Param({"interpreter", "jit", "java"})
    public String tier;

    private LongSupplier run;

    /** The program the {@code program} parameter names. */
    abstract BenchCase benchCase();

    @Setup
    public void setUp() {
        run = benchCase().runner(tier);
    }

    @Benchmark
    public long run() {
        return run.getAsLong();
    }
}
