package dev.bpfvm.kernel.syscall;

import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.kernel.load.ProgramRejectedException;

/**
 * BPF_PROG_LOAD failed because the verifier rejected the program: the errno is the verifier's
 * (EACCES for most rejections, EINVAL for structural ones, as Linux), and {@link #log()} is what
 * the kernel writes to the load's {@code log_buf}.
 */
public final class ProgLoadRejectedException extends KernelException {
    private static final long serialVersionUID = 1L;

    private final ProgramRejectedException rejection;
    private final String logBuffer;

    public ProgLoadRejectedException(ProgramRejectedException rejection) {
        this(rejection, rejection.log(), rejection.errno());
    }

    /**
     * A raw load's rejection: {@code logBuffer} is what the caller's {@code log_buf} holds, {@code
     * errno} the verifier's or ENOSPC when the log did not fit.
     */
    public ProgLoadRejectedException(ProgramRejectedException rejection, String logBuffer, dev.bpfvm.vm.Errno errno) {
        super(errno, rejection.getMessage());
        this.rejection = rejection;
        this.logBuffer = logBuffer;
        initCause(rejection);
    }

    /** What the load's {@code log_buf} holds (the whole log unless a raw load's buffer was smaller). */
    public String logBuffer() {
        return logBuffer;
    }

    /** The verifier log. */
    public String log() {
        return rejection.log();
    }

    /** The loader's rejection (program, insn, source line). */
    public ProgramRejectedException rejection() {
        return rejection;
    }
}
