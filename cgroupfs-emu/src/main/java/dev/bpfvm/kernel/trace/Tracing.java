package dev.bpfvm.kernel.trace;

import dev.bpfvm.kernel.Cpus;
import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.kernel.LoadedProgram;
import dev.bpfvm.kernel.cgroup.Cgroup;
import dev.bpfvm.kernel.cgroup.CgroupEvents;
import dev.bpfvm.kernel.cgroup.Task;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.btf.KernelBtf;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.spi.TracingArgs;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The attach points of the emulated kernel and the firing of their programs. Programs run in
 * attach order on the event's virtual CPU with the acting task as {@code current}. A fault in
 * a program does not fail the event (a kernel keeps going too): it is recorded in
 * {@link #faults()}.
 */
public final class Tracing implements CgroupEvents {
    /** Where fake kernel text addresses of traced functions start ({@code bpf_get_func_ip}). */
    public static final long KERNEL_TEXT = 0xffffffff81000000L;
    private static final int MAX_FAULTS = 100;

    private final AddressSpace memory;
    private final Cpus cpus;
    private final IntSupplier cpu;
    private final Supplier<Task> current;
    private final Map<AttachPoint, List<Attachment>> attached = new ConcurrentHashMap<>();
    private final List<BpfException> faults = Collections.synchronizedList(new ArrayList<>());

    public Tracing(AddressSpace memory, Cpus cpus, IntSupplier cpu, Supplier<Task> current) {
        this.memory = memory;
        this.cpus = cpus;
        this.cpu = cpu;
        this.current = current;
    }

    /**
     * Attaches a program. EINVAL when its type does not fit the point (TRACEPOINT programs on
     * classic tracepoints, RAW_TRACEPOINT on raw_tp, TRACING on tp_btf/fentry/fexit).
     */
    public Attachment attach(AttachPoint point, LoadedProgram p, long cookie) {
        ProgramType want = point.kind() == AttachPoint.Kind.TRACEPOINT ? ProgramType.TRACEPOINT
                : point.kind() == AttachPoint.Kind.RAW_TP ? ProgramType.RAW_TRACEPOINT
                : point.kind() == AttachPoint.Kind.LSM ? ProgramType.LSM : ProgramType.TRACING;
        if (p.type() != want) {
            throw new KernelException(Errno.EINVAL, "program " + p.name() + " of type " + p.type().kernelName()
                    + " cannot attach to " + point);
        }
        Attachment a = new Attachment(this, point, p, cookie);
        attached.computeIfAbsent(point, k -> new CopyOnWriteArrayList<>()).add(a);
        return a;
    }

    void remove(Attachment a) {
        List<Attachment> l = attached.get(a.point());
        if (l != null) {
            l.remove(a);
        }
    }

    /** Programs attached to a point, in attach order. */
    public List<Attachment> attached(AttachPoint point) {
        List<Attachment> l = attached.get(point);
        return l == null ? List.of() : List.copyOf(l);
    }

    /** Faults of programs run by events, oldest first (at most 100 kept). */
    public List<BpfException> faults() {
        synchronized (faults) {
            return List.copyOf(faults);
        }
    }

    private void fault(BpfException e) {
        synchronized (faults) {
            if (faults.size() == MAX_FAULTS) {
                faults.remove(0);
            }
            faults.add(e);
        }
    }

    private List<Attachment> list(AttachPoint.Kind kind, String name) {
        List<Attachment> l = attached.get(new AttachPoint(kind, name));
        return l == null ? List.of() : l;
    }

    /** Whether anything is attached where {@code kind}/{@code name} would fire. */
    public boolean has(AttachPoint.Kind kind, String name) {
        return !list(kind, name).isEmpty();
    }

    // ---------------------------------------------------------------- running

    private void runAll(List<Attachment> l, int onCpu, Task task, long ctx) {
        for (Attachment a : l) {
            run(a, onCpu, task, ctx);
        }
    }

    private long run(Attachment a, int onCpu, Task task, long ctx) {
        try {
            return cpus.run(onCpu, task, a.program(), ctx, a.cookie());
        } catch (BpfException e) {
            fault(e);
            return 0;
        }
    }

    private static long funcIp(String fn) {
        return KERNEL_TEXT + 16L * Math.max(0, KernelBtf.funcId(fn));
    }

    /** Runs fentry (exit = false) or fexit programs of {@code fn} with these arguments. */
    private void traceFunction(String fn, boolean exit, long ret, long... args) {
        List<Attachment> l = list(exit ? AttachPoint.Kind.FEXIT : AttachPoint.Kind.FENTRY, fn);
        if (l.isEmpty()) {
            return;
        }
        TracingArgs t = exit ? TracingArgs.exit(memory, fn, funcIp(fn), ret, args)
                : TracingArgs.entry(memory, fn, funcIp(fn), args);
        try {
            runAll(l, cpu.getAsInt(), current.get(), t.ctx());
        } finally {
            memory.unregister(t.region());
        }
    }

    /**
     * Runs the {@code lsm/HOOK} programs in attach order with {@code args} plus the previous
     * return value (the LSM macro's last argument), as {@code call_int_hook}: the first non-zero
     * return stops and is returned; 0 when all allow. A faulting program counts as allowing
     * (recorded in {@link #faults()}).
     */
    public int runLsm(String hook, long... args) {
        List<Attachment> l = list(AttachPoint.Kind.LSM, hook);
        if (l.isEmpty()) {
            return 0;
        }
        long[] withRet = java.util.Arrays.copyOf(args, args.length + 1);
        TracingArgs t = TracingArgs.entry(memory, "bpf_lsm_" + hook, funcIp("bpf_lsm_" + hook), withRet);
        try {
            for (Attachment a : l) {
                int r = (int) run(a, cpu.getAsInt(), current.get(), t.ctx());
                if (r != 0) {
                    return r;
                }
            }
            return 0;
        } finally {
            memory.unregister(t.region());
        }
    }

    /** Runs raw_tp and tp_btf programs of tracepoint {@code tp}. */
    private void traceRaw(String tp, long... args) {
        List<Attachment> raw = list(AttachPoint.Kind.RAW_TP, tp);
        List<Attachment> btf = list(AttachPoint.Kind.TP_BTF, tp);
        if (raw.isEmpty() && btf.isEmpty()) {
            return;
        }
        TracingArgs t = TracingArgs.entry(memory, tp, 0, args);
        try {
            int c = cpu.getAsInt();
            Task task = current.get();
            runAll(btf, c, task, t.ctx());
            runAll(raw, c, task, t.ctx());
        } finally {
            memory.unregister(t.region());
        }
    }

    /** A temporary read-only string in kernel memory (a path or name argument). */
    private Region string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] z = new byte[b.length + 1];
        System.arraycopy(b, 0, z, 0, b.length);
        return memory.register(Region.of(Region.Kind.KERNEL_OBJECT, "string", z).readOnly().build());
    }

    // ---------------------------------------------------------------- classic tracepoint records

    private static final int ENT_TYPE = KernelBtf.offsetOf("trace_event_raw_cgroup", "ent.type");
    private static final int ENT_PID = KernelBtf.offsetOf("trace_event_raw_cgroup", "ent.pid");

    /** Builds and runs the record of {@code cgroup:cgroup_mkdir} / {@code cgroup:cgroup_rmdir}. */
    private void recordCgroup(String tp, int type, Cgroup c) {
        List<Attachment> l = list(AttachPoint.Kind.TRACEPOINT, tp);
        if (l.isEmpty()) {
            return;
        }
        String s = "trace_event_raw_cgroup";
        int data = KernelBtf.offsetOf(s, "__data");
        byte[] path = c.path().getBytes(StandardCharsets.UTF_8);
        byte[] rec = new byte[align8(data + path.length + 1)];
        Task task = current.get();
        header(rec, type, task);
        AddressSpace.put(rec, KernelBtf.offsetOf(s, "root"), 4, 0);
        AddressSpace.put(rec, KernelBtf.offsetOf(s, "level"), 4, c.level());
        AddressSpace.put(rec, KernelBtf.offsetOf(s, "id"), 8, c.id());
        AddressSpace.put(rec, KernelBtf.offsetOf(s, "__data_loc_path"), 4, ((long) (path.length + 1) << 16) | data);
        System.arraycopy(path, 0, rec, data, path.length);
        runRecord(l, rec, "cgroup:" + tp, task);
    }

    private void recordMigrate(Cgroup dst, Task moved) {
        List<Attachment> l = list(AttachPoint.Kind.TRACEPOINT, "cgroup_attach_task");
        if (l.isEmpty()) {
            return;
        }
        String s = "trace_event_raw_cgroup_migrate";
        int data = KernelBtf.offsetOf(s, "__data");
        byte[] path = dst.path().getBytes(StandardCharsets.UTF_8);
        byte[] comm = moved.commBytes();
        byte[] rec = new byte[align8(data + path.length + 1 + comm.length + 1)];
        Task task = current.get();
        header(rec, 3, task);
        AddressSpace.put(rec, KernelBtf.offsetOf(s, "dst_root"), 4, 0);
        AddressSpace.put(rec, KernelBtf.offsetOf(s, "dst_level"), 4, dst.level());
        AddressSpace.put(rec, KernelBtf.offsetOf(s, "dst_id"), 8, dst.id());
        AddressSpace.put(rec, KernelBtf.offsetOf(s, "pid"), 4, moved.pid());
        AddressSpace.put(rec, KernelBtf.offsetOf(s, "__data_loc_dst_path"), 4, ((long) (path.length + 1) << 16) | data);
        int commAt = data + path.length + 1;
        AddressSpace.put(rec, KernelBtf.offsetOf(s, "__data_loc_comm"), 4, ((long) (comm.length + 1) << 16) | commAt);
        System.arraycopy(path, 0, rec, data, path.length);
        System.arraycopy(comm, 0, rec, commAt, comm.length);
        runRecord(l, rec, "cgroup:cgroup_attach_task", task);
    }

    private static void header(byte[] rec, int type, Task task) {
        AddressSpace.put(rec, ENT_TYPE, 2, type);
        AddressSpace.put(rec, ENT_PID, 4, task == null ? 0 : task.pid());
    }

    private void runRecord(List<Attachment> l, byte[] rec, String name, Task task) {
        Region r = memory.register(Region.of(Region.Kind.CTX, name, rec).readOnly().build());
        try {
            runAll(l, cpu.getAsInt(), task, r.address(0));
        } finally {
            memory.unregister(r);
        }
    }

    private static int align8(int n) {
        return (n + 7) & ~7;
    }

    // ---------------------------------------------------------------- CgroupEvents

    @Override
    public void mkdirEntry(Cgroup parent, String name, int mode) {
        if (has(AttachPoint.Kind.FENTRY, "cgroup_mkdir")) {
            Region n = string(name);
            try {
                traceFunction("cgroup_mkdir", false, 0, parent.kernfsAddress(), n.address(0), mode);
            } finally {
                memory.unregister(n);
            }
        }
    }

    @Override
    public void mkdirTracepoint(Cgroup cgrp) {
        recordCgroup("cgroup_mkdir", 1, cgrp);
        if (has(AttachPoint.Kind.TP_BTF, "cgroup_mkdir") || has(AttachPoint.Kind.RAW_TP, "cgroup_mkdir")) {
            Region p = string(cgrp.path());
            try {
                traceRaw("cgroup_mkdir", cgrp.address(), p.address(0));
            } finally {
                memory.unregister(p);
            }
        }
    }

    @Override
    public void mkdirExit(Cgroup parent, String name, int mode, int ret) {
        if (has(AttachPoint.Kind.FEXIT, "cgroup_mkdir")) {
            Region n = string(name);
            try {
                traceFunction("cgroup_mkdir", true, ret, parent.kernfsAddress(), n.address(0), mode);
            } finally {
                memory.unregister(n);
            }
        }
    }

    @Override
    public void rmdirEntry(Cgroup cgrp) {
        traceFunction("cgroup_rmdir", false, 0, cgrp.kernfsAddress());
    }

    @Override
    public void rmdirTracepoint(Cgroup cgrp) {
        recordCgroup("cgroup_rmdir", 2, cgrp);
        if (has(AttachPoint.Kind.TP_BTF, "cgroup_rmdir") || has(AttachPoint.Kind.RAW_TP, "cgroup_rmdir")) {
            Region p = string(cgrp.path());
            try {
                traceRaw("cgroup_rmdir", cgrp.address(), p.address(0));
            } finally {
                memory.unregister(p);
            }
        }
    }

    @Override
    public void rmdirExit(Cgroup cgrp, int ret) {
        traceFunction("cgroup_rmdir", true, ret, cgrp.kernfsAddress());
    }

    @Override
    public void attachEntry(Cgroup dst, Task leader, boolean threadgroup) {
        traceFunction("cgroup_attach_task", false, 0, dst.address(), leader.address(), threadgroup ? 1 : 0);
    }

    @Override
    public void attachTracepoint(Cgroup dst, Task task, boolean threadgroup) {
        recordMigrate(dst, task);
        if (has(AttachPoint.Kind.TP_BTF, "cgroup_attach_task") || has(AttachPoint.Kind.RAW_TP, "cgroup_attach_task")) {
            Region p = string(dst.path());
            try {
                traceRaw("cgroup_attach_task", dst.address(), p.address(0), task.address(), threadgroup ? 1 : 0);
            } finally {
                memory.unregister(p);
            }
        }
    }

    @Override
    public void attachExit(Cgroup dst, Task leader, boolean threadgroup, int ret) {
        traceFunction("cgroup_attach_task", true, ret, dst.address(), leader.address(), threadgroup ? 1 : 0);
    }

    /**
     * Runs the {@code fentry/bpf_rstat_flush(cgrp, parent, cpu)} programs for each cgroup of a
     * flush of CPU {@code cpuArg}, in order, on {@code runCpu} (the flushing context's CPU).
     * One context region serves the whole list: only its argument words change between runs.
     */
    public void rstatFlush(int runCpu, Task task, List<Cgroup> cgroups, int cpuArg) {
        List<Attachment> l = list(AttachPoint.Kind.FENTRY, "bpf_rstat_flush");
        if (l.isEmpty() || cgroups.isEmpty()) {
            return;
        }
        TracingArgs t = TracingArgs.entry(memory, "bpf_rstat_flush", funcIp("bpf_rstat_flush"), 0, 0, cpuArg);
        byte[] data = t.region().data();
        int args = t.region().base() + TracingArgs.ARGS_OFFSET;
        try {
            for (Cgroup c : cgroups) {
                Cgroup parent = c.parent();
                AddressSpace.put(data, args, 8, c.address());
                AddressSpace.put(data, args + 8, 8, parent == null ? 0 : parent.address());
                runAll(l, runCpu, task, t.ctx());
            }
        } finally {
            memory.unregister(t.region());
        }
    }

    /**
     * Fires a tracepoint by hand with the given cgroup, path and (for cgroup_attach_task)
     * task, as if the kernel had reached it.
     */
    public void fire(String tracepoint, Cgroup cgrp, Task task) {
        switch (tracepoint) {
            case "cgroup_mkdir":
                mkdirTracepoint(cgrp);
                break;
            case "cgroup_rmdir":
                rmdirTracepoint(cgrp);
                break;
            case "cgroup_attach_task":
                if (task == null) {
                    throw new KernelException(Errno.EINVAL, "cgroup_attach_task needs a task");
                }
                attachTracepoint(cgrp, task, true);
                break;
            default:
                throw new KernelException(Errno.ENOENT, "no tracepoint " + tracepoint);
        }
    }
}
