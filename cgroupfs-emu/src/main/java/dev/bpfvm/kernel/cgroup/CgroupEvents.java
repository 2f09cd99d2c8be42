package dev.bpfvm.kernel.cgroup;

/**
 * Where the cgroup tree reports the moments Linux has attach points for: entry and exit of
 * {@code cgroup_mkdir}, {@code cgroup_rmdir}, {@code cgroup_attach_task} (fentry/fexit) and
 * the {@code cgroup:cgroup_mkdir}, {@code cgroup:cgroup_rmdir}, {@code cgroup:cgroup_attach_task}
 * tracepoints. {@code ret} is 0 or a negative errno.
 */
public interface CgroupEvents {
    CgroupEvents NONE = new CgroupEvents() {};

    default void mkdirEntry(Cgroup parent, String name, int mode) {}

    default void mkdirTracepoint(Cgroup cgrp) {}

    default void mkdirExit(Cgroup parent, String name, int mode, int ret) {}

    default void rmdirEntry(Cgroup cgrp) {}

    default void rmdirTracepoint(Cgroup cgrp) {}

    default void rmdirExit(Cgroup cgrp, int ret) {}

    default void attachEntry(Cgroup dst, Task leader, boolean threadgroup) {}

    /** Once per migrated task, after it moved. */
    default void attachTracepoint(Cgroup dst, Task task, boolean threadgroup) {}

    default void attachExit(Cgroup dst, Task leader, boolean threadgroup, int ret) {}

    /** The last reference to a removed cgroup is gone; its memory is still there during the call. */
    default void released(Cgroup cgrp) {}
}
