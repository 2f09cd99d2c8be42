package dev.bpfvm.maps;

import dev.bpfvm.vm.mem.Region;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.function.Function;

/**
 * The key side of a hash map: keys in large chunks of {@code byte[]} (no per-entry objects), an
 * open-addressing index with linear probing, element ids with a free list, and a bitmap of live
 * ids. An element id names the element's key slot and, in the map, its value slot.
 *
 * <p>The index is a {@code long[]} of {@code hash << 32 | (id + 1)}: 0 is an empty slot, -1 a
 * deleted one. It grows (or is rebuilt to drop deleted slots) when more than 3/4 full, so it costs
 * 10.7–21 bytes per element.
 *
 * <p>Not synchronized: the owning map serializes writers. {@link #find} tolerates concurrent
 * writers (it never loops forever or fails on a racing change), so a map may call it
 * optimistically and validate afterwards.
 */
final class KeyTable {
    private static final long TOMB = -1L;
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    final int keySize;
    final int capacity;
    final int chunkShift;
    private final int chunkMask;
    private final int seed;
    private final Function<byte[], Region> keyRegions;

    private volatile byte[][] chunks = new byte[0][];
    private volatile Region[] regions = new Region[0];
    private volatile long[] table = new long[16];
    private long[] live = new long[1];
    private int used;
    private int tombs;
    private int highWater;
    private int[] free = new int[16];
    private int freeCount;

    /**
     * @param keyRegions registers a chunk of keys as a read-only region (so callbacks may get a
     *                   key pointer), or null to keep keys unaddressable
     */
    KeyTable(int keySize, int capacity, int chunkShift, int seed, Function<byte[], Region> keyRegions) {
        this.keySize = keySize;
        this.capacity = capacity;
        this.chunkShift = chunkShift;
        this.chunkMask = (1 << chunkShift) - 1;
        this.seed = seed;
        this.keyRegions = keyRegions;
    }

    /** Entries per chunk, a power of two chosen so a chunk stays near 1 MiB and no bigger than the map. */
    static int chunkShift(int capacity, int bytesPerEntry) {
        int per = Math.max(1, (1 << 20) / Math.max(1, bytesPerEntry));
        int shift = 31 - Integer.numberOfLeadingZeros(per);          // floor log2
        shift = Math.min(shift, 12);
        int capShift = 32 - Integer.numberOfLeadingZeros(Math.max(1, capacity) - 1);   // ceil log2
        return Math.max(0, Math.min(shift, capShift));
    }

    int size() {
        return used;
    }

    int highWater() {
        return highWater;
    }

    int hash(byte[] a, int off) {
        return Hashing.hash(a, off, keySize, seed);
    }

    // ---- lookups ------------------------------------------------------------------------------

    /** The id of the element with this key, or -1. Safe against concurrent writers (may miss). */
    int find(byte[] a, int off, int h) {
        long[] t = table;
        int m = t.length - 1;
        int i = h & m;
        for (int n = 0; n <= m; n++) {
            long e = t[i];
            if (e == 0) {
                return -1;
            }
            if (e != TOMB && (int) (e >>> 32) == h) {
                int id = (int) e - 1;
                if (keyEquals(id, a, off)) {
                    return id;
                }
            }
            i = (i + 1) & m;
        }
        return -1;
    }

    private boolean keyEquals(int id, byte[] a, int off) {
        byte[][] c = chunks;
        int ci = id >>> chunkShift;
        if (ci >= c.length || c[ci] == null) {
            return false;
        }
        byte[] chunk = c[ci];
        int ko = (id & chunkMask) * keySize;
        if (keySize == 8) {
            return (long) I64.get(chunk, ko) == (long) I64.get(a, off);
        }
        if (keySize == 4) {
            return (int) I32.get(chunk, ko) == (int) I32.get(a, off);
        }
        return Arrays.equals(chunk, ko, ko + keySize, a, off, off + keySize);
    }

    boolean isLive(int id) {
        long[] l = live;
        int w = id >>> 6;
        return id >= 0 && w < l.length && (l[w] & (1L << id)) != 0;
    }

    /** The first live id at or after {@code from}, or -1. */
    int nextLive(int from) {
        long[] l = live;
        int hw = highWater;
        if (from < 0) {
            from = 0;
        }
        int w = from >>> 6;
        if (w >= l.length) {
            return -1;
        }
        long bits = l[w] & (-1L << from);
        for (;;) {
            if (bits != 0) {
                int id = (w << 6) + Long.numberOfTrailingZeros(bits);
                return id < hw ? id : -1;
            }
            if (++w >= l.length) {
                return -1;
            }
            bits = l[w];
        }
    }

    byte[] chunkOf(int id) {
        return chunks[id >>> chunkShift];
    }

    int keyOffset(int id) {
        return (id & chunkMask) * keySize;
    }

    byte[] key(int id) {
        return Arrays.copyOfRange(chunkOf(id), keyOffset(id), keyOffset(id) + keySize);
    }

    /** The BPF address of the stored key (needs key regions). */
    long keyAddress(int id) {
        return regions[id >>> chunkShift].address(keyOffset(id));
    }

    // ---- changes (callers hold the map's write lock) -------------------------------------------

    /** Adds a key known to be absent; returns its new id, or -1 if all ids are in use. */
    int insert(byte[] a, int off, int h) {
        int id = allocId();
        if (id < 0) {
            return -1;
        }
        System.arraycopy(a, off, chunkOf(id), keyOffset(id), keySize);
        live[id >>> 6] |= 1L << id;
        place(h, id);
        return id;
    }

    private int allocId() {
        if (freeCount > 0) {
            return free[--freeCount];
        }
        if (highWater >= capacity) {
            return -1;
        }
        int id = highWater;
        int ci = id >>> chunkShift;
        if (ci >= chunks.length) {
            growChunks(ci);
        }
        if ((id >>> 6) >= live.length) {
            live = Arrays.copyOf(live, Math.max(live.length * 2, (id >>> 6) + 1));
        }
        highWater = id + 1;
        return id;
    }

    private void growChunks(int ci) {
        int chunkEntries = 1 << chunkShift;
        byte[] chunk = new byte[Math.max(1, chunkEntries * keySize)];
        Region r = keyRegions != null ? keyRegions.apply(chunk) : null;
        Region[] rs = Arrays.copyOf(regions, ci + 1);
        rs[ci] = r;
        byte[][] cs = Arrays.copyOf(chunks, ci + 1);
        cs[ci] = chunk;
        regions = rs;
        chunks = cs;
    }

    private void place(int h, int id) {
        long[] t = table;
        if ((long) (used + tombs + 1) * 4 > (long) t.length * 3) {
            t = rebuild();
        }
        int m = t.length - 1;
        int i = h & m;
        while (t[i] != 0 && t[i] != TOMB) {
            i = (i + 1) & m;
        }
        if (t[i] == TOMB) {
            tombs--;
        }
        t[i] = ((long) h << 32) | ((id + 1) & 0xffffffffL);
        used++;
    }

    /** A new index for the live entries (twice as big if more than half full); drops deleted slots. */
    private long[] rebuild() {
        long[] old = table;
        int cap = old.length;
        while ((long) (used + 1) * 2 > cap) {
            cap *= 2;
        }
        long[] t = new long[cap];
        int m = cap - 1;
        for (long e : old) {
            if (e != 0 && e != TOMB) {
                int i = (int) (e >>> 32) & m;
                while (t[i] != 0) {
                    i = (i + 1) & m;
                }
                t[i] = e;
            }
        }
        tombs = 0;
        table = t;
        return t;
    }

    /** Removes element {@code id} (which must be live) and frees its id. */
    void remove(int id) {
        byte[] c = chunkOf(id);
        int h = hash(c, keyOffset(id));
        long[] t = table;
        int m = t.length - 1;
        int i = h & m;
        long want = ((long) h << 32) | ((id + 1) & 0xffffffffL);
        for (int n = 0; n <= m; n++) {
            if (t[i] == want) {
                t[i] = TOMB;
                tombs++;
                used--;
                break;
            }
            if (t[i] == 0) {
                throw new IllegalStateException("key table: id " + id + " not indexed");
            }
            i = (i + 1) & m;
        }
        live[id >>> 6] &= ~(1L << id);
        if (freeCount == free.length) {
            free = Arrays.copyOf(free, free.length * 2);
        }
        free[freeCount++] = id;
    }

    /** Bytes of heap held (for benchmarks and tests). */
    long footprint() {
        long b = (long) table.length * 8 + (long) live.length * 8 + (long) free.length * 4;
        for (byte[] c : chunks) {
            b += c.length;
        }
        return b;
    }
}
