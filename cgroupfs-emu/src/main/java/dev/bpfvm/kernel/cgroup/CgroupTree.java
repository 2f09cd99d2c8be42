package dev.bpfvm.kernel.cgroup;

import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.mem.AddressSpace;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The cgroup v2 hierarchy and the tasks in it. Paths are relative to the mount point
 * ({@code "/"}, {@code "/a/b"} or {@code "a/b"}). Ids are kernfs-style: the root is 1 and each
 * new cgroup gets the next number. Every operation checks first and changes nothing when it
 * fails with a {@link KernelException}. Thread-safe (one lock: the kernel's cgroup_mutex).
 */
public final class CgroupTree {
    /** Linux's NAME_MAX. */
    public static final int NAME_MAX = 255;

    private final AddressSpace memory;
    private final LongSupplier clock;
    private final Cgroup root;
    private final Map<Long, Cgroup> byId = new HashMap<>();
    private final Map<Integer, Task> tasks = new TreeMap<>();
    private long nextId = 1;
    private long serial;
    private CgroupEvents events = CgroupEvents.NONE;

    public CgroupTree(AddressSpace memory, LongSupplier clock) {
        this.memory = memory;
        this.clock = clock;
        this.root = new Cgroup(this, nextId++, "", null, serial++);
        byId.put(root.id(), root);
    }

    AddressSpace memory() {
        return memory;
    }

    /** Sets who hears about mkdir, rmdir and migrations (the emulated kernel's attach points). */
    public synchronized void events(CgroupEvents e) {
        this.events = e == null ? CgroupEvents.NONE : e;
    }

    public Cgroup root() {
        return root;
    }

    /** The online cgroup with this id, or null. */
    public synchronized Cgroup byId(long id) {
        return byId.get(id);
    }

    /** Number of cgroups alive (online or still referenced). */
    public synchronized int size() {
        return byId.size();
    }

    void released(Cgroup c) {
        CgroupEvents ev;
        synchronized (this) {
            ev = events;
        }
        ev.released(c);
    }

    synchronized void forget(Cgroup c) {
        byId.remove(c.id(), c);
    }

    /** The cgroup at {@code path}; ENOENT if there is none, ENOTDIR through a file name. */
    public synchronized Cgroup lookup(String path) {
        Cgroup c = root;
        for (String part : split(path)) {
            Cgroup next = c.child(part);
            if (next == null) {
                throw new KernelException(Errno.ENOENT, "no cgroup " + normalize(path));
            }
            c = next;
        }
        return c;
    }

    /** Creates a cgroup (mkdir); returns it. EEXIST, ENOENT (no parent), EINVAL/ENAMETOOLONG (bad name). */
    public Cgroup mkdir(String path) {
        CgroupEvents ev;
        Cgroup parent;
        String name;
        synchronized (this) {
            List<String> parts = split(path);
            if (parts.isEmpty()) {
                throw new KernelException(Errno.EEXIST, "cgroup / exists");
            }
            name = parts.get(parts.size() - 1);
            parent = lookup(String.join("/", parts.subList(0, parts.size() - 1)));
            if (parent.child(name) != null || isFileName(name)) {
                throw new KernelException(Errno.EEXIST, normalize(path) + " exists");
            }
            if (name.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
                throw new KernelException(Errno.ENAMETOOLONG, "cgroup name longer than " + NAME_MAX + " bytes");
            }
            if (name.indexOf('\n') >= 0) {
                throw new KernelException(Errno.EINVAL, "cgroup name contains a newline");
            }
            ev = events;
        }
        ev.mkdirEntry(parent, name, 0755);
        Cgroup c;
        synchronized (this) {
            c = new Cgroup(this, nextId++, name, parent, serial++);
            byId.put(c.id(), c);
            parent.addChild(c);
            for (Cgroup a = parent; a != null; a = a.parent()) {
                a.adjustDescendants(1);
            }
        }
        ev.mkdirTracepoint(c);
        ev.mkdirExit(parent, name, 0755, 0);
        return c;
    }

    /** Removes a cgroup (rmdir). ENOENT; EBUSY for the root, a cgroup with children or with tasks. */
    public void rmdir(String path) {
        CgroupEvents ev;
        Cgroup c;
        synchronized (this) {
            c = lookup(path);
            if (c == root) {
                throw new KernelException(Errno.EBUSY, "cannot remove the root cgroup");
            }
            ev = events;
            c.tryAcquire();   // keep the memory for the exit event
        }
        try {
            ev.rmdirEntry(c);
            String busy;
            synchronized (this) {
                busy = c.taskCount() > 0 ? "has tasks" : c.hasChildren() ? "has child cgroups" : null;
                if (busy == null) {
                    c.parent().removeChild(c);
                    for (Cgroup a = c.parent(); a != null; a = a.parent()) {
                        a.adjustDescendants(-1);
                    }
                }
            }
            if (busy != null) {
                ev.rmdirExit(c, (int) Errno.EBUSY.negative());
                throw new KernelException(Errno.EBUSY, "cgroup " + c.path() + " " + busy);
            }
            ev.rmdirTracepoint(c);
            c.offline();
            ev.rmdirExit(c, 0);
        } finally {
            c.release();
        }
    }

    // ---------------------------------------------------------------- tasks

    /** A new task (thread group leader when {@code tgid == pid}) in {@code cgroup}. EEXIST for a used pid, ESRCH for a missing leader. */
    public synchronized Task spawn(int pid, int tgid, int uid, int gid, String comm, Cgroup cgroup) {
        if (pid <= 0) {
            throw new KernelException(Errno.EINVAL, "pid " + pid + " must be positive");
        }
        if (tasks.containsKey(pid)) {
            throw new KernelException(Errno.EEXIST, "pid " + pid + " is in use");
        }
        if (tgid != pid && !tasks.containsKey(tgid)) {
            throw new KernelException(Errno.ESRCH, "no thread group leader " + tgid);
        }
        if (!cgroup.online()) {
            throw new KernelException(Errno.ENOENT, cgroup + " was removed");
        }
        Task t = new Task(this, pid, tgid, uid, gid, comm, cgroup, clock.getAsLong());
        tasks.put(pid, t);
        cgroup.adjustTasks(1);
        return t;
    }

    /** The live task with this pid, or null. */
    public synchronized Task task(int pid) {
        return tasks.get(pid);
    }

    /** Live tasks by pid. */
    public synchronized List<Task> tasks() {
        return List.copyOf(tasks.values());
    }

    /** The task exits: it leaves its cgroup and its memory goes when the last reference does. */
    public void exit(int pid) {
        Task t;
        synchronized (this) {
            t = tasks.remove(pid);
            if (t == null) {
                throw new KernelException(Errno.ESRCH, "no task " + pid);
            }
            t.cgroup().adjustTasks(-1);
        }
        t.release();
    }

    /**
     * Migrates a task, as a write of its id to {@code cgroup.procs} (the whole thread group,
     * {@code threadgroup == true}) or {@code cgroup.threads} (one thread). ESRCH for an unknown
     * pid; ENOENT for a removed cgroup. Tasks already in {@code dst} do not move and fire no
     * tracepoint, as in Linux.
     */
    public void attach(Cgroup dst, int pid, boolean threadgroup) {
        CgroupEvents ev;
        Task leader;
        List<Task> moving = new ArrayList<>();
        synchronized (this) {
            leader = tasks.get(pid);
            if (leader == null) {
                throw new KernelException(Errno.ESRCH, "no task " + pid);
            }
            if (!dst.online()) {
                throw new KernelException(Errno.ENOENT, dst + " was removed");
            }
            if (threadgroup) {
                leader = tasks.getOrDefault(leader.tgid(), leader);
                for (Task t : tasks.values()) {
                    if (t.tgid() == leader.tgid()) {
                        moving.add(t);
                    }
                }
            } else {
                moving.add(leader);
            }
            ev = events;
        }
        ev.attachEntry(dst, leader, threadgroup);
        List<Task> moved = new ArrayList<>();
        synchronized (this) {
            for (Task t : moving) {
                Cgroup src = t.cgroup();
                if (src != dst) {
                    src.adjustTasks(-1);
                    dst.adjustTasks(1);
                    t.setCgroup(dst);
                    moved.add(t);
                }
            }
        }
        for (Task t : moved) {
            ev.attachTracepoint(dst, t, threadgroup);
        }
        ev.attachExit(dst, leader, threadgroup, 0);
    }

    // ---------------------------------------------------------------- files

    /** The interface files every cgroup directory has. */
    public static final List<String> FILES = List.of(
            "cgroup.controllers", "cgroup.events", "cgroup.max.depth", "cgroup.max.descendants",
            "cgroup.procs", "cgroup.stat", "cgroup.subtree_control", "cgroup.threads", "cgroup.type");

    static boolean isFileName(String name) {
        return FILES.contains(name);
    }

    /** Reads {@code file} of the cgroup at {@code dir}. ENOENT for an unknown file. */
    public synchronized String readFile(Cgroup c, String file) {
        switch (file) {
            case "cgroup.procs":
            case "cgroup.threads": {
                StringBuilder sb = new StringBuilder();
                for (Task t : tasks.values()) {
                    if (t.cgroup() == c && (file.equals("cgroup.threads") || t.pid() == t.tgid())) {
                        sb.append(t.pid()).append('\n');
                    }
                }
                return sb.toString();
            }
            case "cgroup.controllers":
            case "cgroup.subtree_control":
                return "\n";
            case "cgroup.events":
                return "populated " + (populated(c) ? 1 : 0) + "\nfrozen 0\n";
            case "cgroup.max.depth":
            case "cgroup.max.descendants":
                return "max\n";
            case "cgroup.stat":
                return "nr_descendants " + c.descendantCount() + "\nnr_dying_descendants 0\n";
            case "cgroup.type":
                return "domain\n";
            default:
                throw new KernelException(Errno.ENOENT, "no file " + file + " in " + c.path());
        }
    }

    /** Writes {@code file} of a cgroup: {@code cgroup.procs} and {@code cgroup.threads} migrate a task. */
    public void writeFile(Cgroup c, String file, String text) {
        switch (file) {
            case "cgroup.procs":
            case "cgroup.threads": {
                int pid;
                try {
                    pid = Integer.parseInt(text.strip());
                } catch (NumberFormatException e) {
                    throw new KernelException(Errno.EINVAL, "not a pid: '" + text.strip() + "'");
                }
                attach(c, pid, file.equals("cgroup.procs"));
                return;
            }
            default:
                if (isFileName(file)) {
                    throw new KernelException(Errno.EINVAL, "writing " + file + " is not supported");
                }
                throw new KernelException(Errno.ENOENT, "no file " + file + " in " + c.path());
        }
    }

    private boolean populated(Cgroup c) {
        if (c.taskCount() > 0) {
            return true;
        }
        for (Cgroup ch : c.children()) {
            if (populated(ch)) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- paths

    static List<String> split(String path) {
        List<String> parts = new ArrayList<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty() && !p.equals(".")) {
                parts.add(p);
            }
        }
        return parts;
    }

    static String normalize(String path) {
        return "/" + String.join("/", split(path));
    }
}
