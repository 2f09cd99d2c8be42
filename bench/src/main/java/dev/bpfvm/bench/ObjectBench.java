package dev.bpfvm.bench;

import dev.bpfvm.bench.BenchObjects.BenchObject;
import dev.bpfvm.vm.exec.Tier;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;
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
 * The clang-compiled programs of {@link BenchObjects}, each interpreted, compiled and as plain
 * Java. One operation is one whole run of the program's function on its memory, as
 * {@code bpfvm run} does it. Each (program, tier) pair runs in its own fork, so the call site
 * below only ever sees one target.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class ObjectBench {
    @Param({"primes", "log2", "memcpy", "strcmp", "switch", "parser", "maplookup"})
    public String program;

    @Param({"interpreter", "jit", "java"})
    public String tier;

    private LongSupplier run;

    @Setup
    public void setUp() {
        run = runner(BenchObjects.byName(program), tier);
    }

    /** One run of {@code o} in {@code tier} ({@code interpreter}, {@code jit} or {@code java}). */
    static LongSupplier runner(BenchObject o, String tier) {
        switch (tier) {
            case "interpreter":
                return o.vm(Tier.INTERPRETER)::run;
            case "jit":
                return o.vm(Tier.JIT)::run;
            case "java":
                ToLongFunction<byte[]> java = o.baseline().get();
                byte[] mem = o.input().get();
                return () -> java.applyAsLong(mem);
            default:
                throw new IllegalArgumentException("tier must be interpreter, jit or java: " + tier);
        }
    }

    @Benchmark
    public long run() {
        return run.getAsLong();
    }
}
