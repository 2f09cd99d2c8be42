package dev.bpfvm.bench;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.testprogs.TestObjects;
import dev.bpfvm.verifier.KernelTypes;
import dev.bpfvm.verifier.ObjectPrograms;
import dev.bpfvm.verifier.ProgramTypes;
import dev.bpfvm.verifier.Verifier;
import dev.bpfvm.verifier.VerifierInput;
import dev.bpfvm.verifier.VerifierOptions;
import dev.bpfvm.verifier.VerifierResult;
import dev.bpfvm.vm.asm.Assembler;
import dev.bpfvm.vm.btf.KernelBtf;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.object.Linker;
import dev.bpfvm.vm.object.ObjectSpec;
import dev.bpfvm.vm.object.ProgramSpec;
import dev.bpfvm.vm.object.SymbolResolver;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
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
 * Verification time: one op is one {@code Verifier.verify}, at log level 0 (as a loader without a
 * log buffer asks: libbpf and bpftool load so unless told to log) and at log level 1, on the
 * largest program of the committed testprogs objects by processed instructions ({@link #LARGEST_OBJECT}:{@link #LARGEST_PROGRAM}) and on a bounded counting
 * loop of {@link #LOOP_ITERATIONS} iterations, which the verifier walks iteration by iteration
 * as Linux does. The target is to stay within 10x of Linux's verifier.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 8, time = 1)   // fewer leave the scores still falling
@Measurement(iterations = 5, time = 1)
public class VerifierBench {
    /** The testprogs object holding the largest program by processed instructions. */
    public static final String LARGEST_OBJECT = "calls.gline.o";
    /** That program's name (221 processed instructions, as many as calls.nog.o's). */
    public static final String LARGEST_PROGRAM = "calls_main";

    public static final int LOOP_ITERATIONS = 20_000;

    /**
     * A counting loop the verifier cannot summarize: r1 counts to {@link #LOOP_ITERATIONS}, the
     * sum goes through the stack each iteration, so every iteration is a new state at the loop
     * head (8 instructions an iteration: 160,005 processed in all).
     */
    public static final String LOOP_SOURCE = """
                mov r0, 0
                mov r1, 0
                stxdw [r10-8], r0
            loop:
                mov r2, r1
                and r2, 7
                ldxdw r0, [r10-8]
                add r0, r2
                stxdw [r10-8], r0
                xor r2, r1
                add r1, 1
                jlt r1, %d, loop
                mov r0, 0
                exit
            """.formatted(LOOP_ITERATIONS);

    private static final EmulatedKernel KERNEL = new EmulatedKernel();

    /** The input for {@code object}'s {@code program}, linked with addresses nobody dereferences. */
    static VerifierInput objectInput(String objectName, String programName, int logLevel) {
        ObjectSpec object = TestObjects.load(objectName);
        Linker linker = new Linker(object, fakeAddresses(object), KernelBtf.get());
        ProgramSpec prog = object.programs().stream().filter(p -> p.name().equals(programName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no program " + programName + " in " + objectName));
        return ObjectPrograms.input(object, linker.link(prog), KERNEL.runtime().helpers(), KERNEL.runtime().kfuncs(),
                VerifierOptions.defaults().withLogLevel(logLevel), KernelTypes.emulated());
    }

    /** The bounded loop as a socket filter. */
    static VerifierInput loopInput(int logLevel) {
        Program p = new Program("loop", Assembler.assemble(LOOP_SOURCE));
        return VerifierInput.builder(p, ProgramTypes.SOCKET_FILTER)
                .options(VerifierOptions.defaults().withLogLevel(logLevel)).build();
    }

    /** Map and symbol addresses as the testprogs verification test gives them: never read. */
    static SymbolResolver fakeAddresses(ObjectSpec object) {
        return new SymbolResolver() {
            @Override
            public long mapAddress(String map) {
                return (long) (object.maps().indexOf(object.map(map)) + 1) << 32;
            }

            @Override
            public long mapValueAddress(String map) {
                return mapAddress(map) + 0x1000;
            }

            @Override
            public OptionalLong ksymAddress(String name) {
                return name.equals("bpf_prog_active") ? OptionalLong.of(0xffff_8000_0000_0000L) : OptionalLong.empty();
            }

            @Override
            public OptionalInt kfuncBtfId(String name) {
                int id = KernelBtf.funcId(name);
                return id > 0 ? OptionalInt.of(id) : OptionalInt.empty();
            }
        };
    }

    @State(Scope.Benchmark)
    public static class Inputs {
        /**
         * The verifier log level: 0 (no log but the stats line) or 1 (every instruction and state
         * printed, and rolled back when its path ends well, as Linux does).
         */
        @Param({"0", "1"})
        public int logLevel;
        VerifierInput largest;
        VerifierInput loop;

        @Setup
        public void setUp() {
            largest = objectInput(LARGEST_OBJECT, LARGEST_PROGRAM, logLevel);
            loop = loopInput(logLevel);
        }
    }

    @Benchmark
    public VerifierResult largestTestprog(Inputs in) {
        return Verifier.verify(in.largest);
    }

    @Benchmark
    public VerifierResult boundedLoop20k(Inputs in) {
        return Verifier.verify(in.loop);
    }
}
