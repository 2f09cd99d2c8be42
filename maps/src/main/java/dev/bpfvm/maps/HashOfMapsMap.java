package dev.bpfvm.maps;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.MapAttr;
import java.util.Arrays;

/**
 * {@code BPF_MAP_TYPE_HASH_OF_MAPS}: inner maps by key, on a {@link KeyTable}. A program lookup
 * returns the inner map's address; user space stores inner maps with {@link #set} (or by id in a
 * {@code byte[]} value) and reads back ids. Guarded by the map's monitor.
 */
public final class HashOfMapsMap extends AbstractMap {
    private final MapAttr inner;
    private final KeyTable keys;
    private BpfMap[] values = new BpfMap[16];

    HashOfMapsMap(MapAttr attr, BpfRuntime runtime) {
        super(attr, runtime);
        this.inner = attr.innerMap().attr();
        int shift = KeyTable.chunkShift(attr.maxEntries(), attr.keySize());
        int seed = attr.hasFlag(MapAttr.BPF_F_ZERO_SEED) ? 0 : Maps.HASH_SEED;
        this.keys = new KeyTable(attr.keySize(), attr.maxEntries(), shift, seed, null);
    }

    @Override
    public synchronized long lookupElem(ExecContext ctx, long key) {
        Region r = readable(key, keys.keySize);
        int o = off(r, key);
        int id = keys.find(r.data(), o, keys.hash(r.data(), o));
        return id < 0 ? 0 : values[id].address();
    }

    @Override
    public long updateElem(ExecContext ctx, long key, long value, long flags) {
        return Errno.EOPNOTSUPP.negative();
    }

    @Override
    public long deleteElem(ExecContext ctx, long key) {
        return Errno.EOPNOTSUPP.negative();
    }

    /** The inner map stored under {@code key}, or null. */
    public synchronized BpfMap get(byte[] key) {
        checkKey(key);
        int id = keys.find(key, 0, keys.hash(key, 0));
        return id < 0 ? null : values[id];
    }

    /** Stores an inner map under {@code key} with update flags BPF_ANY/BPF_NOEXIST/BPF_EXIST. */
    public synchronized void set(byte[] key, BpfMap m, long flags) {
        checkOpen();
        requireWrite();
        checkKey(key);
        if (Long.compareUnsigned(flags, BPF_EXIST) > 0) {
            throw error(Errno.EINVAL, "invalid update flags " + hex(flags));
        }
        if (m == null) {
            throw error(Errno.EBADF, "no inner map to store");
        }
        MapInMap.checkCompatible(this, inner, m);
        int h = keys.hash(key, 0);
        int id = keys.find(key, 0, h);
        if (id >= 0 && flags == BPF_NOEXIST) {
            throw error(Errno.EEXIST, "element exists");
        }
        if (id < 0 && flags == BPF_EXIST) {
            throw error(Errno.ENOENT, "no such key");
        }
        if (id < 0) {
            id = keys.insert(key, 0, h);
            if (id < 0) {
                throw error(Errno.E2BIG, "map is full");
            }
            if (id >= values.length) {
                values = Arrays.copyOf(values, Math.max(values.length * 2, id + 1));
            }
        }
        values[id] = m;
    }

    @Override
    protected synchronized byte[] doLookup(byte[] key, long flags) {
        BpfMap m = get(key);
        if (m == null) {
            throw error(Errno.ENOENT, "no such key");
        }
        return u32Bytes(m.id());
    }

    @Override
    protected void doUpdate(byte[] key, byte[] value, long flags) {
        BpfMap m = ObjectIds.map(u32(value));
        if (m == null) {
            throw error(Errno.EBADF, "no map with id " + Integer.toUnsignedString(u32(value)));
        }
        set(key, m, flags);
    }

    @Override
    protected synchronized void doDelete(byte[] key) {
        int id = keys.find(key, 0, keys.hash(key, 0));
        if (id < 0) {
            throw error(Errno.ENOENT, "no such key");
        }
        keys.remove(id);
        values[id] = null;
    }

    @Override
    protected synchronized byte[] doNextKey(byte[] key) {
        int from = 0;
        if (key != null) {
            int id = keys.find(key, 0, keys.hash(key, 0));
            from = id < 0 ? 0 : id + 1;
        }
        int next = keys.nextLive(from);
        if (next < 0) {
            throw error(Errno.ENOENT, "no next key");
        }
        return keys.key(next);
    }

    @Override
    protected synchronized byte[] doLookupAndDelete(byte[] key, long flags) {
        throw error(Errno.ENOTSUPP, "lookup and delete not supported");
    }

    @Override
    protected boolean hasBatch(boolean lookup, boolean delete) {
        return true;
    }

    @Override
    protected synchronized void onClose() {
        Arrays.fill(values, null);
    }
}
