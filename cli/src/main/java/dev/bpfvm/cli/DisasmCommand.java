package dev.bpfvm.cli;

import dev.bpfvm.vm.asm.Disassembler;
import dev.bpfvm.vm.isa.Insn;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Bytecode → text, in the kernel's pseudo-C or in assembler syntax. */
@Command(name = "disasm", mixinStandardHelpOptions = true,
        description = {
            "Disassembles raw bytecode (or a .s file). --syntax kernel (the default) prints what the",
            "verifier log and `bpftool prog dump xlated` print, one `N: (op) text` line per",
            "instruction; --syntax asm prints assembler text that `bpfvm asm` turns back into the",
            "same bytes."})
final class DisasmCommand implements Callable<Integer> {
    enum Syntax { kernel, asm }

    private final Io io;

    @Parameters(index = "0", paramLabel = "FILE", description = "Raw bytecode (.bin) or assembler text (.s).")
    Path file;

    @Option(names = "--syntax", paramLabel = "kernel|asm", defaultValue = "kernel",
            description = "kernel (default) or asm.")
    Syntax syntax;

    DisasmCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        List<Insn> insns = ProgramFiles.instructions(file);
        if (syntax == Syntax.asm) {
            io.out().print(Disassembler.program(insns, ProgramFiles.SYMBOLS));
        } else {
            io.out().print(Disassembler.kernelProgram(insns, ProgramFiles.SYMBOLS));
        }
        return Main.EXIT_OK;
    }
}
