package dev.bpfvm.maps;

import static dev.bpfvm.vm.spi.MapAttr.BPF_F_ACCESS_MASK;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_CLONE;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_INNER_MAP;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_MMAPABLE;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_NO_COMMON_LRU;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_NO_PREALLOC;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_NUMA_NODE;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_PRESERVE_ELEMS;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_RDONLY;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_RDONLY_PROG;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_WRONLY;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_WRONLY_PROG;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_ZERO_SEED;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.BpfMapException;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Creates maps: {@code BPF_MAP_CREATE}. {@link #create} checks the attributes as the kernel's
 * {@code map_create} and the map types' {@code map_alloc_check} do, with the same errnos, then
 * builds the map in the runtime's address space.
 */
public final class Maps {
    private Maps() {}

    /** The kernel's KMALLOC_MAX_SIZE on x86_64 (4 MiB). */
    static final long KMALLOC_MAX_SIZE = 1L << 22;
    /** The kernel's PCPU_MIN_UNIT_SIZE (32 KiB): the largest per-CPU value. */
    static final int PCPU_MIN_UNIT_SIZE = 32768;
    /** sizeof(struct htab_elem) on x86_64. */
    static final int HTAB_ELEM_SIZE = 48;
    /** sizeof(struct bpf_local_storage_elem) on x86_64. */
    static final int LOCAL_STORAGE_ELEM_SIZE = 128;
    /** BPF_LOCAL_STORAGE_MAX_VALUE_SIZE. */
    static final int LOCAL_STORAGE_MAX_VALUE_SIZE = 0xffff - LOCAL_STORAGE_ELEM_SIZE;
    /** RINGBUF_MAX_DATA_SZ: (2^24 - 3) pages. */
    static final long RINGBUF_MAX_DATA_SZ = ((1L << 24) - 3) * 4096;
    /** The largest array bpfvm holds in one byte[] (a Java array limit, not a kernel one). */
    static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 16;
    /** Hash seed when BPF_F_ZERO_SEED is not given: fixed, so runs are repeatable. */
    static final int HASH_SEED = 0x5bd1e995;

    private static final AtomicInteger IDS = new AtomicInteger();

    private static final int ARRAY_CREATE_FLAG_MASK = BPF_F_NUMA_NODE | BPF_F_MMAPABLE | BPF_F_ACCESS_MASK
            | BPF_F_PRESERVE_ELEMS | BPF_F_INNER_MAP;
    private static final int HTAB_CREATE_FLAG_MASK = BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE
            | BPF_F_ACCESS_MASK | BPF_F_ZERO_SEED;
    private static final int QUEUE_STACK_CREATE_FLAG_MASK = BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK;
    private static final int BLOOM_CREATE_FLAG_MASK = BPF_F_NUMA_NODE | BPF_F_ZERO_SEED | BPF_F_ACCESS_MASK;
    private static final int RINGBUF_CREATE_FLAG_MASK = BPF_F_NUMA_NODE;
    private static final int LOCAL_STORAGE_CREATE_FLAG_MASK = BPF_F_NO_PREALLOC | BPF_F_CLONE;

    /** Map types whose value may hold a bpf_spin_lock (map_check_btf). */
    private static final Set<MapType> SPIN_LOCK_TYPES = EnumSet.of(MapType.HASH, MapType.ARRAY,
            MapType.CGROUP_STORAGE, MapType.SK_STORAGE, MapType.INODE_STORAGE, MapType.TASK_STORAGE,
            MapType.CGRP_STORAGE);

    /** A new map id, shared by every map type (maps made outside this module use it too). */
    public static int nextId() {
        return IDS.incrementAndGet();
    }

    /**
     * {@code BPF_MAP_CREATE}: a new map of {@code attr.type()} in {@code runtime}'s address space.
     *
     * @throws BpfMapException with the kernel's errno for bad attributes (EINVAL, E2BIG, ENOTSUPP,
     *                         EOPNOTSUPP, EACCES, EBADF), or ENOMEM when bpfvm cannot hold the map
     */
    public static BpfMap create(MapAttr attr, BpfRuntime runtime) {
        check(attr, runtime.cpus());
        try {
            return build(attr, runtime);
        } catch (OutOfMemoryError e) {
            throw fail(attr, Errno.ENOMEM, "not enough memory for the map");
        }
    }

    private static BpfMap build(MapAttr attr, BpfRuntime runtime) {
        switch (attr.type()) {
            case ARRAY:
            case PERCPU_ARRAY:
                fits(attr, ArrayMap.bytesNeeded(attr, runtime.cpus()));
                return new ArrayMap(attr, runtime);
            case HASH:
            case PERCPU_HASH:
            case LRU_HASH:
            case LRU_PERCPU_HASH:
                return new HashTableMap(attr, runtime);
            case QUEUE:
            case STACK:
                fits(attr, QueueStackMap.bytesNeeded(attr));
                return new QueueStackMap(attr, runtime);
            case BLOOM_FILTER:
                long bits = BloomFilterMap.bitsNeeded(attr);
                fits(attr, bits > (1L << 31) ? Long.MAX_VALUE : bits / 8);   // 2^32 bits: too many
                return new BloomFilterMap(attr, runtime);
            case PROG_ARRAY:
                return new ProgArrayMap(attr, runtime);
            case PERF_EVENT_ARRAY:
                return new PerfEventArrayMap(attr, runtime);
            case ARRAY_OF_MAPS:
                return new ArrayOfMapsMap(attr, runtime);
            case HASH_OF_MAPS:
                return new HashOfMapsMap(attr, runtime);
            case CGRP_STORAGE:
            case TASK_STORAGE:
                return new LocalStorageMap(attr, runtime);
            case RINGBUF:
                fits(attr, 2 * Integer.toUnsignedLong(attr.maxEntries()));
                return new RingBufMap(attr, runtime);
            default:
                throw unsupported(attr);
        }
    }

    /** bpfvm holds an array's values in one byte[]: refuse (ENOMEM) what Java cannot allocate. */
    private static void fits(MapAttr attr, long bytes) {
        if (bytes > MAX_ARRAY_BYTES) {
            throw fail(attr, Errno.ENOMEM, bytes + " bytes of values is more than bpfvm can hold in one map");
        }
    }

    private static BpfMapException unsupported(MapAttr attr) {
        return fail(attr, Errno.EINVAL, attr.type().kernelName() + " is not supported by bpfvm");
    }

    private static BpfMapException fail(MapAttr attr, Errno e, String why) {
        String who = attr.name().isEmpty() ? "map" : "map '" + attr.name() + "'";
        return new BpfMapException(e, who + ": " + why);
    }

    /** The attribute checks alone (map_create and map_alloc_check), without creating anything. */
    public static void check(MapAttr attr, int cpus) {
        int flags = attr.flags();
        if (attr.btfKeyTypeId() != 0 && attr.btfValueTypeId() == 0) {
            throw fail(attr, Errno.EINVAL, "BTF key type without a BTF value type");
        }
        if (attr.mapExtra() != 0 && attr.type() != MapType.BLOOM_FILTER && attr.type() != MapType.ARENA) {
            throw fail(attr, Errno.EINVAL, "map_extra is only for bloom filters");
        }
        if ((flags & BPF_F_RDONLY) != 0 && (flags & BPF_F_WRONLY) != 0) {
            throw fail(attr, Errno.EINVAL, "BPF_F_RDONLY and BPF_F_WRONLY together");
        }
        checkName(attr);
        switch (attr.type()) {
            case ARRAY:
            case PERCPU_ARRAY:
                checkArray(attr);
                break;
            case PROG_ARRAY:
            case PERF_EVENT_ARRAY:
            case ARRAY_OF_MAPS:
                checkFdArray(attr);
                break;
            case HASH:
            case PERCPU_HASH:
            case LRU_HASH:
            case LRU_PERCPU_HASH:
                checkHash(attr);
                break;
            case HASH_OF_MAPS:
                if (attr.valueSize() != 4) {
                    throw fail(attr, Errno.EINVAL, "value size of a map-in-map must be 4");
                }
                checkHash(attr);
                break;
            case QUEUE:
            case STACK:
                checkQueueStack(attr);
                break;
            case BLOOM_FILTER:
                checkBloom(attr);
                break;
            case RINGBUF:
                checkRingbuf(attr);
                break;
            case CGRP_STORAGE:
            case TASK_STORAGE:
                checkLocalStorage(attr);
                break;
            default:
                throw unsupported(attr);
        }
        if (attr.type() == MapType.ARRAY_OF_MAPS || attr.type() == MapType.HASH_OF_MAPS) {
            checkInnerMap(attr);
        }
        if (attr.hasSpinLock()) {
            checkSpinLock(attr);
        }
        if (attr.type() == MapType.LRU_PERCPU_HASH || attr.type() == MapType.LRU_HASH) {
            if ((flags & BPF_F_NO_COMMON_LRU) != 0 && perCpuLruEntries(attr.maxEntries(), cpus) == 0) {
                throw fail(attr, Errno.EINVAL, "max_entries " + attr.maxEntries() + " is less than one per CPU");
            }
        }
    }

    /** max_entries of an LRU map with per-CPU lists: rounded up to a multiple of the CPU count. */
    static int perCpuLruEntries(int maxEntries, int cpus) {
        long up = (Integer.toUnsignedLong(maxEntries) + cpus - 1) / cpus * cpus;
        if (up > Integer.MAX_VALUE) {
            up = Integer.toUnsignedLong(maxEntries) / cpus * cpus;
        }
        return (int) up;
    }

    private static void checkName(MapAttr attr) {
        String n = attr.name();
        if (n.length() >= MapAttr.BPF_OBJ_NAME_LEN) {
            throw fail(attr, Errno.EINVAL, "name longer than " + (MapAttr.BPF_OBJ_NAME_LEN - 1) + " characters");
        }
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.';
            if (!ok) {
                throw fail(attr, Errno.EINVAL, "name may only hold letters, digits, '_' and '.'");
            }
        }
    }

    private static boolean accessOk(int flags) {
        return (flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) != (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG);
    }

    private static boolean isZero(int u32) {
        return u32 == 0;
    }

    private static long u32(int v) {
        return Integer.toUnsignedLong(v);
    }

    /** array_map_alloc_check. */
    private static void checkArray(MapAttr attr) {
        boolean percpu = attr.type() == MapType.PERCPU_ARRAY;
        int flags = attr.flags();
        if (isZero(attr.maxEntries()) || attr.keySize() != 4 || isZero(attr.valueSize())
                || (flags & ~ARRAY_CREATE_FLAG_MASK) != 0 || !accessOk(flags)
                || (percpu && (flags & BPF_F_NUMA_NODE) != 0)) {
            throw fail(attr, Errno.EINVAL, "invalid attributes for " + attr.type().kernelName()
                    + " (key size must be 4, value size and max_entries non-zero, flags valid)");
        }
        if (attr.type() != MapType.ARRAY && (flags & (BPF_F_MMAPABLE | BPF_F_INNER_MAP)) != 0) {
            throw fail(attr, Errno.EINVAL, "BPF_F_MMAPABLE and BPF_F_INNER_MAP are only for arrays");
        }
        if (attr.type() != MapType.PERF_EVENT_ARRAY && (flags & BPF_F_PRESERVE_ELEMS) != 0) {
            throw fail(attr, Errno.EINVAL, "BPF_F_PRESERVE_ELEMS is only for perf event arrays");
        }
        if (u32(attr.valueSize()) > Integer.MAX_VALUE) {
            throw fail(attr, Errno.E2BIG, "value size too large");
        }
        if (percpu && ValueLayout.roundUp8(attr.valueSize()) > PCPU_MIN_UNIT_SIZE) {
            throw fail(attr, Errno.E2BIG, "per-CPU value size larger than " + PCPU_MIN_UNIT_SIZE);
        }
    }

    /** fd_array_map_alloc_check. */
    private static void checkFdArray(MapAttr attr) {
        if (attr.valueSize() != 4) {
            throw fail(attr, Errno.EINVAL, "value size of " + attr.type().kernelName() + " must be 4");
        }
        if ((attr.flags() & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) != 0) {
            throw fail(attr, Errno.EINVAL, "BPF_F_RDONLY_PROG/BPF_F_WRONLY_PROG not supported for "
                    + attr.type().kernelName());
        }
        checkArray(attr);
    }

    /** htab_map_alloc_check and htab_map_alloc's size checks. */
    private static void checkHash(MapAttr attr) {
        MapType t = attr.type();
        boolean percpu = t == MapType.PERCPU_HASH || t == MapType.LRU_PERCPU_HASH;
        boolean lru = t == MapType.LRU_HASH || t == MapType.LRU_PERCPU_HASH;
        int flags = attr.flags();
        boolean percpuLru = (flags & BPF_F_NO_COMMON_LRU) != 0;
        boolean prealloc = (flags & BPF_F_NO_PREALLOC) == 0;
        if ((flags & ~HTAB_CREATE_FLAG_MASK) != 0 || !accessOk(flags)) {
            throw fail(attr, Errno.EINVAL, "invalid flags 0x" + Integer.toHexString(flags) + " for " + t.kernelName());
        }
        if (!lru && percpuLru) {
            throw fail(attr, Errno.EINVAL, "BPF_F_NO_COMMON_LRU is only for LRU maps");
        }
        if (lru && !prealloc) {
            throw fail(attr, Errno.ENOTSUPP, "LRU maps cannot be BPF_F_NO_PREALLOC");
        }
        if ((flags & BPF_F_NUMA_NODE) != 0 && (percpu || percpuLru)) {
            throw fail(attr, Errno.EINVAL, "BPF_F_NUMA_NODE with per-CPU values or lists");
        }
        if (isZero(attr.maxEntries()) || isZero(attr.keySize()) || isZero(attr.valueSize())) {
            throw fail(attr, Errno.EINVAL, "key size, value size and max_entries must be non-zero");
        }
        if (u32(attr.keySize()) + u32(attr.valueSize()) >= KMALLOC_MAX_SIZE - HTAB_ELEM_SIZE) {
            throw fail(attr, Errno.E2BIG, "key and value sizes too large");
        }
        if (percpu && ValueLayout.roundUp8(attr.valueSize()) > PCPU_MIN_UNIT_SIZE) {
            throw fail(attr, Errno.E2BIG, "per-CPU value size larger than " + PCPU_MIN_UNIT_SIZE);
        }
        if (u32(attr.maxEntries()) > (1L << 31)) {
            throw fail(attr, Errno.E2BIG, "max_entries larger than 2^31");
        }
    }

    /** queue_stack_map_alloc_check. */
    private static void checkQueueStack(MapAttr attr) {
        int flags = attr.flags();
        if (isZero(attr.maxEntries()) || attr.keySize() != 0 || isZero(attr.valueSize())
                || (flags & ~QUEUE_STACK_CREATE_FLAG_MASK) != 0 || !accessOk(flags)) {
            throw fail(attr, Errno.EINVAL, "invalid attributes for " + attr.type().kernelName()
                    + " (key size must be 0, value size and max_entries non-zero)");
        }
        if (u32(attr.valueSize()) > KMALLOC_MAX_SIZE) {
            throw fail(attr, Errno.E2BIG, "value size too large");
        }
    }

    /** bloom_map_alloc_check and bloom_map_alloc. */
    private static void checkBloom(MapAttr attr) {
        int flags = attr.flags();
        if (u32(attr.valueSize()) > KMALLOC_MAX_SIZE) {
            throw fail(attr, Errno.E2BIG, "value size too large");
        }
        if (attr.keySize() != 0 || isZero(attr.valueSize()) || isZero(attr.maxEntries())
                || (flags & ~BLOOM_CREATE_FLAG_MASK) != 0 || !accessOk(flags)
                || (attr.mapExtra() & ~0xfL) != 0) {
            throw fail(attr, Errno.EINVAL, "invalid attributes for BPF_MAP_TYPE_BLOOM_FILTER"
                    + " (key size must be 0, value size and max_entries non-zero, map_extra 0..15)");
        }
    }

    /** ringbuf_map_alloc. */
    private static void checkRingbuf(MapAttr attr) {
        if ((attr.flags() & ~RINGBUF_CREATE_FLAG_MASK) != 0) {
            throw fail(attr, Errno.EINVAL, "invalid flags for BPF_MAP_TYPE_RINGBUF");
        }
        long size = u32(attr.maxEntries());
        if (attr.keySize() != 0 || attr.valueSize() != 0 || size == 0 || (size & (size - 1)) != 0
                || (size & 4095) != 0) {
            throw fail(attr, Errno.EINVAL, "ring buffer needs key and value size 0 and a power-of-2,"
                    + " page-aligned max_entries");
        }
        if (size > RINGBUF_MAX_DATA_SZ) {
            throw fail(attr, Errno.E2BIG, "ring buffer larger than " + RINGBUF_MAX_DATA_SZ + " bytes");
        }
    }

    /** bpf_local_storage_map_alloc_check. */
    private static void checkLocalStorage(MapAttr attr) {
        int flags = attr.flags();
        if ((flags & ~LOCAL_STORAGE_CREATE_FLAG_MASK) != 0 || (flags & BPF_F_NO_PREALLOC) == 0
                || !isZero(attr.maxEntries()) || attr.keySize() != 4 || isZero(attr.valueSize())
                || attr.btfKeyTypeId() == 0 || attr.btfValueTypeId() == 0) {
            throw fail(attr, Errno.EINVAL, "local storage needs BPF_F_NO_PREALLOC, max_entries 0, key size 4,"
                    + " a value size and BTF key/value types");
        }
        if (u32(attr.valueSize()) > LOCAL_STORAGE_MAX_VALUE_SIZE) {
            throw fail(attr, Errno.E2BIG, "value size larger than " + LOCAL_STORAGE_MAX_VALUE_SIZE);
        }
    }

    /** bpf_map_meta_alloc: the inner map template of a map-in-map. */
    private static void checkInnerMap(MapAttr attr) {
        BpfMap inner = attr.innerMap();
        if (inner == null) {
            throw fail(attr, Errno.EBADF, "map-in-map needs an inner map");
        }
        MapType it = inner.type();
        if (it == MapType.ARRAY_OF_MAPS || it == MapType.HASH_OF_MAPS) {
            throw fail(attr, Errno.EINVAL, "only one level of map-in-map is supported");
        }
        if (it == MapType.PROG_ARRAY) {
            throw fail(attr, Errno.ENOTSUPP, "BPF_MAP_TYPE_PROG_ARRAY cannot be an inner map");
        }
    }

    /** map_check_btf for a value with a bpf_spin_lock. */
    private static void checkSpinLock(MapAttr attr) {
        if ((attr.flags() & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) != 0) {
            throw fail(attr, Errno.EACCES, "a value with a bpf_spin_lock cannot be BPF_F_RDONLY_PROG/WRONLY_PROG");
        }
        if (!SPIN_LOCK_TYPES.contains(attr.type())) {
            throw fail(attr, Errno.EOPNOTSUPP, "bpf_spin_lock is not allowed in " + attr.type().kernelName());
        }
        int off = attr.spinLockOffset();
        if ((off & 3) != 0 || u32(off) + 4 > u32(attr.valueSize())) {
            throw fail(attr, Errno.EINVAL, "bpf_spin_lock at offset " + off + " does not fit the value");
        }
    }
}
