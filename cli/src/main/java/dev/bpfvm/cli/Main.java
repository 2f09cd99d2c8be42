package dev.bpfvm.cli;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.LoaderException;
import dev.bpfvm.vm.isa.InsnFormatException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code bpfvm} command. Exit codes everywhere: 0 success, 1 a check failed, 2 bad input or
 * usage. Errors are one line on stderr, {@code bpfvm: MESSAGE}, never a stack trace.
 */
@Command(name = "bpfvm", mixinStandardHelpOptions = true, version = "bpfvm 0.1.0",
        description = "An eBPF virtual machine on the JVM.",
        commandListHeading = "%nCommands:%n")
public final class Main implements Callable<Integer> {
    public static final int EXIT_OK = 0;
    public static final int EXIT_CHECK_FAILED = 1;
    public static final int EXIT_BAD_INPUT = 2;

    @Spec
    CommandSpec spec;

    private final Io io;

    private Main(Io io) {
        this.io = io;
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false,
                StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true,
                StandardCharsets.UTF_8);
        int code = run(args, new Io(System.in, out, err));
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs the command line with the given streams and returns the exit code. */
    static int run(String[] args, Io io) {
        CommandLine cl = commandLine(io);
        int code = cl.execute(pluginOrder(args, cl.getSubcommands().keySet()));
        io.out().flush();
        io.err().flush();
        return code;
    }

    static CommandLine commandLine(Io io) {
        CommandLine cl = new CommandLine(new Main(io));
        cl.addSubcommand(new ConformanceCommand(io));
        cl.addSubcommand(new RunCommand(io));
        cl.addSubcommand(new AsmCommand(io));
        cl.addSubcommand(new DisasmCommand(io));
        cl.addSubcommand(new InspectCommand(io));
        cl.addSubcommand(new ScenarioCommand(io));
        cl.addSubcommand(new DemoCommand(io));
        cl.addSubcommand(new TestRunCommand(io));
        cl.addSubcommand(new MapCommand(io));
        cl.addSubcommand(new VerifyCommand(io));
        cl.setOut(new PrintWriter(io.out(), true));
        cl.setErr(new PrintWriter(io.err(), true));
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            String name = c.getCommandSpec().qualifiedName();
            io.err().println("bpfvm: " + ex.getMessage() + " (see '" + name + " --help')");
            return EXIT_BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            io.err().println("bpfvm: " + describe(ex));
            return ex instanceof CliException ce ? ce.exitCode() : EXIT_BAD_INPUT;
        });
        return cl;
    }

    /**
     * bpf_conformance_runner starts its plugin as {@code PLUGIN [MEMORY] [OPTIONS...]}, so with
     * {@code --plugin_path bpfvm --plugin_options conformance} the command word comes after the
     * memory (older runners also pass an empty memory, and all options as one argument). When
     * the first argument is not a command or an option, this moves {@code conformance} to the
     * front, splits its argument on blanks and drops empty arguments.
     */
    static String[] pluginOrder(String[] args, java.util.Set<String> commands) {
        if (args.length == 0 || args[0].startsWith("-") || commands.contains(args[0])) {
            return args;
        }
        for (int i = 0; i < args.length; i++) {
            String[] words = args[i].strip().split(" +");
            if (!words[0].equals("conformance")) {
                continue;
            }
            java.util.List<String> out = new java.util.ArrayList<>();
            out.add("conformance");
            for (int j = 0; j < args.length; j++) {
                if (j == i) {
                    out.addAll(java.util.Arrays.asList(words).subList(1, words.length));
                } else if (!args[j].isBlank()) {
                    out.add(args[j]);
                }
            }
            return out.toArray(new String[0]);
        }
        return args;
    }

    /** The one-line message for an error. */
    static String describe(Exception ex) {
        if (ex instanceof CliException || ex instanceof BpfException || ex instanceof InsnFormatException
                || ex instanceof LoaderException || ex instanceof dev.bpfvm.kernel.KernelException) {
            return ex.getMessage();
        }
        return "internal error: " + ex.getClass().getName() + (ex.getMessage() != null ? ": " + ex.getMessage() : "");
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(io.err());
        return EXIT_BAD_INPUT;
    }
}
