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
        BenchVm interp = new BenchVm(name, insns, input.get(), Tier.INTERPRETER);
        BenchVm jit = new BenchVm(name, insns, input.get(), Tier.JIT);
        byte[] javaMem = input.get();
        double i = time(interp::run, 200, 7);
        double j = time(jit::run, 2000, 7);
        double b = time(() -> java.apply(javaMem), 2000, 7);
        System.out.printf(Locale.ROOT, "| %s | %,d | %,.0f | %,.1f | %,.1f | %.1f× | %.1f× |%n",
                name, interp.ctx.executed(), i / 1000, j / 1000, b / 1000, i / j, j / b);
    }

    /**
     * One row for a clang-compiled program of {@link BenchObjects}: batches sized by the
     * instructions a run executes (about 4 million instructions per interpreted batch, ten
     * times the runs for the JIT and Java).
     */
    static void objectRow(BenchObjects.BenchObject o) {
        BenchVm interp = o.vm(Tier.INTERPRETER);
        BenchVm jit = o.vm(Tier.JIT);
        LongSupplier java = o.runner("java");
        interp.run();
        long insns = interp.executed();
        int runs = (int) Math.max(10, Math.min(2000, 4_000_000 / insns));
        double i = time(interp::run, runs, 7);
        double j = time(jit::run, 10 * runs, 7);
        double b = time(java, 10 * runs, 7);
        System.out.printf(Locale.ROOT, "| %s | %,d | %,.1f | %,.1f | %,.1f | %.1f× | %.1f× |%n",
                o.name(), insns, i / 1000, j / 1000, b / 1000, i / j, j / b);
    }

    /** The table of the clang-compiled programs (those named in {@code only}, or all). */
    static void objects(List<String> only) {
        System.out.println("| object | insns/run | interpreter µs | JIT µs | Java µs | JIT vs interpreter | JIT / Java |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (BenchObjects.BenchObject o : BenchObjects.ALL) {
            if (!only.isEmpty() && !only.contains(o.name())) {
                continue;
            }
            objectRow(o);
        }
    }

    /**
     * Prints the table of the assembler programs of {@link BenchPrograms}, then the one of the
     * clang-compiled programs of {@link BenchObjects}; argument {@code programs} or
     * {@code objects} prints only that one, and names after {@code objects} only those objects
     * ({@code objects parser strcmp}).
     */
    public static void main(String[] args) {
        boolean programs = args.length == 0 || args[0].equals("programs");
        boolean objects = args.length == 0 || args[0].equals("objects");
        if (objects && !programs) {
            objects(List.of(args).subList(1, args.length));
            return;
        }
        System.out.println("| program | insns/run | interpreter µs | JIT µs | Java µs | JIT vs interpreter | JIT / Java |");
        System.out.println("|---|---|---|---|---|---|---|");
        row("sieve", BenchPrograms.SIEVE, () -> new byte[BenchPrograms.SIEVE_SIZE], BenchPrograms::sieve);
        row("adler32", BenchPrograms.ADLER32, BenchPrograms::checksumInput, BenchPrograms::adler32);
        row("copy", BenchPrograms.COPY, BenchPrograms::copyInput, BenchPrograms::copy);
        row("strcmp", BenchPrograms.STRCMP, BenchPrograms::strcmpInput, BenchPrograms::strcmp);
        row("switch", BenchPrograms.SWITCH, BenchPrograms::switchInput, BenchPrograms::dispatch);
        if (objects) {
            System.out.println();
            objects(List.of());
        }
    }
}
