package dev.bpfvm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.verifier.VerifierOptions;
import dev.bpfvm.verifier.VerifierResult;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.LoaderException;
import dev.bpfvm.vm.object.ProgramSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Verdict agreement with Linux on a corpus of real kernel verifier test programs (the kernel's
 * BPF selftests {@code verifier_*.c}, clang-built for {@code -mcpu=v3} and {@code v4}), which is
 * not in this repository. The corpus folder holds {@code obj/v3/*.o}, {@code obj/v4/*.o} and
 * {@code linux-v3.tsv}/{@code linux-v4.tsv}: one line per program with the live kernel's verdict
 * and last log line and the file's annotations, written by a libbpf-based loader (see the
 * corpus's README). Each program is verified as {@code bpfvm verify} does (the object parsed
 * without making it live, each program linked on its own, see {@link ObjectVerifier}), with the
 * program's {@code __flag}s, and compared with Linux; where libbpf could not load the program
 * at all (a missing kfunc or attach point of the test kernel), the annotation is the expected
 * verdict.
 *
 * <p>Runs only when {@code -Dbpfvm.verifier.corpus=DIR} or {@code BPF_VERIFIER_CORPUS_DIR} is
 * set. Writes {@code results-v3.txt}/{@code results-v4.txt} into the corpus folder (or
 * {@code -Dbpfvm.verifier.corpus.out=DIR}) and fails when the verifier throws, or when agreement
 * falls below {@code -Dbpfvm.verifier.corpus.min} percent (default 0).
 */
class KernelVerifierCorpusTest {
    private static final int BPF_F_STRICT_ALIGNMENT = 1;
    private static final int BPF_F_ANY_ALIGNMENT = 2;
    private static final int BPF_F_SLEEPABLE = 16;

    /** One line of linux-vN.tsv. */
    record Expected(String file, String prog, String section, String annotation, String annotationUnpriv,
            int flags, String linuxVerdict, int errno, int insns, String linuxMessage, String messages) {
        static Expected parse(String line) {
            String[] f = line.split("\t", -1);
            return new Expected(f[0], f[1], f[2], f[3], f[4], Integer.parseInt(f[5]), f[6], Integer.parseInt(f[7]),
                    Integer.parseInt(f[8]), f[9], f.length > 10 ? f[10] : "");
        }

        /** Linux's verdict where it verified the program, else the file's annotation. */
        boolean expectAccept() {
            if (linuxVerdict.equals("accepted")) {
                return true;
            }
            if (linuxVerdict.equals("rejected")) {
                return false;
            }
            return annotation.equals("succ");
        }

        String expectedMessage() {
            if (linuxVerdict.equals("accepted") || linuxVerdict.equals("rejected")) {
                return linuxMessage;
            }
            return "(not loadable here: " + linuxMessage + "; annotation " + annotation + ")";
        }
    }

    record Outcome(Expected expected, boolean accepted, String message, boolean loadError, boolean internal) {
        boolean agrees() {
            return !loadError && accepted == expected.expectAccept();
        }
    }

    private static Path corpusDir() {
        String d = System.getProperty("bpfvm.verifier.corpus");
        if (d == null || d.isEmpty()) {
            d = System.getenv("BPF_VERIFIER_CORPUS_DIR");
        }
        return d == null || d.isEmpty() ? null : Path.of(d);
    }

    @Test
    void agreesWithLinux() throws IOException {
        Path dir = corpusDir();
        org.junit.jupiter.api.Assumptions.assumeTrue(dir != null,
                "set -Dbpfvm.verifier.corpus=DIR or BPF_VERIFIER_CORPUS_DIR to run");
        String outProp = System.getProperty("bpfvm.verifier.corpus.out");
        Path out = outProp == null || outProp.isEmpty() ? dir : Path.of(outProp);
        double min = Double.parseDouble(System.getProperty("bpfvm.verifier.corpus.min", "0"));
        String only = System.getProperty("bpfvm.verifier.corpus.only", "");
        List<String> internal = new ArrayList<>();
        for (String cpu : List.of("v3", "v4")) {
            Path tsv = dir.resolve("linux-" + cpu + ".tsv");
            if (!Files.exists(tsv)) {
                continue;
            }
            List<Outcome> outcomes = run(dir.resolve("obj").resolve(cpu), Files.readAllLines(tsv), only);
            String report = report(cpu, outcomes);
            Files.writeString(out.resolve("results-" + cpu + ".txt"), report, StandardCharsets.UTF_8);
            for (Outcome o : outcomes) {
                if (o.internal()) {
                    internal.add(cpu + " " + o.expected().file() + " " + o.expected().prog() + ": " + o.message());
                }
            }
            if (only.isEmpty()) {
                assertThat(agreement(outcomes)).as(cpu + " agreement %").isGreaterThanOrEqualTo(min);
            }
        }
        assertThat(internal).as("verifier internal errors").isEmpty();
    }

    private static List<Outcome> run(Path objDir, List<String> lines, String only) throws IOException {
        Map<String, List<Expected>> byFile = new LinkedHashMap<>();
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            Expected e = Expected.parse(line);
            if (!only.isEmpty() && !(e.file().contains(only) || e.prog().equals(only))) {
                continue;
            }
            byFile.computeIfAbsent(e.file(), k -> new ArrayList<>()).add(e);
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (Map.Entry<String, List<Expected>> f : byFile.entrySet()) {
            byte[] bytes = Files.readAllBytes(objDir.resolve(f.getKey()));
            EmulatedKernel kernel = new EmulatedKernel();
            ObjectVerifier obj;
            try {
                obj = ObjectVerifier.open(f.getKey(), bytes, kernel.loadOptions().withVerify(false));
            } catch (LoaderException | BpfException e) {
                for (Expected ex : f.getValue()) {
                    outcomes.add(new Outcome(ex, false, "load error: " + e.getMessage(), true, false));
                }
                continue;
            } catch (RuntimeException e) {
                for (Expected ex : f.getValue()) {
                    outcomes.add(new Outcome(ex, false, "loader internal error: " + e, true, true));
                }
                continue;
            }
            try (obj) {
                verifyAll(obj, f.getValue(), outcomes);
            }
        }
        return outcomes;
    }

    private static void verifyAll(ObjectVerifier obj, List<Expected> expected, List<Outcome> outcomes) {
        {
            Map<String, ProgramSpec> programs = new TreeMap<>();
            for (ProgramSpec p : obj.programs()) {
                programs.put(p.name(), p);
            }
            for (Expected ex : expected) {
                ProgramSpec p = programs.get(ex.prog());
                if (p == null) {
                    outcomes.add(new Outcome(ex, false, "load error: bpfvm has no program " + ex.prog(), true, false));
                    continue;
                }
                VerifierOptions options = VerifierOptions.defaults().withLogLevel(1)
                        .withStrictAlignment((ex.flags() & BPF_F_STRICT_ALIGNMENT) != 0)
                        .withAnyAlignment((ex.flags() & BPF_F_ANY_ALIGNMENT) != 0);
                if ((ex.flags() & BPF_F_SLEEPABLE) != 0) {
                    options = options.withSleepable(true);
                }
                try {
                    ObjectVerifier.Outcome o = obj.verify(p, options);
                    if (!o.loaded()) {
                        outcomes.add(new Outcome(ex, false, "load error: " + o.loadError(), true, false));
                        continue;
                    }
                    VerifierResult r = o.result();
                    String msg = r.accepted() ? "processed " + r.insnsProcessed() + " insns" : r.message();
                    boolean internalError = msg != null && msg.startsWith("verifier internal error");
                    outcomes.add(new Outcome(ex, r.accepted(), msg, false, internalError));
                } catch (RuntimeException e) {
                    StringWriter sw = new StringWriter();
                    e.printStackTrace(new PrintWriter(sw));
                    outcomes.add(new Outcome(ex, false, "exception: " + sw.toString().lines().limit(4)
                            .reduce((x, y) -> x + " / " + y).orElse(""), false, true));
                }
            }
        }
    }

    static double agreement(List<Outcome> outcomes) {
        if (outcomes.isEmpty()) {
            return 100.0;
        }
        long agree = outcomes.stream().filter(Outcome::agrees).count();
        return 100.0 * agree / outcomes.size();
    }

    private static String report(String cpu, List<Outcome> outcomes) {
        StringBuilder sb = new StringBuilder();
        long agree = outcomes.stream().filter(Outcome::agrees).count();
        List<Outcome> weAcceptTheyReject = new ArrayList<>();
        List<Outcome> weRejectTheyAccept = new ArrayList<>();
        List<Outcome> loadErrors = new ArrayList<>();
        Map<String, int[]> perFile = new TreeMap<>();
        for (Outcome o : outcomes) {
            int[] c = perFile.computeIfAbsent(o.expected().file(), k -> new int[2]);
            c[1]++;
            if (o.agrees()) {
                c[0]++;
            } else if (o.loadError()) {
                loadErrors.add(o);
            } else if (o.accepted()) {
                weAcceptTheyReject.add(o);
            } else {
                weRejectTheyAccept.add(o);
            }
        }
        sb.append(String.format("cpu %s: %d programs, %d agree (%.1f%%); bpfvm accepts/Linux rejects %d;"
                + " bpfvm rejects/Linux accepts %d; bpfvm cannot load %d%n", cpu, outcomes.size(), agree,
                agreement(outcomes), weAcceptTheyReject.size(), weRejectTheyAccept.size(), loadErrors.size()));
        sb.append("\n== per file (agree/total)\n");
        for (Map.Entry<String, int[]> e : perFile.entrySet()) {
            sb.append(String.format("%-48s %4d/%-4d%n", e.getKey(), e.getValue()[0], e.getValue()[1]));
        }
        section(sb, "bpfvm accepts, Linux rejects", weAcceptTheyReject);
        section(sb, "bpfvm rejects, Linux accepts", weRejectTheyAccept);
        section(sb, "bpfvm cannot load", loadErrors);
        sb.append("\n== every program: file prog | linux verdict: message | bpfvm verdict: message\n");
        for (Outcome o : outcomes) {
            Expected e = o.expected();
            sb.append(o.agrees() ? "  ok " : "DIFF ").append(e.file()).append(' ').append(e.prog()).append(" | linux ")
                    .append(e.expectAccept() ? "accepted" : "rejected").append(": ").append(e.expectedMessage())
                    .append(" | bpfvm ").append(o.loadError() ? "load error" : o.accepted() ? "accepted" : "rejected")
                    .append(": ").append(o.message()).append('\n');
        }
        return sb.toString();
    }

    private static void section(StringBuilder sb, String title, List<Outcome> list) {
        sb.append("\n== ").append(title).append(" (").append(list.size()).append(")\n");
        for (Outcome o : list) {
            Expected e = o.expected();
            sb.append(e.file()).append(' ').append(e.prog()).append(" [").append(e.section()).append("]\n    linux: ")
                    .append(e.expectedMessage()).append("\n    bpfvm: ").append(o.message()).append('\n');
        }
    }
}
