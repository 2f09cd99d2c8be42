package dev.bpfvm.maps;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.InlineLookup;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;

/**
 * {@code BPF_MAP_TYPE_ARRAY} and {@code BPF_MAP_TYPE_PERCPU_ARRAY}: every element exists from the
 * start, zeroed. All values live contiguously in one {@code byte[]} registered as one region with
 * an element stride of {@code round_up(value_size, 8)}; a per-CPU array stores element {@code i}'s
 * copies for CPUs 0..n-1 next to each other (element {@code i * cpus + cpu}). No per-entry objects.
 */
final class ArrayMap extends AbstractMap implements InlineLookup {
    private final boolean percpu;
    private final ValueLayout layout;
    private final int perEntry;
    private final int maxEntries;
    private final byte[] data;
    private final Region values;

    ArrayMap(MapAttr attr, BpfRuntime runtime) {
        super(attr, runtime);
        this.percpu = attr.type() == MapType.PERCPU_ARRAY;
        this.layout = new ValueLayout(attr.valueSize(), attr.spinLockOffset());
        this.perEntry = percpu ? cpus : 1;
        this.maxEntries = attr.maxEntries();
        this.data = new byte[(int) bytesNeeded(attr, cpus)];
        this.values = register(Region.of(Region.Kind.MAP_VALUE, attr.name(), data)
                .elements(layout.stride, layout.size).perms(programPerms()));
    }

    /** Bytes of values the array needs; {@link Maps} refuses sizes beyond {@link Maps#MAX_ARRAY_BYTES}. */
    static long bytesNeeded(MapAttr attr, int cpus) {
        int perEntry = attr.type() == MapType.PERCPU_ARRAY ? cpus : 1;
        return Integer.toUnsignedLong(attr.maxEntries()) * perEntry * ValueLayout.roundUp8(attr.valueSize());
    }

    private int offset(int index, int cpu) {
        return (index * perEntry + cpu) * layout.stride;
    }

    private static boolean outOfRange(int index, int max) {
        return Integer.compareUnsigned(index, max) >= 0;
    }

    // ---- program side ---------------------------------------------------------------------------

    private int readIndex(long key) {
        return (int) memory.load(key, 4);
    }

    @Override
    public long lookupElem(ExecContext ctx, long key) {
        int index = readIndex(key);
        if (outOfRange(index, maxEntries)) {
            return 0;
        }
        return values.address(offset(index, percpu ? ctx.cpu() : 0));
    }

    @Override
    public InlineLookup inlineLookup() {
        return this;
    }

    @Override
    public boolean live() {
        return !closed();
    }

    @Override
    public long indexAddress(ExecContext ctx, int index) {
        if (outOfRange(index, maxEntries)) {
            return 0;
        }
        return values.address(offset(index, percpu ? ctx.cpu() : 0));
    }

    @Override
    public long lookupPercpuElem(ExecContext ctx, long key, long cpu) {
        if (!percpu) {
            return 0;
        }
        int index = readIndex(key);
        if (cpu < 0 || cpu >= cpus || outOfRange(index, maxEntries)) {
            return 0;
        }
        return values.address(offset(index, (int) cpu));
    }

    @Override
    public long updateElem(ExecContext ctx, long key, long value, long flags) {
        if (!programMayWrite()) {
            return Errno.EPERM.negative();
        }
        int index = readIndex(key);
        Region src = readable(value, layout.size);
        return update(index, src.data(), off(src, value), flags, percpu ? ctx.cpu() : 0);
    }

    /** {@code array_map_update_elem} for one CPU's copy (the program path; user path of ARRAY). */
    private long update(int index, byte[] src, int s, long flags, int cpu) {
        if (Long.compareUnsigned(flags & ~BPF_F_LOCK, BPF_EXIST) > 0) {
            return Errno.EINVAL.negative();
        }
        if (outOfRange(index, maxEntries)) {
            return Errno.E2BIG.negative();
        }
        if ((flags & BPF_NOEXIST) != 0) {
            return Errno.EEXIST.negative();
        }
        if ((flags & BPF_F_LOCK) != 0 && !layout.hasLock()) {
            return Errno.EINVAL.negative();
        }
        int d = offset(index, cpu);
        if ((flags & BPF_F_LOCK) != 0) {
            layout.copyLocked(src, s, data, d, true);
        } else {
            layout.copy(src, s, data, d);
        }
        return 0;
    }

    @Override
    public long deleteElem(ExecContext ctx, long key) {
        return Errno.EINVAL.negative();
    }

    @Override
    public long forEachElem(ExecContext ctx, long callbackFn, long callbackCtx, long flags) {
        if (flags != 0) {
            return Errno.EINVAL.negative();
        }
        byte[] keyBytes = new byte[4];
        Region keyRegion = register(Region.of(Region.Kind.MAP_VALUE, attr.name() + ".key", keyBytes).readOnly());
        try {
            int cpu = percpu ? ctx.cpu() : 0;
            long n = 0;
            for (int i = 0; i < maxEntries; i++) {
                keyBytes[0] = (byte) i;
                keyBytes[1] = (byte) (i >>> 8);
                keyBytes[2] = (byte) (i >>> 16);
                keyBytes[3] = (byte) (i >>> 24);
                n++;
                long ret = ctx.callFunction(callbackFn, address(), keyRegion.address(),
                        values.address(offset(i, cpu)), callbackCtx, 0);
                if (ret != 0) {
                    break;
                }
            }
            return n;
        } finally {
            unregister(keyRegion);
        }
    }

    @Override
    public long directValueAddress(int off) {
        if (maxEntries != 1 || percpu) {
            throw error(Errno.ENOTSUPP, "direct value access needs a one-element array");
        }
        if (off < 0 || off >= layout.size) {
            throw error(Errno.EINVAL, "offset " + off + " beyond value size " + layout.size);
        }
        return values.address(off);
    }

    // ---- user side ------------------------------------------------------------------------------

    @Override
    public int userValueSize() {
        return percpu ? cpus * layout.stride : layout.size;
    }

    @Override
    protected byte[] doLookup(byte[] key, long flags) {
        int index = u32(key);
        if (outOfRange(index, maxEntries)) {
            throw error(Errno.ENOENT, "index " + Integer.toUnsignedString(index) + " out of range");
        }
        byte[] out = new byte[userValueSize()];
        if (percpu) {
            for (int cpu = 0; cpu < cpus; cpu++) {
                layout.copyLong(data, offset(index, cpu), out, cpu * layout.stride);
                layout.clearSpecial(out, cpu * layout.stride);
            }
        } else if ((flags & BPF_F_LOCK) != 0) {
            layout.copyLocked(data, offset(index, 0), out, 0, false);
            layout.clearSpecial(out, 0);
        } else {
            layout.copy(data, offset(index, 0), out, 0);
            layout.clearSpecial(out, 0);
        }
        return out;
    }

    @Override
    protected void doUpdate(byte[] key, byte[] value, long flags) {
        int index = u32(key);
        if (!percpu) {
            check(update(index, value, 0, flags, 0));
            return;
        }
        // bpf_percpu_array_update: every CPU's copy from user space, no BPF_F_LOCK
        if (Long.compareUnsigned(flags, BPF_EXIST) > 0) {
            throw error(Errno.EINVAL, "invalid update flags " + hex(flags));
        }
        if (outOfRange(index, maxEntries)) {
            throw error(Errno.E2BIG, "index " + Integer.toUnsignedString(index) + " out of range");
        }
        if (flags == BPF_NOEXIST) {
            throw error(Errno.EEXIST, "array elements always exist");
        }
        for (int cpu = 0; cpu < cpus; cpu++) {
            layout.copyLong(value, cpu * layout.stride, data, offset(index, cpu));
        }
    }

    @Override
    protected void doDelete(byte[] key) {
        throw error(Errno.EINVAL, "array elements cannot be deleted");
    }

    @Override
    protected byte[] doNextKey(byte[] key) {
        int index = key == null ? -1 : u32(key);
        if (outOfRange(index, maxEntries)) {
            return u32Bytes(0);
        }
        if (index == maxEntries - 1) {
            throw error(Errno.ENOENT, "no next key");
        }
        return u32Bytes(index + 1);
    }

    @Override
    protected boolean hasBatch(boolean lookup, boolean delete) {
        return !delete;   // generic lookup and update batches; arrays cannot delete
    }

    /** For tests: the one region holding every value. */
    Region valuesRegion() {
        return values;
    }
}
