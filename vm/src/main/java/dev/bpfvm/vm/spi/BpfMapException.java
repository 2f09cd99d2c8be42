package dev.bpfvm.vm.spi;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;

/**
 * A map operation from user space (the {@code bpf()} syscall side) failed with a kernel errno:
 * {@code ENOENT} for a missing key, {@code EEXIST}, {@code E2BIG}, {@code EINVAL}, {@code EPERM}
 * for a frozen or read-only map, and so on. The message names the map.
 *
 * <p>Batch operations that stop part-way report how many elements were done before the error in
 * {@link #completed()} (the kernel's {@code batch.count} on error); -1 elsewhere.
 */
public final class BpfMapException extends BpfException {
    private static final long serialVersionUID = 1L;

    private final int completed;

    public BpfMapException(Errno errno, String message) {
        this(errno, message, -1);
    }

    public BpfMapException(Errno errno, String message, int completed) {
        super(errno, message, -1, null, null);
        this.completed = completed;
    }

    /** Elements processed by a batch operation before it failed, or -1. */
    public int completed() {
        return completed;
    }

    /** The same error, for a batch that completed {@code n} elements before it. */
    public BpfMapException withCompleted(int n) {
        return new BpfMapException(errno(), reason(), n);
    }
}
