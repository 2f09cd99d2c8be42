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

    BpfProcess(int pid) {
        this.pid = pid;
    }

    public int pid() {
        return pid;
    }

    synchronized int install(Object o) {
        int fd = 3;
        while (fds.containsKey(fd)) {
            fd++;
        }
        fds.put(fd, o);
        return fd;
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
        return o;
    }

    /** Open fds, ascending. */
    public synchronized java.util.List<Integer> fds() {
        return java.util.List.copyOf(fds.keySet());
    }
}
