package dev.bpfvm.kernel.load;

import dev.bpfvm.vm.LoaderException;

/**
 * An object could not be turned into live maps and programs. The message names the object,
 * then the map or program, then what went wrong; nothing of the object stays alive.
 */
public class BpfLoadException extends LoaderException {
    private static final long serialVersionUID = 1L;

    private final String program;
    private final String map;

    public BpfLoadException(String object, String program, String map, String detail, Throwable cause) {
        super(object, where(program, map) + detail);
        this.program = program;
        this.map = map;
        if (cause != null) {
            initCause(cause);
        }
    }

    private static String where(String program, String map) {
        if (program != null) {
            return "program " + program + ": ";
        }
        if (map != null) {
            return "map " + map + ": ";
        }
        return "";
    }

    /** The program concerned, or null. */
    public String program() {
        return program;
    }

    /** The map concerned, or null. */
    public String map() {
        return map;
    }
}
