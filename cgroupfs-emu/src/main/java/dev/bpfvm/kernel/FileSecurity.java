package dev.bpfvm.kernel;

import dev.bpfvm.kernel.cgroup.Task;

/**
 * The permission check of file operations on the emulated filesystems ({@code /sys/fs/cgroup},
 * {@code /sys/fs/bpf}): who ({@code actor}, the acting task with its uid/gid) does what
 * ({@code op}: {@code mkdir}, {@code rmdir}, {@code read}, {@code write}) to which path. Refusing
 * throws {@link KernelException} (EACCES/EPERM). The default allows everything, as for root;
 * file modes, owners and delegation go here.
 */
@FunctionalInterface
public interface FileSecurity {
    FileSecurity ALLOW_ALL = (actor, op, path) -> {};

    void check(Task actor, String op, String path);
}
