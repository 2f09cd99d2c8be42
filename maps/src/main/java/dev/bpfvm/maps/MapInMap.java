package dev.bpfvm.maps;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;

/** What map-in-map types share: the kernel's {@code map_meta_equal} check of inner maps. */
final class MapInMap {
    private MapInMap() {}

    /** Refuses (EINVAL) an inner map that does not match the template the outer map was made with. */
    static void checkCompatible(AbstractMap outer, MapAttr template, BpfMap m) {
        MapAttr a = m.attr();
        boolean equal = a.type() == template.type() && a.keySize() == template.keySize()
                && a.valueSize() == template.valueSize()
                && (a.flags() & ~MapAttr.BPF_F_RDONLY & ~MapAttr.BPF_F_WRONLY)
                        == (template.flags() & ~MapAttr.BPF_F_RDONLY & ~MapAttr.BPF_F_WRONLY)
                && a.spinLockOffset() == template.spinLockOffset();
        if (equal && template.type() == MapType.ARRAY && !template.hasFlag(MapAttr.BPF_F_INNER_MAP)) {
            equal = a.maxEntries() == template.maxEntries();
        }
        if (!equal) {
            throw outer.error(Errno.EINVAL, "inner map '" + m.name() + "' does not match the inner map template");
        }
    }
}
