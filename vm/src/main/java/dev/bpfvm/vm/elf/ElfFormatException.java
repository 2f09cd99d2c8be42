package dev.bpfvm.vm.elf;

import dev.bpfvm.vm.LoaderException;

/**
 * Bytes that are not a well-formed little-endian ELF64 BPF relocatable object, or whose
 * sections, symbols or relocations do not make sense. Names the file, the section (when the
 * problem is in one) and the byte offset within it.
 */
public final class ElfFormatException extends LoaderException {
    private static final long serialVersionUID = 1L;

    private final String section;
    private final long offset;

    public ElfFormatException(String file, String section, long offset, String what) {
        super(file, where(section, offset) + what);
        this.section = section;
        this.offset = offset;
    }

    public ElfFormatException(String file, String what) {
        this(file, null, -1, what);
    }

    private static String where(String section, long offset) {
        if (section == null) {
            return offset >= 0 ? "offset 0x" + Long.toHexString(offset) + ": " : "";
        }
        return "section '" + section + "'" + (offset >= 0 ? " offset 0x" + Long.toHexString(offset) : "") + ": ";
    }

    /** The section the problem is in, or null for the file header and section table. */
    public String section() {
        return section;
    }

    /** Byte offset within the section (or file, when no section), or -1. */
    public long offset() {
        return offset;
    }
}
