package dev.bpfvm.kernel.load;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.object.MapSpec;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.BpfMapException;
import dev.bpfvm.vm.spi.MapType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A live map of a {@link BpfObject}, seen from user space (the {@code bpf()} map commands).
 * Byte-level operations take and return keys and values as the kernel does; the {@code Long}
 * variants encode keys and decode values as little-endian unsigned integers of the map's key
 * and value size (1, 2, 4 or 8 bytes). Per-CPU maps return one value per CPU, each padded to 8
 * bytes as libbpf expects; {@link #lookupPerCpu} splits them. Errors are
 * {@link BpfMapException}s with the kernel's errno, naming the map.
 */
public final class MapView {
    private static final Set<MapType> PER_CPU = EnumSet.of(MapType.PERCPU_ARRAY, MapType.PERCPU_HASH,
            MapType.LRU_PERCPU_HASH);

    /** One key/value pair of {@link #entries()}; per-CPU values hold every CPU's copy. */
    public record Entry(byte[] key, byte[] value) {
        @Override
        public String toString() {
            return "Entry[key=" + Arrays.toString(key) + ", value=" + Arrays.toString(value) + "]";
        }
    }

    private final BpfObject object;
    private final MapSpec spec;
    private final BpfMap map;

    MapView(BpfObject object, MapSpec spec, BpfMap map) {
        this.object = object;
        this.spec = spec;
        this.map = map;
    }

    /** The name in the object ({@code .data} etc. for global data). */
    public String name() {
        return spec.name();
    }

    public MapSpec spec() {
        return spec;
    }

    /** The live map (the SPI every map type implements). */
    public BpfMap map() {
        return map;
    }

    public MapType type() {
        return map.type();
    }

    public int keySize() {
        return map.keySize();
    }

    public int valueSize() {
        return map.valueSize();
    }

    public boolean perCpu() {
        return PER_CPU.contains(map.type());
    }

    /** Bytes per CPU in a per-CPU value (value size rounded up to 8). */
    public int perCpuStride() {
        return (map.valueSize() + 7) & ~7;
    }

    // ---- bytes ------------------------------------------------------------------------------

    /** The value for {@code key}, or null when there is none (ENOENT). */
    public byte[] lookup(byte[] key) {
        try {
            return map.lookup(key);
        } catch (BpfMapException e) {
            if (e.errno() == Errno.ENOENT) {
                return null;
            }
            throw e;
        }
    }

    public void update(byte[] key, byte[] value) {
        map.update(key, value, BpfMap.BPF_ANY);
    }

    /** {@code flags}: {@link BpfMap#BPF_ANY}, {@link BpfMap#BPF_NOEXIST}, {@link BpfMap#BPF_EXIST}, {@link BpfMap#BPF_F_LOCK}. */
    public void update(byte[] key, byte[] value, long flags) {
        map.update(key, value, flags);
    }

    /** Deletes {@code key}; false when it was not there. */
    public boolean delete(byte[] key) {
        try {
            map.delete(key);
            return true;
        } catch (BpfMapException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    /** Every key, in {@code get_next_key} order. */
    public List<byte[]> keys() {
        List<byte[]> out = new ArrayList<>();
        byte[] k = null;
        int guard = 0;
        while (true) {
            byte[] next;
            try {
                next = map.nextKey(k);
            } catch (BpfMapException e) {
                if (e.errno() == Errno.ENOENT) {
                    return out;
                }
                throw e;
            }
            if (next == null || ++guard > Math.max(1, map.maxEntries()) + 1) {
                return out;
            }
            out.add(next);
            k = next;
        }
    }

    /** Every key with its value, in {@code get_next_key} order (what {@code bpftool map dump} prints). */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        for (byte[] k : keys()) {
            byte[] v = lookup(k);
            if (v != null) {
                out.add(new Entry(k, v));
            }
        }
        return out;
    }

    /** A per-CPU value split into one array per CPU (each {@code valueSize} bytes). */
    public List<byte[]> splitPerCpu(byte[] value) {
        List<byte[]> out = new ArrayList<>();
        int stride = perCpuStride();
        for (int off = 0; off + stride <= value.length; off += stride) {
            out.add(Arrays.copyOfRange(value, off, off + map.valueSize()));
        }
        return out;
    }

    /** Each CPU's value of a per-CPU map, or null when {@code key} is absent. */
    public List<byte[]> lookupPerCpu(byte[] key) {
        byte[] v = lookup(key);
        return v == null ? null : splitPerCpu(v);
    }

    // ---- integers ---------------------------------------------------------------------------

    public OptionalLong lookupLong(long key) {
        byte[] v = lookup(encode(key, keySize()));
        return v == null ? OptionalLong.empty() : OptionalLong.of(decode(v, 0, valueSize()));
    }

    public void updateLong(long key, long value) {
        update(encode(key, keySize()), encode(value, valueSize()));
    }

    public boolean deleteLong(long key) {
        return delete(encode(key, keySize()));
    }

    /** Each CPU's value of a per-CPU map with an integer value, or null when absent. */
    public long[] lookupPerCpuLong(long key) {
        byte[] v = lookup(encode(key, keySize()));
        if (v == null) {
            return null;
        }
        List<byte[]> parts = splitPerCpu(v);
        long[] out = new long[parts.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = decode(parts.get(i), 0, valueSize());
        }
        return out;
    }

    /** Every entry as integers, in {@code get_next_key} order; per-CPU values are summed over CPUs. */
    public Map<Long, Long> entriesLong() {
        Map<Long, Long> out = new LinkedHashMap<>();
        for (Entry e : entries()) {
            long v = 0;
            if (perCpu()) {
                for (byte[] part : splitPerCpu(e.value())) {
                    v += decode(part, 0, valueSize());
                }
            } else {
                v = decode(e.value(), 0, valueSize());
            }
            out.put(decode(e.key(), 0, keySize()), v);
        }
        return out;
    }

    /** {@code v} as {@code size} little-endian bytes (size 1, 2, 4 or 8). */
    public static byte[] encode(long v, int size) {
        checkSize(size);
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    /** The unsigned little-endian integer of {@code size} bytes at {@code off}. */
    public static long decode(byte[] b, int off, int size) {
        checkSize(size);
        long v = 0;
        for (int i = 0; i < size; i++) {
            v |= (b[off + i] & 0xffL) << (8 * i);
        }
        return v;
    }

    private static void checkSize(int size) {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException("not an integer size: " + size + " bytes (use the byte[] methods)");
        }
    }

    @Override
    public String toString() {
        return "map " + spec.name() + " of " + object.name();
    }
}
