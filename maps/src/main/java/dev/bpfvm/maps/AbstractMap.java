package dev.bpfvm.maps;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.BatchResult;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.BpfMapException;
import dev.bpfvm.vm.spi.MapAttr;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every map type shares: identity and handle region, the regions it registered, freezing,
 * and the checks the {@code bpf()} syscall makes before it calls a map's operation (permissions,
 * frozen maps, {@code BPF_F_LOCK}, key and value sizes). Subclasses implement the {@code do*}
 * operations and the program-side methods.
 */
abstract class AbstractMap implements BpfMap {
    protected final MapAttr attr;
    protected final BpfRuntime runtime;
    protected final AddressSpace memory;
    protected final int cpus;
    private final int id;
    private final Region handle;
    private final Set<Region> regions = ConcurrentHashMap.newKeySet();
    private volatile boolean frozen;
    private volatile boolean closed;

    protected AbstractMap(MapAttr attr, BpfRuntime runtime) {
        this.attr = attr;
        this.runtime = runtime;
        this.memory = runtime.memory();
        this.cpus = runtime.cpus();
        this.id = Maps.nextId();
        this.handle = memory.register(Region.handle(Region.Kind.MAP, attr.name(), this).build());
        ObjectIds.register(this);
    }

    @Override
    public MapAttr attr() {
        return attr;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public long address() {
        return handle.address();
    }

    @Override
    public int userValueSize() {
        return attr.valueSize();
    }

    @Override
    public String toString() {
        return attr.type().bpftoolName() + " map '" + attr.name() + "' (id " + id + ")";
    }

    // ---- regions ------------------------------------------------------------------------------

    /** Registers a region owned by this map; it is unregistered when the map is closed. */
    protected Region register(Region.Builder b) {
        Region r = memory.register(b.owner(this).build());
        regions.add(r);
        if (closed) {           // raced with close(): do not leak
            unregister(r);
        }
        return r;
    }

    protected void unregister(Region r) {
        regions.remove(r);
        memory.unregister(r);
    }

    /** Region permissions for values as programs see them (BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG). */
    protected int programPerms() {
        if (attr.hasFlag(MapAttr.BPF_F_RDONLY_PROG)) {
            return Region.READ;
        }
        if (attr.hasFlag(MapAttr.BPF_F_WRONLY_PROG)) {
            return Region.WRITE;
        }
        return Region.RW;
    }

    /** Whether programs may change elements with helpers (not BPF_F_RDONLY_PROG). */
    protected boolean programMayWrite() {
        return !attr.hasFlag(MapAttr.BPF_F_RDONLY_PROG);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ObjectIds.unregister(this);
        memory.unregister(handle);
        for (Region r : new ArrayList<>(regions)) {
            unregister(r);
        }
        onClose();
    }

    /** Frees what a subclass holds beyond regions (references to other objects). */
    protected void onClose() {}

    protected boolean closed() {
        return closed;
    }

    // ---- errors -------------------------------------------------------------------------------

    protected BpfMapException error(Errno e, String why) {
        return new BpfMapException(e, "map '" + attr.name() + "': " + why);
    }

    /** Throws the errno of a negative result, as the syscall layer returns it. */
    protected void check(long result) {
        if (result < 0) {
            Errno e = Errno.of((int) -result);
            throw error(e, describe(e));
        }
    }

    protected static String describe(Errno e) {
        switch (e) {
            case ENOENT: return "no such element";
            case EEXIST: return "element exists";
            case E2BIG: return "map is full or index out of range";
            case EINVAL: return "invalid argument";
            case EPERM: return "operation not permitted";
            case ENOTSUPP: return "operation not supported";
            case EOPNOTSUPP: return "operation not supported";
            default: return e.name();
        }
    }

    protected static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    // ---- program-side helpers -----------------------------------------------------------------

    /** The region holding {@code size} readable bytes at {@code addr} (faults otherwise). */
    protected Region readable(long addr, int size) {
        return memory.require(addr, size, false);
    }

    protected Region writable(long addr, int size) {
        return memory.require(addr, size, true);
    }

    protected static int off(Region r, long addr) {
        return r.base() + AddressSpace.offsetOf(addr);
    }

    // ---- user side: the syscall's checks, then the map's operation ----------------------------

    protected void checkOpen() {
        if (closed) {
            throw error(Errno.EBADF, "map is closed");
        }
    }

    protected void requireRead() {
        if (attr.hasFlag(MapAttr.BPF_F_WRONLY)) {
            throw error(Errno.EPERM, "map is write-only (BPF_F_WRONLY)");
        }
    }

    protected void requireWrite() {
        if (attr.hasFlag(MapAttr.BPF_F_RDONLY)) {
            throw error(Errno.EPERM, "map is read-only (BPF_F_RDONLY)");
        }
        if (frozen) {
            throw error(Errno.EPERM, "map is frozen");
        }
    }

    protected void checkLockFlag(long flags) {
        if ((flags & BPF_F_LOCK) != 0 && !attr.hasSpinLock()) {
            throw error(Errno.EINVAL, "BPF_F_LOCK on a map without bpf_spin_lock");
        }
    }

    protected void checkKey(byte[] key) {
        int ks = attr.keySize();
        if (ks == 0) {
            if (key != null && key.length != 0) {
                throw error(Errno.EINVAL, "map has no keys");
            }
        } else if (key == null || key.length != ks) {
            throw error(Errno.EINVAL, "key must be " + ks + " bytes, got "
                    + (key == null ? "null" : String.valueOf(key.length)));
        }
    }

    protected void checkValue(byte[] value) {
        int vs = userValueSize();
        if (value == null || value.length != vs) {
            throw error(Errno.EINVAL, "value must be " + vs + " bytes, got "
                    + (value == null ? "null" : String.valueOf(value.length)));
        }
    }

    @Override
    public final byte[] lookup(byte[] key, long flags) {
        checkOpen();
        if ((flags & ~BPF_F_LOCK) != 0) {
            throw error(Errno.EINVAL, "invalid lookup flags " + hex(flags));
        }
        requireRead();
        checkLockFlag(flags);
        checkKey(key);
        return doLookup(key, flags);
    }

    @Override
    public final void lookupValue(byte[] value) {
        checkOpen();
        requireRead();
        checkValue(value);
        doLookupValue(value);
    }

    /** A lookup that takes a value (bloom filter membership). */
    protected void doLookupValue(byte[] value) {
        throw error(Errno.EINVAL, "lookup by value is only for bloom filters");
    }

    @Override
    public final void update(byte[] key, byte[] value, long flags) {
        checkOpen();
        requireWrite();
        checkLockFlag(flags);
        checkKey(key);
        checkValue(value);
        doUpdate(key, value, flags);
    }

    @Override
    public final void delete(byte[] key) {
        checkOpen();
        requireWrite();
        checkKey(key);
        doDelete(key);
    }

    @Override
    public final byte[] nextKey(byte[] key) {
        checkOpen();
        requireRead();
        if (key != null) {
            checkKey(key);
        }
        return doNextKey(key);
    }

    @Override
    public final byte[] lookupAndDelete(byte[] key, long flags) {
        checkOpen();
        if ((flags & ~BPF_F_LOCK) != 0) {
            throw error(Errno.EINVAL, "invalid flags " + hex(flags));
        }
        requireRead();
        requireWrite();
        checkLockFlag(flags);
        checkKey(key);
        return doLookupAndDelete(key, flags);
    }

    @Override
    public boolean frozen() {
        return frozen;
    }

    @Override
    public synchronized void freeze() {
        checkOpen();
        if (attr.hasSpinLock()) {
            throw error(Errno.ENOTSUPP, "cannot freeze a map whose value has a bpf_spin_lock");
        }
        if (attr.hasFlag(MapAttr.BPF_F_RDONLY)) {
            throw error(Errno.EPERM, "map is read-only (BPF_F_RDONLY)");
        }
        if (frozen) {
            throw error(Errno.EPERM, "map is already frozen");
        }
        frozen = true;
    }

    protected abstract byte[] doLookup(byte[] key, long flags);

    protected abstract void doUpdate(byte[] key, byte[] value, long flags);

    protected abstract void doDelete(byte[] key);

    protected abstract byte[] doNextKey(byte[] key);

    protected byte[] doLookupAndDelete(byte[] key, long flags) {
        throw error(Errno.ENOTSUPP, "lookup and delete not supported");
    }

    // ---- batch operations -----------------------------------------------------------------------

    /** Which batch commands this map type has (the kernel's map_*_batch ops). */
    protected boolean hasBatch(boolean lookup, boolean delete) {
        return false;
    }

    private void checkBatchFlags(long elemFlags, long flags) {
        if ((elemFlags & ~BPF_F_LOCK) != 0) {
            throw error(Errno.EINVAL, "invalid batch elem_flags " + hex(elemFlags));
        }
        checkLockFlag(elemFlags);
        if (flags != 0) {
            throw error(Errno.EINVAL, "invalid batch flags " + hex(flags));
        }
    }

    @Override
    public final BatchResult lookupBatch(byte[] inBatch, int count, long elemFlags, long flags, boolean delete) {
        checkOpen();
        requireRead();
        if (delete) {
            requireWrite();
        }
        if (!hasBatch(true, delete)) {
            throw error(Errno.ENOTSUPP, (delete ? "lookup and delete" : "lookup") + " batch not supported");
        }
        checkBatchFlags(elemFlags, flags);
        if (count < 0) {
            throw error(Errno.EINVAL, "negative batch count");
        }
        if (count == 0) {
            return new BatchResult(List.of(), List.of(), inBatch, false);
        }
        return doLookupBatch(inBatch, count, elemFlags, delete);
    }

    /**
     * The generic batch lookup ({@code generic_map_lookup_batch}): walks with get_next_key from the
     * key in {@code inBatch}; {@code out_batch} is the last key walked.
     */
    protected BatchResult doLookupBatch(byte[] inBatch, int count, long elemFlags, boolean delete) {
        if (inBatch != null) {
            checkKey(inBatch);
        }
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        byte[] prev = inBatch;
        boolean done = false;
        while (keys.size() < count) {
            byte[] next;
            try {
                next = doNextKey(prev);
            } catch (BpfMapException e) {
                if (e.errno() != Errno.ENOENT) {
                    throw e;
                }
                done = true;
                break;
            }
            try {
                values.add(doLookup(next, elemFlags));
                keys.add(next);
                if (delete) {
                    doDelete(next);
                }
            } catch (BpfMapException e) {
                if (e.errno() != Errno.ENOENT) {
                    throw e;
                }
            }
            prev = next;
        }
        return new BatchResult(keys, values, keys.isEmpty() ? null : prev, done);
    }

    @Override
    public final int updateBatch(List<byte[]> keys, List<byte[]> values, long elemFlags, long flags) {
        checkOpen();
        requireWrite();
        if (!hasBatch(false, false)) {
            throw error(Errno.ENOTSUPP, "update batch not supported");
        }
        checkBatchFlags(elemFlags, flags);
        if (keys.size() != values.size()) {
            throw error(Errno.EINVAL, keys.size() + " keys but " + values.size() + " values");
        }
        int cp = 0;
        try {
            for (; cp < keys.size(); cp++) {
                checkKey(keys.get(cp));
                checkValue(values.get(cp));
                doUpdate(keys.get(cp), values.get(cp), elemFlags);
            }
        } catch (BpfMapException e) {
            throw e.withCompleted(cp);
        }
        return cp;
    }

    @Override
    public final int deleteBatch(List<byte[]> keys, long elemFlags, long flags) {
        checkOpen();
        requireWrite();
        if (!hasBatch(false, true)) {
            throw error(Errno.ENOTSUPP, "delete batch not supported");
        }
        checkBatchFlags(elemFlags, flags);
        int cp = 0;
        try {
            for (; cp < keys.size(); cp++) {
                checkKey(keys.get(cp));
                doDelete(keys.get(cp));
            }
        } catch (BpfMapException e) {
            throw e.withCompleted(cp);
        }
        return cp;
    }

    // ---- shared program-side defaults ---------------------------------------------------------

    @Override
    public long lookupElem(ExecContext ctx, long key) {
        return 0;
    }

    @Override
    public long updateElem(ExecContext ctx, long key, long value, long flags) {
        return Errno.EOPNOTSUPP.negative();
    }

    @Override
    public long deleteElem(ExecContext ctx, long key) {
        return Errno.EOPNOTSUPP.negative();
    }

    /** Reads a little-endian u32 from user bytes. */
    protected static int u32(byte[] b) {
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    protected static byte[] u32Bytes(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }
}
