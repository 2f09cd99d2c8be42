package dev.bpfvm.kernel.load;

import dev.bpfvm.verifier.VerifierException;
import dev.bpfvm.vm.Errno;

/**
 * The verifier rejected a program of an object. The message reads
 * {@code FILE: program NAME: rejected at insn N (file.c:LINE): <the verifier's error line>};
 * {@link #log()} is the whole verifier log and {@link #errno()} what {@code BPF_PROG_LOAD} returns.
 */
public final class ProgramRejectedException extends BpfLoadException {
    private static final long serialVersionUID = 1L;

    private final VerifierException rejection;

    public ProgramRejectedException(String object, String program, VerifierException rejection) {
        super(object, program, null, detail(rejection), rejection);
        this.rejection = rejection;
    }

    private static String detail(VerifierException e) {
        StringBuilder sb = new StringBuilder("rejected");
        if (e.insnIdx() >= 0) {
            sb.append(" at insn ").append(e.insnIdx());
            if (e.sourceLine() != null) {
                sb.append(" (").append(e.sourceLine()).append(')');
            }
        }
        return sb.append(": ").append(e.reason()).toString();
    }

    /** The verifier's error line (the last log line before the stats). */
    public String verifierMessage() {
        return rejection.reason();
    }

    /** The whole verifier log. */
    public String log() {
        return rejection.log();
    }

    /** The instruction the rejection is about, or -1. */
    public int insnIdx() {
        return rejection.insnIdx();
    }

    /** {@code file.c:line} of that instruction, or null without line info. */
    public String sourceLine() {
        return rejection.sourceLine();
    }

    /** EACCES for most rejections, EINVAL for structural ones, as Linux. */
    public Errno errno() {
        return rejection.errno();
    }

    /** The verifier's exception. */
    public VerifierException rejection() {
        return rejection;
    }
}
