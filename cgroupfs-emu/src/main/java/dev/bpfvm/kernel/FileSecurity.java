package dev.bpfvm.kernel;

import dev.bpfvm.kernel.cgroup.Task;

/**
 * The permission check of file operations on the emulated filesystems ({@code /sys/fs/cgroup},
 * {@code /sys/fs/bpf}): who ({@code actor}, the acting task with its uid/gid) does what
 * ({@code op}: {@code mkdir}, {@code rmdir}, {@code unlink}, {@code read}, {@code write}) to which path. Refusing
 * throws {@link KernelException} (EACCES/EPERM). The default allows everything, as for root;
 * {@code dev.bpfvm.kernel.security.FileModes} implements modes, owners and delegation.
 */
@FunctionalInterface
public interface FileSecurity {
    FileSecurity ALLOW_ALL = (actor, op, path) -> {};

    void check(Task actor, String op, String path);

    /** Moving a task between cgroup directories (a {@code cgroup.procs} write), after {@link #check}. */
    default void checkMigrate(Task actor, String srcDir, String dstDir) {}

    /** Told after a file or directory was created by {@code actor}. */
    default void created(Task actor, String path, boolean directory) {}

    /** Told after a path was removed. */
    default void removed(String path) {}
}
