package dev.bpfvm.vm.jit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.asm.Disassembler;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.isa.Insn;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Random programs run in the interpreter (the oracle) and compiled; r0 or the fault (errno,
 * slot, program, source line, message), the executed count and the memory must be identical.
 * Seeded and reproducible: a failure prints the seed and the program; rerun one seed with
 * {@code -Dbpfvm.fuzz.seed=N -Dbpfvm.fuzz.programs=1}. Found failures become cases in
 * {@link JitRegressionTest}.
 */
class DifferentialFuzzTest {
    /**
     * Programs per run: 100,000 (about 1.1 ms of CPU each: near a minute on an idle 2-core
     * runner); {@code -Dbpfvm.fuzz.programs=N} for quick local runs.
     */
    static final int PROGRAMS = Integer.getInteger("bpfvm.fuzz.programs", 100_000);
    /** Programs whose compiled code has a versioned loop (LoopAnalysis), in this run. */
    static final AtomicInteger versioned = new AtomicInteger();
    static final long BASE_SEED = Long.getLong("bpfvm.fuzz.seed", 0x5eedL);

    @Test
    void interpreterAndCompiledCodeAgreeOnRandomPrograms() throws Exception {
        int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger faults = new AtomicInteger();
        AtomicInteger budgetStops = new AtomicInteger();
        versioned.set(0);
        List<Future<?>> workers = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    for (int k; (k = next.getAndIncrement()) < PROGRAMS; ) {
                        String r = check(BASE_SEED + k);
                        if (r.startsWith("fault")) {
                            faults.incrementAndGet();
                            if (r.contains("ELOOP")) {
                                budgetStops.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                try {
                    w.get();
                } catch (ExecutionException e) {
                    next.set(PROGRAMS);   // stop the others
                    throw e.getCause() instanceof AssertionError a ? a : new AssertionError(e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        // the generator must keep producing both kinds of endings, or it tests too little
        if (PROGRAMS >= 1000) {
            assertThat(faults.get()).isBetween(PROGRAMS / 10, PROGRAMS * 9 / 10);
            assertThat(budgetStops.get()).isGreaterThan(PROGRAMS / 100);
            assertThat(versioned.get()).as("programs with a versioned loop").isGreaterThan(PROGRAMS / 20);
        }
    }

    /**
     * Programs made only of loops of the shape the compiler versions (a fifth as many as above):
     * the fast copies must stop, fault and count exactly where the interpreter does.
     */
    @Test
    void interpreterAndCompiledCodeAgreeOnLoops() {
        for (int k = 0; k < PROGRAMS / 5; k++) {
            long seed = BASE_SEED + k;
            List<Insn> insns = new ProgramGenerator(seed, 40).generateLoops();
            check(seed, insns);
        }
    }

    /** Runs one seed in both tiers; fails with the seed and listing on any difference. */
    static String check(long seed) {
        return check(seed, new ProgramGenerator(seed, 40).generate());
    }

    static String check(long seed, List<Insn> insns) {
        SplittableRandom r = new SplittableRandom(seed * 0x9e3779b97f4a7c15L);
        long budget = 100 + r.nextInt(3000);
        long r4 = r.nextInt(3) == 0 ? r.nextLong() : r.nextInt(64);
        long r5 = r.nextInt(16) - 4;
        int tailMode = r.nextInt(3);            // 0: no target, 1: itself, 2: a copy
        boolean tailCompiled = r.nextBoolean();
        int mode = r.nextInt(8);
        // mostly the default fast paths; sometimes only the checked paths, sometimes every
        // function split into pieces of a few instructions
        EmitOptions options = mode == 0 ? EmitOptions.CHECKED_ONLY
                : mode == 1 ? new EmitOptions(true, true, 500 + r.nextInt(500)) : EmitOptions.DEFAULT;
        FuzzWorld.Outcome interpreted = runOnce(insns, null, budget, seed, tailMode, false, r4, r5);
        FuzzWorld.Outcome compiled;
        try {
            compiled = runOnce(insns, options, budget, seed, tailMode, tailCompiled, r4, r5);
        } catch (JitException e) {
            throw new AssertionError("seed " + seed + " (options " + options + "): " + e.getMessage() + "\n" + listing(insns), e);
        }
        if (!interpreted.equals(compiled)) {
            throw new AssertionError("seed " + seed + " (budget " + budget + ", r4=" + r4 + ", r5=" + r5
                    + ", tail mode " + tailMode + (tailCompiled ? " compiled" : "") + ", options " + options + ")"
                    + "\ninterpreter: " + interpreted + "\ncompiled:    " + compiled + "\n" + listing(insns));
        }
        return interpreted.result();
    }

    static FuzzWorld.Outcome runOnce(List<Insn> insns, EmitOptions options, long budget, long seed, int tailMode,
                                     boolean tailCompiled, long r4, long r5) {
        FuzzWorld w = new FuzzWorld(budget, seed);
        Program p = FuzzWorld.program("fuzz", insns, options);
        if (options != null && ((JitCode) p.compiledCode()).stats().versionedLoops() > 0) {
            versioned.incrementAndGet();
        }
        if (tailMode == 1) {
            w.tailTarget = p;
        } else if (tailMode == 2) {
            w.tailTarget = FuzzWorld.program("tail", insns, tailCompiled ? options : null);
        }
        return w.run(p, r4, r5);
    }

    /** The program in assembler syntax (round-trips exactly: paste it into a regression case), with slots and kernel text. */
    static String listing(List<Insn> insns) {
        StringBuilder sb = new StringBuilder();
        int pc = 0;
        for (Insn i : insns) {
            sb.append(String.format("%-44s # %4d: %s%n", Disassembler.asm(i), pc, i));
            pc += i.slots();
        }
        return sb.toString();
    }
}
