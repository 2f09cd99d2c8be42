package dev.bpfvm.cli;

import dev.bpfvm.helpers.Helpers;
import dev.bpfvm.vm.asm.AsmException;
import dev.bpfvm.vm.asm.Assembler;
import dev.bpfvm.vm.asm.Assembly;
import dev.bpfvm.vm.asm.Disassembler;
import dev.bpfvm.vm.elf.ElfLoader;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.SourceLine;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.InsnCodec;
import dev.bpfvm.vm.object.ObjectFunctions;
import dev.bpfvm.vm.object.ObjectSpec;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reading input files: assembler text ({@code .s}), raw bytecode (anything else), and the errors
 * users see for them.
 */
final class ProgramFiles {
    private ProgramFiles() {}

    private static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};

    /** Helper names and numbers: {@code call bpf_trace_printk} assembles, disassembly names them. */
    private static final HelperRegistry HELPERS = Helpers.defaultRegistry();

    static final Assembler.Options ASM_OPTIONS = Assembler.Options.defaults().withHelpers(name -> {
        HelperSpec h = HELPERS.byName(name);
        return h != null ? h.id() : null;
    });

    static final Disassembler.Symbols SYMBOLS = Disassembler.Symbols.helpers(id -> {
        HelperSpec h = HELPERS.byId(id);
        return h != null ? h.name() : null;
    });

    static boolean isAssembly(Path file) {
        return file.getFileName().toString().endsWith(".s");
    }

    /** Assembles a {@code .s} file; errors name {@code FILE:LINE}. */
    static Assembly assemble(Path file) {
        String text = new String(read(file), StandardCharsets.UTF_8);
        try {
            return Assembler.assembleSource(text, ASM_OPTIONS);
        } catch (AsmException e) {
            throw new CliException(file + ":" + (e.line() > 0 ? e.line() + ": " : " ") + e.reason());
        }
    }

    /** A BPF ELF object, loaded; loader errors name the file and where (exit 2). */
    static ObjectSpec object(Path file) {
        byte[] bytes = read(file);
        if (!isElf(bytes)) {
            throw new CliException(file + ": not an ELF object file");
        }
        return ElfLoader.load(file.getFileName().toString(), bytes);
    }

    /** A BPF ELF object with a program for each global function ({@link ElfLoader#loadFunctions}). */
    static ObjectFunctions functions(Path file) {
        byte[] bytes = read(file);
        if (!isElf(bytes)) {
            throw new CliException(file + ": not an ELF object file");
        }
        return ElfLoader.loadFunctions(file.getFileName().toString(), bytes);
    }

    /** Helper names for listings. */
    static Disassembler.Symbols symbols() {
        return SYMBOLS;
    }

    /** The instructions of a {@code .s} or raw bytecode file. */
    static List<Insn> instructions(Path file) {
        if (isAssembly(file)) {
            return assemble(file).insns();
        }
        return decode(file, read(file));
    }

    /** All bytes of a file, or a one-line error naming it. */
    static byte[] read(Path file) {
        try {
            if (Files.isDirectory(file)) {
                throw new CliException("cannot read " + file + ": is a directory");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CliException("cannot read " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new CliException("cannot read " + file + ": permission denied");
        } catch (IOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage());
        }
    }

    static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (AccessDeniedException e) {
            throw new CliException("cannot write " + file + ": permission denied");
        } catch (IOException e) {
            throw new CliException("cannot write " + file + ": " + e.getMessage());
        }
    }

    /**
     * A program from a file: assembler text ({@code .s}, with its lines as source lines) or raw
     * instruction bytes. ELF objects are refused for now.
     */
    static Program load(Path file) {
        String name = file.getFileName().toString();
        if (isAssembly(file)) {
            Assembly a = assemble(file);
            if (a.insns().isEmpty()) {
                throw new CliException(file + ": empty program");
            }
            return new Program(name, a.insns(),
                    pc -> a.line(pc) > 0 ? new SourceLine(name, a.line(pc), 0, a.text(pc)) : null);
        }
        return new Program(name, decode(file, read(file)));
    }

    private static List<Insn> decode(Path file, byte[] bytes) {
        if (isElf(bytes)) {
            throw new CliException(file + ": ELF objects are not supported yet");
        }
        if (bytes.length == 0) {
            throw new CliException(file + ": empty program");
        }
        if (bytes.length % 8 != 0) {
            throw new CliException(file + ": " + bytes.length + " bytes is not a whole number of 8-byte instructions");
        }
        try {
            return InsnCodec.decode(bytes);
        } catch (IllegalArgumentException e) {
            throw new CliException(file + ": " + e.getMessage());
        }
    }

    static boolean isElf(byte[] bytes) {
        if (bytes.length < ELF_MAGIC.length) {
            return false;
        }
        for (int i = 0; i < ELF_MAGIC.length; i++) {
            if (bytes[i] != ELF_MAGIC[i]) {
                return false;
            }
        }
        return true;
    }
}
