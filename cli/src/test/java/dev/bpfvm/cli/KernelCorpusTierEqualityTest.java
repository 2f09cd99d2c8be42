package dev.bpfvm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.load.BpfObject;
import dev.bpfvm.kernel.load.BpfProgram;
import dev.bpfvm.kernel.load.MapView;
import dev.bpfvm.verifier.VerifierOptions;
import dev.bpfvm.vm.object.ProgramSpec;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Proof of equality of the tiers on the kernel's BPF selftests verifier corpus (see {@link
 * KernelVerifierCorpusTest} for the corpus; runs only with {@code -Dbpfvm.verifier.corpus=DIR} or
 * {@code BPF_VERIFIER_CORPUS_DIR}): every program bpfvm's verifier accepts (verified as {@code
 * bpfvm verify} does, with the program's flags) is test-run with the fixed input of its type
 * ({@link TierRuns#inputs}: two runs) in two fresh emulated kernels, each holding the object loaded live
 * (maps created, programs linked), once interpreted and once compiled. The programs of one object
 * run in the same order in both kernels; after each run the outcome (retval, data_out, ctx_out,
 * the fault, the bpf_printk lines) and every map of the object must be identical.
 *
 * <p>Writes {@code target/tier-equality-corpus-vN.txt}: the counts (compared, skipped by type,
 * not loadable live, not compiled by design), every mismatch, and every compared outcome.
 */
class KernelCorpusTierEqualityTest {
    private static final int BPF_F_STRICT_ALIGNMENT = 1;
    private static final int BPF_F_ANY_ALIGNMENT = 2;
    private static final int BPF_F_SLEEPABLE = 16;

    private static Path corpusDir() {
        String d = System.getProperty("bpfvm.verifier.corpus");
        if (d == null || d.isEmpty()) {
            d = System.getenv("BPF_VERIFIER_CORPUS_DIR");
        }
        return d == null || d.isEmpty() ? null : Path.of(d);
    }

    /** The counts and findings of one cpu version's corpus. */
    static final class Tally {
        int accepted;
        int compared;
        int faulted;
        final Map<String, Integer> skipped = new TreeMap<>();
        final List<String> notLive = new ArrayList<>();
        final List<String> standIns = new ArrayList<>();
        final List<String> interpreterOnly = new ArrayList<>();
        final List<String> mismatches = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        final StringBuilder outcomes = new StringBuilder();

        String summary(String cpu) {
            return "cpu " + cpu + ": accepted " + accepted + ", compared " + compared + " (" + faulted + " faulted)"
                    + ", mismatches " + mismatches.size() + ", not compiled by design " + interpreterOnly.size()
                    + ", not loadable live " + notLive.size() + ", stand-in maps " + standIns + ", compile/tier failures " + failures.size()
                    + ", skipped " + skipped;
        }
    }

    @Test
    void acceptedProgramsRunTheSameInBothTiers() throws IOException {
        Path dir = corpusDir();
        Assumptions.assumeTrue(dir != null, "set -Dbpfvm.verifier.corpus=DIR or BPF_VERIFIER_CORPUS_DIR to run");
        List<String> summaries = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int compared = 0;
        for (String cpu : List.of("v3", "v4")) {
            Path tsv = dir.resolve("linux-" + cpu + ".tsv");
            if (!Files.exists(tsv)) {
                continue;
            }
            Tally t = new Tally();
            Map<String, List<KernelVerifierCorpusTest.Expected>> byFile = new LinkedHashMap<>();
            for (String line : Files.readAllLines(tsv)) {
                if (!line.isBlank()) {
                    KernelVerifierCorpusTest.Expected e = KernelVerifierCorpusTest.Expected.parse(line);
                    byFile.computeIfAbsent(e.file(), k -> new ArrayList<>()).add(e);
                }
            }
            for (Map.Entry<String, List<KernelVerifierCorpusTest.Expected>> f : byFile.entrySet()) {
                byte[] bytes = Files.readAllBytes(dir.resolve("obj").resolve(cpu).resolve(f.getKey()));
                runFile(f.getKey(), bytes, accepted(f.getKey(), bytes, f.getValue()), t);
            }
            String summary = t.summary(cpu);
            summaries.add(summary);
            Files.writeString(Path.of("target", "tier-equality-corpus-" + cpu + ".txt"), summary
                    + "\n\n== mismatches\n" + String.join("\n", t.mismatches)
                    + "\n\n== compile/tier failures\n" + String.join("\n", t.failures)
                    + "\n\n== not compiled by design\n" + String.join("\n", t.interpreterOnly)
                    + "\n\n== not loadable live\n" + String.join("\n", t.notLive)
                    + "\n\n== outcomes (interpreter; the JIT's were the same unless listed above)\n" + t.outcomes,
                    StandardCharsets.UTF_8);
            problems.addAll(t.mismatches);
            problems.addAll(t.failures);
            compared += t.compared;
        }
        assertThat(problems).as(String.join("\n", summaries)).isEmpty();
        assertThat(compared).as(String.join("\n", summaries)).isGreaterThan(0);
    }

    /** The programs of the file bpfvm's verifier accepts, in the corpus's order. */
    private static List<String> accepted(String file, byte[] bytes, List<KernelVerifierCorpusTest.Expected> expected) {
        List<String> out = new ArrayList<>();
        EmulatedKernel kernel = new EmulatedKernel();
        try (ObjectVerifier obj = ObjectVerifier.open(file, bytes, kernel.loadOptions().withVerify(false))) {
            Map<String, ProgramSpec> programs = new TreeMap<>();
            for (ProgramSpec p : obj.programs()) {
                programs.put(p.name(), p);
            }
            for (KernelVerifierCorpusTest.Expected ex : expected) {
                ProgramSpec p = programs.get(ex.prog());
                if (p == null) {
                    continue;
                }
                VerifierOptions options = VerifierOptions.defaults()
                        .withStrictAlignment((ex.flags() & BPF_F_STRICT_ALIGNMENT) != 0)
                        .withAnyAlignment((ex.flags() & BPF_F_ANY_ALIGNMENT) != 0)
                        .withSleepable((ex.flags() & BPF_F_SLEEPABLE) != 0);
                try {
                    ObjectVerifier.Outcome o = obj.verify(p, options);
                    if (o.loaded() && o.result().accepted()) {
                        out.add(ex.prog());
                    }
                } catch (RuntimeException e) {
                    // the verifier's own corpus test reports these
                }
            }
        } catch (RuntimeException e) {
            // not an object bpfvm can read: KernelVerifierCorpusTest reports it
        }
        return out;
    }

    /** One tier's live copy of the object. */
    private record Side(TierRuns.Kernel kernel, BpfObject object) {
        static Side open(TierRuns.Tier tier, String file, byte[] bytes, List<String> standIns) {
            TierRuns.Kernel k = TierRuns.kernel(tier);
            EmulatedKernel kernel = k.kernel();
            try {
                return new Side(k, BpfObject.open(file, bytes, kernel.loadOptions().withVerify(false).withMaps((attr, rt) -> {
                    try {
                        return kernel.createMap(attr, rt);
                    } catch (RuntimeException e) {
                        if (e.getMessage() == null || !e.getMessage().contains("is not supported by bpfvm")) {
                            throw e;
                        }
                        standIns.add(attr.name() + " (" + attr.type().kernelName() + ")");
                        return kernel.createMap(standIn(attr), rt);
                    }
                })));
            } catch (RuntimeException e) {
                k.shutdown();
                throw e;
            }
        }

        /**
         * A map of a type bpfvm does not run, replaced so that the object loads: a ring buffer for
         * a user ring buffer, else an array or hash of the same key and value sizes. Programs
         * using it fail in its helpers, the same way in both tiers.
         */
        static MapAttr standIn(MapAttr a) {
            if (a.type() == MapType.USER_RINGBUF) {
                return MapAttr.builder(MapType.RINGBUF, 0, 0, a.maxEntries()).name(a.name()).build();
            }
            int value = a.valueSize() > 0 ? a.valueSize() : 4;
            int max = a.maxEntries() > 0 ? a.maxEntries() : 1;
            return a.keySize() == 4 ? MapAttr.builder(MapType.ARRAY, 4, value, max).name(a.name()).build()
                    : MapAttr.builder(MapType.HASH, a.keySize() > 0 ? a.keySize() : 4, value, max).name(a.name()).build();
        }

        TierRuns.Outcome run(BpfProgram p) {
            return TierRuns.runAll(p.type(), in -> p.testRun(in.withTask(kernel.kernel().actor())));
        }

        String maps() {
            Map<String, BpfMap> maps = new TreeMap<>();
            for (MapView m : object.maps()) {
                maps.put(m.name(), m.map());
            }
            return TierRuns.maps(maps);
        }

        void close() {
            object.close();
            kernel.shutdown();
        }
    }

    private static void runFile(String file, byte[] bytes, List<String> accepted, Tally t) {
        if (accepted.isEmpty()) {
            return;
        }
        t.accepted += accepted.size();
        Side interp;
        Side jit;
        try {
            interp = Side.open(TierRuns.Tier.INTERP, file, bytes, t.standIns);
        } catch (RuntimeException e) {
            t.notLive.add(file + " (" + accepted.size() + " accepted programs): " + e.getMessage());
            return;
        }
        try {
            jit = Side.open(TierRuns.Tier.JIT, file, bytes, new ArrayList<>());
        } catch (RuntimeException e) {
            t.failures.add(file + ": the JIT kernel could not load the object the interpreter's did: " + e);
            interp.close();
            return;
        }
        try {
            for (String name : accepted) {
                String where = file + " " + name;
                BpfProgram a = interp.object().program(name);
                BpfProgram b = jit.object().program(name);
                String why = jit.kernel().prepare(b.program());
                boolean designed = why != null && VerifierCasesTierEqualityTest.INTERPRETER_ONLY.matcher(why).find();
                if (why != null && !designed) {
                    t.failures.add(where + ": " + why);
                }
                TierRuns.Outcome x = interp.run(a);
                TierRuns.Outcome y = jit.run(b);
                String xs = x.text() + interp.maps();
                List<String> diff = TierRuns.diff(xs, y.text() + jit.maps());
                if (!diff.isEmpty()) {
                    t.mismatches.add(where + " [" + a.section() + "]:\n    " + String.join("\n    ", diff));
                }
                if (x.refused() && y.refused()) {
                    t.skipped.merge((x.unsupportedType() ? "test-run not supported for " : "test-run refused the input of ")
                            + a.type().kernelName(), 1, Integer::sum);
                    continue;
                }
                if (designed) {
                    t.interpreterOnly.add(where + ": " + why);
                    continue;
                }
                if (why == null && (!interp.kernel().ranInTier(a.program()) || !jit.kernel().ranInTier(b.program()))) {
                    t.failures.add(where + ": did not run in its tier: " + b.program().tierNote());
                }
                t.compared++;
                if (x.text().contains("fault:")) {
                    t.faulted++;
                }
                t.outcomes.append("== ").append(where).append(" [").append(a.section()).append("]\n").append(xs);
            }
        } finally {
            interp.close();
            jit.close();
        }
    }
}
