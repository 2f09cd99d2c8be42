package dev.bpfvm.bench;

import dev.bpfvm.helpers.StandardHelpers;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.HelperRegistry;
import java.util.List;
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

    /** One program with its own runtime, memory and context, as {@code bpfvm run} sets them up. */
    public static final class Vm {
        final ExecContext ctx;
        final Program program;
        final long r1;
        final long r2;

        Vm(String name, List<Insn> insns, byte[] memory) {
            BpfRuntime rt = new BpfRuntime(StandardHelpers.register(new HelperRegistry()));
            Region mem = rt.memory().register(Region.of(Region.Kind.MEMORY, "mem", memory).build());
            this.ctx = rt.newContext(0);
            this.program = new Program(name, insns);
            this.r1 = mem.address();
            this.r2 = mem.length();
        }

        long run() {
            return ctx.run(program, r1, r2, 0, 0, 0);
        }
    }

    @State(Scope.Thread)
    public static class Programs {
        Vm sieve;
        Vm adler32;
        Vm copy;
        byte[] sieveMem;
        byte[] adlerMem;
        byte[] copyMem;

        @Setup
        public void setUp() {
            sieve = new Vm("sieve", BenchPrograms.SIEVE, new byte[BenchPrograms.SIEVE_SIZE]);
            adler32 = new Vm("adler32", BenchPrograms.ADLER32, BenchPrograms.checksumInput());
            copy = new Vm("copy", BenchPrograms.COPY, BenchPrograms.copyInput());
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
