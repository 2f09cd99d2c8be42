package dev.bpfvm.cli;

import dev.bpfvm.vm.object.ObjectReport;
import dev.bpfvm.vm.object.ObjectSpec;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** What a BPF object holds. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {
            "Shows what a BPF object file holds: its programs (name, SEC() section, program and",
            "attach type, instruction count, source file, subprograms), maps (type, key/value size,",
            "max entries, flags, inner map and initial values), global variables, externs (kfuncs,",
            "ksyms, Kconfig values as this kernel resolves them) and a BTF summary. --json prints one",
            "JSON object instead (its layout is documented in the README)."})
final class InspectCommand implements Callable<Integer> {
    private final Io io;

    @Parameters(index = "0", paramLabel = "FILE.o", description = "A clang-built BPF object.")
    Path file;

    @Option(names = "--json", description = "One JSON object instead of text.")
    boolean json;

    InspectCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        ObjectSpec o = ProgramFiles.object(file);
        String name = file.getFileName().toString();
        if (json) {
            io.out().println(ObjectReport.json(o, name));
        } else {
            io.out().print(ObjectReport.text(o, name));
        }
        return Main.EXIT_OK;
    }
}
