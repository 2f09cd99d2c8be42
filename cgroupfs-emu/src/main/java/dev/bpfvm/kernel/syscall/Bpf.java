package dev.bpfvm.kernel.syscall;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.kernel.LoadedProgram;
import dev.bpfvm.kernel.cgroup.Cgroup;
import dev.bpfvm.kernel.iter.CgroupIterOrder;
import dev.bpfvm.kernel.iter.CgroupIterator;
import dev.bpfvm.kernel.iter.SeqFile;
import dev.bpfvm.kernel.load.BpfObject;
import dev.bpfvm.kernel.load.ProgramRejectedException;
import dev.bpfvm.kernel.load.BpfProgram;
import dev.bpfvm.kernel.load.MapView;
import dev.bpfvm.kernel.testrun.TestRun;
import dev.bpfvm.kernel.testrun.TestRunException;
import dev.bpfvm.kernel.testrun.TestRunOptions;
import dev.bpfvm.kernel.testrun.TestRunResult;
import dev.bpfvm.vm.LoaderException;
import dev.bpfvm.vm.object.ProgramSpec;
import dev.bpfvm.kernel.syscall.Objects.CgroupDir;
import dev.bpfvm.kernel.syscall.Objects.IterFile;
import dev.bpfvm.kernel.syscall.Objects.LinkObject;
import dev.bpfvm.kernel.syscall.Objects.MapObject;
import dev.bpfvm.kernel.syscall.Objects.ProgObject;
import dev.bpfvm.kernel.trace.AttachPoint;
import dev.bpfvm.kernel.trace.Attachment;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.BpfMapException;
import dev.bpfvm.vm.spi.MapAttr;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The {@code bpf()} system call of the emulated kernel: Linux's commands with Linux's errnos,
 * fds per emulated process, bpffs pins, and refcounted objects freed when their last fd, pin,
 * link or using program goes. Each command is a typed method; all first pass
 * {@link BpfSecurity#check}. Failures are {@link KernelException}s and change nothing.
 */
public final class Bpf {
    /** Arguments of BPF_PROG_LOAD (after linking): the code and what the section and flags said. */
    public record ProgLoad(String name, ProgramType type, AttachType expectedAttachType, String attachTo,
                           boolean sleepable, Program code, int[] mapFds) {
        public ProgLoad {
            mapFds = mapFds == null ? new int[0] : mapFds.clone();
        }
    }

    /**
     * BPF_PROG_LOAD's attributes for instructions as user space hands them to the kernel, without
     * libbpf's relocation table: an {@code ld_imm64} with src_reg 1 ({@code BPF_PSEUDO_MAP_FD})
     * names a map by an fd of the loading process, src_reg 2 ({@code BPF_PSEUDO_MAP_VALUE}) the
     * value of one, at the offset in the second slot's imm.
     *
     * @param progFlags {@code prog_flags}: {@code BPF_F_STRICT_ALIGNMENT} (1), {@code
     *                  BPF_F_ANY_ALIGNMENT} (2), {@code BPF_F_SLEEPABLE} (16)
     * @param logLevel  {@code log_level}: 0, 1 or 2
     * @param logSize   {@code log_size}: the bytes of the caller's {@code log_buf} (0: no buffer)
     */
    public record RawProgLoad(String name, ProgramType type, AttachType expectedAttachType, String attachTo,
                              List<dev.bpfvm.vm.isa.Insn> insns, String license, int progFlags, int logLevel,
                              int logSize) {
        public static final int BPF_F_STRICT_ALIGNMENT = 1;
        public static final int BPF_F_ANY_ALIGNMENT = 2;
        public static final int BPF_F_SLEEPABLE = 1 << 4;

        public RawProgLoad {
            insns = List.copyOf(insns);
            name = name == null ? "" : name;
            license = license == null ? "" : license;
            attachTo = attachTo == null ? "" : attachTo;
        }
    }

    /**
     * What a raw BPF_PROG_LOAD gave back: the program's fd, what the kernel left in {@code
     * log_buf} and {@code log_true_size} (the bytes the whole log needs, its NUL included; 0
     * without a buffer).
     */
    public record ProgLoadResult(int fd, String log, int logTrueSize) {}

    /**
     * LINK_CREATE's extra arguments: for iter/cgroup the cgroup (fd or id) and order; a BPF
     * cookie; {@code target_fd} (a CGROUP_STATS map's fd for its aggregator, 0 otherwise).
     */
    public record LinkOpts(int cgroupFd, long cgroupId, CgroupIterOrder order, long cookie, int targetFd) {
        public static final LinkOpts NONE = new LinkOpts(0, 0, CgroupIterOrder.UNSPEC, 0);

        public LinkOpts(int cgroupFd, long cgroupId, CgroupIterOrder order, long cookie) {
            this(cgroupFd, cgroupId, order, cookie, 0);
        }

        public static LinkOpts cgroupIter(int cgroupFd, long cgroupId, CgroupIterOrder order) {
            return new LinkOpts(cgroupFd, cgroupId, order, 0);
        }

        /** LINK_CREATE with {@code target_fd}: e.g. the CGROUP_STATS map an aggregator combines for. */
        public static LinkOpts target(int fd) {
            return new LinkOpts(0, 0, CgroupIterOrder.UNSPEC, 0, fd);
        }
    }

    /** An object file loaded through the facade: the live object and the fds of its maps and programs, by name. */
    public record LoadedObject(BpfObject object, Map<String, Integer> mapFds, Map<String, Integer> progFds) {}

    private final EmulatedKernel kernel;
    private final Bpffs bpffs = new Bpffs();
    private final Map<Integer, BpfProcess> processes = new HashMap<>();
    private final Map<Integer, MapObject> maps = new TreeMap<>();
    private final Map<Integer, ProgObject> progs = new TreeMap<>();
    private final Map<Integer, LinkObject> links = new TreeMap<>();
    private final Map<Integer, Objects.BtfObject> btfs = new TreeMap<>();
    private int nextBtfId = 1;
    private final CgroupAttach cgroupProgs = new CgroupAttach();
    private int nextLinkId = 1;
    /** The process that loaded each program (by program id): bpf_sys_bpf acts as it. */
    private final Map<Integer, BpfProcess> loaders = new HashMap<>();
    /** Pins inside cgroup directories, made by bpf_sys_bpf (a bpfvm extension; Linux pins only on bpffs). */
    private final Map<String, Refcounted> cgroupPins = new TreeMap<>();
    private volatile BpfSecurity security = BpfSecurity.ALLOW_ALL;

    public Bpf(EmulatedKernel kernel) {
        this.kernel = kernel;
        this.lsm = new LsmHooks(kernel.tracing(), kernel.runtime().memory());
        kernel.addCgroupListener(new dev.bpfvm.kernel.cgroup.CgroupEvents() {
            @Override
            public void rmdirTracepoint(Cgroup c) {
                for (ProgObject po : cgroupProgs.removed(c)) {
                    po.put();
                }
            }
        });
        SysBpf.register(this, kernel);
    }

    public Bpffs bpffs() {
        return bpffs;
    }

    public void security(BpfSecurity s) {
        this.security = s == null ? BpfSecurity.ALLOW_ALL : s;
    }

    /** The fd table of the process whose leader is {@code pid} (ESRCH if no such task). */
    public synchronized BpfProcess process(int pid) {
        kernel.task(pid);
        return processes.computeIfAbsent(pid, BpfProcess::new);
    }

    /**
     * A command's arguments with the token it was given ({@code BPF_F_TOKEN_FD} and
     * {@code *_token_fd}), as the security hooks see them; lsm/bpf sees only {@code attr}.
     */
    public record WithToken(Object attr, BpfToken token) {}

    /** LINK_CREATE's arguments as the security hooks see them. */
    public record LinkCreate(int progFd, AttachType attachType, LinkOpts opts) {}

    /** OBJ_PIN's and OBJ_GET's arguments as the security hooks see them: pathname, bpf_fd, file_flags. */
    public record ObjPath(String path, int fd, int fileFlags) {}

    /**
     * PROG_ATTACH's and PROG_DETACH's arguments as the security hooks see them: target_fd,
     * attach_bpf_fd, attach_type, attach_flags, and (for the capability check) the type of the
     * program behind attach_bpf_fd (null for lsm/bpf, which runs before the fd is looked up).
     */
    public record ProgAttach(int targetFd, int progFd, AttachType attachType, int flags, ProgramType progType) {}

    /** BTF_LOAD's arguments as the security hooks see them: the raw BTF's size. */
    public record BtfLoad(int size) {}

    /** Size of the {@code union bpf_attr} prefix that lsm/bpf programs are given. */
    public static final int LSM_ATTR_SIZE = LsmHooks.ATTR_SIZE;

    /** {@code FMODE_READ} / {@code FMODE_WRITE} of a map fd, as {@link #fdMode} reports them. */
    public static final int FMODE_READ = LsmHooks.FMODE_READ;
    public static final int FMODE_WRITE = LsmHooks.FMODE_WRITE;

    private final LsmHooks lsm;

    /** The {@code lsm/bpf} hook (security_bpf), first in every command as in __sys_bpf. */
    private void lsmBpf(BpfCmd cmd, Object attr) {
        LsmHooks.deny("bpf", lsm.bpf(cmd, attr), cmd.kernelName());
    }

    private void check(BpfProcess p, BpfCmd cmd, Object attr) {
        lsmBpf(cmd, attr);
        security.check(p, cmd, attr);
    }

    /**
     * bpf_get_file_flag: the fmode of an fd opened with these flags (BPF_F_RDONLY: read,
     * BPF_F_WRONLY: write, neither: both); EINVAL for both.
     */
    static int fmodeOf(int flags) {
        boolean ro = (flags & MapAttr.BPF_F_RDONLY) != 0;
        boolean wo = (flags & MapAttr.BPF_F_WRONLY) != 0;
        if (ro && wo) {
            throw new KernelException(Errno.EINVAL, "BPF_F_RDONLY and BPF_F_WRONLY together");
        }
        return ro ? FMODE_READ : wo ? FMODE_WRITE : FMODE_READ | FMODE_WRITE;
    }

    /**
     * bpf_token_allow_cmd: the token is used for {@code cmd} only if it delegates it and the
     * {@code lsm/bpf_token_cmd} programs allow it; otherwise the command goes on without it.
     */
    private BpfToken tokenFor(BpfToken token, BpfCmd cmd) {
        if (token == null || !token.allowsCmd(cmd)) {
            return null;
        }
        return lsm.bpfTokenCmd(token, cmd) == 0 ? token : null;
    }

    /** For the security module: {@code lsm/bpf_token_capable}'s verdict (0 allows) on using {@code token} for {@code cap}. */
    public int lsmTokenCapable(BpfToken token, int cap) {
        return lsm.bpfTokenCapable(token, cap);
    }

    private static <T> T as(Object o, Class<T> type, int fd, String what) {
        if (!type.isInstance(o)) {
            throw new KernelException(Errno.EINVAL, "fd " + fd + " is not a " + what);
        }
        return type.cast(o);
    }

    private static <T> T call(Supplier<T> s) {
        try {
            return s.get();
        } catch (BpfMapException e) {
            throw new KernelException(e.errno(), e.getMessage());
        }
    }

    private MapObject mapOf(BpfProcess p, int fd) {
        return as(p.get(fd), MapObject.class, fd, "map");
    }

    private ProgObject progOf(BpfProcess p, int fd) {
        return as(p.get(fd), ProgObject.class, fd, "program");
    }

    private LinkObject linkOf(BpfProcess p, int fd) {
        return as(p.get(fd), LinkObject.class, fd, "link");
    }

    private int install(BpfProcess p, Refcounted o) {
        return p.install(o);
    }

    // ---------------------------------------------------------------- maps

    /** BPF_MAP_CREATE: the new map's fd. */
    public int mapCreate(BpfProcess p, MapAttr attr) {
        return mapCreate(p, attr, 0);
    }

    /**
     * BPF_MAP_CREATE with {@code BPF_F_TOKEN_FD} and {@code map_token_fd} (0: no token). EBADF
     * if the fd is not open, EINVAL if it is not a token; a token that does not delegate
     * MAP_CREATE and this map type, or that {@code lsm/bpf_token_cmd} refuses, is ignored (the
     * caller's own capabilities decide). {@code BPF_F_RDONLY} / {@code BPF_F_WRONLY} in the flags
     * make the fd read-only / write-only for element commands (EINVAL both). The map passes
     * {@code lsm/bpf_map_create} and then {@code lsm/bpf_map} (with the fd's fmode) before it
     * gets its fd; a denial frees it.
     */
    public int mapCreate(BpfProcess p, MapAttr attr, int tokenFd) {
        lsmBpf(BpfCmd.MAP_CREATE, attr);
        BpfToken given = tokenFd == 0 ? null : token(p, tokenFd);
        int fmode = fmodeOf(attr.flags());
        BpfToken token = mapToken(given, attr.type());
        security.check(p, BpfCmd.MAP_CREATE, token == null ? attr : new WithToken(attr, token));
        BpfMap m = call(() -> kernel.createMap(attr, kernel.runtime()));
        try {
            LsmHooks.deny("bpf_map_create", lsm.bpfMapCreate(m, attr, token), "BPF_MAP_CREATE of " + what(m));
            LsmHooks.deny("bpf_map", lsm.bpfMap(m, fmode), "an fd of " + what(m));
        } catch (KernelException e) {
            m.close();
            throw e;
        }
        return mapInstall(p, m, fmode);
    }

    private static String what(BpfMap m) {
        return "map " + m.id() + " (" + m.name() + ", " + m.type().kernelName() + ")";
    }

    /** The token MAP_CREATE of {@code type} uses: delegated, type delegated, lsm/bpf_token_cmd allowing. */
    private BpfToken mapToken(BpfToken given, dev.bpfvm.vm.spi.MapType type) {
        BpfToken t = tokenFor(given, BpfCmd.MAP_CREATE);
        return t != null && t.delegation().maps().contains(type) ? t : null;
    }

    /** The token PROG_LOAD uses: delegated, program and attach type delegated, lsm/bpf_token_cmd allowing. */
    private BpfToken progToken(BpfToken given, ProgLoad a) {
        BpfToken t = tokenFor(given, BpfCmd.PROG_LOAD);
        return t != null && t.delegation().allowsProg(a.type(), a.expectedAttachType()) ? t : null;
    }

    /** Gives an fd to a map made elsewhere (the object loader), which the kernel then owns. */
    public int mapInstall(BpfProcess p, BpfMap m) {
        return mapInstall(p, m, FMODE_READ | FMODE_WRITE);
    }

    private synchronized int mapInstall(BpfProcess p, BpfMap m, int fmode) {
        MapObject o = new MapObject(m, this::forget);
        o.get();
        maps.put(m.id(), o);
        return p.install(o, fmode);
    }

    private synchronized void forget(MapObject o) {
        maps.remove(o.id());
    }

    /**
     * The map behind {@code fd} if the fd's mode allows {@code need} (map_get_sys_perms: a frozen
     * map has no write permission from user space); EPERM otherwise, as the element commands.
     */
    private BpfMap mapFor(BpfProcess p, int fd, int need, BpfCmd cmd) {
        BpfMap m = mapOf(p, fd).map;
        int mode = p.mode(fd);
        if (m.frozen()) {
            mode &= ~FMODE_WRITE;
        }
        if ((mode & need) != need) {
            throw new KernelException(Errno.EPERM, cmd.kernelName() + ": fd " + fd + " of map " + m.id() + " is not "
                    + ((need & FMODE_WRITE) != 0 ? (m.frozen() ? "writable (the map is frozen)" : "open for writing")
                    : "open for reading"));
        }
        return m;
    }

    /** The f_mode of an fd: {@link #FMODE_READ}, {@link #FMODE_WRITE} or both. EBADF. */
    public int fdMode(BpfProcess p, int fd) {
        return p.mode(fd);
    }

    public byte[] mapLookupElem(BpfProcess p, int fd, byte[] key, long flags) {
        check(p, BpfCmd.MAP_LOOKUP_ELEM, key);
        BpfMap m = mapFor(p, fd, FMODE_READ, BpfCmd.MAP_LOOKUP_ELEM);
        return call(() -> m.lookup(key, flags));
    }

    public void mapUpdateElem(BpfProcess p, int fd, byte[] key, byte[] value, long flags) {
        check(p, BpfCmd.MAP_UPDATE_ELEM, key);
        BpfMap m = mapFor(p, fd, FMODE_WRITE, BpfCmd.MAP_UPDATE_ELEM);
        call(() -> {
            m.update(key, value, flags);
            return null;
        });
    }

    public void mapDeleteElem(BpfProcess p, int fd, byte[] key) {
        check(p, BpfCmd.MAP_DELETE_ELEM, key);
        BpfMap m = mapFor(p, fd, FMODE_WRITE, BpfCmd.MAP_DELETE_ELEM);
        call(() -> {
            m.delete(key);
            return null;
        });
    }

    /** BPF_MAP_GET_NEXT_KEY: the key after {@code key} (null: the first); ENOENT after the last. */
    public byte[] mapGetNextKey(BpfProcess p, int fd, byte[] key) {
        check(p, BpfCmd.MAP_GET_NEXT_KEY, key);
        BpfMap m = mapFor(p, fd, FMODE_READ, BpfCmd.MAP_GET_NEXT_KEY);
        return call(() -> m.nextKey(key));
    }

    /** BPF_MAP_FREEZE: needs a writable fd (EPERM, also when already frozen: map_get_sys_perms). */
    public void mapFreeze(BpfProcess p, int fd) {
        check(p, BpfCmd.MAP_FREEZE, fd);
        BpfMap m = mapFor(p, fd, FMODE_WRITE, BpfCmd.MAP_FREEZE);
        call(() -> {
            m.freeze();
            return null;
        });
    }

    /** The map behind an fd (for the CLI and tests). */
    public BpfMap map(BpfProcess p, int fd) {
        return mapOf(p, fd).map;
    }

    // ---------------------------------------------------------------- programs

    /**
     * BPF_PROG_LOAD of linked code; the program holds a reference on each map in {@code mapFds}.
     * The verifier is not run here: it runs on the linked program in {@link #objectLoad} (raw
     * code has no relocation table for it to resolve maps with).
     */
    public int progLoad(BpfProcess p, ProgLoad a) {
        return progLoad(p, a, 0);
    }

    /**
     * BPF_PROG_LOAD with {@code BPF_F_TOKEN_FD} and {@code prog_token_fd} (0: no token), as
     * {@link #mapCreate(BpfProcess, MapAttr, int)}: the token counts if it delegates PROG_LOAD,
     * the program type and its expected attach type. {@code lsm/bpf_prog_load} sees the program
     * before it has an id; {@code lsm/bpf_prog} when it gets its fd (a denial unloads it).
     */
    public int progLoad(BpfProcess p, ProgLoad a, int tokenFd) {
        lsmBpf(BpfCmd.PROG_LOAD, a);
        BpfToken token = progToken(tokenFd == 0 ? null : token(p, tokenFd), a);
        security.check(p, BpfCmd.PROG_LOAD, token == null ? a : new WithToken(a, token));
        return register(p, a, token);
    }

    /** The end of BPF_PROG_LOAD once checked (and verified): lsm/bpf_prog_load, the program, its maps, its fd. */
    private int register(BpfProcess p, ProgLoad a, BpfToken token) {
        List<MapObject> used = new ArrayList<>();
        for (int fd : a.mapFds()) {
            used.add(mapOf(p, fd));
        }
        LsmHooks.deny("bpf_prog_load", lsm.bpfProgLoad(fields(0, a), a, token), "BPF_PROG_LOAD of " + a.name());
        return progInstall(p, a, used);
    }

    private static LsmHooks.ProgFields fields(int id, ProgLoad a) {
        return new LsmHooks.ProgFields(id, a.name(), a.type(), a.expectedAttachType(), a.attachTo(), a.sleepable(),
                a.code().slotCount());
    }

    private static LsmHooks.ProgFields fields(LoadedProgram lp) {
        return new LsmHooks.ProgFields(lp.id(), lp.name(), lp.type(), lp.attachType(), lp.attachTo(), lp.sleepable(),
                lp.code().slotCount());
    }

    /** The end of BPF_PROG_LOAD: an id, lsm/bpf_prog, the fd (a denial unloads the program). */
    private int progInstall(BpfProcess p, ProgLoad a, List<MapObject> used) {
        LoadedProgram lp = kernel.load(a.name(), a.type(), a.expectedAttachType(), a.attachTo(), a.sleepable(), a.code());
        int r = lsm.bpfProg(fields(lp));
        if (r != 0) {
            kernel.unload(lp);
            LsmHooks.deny("bpf_prog", r, "an fd of program " + lp.id() + " (" + lp.name() + ")");
        }
        synchronized (this) {
            for (MapObject m : used) {
                m.get();
            }
            ProgObject o = new ProgObject(lp, used, this::forget);
            o.get();
            progs.put(lp.id(), o);
            loaders.put(lp.id(), p);
            return install(p, o);
        }
    }

    /**
     * BPF_PROG_LOAD of raw instructions ({@link RawProgLoad}), as Linux's {@code bpf_check}:
     * every map fd resolved in the calling process (a bad one is rejected with "fd N is not
     * pointing to valid bpf_map"), then the verifier with the process's privileges (without
     * CAP_BPF the unprivileged rules, with CAP_BPF but not CAP_PERFMON the Spectre rules), its log
     * written to the log buffer as 6.x's default rotating log does (the tail is kept; a log that
     * does not fit is ENOSPC, even for an accepted program). Then the map references are linked
     * to the maps' addresses and the program gets an fd, holding a reference on each map.
     * Verification is skipped when the kernel's load options turn it off.
     */
    public ProgLoadResult progLoad(BpfProcess p, RawProgLoad a) {
        Program raw;
        try {
            raw = new Program(a.name(), a.insns());
        } catch (RuntimeException e) {
            throw new KernelException(Errno.EINVAL, "program '" + a.name() + "': " + e.getMessage());
        }
        check(p, BpfCmd.PROG_LOAD, new ProgLoad(a.name(), a.type(), a.expectedAttachType(), a.attachTo(),
                (a.progFlags() & RawProgLoad.BPF_F_SLEEPABLE) != 0, raw, null));
        if (a.logLevel() < 0 || a.logLevel() > 2 || a.logSize() < 0 || (a.logSize() != 0) != (a.logLevel() != 0)) {
            throw new KernelException(Errno.EINVAL, "log_level " + a.logLevel() + " with log_size " + a.logSize()
                    + " is not valid");
        }
        if (a.insns().isEmpty()) {
            throw new KernelException(Errno.EINVAL, "program '" + a.name() + "' has no instructions");
        }
        // resolve_pseudo_ldimm64: the maps the program names by fd
        Map<Integer, MapObject> byFd = new TreeMap<>();
        for (dev.bpfvm.vm.isa.Insn i : a.insns()) {
            if (i.opcode() == dev.bpfvm.vm.isa.Opcodes.LDDW && (i.src() == dev.bpfvm.vm.isa.Opcodes.PSEUDO_MAP_FD
                    || i.src() == dev.bpfvm.vm.isa.Opcodes.PSEUDO_MAP_VALUE)) {
                Object o = openFd(p, i.imm());
                if (o instanceof MapObject m) {
                    byFd.put(i.imm(), m);
                }
            }
        }
        String log = "";
        if (kernel.loadOptions().verify()) {
            log = verifyRaw(p, a, raw, byFd);
        }
        List<dev.bpfvm.vm.isa.Insn> linked = new ArrayList<>();
        for (dev.bpfvm.vm.isa.Insn i : a.insns()) {
            MapObject m = i.opcode() == dev.bpfvm.vm.isa.Opcodes.LDDW ? byFd.get(i.imm()) : null;
            if (m == null || (i.src() != dev.bpfvm.vm.isa.Opcodes.PSEUDO_MAP_FD
                    && i.src() != dev.bpfvm.vm.isa.Opcodes.PSEUDO_MAP_VALUE)) {
                if (i.opcode() == dev.bpfvm.vm.isa.Opcodes.LDDW && (i.src() == dev.bpfvm.vm.isa.Opcodes.PSEUDO_MAP_FD
                        || i.src() == dev.bpfvm.vm.isa.Opcodes.PSEUDO_MAP_VALUE)) {
                    throw new KernelException(Errno.EBADF, "fd " + i.imm() + " is not pointing to valid bpf_map");
                }
                linked.add(i);
                continue;
            }
            long addr;
            if (i.src() == dev.bpfvm.vm.isa.Opcodes.PSEUDO_MAP_FD) {
                addr = m.map.address();
            } else {
                try {
                    addr = m.map.directValueAddress(i.imm2());
                } catch (BpfMapException e) {
                    throw new KernelException(e.errno(), e.getMessage());
                }
            }
            linked.add(dev.bpfvm.vm.isa.Insn.lddw(i.dst(), i.src(), addr));
        }
        Program code = new Program(a.name(), linked);
        int[] fds = byFd.keySet().stream().mapToInt(Integer::intValue).toArray();
        int fd = register(p, new ProgLoad(a.name(), a.type(), a.expectedAttachType(), a.attachTo(),
                (a.progFlags() & RawProgLoad.BPF_F_SLEEPABLE) != 0, code, fds), null);
        return new ProgLoadResult(fd, logBuffer(log, a.logSize()), a.logSize() == 0 ? 0 : log.length() + 1);
    }

    private static Object openFd(BpfProcess p, int fd) {
        try {
            return p.get(fd);
        } catch (KernelException e) {
            return null;
        }
    }

    /** Runs the verifier on a raw load; returns its log, throws its rejection (or ENOSPC). */
    private String verifyRaw(BpfProcess p, RawProgLoad a, Program raw, Map<Integer, MapObject> byFd) {
        dev.bpfvm.kernel.cgroup.Task t = kernel.task(p.pid());
        dev.bpfvm.kernel.security.Privileges privs = kernel.privileges();
        boolean bpf = privs.bpfCapable(t, dev.bpfvm.kernel.security.Capability.CAP_BPF);
        boolean perfmon = privs.bpfCapable(t, dev.bpfvm.kernel.security.Capability.CAP_PERFMON);
        dev.bpfvm.verifier.KernelTypes types = dev.bpfvm.verifier.KernelTypes.emulated();
        dev.bpfvm.verifier.ProgramTypeRules rules = dev.bpfvm.verifier.ObjectPrograms.rules(a.type(),
                a.expectedAttachType(), a.attachTo(), types);
        if (rules == null) {
            throw new KernelException(Errno.EINVAL, "program type " + a.type().kernelName()
                    + " is not supported by the verifier");
        }
        Map<Integer, dev.bpfvm.verifier.MapInfo> infos = new HashMap<>();
        byFd.forEach((fd, m) -> infos.put(fd, dev.bpfvm.verifier.MapInfo.of(m.map)));
        dev.bpfvm.verifier.VerifierOptions opts = dev.bpfvm.verifier.VerifierOptions.defaults()
                .withLogLevel(a.logLevel())
                .withUnprivileged(!bpf)
                .withPerfmon(perfmon)
                .withStrictAlignment((a.progFlags() & RawProgLoad.BPF_F_STRICT_ALIGNMENT) != 0)
                .withAnyAlignment((a.progFlags() & RawProgLoad.BPF_F_ANY_ALIGNMENT) != 0)
                .withSleepable((a.progFlags() & RawProgLoad.BPF_F_SLEEPABLE) != 0)
                .withGplCompatible(dev.bpfvm.verifier.ObjectPrograms.gplCompatible(a.license()));
        dev.bpfvm.verifier.VerifierInput in = dev.bpfvm.verifier.VerifierInput.builder(raw, rules)
                .helpers(kernel.runtime().helpers())
                .kfuncs(kernel.runtime().kfuncs())
                .maps((pc, insn) -> insn.src() == dev.bpfvm.vm.isa.Opcodes.PSEUDO_MAP_FD
                        || insn.src() == dev.bpfvm.vm.isa.Opcodes.PSEUDO_MAP_VALUE ? infos.get(insn.imm()) : null)
                .options(opts)
                .kernelTypes(types)
                .build();
        dev.bpfvm.verifier.VerifierResult r = dev.bpfvm.verifier.Verifier.verify(in);
        String log = a.logSize() == 0 ? "" : r.log();
        boolean truncated = a.logSize() != 0 && log.length() + 1 > a.logSize();
        if (!r.accepted()) {
            ProgramRejectedException e = new ProgramRejectedException("", a.name(), r.toException(a.name()));
            throw new ProgLoadRejectedException(e, logBuffer(log, a.logSize()), truncated ? Errno.ENOSPC : r.errno());
        }
        if (truncated) {
            throw new KernelException(Errno.ENOSPC, "the verifier log (" + (log.length() + 1)
                    + " bytes) does not fit log_size " + a.logSize());
        }
        return log;
    }

    /**
     * What a rotating verifier log leaves in a buffer of {@code logSize} bytes: the log's last
     * {@code logSize - 1} characters (and the NUL); nothing without a buffer.
     */
    public static String logBuffer(String log, int logSize) {
        if (logSize <= 0) {
            return "";
        }
        return log.length() + 1 <= logSize ? log : log.substring(log.length() - (logSize - 1));
    }

    private synchronized void forget(ProgObject o) {
        aggregatorValueSizes.remove(o.id());
        progs.remove(o.id());
        loaders.remove(o.id());
        kernel.unload(o.prog);
    }

    /**
     * Loads an object file as libbpf's {@code bpf_object__load} does with the kernel: every
     * map created (MAP_CREATE), every program linked, verified (the kernel's verifier hook) and
     * loaded (PROG_LOAD), each with an fd in {@code p}. Each program holds all the object's
     * maps. EINVAL with the loader's message when the file is bad; a verifier rejection is a
     * {@link ProgLoadRejectedException} with the verifier's errno (EACCES or EINVAL) and log.
     */
    public LoadedObject objectLoad(BpfProcess p, String file, byte[] bytes) {
        return objectLoad(p, file, bytes, 0);
    }

    /**
     * {@link #objectLoad(BpfProcess, String, byte[])} with a BPF token (0: none) given to every
     * MAP_CREATE and PROG_LOAD, as libbpf does with {@code bpf_object_open_opts.bpf_token_path}.
     */
    public LoadedObject objectLoad(BpfProcess p, String file, byte[] bytes, int tokenFd) {
        return objectLoad(p, file, bytes, tokenFd, Map.of());
    }

    /**
     * {@link #objectLoad(BpfProcess, String, byte[], int)} with map_extra set on some maps
     * before they are created, by map name (libbpf's {@code bpf_map__set_map_extra}; e.g. the
     * initial cgroup's id of a CGROUP_STATS map). EINVAL if the object has no such map.
     */
    public LoadedObject objectLoad(BpfProcess p, String file, byte[] bytes, int tokenFd, Map<String, Long> mapExtra) {
        BpfToken given = tokenFd == 0 ? null : token(p, tokenFd);
        // the sysctl rule before the file is read (libbpf's first bpf() would fail the same way);
        // lsm/bpf sees each MAP_CREATE and PROG_LOAD below, not this
        security.check(p, BpfCmd.PROG_LOAD, given == null ? file : new WithToken(file, given));
        BpfObject obj;
        try {
            dev.bpfvm.kernel.load.LoadOptions o = kernel.loadOptions();
            for (Map.Entry<String, Long> e : mapExtra.entrySet()) {
                o = o.withMapExtra(e.getKey(), e.getValue());
            }
            obj = BpfObject.open(file, bytes, o);
        } catch (ProgramRejectedException e) {
            throw new ProgLoadRejectedException(e);
        } catch (LoaderException e) {
            // a map the kernel refused keeps MAP_CREATE's errno (e.g. ENOENT for a CGROUP_STATS
            // map_extra naming no cgroup); any other bad object is EINVAL
            Errno errno = e.getCause() instanceof BpfException be ? be.errno() : Errno.EINVAL;
            throw new KernelException(errno, e.getMessage());
        }
        List<ProgLoad> loads = new ArrayList<>();
        List<Integer> fds = new ArrayList<>();
        Map<String, Integer> mapFds = new java.util.LinkedHashMap<>();
        Map<String, Integer> progFds = new java.util.LinkedHashMap<>();
        try {
            // every map and program passes its own checks before anything gets an fd
            for (MapView m : obj.maps()) {
                BpfMap map = m.map();
                lsmBpf(BpfCmd.MAP_CREATE, map);
                BpfToken token = mapToken(given, map.type());
                security.check(p, BpfCmd.MAP_CREATE, token == null ? map : new WithToken(map, token));
                LsmHooks.deny("bpf_map_create", lsm.bpfMapCreate(map, map, token), "BPF_MAP_CREATE of " + what(map));
            }
            for (BpfProgram bp : obj.programs()) {
                ProgramSpec ps = bp.spec();
                ProgLoad pl = new ProgLoad(bp.name(), ps.type(), ps.attachType(), ps.attachTo(), ps.sleepable(),
                        bp.program(), null);
                lsmBpf(BpfCmd.PROG_LOAD, pl);
                BpfToken token = progToken(given, pl);
                security.check(p, BpfCmd.PROG_LOAD, token == null ? pl : new WithToken(pl, token));
                LsmHooks.deny("bpf_prog_load", lsm.bpfProgLoad(fields(0, pl), pl, token), "BPF_PROG_LOAD of " + pl.name());
                loads.add(pl);
            }
            // the fds: lsm/bpf_map and lsm/bpf_prog may still refuse one; then all made so far are closed
            for (MapView m : obj.maps()) {
                int fmode = fmodeOf(m.map().flags());
                LsmHooks.deny("bpf_map", lsm.bpfMap(m.map(), fmode), "an fd of " + what(m.map()));
                int fd = mapInstall(p, m.map(), fmode);
                fds.add(fd);
                mapFds.put(m.name(), fd);
            }
            List<MapObject> all = new ArrayList<>();
            for (int fd : mapFds.values()) {
                all.add(mapOf(p, fd));
            }
            for (ProgLoad pl : loads) {
                int fd = progInstall(p, pl, all);
                fds.add(fd);
                progFds.put(pl.name(), fd);
                if (pl.type() == ProgramType.CGROUP_STATS_AGG) {
                    // the verifier typed its context with this map's value size
                    for (dev.bpfvm.vm.object.MapSpec ms : obj.spec().maps()) {
                        if (ms.name().equals(pl.attachTo())) {
                            synchronized (this) {
                                aggregatorValueSizes.put(progOf(p, fd).prog.id(), ms.valueSize());
                            }
                        }
                    }
                }
            }
        } catch (KernelException e) {
            for (int fd : fds) {
                close(p, fd);
            }
            obj.close();
            throw e;
        }
        return new LoadedObject(obj, mapFds, progFds);
    }

    /**
     * Attaches a loaded program where its section says, as libbpf's
     * {@code bpf_program__attach}: tracing programs to their attach point, {@code iter/cgroup}
     * programs as an iterator link with {@code opts}. Returns the link's fd.
     */
    public int attachAuto(BpfProcess p, int progFd, LinkOpts opts) {
        LoadedProgram lp = progOf(p, progFd).prog;
        return linkCreate(p, progFd, lp.attachType(), opts);
    }

    /** The link behind an fd: its id and kind, for callers that print it. */
    public BpfInfo.Link linkInfo(BpfProcess p, int fd) {
        return (BpfInfo.Link) objGetInfoByFd(p, fd);
    }

    /** The program behind an fd. */
    public LoadedProgram program(BpfProcess p, int fd) {
        return progOf(p, fd).prog;
    }

    /**
     * BPF_PROG_TEST_RUN: delegated to {@link dev.bpfvm.kernel.testrun.TestRun} (program
     * contexts per type, data in/out, repeat) in this kernel's runtime, with the acting task
     * as current. The errnos are test-run's (EINVAL, ENOTSUPP, ...); a fault is its errno.
     */
    public TestRunResult progTestRun(BpfProcess p, int fd, TestRunOptions options) {
        check(p, BpfCmd.PROG_TEST_RUN, options);
        LoadedProgram lp = progOf(p, fd).prog;
        try {
            return TestRun.run(kernel.runtime(), lp.code(), lp.type(), lp.attachType(), lp.attachTo(),
                    options.withTask(kernel.actor()));
        } catch (TestRunException e) {
            throw new KernelException(e.errno(), e.getMessage());
        } catch (BpfException e) {
            throw new KernelException(e.errno(), e.getMessage());
        }
    }

    // ---------------------------------------------------------------- tokens

    /** bpffs instances mounted with delegation, by mount point. */
    private final Map<String, BpffsMount> mounts = new TreeMap<>();

    private record BpffsMount(int userNsOwner, BpfToken.Delegation delegation) {}

    /**
     * mount -t bpf at {@code path} with {@code delegate_*} options, as a privileged process
     * does for a container: the instance belongs to the user namespace owned by
     * {@code userNsOwner} (0: the initial one; see {@link BpfToken}). The security hook sees
     * it as {@link BpfCmd#TOKEN_CREATE} with a {@link MountBpffs} (Linux's rule: CAP_SYS_ADMIN,
     * else EPERM), EBUSY if {@code path} is
     * already a mount point, EINVAL if it is not absolute. Only the root of such an instance
     * is modelled: nothing can be pinned in it.
     */
    public void mountBpffs(BpfProcess p, String path, int userNsOwner, BpfToken.Delegation delegation) {
        if (path == null || !path.startsWith("/") || path.length() < 2 || path.endsWith("/")) {
            throw new KernelException(Errno.EINVAL, "bad mount point '" + path + "'");
        }
        security.check(p, BpfCmd.TOKEN_CREATE, new MountBpffs(path, userNsOwner, delegation));
        synchronized (this) {
            if (mounts.containsKey(path) || path.equals(Bpffs.MOUNT)) {
                throw new KernelException(Errno.EBUSY, path + " is already a mount point");
            }
            mounts.put(path, new BpffsMount(userNsOwner, delegation));
        }
    }

    /** mount's arguments as the security hook sees them (it needs CAP_SYS_ADMIN). */
    public record MountBpffs(String path, int userNsOwner, BpfToken.Delegation delegation) {}

    /** The user-namespace owner of the bpffs instance mounted at {@code path}, for the security hook (-1: none). */
    public synchronized int bpffsUserNsOwner(String path) {
        BpffsMount m = mounts.get(path);
        return m == null ? (path.equals(Bpffs.MOUNT) ? 0 : -1) : m.userNsOwner();
    }

    /**
     * BPF_TOKEN_CREATE from the root of a bpffs instance (Linux opens it and passes
     * {@code bpffs_fd}; here its path). As bpf_token_create: EINVAL if {@code path} is not the
     * root of a bpffs instance (a directory inside one too); ENOENT if it delegates no
     * command; then the security hook: EPERM if the caller is not in the instance's user
     * namespace or lacks CAP_BPF there, EOPNOTSUPP in the initial user namespace.
     */
    public int tokenCreate(BpfProcess p, String path) {
        BpffsMount m;
        synchronized (this) {
            m = path.equals(Bpffs.MOUNT) ? new BpffsMount(0, BpfToken.Delegation.NONE) : mounts.get(path);
        }
        if (m == null) {
            throw new KernelException(Errno.EINVAL, path + " is not the root of a bpffs instance");
        }
        if (m.delegation().cmds().isEmpty()) {
            throw new KernelException(Errno.ENOENT, "the bpffs at " + path + " delegates no command (delegate_cmds)");
        }
        BpfToken token = new BpfToken(path, m.userNsOwner(), m.delegation());
        check(p, BpfCmd.TOKEN_CREATE, token);
        LsmHooks.deny("bpf_token_create", lsm.bpfTokenCreate(token, path), "BPF_TOKEN_CREATE from " + path);
        token.get();
        return install(p, token);
    }

    /** The token behind an fd (EBADF, EINVAL if not a token). */
    public BpfToken token(BpfProcess p, int fd) {
        return as(p.get(fd), BpfToken.class, fd, "BPF token");
    }

    private Object withToken(BpfProcess p, Object attr, int tokenFd) {
        return tokenFd == 0 ? attr : new WithToken(attr, token(p, tokenFd));
    }

    // ---------------------------------------------------------------- bpffs

    /** BPF_OBJ_PIN: pins the map, program or link behind {@code fd} at {@code path}. */
    public void objPin(BpfProcess p, int fd, String path) {
        check(p, BpfCmd.OBJ_PIN, new ObjPath(path, fd, 0));
        Object o = p.get(fd);
        if (!(o instanceof MapObject || o instanceof ProgObject || o instanceof LinkObject)) {
            throw new KernelException(Errno.EINVAL, "fd " + fd + " cannot be pinned");
        }
        bpffs.pin(path, (Refcounted) o);
    }

    /** BPF_OBJ_GET: a new read-write fd for what is pinned at {@code path}. */
    public int objGet(BpfProcess p, String path) {
        return objGet(p, path, 0);
    }

    /**
     * BPF_OBJ_GET with {@code file_flags}: {@code BPF_F_RDONLY} / {@code BPF_F_WRONLY} open a
     * map read-only / write-only and need only read / write permission on the pin (both by
     * default); a program fd is read-write whatever the flags; a link needs both (EINVAL).
     * EINVAL for other flags or both. The new fd passes {@code lsm/bpf_map} (with its fmode) or
     * {@code lsm/bpf_prog}.
     */
    public int objGet(BpfProcess p, String path, int fileFlags) {
        ObjPath a = new ObjPath(path, 0, fileFlags);
        lsmBpf(BpfCmd.OBJ_GET, a);
        if ((fileFlags & ~(MapAttr.BPF_F_RDONLY | MapAttr.BPF_F_WRONLY)) != 0) {
            throw new KernelException(Errno.EINVAL, "BPF_OBJ_GET: file_flags 0x" + Integer.toHexString(fileFlags));
        }
        int fmode = fmodeOf(fileFlags);
        security.check(p, BpfCmd.OBJ_GET, a);
        Refcounted o = bpffs.get(path);
        if (o instanceof LinkObject && fmode != (FMODE_READ | FMODE_WRITE)) {
            throw new KernelException(Errno.EINVAL, "a link (" + path + ") can only be opened read-write");
        }
        return newFd(p, o, fmode, path);
    }

    /** bpf_map_new_fd / bpf_prog_new_fd / bpf_link_new_fd on a found object: a reference, the LSM hook, the fd. */
    private int newFd(BpfProcess p, Refcounted o, int fmode, String where) {
        if (!o.tryGet()) {
            throw new KernelException(Errno.ENOENT, "the object at " + where + " is gone");
        }
        try {
            if (o instanceof MapObject m) {
                LsmHooks.deny("bpf_map", lsm.bpfMap(m.map, fmode), "an fd of " + what(m.map));
            } else if (o instanceof ProgObject po) {
                LsmHooks.deny("bpf_prog", lsm.bpfProg(fields(po.prog)), "an fd of program " + po.id()
                        + " (" + po.prog.name() + ")");
            }
        } catch (KernelException e) {
            o.put();
            throw e;
        }
        return p.install(o, o instanceof MapObject ? fmode : FMODE_READ | FMODE_WRITE);
    }

    /**
     * Reads a bpffs file as {@code cat} does: a pinned iterator link runs; other pins cannot be
     * read (EINVAL here); a directory is EISDIR.
     */
    public byte[] catPinned(String path) {
        if (bpffs.isDirectory(path)) {
            throw new KernelException(Errno.EISDIR, path + " is a directory");
        }
        Refcounted o = bpffs.get(path);
        if (!(o instanceof LinkObject l) || l.iterator == null) {
            throw new KernelException(Errno.EINVAL, path + " is a pinned " + o.kind() + ", not an iterator");
        }
        return l.iterator.cat();
    }

    /** The process that loaded program {@code progId} (null once unloaded). */
    synchronized BpfProcess loader(int progId) {
        return loaders.get(progId);
    }

    /**
     * OBJ_PIN into a cgroup directory, as only {@code bpf_sys_bpf} may (bpfvm extension for seed
     * Idea II): the name must start with {@code cgroup.bpf_} (else EPERM, as any pin outside
     * bpffs), the directory must be an online cgroup (ENOENT), the name free (EEXIST).
     */
    void objPinInCgroup(BpfProcess p, int fd, String path, String dirPath) {
        check(p, BpfCmd.OBJ_PIN, new ObjPath(path, fd, 0));
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (!name.startsWith(CGROUP_PIN_PREFIX)) {
            throw new KernelException(Errno.EPERM, path + " is not on bpffs and not a " + CGROUP_PIN_PREFIX + "* file");
        }
        kernel.cgroup(dirPath);
        Object o = p.get(fd);
        if (!(o instanceof MapObject || o instanceof ProgObject || o instanceof LinkObject)) {
            throw new KernelException(Errno.EINVAL, "fd " + fd + " cannot be pinned");
        }
        synchronized (this) {
            if (cgroupPins.containsKey(path)) {
                throw new KernelException(Errno.EEXIST, path + " exists");
            }
            ((Refcounted) o).get();
            cgroupPins.put(path, (Refcounted) o);
        }
    }

    /** Names of bpf_sys_bpf pins in a cgroup directory start with this. */
    public static final String CGROUP_PIN_PREFIX = "cgroup.bpf_";

    /** Whether a pin exists at this cgroupfs path. */
    public synchronized boolean cgroupPinned(String path) {
        return cgroupPins.containsKey(path);
    }

    /** Reads a pin in a cgroup directory as {@code cat} does (see {@link #catPinned}). ENOENT. */
    public byte[] catCgroupPin(String path) {
        Refcounted o;
        synchronized (this) {
            o = cgroupPins.get(path);
        }
        if (o == null) {
            throw new KernelException(Errno.ENOENT, "nothing at " + path);
        }
        if (!(o instanceof LinkObject l) || l.iterator == null) {
            throw new KernelException(Errno.EINVAL, path + " is a pinned " + o.kind() + ", not an iterator");
        }
        return l.iterator.cat();
    }

    /** Drops the pins in a removed cgroup directory (kernfs removes its files with it). */
    public void unpinCgroupDir(String dirPath) {
        List<Refcounted> dropped = new ArrayList<>();
        synchronized (this) {
            var it = cgroupPins.entrySet().iterator();
            while (it.hasNext()) {
                var e = it.next();
                if (e.getKey().startsWith(dirPath + "/") && e.getKey().indexOf('/', dirPath.length() + 1) < 0) {
                    dropped.add(e.getValue());
                    it.remove();
                }
            }
        }
        for (Refcounted o : dropped) {
            o.put();
        }
    }

    // ---------------------------------------------------------------- links

    /** open(2) of a cgroup directory, for LINK_CREATE's cgroup_fd. */
    public int openCgroup(BpfProcess p, String path) {
        Cgroup c = kernel.cgroup(path);
        if (!c.tryAcquire()) {
            throw new KernelException(Errno.ENOENT, path + " is gone");
        }
        CgroupDir d = new CgroupDir(c);
        d.get();
        return install(p, d);
    }

    /**
     * BPF_LINK_CREATE. Tracing programs attach where their type, expected attach type and
     * target say (fentry/fexit/tp_btf; classic and raw tracepoints too); {@code iter/cgroup}
     * programs make an iterator link over the cgroup of {@code opts} (fd, else id, else the
     * root) in its order. EINVAL when {@code attachType} differs from the program's.
     */
    public int linkCreate(BpfProcess p, int progFd, AttachType attachType, LinkOpts opts) {
        check(p, BpfCmd.LINK_CREATE, new LinkCreate(progFd, attachType, opts));
        ProgObject po = progOf(p, progFd);
        LoadedProgram lp = po.prog;
        if (attachType != lp.attachType() && (lp.type() == ProgramType.TRACING || lp.type() == ProgramType.LSM)) {
            throw new KernelException(Errno.EINVAL, "attach type " + attachType + " does not match program "
                    + lp.name() + "'s " + lp.attachType());
        }
        LinkOpts o = opts == null ? LinkOpts.NONE : opts;
        if (lp.type() == ProgramType.CGROUP_STATS_AGG || attachType == AttachType.CGROUP_STATS_AGG) {
            return statsAggregatorLink(p, po, attachType, o);
        }
        Attachment tracing = null;
        CgroupIterator iter = null;
        if (lp.type() == ProgramType.TRACING && lp.attachType() == AttachType.TRACE_ITER) {
            if (!lp.attachTo().equals("cgroup")) {
                throw new KernelException(Errno.EINVAL, "no iterator target " + lp.attachTo());
            }
            if (o.cgroupFd() != 0 && o.cgroupId() != 0) {
                throw new KernelException(Errno.EINVAL, "both cgroup_fd and cgroup_id given");
            }
            Cgroup c;
            if (o.cgroupFd() != 0) {
                c = as(p.get(o.cgroupFd()), CgroupDir.class, o.cgroupFd(), "cgroup").cgroup;
            } else if (o.cgroupId() != 0) {
                c = kernel.cgroups().byId(o.cgroupId());
                if (c == null || !c.online()) {
                    throw new KernelException(Errno.ENOENT, "no cgroup with id " + o.cgroupId());
                }
            } else {
                c = kernel.cgroups().root();
            }
            iter = kernel.cgroupIterator(lp, c, o.order());
        } else {
            tracing = kernel.tracing().attach(pointOf(lp), lp, o.cookie());
        }
        synchronized (this) {
            po.get();
            LinkObject l = new LinkObject(nextLinkId++, po, tracing, iter, this::forget);
            l.get();
            links.put(l.id(), l);
            return install(p, l);
        }
    }

    /** The value size each loaded CGROUP_STATS aggregator was verified for (its object's map), by program id. */
    private final Map<Integer, Integer> aggregatorValueSizes = new HashMap<>();

    /**
     * LINK_CREATE of a CGROUP_STATS map's aggregator (bpfvm): {@code target_fd} is the map. The
     * map's totals are combined by the program from then on, until the link is detached or
     * freed (the link holds the map). EINVAL for another attach type or program type, a map
     * without BPF_F_STATS_AGG_PROG, or a value size other than the one the program was verified
     * with; EBADF for a target fd that is not open; EBUSY if the map already has an aggregator.
     */
    private int statsAggregatorLink(BpfProcess p, ProgObject po, AttachType attachType, LinkOpts o) {
        LoadedProgram lp = po.prog;
        if (lp.type() != ProgramType.CGROUP_STATS_AGG || attachType != AttachType.CGROUP_STATS_AGG) {
            throw new KernelException(Errno.EINVAL, "program " + lp.name() + " (" + lp.type().kernelName()
                    + ") and attach type " + attachType.kernelName() + " do not match");
        }
        MapObject mo = mapOf(p, o.targetFd());
        if (!(mo.map instanceof dev.bpfvm.kernel.statsmap.CgroupStatsMap m) || !m.aggregated()) {
            throw new KernelException(Errno.EINVAL, "map " + mo.map.attr().name()
                    + " is not a CGROUP_STATS map with BPF_F_STATS_AGG_PROG");
        }
        Integer verified;
        synchronized (this) {
            verified = aggregatorValueSizes.get(lp.id());
        }
        if (verified == null || verified != m.attr().valueSize()) {
            throw new KernelException(Errno.EINVAL, "aggregator " + lp.name() + " was verified for "
                    + (verified == null ? "no map" : "value_size " + verified) + ", map " + m.attr().name()
                    + " has value_size " + m.attr().valueSize());
        }
        dev.bpfvm.kernel.statsmap.ProgramAggregator agg = new dev.bpfvm.kernel.statsmap.ProgramAggregator(kernel, lp,
                m.attr().valueSize());
        call(() -> {
            m.aggregator(agg);
            return null;
        });
        synchronized (this) {
            po.get();
            mo.get();
            LinkObject l = new LinkObject(nextLinkId++, po, null, null, () -> {
                if (m.aggregator() == agg) {
                    m.aggregator(null);
                }
                agg.close();
            }, mo, this::forget);
            l.get();
            links.put(l.id(), l);
            return install(p, l);
        }
    }

    static AttachPoint pointOf(LoadedProgram lp) {
        String to = lp.attachTo();
        switch (lp.type()) {
            case TRACEPOINT:
                return new AttachPoint(AttachPoint.Kind.TRACEPOINT, to.startsWith("cgroup/") ? to.substring(7) : to);
            case RAW_TRACEPOINT:
                return new AttachPoint(AttachPoint.Kind.RAW_TP, to);
            case LSM:
                return new AttachPoint(AttachPoint.Kind.LSM, to);
            case TRACING:
                switch (lp.attachType()) {
                    case TRACE_FENTRY:
                        return new AttachPoint(AttachPoint.Kind.FENTRY, to);
                    case TRACE_FEXIT:
                        return new AttachPoint(AttachPoint.Kind.FEXIT, to);
                    case TRACE_RAW_TP:
                        return new AttachPoint(AttachPoint.Kind.TP_BTF, to.startsWith("cgroup:") ? to.substring(7) : to);
                    default:
                        break;
                }
                break;
            default:
                break;
        }
        throw new KernelException(Errno.EINVAL, "program " + lp.name() + " (" + lp.type().kernelName() + ", "
                + lp.attachType() + ") has no attach point in the emulated kernel");
    }

    private synchronized void forget(LinkObject l) {
        links.remove(l.id());
    }

    /** BPF_LINK_DETACH: tracing links stop firing; iterator links cannot be detached (EOPNOTSUPP). */
    public void linkDetach(BpfProcess p, int fd) {
        check(p, BpfCmd.LINK_DETACH, fd);
        LinkObject l = linkOf(p, fd);
        if (l.iterator != null) {
            throw new KernelException(Errno.EOPNOTSUPP, "iterator links cannot be detached");
        }
        l.detach();
    }

    /** BPF_ITER_CREATE: an fd to read the iterator link's output from. */
    public int iterCreate(BpfProcess p, int linkFd) {
        check(p, BpfCmd.ITER_CREATE, linkFd);
        LinkObject l = linkOf(p, linkFd);
        if (l.iterator == null) {
            throw new KernelException(Errno.EINVAL, "link " + l.id() + " is not an iterator link");
        }
        SeqFile seq = l.iterator.open();
        l.get();
        IterFile f = new IterFile(l, seq);
        f.get();
        return install(p, f);
    }

    /** read(2) of an iterator fd. */
    public byte[] read(BpfProcess p, int fd, int size) {
        return as(p.get(fd), IterFile.class, fd, "iterator").seq.read(size);
    }

    /** close(2). */
    public void close(BpfProcess p, int fd) {
        Object o = p.remove(fd);
        ((Refcounted) o).put();
    }

    // ---------------------------------------------------------------- BTF and cgroup attach

    /** BPF_BTF_LOAD without a token. */
    public int btfLoad(BpfProcess p, byte[] btf) {
        return btfLoad(p, btf, 0);
    }

    /**
     * BPF_BTF_LOAD (bpf_btf_load): CAP_BPF, which a token delegating {@code btf_load} gives
     * ({@code bpf_token_capable(token, CAP_BPF)}; no sysctl rule); then the raw BTF is parsed and
     * validated (EINVAL with the reason). Returns a BTF fd with a new id.
     */
    public int btfLoad(BpfProcess p, byte[] btf, int tokenFd) {
        BtfLoad a = new BtfLoad(btf.length);
        lsmBpf(BpfCmd.BTF_LOAD, a);
        BpfToken token = tokenFor(tokenFd == 0 ? null : token(p, tokenFd), BpfCmd.BTF_LOAD);
        security.check(p, BpfCmd.BTF_LOAD, token == null ? a : new WithToken(a, token));
        dev.bpfvm.vm.btf.Btf parsed;
        try {
            parsed = dev.bpfvm.vm.btf.Btf.parse("BTF_LOAD", btf);
        } catch (LoaderException | IllegalArgumentException e) {
            throw new KernelException(Errno.EINVAL, "BPF_BTF_LOAD: " + e.getMessage());
        }
        synchronized (this) {
            Objects.BtfObject o = new Objects.BtfObject(nextBtfId++, parsed, this::forget);
            o.get();
            btfs.put(o.id(), o);
            return install(p, o);
        }
    }

    private synchronized void forget(Objects.BtfObject o) {
        btfs.remove(o.id());
    }

    /** The BTF behind an fd (EBADF, EINVAL if not a BTF fd). */
    public dev.bpfvm.vm.btf.Btf btf(BpfProcess p, int fd) {
        return as(p.get(fd), Objects.BtfObject.class, fd, "BTF").btf;
    }

    public synchronized List<Integer> btfIds() {
        return List.copyOf(btfs.keySet());
    }

    /** BPF_F_ALLOW_OVERRIDE, BPF_F_ALLOW_MULTI for {@link #progAttach}. */
    public static final int BPF_F_ALLOW_OVERRIDE = CgroupAttach.BPF_F_ALLOW_OVERRIDE;
    public static final int BPF_F_ALLOW_MULTI = CgroupAttach.BPF_F_ALLOW_MULTI;

    private static ProgramType cgroupProgType(AttachType at) {
        ProgramType t = at == null ? null : CgroupAttach.progTypeOf(at);
        if (t == null) {
            throw new KernelException(Errno.EINVAL, "attach type " + (at == null ? "?" : at.kernelName())
                    + " is not a cgroup attach type (the only ones BPF_PROG_ATTACH has in bpfvm)");
        }
        return t;
    }

    /**
     * BPF_PROG_ATTACH of a cgroup program to the cgroup open at {@code targetFd}, as
     * bpf_prog_attach and __cgroup_bpf_attach: EINVAL for an attach type that is not a cgroup's,
     * flags other than ALLOW_OVERRIDE/ALLOW_MULTI (BPF_F_REPLACE is not modelled), a program of
     * another type or (sock, sock_addr, sockopt, lsm_cgroup) another expected attach type;
     * CGROUP_SKB programs, which unprivileged users may load, need CAP_NET_ADMIN here
     * (bpf_prog_attach_check_attach_type: EPERM); EBADF/EINVAL for fds; then the cgroup rules:
     * EPERM when an ancestor's program does not allow overriding or the flags differ from those
     * already used on this cgroup, EEXIST, E2BIG. The programs never run (no sockets or devices).
     */
    public void progAttach(BpfProcess p, int targetFd, int progFd, AttachType attachType, int flags) {
        lsmBpf(BpfCmd.PROG_ATTACH, new ProgAttach(targetFd, progFd, attachType, flags, null));
        ProgramType ptype = cgroupProgType(attachType);
        if ((flags & ~(BPF_F_ALLOW_OVERRIDE | BPF_F_ALLOW_MULTI)) != 0) {
            throw new KernelException(Errno.EINVAL, "BPF_PROG_ATTACH: attach_flags 0x" + Integer.toHexString(flags)
                    + (((flags & CgroupAttach.BPF_F_REPLACE) != 0) ? " (BPF_F_REPLACE is not modelled)" : ""));
        }
        ProgObject po = progOf(p, progFd);
        LoadedProgram lp = po.prog;
        if (lp.type() != ptype) {
            throw new KernelException(Errno.EINVAL, "program " + lp.name() + " is " + lp.type().kernelName() + ", "
                    + attachType.kernelName() + " takes " + ptype.kernelName());
        }
        switch (ptype) {
            case CGROUP_SOCK: case CGROUP_SOCK_ADDR: case CGROUP_SOCKOPT:
                if (lp.attachType() != attachType) {
                    throw new KernelException(Errno.EINVAL, "program " + lp.name() + " expects " + lp.attachType().kernelName());
                }
                break;
            case LSM:
                if (lp.attachType() != AttachType.LSM_CGROUP) {
                    throw new KernelException(Errno.EINVAL, "program " + lp.name() + " is not an lsm_cgroup program");
                }
                break;
            default:
                break;
        }
        security.check(p, BpfCmd.PROG_ATTACH, new ProgAttach(targetFd, progFd, attachType, flags, ptype));
        if (ptype == ProgramType.CGROUP_SKB && lp.attachType() != AttachType.NONE && lp.attachType() != attachType) {
            throw new KernelException(Errno.EINVAL, "program " + lp.name() + " expects " + lp.attachType().kernelName());
        }
        Cgroup c = as(p.get(targetFd), CgroupDir.class, targetFd, "cgroup").cgroup;
        if (!po.tryGet()) {
            throw new KernelException(Errno.ENOENT, "program " + lp.name() + " is gone");
        }
        ProgObject old;
        try {
            old = cgroupProgs.attach(c, attachType, po, flags);
        } catch (KernelException e) {
            po.put();
            throw e;
        }
        if (old != null) {
            old.put();
        }
    }

    /**
     * BPF_PROG_DETACH from the cgroup open at {@code targetFd} (progFd 0: none): no capability
     * check, as Linux (the caller needs the cgroup's fd, and in a multi list the program's fd);
     * EINVAL, ENOENT as cgroup_bpf_detach. An fd that is not a program counts as none.
     */
    public void progDetach(BpfProcess p, int targetFd, int progFd, AttachType attachType) {
        lsmBpf(BpfCmd.PROG_DETACH, new ProgAttach(targetFd, progFd, attachType, 0, null));
        ProgramType ptype = cgroupProgType(attachType);
        security.check(p, BpfCmd.PROG_DETACH, new ProgAttach(targetFd, progFd, attachType, 0, ptype));
        Cgroup c = as(p.get(targetFd), CgroupDir.class, targetFd, "cgroup").cgroup;
        ProgObject prog = null;
        if (progFd != 0) {
            try {
                ProgObject po = progOf(p, progFd);
                prog = po.prog.type() == ptype ? po : null;
            } catch (KernelException notAProgram) {
                prog = null;
            }
        }
        cgroupProgs.detach(c, attachType, prog).put();
    }

    /**
     * BPF_PROG_QUERY of a cgroup (CAP_NET_ADMIN, bpf_net_capable): {attach_flags, prog ids...}
     * of the programs attached to that cgroup itself (no BPF_F_QUERY_EFFECTIVE).
     */
    public int[] progQuery(BpfProcess p, int targetFd, AttachType attachType) {
        lsmBpf(BpfCmd.PROG_QUERY, new ProgAttach(targetFd, 0, attachType, 0, null));
        security.check(p, BpfCmd.PROG_QUERY, new ProgAttach(targetFd, 0, attachType, 0, null));
        cgroupProgType(attachType);
        Cgroup c = as(p.get(targetFd), CgroupDir.class, targetFd, "cgroup").cgroup;
        return cgroupProgs.query(c, attachType);
    }

    // ---------------------------------------------------------------- ids

    private static int nextId(Map<Integer, ?> m, int start) {
        for (int id : m.keySet()) {
            if (id > start) {
                return id;
            }
        }
        throw new KernelException(Errno.ENOENT, "no id after " + start);
    }

    public synchronized int progGetNextId(BpfProcess p, int start) {
        check(p, BpfCmd.PROG_GET_NEXT_ID, start);
        return nextId(progs, start);
    }

    public synchronized int mapGetNextId(BpfProcess p, int start) {
        check(p, BpfCmd.MAP_GET_NEXT_ID, start);
        return nextId(maps, start);
    }

    public synchronized int linkGetNextId(BpfProcess p, int start) {
        check(p, BpfCmd.LINK_GET_NEXT_ID, start);
        return nextId(links, start);
    }

    private int fdById(BpfProcess p, Map<Integer, ? extends Refcounted> m, int id, String what, int fmode) {
        Refcounted o;
        synchronized (this) {
            o = m.get(id);
        }
        if (o == null) {
            throw new KernelException(Errno.ENOENT, "no " + what + " with id " + id);
        }
        return newFd(p, o, fmode, what + " id " + id);
    }

    /** BPF_PROG_GET_FD_BY_ID (CAP_SYS_ADMIN); the fd passes {@code lsm/bpf_prog}. */
    public int progGetFdById(BpfProcess p, int id) {
        check(p, BpfCmd.PROG_GET_FD_BY_ID, id);
        return fdById(p, progs, id, "program", FMODE_READ | FMODE_WRITE);
    }

    public int mapGetFdById(BpfProcess p, int id) {
        return mapGetFdById(p, id, 0);
    }

    /**
     * BPF_MAP_GET_FD_BY_ID with {@code open_flags} ({@code BPF_F_RDONLY} / {@code BPF_F_WRONLY}:
     * the fd's mode; EINVAL for others or both), CAP_SYS_ADMIN; the fd passes {@code lsm/bpf_map}.
     */
    public int mapGetFdById(BpfProcess p, int id, int openFlags) {
        lsmBpf(BpfCmd.MAP_GET_FD_BY_ID, id);
        if ((openFlags & ~(MapAttr.BPF_F_RDONLY | MapAttr.BPF_F_WRONLY)) != 0) {
            throw new KernelException(Errno.EINVAL, "BPF_MAP_GET_FD_BY_ID: open_flags 0x" + Integer.toHexString(openFlags));
        }
        security.check(p, BpfCmd.MAP_GET_FD_BY_ID, id);
        int fmode = fmodeOf(openFlags);
        return fdById(p, maps, id, "map", fmode);
    }

    public int linkGetFdById(BpfProcess p, int id) {
        check(p, BpfCmd.LINK_GET_FD_BY_ID, id);
        return fdById(p, links, id, "link", FMODE_READ | FMODE_WRITE);
    }

    /** BPF_OBJ_GET_INFO_BY_FD. */
    public BpfInfo objGetInfoByFd(BpfProcess p, int fd) {
        check(p, BpfCmd.OBJ_GET_INFO_BY_FD, fd);
        Object o = p.get(fd);
        if (o instanceof MapObject m) {
            BpfMap map = m.map;
            return new BpfInfo.Map(map.id(), map.type().name().toLowerCase(), map.name(), map.keySize(),
                    map.valueSize(), map.maxEntries(), map.flags(), map.frozen());
        }
        if (o instanceof ProgObject po) {
            LoadedProgram lp = po.prog;
            int[] ids = po.usedMaps.stream().mapToInt(MapObject::id).toArray();
            return new BpfInfo.Prog(lp.id(), lp.type().name().toLowerCase(), lp.name(), lp.attachType().name(),
                    lp.attachTo(), lp.sleepable(), lp.code().slotCount(), ids);
        }
        if (o instanceof LinkObject l) {
            if (l.holds instanceof MapObject mo) {
                return new BpfInfo.Link(l.id(), "cgroup_stats_agg", l.prog.id(), "map " + mo.id(), l.detached);
            }
            String target = l.iterator != null
                    ? "cgroup " + l.iterator.start().path() + " order " + l.iterator.order().name().toLowerCase()
                    : l.tracing.point().toString();
            return new BpfInfo.Link(l.id(), l.iterator != null ? "iter" : "tracing", l.prog.id(), target, l.detached);
        }
        throw new KernelException(Errno.EINVAL, "fd " + fd + " has no bpf info");
    }

    /** Live object ids, for tests and {@code bpftool}-like listings. */
    public synchronized List<Integer> mapIds() {
        return List.copyOf(maps.keySet());
    }

    public synchronized List<Integer> progIds() {
        return List.copyOf(progs.keySet());
    }

    public synchronized List<Integer> linkIds() {
        return List.copyOf(links.keySet());
    }
}
