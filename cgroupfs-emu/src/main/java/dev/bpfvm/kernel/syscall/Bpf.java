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
import dev.bpfvm.maps.Maps;
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

    /** LINK_CREATE's extra arguments: for iter/cgroup the cgroup (fd or id) and order; a BPF cookie. */
    public record LinkOpts(int cgroupFd, long cgroupId, CgroupIterOrder order, long cookie) {
        public static final LinkOpts NONE = new LinkOpts(0, 0, CgroupIterOrder.UNSPEC, 0);

        public static LinkOpts cgroupIter(int cgroupFd, long cgroupId, CgroupIterOrder order) {
            return new LinkOpts(cgroupFd, cgroupId, order, 0);
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
    private int nextLinkId = 1;
    /** The process that loaded each program (by program id): bpf_sys_bpf acts as it. */
    private final Map<Integer, BpfProcess> loaders = new HashMap<>();
    /** Pins inside cgroup directories, made by bpf_sys_bpf (a bpfvm extension; Linux pins only on bpffs). */
    private final Map<String, Refcounted> cgroupPins = new TreeMap<>();
    private volatile BpfSecurity security = BpfSecurity.ALLOW_ALL;

    public Bpf(EmulatedKernel kernel) {
        this.kernel = kernel;
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

    /** Size of the {@code union bpf_attr} prefix that lsm/bpf programs are given. */
    public static final int LSM_ATTR_SIZE = 128;

    /**
     * The fields of {@code union bpf_attr} an lsm/bpf program can read, at Linux's offsets:
     * MAP_CREATE map_type, key_size, value_size, max_entries, map_flags; PROG_LOAD prog_type,
     * prog_flags (BPF_F_SLEEPABLE), prog_name, expected_attach_type; OBJ_PIN/OBJ_GET pathname;
     * LINK_CREATE prog_fd, target_fd, attach_type. Everything else reads as zero.
     */
    private static byte[] lsmAttr(Object attr, long pathAddr) {
        byte[] b = new byte[LSM_ATTR_SIZE];
        if (attr instanceof MapAttr a) {
            dev.bpfvm.vm.mem.AddressSpace.put(b, 0, 4, a.type().value());
            dev.bpfvm.vm.mem.AddressSpace.put(b, 4, 4, a.keySize());
            dev.bpfvm.vm.mem.AddressSpace.put(b, 8, 4, a.valueSize());
            dev.bpfvm.vm.mem.AddressSpace.put(b, 12, 4, a.maxEntries());
            dev.bpfvm.vm.mem.AddressSpace.put(b, 16, 4, a.flags());
        } else if (attr instanceof BpfMap m) {
            dev.bpfvm.vm.mem.AddressSpace.put(b, 0, 4, m.type().value());
            dev.bpfvm.vm.mem.AddressSpace.put(b, 4, 4, m.keySize());
            dev.bpfvm.vm.mem.AddressSpace.put(b, 8, 4, m.valueSize());
            dev.bpfvm.vm.mem.AddressSpace.put(b, 12, 4, m.maxEntries());
            dev.bpfvm.vm.mem.AddressSpace.put(b, 16, 4, m.flags());
        } else if (attr instanceof ProgLoad pl) {
            dev.bpfvm.vm.mem.AddressSpace.put(b, 0, 4, pl.type().value());
            dev.bpfvm.vm.mem.AddressSpace.put(b, 44, 4, pl.sleepable() ? 1 << 4 : 0);
            byte[] name = pl.name().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            System.arraycopy(name, 0, b, 48, Math.min(15, name.length));
            AttachType at = pl.expectedAttachType();
            dev.bpfvm.vm.mem.AddressSpace.put(b, 68, 4, at == null || at == AttachType.NONE ? 0 : at.value());
        } else if (attr instanceof String) {
            dev.bpfvm.vm.mem.AddressSpace.put(b, 0, 8, pathAddr);
        } else if (attr instanceof LinkCreate lc) {
            dev.bpfvm.vm.mem.AddressSpace.put(b, 0, 4, lc.progFd());
            dev.bpfvm.vm.mem.AddressSpace.put(b, 4, 4, lc.opts() == null ? 0 : lc.opts().cgroupFd());
            dev.bpfvm.vm.mem.AddressSpace.put(b, 8, 4, lc.attachType() == null ? 0 : lc.attachType().value());
        }
        return b;
    }

    private int runLsmBpf(BpfCmd cmd, Object attr) {
        if (attr instanceof WithToken wt) {
            attr = wt.attr();
        }
        if (!kernel.tracing().has(AttachPoint.Kind.LSM, "bpf")) {
            return 0;
        }
        var memory = kernel.runtime().memory();
        dev.bpfvm.vm.mem.Region path = null;
        if (attr instanceof String s) {
            byte[] z = java.util.Arrays.copyOf(s.getBytes(java.nio.charset.StandardCharsets.UTF_8), s.length() + 1);
            path = memory.register(dev.bpfvm.vm.mem.Region.of(dev.bpfvm.vm.mem.Region.Kind.KERNEL_OBJECT, "pathname", z)
                    .readOnly().build());
        }
        dev.bpfvm.vm.mem.Region a = memory.register(dev.bpfvm.vm.mem.Region.of(dev.bpfvm.vm.mem.Region.Kind.KERNEL_OBJECT,
                "bpf_attr", lsmAttr(attr, path == null ? 0 : path.address(0))).readOnly().build());
        try {
            return kernel.tracing().runLsm("bpf", cmd.value(), a.address(0), LSM_ATTR_SIZE);
        } finally {
            memory.unregister(a);
            if (path != null) {
                memory.unregister(path);
            }
        }
    }

    private void check(BpfProcess p, BpfCmd cmd, Object attr) {
        // security_bpf(cmd, attr, size) runs first, as in __sys_bpf
        int lsm = runLsmBpf(cmd, attr);
        if (lsm != 0) {
            Errno e = Errno.EPERM;
            try {
                e = lsm < 0 ? Errno.of(-lsm) : Errno.EPERM;
            } catch (IllegalArgumentException unknown) {
                // an errno we do not name: report EPERM
            }
            throw new KernelException(e, "lsm/bpf denied " + cmd.kernelName() + " (" + lsm + ")");
        }
        security.check(p, cmd, attr);
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
     * MAP_CREATE and this map type is ignored (the caller's own capabilities decide).
     */
    public int mapCreate(BpfProcess p, MapAttr attr, int tokenFd) {
        check(p, BpfCmd.MAP_CREATE, withToken(p, attr, tokenFd));
        BpfMap m = call(() -> attr.type() == dev.bpfvm.vm.spi.MapType.CGROUP_STATS
                ? dev.bpfvm.kernel.statsmap.CgroupStatsMap.create(attr, kernel)
                : Maps.create(attr, kernel.runtime()));
        return mapInstall(p, m);
    }

    /** Gives an fd to a map made elsewhere (the object loader), which the kernel then owns. */
    public synchronized int mapInstall(BpfProcess p, BpfMap m) {
        MapObject o = new MapObject(m, this::forget);
        o.get();
        maps.put(m.id(), o);
        return install(p, o);
    }

    private synchronized void forget(MapObject o) {
        maps.remove(o.id());
    }

    public byte[] mapLookupElem(BpfProcess p, int fd, byte[] key, long flags) {
        check(p, BpfCmd.MAP_LOOKUP_ELEM, key);
        BpfMap m = mapOf(p, fd).map;
        return call(() -> m.lookup(key, flags));
    }

    public void mapUpdateElem(BpfProcess p, int fd, byte[] key, byte[] value, long flags) {
        check(p, BpfCmd.MAP_UPDATE_ELEM, key);
        BpfMap m = mapOf(p, fd).map;
        call(() -> {
            m.update(key, value, flags);
            return null;
        });
    }

    public void mapDeleteElem(BpfProcess p, int fd, byte[] key) {
        check(p, BpfCmd.MAP_DELETE_ELEM, key);
        BpfMap m = mapOf(p, fd).map;
        call(() -> {
            m.delete(key);
            return null;
        });
    }

    /** BPF_MAP_GET_NEXT_KEY: the key after {@code key} (null: the first); ENOENT after the last. */
    public byte[] mapGetNextKey(BpfProcess p, int fd, byte[] key) {
        check(p, BpfCmd.MAP_GET_NEXT_KEY, key);
        BpfMap m = mapOf(p, fd).map;
        return call(() -> m.nextKey(key));
    }

    public void mapFreeze(BpfProcess p, int fd) {
        check(p, BpfCmd.MAP_FREEZE, fd);
        BpfMap m = mapOf(p, fd).map;
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
     * the program type and its expected attach type.
     */
    public int progLoad(BpfProcess p, ProgLoad a, int tokenFd) {
        check(p, BpfCmd.PROG_LOAD, withToken(p, a, tokenFd));
        return register(p, a);
    }

    /** The end of BPF_PROG_LOAD once checked (and verified): the program, its maps, its fd. */
    private int register(BpfProcess p, ProgLoad a) {
        List<MapObject> used = new ArrayList<>();
        for (int fd : a.mapFds()) {
            used.add(mapOf(p, fd));
        }
        LoadedProgram lp = kernel.load(a.name(), a.type(), a.expectedAttachType(), a.attachTo(), a.sleepable(), a.code());
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
                (a.progFlags() & RawProgLoad.BPF_F_SLEEPABLE) != 0, code, fds));
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
        check(p, BpfCmd.PROG_LOAD, withToken(p, file, tokenFd));
        BpfObject obj;
        try {
            obj = BpfObject.open(file, bytes, kernel.loadOptions());
        } catch (ProgramRejectedException e) {
            throw new ProgLoadRejectedException(e);
        } catch (LoaderException e) {
            throw new KernelException(Errno.EINVAL, e.getMessage());
        }
        // every map and program passes its own check before anything gets an fd
        for (MapView m : obj.maps()) {
            check(p, BpfCmd.MAP_CREATE, withToken(p, m.map(), tokenFd));
        }
        for (BpfProgram bp : obj.programs()) {
            ProgramSpec ps = bp.spec();
            check(p, BpfCmd.PROG_LOAD, withToken(p, new ProgLoad(bp.name(), ps.type(), ps.attachType(), ps.attachTo(),
                    ps.sleepable(), bp.program(), null), tokenFd));
        }
        Map<String, Integer> mapFds = new java.util.LinkedHashMap<>();
        Map<String, Integer> progFds = new java.util.LinkedHashMap<>();
        for (MapView m : obj.maps()) {
            mapFds.put(m.name(), mapInstall(p, m.map()));
        }
        int[] all = mapFds.values().stream().mapToInt(Integer::intValue).toArray();
        for (BpfProgram bp : obj.programs()) {
            ProgramSpec ps = bp.spec();
            progFds.put(bp.name(), progLoad(p, new ProgLoad(bp.name(), ps.type(), ps.attachType(), ps.attachTo(),
                    ps.sleepable(), bp.program(), all), tokenFd));
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
        check(p, BpfCmd.OBJ_PIN, path);
        Object o = p.get(fd);
        if (!(o instanceof MapObject || o instanceof ProgObject || o instanceof LinkObject)) {
            throw new KernelException(Errno.EINVAL, "fd " + fd + " cannot be pinned");
        }
        bpffs.pin(path, (Refcounted) o);
    }

    /** BPF_OBJ_GET: a new fd for what is pinned at {@code path}. */
    public int objGet(BpfProcess p, String path) {
        check(p, BpfCmd.OBJ_GET, path);
        Refcounted o = bpffs.get(path);
        if (!o.tryGet()) {
            throw new KernelException(Errno.ENOENT, "the object at " + path + " is gone");
        }
        return install(p, o);
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
        check(p, BpfCmd.OBJ_PIN, path);
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

    private int fdById(BpfProcess p, Map<Integer, ? extends Refcounted> m, int id, String what) {
        Refcounted o;
        synchronized (this) {
            o = m.get(id);
        }
        if (o == null || !o.tryGet()) {
            throw new KernelException(Errno.ENOENT, "no " + what + " with id " + id);
        }
        return install(p, o);
    }

    public int progGetFdById(BpfProcess p, int id) {
        check(p, BpfCmd.PROG_GET_FD_BY_ID, id);
        return fdById(p, progs, id, "program");
    }

    public int mapGetFdById(BpfProcess p, int id) {
        check(p, BpfCmd.MAP_GET_FD_BY_ID, id);
        return fdById(p, maps, id, "map");
    }

    public int linkGetFdById(BpfProcess p, int id) {
        check(p, BpfCmd.LINK_GET_FD_BY_ID, id);
        return fdById(p, links, id, "link");
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
