package dev.bpfvm.kernel.scenario;

/**
 * A scenario stopped: an expectation failed ({@link #failed()} true: exit code 1) or the script
 * is wrong ({@link #failed()} false: exit code 2). The message starts with {@code FILE:LINE:}.
 */
public final class ScenarioException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int line;
    private final boolean failed;

    ScenarioException(String file, int line, boolean failed, String message) {
        super(file + ":" + line + ": " + message, null, false, false);
        this.line = line;
        this.failed = failed;
    }

    public int line() {
        return line;
    }

    /** True when an expectation failed; false for a script error. */
    public boolean failed() {
        return failed;
    }

    /** The CLI's exit code: 1 for a failed expectation, 2 for a script error. */
    public int exitCode() {
        return failed ? 1 : 2;
    }
}
