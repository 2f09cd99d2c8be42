package dev.bpfvm.cli;

import dev.bpfvm.kernel.load.BpfObject;
import dev.bpfvm.kernel.load.BpfProgram;
import dev.bpfvm.kernel.testrun.TestRunOptions;
import dev.bpfvm.kernel.testrun.TestRunResult;
import java.nio.file.Path;
import dev.bpfvm.vm.jit.Jit;
import dev.bpfvm.vm.jit.JitOptions;
import dev.bpfvm.vm.jit.TierPolicy;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code BPF_PROG_TEST_RUN} of programs of an object file. Prints {@code retval: N} (u32, as
 * Linux reports it) and {@code duration: D ns} (average per run over the second half of the
 * runs, after the first half warmed up); with {@code --all} each line is prefixed by the
 * program's name; {@code --json} prints one object per program per line.
 */
@Command(name = "test-run", mixinStandardHelpOptions = true,
        description = {
            "Loads FILE.o and runs programs as BPF_PROG_TEST_RUN does: data_in is an",
            "Ethernet frame for socket filters, tc, cgroup_skb and XDP; ctx_in the",
            "context (__sk_buff, xdp_md, u64 arguments, pt_regs, a tracepoint record,",
            "syscall arguments). Prints retval and the average duration per run,",
            "measured in the process over the second half of the --repeat runs after",
            "the first half warmed up. Trace output goes to stderr."})
final class TestRunCommand implements Callable<Integer> {
    private final Io io;

    @Parameters(index = "0", paramLabel = "FILE.o", description = "A BPF object file (clang -target bpf).")
    Path file;

    static final class Which {
        @Option(names = "--prog", paramLabel = "NAME", required = true, description = "The program to run.")
        String prog;

        @Option(names = "--all", required = true, description = "Runs every program of the object.")
        boolean all;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    @Mixin
    ObjectRuns.Inputs inputs;

    @Option(names = "--tier", paramLabel = "TIER", defaultValue = "auto", converter = RunCommand.TierConverter.class,
            description = "interp (never compiles), jit (compiles before the first run) or auto (compiles in"
                    + " the background after 1000 runs; the default).")
    TierPolicy tier;

    @Option(names = "--json", description = "Prints one JSON object per program.")
    boolean json;

    @Option(names = "--trace", description = "Prints each executed instruction and the registers it changed (stderr).")
    boolean trace;

    @Option(names = "--source", description = "With --trace: C source lines, memory read and written, helper calls"
            + " with their arguments and results.")
    boolean source;

    TestRunCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        TestRunOptions options = inputs.options();
        try (BpfObject obj = ObjectRuns.open(file, inputs.noVerify)) {
            if (source && !trace) {
                throw new CliException("--source needs --trace");
            }
            Jit jit = tier == TierPolicy.INTERP ? null : Jit.install(obj.runtime(), JitOptions.of(tier)
                    .warnings(w -> io.err().println("bpfvm: warning: stays interpreted: " + w)));
            try {
                return runAll(obj, options, jit);
            } finally {
                if (jit != null) {
                    jit.shutdown();
                }
            }
        }
    }

    private int runAll(BpfObject obj, TestRunOptions options, Jit jit) {
        {
            options = options.withTrace(source ? new SourceTrace(io.err(), obj.runtime(), ObjectRuns.symbols(obj.runtime()))
                    : ObjectRuns.trace(io.err(), obj), trace);
            List<BpfProgram> progs;
            if (which.all) {
                progs = obj.programs();
            } else {
                progs = List.of(program(obj, which.prog));
            }
            boolean failed = false;
            for (BpfProgram p : progs) {
                if (tier == TierPolicy.JIT) {
                    jit.compileNow(p.program());
                }
                failed |= !runOne(p, options);
            }
            return failed ? Main.EXIT_BAD_INPUT : Main.EXIT_OK;
        }
    }

    private static BpfProgram program(BpfObject obj, String name) {
        try {
            return obj.program(name);
        } catch (RuntimeException e) {
            throw new CliException(e.getMessage());
        }
    }

    /** Runs one program and prints its result; false if it failed. */
    private boolean runOne(BpfProgram p, TestRunOptions options) {
        String prefix = which.all ? p.name() + ": " : "";
        TestRunResult r;
        try {
            r = p.testRun(options);
        } catch (RuntimeException e) {
            String msg = ObjectRuns.message(e);
            if (msg == null) {
                throw e;
            }
            if (json) {
                io.out().println("{\"name\": " + ObjectRuns.json(p.name()) + ", \"retval\": null, \"duration_ns\": null, \"cpu_ns\": null,"
                        + " \"data_out\": null, \"error\": " + ObjectRuns.json(msg) + "}");
            } else if (which.all) {
                io.err().println("bpfvm: " + prefix + msg);
            } else {
                throw new CliException(msg);
            }
            return false;
        }
        if (json) {
            io.out().println("{\"name\": " + ObjectRuns.json(p.name()) + ", \"retval\": " + r.retval()
                    + ", \"duration_ns\": " + r.durationNs() + ", \"cpu_ns\": " + r.cpuNs() + ", \"data_out\": "
                    + ObjectRuns.json(ObjectRuns.hex(r.dataOut())) + ", \"tier\": \"" + p.program().tier().label()
                    + "\", \"error\": null}");
        } else {
            io.out().println(prefix + "retval: " + r.retval());
            io.out().println(prefix + "duration: " + r.durationNs() + " ns");
        }
        return true;
    }
}
