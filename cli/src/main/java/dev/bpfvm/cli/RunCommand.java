package dev.bpfvm.cli;

import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.TraceSink;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * A raw run of a program on a memory buffer, timed in the process. Prints {@code retval: N}
 * (r0, unsigned decimal) and {@code duration: D ns} (the average per run).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {
            "Runs a program with r1 = a writable copy of the memory (0 when none is given) and",
            "r2 = its length, and prints r0 as an unsigned decimal and the average time per run",
            "(measured in the process; the memory is not reset between repeats)."})
final class RunCommand implements Callable<Integer> {
    private final Io io;

    @Parameters(index = "0", paramLabel = "FILE",
            description = "The program: assembler text (.s) or raw bytecode (.bin).")
    Path file;

    @Option(names = "--mem-hex", paramLabel = "HEX", description = "The memory as hex bytes, e.g. \"01 02 ff\".")
    String memHex;

    @Option(names = "--mem-in", paramLabel = "FILE", description = "The memory: the raw bytes of FILE.")
    Path memIn;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "1", description = "Runs N times (default 1).")
    int repeat;

    @Option(names = "--json", description = "Prints one JSON object instead of lines.")
    boolean json;

    RunCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        if (memHex != null && memIn != null) {
            throw new CliException("--mem-hex and --mem-in cannot be used together");
        }
        if (repeat < 1) {
            throw new CliException("--repeat must be at least 1 (got " + repeat + ")");
        }
        byte[] mem = memHex != null ? HexBytes.parse(memHex, "--mem-hex")
                : memIn != null ? ProgramFiles.read(memIn) : new byte[0];
        Program p = ProgramFiles.load(file);
        RawRun run = new RawRun(mem, new TraceSink() {
            @Override
            public void printk(String line) {
                io.err().println("bpf_trace_printk: " + line);
            }
        });
        long r0 = 0;
        long start = System.nanoTime();
        for (int i = 0; i < repeat; i++) {
            r0 = run.run(p);
        }
        long average = (System.nanoTime() - start) / repeat;
        if (json) {
            io.out().println("{\"retval\": " + Long.toUnsignedString(r0) + ", \"duration_ns\": " + average
                    + ", \"repeat\": " + repeat + "}");
        } else {
            io.out().println("retval: " + Long.toUnsignedString(r0));
            io.out().println("duration: " + average + " ns");
        }
        return Main.EXIT_OK;
    }
}
