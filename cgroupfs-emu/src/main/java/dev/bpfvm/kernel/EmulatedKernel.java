package dev.bpfvm.kernel;

import dev.bpfvm.kernel.cgroup.Cgroup;
import dev.bpfvm.kernel.cgroup.CgroupEvents;
import dev.bpfvm.kernel.cgroup.CgroupTree;
import dev.bpfvm.kernel.cgroup.Task;
import dev.bpfvm.kernel.iter.CgroupIterOrder;
import dev.bpfvm.kernel.iter.CgroupIterator;
import dev.bpfvm.kernel.iter.SeqHelpers;
import dev.bpfvm.kernel.load.BpfObject;
import dev.bpfvm.kernel.load.LoadOptions;
import dev.bpfvm.kernel.load.ProgramVerifier;
import dev.bpfvm.kernel.rstat.Rstat;
import dev.bpfvm.kernel.security.FileModes;
import dev.bpfvm.kernel.security.LinuxBpfSecurity;
import dev.bpfvm.kernel.security.Privileges;
import dev.bpfvm.kernel.statsmap.CgroupStatsMap;
import dev.bpfvm.maps.Maps;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.kernel.syscall.Bpf;
import dev.bpfvm.kernel.syscall.Bpffs;
import dev.bpfvm.kernel.trace.AttachPoint;
import dev.bpfvm.kernel.trace.Attachment;
import dev.bpfvm.kernel.trace.Tracing;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.btf.KernelBtf;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.TraceSink;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.spi.ArgType;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.KfuncRegistry;
import dev.bpfvm.vm.spi.KfuncSpec;
import dev.bpfvm.vm.spi.RetType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * bpfvm's emulated kernel, one facade: a {@link BpfRuntime} whose helper and kfunc registries
 * include the kernel's own (rstat kfuncs, {@code bpf_seq_printf}/{@code bpf_seq_write},
 * {@code bpf_cgroup_from_id}, ...), the cgroup v2 tree mounted at {@value #CGROUP_MOUNT} with
 * its tasks, the tracing attach points, rstat and cgroup iterators.
 *
 * <p>Events happen on the current virtual CPU ({@link #cpu(int)}) with the acting task
 * ({@link #actAs(int)}; pid 1, {@code systemd}, at boot) as {@code current}.
 */
public final class EmulatedKernel {
    public static final String CGROUP_MOUNT = "/sys/fs/cgroup";
    /** Pid of the task present at boot (the acting task unless changed). */
    public static final int INIT_PID = 1;

    private final BpfRuntime runtime;
    private final Cpus cpus;
    private final CgroupTree tree;
    private final Tracing tracing;
    private final Rstat rstat;
    private final List<CgroupEvents> cgroupListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Bpf bpf;
    private final Map<Integer, LoadedProgram> programs = new TreeMap<>();
    private volatile LoadOptions loadOptions;
    private volatile FileSecurity fileSecurity = FileSecurity.ALLOW_ALL;
    private final Privileges privileges = new Privileges();
    private volatile FileModes fileModes;
    private int nextProgId = 1;
    private volatile int cpu;
    private volatile Task actor;

    /** A kernel with {@link BpfRuntime#DEFAULT_CPUS} virtual CPUs. */
    public EmulatedKernel() {
        this(BpfRuntime.DEFAULT_CPUS);
    }

    public EmulatedKernel(int cpuCount) {
        this.runtime = BpfObject.newRuntime(LoadOptions.defaults().withCpus(cpuCount));
        SeqHelpers.register(runtime.helpers());
        runtime.helpers().register(CgroupStatsMap.UPDATE);
        KfuncRegistry kfuncs = runtime.kfuncs();
        this.loadOptions = LoadOptions.defaults().withCpus(cpuCount).withRuntime(runtime).withMaps(this::createMap);
        this.cpus = new Cpus(runtime);
        this.tree = new CgroupTree(runtime.memory(), runtime::nanoTime);
        this.tracing = new Tracing(runtime.memory(), cpus, () -> cpu, () -> actor);
        this.rstat = new Rstat(cpuCount, tracing);
        rstat.registerKfuncs(kfuncs);
        registerKfuncs(kfuncs);
        tree.events(new CgroupEvents() {
            @Override
            public void mkdirEntry(Cgroup parent, String name, int mode) {
                tracing.mkdirEntry(parent, name, mode);
            }

            @Override
            public void mkdirTracepoint(Cgroup c) {
                for (CgroupEvents l : cgroupListeners) {
                    l.mkdirTracepoint(c);
                }
                tracing.mkdirTracepoint(c);
            }

            @Override
            public void mkdirExit(Cgroup parent, String name, int mode, int ret) {
                tracing.mkdirExit(parent, name, mode, ret);
            }

            @Override
            public void rmdirEntry(Cgroup c) {
                tracing.rmdirEntry(c);
            }

            @Override
            public void rmdirTracepoint(Cgroup c) {
                for (CgroupEvents l : cgroupListeners) {
                    l.rmdirTracepoint(c);
                }
                tracing.rmdirTracepoint(c);
            }

            @Override
            public void rmdirExit(Cgroup c, int ret) {
                tracing.rmdirExit(c, ret);
            }

            @Override
            public void attachEntry(Cgroup dst, Task leader, boolean tg) {
                tracing.attachEntry(dst, leader, tg);
            }

            @Override
            public void attachTracepoint(Cgroup dst, Task t, boolean tg) {
                tracing.attachTracepoint(dst, t, tg);
            }

            @Override
            public void attachExit(Cgroup dst, Task leader, boolean tg, int ret) {
                tracing.attachExit(dst, leader, tg, ret);
            }

            @Override
            public void released(Cgroup c) {
                // css_rstat_exit flushes a dying cgroup so its pending counts reach its parent
                rstat.flush(c, cpu, null);
            }
        });
        this.actor = tree.spawn(INIT_PID, INIT_PID, 0, 0, "systemd", tree.root());
        this.bpf = new Bpf(this);
    }

    /** The bpf() system call and bpffs. */
    public Bpf bpf() {
        return bpf;
    }

    /**
     * {@code cat PATH}: a cgroup interface file, or a bpffs file (a pinned iterator link runs
     * its program). ENOENT, EISDIR, EINVAL as Linux.
     */
    public String cat(String path) {
        if (Bpffs.on(path)) {
            checkFile("read", path);
            return text(bpf.catPinned(path));
        }
        if (bpf.cgroupPinned(path)) {
            checkFile("read", path);
            return text(bpf.catCgroupPin(path));
        }
        return read(path);
    }

    public BpfRuntime runtime() {
        return runtime;
    }

    public Cpus cpus() {
        return cpus;
    }

    public CgroupTree cgroups() {
        return tree;
    }

    public Tracing tracing() {
        return tracing;
    }

    /**
     * Kernel-side code told of cgroup creation ({@code mkdirTracepoint}, the new cgroup is
     * linked) and removal ({@code rmdirTracepoint}, unlinked, parent still set), before the
     * tracing programs run. Other events are not forwarded.
     */
    public void addCgroupListener(CgroupEvents l) {
        cgroupListeners.add(l);
    }

    public void removeCgroupListener(CgroupEvents l) {
        cgroupListeners.remove(l);
    }

    public Rstat rstat() {
        return rstat;
    }

    /** Where printk output of every program goes. */
    public EmulatedKernel trace(TraceSink sink) {
        cpus.trace(sink);
        return this;
    }

    /** Following events happen on virtual CPU {@code k}. EINVAL outside 0..cpus-1. */
    public EmulatedKernel cpu(int k) {
        if (k < 0 || k >= runtime.cpus()) {
            throw new KernelException(Errno.EINVAL, "cpu " + k + " out of range 0.." + (runtime.cpus() - 1));
        }
        this.cpu = k;
        return this;
    }

    public int cpu() {
        return cpu;
    }

    /** Following operations are done by task {@code pid} (ESRCH if none). */
    public EmulatedKernel actAs(int pid) {
        this.actor = task(pid);
        return this;
    }

    /** The acting task ({@code current} of the events it causes). */
    public Task actor() {
        return actor;
    }

    /**
     * The verifier object loading calls for every program ({@link ProgramVerifier#KERNEL}, the
     * real verifier, by default; null restores it).
     */
    public void verifier(ProgramVerifier v) {
        this.loadOptions = loadOptions.withVerifier(v == null ? ProgramVerifier.KERNEL : v);
    }

    public ProgramVerifier verifier() {
        return loadOptions.verifier();
    }

    /** Options that load objects into this kernel's runtime with its verifier hook. */
    /**
     * BPF_MAP_CREATE's map-making step in this kernel: {@link dev.bpfvm.vm.spi.MapType#CGROUP_STATS}
     * maps follow this kernel's cgroup tree ({@link CgroupStatsMap#create}); every other type is
     * {@link Maps#create}'s. The object loader creates maps through it.
     */
    public BpfMap createMap(MapAttr attr, BpfRuntime rt) {
        if (rt != runtime) {
            throw new IllegalArgumentException("not this kernel's runtime");
        }
        return attr.type() == dev.bpfvm.vm.spi.MapType.CGROUP_STATS ? CgroupStatsMap.create(attr, this)
                : Maps.create(attr, runtime);
    }

    public LoadOptions loadOptions() {
        return loadOptions;
    }

    // ---------------------------------------------------------------- cgroupfs

    /** The path of {@code path} under the cgroup mount, or null if it is not under it. */
    static String cgroupRelative(String path) {
        if (path.equals(CGROUP_MOUNT)) {
            return "/";
        }
        if (path.startsWith(CGROUP_MOUNT + "/")) {
            return path.substring(CGROUP_MOUNT.length());
        }
        return null;
    }

    private static String requireCgroupPath(String path) {
        String rel = cgroupRelative(path);
        if (rel == null) {
            throw new KernelException(Errno.ENOENT, "no such directory " + path);
        }
        return rel;
    }

    /**
     * Turns on Linux's permission model (idempotent) and returns its state: capabilities per
     * task, {@code kernel.unprivileged_bpf_disabled}, file modes and owners on cgroupfs and
     * bpffs, the bpf() checks of {@link LinuxBpfSecurity}. Until called, everything is allowed.
     */
    public synchronized Privileges privileges() {
        if (fileModes == null) {
            FileModes modes = new FileModes(privileges, new FileModes.Lookup() {
                @Override
                public boolean exists(String path) {
                    return pathExists(path);
                }

                @Override
                public boolean isDirectory(String path) {
                    return Bpffs.on(path) ? bpf.bpffs().isDirectory(path) : cgroupRelative(path) != null
                            && !CgroupTree.FILES.contains(path.substring(path.lastIndexOf('/') + 1));
                }
            });
            this.fileModes = modes;
            this.fileSecurity = modes;
            bpf.security(new LinuxBpfSecurity(privileges, modes, this::task, path -> {
                try {
                    return bpf.bpffs().exists(path);
                } catch (KernelException e) {
                    return false;
                }
            }, bpf::lsmTokenCapable));
        }
        return privileges;
    }

    /** The file modes and owners (turning the permission model on). */
    public FileModes fileModes() {
        privileges();
        return fileModes;
    }

    private boolean pathExists(String path) {
        if (Bpffs.on(path)) {
            return bpf.bpffs().exists(path);
        }
        String rel = cgroupRelative(path);
        if (rel == null) {
            return false;
        }
        try {
            int slash = rel.lastIndexOf('/');
            String name = rel.substring(slash + 1);
            if (bpf.cgroupPinned(path)) {
                return true;
            }
            if (CgroupTree.FILES.contains(name)) {
                tree.lookup(slash == 0 ? "/" : rel.substring(0, slash));
            } else {
                tree.lookup(rel);
            }
            return true;
        } catch (KernelException e) {
            return false;
        }
    }

    /** chown(2) by the acting task ({@code gid < 0}: unchanged). Turns the permission model on. */
    public void chown(String path, int uid, int gid) {
        fileModes().chown(actor, path, uid, gid);
    }

    /** chmod(2) by the acting task. Turns the permission model on. */
    public void chmod(String path, int mode) {
        fileModes().chmod(actor, path, mode);
    }

    /** {@code sysctl kernel.unprivileged_bpf_disabled=N} by the acting task. */
    public void sysctlUnprivilegedBpfDisabled(int value) {
        privileges().setUnprivilegedBpfDisabled(actor, value);
    }

    /** mkdir on bpffs by the acting task (checked as any mkdir). */
    public void bpffsMkdir(String path) {
        checkFile("mkdir", path);
        bpf.bpffs().mkdir(path);
        fileSecurity.created(actor, path, true);
    }

    /**
     * unlink(2) / rmdir(2) on bpffs by the acting task: write+search on the parent and, in a
     * sticky directory such as the bpffs root, ownership of the file or the directory (EPERM).
     * Unlinking a pin drops its reference.
     */
    public void bpffsUnlink(String path) {
        if (!Bpffs.on(path)) {
            throw new KernelException(Errno.ENOENT, path + " is not on bpffs");
        }
        if (!bpf.bpffs().exists(path)) {
            throw new KernelException(Errno.ENOENT, "no such file or directory " + path);
        }
        checkFile("unlink", path);
        bpf.bpffs().unlink(path);
        fileSecurity.removed(path);
    }

    /** Sets the check of file operations (mkdir, rmdir, unlink, read, write); null allows everything. */
    public void fileSecurity(FileSecurity s) {
        this.fileSecurity = s == null ? FileSecurity.ALLOW_ALL : s;
    }

    private void checkFile(String op, String path) {
        fileSecurity.check(actor, op, path);
    }

    /** The cgroup at a full path ({@code /sys/fs/cgroup/a/b}). ENOENT. */
    public Cgroup cgroup(String path) {
        return tree.lookup(requireCgroupPath(path));
    }

    /** mkdir of a cgroup directory. */
    public Cgroup mkdir(String path) {
        String rel = requireCgroupPath(path);
        checkFile("mkdir", path);
        Cgroup c = tree.mkdir(rel);
        fileSecurity.created(actor, path, true);
        return c;
    }

    /** rmdir of a cgroup directory. */
    public void rmdir(String path) {
        String rel = requireCgroupPath(path);
        checkFile("rmdir", path);
        tree.rmdir(rel);
        bpf.unpinCgroupDir(path);
        fileSecurity.removed(path);
    }

    /** A new process (pid == tgid) in the cgroup at {@code cgroupPath}. */
    public Task spawn(int pid, String comm, int uid, int gid, String cgroupPath) {
        return tree.spawn(pid, pid, uid, gid, comm, cgroup(cgroupPath));
    }

    public Task task(int pid) {
        Task t = tree.task(pid);
        if (t == null) {
            throw new KernelException(Errno.ESRCH, "no task " + pid);
        }
        return t;
    }

    /** Reads a file: a cgroup interface file ({@code /sys/fs/cgroup/a/cgroup.procs}). */
    public String read(String path) {
        String rel = requireCgroupPath(path);
        int slash = rel.lastIndexOf('/');
        String file = rel.substring(slash + 1);
        if (!CgroupTree.FILES.contains(file)) {
            tree.lookup(rel); // ENOENT for a name that is neither a file nor a cgroup
            throw new KernelException(Errno.EISDIR, path + " is a directory");
        }
        checkFile("read", path);
        return tree.readFile(tree.lookup(rel.substring(0, slash)), file);
    }

    /** Writes a file: {@code cgroup.procs} / {@code cgroup.threads} migrate a task. */
    public void write(String path, String text) {
        String rel = requireCgroupPath(path);
        int slash = rel.lastIndexOf('/');
        String file = rel.substring(slash + 1);
        if (!CgroupTree.FILES.contains(file)) {
            throw new KernelException(Errno.EISDIR, path + " is a directory");
        }
        checkFile("write", path);
        if (file.equals("cgroup.procs") || file.equals("cgroup.threads")) {
            Task moved = null;
            try {
                moved = tree.task(Integer.parseInt(text.trim()));
            } catch (NumberFormatException e) {
                // the tree reports the bad input
            }
            if (moved != null) {
                String dst = rel.substring(0, slash);
                fileSecurity.checkMigrate(actor, CGROUP_MOUNT + moved.cgroup().path(),
                        CGROUP_MOUNT + (dst.isEmpty() ? "" : dst));
            }
        }
        tree.writeFile(tree.lookup(rel.substring(0, slash)), file, text);
    }

    // ---------------------------------------------------------------- programs

    /**
     * Registers runnable code as a program and gives it an id (the end of BPF_PROG_LOAD; the
     * verifier ran before, on the linked program, where there is one).
     */
    public synchronized LoadedProgram load(String name, ProgramType type, AttachType attachType, String attachTo,
                                           boolean sleepable, Program code) {
        LoadedProgram p = new LoadedProgram(nextProgId, name, type, attachType, attachTo, sleepable, code);
        nextProgId++;
        programs.put(p.id(), p);
        return p;
    }

    /** Forgets a program (its last reference went). */
    public synchronized void unload(LoadedProgram p) {
        programs.remove(p.id(), p);
    }

    public synchronized LoadedProgram program(int id) {
        LoadedProgram p = programs.get(id);
        if (p == null) {
            throw new KernelException(Errno.ENOENT, "no program with id " + id);
        }
        return p;
    }

    public synchronized List<LoadedProgram> programs() {
        return List.copyOf(programs.values());
    }

    /** Attaches a tracing program to the point its section names ({@code fentry/cgroup_attach_task}). */
    public Attachment attach(LoadedProgram p, String section) {
        return tracing.attach(AttachPoint.parse(section), p, 0);
    }

    /** Makes a cgroup iterator link for an {@code iter/cgroup} program. EINVAL for another program kind. */
    public CgroupIterator cgroupIterator(LoadedProgram p, Cgroup start, CgroupIterOrder order) {
        if (p.type() != ProgramType.TRACING || p.attachType() != AttachType.TRACE_ITER || !p.attachTo().equals("cgroup")) {
            throw new KernelException(Errno.EINVAL, "program " + p.name() + " is not an iter/cgroup program");
        }
        return new CgroupIterator(runtime.memory(), cpus, () -> cpu, () -> actor, p, start, order);
    }

    /** Fires a tracepoint by hand: {@code cgroup_mkdir PATH}, {@code cgroup_rmdir PATH}, {@code cgroup_attach_task PATH PID}. */
    public void fire(String tracepoint, String cgroupPath, int pid) {
        String tp = tracepoint.startsWith("cgroup:") ? tracepoint.substring(7) : tracepoint;
        tracing.fire(tp, cgroup(cgroupPath), pid == 0 ? null : task(pid));
    }

    // ---------------------------------------------------------------- kfuncs

    private void registerKfuncs(KfuncRegistry r) {
        r.register(new KfuncSpec("bpf_cgroup_from_id", KernelBtf.funcId("bpf_cgroup_from_id"),
                KfuncSpec.KF_ACQUIRE | KfuncSpec.KF_RET_NULL,
                HelperProto.of(RetType.PTR_TO_BTF_ID_OR_NULL, ArgType.ANYTHING), this::cgroupFromId));
        r.register(new KfuncSpec("bpf_cgroup_ancestor", KernelBtf.funcId("bpf_cgroup_ancestor"),
                KfuncSpec.KF_ACQUIRE | KfuncSpec.KF_RCU | KfuncSpec.KF_RET_NULL,
                HelperProto.of(RetType.PTR_TO_BTF_ID_OR_NULL, ArgType.PTR_TO_BTF_ID, ArgType.ANYTHING),
                this::cgroupAncestor));
        r.register(new KfuncSpec("bpf_task_from_pid", KernelBtf.funcId("bpf_task_from_pid"),
                KfuncSpec.KF_ACQUIRE | KfuncSpec.KF_RET_NULL,
                HelperProto.of(RetType.PTR_TO_BTF_ID_OR_NULL, ArgType.ANYTHING), this::taskFromPid));
    }

    private long cgroupFromId(ExecContext ctx, long id, long r2, long r3, long r4, long r5) {
        Cgroup c = tree.byId(id);
        return c != null && c.tryAcquire() ? c.address() : 0;
    }

    private long cgroupAncestor(ExecContext ctx, long cgrp, long level, long r3, long r4, long r5) {
        Region r = ctx.memory().regionAt(cgrp);
        if (r == null || !(r.owner() instanceof Cgroup c)) {
            throw new BpfException(Errno.EFAULT, "bpf_cgroup_ancestor: 0x" + Long.toHexString(cgrp) + " is not a cgroup");
        }
        Cgroup a = c.ancestor((int) level);
        return a != null && a.tryAcquire() ? a.address() : 0;
    }

    private long taskFromPid(ExecContext ctx, long pid, long r2, long r3, long r4, long r5) {
        Task t = tree.task((int) pid);
        return t != null && t.tryAcquire() ? t.address() : 0;
    }

    /** Text of a byte array as UTF-8 (iterator output). */
    public static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
