package dev.bpfvm.helpers;

import static dev.bpfvm.vm.spi.ArgType.ANYTHING;
import static dev.bpfvm.vm.spi.ArgType.CONST_ALLOC_SIZE_OR_ZERO;
import static dev.bpfvm.vm.spi.ArgType.CONST_MAP_PTR;
import static dev.bpfvm.vm.spi.ArgType.CONST_SIZE_OR_ZERO;
import static dev.bpfvm.vm.spi.ArgType.PTR_TO_DYNPTR;
import static dev.bpfvm.vm.spi.ArgType.PTR_TO_RDONLY_MEM;
import static dev.bpfvm.vm.spi.ArgType.PTR_TO_UNINIT_MEM;

import dev.bpfvm.maps.RingBufMap;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.spi.HelperFunction;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.RetType;

/**
 * Dynptr helpers over local memory and ring buffer records (#197-#203). A dynptr is Linux's
 * {@code struct bpf_dynptr_kern} in the program's stack: the data pointer at 0, at 8 a u32 whose
 * low 24 bits are the size, bits 28-30 the type and bit 31 read-only, at 12 the offset. A NULL
 * dynptr (data 0, size 0) is what a failed initialization leaves.
 */
public final class DynptrHelpers {
    public static final int BPF_FUNC_dynptr_from_mem = 197;
    public static final int BPF_FUNC_ringbuf_reserve_dynptr = 198;
    public static final int BPF_FUNC_ringbuf_submit_dynptr = 199;
    public static final int BPF_FUNC_ringbuf_discard_dynptr = 200;
    public static final int BPF_FUNC_dynptr_read = 201;
    public static final int BPF_FUNC_dynptr_write = 202;
    public static final int BPF_FUNC_dynptr_data = 203;

    /** Linux's enum bpf_dynptr_type. */
    static final int TYPE_LOCAL = 1;
    static final int TYPE_RINGBUF = 2;
    /** DYNPTR_MAX_SIZE: the size field's 24 bits. */
    static final long MAX_SIZE = (1 << 24) - 1;
    private static final int TYPE_SHIFT = 28;
    private static final int RDONLY_BIT = 1 << 31;

    private DynptrHelpers() {}

    public static void register(HelperRegistry r) {
        add(r, BPF_FUNC_dynptr_from_mem, "bpf_dynptr_from_mem",
                HelperProto.of(RetType.INTEGER, PTR_TO_UNINIT_MEM, CONST_SIZE_OR_ZERO, ANYTHING, PTR_TO_DYNPTR),
                DynptrHelpers::fromMem);
        add(r, BPF_FUNC_ringbuf_reserve_dynptr, "bpf_ringbuf_reserve_dynptr",
                HelperProto.of(RetType.INTEGER, CONST_MAP_PTR, ANYTHING, ANYTHING, PTR_TO_DYNPTR),
                DynptrHelpers::reserve);
        add(r, BPF_FUNC_ringbuf_submit_dynptr, "bpf_ringbuf_submit_dynptr",
                HelperProto.of(RetType.VOID, PTR_TO_DYNPTR, ANYTHING),
                (c, p, flags, r3, r4, r5) -> commit(c, p, flags, false));
        add(r, BPF_FUNC_ringbuf_discard_dynptr, "bpf_ringbuf_discard_dynptr",
                HelperProto.of(RetType.VOID, PTR_TO_DYNPTR, ANYTHING),
                (c, p, flags, r3, r4, r5) -> commit(c, p, flags, true));
        add(r, BPF_FUNC_dynptr_read, "bpf_dynptr_read",
                HelperProto.of(RetType.INTEGER, PTR_TO_UNINIT_MEM, CONST_SIZE_OR_ZERO, PTR_TO_DYNPTR, ANYTHING, ANYTHING),
                DynptrHelpers::read);
        add(r, BPF_FUNC_dynptr_write, "bpf_dynptr_write",
                HelperProto.of(RetType.INTEGER, PTR_TO_DYNPTR, ANYTHING, PTR_TO_RDONLY_MEM, CONST_SIZE_OR_ZERO, ANYTHING),
                DynptrHelpers::write);
        add(r, BPF_FUNC_dynptr_data, "bpf_dynptr_data",
                HelperProto.of(RetType.PTR_TO_MEM_OR_NULL, PTR_TO_DYNPTR, ANYTHING, CONST_ALLOC_SIZE_OR_ZERO),
                DynptrHelpers::data);
    }

    private static void add(HelperRegistry r, int id, String name, HelperProto proto, HelperFunction fn) {
        r.register(new HelperSpec(id, name, proto, fn));
    }

    static void init(AddressSpace mem, long ptr, long data, int type, long size) {
        mem.store(ptr, 8, data);
        mem.store(ptr + 8, 4, size | (long) type << TYPE_SHIFT);
        mem.store(ptr + 12, 4, 0);
    }

    static void setNull(AddressSpace mem, long ptr) {
        mem.store(ptr, 8, 0);
        mem.store(ptr + 8, 8, 0);
    }

    static long dataOf(AddressSpace mem, long ptr) {
        return mem.load(ptr, 8);
    }

    static long sizeOf(AddressSpace mem, long ptr) {
        return mem.load(ptr + 8, 4) & MAX_SIZE;
    }

    static long offsetOf(AddressSpace mem, long ptr) {
        return mem.load(ptr + 12, 4);
    }

    static boolean rdonly(AddressSpace mem, long ptr) {
        return (mem.load(ptr + 8, 4) & (RDONLY_BIT & 0xffffffffL)) != 0;
    }

    /**
     * The argument checks of a dynptr constructor: -E2BIG for a size past the dynptr's limit,
     * -EINVAL for flags; either way the dynptr at {@code ptr} is set NULL. 0 when both are fine.
     */
    private static long checkNew(AddressSpace mem, long size, long flags, long ptr) {
        if (size > MAX_SIZE) {
            setNull(mem, ptr);
            return Errno.E2BIG.negative();
        }
        if (flags != 0) {
            setNull(mem, ptr);
            return Errno.EINVAL.negative();
        }
        return 0;
    }

    static long fromMem(ExecContext c, long data, long size, long flags, long ptr, long r5) {
        AddressSpace mem = c.memory();
        long bad = checkNew(mem, size, flags, ptr);
        if (bad != 0) {
            return bad;
        }
        init(mem, ptr, data, TYPE_LOCAL, size);
        return 0;
    }

    static long reserve(ExecContext c, long map, long size, long flags, long ptr, long r5) {
        AddressSpace mem = c.memory();
        long bad = checkNew(mem, size, flags, ptr);
        if (bad != 0) {
            return bad;
        }
        long sample = MapHelpers.map(c, map, RingBufMap.class, "bpf_ringbuf_reserve_dynptr").reserve(c, size, 0);
        if (sample == 0) {
            setNull(mem, ptr);
            return Errno.ENOMEM.negative();
        }
        init(mem, ptr, sample, TYPE_RINGBUF, size);
        return 0;
    }

    static long commit(ExecContext c, long ptr, long flags, boolean discard) {
        AddressSpace mem = c.memory();
        long data = dataOf(mem, ptr);
        if (data == 0) {
            return 0;
        }
        MapHelpers.ringbufCommit(c, data, flags, discard);
        setNull(mem, ptr);
        return 0;
    }

    /** bpf_dynptr_check_off_len: 0, or the negative errno. */
    private static long checkOffLen(AddressSpace mem, long ptr, long offset, long len) {
        long size = sizeOf(mem, ptr);
        if (len > size || offset > size - len) {
            return Errno.E2BIG.negative();
        }
        return 0;
    }

    static long read(ExecContext c, long dst, long len, long src, long offset, long flags) {
        AddressSpace mem = c.memory();
        long err = dataOf(mem, src) == 0 || flags != 0 ? Errno.EINVAL.negative()
                : checkOffLen(mem, src, offset & 0xffffffffL, len & 0xffffffffL);
        if (err != 0) {
            if (len > 0) {
                mem.write(dst, new byte[(int) len], 0, (int) len);
            }
            return err;
        }
        copy(mem, dst, dataOf(mem, src) + offsetOf(mem, src) + (offset & 0xffffffffL), (int) len);
        return 0;
    }

    static long write(ExecContext c, long dst, long offset, long src, long len, long flags) {
        AddressSpace mem = c.memory();
        if (dataOf(mem, dst) == 0 || rdonly(mem, dst) || flags != 0) {
            return Errno.EINVAL.negative();
        }
        long err = checkOffLen(mem, dst, offset & 0xffffffffL, len & 0xffffffffL);
        if (err != 0) {
            return err;
        }
        copy(mem, dataOf(mem, dst) + offsetOf(mem, dst) + (offset & 0xffffffffL), src, (int) len);
        return 0;
    }

    static long data(ExecContext c, long ptr, long offset, long len, long r4, long r5) {
        AddressSpace mem = c.memory();
        if (dataOf(mem, ptr) == 0 || rdonly(mem, ptr)
                || checkOffLen(mem, ptr, offset & 0xffffffffL, len & 0xffffffffL) != 0) {
            return 0;
        }
        return dataOf(mem, ptr) + offsetOf(mem, ptr) + (offset & 0xffffffffL);
    }

    private static void copy(AddressSpace mem, long dst, long src, int len) {
        if (len <= 0) {
            return;
        }
        byte[] buf = mem.read(src, len);
        mem.write(dst, buf, 0, len);
    }

    // ---- kfuncs (registered by GenericKfuncs) ----

    /** bpf_dynptr_slice(_rdwr): a pointer into the data (local and ring buffer dynptrs need no copy), or NULL. */
    static long slice(ExecContext c, long ptr, long offset, long len, boolean rdwr) {
        AddressSpace mem = c.memory();
        if (dataOf(mem, ptr) == 0 || (rdwr && rdonly(mem, ptr))
                || checkOffLen(mem, ptr, offset & 0xffffffffL, len & 0xffffffffL) != 0) {
            return 0;
        }
        return dataOf(mem, ptr) + offsetOf(mem, ptr) + (offset & 0xffffffffL);
    }

    /** bpf_dynptr_adjust: the view becomes [start, end) of the current one. */
    static long adjust(ExecContext c, long ptr, long start, long end, long r4, long r5) {
        AddressSpace mem = c.memory();
        long s = start & 0xffffffffL;
        long e = end & 0xffffffffL;
        if (dataOf(mem, ptr) == 0 || s > e) {
            return Errno.EINVAL.negative();
        }
        if (e > sizeOf(mem, ptr)) {
            return Errno.ERANGE.negative();
        }
        long word = mem.load(ptr + 8, 4);
        mem.store(ptr + 8, 4, (word & ~MAX_SIZE) | (e - s));
        mem.store(ptr + 12, 4, offsetOf(mem, ptr) + s);
        return 0;
    }

    static long isNull(ExecContext c, long ptr, long r2, long r3, long r4, long r5) {
        return dataOf(c.memory(), ptr) == 0 ? 1 : 0;
    }

    static long isRdonly(ExecContext c, long ptr, long r2, long r3, long r4, long r5) {
        return dataOf(c.memory(), ptr) != 0 && rdonly(c.memory(), ptr) ? 1 : 0;
    }

    static long size(ExecContext c, long ptr, long r2, long r3, long r4, long r5) {
        AddressSpace mem = c.memory();
        return dataOf(mem, ptr) == 0 ? Errno.EINVAL.negative() : sizeOf(mem, ptr);
    }
}
