package dev.bpfvm.kernel.security;

import dev.bpfvm.kernel.FileSecurity;
import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.kernel.cgroup.CgroupTree;
import dev.bpfvm.kernel.cgroup.Task;
import dev.bpfvm.vm.Errno;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Unix file permissions (mode, owner, group) on {@code /sys/fs/cgroup} and {@code /sys/fs/bpf},
 * and the checks of the VFS on them: search (x) on every directory on the way, write+search on
 * the parent to create or remove, read/write on the file itself; uid 0 passes every check
 * (CAP_DAC_OVERRIDE). Defaults as Linux mounts them: cgroup directories 0755 and interface
 * files 0644, owned by root; the bpffs root 1777; pins 0600 and bpffs directories 0755, owned by
 * their creator. A cgroup made by a non-root task is owned, with its interface files, by that
 * task's uid/gid ({@code cgroup_kn_set_ugid}).
 */
public final class FileModes implements FileSecurity {
    public static final String CGROUP_MOUNT = "/sys/fs/cgroup";
    public static final String BPF_MOUNT = "/sys/fs/bpf";
    /** Pins that bpf_sys_bpf makes in cgroup directories (Bpf.CGROUP_PIN_PREFIX). */
    public static final String BPF_PIN_PREFIX = "cgroup.bpf_";

    /** What the filesystems hold: whether a path exists and whether it is a directory. */
    public interface Lookup {
        boolean exists(String path);

        boolean isDirectory(String path);
    }

    /** An inode's permission bits ({@code 07777}) and owner. */
    public record Inode(int mode, int uid, int gid) {
        @Override
        public String toString() {
            return String.format("%04o %d:%d", mode, uid, gid);
        }
    }

    public static final int MAY_EXEC = 1;
    public static final int MAY_WRITE = 2;
    public static final int MAY_READ = 4;

    private final Privileges privileges;
    private final Lookup lookup;
    private final Map<String, Inode> inodes = new TreeMap<>();

    public FileModes(Privileges privileges, Lookup lookup) {
        this.privileges = privileges;
        this.lookup = lookup;
    }

    static String normalize(String path) {
        List<String> parts = new ArrayList<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty() && !p.equals(".")) {
                parts.add(p);
            }
        }
        return "/" + String.join("/", parts);
    }

    private static String parentOf(String p) {
        int i = p.lastIndexOf('/');
        return i <= 0 ? "/" : p.substring(0, i);
    }

    private static String mountOf(String p) {
        if (p.equals(CGROUP_MOUNT) || p.startsWith(CGROUP_MOUNT + "/")) {
            return CGROUP_MOUNT;
        }
        if (p.equals(BPF_MOUNT) || p.startsWith(BPF_MOUNT + "/")) {
            return BPF_MOUNT;
        }
        return null;
    }

    /** The inode of an existing or default path (no existence check). */
    public synchronized Inode inode(String path) {
        String p = normalize(path);
        Inode i = inodes.get(p);
        if (i != null) {
            return i;
        }
        if (p.equals(BPF_MOUNT)) {
            return new Inode(01777, 0, 0);
        }
        if (BPF_MOUNT.equals(mountOf(p))) {
            return lookup.isDirectory(p) ? new Inode(0755, 0, 0) : new Inode(0600, 0, 0);
        }
        String name = p.substring(p.lastIndexOf('/') + 1);
        if (name.startsWith(BPF_PIN_PREFIX)) {
            // a bpf_sys_bpf pin in a cgroup directory: readable by the directory's owner only
            Inode dir = inode(parentOf(p));
            return new Inode(0400, dir.uid(), dir.gid());
        }
        return CgroupTree.FILES.contains(name) ? new Inode(0644, 0, 0) : new Inode(0755, 0, 0);
    }

    /** Linux's generic_permission: owner, else group (gid or a supplementary group), else other bits; uid 0 overrides. */
    public boolean permitted(Task t, String path, int mask) {
        if (t.uid() == 0) {
            return true;
        }
        Inode i = inode(path);
        int bits;
        if (t.uid() == i.uid()) {
            bits = (i.mode() >> 6) & 7;
        } else if (privileges.inGroup(t, i.gid())) {
            bits = (i.mode() >> 3) & 7;
        } else {
            bits = i.mode() & 7;
        }
        return (bits & mask) == mask;
    }

    private void require(Task t, String path, int mask, String what) {
        if (!permitted(t, path, mask)) {
            throw new KernelException(Errno.EACCES, "uid " + t.uid() + " may not " + what + " " + path
                    + " (" + inode(path) + ")");
        }
    }

    /** Search permission on every directory from the mount down to the parent of {@code p}. */
    private void walk(Task t, String p) {
        String mount = mountOf(p);
        if (mount == null || p.equals(mount)) {
            return;
        }
        String dir = mount;
        String rest = p.substring(mount.length() + 1);
        int slash;
        require(t, dir, MAY_EXEC, "search");
        while ((slash = rest.indexOf('/')) >= 0) {
            dir = dir + "/" + rest.substring(0, slash);
            rest = rest.substring(slash + 1);
            require(t, dir, MAY_EXEC, "search");
        }
    }

    /** Checks creating {@code path} (mkdir, pin): search on the way, write+search on the parent. */
    public void checkCreate(Task t, String path) {
        String p = normalize(path);
        walk(t, p);
        require(t, parentOf(p), MAY_WRITE | MAY_EXEC, "create in");
    }

    /** Checks opening an existing {@code path} with {@code mask} (MAY_READ / MAY_WRITE). */
    public void checkOpen(Task t, String path, int mask) {
        String p = normalize(path);
        walk(t, p);
        require(t, p, mask, (mask & MAY_WRITE) != 0 ? ((mask & MAY_READ) != 0 ? "open read-write" : "write") : "read");
    }

    /**
     * Checks removing {@code path} (unlink, rmdir) as may_delete: search on the way, write+search
     * on the parent (EACCES); in a sticky directory (the bpffs root is 1777) only the file's
     * owner, the directory's owner or uid 0 (CAP_FOWNER) may (check_sticky: EPERM).
     */
    public void checkDelete(Task t, String path) {
        String p = normalize(path);
        walk(t, p);
        String dir = parentOf(p);
        require(t, dir, MAY_WRITE | MAY_EXEC, "remove from");
        Inode d = inode(dir);
        if ((d.mode() & 01000) != 0 && t.uid() != 0) {
            Inode f = inode(p);
            if (t.uid() != f.uid() && t.uid() != d.uid()) {
                throw new KernelException(Errno.EPERM, "uid " + t.uid() + " may not remove " + p + " (" + f
                        + ") from sticky directory " + dir + " (" + d + ")");
            }
        }
    }

    @Override
    public void check(Task actor, String op, String path) {
        switch (op) {
            case "mkdir":
                checkCreate(actor, path);
                break;
            case "rmdir":
            case "unlink":
                checkDelete(actor, path);
                break;
            case "read":
                checkOpen(actor, path, MAY_READ);
                break;
            case "write":
                checkOpen(actor, path, MAY_WRITE);
                break;
            default:
                throw new KernelException(Errno.EINVAL, "unknown file operation " + op);
        }
    }

    /**
     * The cgroup v2 migration rule ({@code cgroup_procs_write_permission}, cgroup-v2.rst
     * "Delegation Containment"): moving a task from {@code src} to {@code dst} needs write access
     * to {@code cgroup.procs} of their common ancestor. Paths are cgroup directories under the mount.
     */
    @Override
    public void checkMigrate(Task actor, String srcDir, String dstDir) {
        String s = normalize(srcDir);
        String d = normalize(dstDir);
        String common = s;
        while (!(d.equals(common) || d.startsWith(common + "/"))) {
            common = parentOf(common);
        }
        if (mountOf(common) == null) {
            common = CGROUP_MOUNT;
        }
        String procs = common + "/cgroup.procs";
        if (!permitted(actor, procs, MAY_WRITE)) {
            throw new KernelException(Errno.EACCES, "uid " + actor.uid() + " may not write " + procs
                    + " (" + inode(procs) + "), the common ancestor's, to move a task from " + s + " to " + d);
        }
    }

    /**
     * Records the owner and mode of a new file or directory (a cgroup's interface files with it):
     * directories 0777 and pins 0600 (bpf_obj_do_pin's S_IRUSR|S_IWUSR), less the actor's umask;
     * cgroup interface files 0644 (their cftype modes, no umask).
     */
    @Override
    public synchronized void created(Task actor, String path, boolean directory) {
        String p = normalize(path);
        int umask = privileges.umask(actor);
        if (CGROUP_MOUNT.equals(mountOf(p))) {
            inodes.put(p, new Inode(0777 & ~umask, actor.uid(), actor.gid()));
            for (String f : CgroupTree.FILES) {
                inodes.put(p + "/" + f, new Inode(0644, actor.uid(), actor.gid()));
            }
        } else {
            inodes.put(p, new Inode((directory ? 0777 : 0600) & ~umask, actor.uid(), actor.gid()));
        }
    }

    /** Forgets a removed path and everything under it. */
    @Override
    public synchronized void removed(String path) {
        String p = normalize(path);
        inodes.keySet().removeIf(k -> k.equals(p) || k.startsWith(p + "/"));
    }

    private String existing(String path) {
        String p = normalize(path);
        if (mountOf(p) == null || !lookup.exists(p)) {
            throw new KernelException(Errno.ENOENT, "no such file or directory " + p);
        }
        return p;
    }

    /** chown(2): needs CAP_CHOWN (EPERM); ENOENT. {@code gid < 0} keeps the group. */
    public synchronized void chown(Task actor, String path, int uid, int gid) {
        String p = existing(path);
        walk(actor, p);
        if (!privileges.capable(actor, Capability.CAP_CHOWN)) {
            throw new KernelException(Errno.EPERM, "uid " + actor.uid() + " may not chown " + p + " (needs CAP_CHOWN)");
        }
        Inode i = inode(p);
        inodes.put(p, new Inode(i.mode(), uid, gid < 0 ? i.gid() : gid));
    }

    /** chmod(2): the owner or uid 0 (CAP_FOWNER) may; EPERM otherwise. */
    public synchronized void chmod(Task actor, String path, int mode) {
        String p = existing(path);
        walk(actor, p);
        Inode i = inode(p);
        if (actor.uid() != 0 && actor.uid() != i.uid()) {
            throw new KernelException(Errno.EPERM, "uid " + actor.uid() + " does not own " + p + " (" + i + ")");
        }
        inodes.put(p, new Inode(mode & 07777, i.uid(), i.gid()));
    }
}
