package dev.bpfvm.vm.exec;

/**
 * Where an instruction came from, from BTF line info: {@code file.c:line}, with the source text
 * when the object carries it.
 */
public record SourceLine(String file, int line, int column, String text) {
    /** The file name without directories. */
    public String shortFile() {
        int slash = file.lastIndexOf('/');
        return slash >= 0 ? file.substring(slash + 1) : file;
    }

    @Override
    public String toString() {
        return shortFile() + ":" + line;
    }
}
