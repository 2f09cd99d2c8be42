package dev.bpfvm.vm.elf;

import dev.bpfvm.vm.LoaderException;
import dev.bpfvm.vm.object.Kconfig;
import dev.bpfvm.vm.object.ObjectFunctions;
import dev.bpfvm.vm.object.ObjectSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Turns a clang-built BPF ELF object into an {@link ObjectSpec}. The work is done in named
 * steps, as libbpf and cilium/ebpf do: read the ELF; classify sections; load BTF and .BTF.ext;
 * collect code sections and their functions; collect relocations; collect externs and lay out
 * {@code .kconfig}; load BTF-defined and legacy maps, data sections and the Kconfig map; build
 * each program (entry function plus the subprograms it reaches, with calls and function
 * pointers fixed up and symbolic relocations recorded).
 *
 * <p>Every failure is a {@link LoaderException} ({@link ElfFormatException},
 * {@link dev.bpfvm.vm.btf.BtfException} or {@link dev.bpfvm.vm.object.RelocationException})
 * naming the file and where; nothing is half-built.
 *
 * <p>Objects from clang 14 to 19 load alike, at {@code -mcpu=v1} to {@code v4}, with or without
 * {@code -g}: older clangs keep local jump labels ({@code LBB*}) as symbols, write no enum
 * signedness in BTF and no DATASEC for string literal sections; without {@code -g} there is no
 * BTF (so no line info, function BTF ids or typed variables). BTF that does not load is dropped,
 * as libbpf does, when nothing in the object needs it ({@code -gline-tables-only} writes FUNCs
 * without prototypes), with a note in {@link ObjectSpec#warnings()}.
 */
public final class ElfLoader {
    private ElfLoader() {}

    /** Load-time choices: the Kconfig values that fill {@code __kconfig} externs. */
    public record Options(Kconfig kconfig) {
        public Options {
            Objects.requireNonNull(kconfig);
        }

        public static Options defaults() {
            return new Options(Kconfig.defaults());
        }
    }

    /** Loads the object at {@code path}, naming it by its file name in messages. */
    public static ObjectSpec load(Path path) throws IOException {
        return load(path, Options.defaults());
    }

    public static ObjectSpec load(Path path, Options options) throws IOException {
        byte[] bytes = Files.readAllBytes(path);
        Path name = path.getFileName();
        return load(name == null ? path.toString() : name.toString(), bytes, options);
    }

    /** Loads an object from bytes; {@code file} names it in messages and gives the object its name. */
    public static ObjectSpec load(String file, byte[] bytes) {
        return load(file, bytes, Options.defaults());
    }

    public static ObjectSpec load(String file, byte[] bytes, Options options) {
        try {
            return new ObjectReader(file, bytes, options).read();
        } catch (LoaderException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            // A malformed file that slipped past a check: still a clean, typed error.
            throw new ElfFormatException(file, "malformed object (" + e.getClass().getSimpleName()
                    + (e.getMessage() != null ? ": " + e.getMessage() : "") + ")");
        }
    }

    /**
     * Loads an object and also builds a program of each global function of every code section,
     * including those of {@code .text} (see {@link ObjectFunctions}). Fails as {@link #load} does.
     */
    public static ObjectFunctions loadFunctions(String file, byte[] bytes) {
        return loadFunctions(file, bytes, Options.defaults());
    }

    public static ObjectFunctions loadFunctions(String file, byte[] bytes, Options options) {
        try {
            ObjectReader reader = new ObjectReader(file, bytes, options);
            ObjectSpec object = reader.read();
            return new ObjectFunctions(object, reader.functionPrograms(object.license()));
        } catch (LoaderException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            throw new ElfFormatException(file, "malformed object (" + e.getClass().getSimpleName()
                    + (e.getMessage() != null ? ": " + e.getMessage() : "") + ")");
        }
    }

    /** The object name libbpf would use: the file name without directories and a trailing {@code .o}. */
    public static String objectName(String file) {
        String n = file;
        int slash = Math.max(n.lastIndexOf('/'), n.lastIndexOf('\\'));
        if (slash >= 0) {
            n = n.substring(slash + 1);
        }
        if (n.endsWith(".o")) {
            n = n.substring(0, n.length() - 2);
        }
        return n;
    }
}
