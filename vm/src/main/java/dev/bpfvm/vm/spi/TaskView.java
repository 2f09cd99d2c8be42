package dev.bpfvm.vm.spi;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * The current task as helpers see it ({@code current} in the kernel): what
 * {@code bpf_get_current_pid_tgid}, {@code _uid_gid}, {@code _comm}, {@code _task},
 * {@code _task_btf}, {@code _cgroup_id} and {@code _ancestor_cgroup_id} report. The embedder
 * (the emulated kernel, a test, test-run) attaches one to the run's context with
 * {@code ExecContext.attach(TaskView.class, task)}; with none attached the helpers behave as
 * Linux's do when there is no current task (see {@code dev.bpfvm.helpers.TaskHelpers}).
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #pid()} is the thread id and {@link #tgid()} the process id, as the kernel's
 *       {@code task->pid} and {@code task->tgid}; uid and gid are the real ids in the initial
 *       user namespace. All four are unsigned 32-bit values carried in an {@code int}.</li>
 *   <li>{@link #comm()} is the task name; helpers copy its UTF-8 bytes, cut to
 *       {@link #TASK_COMM_LEN} - 1 bytes as the kernel's {@code char comm[16]} holds it.</li>
 *   <li>{@link #taskAddress()} is the BPF address of the task's emulated {@code task_struct}
 *       region (whose owner should be a {@link KernelObject}), or 0 when there is none.</li>
 *   <li>The task's cgroup (on the default hierarchy) is at {@link #cgroupLevel()} (the root
 *       cgroup is level 0) and has id {@link #cgroupId()} (kernfs ids: the root is 1).
 *       {@link #cgroupAncestorId} gives the id of the ancestor at each level
 *       {@code 0..cgroupLevel()}, the cgroup itself at its own level, as Linux's
 *       {@code cgrp->ancestors[]}. An implementation may answer anything outside that range;
 *       helpers never ask.</li>
 *   <li>Values must not change while a program runs on the context (the kernel reads them
 *       under RCU); a task that migrates between runs is fine.</li>
 * </ul>
 */
public interface TaskView {
    /** Linux's {@code TASK_COMM_LEN}: the size of {@code task->comm}, NUL included. */
    int TASK_COMM_LEN = 16;

    int pid();

    int tgid();

    int uid();

    int gid();

    String comm();

    /** The BPF address of the task's {@code task_struct} object, or 0. */
    default long taskAddress() {
        return 0;
    }

    /** The id of the task's cgroup, or 0 when it has none. */
    long cgroupId();

    /** The level of the task's cgroup: 0 for the root cgroup. */
    int cgroupLevel();

    /** The id of the task's cgroup's ancestor at {@code level} (0 = the root), for levels 0..{@link #cgroupLevel()}. */
    long cgroupAncestorId(int level);

    /** The bytes of {@code task->comm}: the name's UTF-8 bytes, at most 15, without NUL. */
    default byte[] commBytes() {
        byte[] b = comm().getBytes(StandardCharsets.UTF_8);
        return b.length < TASK_COMM_LEN ? b : Arrays.copyOf(b, TASK_COMM_LEN - 1);
    }

    /**
     * A task given by value: {@code cgroupPath} holds the ids of the root cgroup, then each
     * ancestor, then the task's own cgroup (empty: no cgroup, id 0).
     */
    record Fixed(int pid, int tgid, int uid, int gid, String comm, long taskAddress, long[] cgroupPath)
            implements TaskView {
        public Fixed {
            Objects.requireNonNull(comm);
            cgroupPath = cgroupPath.clone();
        }

        /** A task with no {@code task_struct} object, in the cgroup whose path of ids is given. */
        public Fixed(int pid, int tgid, int uid, int gid, String comm, long... cgroupPath) {
            this(pid, tgid, uid, gid, comm, 0, cgroupPath);
        }

        @Override
        public long[] cgroupPath() {
            return cgroupPath.clone();
        }

        @Override
        public long cgroupId() {
            return cgroupPath.length == 0 ? 0 : cgroupPath[cgroupPath.length - 1];
        }

        @Override
        public int cgroupLevel() {
            return Math.max(0, cgroupPath.length - 1);
        }

        @Override
        public long cgroupAncestorId(int level) {
            return level >= 0 && level < cgroupPath.length ? cgroupPath[level] : 0;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Fixed f && pid == f.pid && tgid == f.tgid && uid == f.uid && gid == f.gid
                    && comm.equals(f.comm) && taskAddress == f.taskAddress
                    && Arrays.equals(cgroupPath, f.cgroupPath);
        }

        @Override
        public int hashCode() {
            return Objects.hash(pid, tgid, uid, gid, comm, taskAddress) * 31 + Arrays.hashCode(cgroupPath);
        }

        @Override
        public String toString() {
            return "task " + pid + "/" + tgid + " '" + comm + "' uid=" + Integer.toUnsignedString(uid)
                    + " gid=" + Integer.toUnsignedString(gid) + " cgroup=" + Arrays.toString(cgroupPath);
        }
    }
}
