package dev.bpfvm.vm.spi;

import dev.bpfvm.vm.exec.ExecContext;

/**
 * A map whose {@code bpf_map_lookup_elem} is an index into its value region, once the u32 key
 * is read: what compiled code calls instead of the helper (Linux inlines the same lookups into
 * the program: {@code map_gen_lookup}, for arrays {@code array_map_gen_lookup}). A map offers
 * it through {@link BpfMap#inlineLookup()}.
 */
public interface InlineLookup {
    /** What {@link #lookupIndex} returns for a closed map: the caller must call the helper. */
    long CLOSED = -1;

    /** False once the map is closed (then only the helper may be called: it faults). */
    boolean live();

    /**
     * The address of element {@code index}'s value ({@link ExecContext#cpu()}'s copy in a
     * per-CPU map), 0 when {@code index} (unsigned) is out of range, exactly as
     * {@link BpfMap#lookupElem} with a key holding {@code index}, for a {@link #live()} map.
     */
    long indexAddress(ExecContext ctx, int index);

    /** {@link #indexAddress}, or {@link #CLOSED} once the map is closed. */
    default long lookupIndex(ExecContext ctx, int index) {
        return live() ? indexAddress(ctx, index) : CLOSED;
    }
}
