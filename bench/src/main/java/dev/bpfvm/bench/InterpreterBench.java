package dev.bpfvm.bench;

import dev.bpfvm.vm.exec.Tier;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The interpreter on compute-bound programs, each next to the same algorithm in plain Java.
 * One operation is one whole run of the program.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class InterpreterBench {

    @State(Scope.Thread)
    public static class Programs {
        BenchVm sieve;
        BenchVm adler32;
        BenchVm copy;
        byte[] sieveMem;
        byte[] adlerMem;
        byte[] copyMem;

        @Setup
        public void setUp() {
            sieve = new BenchVm("sieve", BenchPrograms.SIEVE, new byte[BenchPrograms.SIEVE_SIZE], Tier.INTERPRETER);
            adler32 = new BenchVm("adler32", BenchPrograms.ADLER32, BenchPrograms.checksumInput(), Tier.INTERPRETER);
            copy = new BenchVm("copy", BenchPrograms.COPY, BenchPrograms.copyInput(), Tier.INTERPRETER);
            sieveMem = new byte[BenchPrograms.SIEVE_SIZE];
            adlerMem = BenchPrograms.checksumInput();
            copyMem = BenchPrograms.copyInput();
        }
    }

    @Benchmark
    public long sieveInterpreter(Programs p) {
        return p.sieve.run();
    }

    @Benchmark
    public long sieveJava(Programs p) {
        return BenchPrograms.sieve(p.sieveMem);
    }

    @Benchmark
    public long adler32Interpreter(Programs p) {
        return p.adler32.run();
    }

    @Benchmark
    public long adler32Java(Programs p) {
        return BenchPrograms.adler32(p.adlerMem);
    }

    @Benchmark
    public long copyInterpreter(Programs p) {
        return p.copy.run();
    }

    @Benchmark
    public long copyJava(Programs p) {
        return BenchPrograms.copy(p.copyMem);
    }
}
