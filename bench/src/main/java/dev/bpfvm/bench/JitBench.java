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
 * Interpreter, JIT and plain Java side by side on the compute-bound programs of
 * {@link BenchPrograms}. One operation is one whole run of the program.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class JitBench {

    /** Each program in both tiers, and the baselines' inputs. */
    @State(Scope.Thread)
    public static class Programs {
        BenchVm sieveInterp;
        BenchVm sieveJit;
        BenchVm adlerInterp;
        BenchVm adlerJit;
        BenchVm copyInterp;
        BenchVm copyJit;
        BenchVm strcmpInterp;
        BenchVm strcmpJit;
        BenchVm switchInterp;
        BenchVm switchJit;
        byte[] sieveMem;
        byte[] adlerMem;
        byte[] copyMem;
        byte[] strcmpMem;
        byte[] switchMem;

        @Setup
        public void setUp() {
            sieveInterp = new BenchVm("sieve", BenchPrograms.SIEVE, new byte[BenchPrograms.SIEVE_SIZE], Tier.INTERPRETER);
            sieveJit = new BenchVm("sieve", BenchPrograms.SIEVE, new byte[BenchPrograms.SIEVE_SIZE], Tier.JIT);
            adlerInterp = new BenchVm("adler32", BenchPrograms.ADLER32, BenchPrograms.checksumInput(), Tier.INTERPRETER);
            adlerJit = new BenchVm("adler32", BenchPrograms.ADLER32, BenchPrograms.checksumInput(), Tier.JIT);
            copyInterp = new BenchVm("copy", BenchPrograms.COPY, BenchPrograms.copyInput(), Tier.INTERPRETER);
            copyJit = new BenchVm("copy", BenchPrograms.COPY, BenchPrograms.copyInput(), Tier.JIT);
            strcmpInterp = new BenchVm("strcmp", BenchPrograms.STRCMP, BenchPrograms.strcmpInput(), Tier.INTERPRETER);
            strcmpJit = new BenchVm("strcmp", BenchPrograms.STRCMP, BenchPrograms.strcmpInput(), Tier.JIT);
            switchInterp = new BenchVm("switch", BenchPrograms.SWITCH, BenchPrograms.switchInput(), Tier.INTERPRETER);
            switchJit = new BenchVm("switch", BenchPrograms.SWITCH, BenchPrograms.switchInput(), Tier.JIT);
            sieveMem = new byte[BenchPrograms.SIEVE_SIZE];
            adlerMem = BenchPrograms.checksumInput();
            copyMem = BenchPrograms.copyInput();
            strcmpMem = BenchPrograms.strcmpInput();
            switchMem = BenchPrograms.switchInput();
        }
    }

    @Benchmark
    public long sieveInterpreter(Programs p) {
        return p.sieveInterp.run();
    }

    @Benchmark
    public long sieveJit(Programs p) {
        return p.sieveJit.run();
    }

    @Benchmark
    public long sieveJava(Programs p) {
        return BenchPrograms.sieve(p.sieveMem);
    }

    @Benchmark
    public long adler32Interpreter(Programs p) {
        return p.adlerInterp.run();
    }

    @Benchmark
    public long adler32Jit(Programs p) {
        return p.adlerJit.run();
    }

    @Benchmark
    public long adler32Java(Programs p) {
        return BenchPrograms.adler32(p.adlerMem);
    }

    @Benchmark
    public long copyInterpreter(Programs p) {
        return p.copyInterp.run();
    }

    @Benchmark
    public long copyJit(Programs p) {
        return p.copyJit.run();
    }

    @Benchmark
    public long copyJava(Programs p) {
        return BenchPrograms.copy(p.copyMem);
    }

    @Benchmark
    public long strcmpInterpreter(Programs p) {
        return p.strcmpInterp.run();
    }

    @Benchmark
    public long strcmpJit(Programs p) {
        return p.strcmpJit.run();
    }

    @Benchmark
    public long strcmpJava(Programs p) {
        return BenchPrograms.strcmp(p.strcmpMem);
    }

    @Benchmark
    public long switchInterpreter(Programs p) {
        return p.switchInterp.run();
    }

    @Benchmark
    public long switchJit(Programs p) {
        return p.switchJit.run();
    }

    @Benchmark
    public long switchJava(Programs p) {
        return BenchPrograms.dispatch(p.switchMem);
    }
}
