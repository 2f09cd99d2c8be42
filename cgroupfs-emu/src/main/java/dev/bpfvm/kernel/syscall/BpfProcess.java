package dev.bpfvm.kernel.syscall;

import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.vm.Errno;
import java.util.Map;
import java.util.TreeMap;

/**
 * An emulated process's file descriptor table for {@code bpf()} objects. Fds are handed out
 * lowest-free first from 3 (0-2 are the standard streams), as Linux does.
 */
public final class BpfProcess {
    private final int pid;
    private final Map<Integer, Object> fds = new TreeMap<>();
    /** The f_mode (FMODE_READ | FMODE_WRITE) of fds opened with less than both; absent: both. */
    private final Map<Integer, Integer> modes = new TreeMap<>();

    BpfProcess(int pid) {
        this.pid = pid;
    }

    public int pid() {
        return pid;
    }

    synchronized int install(Object o) {
        return install(o, Bpf.FMODE_READ | Bpf.FMODE_WRITE);
    }

    synchronized int install(Object o, int fmode) {
        int fd = 3;
        while (fds.containsKey(fd)) {
            fd++;
        }
        fds.put(fd, o);
        if (fmode != (Bpf.FMODE_READ | Bpf.FMODE_WRITE)) {
            modes.put(fd, fmode);
        }
        return fd;
    }

    /** The fd's f_mode: FMODE_READ, FMODE_WRITE or both (EBADF). */
    synchronized int mode(int fd) {
        get(fd);
        return modes.getOrDefault(fd, Bpf.FMODE_READ | Bpf.FMODE_WRITE);
    }

    synchronized Object get(int fd) {
        Object o = fds.get(fd);
        if (o == null) {
            throw new KernelException(Errno.EBADF, "fd " + fd + " is not open in process " + pid);
        }
        return o;
    }

    synchronized Object remove(int fd) {
        Object o = fds.remove(fd);
        if (o == null) {
            throw new KernelException(Errno.EBADF, "fd " + fd + " is not open in process " + pid);
        }
        modes.remove(fd);
        return o;
    }

    /** Open fds, ascending. */
    public synchronized java.util.List<Integer> fds() {
        return java.util.List.copyOf(fds.keySet());
    }
}
