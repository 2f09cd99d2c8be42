package dev.bpfvm.bench;

import dev.bpfvm.vm.exec.Tier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * One benchmarked program: its memory, its plain-Java baseline and the program itself in a
 * tier. Implemented by the assembler programs ({@link BenchPrograms.AsmProgram}) and the
 * clang-compiled ones ({@link BenchObjects.BenchObject}).
 */
public interface BenchCase {
    /** The short name, a JMH parameter value. */
    String name();

    /** A fresh copy of the memory the program runs on. */
    Supplier<byte[]> input();

    /** A fresh instance of the Java baseline (it may keep state across runs, as a map does). */
    Supplier<ToLongFunction<byte[]>> baseline();

    /** The program on a fresh copy of its input, interpreted or compiled. */
    BenchVm vm(Tier tier);

    /** One run in {@code tier}: {@code interpreter}, {@code jit} or {@code java} (the baseline). */
    default LongSupplier runner(String tier) {
        switch (tier) {
            case "interpreter":
                return vm(Tier.INTERPRETER)::run;
            case "jit":
                return vm(Tier.JIT)::run;
            case "java":
                ToLongFunction<byte[]> java = baseline().get();
                byte[] mem = input().get();
                return () -> java.applyAsLong(mem);
            default:
                throw new IllegalArgumentException("tier must be interpreter, jit or java: " + tier);
        }
    }
}
