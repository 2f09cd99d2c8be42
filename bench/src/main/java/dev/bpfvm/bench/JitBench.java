package dev.bpfvm.bench;

import dev.bpfvm.helpers.StandardHelpers;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.Tier;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.jit.JitCompiler;
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
 * Interpreter, JIT and plain Java side by side on the compute-bound programs of
 * {@link BenchPrograms}. One operation is one whole run of the program.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class JitBench {

    /** One program with its own runtime, memory and context, interpreted or compiled. */
    public static final class Vm {
        final ExecContext ctx;
        final Program program;
        final long r1;
        final long r2;

        public Vm(String name, List<Insn> insns, byte[] memory, Tier tier) {
            BpfRuntime rt = new BpfRuntime(StandardHelpers.register(new HelperRegistry()));
            Region mem = rt.memory().register(Region.of(Region.Kind.MEMORY, "mem", memory).build());
            this.ctx = rt.newContext(0);
            this.program = new Program(name, insns);
            if (tier == Tier.JIT) {
                program.installCompiledCode(JitCompiler.compile(program));
            }
            this.r1 = mem.address();
            this.r2 = mem.length();
        }

        public long run() {
            return ctx.run(program, r1, r2, 0, 0, 0);
        }
    }

    /** Each program in both tiers, and the baselines' inputs. */
    @State(Scope.Thread)
    public static class Programs {
        Vm sieveInterp;
        Vm sieveJit;
        Vm adlerInterp;
        Vm adlerJit;
        Vm copyInterp;
        Vm copyJit;
        Vm strcmpInterp;
        Vm strcmpJit;
        Vm switchInterp;
        Vm switchJit;
        byte[] sieveMem;
        byte[] adlerMem;
        byte[] copyMem;
        byte[] strcmpMem;
        byte[] switchMem;

        @Setup
        public void setUp() {
            sieveInterp = new Vm("sieve", BenchPrograms.SIEVE, new byte[BenchPrograms.SIEVE_SIZE], Tier.INTERPRETER);
            sieveJit = new Vm("sieve", BenchPrograms.SIEVE, new byte[BenchPrograms.SIEVE_SIZE], Tier.JIT);
            adlerInterp = new Vm("adler32", BenchPrograms.ADLER32, BenchPrograms.checksumInput(), Tier.INTERPRETER);
            adlerJit = new Vm("adler32", BenchPrograms.ADLER32, BenchPrograms.checksumInput(), Tier.JIT);
            copyInterp = new Vm("copy", BenchPrograms.COPY, BenchPrograms.copyInput(), Tier.INTERPRETER);
            copyJit = new Vm("copy", BenchPrograms.COPY, BenchPrograms.copyInput(), Tier.JIT);
            strcmpInterp = new Vm("strcmp", BenchPrograms.STRCMP, BenchPrograms.strcmpInput(), Tier.INTERPRETER);
            strcmpJit = new Vm("strcmp", BenchPrograms.STRCMP, BenchPrograms.strcmpInput(), Tier.JIT);
            switchInterp = new Vm("switch", BenchPrograms.SWITCH, BenchPrograms.switchInput(), Tier.INTERPRETER);
            switchJit = new Vm("switch", BenchPrograms.SWITCH, BenchPrograms.switchInput(), Tier.JIT);
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
