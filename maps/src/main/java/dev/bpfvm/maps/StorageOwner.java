package dev.bpfvm.maps;

import dev.bpfvm.vm.spi.MapType;

/**
 * A kernel object that can own BPF local storage: a cgroup (CGRP_STORAGE) or a task
 * (TASK_STORAGE). The emulated kernel's objects implement it; their memory regions have the
 * object as {@code Region.owner()}, which is how {@code bpf_cgrp_storage_get(map, cgrp, ...)}
 * finds the owner behind its pointer argument.
 *
 * <p>Lifecycle: each owner holds one {@link LocalStorage}, created with the owner, and calls
 * {@link LocalStorage#release()} when it goes away (cgroup freed, task exited). That frees the
 * owner's elements in every storage map, as {@code bpf_cgrp_storage_free} does.
 */
public interface StorageOwner {
    /** The owner's local storage (always the same object). */
    LocalStorage localStorage();

    /** The map type that stores per-owner values for this kind of owner. */
    MapType storageType();
}
