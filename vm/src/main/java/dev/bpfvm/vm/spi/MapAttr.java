package dev.bpfvm.vm.spi;

import java.util.Objects;

/**
 * The attributes of a map to create, mirroring the {@code BPF_MAP_CREATE} fields of the kernel's
 * {@code union bpf_attr}: type, key and value sizes, max_entries, map_flags, the inner map (the
 * kernel's {@code inner_map_fd}) for map-in-map types, map_extra, the BTF key/value type ids and
 * name. {@code spinLockOffset} is what the kernel derives from the value's BTF: the offset of a
 * {@code struct bpf_spin_lock} in the value, or -1 when the value has none.
 *
 * <p>Sizes and max_entries are the kernel's u32 values: a negative int stands for a value of 2^31
 * or more and is refused or treated as huge by validation, never as negative.
 */
public record MapAttr(MapType type, int keySize, int valueSize, int maxEntries, int flags,
                      String name, BpfMap innerMap, long mapExtra, int btfKeyTypeId,
                      int btfValueTypeId, int spinLockOffset) {
    /** {@code map_flags} bits, by the kernel's names. */
    public static final int BPF_F_NO_PREALLOC = 1 << 0;
    public static final int BPF_F_NO_COMMON_LRU = 1 << 1;
    public static final int BPF_F_NUMA_NODE = 1 << 2;
    public static final int BPF_F_RDONLY = 1 << 3;
    public static final int BPF_F_WRONLY = 1 << 4;
    public static final int BPF_F_STACK_BUILD_ID = 1 << 5;
    public static final int BPF_F_ZERO_SEED = 1 << 6;
    public static final int BPF_F_RDONLY_PROG = 1 << 7;
    public static final int BPF_F_WRONLY_PROG = 1 << 8;
    public static final int BPF_F_CLONE = 1 << 9;
    public static final int BPF_F_MMAPABLE = 1 << 10;
    public static final int BPF_F_PRESERVE_ELEMS = 1 << 11;
    public static final int BPF_F_INNER_MAP = 1 << 12;
    public static final int BPF_F_LINK = 1 << 13;
    public static final int BPF_F_PATH_FD = 1 << 14;
    public static final int BPF_F_VTYPE_BTF_OBJ_FD = 1 << 15;
    public static final int BPF_F_TOKEN_FD = 1 << 16;
    public static final int BPF_F_SEGV_ON_FAULT = 1 << 17;
    public static final int BPF_F_NO_USER_CONV = 1 << 18;
    /** The kernel's {@code BPF_F_ACCESS_MASK}. */
    public static final int BPF_F_ACCESS_MASK = BPF_F_RDONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY | BPF_F_WRONLY_PROG;
    /** The kernel's {@code BPF_OBJ_NAME_LEN}: names have at most 15 characters. */
    public static final int BPF_OBJ_NAME_LEN = 16;

    public MapAttr {
        Objects.requireNonNull(type, "type");
        name = name == null ? "" : name;
    }

    public static Builder builder(MapType type, int keySize, int valueSize, int maxEntries) {
        return new Builder(type, keySize, valueSize, maxEntries);
    }

    /** A builder starting from these attributes. */
    public Builder toBuilder() {
        return new Builder(type, keySize, valueSize, maxEntries).flags(flags).name(name)
                .innerMap(innerMap).mapExtra(mapExtra).btf(btfKeyTypeId, btfValueTypeId)
                .spinLock(spinLockOffset);
    }

    /** Whether the value has a {@code struct bpf_spin_lock} (a "special field"). */
    public boolean hasSpinLock() {
        return spinLockOffset >= 0;
    }

    public boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }

    public static final class Builder {
        private final MapType type;
        private final int keySize;
        private final int valueSize;
        private final int maxEntries;
        private int flags;
        private String name = "";
        private BpfMap innerMap;
        private long mapExtra;
        private int btfKeyTypeId;
        private int btfValueTypeId;
        private int spinLockOffset = -1;

        private Builder(MapType type, int keySize, int valueSize, int maxEntries) {
            this.type = type;
            this.keySize = keySize;
            this.valueSize = valueSize;
            this.maxEntries = maxEntries;
        }

        public Builder flags(int f) {
            this.flags = f;
            return this;
        }

        public Builder name(String n) {
            this.name = n;
            return this;
        }

        /** The inner map template of an ARRAY_OF_MAPS / HASH_OF_MAPS (the kernel's inner_map_fd). */
        public Builder innerMap(BpfMap m) {
            this.innerMap = m;
            return this;
        }

        public Builder mapExtra(long e) {
            this.mapExtra = e;
            return this;
        }

        /** BTF type ids of key and value (required, non-zero, for local storage maps). */
        public Builder btf(int keyTypeId, int valueTypeId) {
            this.btfKeyTypeId = keyTypeId;
            this.btfValueTypeId = valueTypeId;
            return this;
        }

        /** Offset of the value's {@code struct bpf_spin_lock}, or -1 for none. */
        public Builder spinLock(int offset) {
            this.spinLockOffset = offset;
            return this;
        }

        public MapAttr build() {
            return new MapAttr(type, keySize, valueSize, maxEntries, flags, name, innerMap, mapExtra,
                    btfKeyTypeId, btfValueTypeId, spinLockOffset);
        }
    }
}
