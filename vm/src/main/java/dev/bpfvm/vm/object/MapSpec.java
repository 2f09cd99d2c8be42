package dev.bpfvm.vm.object;

import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything needed to create a map, as plain immutable data (the {@code maps} module builds
 * live maps from it). Comes from a BTF-defined map in {@code .maps}, a legacy {@code maps}
 * definition, or a global data section ({@code .data}, {@code .rodata}, {@code .bss},
 * {@code .data.*}, {@code .rodata.*}, {@code .kconfig}), which is a single-entry ARRAY whose one
 * value is the section's contents.
 *
 * @param name           the map's name: the variable name, or the section name for global data
 * @param type           the kernel map type
 * @param keySize        key size in bytes
 * @param valueSize      value size in bytes
 * @param maxEntries     max_entries (for RINGBUF: the buffer size in bytes)
 * @param flags          map_flags ({@code BPF_F_*})
 * @param numaNode       numa_node (meaningful with {@link #BPF_F_NUMA_NODE})
 * @param pinning        libbpf pinning mode
 * @param mapExtra       map_extra (e.g. bloom filter hash count)
 * @param innerMap       for ARRAY_OF_MAPS / HASH_OF_MAPS: the inner map template, else null
 * @param contents       initial key/value pairs (global data: key 0 → section bytes)
 * @param slots          initial {@code .values}: index → map name (map-in-map) or program name (PROG_ARRAY)
 * @param btfKeyTypeId   BTF id of the key type in the object's BTF, 0 if none
 * @param btfValueTypeId BTF id of the value type (for global data: the DATASEC), 0 if none
 * @param section        the ELF section it came from
 * @param frozen         frozen after its initial contents are written ({@code .rodata}, {@code .kconfig})
 */
public record MapSpec(String name, MapType type, int keySize, int valueSize, int maxEntries, int flags,
                      int numaNode, Pinning pinning, long mapExtra, MapSpec innerMap, List<MapEntry> contents,
                      SortedMap<Integer, String> slots, int btfKeyTypeId, int btfValueTypeId, String section,
                      boolean frozen) {
    public static final int BPF_F_NO_PREALLOC = MapAttr.BPF_F_NO_PREALLOC;
    public static final int BPF_F_NO_COMMON_LRU = MapAttr.BPF_F_NO_COMMON_LRU;
    public static final int BPF_F_NUMA_NODE = MapAttr.BPF_F_NUMA_NODE;
    public static final int BPF_F_RDONLY = MapAttr.BPF_F_RDONLY;
    public static final int BPF_F_WRONLY = MapAttr.BPF_F_WRONLY;
    public static final int BPF_F_STACK_BUILD_ID = MapAttr.BPF_F_STACK_BUILD_ID;
    public static final int BPF_F_ZERO_SEED = MapAttr.BPF_F_ZERO_SEED;
    public static final int BPF_F_RDONLY_PROG = MapAttr.BPF_F_RDONLY_PROG;
    public static final int BPF_F_WRONLY_PROG = MapAttr.BPF_F_WRONLY_PROG;
    public static final int BPF_F_CLONE = MapAttr.BPF_F_CLONE;
    public static final int BPF_F_MMAPABLE = MapAttr.BPF_F_MMAPABLE;
    public static final int BPF_F_PRESERVE_ELEMS = MapAttr.BPF_F_PRESERVE_ELEMS;
    public static final int BPF_F_INNER_MAP = MapAttr.BPF_F_INNER_MAP;

    public MapSpec {
        Objects.requireNonNull(name);
        Objects.requireNonNull(type);
        Objects.requireNonNull(pinning);
        Objects.requireNonNull(section);
        contents = List.copyOf(contents);
        slots = Collections.unmodifiableSortedMap(new TreeMap<>(slots));
    }

    /** A plain map with no BTF, contents or pinning (for tests and programmatic use). */
    public static MapSpec of(String name, MapType type, int keySize, int valueSize, int maxEntries, int flags) {
        return new MapSpec(name, type, keySize, valueSize, maxEntries, flags, 0, Pinning.NONE, 0, null,
                List.of(), new TreeMap<>(), 0, 0, "", false);
    }

    /** Whether this map holds a global data section ({@code .data}, {@code .rodata}, {@code .bss}, {@code .kconfig}, ...). */
    public boolean isGlobalData() {
        return section.equals(name) && (name.startsWith(".data") || name.startsWith(".rodata")
                || name.startsWith(".bss") || name.equals(".kconfig"));
    }

    /** The initial value of a global data map (its single entry), or null. */
    public byte[] data() {
        return contents.isEmpty() ? null : contents.get(0).value();
    }

    public MapSpec withName(String newName) {
        return new MapSpec(newName, type, keySize, valueSize, maxEntries, flags, numaNode, pinning, mapExtra,
                innerMap, contents, slots, btfKeyTypeId, btfValueTypeId, section, frozen);
    }

    public MapSpec withMaxEntries(int n) {
        return new MapSpec(name, type, keySize, valueSize, n, flags, numaNode, pinning, mapExtra,
                innerMap, contents, slots, btfKeyTypeId, btfValueTypeId, section, frozen);
    }

    public MapSpec withContents(List<MapEntry> newContents) {
        return new MapSpec(name, type, keySize, valueSize, maxEntries, flags, numaNode, pinning, mapExtra,
                innerMap, newContents, slots, btfKeyTypeId, btfValueTypeId, section, frozen);
    }
}
