package dev.bpfvm.helpers;

import static dev.bpfvm.vm.spi.ArgType.ANYTHING;
import static dev.bpfvm.vm.spi.ArgType.CONST_MAP_PTR;
import static dev.bpfvm.vm.spi.ArgType.CONST_ALLOC_SIZE_OR_ZERO;
import static dev.bpfvm.vm.spi.ArgType.CONST_SIZE_OR_ZERO;
import static dev.bpfvm.vm.spi.ArgType.PTR_TO_ALLOC_MEM;
import static dev.bpfvm.vm.spi.ArgType.PTR_TO_BTF_ID_OR_NULL;
import static dev.bpfvm.vm.spi.ArgType.PTR_TO_CTX;
import static dev.bpfvm.vm.spi.ArgType.PTR_TO_FUNC;
import static dev.bpfvm.vm.spi.ArgType.PTR_TO_RDONLY_MEM;
import static dev.bpfvm.vm.spi.ArgType.PTR_TO_MAP_KEY;
import static dev.bpfvm.vm.spi.ArgType.PTR_TO_MAP_VALUE;
import static dev.bpfvm.vm.spi.ArgType.PTR_TO_MAP_VALUE_OR_NULL;
import static dev.bpfvm.vm.spi.ArgType.PTR_TO_SPIN_LOCK;
import static dev.bpfvm.vm.spi.ArgType.PTR_TO_STACK_OR_NULL;
import static dev.bpfvm.vm.spi.ArgType.PTR_TO_UNINIT_MAP_VALUE;

import dev.bpfvm.maps.LocalStorageMap;
import dev.bpfvm.maps.PerfEventArrayMap;
import dev.bpfvm.maps.ProgArrayMap;
import dev.bpfvm.maps.RingBufMap;
import dev.bpfvm.maps.SpinLocks;
import dev.bpfvm.maps.StorageOwner;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.HelperFunction;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.MapLookupFunction;
import dev.bpfvm.vm.spi.RetType;
import java.util.List;

/**
 * The map helpers, by their kernel numbers and names, with the kernel's prototypes. A map
 * argument is the address of the map's handle region ({@link BpfMap#address()}); the helpers
 * resolve it through the region's owner.
 */
public final class MapHelpers {
    private MapHelpers() {}

    public static final int BPF_FUNC_map_lookup_elem = 1;
    public static final int BPF_FUNC_map_update_elem = 2;
    public static final int BPF_FUNC_map_delete_elem = 3;
    public static final int BPF_FUNC_tail_call = 12;
    public static final int BPF_FUNC_perf_event_output = 25;
    public static final int BPF_FUNC_map_push_elem = 87;
    public static final int BPF_FUNC_map_pop_elem = 88;
    public static final int BPF_FUNC_map_peek_elem = 89;
    public static final int BPF_FUNC_spin_lock = 93;
    public static final int BPF_FUNC_spin_unlock = 94;
    public static final int BPF_FUNC_ringbuf_output = 130;
    public static final int BPF_FUNC_ringbuf_reserve = 131;
    public static final int BPF_FUNC_ringbuf_submit = 132;
    public static final int BPF_FUNC_ringbuf_discard = 133;
    public static final int BPF_FUNC_ringbuf_query = 134;
    public static final int BPF_FUNC_task_storage_get = 156;
    public static final int BPF_FUNC_task_storage_delete = 157;
    public static final int BPF_FUNC_for_each_map_elem = 164;
    public static final int BPF_FUNC_map_lookup_percpu_elem = 195;
    public static final int BPF_FUNC_cgrp_storage_get = 210;
    public static final int BPF_FUNC_cgrp_storage_delete = 211;

    /** Registers every map helper. */
    public static HelperRegistry register(HelperRegistry registry) {
        add(registry, BPF_FUNC_map_lookup_elem, "bpf_map_lookup_elem",
                HelperProto.of(RetType.PTR_TO_MAP_VALUE_OR_NULL, CONST_MAP_PTR, PTR_TO_MAP_KEY),
                (MapLookupFunction) (c, r1, r2, r3, r4, r5) -> map(c, r1).lookupElem(c, r2));
        add(registry, BPF_FUNC_map_update_elem, "bpf_map_update_elem",
                HelperProto.of(RetType.INTEGER, CONST_MAP_PTR, PTR_TO_MAP_KEY, PTR_TO_MAP_VALUE, ANYTHING),
                (c, r1, r2, r3, r4, r5) -> map(c, r1).updateElem(c, r2, r3, r4));
        add(registry, BPF_FUNC_map_delete_elem, "bpf_map_delete_elem",
                HelperProto.of(RetType.INTEGER, CONST_MAP_PTR, PTR_TO_MAP_KEY),
                (c, r1, r2, r3, r4, r5) -> map(c, r1).deleteElem(c, r2));
        add(registry, BPF_FUNC_tail_call, "bpf_tail_call",
                HelperProto.of(RetType.VOID, PTR_TO_CTX, CONST_MAP_PTR, ANYTHING),
                (c, r1, r2, r3, r4, r5) -> map(c, r2, ProgArrayMap.class, "bpf_tail_call").tailCall(c, r3));
        add(registry, BPF_FUNC_perf_event_output, "bpf_perf_event_output",
                new HelperProto(RetType.INTEGER,
                        List.of(PTR_TO_CTX, CONST_MAP_PTR, ANYTHING, PTR_TO_RDONLY_MEM, CONST_SIZE_OR_ZERO), true, false),
                (c, r1, r2, r3, r4, r5) -> map(c, r2, PerfEventArrayMap.class, "bpf_perf_event_output")
                        .output(c, r3, r4, r5));
        add(registry, BPF_FUNC_map_push_elem, "bpf_map_push_elem",
                HelperProto.of(RetType.INTEGER, CONST_MAP_PTR, PTR_TO_MAP_VALUE, ANYTHING),
                (c, r1, r2, r3, r4, r5) -> map(c, r1).pushElem(c, r2, r3));
        add(registry, BPF_FUNC_map_pop_elem, "bpf_map_pop_elem",
                HelperProto.of(RetType.INTEGER, CONST_MAP_PTR, PTR_TO_UNINIT_MAP_VALUE),
                (c, r1, r2, r3, r4, r5) -> map(c, r1).popElem(c, r2));
        add(registry, BPF_FUNC_map_peek_elem, "bpf_map_peek_elem",
                HelperProto.of(RetType.INTEGER, CONST_MAP_PTR, PTR_TO_UNINIT_MAP_VALUE),
                (c, r1, r2, r3, r4, r5) -> map(c, r1).peekElem(c, r2));
        add(registry, BPF_FUNC_spin_lock, "bpf_spin_lock",
                HelperProto.of(RetType.VOID, PTR_TO_SPIN_LOCK),
                (c, r1, r2, r3, r4, r5) -> spinLock(c, r1, true));
        add(registry, BPF_FUNC_spin_unlock, "bpf_spin_unlock",
                HelperProto.of(RetType.VOID, PTR_TO_SPIN_LOCK),
                (c, r1, r2, r3, r4, r5) -> spinLock(c, r1, false));
        add(registry, BPF_FUNC_ringbuf_output, "bpf_ringbuf_output",
                HelperProto.of(RetType.INTEGER, CONST_MAP_PTR, PTR_TO_RDONLY_MEM, CONST_SIZE_OR_ZERO, ANYTHING),
                (c, r1, r2, r3, r4, r5) -> map(c, r1, RingBufMap.class, "bpf_ringbuf_output").output(c, r2, r3, r4));
        add(registry, BPF_FUNC_ringbuf_reserve, "bpf_ringbuf_reserve",
                HelperProto.of(RetType.PTR_TO_ALLOC_MEM_OR_NULL, CONST_MAP_PTR, CONST_ALLOC_SIZE_OR_ZERO, ANYTHING),
                (c, r1, r2, r3, r4, r5) -> map(c, r1, RingBufMap.class, "bpf_ringbuf_reserve").reserve(c, r2, r3));
        add(registry, BPF_FUNC_ringbuf_submit, "bpf_ringbuf_submit",
                HelperProto.of(RetType.VOID, PTR_TO_ALLOC_MEM, ANYTHING),
                (c, r1, r2, r3, r4, r5) -> ringbufCommit(c, r1, r2, false));
        add(registry, BPF_FUNC_ringbuf_discard, "bpf_ringbuf_discard",
                HelperProto.of(RetType.VOID, PTR_TO_ALLOC_MEM, ANYTHING),
                (c, r1, r2, r3, r4, r5) -> ringbufCommit(c, r1, r2, true));
        add(registry, BPF_FUNC_ringbuf_query, "bpf_ringbuf_query",
                HelperProto.of(RetType.INTEGER, CONST_MAP_PTR, ANYTHING),
                (c, r1, r2, r3, r4, r5) -> map(c, r1, RingBufMap.class, "bpf_ringbuf_query").query(r2));
        add(registry, BPF_FUNC_for_each_map_elem, "bpf_for_each_map_elem",
                HelperProto.of(RetType.INTEGER, CONST_MAP_PTR, PTR_TO_FUNC, PTR_TO_STACK_OR_NULL, ANYTHING),
                (c, r1, r2, r3, r4, r5) -> map(c, r1).forEachElem(c, r2, r3, r4));
        add(registry, BPF_FUNC_map_lookup_percpu_elem, "bpf_map_lookup_percpu_elem",
                HelperProto.of(RetType.PTR_TO_MAP_VALUE_OR_NULL, CONST_MAP_PTR, PTR_TO_MAP_KEY, ANYTHING),
                (c, r1, r2, r3, r4, r5) -> map(c, r1).lookupPercpuElem(c, r2, r3 & 0xffffffffL));
        storage(registry, BPF_FUNC_task_storage_get, "bpf_task_storage_get",
                BPF_FUNC_task_storage_delete, "bpf_task_storage_delete");
        storage(registry, BPF_FUNC_cgrp_storage_get, "bpf_cgrp_storage_get",
                BPF_FUNC_cgrp_storage_delete, "bpf_cgrp_storage_delete");
        return registry;
    }

    private static void storage(HelperRegistry registry, int getId, String get, int deleteId, String delete) {
        add(registry, getId, get,
                HelperProto.of(RetType.PTR_TO_MAP_VALUE_OR_NULL, CONST_MAP_PTR, PTR_TO_BTF_ID_OR_NULL,
                        PTR_TO_MAP_VALUE_OR_NULL, ANYTHING),
                (c, r1, r2, r3, r4, r5) -> map(c, r1, LocalStorageMap.class, get).get(c, owner(c, r2, get), r3, r4));
        add(registry, deleteId, delete,
                HelperProto.of(RetType.INTEGER, CONST_MAP_PTR, PTR_TO_BTF_ID_OR_NULL),
                (c, r1, r2, r3, r4, r5) -> map(c, r1, LocalStorageMap.class, delete).delete(c, owner(c, r2, delete)));
    }

    /** The cgroup or task behind a kernel object pointer (null for NULL). */
    private static StorageOwner owner(ExecContext ctx, long address, String helper) {
        if (address == 0) {
            return null;
        }
        Region r = ctx.memory().regionAt(address);
        if (r != null && r.owner() instanceof StorageOwner) {
            return (StorageOwner) r.owner();
        }
        throw new BpfException(Errno.EFAULT, helper + ": 0x" + Long.toHexString(address)
                + " does not point to a cgroup or task");
    }

    private static void add(HelperRegistry registry, int id, String name, HelperProto proto, HelperFunction fn) {
        registry.register(new HelperSpec(id, name, proto, fn));
    }

    /** The map a helper's map argument refers to. */
    static BpfMap map(ExecContext ctx, long address) {
        Region r = ctx.memory().regionAt(address);
        if (r != null && r.kind() == Region.Kind.MAP && r.owner() instanceof BpfMap
                && AddressSpace.offsetOf(address) == 0) {
            return (BpfMap) r.owner();
        }
        throw new BpfException(Errno.EFAULT, "0x" + Long.toHexString(address) + " is not a map");
    }

    /** The map of a helper's map argument, which must be of class {@code type}. */
    static <T> T map(ExecContext ctx, long address, Class<T> type, String helper) {
        BpfMap m = map(ctx, address);
        if (!type.isInstance(m)) {
            throw new BpfException(Errno.EINVAL, helper + ": map '" + m.name() + "' is a "
                    + m.type().kernelName());
        }
        return type.cast(m);
    }

    static long ringbufCommit(ExecContext ctx, long sample, long flags, boolean discard) {
        Region r = ctx.memory().regionAt(sample);
        if (r == null || !(r.owner() instanceof RingBufMap)) {
            throw new BpfException(Errno.EFAULT, (discard ? "bpf_ringbuf_discard" : "bpf_ringbuf_submit")
                    + ": 0x" + Long.toHexString(sample) + " is not a reserved ring buffer record");
        }
        ((RingBufMap) r.owner()).submit(ctx, sample, flags, discard);
        return 0;
    }

    private static long spinLock(ExecContext ctx, long lock, boolean acquire) {
        Region r = ctx.memory().require(lock, 4, true);
        int i = r.base() + AddressSpace.offsetOf(lock);
        if ((i & 3) != 0) {
            throw new BpfException(Errno.EFAULT, "bpf_spin_lock at misaligned address 0x" + Long.toHexString(lock));
        }
        if (acquire) {
            SpinLocks.lock(r.data(), i);
        } else {
            SpinLocks.unlock(r.data(), i);
        }
        return 0;
    }
}
