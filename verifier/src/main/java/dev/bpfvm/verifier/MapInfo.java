package dev.bpfvm.verifier;

import dev.bpfvm.vm.spi.MapType;

/**
 * What the verifier needs to know of a map: the kernel's {@code struct bpf_map} attributes.
 * The maps module (or the loader's map specs) adapt to this view.
 */
public interface MapInfo {
    /** {@code BPF_F_RDONLY_PROG}: the program may only read the map. */
    int BPF_F_RDONLY_PROG = 1 << 7;
    /** {@code BPF_F_WRONLY_PROG}: the program may only write the map. */
    int BPF_F_WRONLY_PROG = 1 << 8;

    /** The map's name as the kernel keeps it (at most 15 characters), may be empty. */
    String name();

    MapType type();

    int keySize();

    int valueSize();

    int maxEntries();

    /** {@code map_flags}. */
    int flags();

    /**
     * The offset of a {@code struct bpf_spin_lock} in the value (from the map's BTF), or -1
     * when the value has none.
     */
    default int spinLockOffset() {
        return -1;
    }

    /** The offset of a {@code struct bpf_timer} in the value, or -1. */
    default int timerOffset() {
        return -1;
    }

    /** Whether the map has BTF for its key and value (needed for spin locks and timers). */
    default boolean hasBtf() {
        return spinLockOffset() >= 0 || timerOffset() >= 0;
    }

    /**
     * The value of a frozen read-only map ({@code .rodata} after libbpf froze it), whose
     * contents the verifier may read as constants; null when the map is not frozen.
     */
    default byte[] frozenValue() {
        return null;
    }

    /**
     * The map's id ({@code map->id}), printed in the log as {@code map[id:N]}; 0 when the map
     * is not (yet) created in a kernel.
     */
    default int id() {
        return 0;
    }

    /** For map-in-map types: the inner map's attributes; null otherwise. */
    default MapInfo innerMap() {
        return null;
    }

    /** A plain description of a map, for tests and raw programs. */
    static MapInfo of(String name, MapType type, int keySize, int valueSize, int maxEntries, int flags) {
        return new SimpleMapInfo(name, type, keySize, valueSize, maxEntries, flags, -1, null);
    }

    /** A plain description with a spin lock at {@code spinLockOffset}. */
    static MapInfo withSpinLock(String name, MapType type, int keySize, int valueSize, int maxEntries,
            int spinLockOffset) {
        return new SimpleMapInfo(name, type, keySize, valueSize, maxEntries, 0, spinLockOffset, null);
    }

    /** A frozen read-only array of one value (a {@code .rodata} section). */
    static MapInfo frozen(String name, byte[] value) {
        return new SimpleMapInfo(name, MapType.ARRAY, 4, value.length, 1, BPF_F_RDONLY_PROG, -1, value.clone());
    }

    /**
     * A live map of a kernel (raw {@code BPF_PROG_LOAD} naming it by fd): its attributes and id,
     * the spin lock offset from its attributes, the value of a frozen read-only one-element array
     * (readable as constants, as Linux's {@code bpf_map_is_rdonly}), the inner map's template.
     */
    static MapInfo of(dev.bpfvm.vm.spi.BpfMap map) {
        dev.bpfvm.vm.spi.MapAttr a = map.attr();
        byte[] frozen = null;
        if (map.frozen() && (a.flags() & BPF_F_RDONLY_PROG) != 0 && a.type() == MapType.ARRAY && a.maxEntries() == 1) {
            byte[] v = map.lookup(new byte[4]);
            if (v != null && v.length >= a.valueSize()) {
                frozen = java.util.Arrays.copyOf(v, a.valueSize());
            }
        }
        MapInfo inner = a.innerMap() != null ? of(a.innerMap()) : null;
        return new LiveMapInfo(a.name() == null ? "" : a.name(), a.type(), a.keySize(), a.valueSize(),
                a.maxEntries(), a.flags(), a.spinLockOffset(), frozen, map.id(), inner);
    }

    /** {@link #of(dev.bpfvm.vm.spi.BpfMap)}'s implementation. */
    record LiveMapInfo(String name, MapType type, int keySize, int valueSize, int maxEntries, int flags,
            int spinLockOffset, byte[] frozenValue, int id, MapInfo innerMap) implements MapInfo {
        @Override
        public String toString() {
            return "map '" + name + "' (" + type.bpftoolName() + ", id " + id + ")";
        }
    }

    /** The plain implementation behind the factories. */
    record SimpleMapInfo(String name, MapType type, int keySize, int valueSize, int maxEntries, int flags,
            int spinLockOffset, byte[] frozenValue) implements MapInfo {
        @Override
        public String toString() {
            return "map '" + name + "' (" + type.bpftoolName() + ")";
        }
    }
}
