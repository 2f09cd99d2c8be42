package dev.bpfvm.vm.spi;

/**
 * A refcounted emulated kernel object ({@code struct cgroup}, {@code task_struct}) that
 * programs hold pointers to. Its memory is a {@code Region} of kind {@code KERNEL_OBJECT} whose
 * {@code owner()} is the object; the acquire/release kfuncs ({@code bpf_cgroup_acquire},
 * {@code bpf_task_release}, ...) find it that way and move its count.
 *
 * <p>Implementations must be thread-safe (programs on several virtual CPUs).
 */
public interface KernelObject {
    /**
     * Takes a reference unless the object is already on its way out, like the kernel's
     * {@code cgroup_tryget} and {@code refcount_inc_not_zero}: true if a reference was taken.
     */
    boolean tryAcquire();

    /** Drops a reference taken by {@link #tryAcquire} ({@code cgroup_put}, {@code put_task_struct}). */
    void release();
}
