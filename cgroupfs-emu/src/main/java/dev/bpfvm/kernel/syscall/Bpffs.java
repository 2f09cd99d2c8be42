package dev.bpfvm.kernel.syscall;

import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.vm.Errno;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The BPF filesystem mounted at {@value #MOUNT}: directories and pinned objects. A pin holds
 * a reference on its object; unlinking it drops the reference. Paths are absolute.
 */
public final class Bpffs {
    public static final String MOUNT = "/sys/fs/bpf";

    /** A directory entry: null value = directory. */
    private final Map<String, Refcounted> entries = new TreeMap<>();

    Bpffs() {
        entries.put(MOUNT, null);
    }

    /** Whether {@code path} is on bpffs. */
    public static boolean on(String path) {
        return path.equals(MOUNT) || path.startsWith(MOUNT + "/");
    }

    /** Pin and mkdir outside bpffs: EPERM (Linux checks the parent is a bpffs directory). */
    static String normalize(String path) {
        return normalize(path, Errno.EPERM);
    }

    static String normalize(String path, Errno notOnBpffs) {
        if (!on(path)) {
            throw new KernelException(notOnBpffs, path + " is not on bpffs (" + MOUNT + ")");
        }
        List<String> parts = new ArrayList<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty() && !p.equals(".")) {
                parts.add(p);
            }
        }
        return "/" + String.join("/", parts);
    }

    private static String parentOf(String p) {
        return p.substring(0, p.lastIndexOf('/'));
    }

    private void checkParent(String p) {
        String parent = parentOf(p);
        if (!entries.containsKey(parent)) {
            throw new KernelException(Errno.ENOENT, "no directory " + parent);
        }
        if (entries.get(parent) != null) {
            throw new KernelException(Errno.ENOTDIR, parent + " is not a directory");
        }
        if (entries.containsKey(p)) {
            throw new KernelException(Errno.EEXIST, p + " exists");
        }
    }

    public synchronized void mkdir(String path) {
        String p = normalize(path);
        checkParent(p);
        entries.put(p, null);
    }

    /** Pins {@code o} (taking a reference). EEXIST, ENOENT, ENOTDIR. */
    synchronized void pin(String path, Refcounted o) {
        String p = normalize(path);
        checkParent(p);
        o.get();
        entries.put(p, o);
    }

    /**
     * The object pinned at {@code path}. ENOENT; EACCES for a directory or a file outside bpffs
     * (bpf_obj_get's bpf_inode_type finds no BPF object there).
     */
    synchronized Refcounted get(String path) {
        String p = normalize(path, Errno.EACCES);
        if (!entries.containsKey(p)) {
            throw new KernelException(Errno.ENOENT, "nothing at " + p);
        }
        Refcounted o = entries.get(p);
        if (o == null) {
            throw new KernelException(Errno.EACCES, p + " is a directory, not a pinned object");
        }
        return o;
    }

    /** Whether {@code path} is a bpffs directory. */
    public synchronized boolean isDirectory(String path) {
        String p = normalize(path, Errno.ENOENT);
        return entries.containsKey(p) && entries.get(p) == null;
    }

    /** Removes a pin (unlink) or an empty directory (rmdir). ENOENT, ENOTEMPTY, EBUSY for the mount. */
    public void unlink(String path) {
        Refcounted o;
        synchronized (this) {
            String p = normalize(path);
            if (p.equals(MOUNT)) {
                throw new KernelException(Errno.EBUSY, MOUNT + " is the mount point");
            }
            if (!entries.containsKey(p)) {
                throw new KernelException(Errno.ENOENT, "nothing at " + p);
            }
            o = entries.get(p);
            if (o == null) {
                for (String k : entries.keySet()) {
                    if (k.startsWith(p + "/")) {
                        throw new KernelException(Errno.ENOTEMPTY, p + " is not empty");
                    }
                }
            }
            entries.remove(p);
        }
        if (o != null) {
            o.put();
        }
    }

    /** Whether {@code path} exists (a pin or a directory). */
    public synchronized boolean exists(String path) {
        return entries.containsKey(normalize(path));
    }

    /** Names in a directory, sorted. ENOENT, ENOTDIR. */
    public synchronized List<String> list(String path) {
        String p = normalize(path);
        if (!entries.containsKey(p)) {
            throw new KernelException(Errno.ENOENT, "nothing at " + p);
        }
        if (entries.get(p) != null) {
            throw new KernelException(Errno.ENOTDIR, p + " is not a directory");
        }
        List<String> out = new ArrayList<>();
        for (String k : entries.keySet()) {
            if (k.startsWith(p + "/") && k.indexOf('/', p.length() + 1) < 0) {
                out.add(k.substring(p.length() + 1));
            }
        }
        return out;
    }
}
