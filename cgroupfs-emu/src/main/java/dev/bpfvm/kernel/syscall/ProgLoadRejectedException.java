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

    public ProgLoadRejectedException(ProgramRejectedException rejection) {
        super(rejection.errno(), rejection.getMessage());
        this.rejection = rejection;
        initCause(rejection);
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
