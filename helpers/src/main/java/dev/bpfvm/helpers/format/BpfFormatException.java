package dev.bpfvm.helpers.format;

import dev.bpfvm.vm.Errno;

/**
 * A format string Linux's {@code bpf_bprintf_prepare} refuses ({@code EINVAL}), or arguments
 * that do not fit its 512-byte argument buffer ({@code ENOSPC}). The helper returns
 * {@code -errno()}.
 */
public final class BpfFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    private final Errno errno;

    public BpfFormatException(Errno errno, String message) {
        super(message, null, false, false);
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }
}
