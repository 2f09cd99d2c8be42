package dev.bpfvm.vm.spi;

/**
 * The body of a {@code bpf_map_lookup_elem} that is exactly {@link BpfMap#lookupElem} of the map
 * whose handle address is in r1 (offset 0) with the key address in r2, and faults with EFAULT
 * when r1 is not a map. Compiled code may then skip the call for maps with an
 * {@link InlineLookup} (reading the u32 key itself); a registry whose helper is not one of
 * these is always called.
 */
@FunctionalInterface
public interface MapLookupFunction extends HelperFunction {}
