package dev.bpfvm.bench;

import dev.bpfvm.vm.exec.Tier;
import dev.bpfvm.vm.isa.Insn;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Interpreter, JIT and plain Java on the {@link BenchPrograms}, timed by the thread's CPU time
 * (best of several batches after a warm-up), which a busy shared machine disturbs far less
 * than JMH's wall-clock time. Prints a Markdown table.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.bpfvm.bench.TierComparison</pre>
 */
public final class TierComparison {
    private TierComparison() {}

    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    /** Best CPU nanoseconds per call over {@code batches} batches of {@code runs} calls. */
    static double time(LongSupplier s, int runs, int batches) {
        long sink = 0;
        for (int i = 0; i < runs; i++) {
            sink += s.getAsLong();
        }
        double best = Double.MAX_VALUE;
        for (int b = 0; b < batches; b++) {
            long t0 = CPU.getCurrentThreadCpuTime();
            for (int i = 0; i < runs; i++) {
                sink += s.getAsLong();
            }
            best = Math.min(best, (CPU.getCurrentThreadCpuTime() - t0) / (double) runs);
        }
        if (sink == 42) {
            System.out.print("");
        }
        return best;
    }

    private static void row(String name, List<Insn> insns, Supplier<byte[]> input, Function<byte[], Long> java) {
        JitBench.Vm interp = new JitBench.Vm(name, insns, input.get(), Tier.INTERPRETER);
        JitBench.Vm jit = new JitBench.Vm(name, insns, input.get(), Tier.JIT);
        byte[] javaMem = input.get();
        double i = time(interp::run, 200, 7);
        double j = time(jit::run, 2000, 7);
        double b = time(() -> java.apply(javaMem), 2000, 7);
        System.out.printf(Locale.ROOT, "| %s | %,d | %,.0f | %,.1f | %,.1f | %.1f× | %.1f× |%n",
                name, interp.ctx.executed(), i / 1000, j / 1000, b / 1000, i / j, j / b);
    }

    public static void main(String[] args) {
        System.out.println("| program | insns/run | interpreter µs | JIT µs | Java µs | JIT vs interpreter | JIT / Java |");
        System.out.println("|---|---|---|---|---|---|---|");
        row("sieve", BenchPrograms.SIEVE, () -> new byte[BenchPrograms.SIEVE_SIZE], BenchPrograms::sieve);
        row("adler32", BenchPrograms.ADLER32, BenchPrograms::checksumInput, BenchPrograms::adler32);
        row("copy", BenchPrograms.COPY, BenchPrograms::copyInput, BenchPrograms::copy);
        row("strcmp", BenchPrograms.STRCMP, BenchPrograms::strcmpInput, BenchPrograms::strcmp);
        row("switch", BenchPrograms.SWITCH, BenchPrograms::switchInput, BenchPrograms::dispatch);
    }
}
