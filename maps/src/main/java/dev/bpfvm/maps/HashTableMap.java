package dev.bpfvm.maps;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.BatchResult;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.StampedLock;

/**
 * {@code HASH}, {@code PERCPU_HASH}, {@code LRU_HASH} and {@code LRU_PERCPU_HASH}.
 *
 * <p>Storage: a {@link KeyTable} (keys in chunks + open-addressing index) and a {@link ValueSlab}
 * (values in chunks, each chunk one strided region). An element keeps its id, and so its value
 * address, for as long as it lives; an update of an existing key copies the new value in place
 * (Linux swaps in a new element for HASH and LRU maps; see ARCHITECTURE.md, Maps).
 *
 * <p>Concurrency: one {@link StampedLock} per map. Program lookups are optimistic reads validated
 * afterwards (no lock taken when no writer interferes); updates, deletes and user-side copies
 * take the write or read lock. Values are written by programs through their addresses, outside any
 * lock, as in Linux; atomics on them go through the address space's atomics.
 */
final class HashTableMap extends AbstractMap {
    private final boolean percpu;
    private final boolean lru;
    private final ValueLayout layout;
    private final int maxEntries;
    private final KeyTable keys;
    private final ValueSlab values;
    private final LruLists lruLists;
    private final StampedLock lock = new StampedLock();

    HashTableMap(MapAttr attr, BpfRuntime runtime) {
        super(attr, runtime);
        MapType t = attr.type();
        this.percpu = t == MapType.PERCPU_HASH || t == MapType.LRU_PERCPU_HASH;
        this.lru = t == MapType.LRU_HASH || t == MapType.LRU_PERCPU_HASH;
        this.layout = new ValueLayout(attr.valueSize(), attr.spinLockOffset());
        int perEntry = percpu ? cpus : 1;
        boolean perCpuLru = lru && attr.hasFlag(MapAttr.BPF_F_NO_COMMON_LRU);
        this.maxEntries = perCpuLru ? Maps.perCpuLruEntries(attr.maxEntries(), cpus) : attr.maxEntries();
        int shift = KeyTable.chunkShift(maxEntries, Math.max(attr.keySize(), perEntry * layout.stride));
        int seed = attr.hasFlag(MapAttr.BPF_F_ZERO_SEED) ? 0 : Maps.HASH_SEED;
        int valuePerms = programPerms();
        this.keys = new KeyTable(attr.keySize(), maxEntries, shift, seed,
                chunk -> register(Region.of(Region.Kind.MAP_VALUE, attr.name() + ".keys", chunk)
                        .elements(attr.keySize(), attr.keySize()).readOnly()));
        this.values = new ValueSlab(layout.stride, perEntry, shift,
                chunk -> register(Region.of(Region.Kind.MAP_VALUE, attr.name(), chunk)
                        .elements(layout.stride, layout.size).perms(valuePerms)));
        this.lruLists = lru ? new LruLists(maxEntries, perCpuLru ? cpus : 1) : null;
    }

    @Override
    public int maxEntries() {
        return maxEntries;
    }

    @Override
    public int userValueSize() {
        return percpu ? cpus * layout.stride : layout.size;
    }

    /** Number of elements. */
    int size() {
        long stamp = lock.readLock();
        try {
            return keys.size();
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Bytes of heap this map's storage holds. */
    long footprint() {
        long stamp = lock.readLock();
        try {
            return keys.footprint() + values.footprint() + (lruLists != null ? lruLists.footprint() : 0);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    private int find(byte[] a, int off, int h) {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            try {
                int id = keys.find(a, off, h);
                if (lock.validate(stamp)) {
                    return id;
                }
            } catch (RuntimeException racingWriter) {
                // a writer changed the table under us: retry under the read lock
            }
        }
        stamp = lock.readLock();
        try {
            return keys.find(a, off, h);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    // ---- program side ---------------------------------------------------------------------------

    @Override
    public long lookupElem(ExecContext ctx, long key) {
        Region kr = readable(key, keys.keySize);
        byte[] a = kr.data();
        int o = off(kr, key);
        int id = find(a, o, keys.hash(a, o));
        if (id < 0) {
            return 0;
        }
        if (lruLists != null) {
            lruLists.touch(id);
        }
        return values.address(id, percpu ? ctx.cpu() : 0);
    }

    @Override
    public long lookupPercpuElem(ExecContext ctx, long key, long cpu) {
        if (!percpu) {
            return 0;
        }
        Region kr = readable(key, keys.keySize);
        if (cpu < 0 || cpu >= cpus) {
            return 0;
        }
        byte[] a = kr.data();
        int o = off(kr, key);
        int id = find(a, o, keys.hash(a, o));
        if (id < 0) {
            return 0;
        }
        if (lruLists != null) {
            lruLists.touch(id);
        }
        return values.address(id, (int) cpu);
    }

    @Override
    public long updateElem(ExecContext ctx, long key, long value, long flags) {
        if (!programMayWrite()) {
            return Errno.EPERM.negative();
        }
        Region kr = readable(key, keys.keySize);
        Region vr = readable(value, layout.size);
        return put(kr.data(), off(kr, key), vr.data(), off(vr, value), flags, ctx.cpu(), false);
    }

    @Override
    public long deleteElem(ExecContext ctx, long key) {
        if (!programMayWrite()) {
            return Errno.EPERM.negative();
        }
        Region kr = readable(key, keys.keySize);
        return remove(kr.data(), off(kr, key));
    }

    @Override
    public long forEachElem(ExecContext ctx, long callbackFn, long callbackCtx, long flags) {
        if (flags != 0) {
            return Errno.EINVAL.negative();
        }
        int cpu = percpu ? ctx.cpu() : 0;
        long n = 0;
        for (int id = keys.nextLive(0); id >= 0; id = keys.nextLive(id + 1)) {
            long k;
            long v;
            long stamp = lock.readLock();
            try {
                if (!keys.isLive(id)) {
                    continue;
                }
                k = keys.keyAddress(id);
                v = values.address(id, cpu);
            } finally {
                lock.unlockRead(stamp);
            }
            n++;
            if (ctx.callFunction(callbackFn, address(), k, v, callbackCtx, 0) != 0) {
                break;
            }
        }
        return n;
    }

    // ---- the operations both sides share --------------------------------------------------------

    private static long checkFlags(boolean exists, long flags) {
        long op = flags & ~BPF_F_LOCK;
        if (exists && op == BPF_NOEXIST) {
            return Errno.EEXIST.negative();
        }
        if (!exists && op == BPF_EXIST) {
            return Errno.ENOENT.negative();
        }
        return 0;
    }

    /**
     * An update. {@code allCpus}: the value holds every CPU's copy (user space); otherwise it is
     * one value for {@code cpu} (a program). Returns 0 or a negative errno.
     */
    private long put(byte[] ka, int ko, byte[] va, int vo, long flags, int cpu, boolean allCpus) {
        if (percpu || lru) {
            if (Long.compareUnsigned(flags, BPF_EXIST) > 0) {
                return Errno.EINVAL.negative();
            }
        } else {
            if (Long.compareUnsigned(flags & ~BPF_F_LOCK, BPF_EXIST) > 0) {
                return Errno.EINVAL.negative();
            }
            if ((flags & BPF_F_LOCK) != 0 && !layout.hasLock()) {
                return Errno.EINVAL.negative();
            }
        }
        int h = keys.hash(ka, ko);
        if ((flags & BPF_F_LOCK) != 0) {
            // update in place under the element's lock, without the map lock, as Linux does
            int id = find(ka, ko, h);
            long err = checkFlags(id >= 0, flags);
            if (err != 0) {
                return err;
            }
            if (id >= 0) {
                layout.copyLocked(va, vo, values.chunk(id), values.offset(id, 0), true);
                return 0;
            }
        }
        long stamp = lock.writeLock();
        try {
            if (lru) {
                return putLru(ka, ko, h, va, vo, flags, cpu, allCpus);
            }
            int id = keys.find(ka, ko, h);
            long err = checkFlags(id >= 0, flags);
            if (err != 0) {
                return err;
            }
            if (id >= 0) {
                if ((flags & BPF_F_LOCK) != 0) {
                    layout.copyLocked(va, vo, values.chunk(id), values.offset(id, 0), true);
                } else {
                    writeValue(id, va, vo, cpu, allCpus);
                }
                return 0;
            }
            if (keys.size() >= maxEntries) {
                return Errno.E2BIG.negative();
            }
            id = keys.insert(ka, ko, h);
            if (id < 0) {
                return Errno.E2BIG.negative();
            }
            values.ensure(id);
            initValue(id, va, vo, cpu, allCpus);
            return 0;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * LRU maps take a free element before looking at the key, evicting if the list is full (so an
     * update may evict even when it then fails or replaces an existing key, as in Linux).
     */
    private long putLru(byte[] ka, int ko, int h, byte[] va, int vo, long flags, int cpu, boolean allCpus) {
        int list = lruLists.listFor(cpu);
        boolean needsNode = !percpu || flags != BPF_EXIST;
        if (needsNode && lruLists.full(list)) {
            int victim = lruLists.victim(list);
            if (victim < 0) {
                return Errno.ENOMEM.negative();
            }
            lruLists.remove(victim);
            keys.remove(victim);
        }
        int old = keys.find(ka, ko, h);
        long err = checkFlags(old >= 0, flags);
        if (err != 0) {
            return err;
        }
        if (percpu && old >= 0) {
            lruLists.setRef(old);
            writeValue(old, va, vo, cpu, allCpus);
            return 0;
        }
        int id = keys.insert(ka, ko, h);
        if (id < 0) {
            return Errno.ENOMEM.negative();
        }
        values.ensure(id);
        initValue(id, va, vo, cpu, allCpus);
        lruLists.add(id, list);
        if (old >= 0) {
            lruLists.setRef(id);
            lruLists.remove(old);
            keys.remove(old);
        }
        return 0;
    }

    private void writeValue(int id, byte[] va, int vo, int cpu, boolean allCpus) {
        byte[] chunk = values.chunk(id);
        if (!percpu) {
            layout.copy(va, vo, chunk, values.offset(id, 0));
        } else if (allCpus) {
            for (int c = 0; c < cpus; c++) {
                layout.copyLong(va, vo + c * layout.stride, chunk, values.offset(id, c));
            }
        } else {
            layout.copy(va, vo, chunk, values.offset(id, cpu));
        }
    }

    /** A new element's value: other CPUs' copies zeroed when a program creates it (pcpu_init_value). */
    private void initValue(int id, byte[] va, int vo, int cpu, boolean allCpus) {
        byte[] chunk = values.chunk(id);
        int base = values.offset(id, 0);
        Arrays.fill(chunk, base, base + values.perEntry * layout.stride, (byte) 0);
        writeValue(id, va, vo, cpu, allCpus);
    }

    private long remove(byte[] ka, int ko) {
        int h = keys.hash(ka, ko);
        long stamp = lock.writeLock();
        try {
            int id = keys.find(ka, ko, h);
            if (id < 0) {
                return Errno.ENOENT.negative();
            }
            removeId(id);
            return 0;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    private void removeId(int id) {
        if (lruLists != null) {
            lruLists.remove(id);
        }
        keys.remove(id);
    }

    /** Copies element {@code id}'s value out for user space (special fields zeroed). */
    private byte[] copyOut(int id, long flags) {
        byte[] out = new byte[userValueSize()];
        byte[] chunk = values.chunk(id);
        if (percpu) {
            for (int c = 0; c < cpus; c++) {
                layout.copyLong(chunk, values.offset(id, c), out, c * layout.stride);
                layout.clearSpecial(out, c * layout.stride);
            }
        } else {
            if ((flags & BPF_F_LOCK) != 0) {
                layout.copyLocked(chunk, values.offset(id, 0), out, 0, false);
            } else {
                layout.copy(chunk, values.offset(id, 0), out, 0);
            }
            layout.clearSpecial(out, 0);
        }
        return out;
    }

    // ---- user side ------------------------------------------------------------------------------

    @Override
    protected byte[] doLookup(byte[] key, long flags) {
        int h = keys.hash(key, 0);
        long stamp = lock.readLock();
        try {
            int id = keys.find(key, 0, h);
            if (id < 0) {
                throw error(Errno.ENOENT, "no such key");
            }
            return copyOut(id, flags);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    @Override
    protected void doUpdate(byte[] key, byte[] value, long flags) {
        check(put(key, 0, value, 0, flags, 0, true));
    }

    @Override
    protected void doDelete(byte[] key) {
        check(remove(key, 0));
    }

    @Override
    protected byte[] doNextKey(byte[] key) {
        long stamp = lock.readLock();
        try {
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
        } finally {
            lock.unlockRead(stamp);
        }
    }

    @Override
    protected byte[] doLookupAndDelete(byte[] key, long flags) {
        int h = keys.hash(key, 0);
        long stamp = lock.writeLock();
        try {
            int id = keys.find(key, 0, h);
            if (id < 0) {
                throw error(Errno.ENOENT, "no such key");
            }
            byte[] out = copyOut(id, flags);
            removeId(id);
            return out;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    @Override
    protected boolean hasBatch(boolean lookup, boolean delete) {
        return true;
    }

    /**
     * Batches walk element ids; the batch token is the next id to look at (4 bytes), as Linux's is
     * the next bucket. The walk is done when no element remains after the token.
     */
    @Override
    protected BatchResult doLookupBatch(byte[] inBatch, int count, long elemFlags, boolean delete) {
        if (inBatch != null && inBatch.length != 4) {
            throw error(Errno.EINVAL, "batch token must be 4 bytes");
        }
        int pos = inBatch == null ? 0 : u32(inBatch);
        List<byte[]> ks = new ArrayList<>();
        List<byte[]> vs = new ArrayList<>();
        long stamp = delete ? lock.writeLock() : lock.readLock();
        try {
            if (pos < 0 || pos >= maxEntries) {
                return new BatchResult(ks, vs, u32Bytes(pos), true);
            }
            while (ks.size() < count) {
                int id = keys.nextLive(pos);
                if (id < 0) {
                    pos = maxEntries;
                    break;
                }
                ks.add(keys.key(id));
                vs.add(copyOut(id, elemFlags));
                if (delete) {
                    removeId(id);
                }
                pos = id + 1;
            }
            boolean done = pos >= maxEntries || keys.nextLive(pos) < 0;
            return new BatchResult(ks, vs, u32Bytes(done ? maxEntries : pos), done);
        } finally {
            lock.unlock(stamp);
        }
    }
}
