package dev.bpfvm.verifier;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;

/**
 * The verifier rejected a program. The message is the kernel's error line; {@link #log()} is
 * the whole verifier log.
 */
public class VerifierException extends BpfException {
    private static final long serialVersionUID = 1L;

    private final String log;

    public VerifierException(String log, String message, Errno errno, int insnIdx, String program, String sourceLine) {
        super(errno != null ? errno : Errno.EINVAL, message, insnIdx, program, sourceLine);
        this.log = log;
    }

    /** The full verifier log. */
    public String log() {
        return log;
    }

    /** The instruction the rejection is about, or -1. */
    public int insnIdx() {
        return pc();
    }
}
