package dev.bpfvm.vm.spi;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.ExecContext;
import java.util.List;

/**
 * A live BPF map: the one contract that helpers, the verifier and the emulated kernel use.
 *
 * <p><b>Program side.</b> Methods taking an {@link ExecContext} are what helpers call. Keys and
 * values are BPF addresses in the runtime's address space; results follow the kernel helpers:
 * a lookup returns the BPF address of the live value (writes through it are visible to everyone)
 * or 0, other operations return 0 or a negative errno ({@code -ENOENT}, {@code -EEXIST},
 * {@code -E2BIG}, {@code -EINVAL}). Per-CPU maps use {@link ExecContext#cpu()}. A bad key or
 * value pointer is a fault ({@link dev.bpfvm.vm.BpfException}, EFAULT), as a bad memory access.
 * Operations a map type does not have return {@code -EOPNOTSUPP} (lookups return 0).
 *
 * <p><b>User side.</b> Methods taking {@code byte[]} are the {@code bpf()} syscall commands
 * ({@code BPF_MAP_LOOKUP_ELEM}, {@code BPF_MAP_UPDATE_ELEM}, ...). They throw
 * {@link BpfMapException} with the errno Linux returns, and change nothing when they fail. A
 * per-CPU value is seen from user space as every CPU's value in CPU order, each rounded up to 8
 * bytes ({@link #userValueSize()}), as libbpf expects. Keyless maps (queue, stack, bloom filter)
 * take a null key.
 *
 * <p>All methods are thread-safe: programs on several virtual CPUs and user-space calls may run
 * at once on different threads without losing updates.
 */
public interface BpfMap extends AutoCloseable {
    /** Update flags, by the kernel's names. */
    long BPF_ANY = 0;
    long BPF_NOEXIST = 1;
    long BPF_EXIST = 2;
    long BPF_F_LOCK = 4;

    /** The attributes the map was created with (the kernel keeps RDONLY/WRONLY on the fd, not here). */
    MapAttr attr();

    default MapType type() {
        return attr().type();
    }

    default String name() {
        return attr().name();
    }

    default int keySize() {
        return attr().keySize();
    }

    default int valueSize() {
        return attr().valueSize();
    }

    /** max_entries as the map uses it (LRU maps with BPF_F_NO_COMMON_LRU round it to the CPU count). */
    default int maxEntries() {
        return attr().maxEntries();
    }

    default int flags() {
        return attr().flags();
    }

    /** The map id (the kernel's {@code map->id}, as {@code bpftool map} shows it). */
    int id();

    /**
     * The BPF address of this map, what {@code ld_imm64} with {@code BPF_PSEUDO_MAP_FD} loads: a
     * zero-length {@code Region.Kind.MAP} region whose owner is this map.
     */
    long address();

    /** Bytes of one value as user space reads and writes it. */
    int userValueSize();

    /** Whether {@code BPF_MAP_FREEZE} was applied: user-space writes now fail with EPERM. */
    boolean frozen();

    /**
     * {@code BPF_MAP_FREEZE}: from now on user-space writes fail with EPERM (programs may still
     * write unless the map is BPF_F_RDONLY_PROG). ENOTSUPP for values with special fields (a spin
     * lock); EPERM if already frozen or opened read-only (a frozen map has no write permission).
     */
    void freeze();

    /**
     * The address of byte {@code offset} of the single value of a one-element array (what
     * {@code ld_imm64} with {@code BPF_PSEUDO_MAP_VALUE} loads, for global data sections).
     * ENOTSUPP for other maps, EINVAL for an offset beyond the value.
     */
    default long directValueAddress(int offset) {
        throw new BpfMapException(Errno.ENOTSUPP, "map '" + name() + "': no direct value access");
    }

    /**
     * The index lookup compiled code may call instead of {@code bpf_map_lookup_elem} (arrays),
     * or null: every lookup goes through {@link #lookupElem}.
     */
    default InlineLookup inlineLookup() {
        return null;
    }

    /** Frees the map's memory; its addresses fault from now on. Idempotent. */
    @Override
    void close();

    // ---- program side -------------------------------------------------------------------

    /** {@code bpf_map_lookup_elem}: the address of the value for {@code key}, or 0. */
    long lookupElem(ExecContext ctx, long key);

    /** {@code bpf_map_update_elem}: 0 or a negative errno. */
    long updateElem(ExecContext ctx, long key, long value, long flags);

    /** {@code bpf_map_delete_elem}: 0 or a negative errno. */
    long deleteElem(ExecContext ctx, long key);

    /** {@code bpf_map_push_elem} (queue, stack, bloom filter). */
    default long pushElem(ExecContext ctx, long value, long flags) {
        return Errno.EOPNOTSUPP.negative();
    }

    /** {@code bpf_map_pop_elem}: copies the element into {@code value}. */
    default long popElem(ExecContext ctx, long value) {
        return Errno.EOPNOTSUPP.negative();
    }

    /** {@code bpf_map_peek_elem}: copies the element into {@code value} (bloom: tests membership). */
    default long peekElem(ExecContext ctx, long value) {
        return Errno.EOPNOTSUPP.negative();
    }

    /** {@code bpf_map_lookup_percpu_elem}: CPU {@code cpu}'s value of a per-CPU map, or 0. */
    default long lookupPercpuElem(ExecContext ctx, long key, long cpu) {
        return 0;
    }

    /**
     * {@code bpf_for_each_map_elem}: calls {@code callbackFn(map, key, value, callbackCtx)} per
     * element until it returns 1; returns the number of elements visited or a negative errno.
     */
    default long forEachElem(ExecContext ctx, long callbackFn, long callbackCtx, long flags) {
        return Errno.EINVAL.negative();
    }

    // ---- user side (the bpf() syscall) ---------------------------------------------------

    /** {@code BPF_MAP_LOOKUP_ELEM}. For a bloom filter {@code value} is the value to test. */
    byte[] lookup(byte[] key, long flags);

    /** {@code BPF_MAP_LOOKUP_ELEM} without flags. */
    default byte[] lookup(byte[] key) {
        return lookup(key, BPF_ANY);
    }

    /** {@code BPF_MAP_LOOKUP_ELEM} of a bloom filter: tests {@code value} (ENOENT if absent). */
    default void lookupValue(byte[] value) {
        throw new BpfMapException(Errno.EINVAL, "map '" + name() + "': not a bloom filter");
    }

    /** {@code BPF_MAP_UPDATE_ELEM}; for queue, stack and bloom filter a push (key null). */
    void update(byte[] key, byte[] value, long flags);

    /** {@code BPF_MAP_DELETE_ELEM}. */
    void delete(byte[] key);

    /** {@code BPF_MAP_GET_NEXT_KEY}: the key after {@code key}, or the first for null/missing; ENOENT at the end. */
    byte[] nextKey(byte[] key);

    /** {@code BPF_MAP_LOOKUP_AND_DELETE_ELEM} (hash maps; queue/stack pop with a null key). */
    default byte[] lookupAndDelete(byte[] key, long flags) {
        throw new BpfMapException(Errno.ENOTSUPP, "map '" + name() + "': lookup and delete not supported");
    }

    /**
     * {@code BPF_MAP_LOOKUP_BATCH} ({@code delete} false) or {@code BPF_MAP_LOOKUP_AND_DELETE_BATCH}:
     * up to {@code count} elements from {@code inBatch} (null: from the start).
     */
    default BatchResult lookupBatch(byte[] inBatch, int count, long elemFlags, long flags, boolean delete) {
        throw new BpfMapException(Errno.ENOTSUPP, "map '" + name() + "': batch operations not supported");
    }

    /**
     * {@code BPF_MAP_UPDATE_BATCH}: updates pairs in order; returns how many were done. On an error
     * the exception's {@link BpfMapException#completed()} says how many were done before it.
     */
    default int updateBatch(List<byte[]> keys, List<byte[]> values, long elemFlags, long flags) {
        throw new BpfMapException(Errno.ENOTSUPP, "map '" + name() + "': batch operations not supported");
    }

    /** {@code BPF_MAP_DELETE_BATCH}: deletes keys in order; like {@link #updateBatch} on errors. */
    default int deleteBatch(List<byte[]> keys, long elemFlags, long flags) {
        throw new BpfMapException(Errno.ENOTSUPP, "map '" + name() + "': batch operations not supported");
    }
}
