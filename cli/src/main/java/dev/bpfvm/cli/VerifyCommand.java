package dev.bpfvm.cli;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.verifier.VerifierOptions;
import dev.bpfvm.verifier.VerifierResult;
import dev.bpfvm.verifier.VerifierTrace;
import dev.bpfvm.verifier.explain.LogExplorer;
import dev.bpfvm.verifier.explain.Rejections;
import dev.bpfvm.verifier.explain.SourceGroupedLog;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.LoaderException;
import dev.bpfvm.vm.object.ProgramSpec;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Verifies programs of an object as Linux's {@code BPF_PROG_LOAD} would, with the emulated
 * kernel's helpers, kfuncs and BTF. Exit 0 when every requested program is accepted, 1 when one is
 * rejected, 2 when the object cannot be loaded.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {
            "Verifies programs of a BPF object as the Linux 6.12 verifier would, with the",
            "emulated kernel's helpers, kfuncs and BTF. Prints NAME: accepted (N insns",
            "processed) or NAME: rejected: <error line>, after the log of a rejected program",
            "(without --all) or of every program (with --log-level). Exit 0 when all are",
            "accepted, 1 when one is rejected, 2 when the object cannot be loaded. With --explain,",
            "a rejected program's log is grouped by source line with the failing instruction",
            "marked '>', and the rejection is followed by why it happens and how to fix it.",
            "With --html OUT.html, writes a self-contained page to explore the verification: the",
            "program by source line, the level-2 log, and the state at each visit of an instruction."})
final class VerifyCommand implements Callable<Integer> {
    private final Io io;

    @Parameters(index = "0", paramLabel = "FILE.o", description = "A BPF object file (clang -target bpf).")
    Path file;

    @Option(names = "--prog", paramLabel = "NAME", description = "The program to verify (default: the only one).")
    String prog;

    @Option(names = "--all", description = "Verifies every program, one line each.")
    boolean all;

    @Option(names = "--log-level", paramLabel = "N",
            description = "Prints the verifier log of every program: 1 (the failing path) or 2 (every instruction).")
    Integer logLevel;

    @Option(names = "--unpriv", description = "Verifies as an unprivileged user (no CAP_BPF, CAP_PERFMON).")
    boolean unpriv;

    @Option(names = "--explain",
            description = "For a rejected program: the log grouped by source line, the failing instruction marked, "
                    + "and a plain-English explanation with the fix idiom.")
    boolean explain;

    @Option(names = "--json", description = "Prints one JSON object per program (one per line).")
    boolean json;

    @Option(names = "--html", paramLabel = "OUT.html",
            description = "Writes a self-contained HTML page exploring the verification of the chosen programs "
                    + "(a program selector for several); prints one line per program.")
    Path html;

    VerifyCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        if (prog != null && all) {
            throw new CliException("--prog and --all cannot be used together");
        }
        if (logLevel != null && logLevel != 1 && logLevel != 2) {
            throw new CliException("--log-level must be 1 or 2 (got " + logLevel + ")");
        }
        if (explain && json) {
            throw new CliException("--explain and --json cannot be used together");
        }
        if (html != null && (explain || json || logLevel != null)) {
            throw new CliException("--html cannot be used with --explain, --json or --log-level");
        }
        VerifierOptions options = VerifierOptions.defaults().withLogLevel(logLevel != null ? logLevel : 1)
                .withUnprivileged(unpriv);
        byte[] bytes = ProgramFiles.read(file);
        EmulatedKernel kernel = new EmulatedKernel();
        // parsed, then each program linked and verified on its own (no map is created: the verifier
        // needs only their definitions); a program that cannot be linked is a load error (exit 2)
        try (ObjectVerifier obj = open(bytes, kernel)) {
            return verify(obj, options);
        }
    }

    private int verify(ObjectVerifier obj, VerifierOptions options) {
        List<ProgramSpec> chosen = choose(obj.programs());
        if (html != null) {
            return writeHtml(obj, chosen, options.withLogLevel(2));
        }
        boolean rejected = false;
        boolean loadError = false;
        PrintStream out = io.out();
        for (ProgramSpec p : chosen) {
            ObjectVerifier.Outcome o = obj.verify(p, options);
            if (!o.loaded()) {
                if (!all && !json) {
                    throw new CliException(o.loadError());
                }
                loadError = true;
                if (json) {
                    out.println("{\"name\": " + ObjectRuns.json(p.name()) + ", \"verdict\": \"load_error\", \"message\": "
                            + ObjectRuns.json(o.loadError()) + "}");
                } else {
                    out.println(p.name() + ": cannot load: " + o.loadError());
                }
                continue;
            }
            VerifierResult r = o.result();
            rejected |= !r.accepted();
            if (json) {
                out.println(json(p.name(), r));
                continue;
            }
            if (explain && !r.accepted()) {
                out.print(SourceGroupedLog.format(r.log(), r.errorInsn()));
                out.println(p.name() + ": rejected: " + r.message());
                out.print(Rejections.explain(r.message()));
                continue;
            }
            if (logLevel != null || (!all && !r.accepted())) {
                out.print(r.log());
            }
            out.println(r.accepted() ? p.name() + ": accepted (" + r.insnsProcessed() + " insns processed)"
                    : p.name() + ": rejected: " + r.message());
        }
        if (loadError) {
            return Main.EXIT_BAD_INPUT;
        }
        return rejected ? Main.EXIT_CHECK_FAILED : Main.EXIT_OK;
    }

    /** {@code --html}: traces each program at log level 2 and writes the explorer page. */
    private int writeHtml(ObjectVerifier obj, List<ProgramSpec> chosen, VerifierOptions options) {
        List<LogExplorer.Program> pages = new ArrayList<>();
        boolean rejected = false;
        boolean loadError = false;
        for (ProgramSpec spec : chosen) {
            ObjectVerifier.Traced t = obj.trace(spec, options);
            if (!t.loaded()) {
                if (!all) {
                    throw new CliException(t.loadError());
                }
                loadError = true;
                io.out().println(spec.name() + ": cannot load: " + t.loadError());
                continue;
            }
            VerifierResult r = t.trace().result();
            rejected |= !r.accepted();
            pages.add(new LogExplorer.Program(spec.name(), spec.section(), spec.type().kernelName(), t.trace()));
            io.out().println(r.accepted() ? spec.name() + ": accepted (" + r.insnsProcessed() + " insns processed)"
                    : spec.name() + ": rejected: " + r.message());
        }
        ProgramFiles.write(html, HtmlExplorer.page(pages).getBytes(StandardCharsets.UTF_8));
        if (loadError) {
            return Main.EXIT_BAD_INPUT;
        }
        return rejected ? Main.EXIT_CHECK_FAILED : Main.EXIT_OK;
    }

    private ObjectVerifier open(byte[] bytes, EmulatedKernel kernel) {
        try {
            return ObjectVerifier.open(file.getFileName().toString(), bytes, kernel.loadOptions().withVerify(false));
        } catch (LoaderException | BpfException e) {
            throw new CliException(e.getMessage());
        }
    }

    private List<ProgramSpec> choose(List<ProgramSpec> programs) {
        if (programs.isEmpty()) {
            throw new CliException(file + ": the object has no programs");
        }
        if (all) {
            return programs;
        }
        if (prog != null) {
            for (ProgramSpec p : programs) {
                if (p.name().equals(prog)) {
                    return List.of(p);
                }
            }
            throw new CliException(file + ": no program named '" + prog + "' (" + names(programs) + ")");
        }
        if (programs.size() == 1) {
            return programs;
        }
        throw new CliException(file + ": more than one program; choose one with --prog or use --all ("
                + names(programs) + ")");
    }

    private static String names(List<ProgramSpec> programs) {
        List<String> n = new ArrayList<>();
        for (ProgramSpec p : programs) {
            n.add(p.name());
        }
        return "programs: " + String.join(", ", n);
    }

    private String json(String name, VerifierResult r) {
        StringBuilder sb = new StringBuilder("{\"name\": ").append(ObjectRuns.json(name))
                .append(", \"verdict\": \"").append(r.accepted() ? "accepted" : "rejected").append('"')
                .append(", \"message\": ").append(r.message() != null ? ObjectRuns.json(r.message()) : "null")
                .append(", \"insns_processed\": ").append(r.insnsProcessed());
        if (logLevel != null) {
            sb.append(", \"log\": ").append(ObjectRuns.json(r.log()));
        }
        return sb.append('}').toString();
    }
}
