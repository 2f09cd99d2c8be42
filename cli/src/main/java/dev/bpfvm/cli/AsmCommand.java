package dev.bpfvm.cli;

import dev.bpfvm.vm.asm.Assembly;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Assembler text → bytecode file. */
@Command(name = "asm", mixinStandardHelpOptions = true,
        description = {
            "Assembles FILE.s (ubpf/bpf_conformance syntax) into raw bytecode: 8-byte instructions,",
            "little-endian. Writes FILE.bin next to FILE.s unless -o says otherwise; -o - prints the",
            "bytes as hex on stdout, one instruction per line (what `bpfvm conformance` reads)."})
final class AsmCommand implements Callable<Integer> {
    private final Io io;

    @Parameters(index = "0", paramLabel = "FILE.s", description = "The assembler source.")
    Path file;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT",
            description = "Where to write the bytecode (- for hex on stdout).")
    String output;

    AsmCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        Assembly a = ProgramFiles.assemble(file);
        byte[] bytes = a.bytes();
        if ("-".equals(output)) {
            io.out().print(HexBytes.format(bytes));
            return Main.EXIT_OK;
        }
        Path out = output != null ? Path.of(output) : defaultOutput(file);
        ProgramFiles.write(out, bytes);
        io.out().println("wrote " + out + ": " + a.insns().size() + " instruction" + (a.insns().size() == 1 ? "" : "s")
                + ", " + bytes.length + " bytes");
        return Main.EXIT_OK;
    }

    /** FILE.s → FILE.bin in the same directory (any other name gets .bin appended). */
    static Path defaultOutput(Path source) {
        String name = source.getFileName().toString();
        String base = name.endsWith(".s") ? name.substring(0, name.length() - 2) : name;
        return source.resolveSibling(base + ".bin");
    }
}
