package dev.bpfvm.cli;

import dev.bpfvm.verifier.VerifierOptions;
import dev.bpfvm.verifier.VerifierResult;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.TraceSink;
import dev.bpfvm.vm.jit.Jit;
import dev.bpfvm.vm.jit.JitOptions;
import dev.bpfvm.vm.jit.TierPolicy;
import dev.bpfvm.vm.mem.Region;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/**
 * A raw run of a function on a memory buffer, timed in the process. Prints {@code retval: N}
 * (r0, unsigned decimal) and {@code duration: D ns} (the average per run over the second half
 * of the runs: the first half is the warm-up; {@code --json} adds the thread's CPU time per run,
 * which a busy machine disturbs less), and with
 * {@code --tier jit} also {@code compile: D ns}.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {
            "Runs a function with r1 = a writable copy of the memory (0 when none is given) and",
            "r2 = its length, and prints r0 as an unsigned decimal and the average time per run",
            "(measured in the process over the second half of the runs, after the first half warmed",
            "up; the memory is not reset between repeats). FILE is a BPF",
            "object (any program or global function, .text ones included, with the subprograms it",
            "calls), assembler text (.s) or raw bytecode. --tier jit compiles and warms up before",
            "the timed runs and also prints the compile time."})
final class RunCommand implements Callable<Integer> {
    /** Warm-up of --tier jit: this many runs at most... */
    static final int WARMUP_RUNS = 10_000;
    /** ...and no longer than this. */
    static final long WARMUP_NANOS = 250_000_000L;

    private final Io io;

    @Parameters(index = "0", paramLabel = "FILE",
            description = "The program: a BPF object (.o), assembler text (.s) or raw bytecode (.bin).")
    Path file;

    @Option(names = "--prog", paramLabel = "NAME",
            description = "The program or global function of an object to run (default: its only one).")
    String prog;

    @Option(names = "--mem-hex", paramLabel = "HEX", description = "The memory as hex bytes, e.g. \"01 02 ff\".")
    String memHex;

    @Option(names = "--mem-in", paramLabel = "FILE", description = "The memory: the raw bytes of FILE.")
    Path memIn;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "1", description = "Runs N times (default 1).")
    int repeat;

    @Option(names = "--tier", paramLabel = "TIER", defaultValue = "auto", converter = TierConverter.class,
            description = "interp (never compiles), jit (compiles and warms up first) or auto (compiles in"
                    + " the background after 1000 runs; the default).")
    TierPolicy tier;

    @Option(names = "--budget", paramLabel = "N", defaultValue = "" + BpfRuntime.DEFAULT_BUDGET,
            description = "Instructions one run may execute (default ${DEFAULT-VALUE}).")
    long budget;

    @Option(names = "--verify", description = "Runs the verifier on the function first (raw code and .text"
            + " functions as bpfvm's raw type: r1 points at the memory, r2 is its length); a rejection prints the"
            + " log and exits 1.")
    boolean verify;

    @Option(names = "--json", description = "Prints one JSON object instead of lines.")
    boolean json;

    RunCommand(Io io) {
        this.io = io;
    }

    /** {@code interp|jit|auto}, with a clear error otherwise. */
    static final class TierConverter implements ITypeConverter<TierPolicy> {
        @Override
        public TierPolicy convert(String value) {
            try {
                return TierPolicy.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    @Override
    public Integer call() {
        if (memHex != null && memIn != null) {
            throw new CliException("--mem-hex and --mem-in cannot be used together");
        }
        if (repeat < 1) {
            throw new CliException("--repeat must be at least 1 (got " + repeat + ")");
        }
        if (budget < 1) {
            throw new CliException("--budget must be at least 1 (got " + budget + ")");
        }
        byte[] mem = memHex != null ? HexBytes.parse(memHex, "--mem-hex")
                : memIn != null ? ProgramFiles.read(memIn) : new byte[0];
        BpfRuntime rt = RawRun.runtime().budget(budget);
        byte[] bytes = ProgramFiles.read(file);
        Program p;
        List<Region> globals = new ArrayList<>();
        boolean usesMaps = false;
        VerifierResult verdict = null;
        if (ProgramFiles.isElf(bytes)) {
            ObjectFunction.Linked linked = ObjectFunction.link(file.toString(), file.getFileName().toString(), bytes,
                    prog, rt);
            p = linked.program();
            globals.addAll(linked.globals());
            usesMaps = linked.usesMaps();
            if (verify) {
                verdict = Verification.verify(linked.object(), linked.linked(), rt, VerifierOptions.defaults(),
                        mem.length);
            }
        } else {
            if (prog != null) {
                throw new CliException("--prog is only for BPF object files (.o)");
            }
            p = ProgramFiles.load(file);
            if (verify) {
                verdict = Verification.verify(p, mem.length, rt, VerifierOptions.defaults());
            }
        }
        if (verdict != null && !verdict.accepted()) {
            io.err().print(verdict.log());
            String where = ProgramFiles.isElf(bytes) ? file + ": " + p.name() : file.toString();
            throw new CliException(where + ": rejected by the verifier"
                    + (verdict.errorInsn() >= 0 ? " at insn " + verdict.errorInsn() : "")
                    + (verdict.errorLine() != null ? " (" + verdict.errorLine() + ")" : "") + ": " + verdict.message(),
                    Main.EXIT_CHECK_FAILED);
        }
        Jit jit = null;
        if (tier != TierPolicy.INTERP) {
            jit = Jit.install(rt, JitOptions.of(tier)
                    .warnings(w -> io.err().println("bpfvm: warning: " + p.name() + " stays interpreted: " + w)));
        }
        try {
            return run(rt, p, mem, globals, usesMaps, jit);
        } finally {
            if (jit != null) {
                jit.shutdown();
            }
        }
    }

    private int run(BpfRuntime rt, Program p, byte[] mem, List<Region> globals, boolean usesMaps, Jit jit) {
        long compile = -1;
        if (tier == TierPolicy.JIT) {
            long start = System.nanoTime();
            jit.compileNow(p);
            compile = System.nanoTime() - start;
            if (p.compiledCode() != null && !usesMaps) {
                warmUp(rt, p, mem, globals);
            }
        }
        RawRun run = new RawRun(rt, mem, new TraceSink() {
            @Override
            public void printk(String line) {
                io.err().println("bpf_trace_printk: " + line);
            }
        });
        long r0 = 0;
        int warmup = warmupRuns(repeat);
        for (int i = 0; i < warmup; i++) {
            r0 = run.run(p);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        for (int i = warmup; i < repeat; i++) {
            r0 = run.run(p);
        }
        long average = (System.nanoTime() - start) / (repeat - warmup);
        long cpuAverage = (threads.getCurrentThreadCpuTime() - cpuStart) / (repeat - warmup);
        String ranIn = run.lastTier().label();
        if (json) {
            io.out().println("{\"retval\": " + Long.toUnsignedString(r0) + ", \"duration_ns\": " + average
                    + ", \"cpu_ns\": " + cpuAverage
                    + ", \"repeat\": " + repeat + ", \"timed_runs\": " + (repeat - warmup) + ", \"tier\": \"" + ranIn + "\", \"compile_ns\": "
                    + (compile < 0 ? "null" : Long.toString(compile)) + ", \"instructions\": " + run.executed() + "}");
        } else {
            io.out().println("retval: " + Long.toUnsignedString(r0));
            io.out().println("duration: " + average + " ns");
            if (compile >= 0) {
                io.out().println("compile: " + compile + " ns");
            }
        }
        return Main.EXIT_OK;
    }

    /**
     * The untimed first runs of {@code repeat}: the first half (rounded down), so that the
     * duration is measured after the JVM has compiled what runs (the interpreter, or the
     * program's class), while the runs still do exactly what {@code repeat} runs do to the
     * memory, the globals and the maps. One run is timed cold.
     */
    static int warmupRuns(int repeat) {
        return repeat / 2;
    }

    /**
     * Runs the compiled program on a scratch copy of the memory until the JVM has compiled it
     * too, then puts the global variables back as they were: the timed runs see the same state
     * as without warm-up. A fault ends the warm-up (the timed runs report their own). Functions
     * that use maps are not warmed up: their runs would change the maps.
     */
    private static void warmUp(BpfRuntime rt, Program p, byte[] mem, List<Region> globals) {
        List<byte[]> saved = new ArrayList<>();
        for (Region g : globals) {
            saved.add(g.data().clone());
        }
        RawRun scratch = new RawRun(rt, mem, TraceSink.NONE);
        long end = System.nanoTime() + WARMUP_NANOS;
        try {
            for (int i = 0; i < WARMUP_RUNS && System.nanoTime() < end; i++) {
                scratch.run(p);
            }
        } catch (BpfException e) {
            // the timed runs fault too, or not: they say so themselves
        } finally {
            for (int i = 0; i < globals.size(); i++) {
                byte[] d = globals.get(i).data();
                System.arraycopy(saved.get(i), 0, d, 0, d.length);
            }
        }
    }
}
