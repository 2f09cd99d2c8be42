package dev.bpfvm.cli;

import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.TraceSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The bpf_conformance plugin protocol: program bytes as hex on stdin, the memory as hex in the
 * first argument, r0 printed in hex on stdout.
 */
@Command(name = "conformance", mixinStandardHelpOptions = true,
        description = {
            "Runs one program as a bpf_conformance plugin: reads the program as hex bytes on stdin,",
            "sets r1 to a writable copy of MEM-HEX (0 when absent) and r2 to its length, runs it and",
            "prints r0 in hex on stdout. Errors: one line on stderr, exit 2."})
final class ConformanceCommand implements Callable<Integer> {
    private final Io io;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MEM-HEX",
            description = "The input memory: hex bytes separated by blanks, e.g. \"00  01  ff  \".")
    String memHex;

    @Option(names = "--elf", description = "stdin holds a BPF ELF object (in hex) whose function 'main' is run.")
    boolean elf;

    ConformanceCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        byte[] mem = memHex == null ? new byte[0] : HexBytes.parse(memHex, "the memory argument");
        String text;
        try {
            text = new String(io.in().readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new CliException("cannot read the program from stdin: " + e.getMessage());
        }
        byte[] code = HexBytes.parse(text, "the program on stdin");
        if (code.length == 0) {
            throw new CliException("empty program on stdin");
        }
        if (elf && !ProgramFiles.isElf(code)) {
            throw new CliException("--elf: the program on stdin is not an ELF object");
        }
        BpfRuntime rt = RawRun.runtime();
        Program p = elf ? ObjectFunction.link("stdin", "stdin.o", code, "main", rt).program() : Program.of("stdin", code);
        RawRun run = new RawRun(rt, mem, new TraceSink() {
            @Override
            public void printk(String line) {
                io.err().println("bpf_trace_printk: " + line);
            }
        });
        long r0 = run.run(p);
        io.out().println(Long.toHexString(r0));
        return Main.EXIT_OK;
    }
}
