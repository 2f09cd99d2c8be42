package dev.bpfvm.vm;

/**
 * An object file could not be loaded: the base of every loader error ({@code ElfFormatException},
 * {@code BtfException}, {@code RelocationException}). The message always starts with the file
 * name, then says where (section, offset, program, instruction) and what is wrong.
 */
public class LoaderException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final String detail;

    protected LoaderException(String file, String detail) {
        super(file == null || file.isEmpty() ? detail : file + ": " + detail);
        this.file = file;
        this.detail = detail;
    }

    /** The object file's name as given to the loader, or null when loading from bytes without a name. */
    public String file() {
        return file;
    }

    /** The message without the file name. */
    public String detail() {
        return detail;
    }
}
