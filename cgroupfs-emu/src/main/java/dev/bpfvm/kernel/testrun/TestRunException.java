package dev.bpfvm.kernel.testrun;

import dev.bpfvm.vm.Errno;

/**
 * {@code BPF_PROG_TEST_RUN} refused its inputs, with the errno Linux returns for them (EINVAL for
 * a bad {@code ctx_in} field, E2BIG for non-zero bytes past the context, ENOTSUPP for a program
 * type that cannot be test-run, ...). The message names the program.
 */
public final class TestRunException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Errno errno;
    private final String program;

    public TestRunException(Errno errno, String program, String detail) {
        super("program " + program + ": test run: " + detail + " (" + errno + ")");
        this.errno = errno;
        this.program = program;
    }

    public Errno errno() {
        return errno;
    }

    public String program() {
        return program;
    }
}
