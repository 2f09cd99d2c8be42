package dev.bpfvm.maps;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.MapAttr;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * {@code BPF_MAP_TYPE_BLOOM_FILTER}: push adds a value, peek tests it (0: maybe present, -ENOENT:
 * absent). Sized as Linux sizes it: {@code max_entries * k * 7 / 5} bits rounded up to a power of
 * two (at least 64), with k = map_extra (default 5) hash functions. The hashes differ from
 * Linux's jhash, so false positives happen for other values than on Linux.
 */
final class BloomFilterMap extends AbstractMap {
    private final int nrHashFuncs;
    private final int bitsetMask;
    private final int seed;
    private final AtomicLongArray bits;

    BloomFilterMap(MapAttr attr, BpfRuntime runtime) {
        super(attr, runtime);
        int k = (int) (attr.mapExtra() & 0xf);
        this.nrHashFuncs = k == 0 ? 5 : k;
        long nrBits = bitsNeeded(attr);
        this.bitsetMask = (int) (nrBits - 1);
        this.seed = attr.hasFlag(MapAttr.BPF_F_ZERO_SEED) ? 0 : Maps.HASH_SEED;
        this.bits = new AtomicLongArray((int) (nrBits / 64));
    }

    /** The bitset size in bits, as bloom_map_alloc computes it (2^32 when it overflows). */
    static long bitsNeeded(MapAttr attr) {
        int k = (int) (attr.mapExtra() & 0xf);
        long hashes = k == 0 ? 5 : k;
        long nrBits = Integer.toUnsignedLong(attr.maxEntries()) * hashes;
        if (nrBits > 0xffffffffL) {
            return 1L << 32;
        }
        nrBits = nrBits / 5 * 7;
        if (nrBits > 0xffffffffL || nrBits > (1L << 31)) {
            return 1L << 32;
        }
        if (nrBits <= 64) {
            return 64;
        }
        return Long.highestOneBit(nrBits - 1) << 1;
    }

    private int bit(byte[] v, int off, int i) {
        return Hashing.hash(v, off, attr.valueSize(), seed + i) & bitsetMask;
    }

    private long push(byte[] v, int off, long flags) {
        if (flags != BPF_ANY) {
            return Errno.EINVAL.negative();
        }
        for (int i = 0; i < nrHashFuncs; i++) {
            int b = bit(v, off, i);
            long mask = 1L << b;
            int w = b >>> 6;
            long old = bits.get(w);
            while ((old & mask) == 0 && !bits.compareAndSet(w, old, old | mask)) {
                old = bits.get(w);
            }
        }
        return 0;
    }

    private long peek(byte[] v, int off) {
        for (int i = 0; i < nrHashFuncs; i++) {
            int b = bit(v, off, i);
            if ((bits.get(b >>> 6) & (1L << b)) == 0) {
                return Errno.ENOENT.negative();
            }
        }
        return 0;
    }

    @Override
    public long pushElem(ExecContext ctx, long value, long flags) {
        if (!programMayWrite()) {
            return Errno.EPERM.negative();
        }
        Region r = readable(value, attr.valueSize());
        return push(r.data(), off(r, value), flags);
    }

    @Override
    public long peekElem(ExecContext ctx, long value) {
        Region r = readable(value, attr.valueSize());
        return peek(r.data(), off(r, value));
    }

    @Override
    public long popElem(ExecContext ctx, long value) {
        return Errno.EOPNOTSUPP.negative();
    }

    @Override
    public long updateElem(ExecContext ctx, long key, long value, long flags) {
        return Errno.EINVAL.negative();
    }

    @Override
    public long deleteElem(ExecContext ctx, long key) {
        return Errno.EOPNOTSUPP.negative();
    }

    @Override
    protected byte[] doLookup(byte[] key, long flags) {
        throw error(Errno.EINVAL, "a bloom filter lookup takes the value to test: use lookupValue");
    }

    @Override
    protected void doLookupValue(byte[] value) {
        check(peek(value, 0));
    }

    @Override
    protected void doUpdate(byte[] key, byte[] value, long flags) {
        check(push(value, 0, flags));
    }

    @Override
    protected void doDelete(byte[] key) {
        throw error(Errno.EOPNOTSUPP, "bloom filter elements cannot be deleted");
    }

    @Override
    protected byte[] doNextKey(byte[] key) {
        throw error(Errno.EOPNOTSUPP, "bloom filters have no keys");
    }
}
