package dev.bpfvm.vm.jit;

import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.InlineLookup;
import dev.bpfvm.vm.spi.MapLookupFunction;

/**
 * One {@code bpf_map_lookup_elem} call site of compiled code whose key is a constant stack slot:
 * what the last real call there found (the address space, the map's handle address, the
 * registry's helper, the map's {@link InlineLookup}). The code at the site calls the map's
 * {@link InlineLookup#lookupIndex} itself when all of it still holds (same address space, same
 * r1, same helper #1 in the registry, map not closed), else the helper, and then
 * {@link #learn}s. A class constant of the generated class, one per site.
 */
final class LookupSite {
    /** What one call found; immutable, so racing threads see one whole or the other. */
    static final class Learned {
        final AddressSpace mem;
        final long map;
        final HelperSpec spec;
        final InlineLookup lookup;

        Learned(AddressSpace mem, long map, HelperSpec spec, InlineLookup lookup) {
            this.mem = mem;
            this.map = map;
            this.spec = spec;
            this.lookup = lookup;
        }
    }

    /** Matches no address space: the first call goes to the helper. */
    static final Learned NONE = new Learned(null, 0, null, null);

    /** The helper number the site calls, {@code BPF_FUNC_map_lookup_elem}. */
    static final int BPF_FUNC_map_lookup_elem = 1;

    Learned learned = NONE;

    /**
     * What a versioned loop's fast copy may use for its whole run ({@link #learned} if it
     * matches this address space and helper #1 and its map is live), or null. The fast copy
     * then compares only r1 at the site: a helper registered or a map closed by another thread
     * meanwhile is seen after the fast copy, as if it had happened then.
     */
    Learned forFastLoop(JitState s) {
        Learned l = learned;
        return l.mem == s.mem && l.spec == s.helpers.byId(BPF_FUNC_map_lookup_elem) && l.lookup.live() ? l : null;
    }

    /**
     * After the helper returned normally for map handle {@code r1}: remember the map if the
     * registry's helper is a {@link MapLookupFunction} and the map has an {@link InlineLookup}.
     */
    void learn(JitState s, long r1) {
        HelperSpec spec = s.helpers.byId(BPF_FUNC_map_lookup_elem);
        Region r = s.mem.regionAt(r1);
        if (spec == null || !(spec.fn() instanceof MapLookupFunction) || r == null
                || r.kind() != Region.Kind.MAP || !(r.owner() instanceof BpfMap) || AddressSpace.offsetOf(r1) != 0) {
            return;
        }
        InlineLookup lookup = ((BpfMap) r.owner()).inlineLookup();
        if (lookup != null) {
            learned = new Learned(s.mem, r1, spec, lookup);
        }
    }
}
