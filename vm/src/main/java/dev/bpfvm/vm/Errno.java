package dev.bpfvm.vm;

/** Linux errno values, by their kernel names. Helpers return {@code -errno()}. */
public enum Errno {
    EPERM(1), ENOENT(2), ESRCH(3), EINTR(4), EIO(5), ENXIO(6), E2BIG(7), ENOEXEC(8), EBADF(9),
    ECHILD(10), EAGAIN(11), ENOMEM(12), EACCES(13), EFAULT(14), EBUSY(16), EEXIST(17), EXDEV(18),
    ENODEV(19), ENOTDIR(20), EISDIR(21), EINVAL(22), ENFILE(23), EMFILE(24), ENOTTY(25),
    EFBIG(27), ENOSPC(28), ESPIPE(29), EROFS(30), EMLINK(31), EPIPE(32), ERANGE(34), EDEADLK(35),
    ENAMETOOLONG(36), ENOSYS(38), ENOTEMPTY(39), ELOOP(40), ENOMSG(42), ENODATA(61), ETIME(62),
    EOVERFLOW(75), EBADFD(77), EOPNOTSUPP(95), EADDRINUSE(98), ENOTCONN(107), ETIMEDOUT(110),
    EALREADY(114), EINPROGRESS(115), ENOTSUPP(524);

    private final int value;

    Errno(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    /** The negative value a helper or syscall returns. */
    public long negative() {
        return -value;
    }

    public static Errno of(int value) {
        int v = Math.abs(value);
        for (Errno e : values()) {
            if (e.value == v) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown errno " + value);
    }
}
