package dev.bpfvm.kernel.cgroup;

import dev.bpfvm.maps.LocalStorage;
import dev.bpfvm.maps.StorageOwner;
import dev.bpfvm.vm.spi.KernelObject;

/**
 * What a cgroup and a task share: a reference count that starts at one (the tree's) and a
 * lazily made local storage that is released with the object. {@code bpf_*_acquire} takes a
 * reference only while one is held ({@link #tryAcquire}); when the last one goes,
 * {@link #free} runs once, outside the object's lock.
 */
abstract class RefcountedOwner implements KernelObject, StorageOwner {
    private int refs = 1;
    private LocalStorage storage;

    /** What the object is, for the error on an unbalanced release ("cgroup 7"). */
    abstract String describe();

    /** Frees the object's memory; it calls {@link #releaseStorage} where its order wants it. */
    abstract void free();

    /** Releases the local storage, if one was made (a storage made later starts released). */
    final void releaseStorage() {
        LocalStorage ls;
        synchronized (this) {
            ls = storage;
        }
        if (ls != null) {
            ls.release();
        }
    }

    @Override
    public final synchronized boolean tryAcquire() {
        if (refs == 0) {
            return false;
        }
        refs++;
        return true;
    }

    @Override
    public final void release() {
        synchronized (this) {
            if (refs == 0) {
                throw new IllegalStateException(describe() + " released more often than acquired");
            }
            if (--refs != 0) {
                return;
            }
        }
        free();
    }

    /** References held. */
    public final synchronized int refs() {
        return refs;
    }

    /** Whether the memory is gone (the last reference was released). */
    public final synchronized boolean freed() {
        return refs == 0;
    }

    @Override
    public final synchronized LocalStorage localStorage() {
        if (storage == null) {
            storage = new LocalStorage();
            if (refs == 0) {
                storage.release();
            }
        }
        return storage;
    }
}
