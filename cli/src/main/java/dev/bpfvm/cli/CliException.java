package dev.bpfvm.cli;

/**
 * An error the user can act on: bad input, a missing file, a fault. {@link Main} prints its
 * message as one line ({@code bpfvm: MESSAGE}) on stderr and exits with {@link #exitCode}.
 */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    CliException(String message) {
        this(message, Main.EXIT_BAD_INPUT);
    }

    CliException(String message, int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
