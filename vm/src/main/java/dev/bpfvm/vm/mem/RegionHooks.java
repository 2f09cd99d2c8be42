package dev.bpfvm.vm.mem;

/**
 * Code that handles some loads and stores of a region, such as a context whose fields are
 * rewritten (a 4-byte load of {@code __sk_buff.data} yields the packet's 64-bit address). Accesses
 * the hooks do not claim go to the region's bytes as usual.
 */
public interface RegionHooks {
    /** Whether a load of {@code size} bytes at {@code offset} is handled by {@link #load}. */
    boolean handlesLoad(int offset, int size);

    /** A claimed load (already bounds-checked); returns the value, zero-extended to 64 bits. */
    long load(Region region, int offset, int size);

    /**
     * A store of {@code size} bytes at {@code offset} (bounds-checked). Returns true if handled,
     * false to store the bytes as usual. Throw a {@link dev.bpfvm.vm.BpfException} to refuse it.
     */
    default boolean store(Region region, int offset, int size, long value) {
        return false;
    }
}
