package dev.bpfvm.maps;

import dev.bpfvm.vm.mem.Region;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The storage one {@link StorageOwner} has across local storage maps (the kernel's
 * {@code struct bpf_local_storage}): at most one element per map. Thread-safe.
 */
public final class LocalStorage {
    /** One owner's value in one map. */
    static final class Elem {
        final byte[] data;
        final Region region;

        Elem(byte[] data, Region region) {
            this.data = data;
            this.region = region;
        }
    }

    private final Map<LocalStorageMap, Elem> elems = new IdentityHashMap<>(4);
    private boolean released;

    synchronized Elem get(LocalStorageMap map) {
        return elems.get(map);
    }

    /** Adds an element unless the owner is gone; returns false if released. */
    synchronized boolean put(LocalStorageMap map, Elem e) {
        if (released) {
            return false;
        }
        elems.put(map, e);
        return true;
    }

    synchronized Elem remove(LocalStorageMap map) {
        return elems.remove(map);
    }

    /**
     * The owner is going away: frees its element in every map. Later gets with
     * BPF_LOCAL_STORAGE_GET_F_CREATE return NULL, as for a dying cgroup or exiting task.
     * Idempotent.
     */
    public void release() {
        List<Map.Entry<LocalStorageMap, Elem>> gone;
        synchronized (this) {
            released = true;
            gone = new ArrayList<>(elems.entrySet());
            elems.clear();
        }
        for (Map.Entry<LocalStorageMap, Elem> e : gone) {
            e.getKey().dropped(this, e.getValue());
        }
    }

    public synchronized boolean released() {
        return released;
    }

    /** Number of maps this owner has storage in. */
    public synchronized int size() {
        return elems.size();
    }
}
