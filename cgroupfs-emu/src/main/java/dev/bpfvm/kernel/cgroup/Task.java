package dev.bpfvm.kernel.cgroup;

import static dev.bpfvm.kernel.cgroup.Layout.*;

import dev.bpfvm.maps.LocalStorage;
import dev.bpfvm.maps.StorageOwner;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.KernelObject;
import dev.bpfvm.vm.spi.MapType;
import dev.bpfvm.vm.spi.TaskView;

/**
 * An emulated task (a thread; {@code pid == tgid} for a process leader). Its kernel memory is
 * one read-only {@code KERNEL_OBJECT} region: {@code struct task_struct} then its
 * {@code struct cred} ({@code real_cred} and {@code cred} point there); {@code cgroups} points
 * at its cgroup's {@code css_set}, so {@code task->cgroups->dfl_cgrp} is its cgroup.
 * It is the {@link TaskView} helpers see as {@code current}.
 */
public final class Task extends RefcountedOwner implements TaskView {
    private final CgroupTree tree;
    private final int pid;
    private final int tgid;
    private final int uid;
    private final int gid;
    private final String comm;
    private final byte[] mem;
    private final Region region;
    private volatile Cgroup cgroup;

    Task(CgroupTree tree, int pid, int tgid, int uid, int gid, String comm, Cgroup cgroup, long startTime) {
        this.tree = tree;
        this.pid = pid;
        this.tgid = tgid;
        this.uid = uid;
        this.gid = gid;
        this.comm = comm;
        this.cgroup = cgroup;
        int credOffset = align8(TASK_SIZE);
        this.mem = new byte[credOffset + align8(CRED_SIZE)];
        this.region = tree.memory().register(
                Region.of(Region.Kind.KERNEL_OBJECT, "task " + pid, mem).readOnly().owner(this).build());
        long self = region.address(0);
        long cred = region.address(credOffset);
        AddressSpace.put(mem, TASK_PID, 4, pid);
        AddressSpace.put(mem, TASK_TGID, 4, tgid);
        Task leader = tree.task(tgid);
        long leaderAddr = leader == null || leader == this ? self : leader.address();
        AddressSpace.put(mem, TASK_GROUP_LEADER, 8, leaderAddr);
        AddressSpace.put(mem, TASK_REAL_PARENT, 8, leaderAddr);
        AddressSpace.put(mem, TASK_PARENT, 8, leaderAddr);
        AddressSpace.put(mem, TASK_START_TIME, 8, startTime);
        AddressSpace.put(mem, TASK_REAL_CRED, 8, cred);
        AddressSpace.put(mem, TASK_CRED, 8, cred);
        byte[] c = commBytes();
        System.arraycopy(c, 0, mem, TASK_COMM, c.length);
        AddressSpace.put(mem, credOffset + CRED_USAGE, 8, 1);
        for (int off : new int[] {CRED_UID, CRED_SUID, CRED_EUID, CRED_FSUID}) {
            AddressSpace.put(mem, credOffset + off, 4, uid);
        }
        for (int off : new int[] {CRED_GID, CRED_SGID, CRED_EGID, CRED_FSGID}) {
            AddressSpace.put(mem, credOffset + off, 4, gid);
        }
        setCgroup(cgroup);
    }

    void setCgroup(Cgroup c) {
        this.cgroup = c;
        AddressSpace.put(mem, TASK_CGROUPS, 8, c.cssSetAddress());
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public int tgid() {
        return tgid;
    }

    @Override
    public int uid() {
        return uid;
    }

    @Override
    public int gid() {
        return gid;
    }

    @Override
    public String comm() {
        return comm;
    }

    @Override
    public long taskAddress() {
        return region.address(0);
    }

    public long address() {
        return region.address(0);
    }

    public Region region() {
        return region;
    }

    /** The task's cgroup on the default hierarchy. */
    public Cgroup cgroup() {
        return cgroup;
    }

    @Override
    public long cgroupId() {
        return cgroup.id();
    }

    @Override
    public int cgroupLevel() {
        return cgroup.level();
    }

    @Override
    public long cgroupAncestorId(int level) {
        Cgroup a = cgroup.ancestor(level);
        return a == null ? 0 : a.id();
    }

    @Override
    String describe() {
        return "task " + pid;
    }

    @Override
    void free() {
        releaseStorage();
        tree.memory().unregister(region);
    }

    @Override
    public MapType storageType() {
        return MapType.TASK_STORAGE;
    }

    @Override
    public String toString() {
        return "task " + pid + " '" + comm + "'";
    }
}
