package dev.bpfvm.kernel;

import dev.bpfvm.vm.Errno;

/**
 * A failed operation of the emulated kernel (a syscall, a file write, mkdir): the errno Linux
 * returns and a message naming the object. Operations that throw it change no state.
 */
public class KernelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Errno errno;

    public KernelException(Errno errno, String message) {
        super(errno.name() + ": " + message);
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }
}
