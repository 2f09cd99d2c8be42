package dev.bpfvm.cli;

import dev.bpfvm.vm.exec.Program;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reading input files: raw bytecode ({@code .bin}), and the errors users see for them. */
final class ProgramFiles {
    private ProgramFiles() {}

    private static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};

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

    /** A program from a file: raw instruction bytes; ELF objects are refused for now. */
    static Program load(Path file) {
        byte[] bytes = read(file);
        String name = file.getFileName().toString();
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
            return Program.of(name, bytes);
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
