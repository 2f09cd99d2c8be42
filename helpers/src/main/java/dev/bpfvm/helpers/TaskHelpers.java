package dev.bpfvm.helpers;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.spi.ArgType;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.RetType;
import dev.bpfvm.vm.spi.TaskView;
import java.util.List;

/**
 * Helpers about the current task and its cgroup, read from the {@link TaskView} attached to
 * the run's context.
 *
 * <p>With no task attached they behave as Linux's do where {@code current} is missing:
 * {@code bpf_get_current_pid_tgid} and {@code _uid_gid} return {@code -EINVAL},
 * {@code bpf_get_current_comm} zero-fills the buffer and returns {@code -EINVAL},
 * {@code bpf_get_current_task}/{@code _task_btf} return 0 (NULL), and the cgroup id helpers
 * return 0 (no cgroup).
 */
public final class TaskHelpers {
    public static final int BPF_GET_CURRENT_PID_TGID = 14;
    public static final int BPF_GET_CURRENT_UID_GID = 15;
    public static final int BPF_GET_CURRENT_COMM = 16;
    public static final int BPF_GET_CURRENT_TASK = 35;
    public static final int BPF_GET_CURRENT_CGROUP_ID = 80;
    public static final int BPF_GET_CURRENT_ANCESTOR_CGROUP_ID = 123;
    public static final int BPF_GET_CURRENT_TASK_BTF = 158;

    public static final HelperSpec GET_CURRENT_PID_TGID = new HelperSpec(BPF_GET_CURRENT_PID_TGID,
            "bpf_get_current_pid_tgid", HelperProto.of(RetType.INTEGER), TaskHelpers::pidTgid);
    public static final HelperSpec GET_CURRENT_UID_GID = new HelperSpec(BPF_GET_CURRENT_UID_GID,
            "bpf_get_current_uid_gid", HelperProto.of(RetType.INTEGER), TaskHelpers::uidGid);
    /** {@code ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE}. */
    public static final HelperSpec GET_CURRENT_COMM = new HelperSpec(BPF_GET_CURRENT_COMM,
            "bpf_get_current_comm", HelperProto.of(RetType.INTEGER, ArgType.PTR_TO_UNINIT_MEM, ArgType.CONST_SIZE),
            TaskHelpers::comm);
    /** GPL-only; returns the address as a plain integer. */
    public static final HelperSpec GET_CURRENT_TASK = new HelperSpec(BPF_GET_CURRENT_TASK,
            "bpf_get_current_task", new HelperProto(RetType.INTEGER, List.of(), true, false), TaskHelpers::task);
    public static final HelperSpec GET_CURRENT_CGROUP_ID = new HelperSpec(BPF_GET_CURRENT_CGROUP_ID,
            "bpf_get_current_cgroup_id", HelperProto.of(RetType.INTEGER), TaskHelpers::cgroupId);
    /** {@code ARG_ANYTHING}: the level, an {@code int}. */
    public static final HelperSpec GET_CURRENT_ANCESTOR_CGROUP_ID = new HelperSpec(
            BPF_GET_CURRENT_ANCESTOR_CGROUP_ID, "bpf_get_current_ancestor_cgroup_id",
            HelperProto.of(RetType.INTEGER, ArgType.ANYTHING), TaskHelpers::ancestorCgroupId);
    /** GPL-only; {@code RET_PTR_TO_BTF_ID_TRUSTED} to a {@code task_struct}. */
    public static final HelperSpec GET_CURRENT_TASK_BTF = new HelperSpec(BPF_GET_CURRENT_TASK_BTF,
            "bpf_get_current_task_btf", new HelperProto(RetType.PTR_TO_BTF_ID, List.of(), true, false),
            TaskHelpers::task);

    private TaskHelpers() {}

    /** Registers these helpers (replacing any with the same numbers); returns the registry. */
    public static HelperRegistry register(HelperRegistry registry) {
        registry.register(GET_CURRENT_PID_TGID);
        registry.register(GET_CURRENT_UID_GID);
        registry.register(GET_CURRENT_COMM);
        registry.register(GET_CURRENT_TASK);
        registry.register(GET_CURRENT_CGROUP_ID);
        registry.register(GET_CURRENT_ANCESTOR_CGROUP_ID);
        registry.register(GET_CURRENT_TASK_BTF);
        return registry;
    }

    /** {@code u64 bpf_get_current_pid_tgid(void)}: {@code tgid << 32 | pid}. */
    static long pidTgid(ExecContext ctx, long r1, long r2, long r3, long r4, long r5) {
        TaskView t = ctx.attachment(TaskView.class);
        if (t == null) {
            return Errno.EINVAL.negative();
        }
        return (long) t.tgid() << 32 | (t.pid() & 0xffffffffL);
    }

    /** {@code u64 bpf_get_current_uid_gid(void)}: {@code gid << 32 | uid}. */
    static long uidGid(ExecContext ctx, long r1, long r2, long r3, long r4, long r5) {
        TaskView t = ctx.attachment(TaskView.class);
        if (t == null) {
            return Errno.EINVAL.negative();
        }
        return (long) t.gid() << 32 | (t.uid() & 0xffffffffL);
    }

    /**
     * {@code long bpf_get_current_comm(void *buf, u32 size_of_buf)}: {@code strscpy_pad} of
     * the task name: at most {@code size - 1} bytes, then NULs to the end of the buffer;
     * returns 0.
     */
    static long comm(ExecContext ctx, long buf, long size, long r3, long r4, long r5) {
        int n = (int) size;   // u32; the verifier guarantees size > 0 and buf of that size
        if (n == 0) {
            return 0;
        }
        ctx.memory().require(buf, n, true);
        byte[] out = new byte[n];
        TaskView t = ctx.attachment(TaskView.class);
        if (t == null) {
            ctx.memory().write(buf, out, 0, n);
            return Errno.EINVAL.negative();
        }
        byte[] name = t.commBytes();
        System.arraycopy(name, 0, out, 0, Math.min(name.length, n - 1));
        ctx.memory().write(buf, out, 0, n);
        return 0;
    }

    /** {@code bpf_get_current_task} and {@code bpf_get_current_task_btf}: the task_struct's address. */
    static long task(ExecContext ctx, long r1, long r2, long r3, long r4, long r5) {
        TaskView t = ctx.attachment(TaskView.class);
        return t == null ? 0 : t.taskAddress();
    }

    /** {@code u64 bpf_get_current_cgroup_id(void)}. */
    static long cgroupId(ExecContext ctx, long r1, long r2, long r3, long r4, long r5) {
        TaskView t = ctx.attachment(TaskView.class);
        return t == null ? 0 : t.cgroupId();
    }

    /**
     * {@code u64 bpf_get_current_ancestor_cgroup_id(int ancestor_level)}: the id of the
     * ancestor at that level (0 = root; the cgroup's own level gives its own id), or 0 when
     * the level is negative or deeper than the cgroup.
     */
    static long ancestorCgroupId(ExecContext ctx, long level, long r2, long r3, long r4, long r5) {
        TaskView t = ctx.attachment(TaskView.class);
        int l = (int) level;
        if (t == null || l < 0 || l > t.cgroupLevel() || t.cgroupId() == 0) {
            return 0;
        }
        return t.cgroupAncestorId(l);
    }
}
