package dev.bpfvm.vm.btf;

import dev.bpfvm.vm.LoaderException;

/**
 * Malformed or unusable BTF: a bad header, a type id out of range, a loop, a string outside the
 * string table, a type of the wrong kind where another was needed. Names the file, the section
 * ({@code .BTF} or {@code .BTF.ext}) and the type id or byte offset.
 */
public final class BtfException extends LoaderException {
    private static final long serialVersionUID = 1L;

    public BtfException(String file, String detail) {
        super(file, detail);
    }
}
