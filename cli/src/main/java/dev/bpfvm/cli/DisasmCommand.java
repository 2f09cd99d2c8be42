package dev.bpfvm.cli;

import dev.bpfvm.vm.asm.Disassembler;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.object.ObjectFunctions;
import dev.bpfvm.vm.object.ObjectReport;
import dev.bpfvm.vm.object.ObjectSpec;
import dev.bpfvm.vm.object.ProgramSpec;
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
            "same bytes.",
            "For a BPF object (FILE.o) it lists each program (or only --prog NAME) as",
            "`bpftool prog dump xlated` does, subprograms included, maps and globals by name;",
            "--source adds `; source line [file:F line_num:N line_col:C]` comments from line info."})
final class DisasmCommand implements Callable<Integer> {
    enum Syntax { kernel, asm }

    private final Io io;

    @Parameters(index = "0", paramLabel = "FILE", description = "Raw bytecode (.bin) or assembler text (.s).")
    Path file;

    @Option(names = "--syntax", paramLabel = "kernel|asm", defaultValue = "kernel",
            description = "kernel (default) or asm.")
    Syntax syntax;

    @Option(names = "--prog", paramLabel = "NAME",
            description = "Only this program (or global function, .text ones included) of a .o file.")
    String prog;

    @Option(names = "--source", description = "With a .o file: print source lines from BTF line info.")
    boolean source;

    DisasmCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        if (!ProgramFiles.isAssembly(file) && ProgramFiles.isElf(ProgramFiles.read(file))) {
            return object();
        }
        if (prog != null || source) {
            throw new CliException((prog != null ? "--prog" : "--source") + " is only for BPF object files (.o)");
        }
        List<Insn> insns = ProgramFiles.instructions(file);
        if (syntax == Syntax.asm) {
            io.out().print(Disassembler.program(insns, ProgramFiles.SYMBOLS));
        } else {
            io.out().print(Disassembler.kernelProgram(insns, ProgramFiles.SYMBOLS));
        }
        return Main.EXIT_OK;
    }

    private Integer object() {
        if (syntax != Syntax.kernel) {
            throw new CliException("--syntax asm is not available for BPF object files");
        }
        ObjectFunctions functions = ProgramFiles.functions(file);
        ObjectSpec o = functions.object();
        List<ProgramSpec> progs = o.programs();
        if (prog != null) {
            ProgramSpec p = functions.function(prog);   // a program, or a global function of .text
            if (p == null) {
                throw new CliException(file + ": no program named '" + prog + "' (programs: "
                        + String.join(", ", o.programs().stream().map(ProgramSpec::name).toList()) + ")");
            }
            progs = List.of(p);
        }
        boolean first = true;
        for (ProgramSpec p : progs) {
            if (!first) {
                io.out().println();
            }
            first = false;
            if (progs.size() > 1) {
                io.out().println("program " + p.name() + " (SEC(\"" + p.section() + "\")):");
            }
            io.out().print(ObjectReport.disassemble(o, p, ProgramFiles.symbols(), source));
        }
        return Main.EXIT_OK;
    }
}
