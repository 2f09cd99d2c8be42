package dev.bpfvm.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;

/**
 * Interpreter, JIT and plain Java side by side on the clang-compiled programs of
 * {@link BenchObjects}: one run is one call of the object's function on its memory.
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ObjectBench extends TierBench {
    @Param({"primes", "log2", "memcpy", "strcmp", "switch", "parser", "maplookup"})
    public String program;

    @Override
    BenchCase benchCase() {
        return BenchObjects.byName(program);
    }
}
