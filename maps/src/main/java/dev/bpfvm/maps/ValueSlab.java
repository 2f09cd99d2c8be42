package dev.bpfvm.maps;

import dev.bpfvm.vm.mem.Region;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Value storage of a hash map: chunks of {@code byte[]} (same chunking as the {@link KeyTable}),
 * each registered as ONE region with an element stride of {@code round_up(value_size, 8)}. A
 * per-CPU map stores an element's copies for CPUs 0..n-1 next to each other.
 */
final class ValueSlab {
    final int stride;
    final int perEntry;
    private final int chunkShift;
    private final int chunkMask;
    private final Function<byte[], Region> register;
    private volatile byte[][] chunks = new byte[0][];
    private volatile Region[] regions = new Region[0];

    ValueSlab(int stride, int perEntry, int chunkShift, Function<byte[], Region> register) {
        this.stride = stride;
        this.perEntry = perEntry;
        this.chunkShift = chunkShift;
        this.chunkMask = (1 << chunkShift) - 1;
        this.register = register;
    }

    /** Makes sure element {@code id} has storage (callers hold the map's write lock). */
    void ensure(int id) {
        int ci = id >>> chunkShift;
        if (ci < chunks.length) {
            return;
        }
        byte[] chunk = new byte[(1 << chunkShift) * perEntry * stride];
        Region r = register.apply(chunk);
        Region[] rs = Arrays.copyOf(regions, ci + 1);
        rs[ci] = r;
        byte[][] cs = Arrays.copyOf(chunks, ci + 1);
        cs[ci] = chunk;
        regions = rs;
        chunks = cs;
    }

    byte[] chunk(int id) {
        return chunks[id >>> chunkShift];
    }

    int offset(int id, int cpu) {
        return ((id & chunkMask) * perEntry + cpu) * stride;
    }

    long address(int id, int cpu) {
        return regions[id >>> chunkShift].address(offset(id, cpu));
    }

    long footprint() {
        long b = 0;
        for (byte[] c : chunks) {
            b += c.length;
        }
        return b;
    }
}
