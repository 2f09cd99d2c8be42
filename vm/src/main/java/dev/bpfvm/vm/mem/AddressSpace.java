package dev.bpfvm.vm.mem;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayDeque;

/**
 * The memory a BPF program can address: a table of {@link Region}s. A BPF pointer is a plain
 * 64-bit number, {@code (regionIndex << 32) | offset}; index 0 is never used, so 0 and every
 * number below 2^32 are not pointers. Every access is checked against the region's bounds,
 * element layout and permissions, and a bad one throws {@link BpfException} (EFAULT) naming the
 * access; nothing outside a region's bytes can ever be touched.
 *
 * <p>Thread-safe: regions are registered under a lock into a copy-on-grow table that readers see
 * through one volatile read. Memory is little-endian at any alignment; atomics on aligned
 * addresses use {@link VarHandle} atomics, misaligned ones a lock (x86 does allow them).
 */
public final class AddressSpace {
    /** Regions beyond this count are refused (keeps addresses inside 2^63). */
    public static final int MAX_REGIONS = 1 << 30;

    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private volatile Region[] table = new Region[64];
    private int next = 1;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    /** Counts removals: while it stays, every registered region stays where it is. */
    private volatile int removals;

    public static long address(int index, int offset) {
        return ((long) index << 32) | (offset & 0xffffffffL);
    }

    public static int indexOf(long address) {
        return (int) (address >>> 32);
    }

    public static int offsetOf(long address) {
        return (int) address;
    }

    /** Adds a region and returns it, now with its index (and so its addresses) set. */
    public synchronized Region register(Region r) {
        if (r.index != 0) {
            throw new IllegalStateException("region already registered: " + r);
        }
        int idx;
        if (!free.isEmpty() && free.size() > 256) {
            idx = free.poll();   // reuse only with a delay, so a stale pointer rarely hits a new region
        } else {
            if (next >= MAX_REGIONS) {
                throw new BpfException(Errno.ENOMEM, "address space full");
            }
            idx = next++;
        }
        Region[] t = table;
        if (idx >= t.length) {
            Region[] bigger = new Region[Math.max(idx + 1, t.length * 2)];
            System.arraycopy(t, 0, bigger, 0, t.length);
            t = bigger;
        }
        r.index = idx;
        t[idx] = r;
        table = t;
        return r;
    }

    /** Removes a region; its addresses fault from now on. */
    public synchronized void unregister(Region r) {
        int idx = r.index;
        if (idx <= 0) {
            return;
        }
        Region[] t = table;
        if (idx < t.length && t[idx] == r) {
            t[idx] = null;
            table = t;
            free.add(idx);
            removals++;
        }
        r.index = 0;
    }

    /**
     * How many regions have been removed so far: a cache of what {@link #regionAt} answers
     * (compiled code's memory windows) stays valid while this does not change, since a region
     * keeps its index, bytes and permissions for as long as it is registered.
     */
    public int removals() {
        return removals;
    }

    /** The region an address points into, or null. */
    public Region regionAt(long address) {
        long idx = address >>> 32;
        Region[] t = table;
        return idx < t.length ? t[(int) idx] : null;
    }

    /** The region at an address, which must lie inside it; for helpers resolving pointer arguments. */
    public Region require(long address, int size, boolean write) {
        Region r = regionAt(address);
        int off = (int) address;
        check(r, address, off, size, write);
        return r;
    }

    /**
     * Checks an access of {@code size} bytes at {@code address} in {@code r}, the region
     * {@link #regionAt} answers for it, faulting exactly as {@link #load}/{@link #store} do.
     */
    public void check(Region r, long address, int size, boolean write) {
        check(r, address, (int) address, size, write);
    }

    private void check(Region r, long address, int off, int size, boolean write) {
        if (r == null || off < 0 || size < 0 || (long) off + size > r.length
                || (write ? !r.writable() : !r.readable())) {
            throw fault(r, address, size, write);
        }
        if (r.stride != 0) {
            int within = r.withinElement(off);
            if (within + size > r.elemSize) {
                throw fault(r, address, size, write);
            }
        }
    }

    /**
     * The fault for a bad access; public so compiled code can throw the very same thing. An
     * address just below a region (a negative offset borrows from the index) is reported
     * against that region, with its negative offset.
     */
    public BpfException fault(Region r, long address, int size, boolean write) {
        String what = (write ? "write" : "read") + " of " + size + " byte" + (size == 1 ? "" : "s")
                + " at 0x" + Long.toHexString(address);
        String why;
        int low = (int) address;
        Region above = low < 0 ? regionAt(address + (1L << 32)) : null;
        if (above != null) {
            why = "out of bounds of " + above + " at offset " + low;
        } else if (r == null) {
            why = (address >>> 32) == 0 ? "not a pointer" : "no such region";
        } else {
            int off = (int) address;
            if (write && !r.writable() && off >= 0 && (long) off + size <= r.length) {
                why = r + " is read-only";
            } else if (!write && !r.readable() && off >= 0 && (long) off + size <= r.length) {
                why = r + " is not readable";
            } else if (r.stride != 0 && off >= 0 && (long) off + size <= r.length) {
                why = "crosses an element of " + r + " (element " + (off / r.stride) + ", offset "
                        + r.withinElement(off) + ", element size " + r.elemSize + ")";
            } else {
                why = "out of bounds of " + r + " at offset " + off;
            }
        }
        return new BpfException(Errno.EFAULT, "invalid memory " + what + ": " + why);
    }

    // --- loads and stores: values are zero-extended ---

    public long load(long address, int size) {
        Region r = regionAt(address);
        int off = (int) address;
        check(r, address, off, size, false);
        if (r.hooks != null && r.hooks.handlesLoad(off, size)) {
            return r.hooks.load(r, off, size);
        }
        return get(r.data, r.base + off, size);
    }

    public void store(long address, int size, long value) {
        Region r = regionAt(address);
        int off = (int) address;
        check(r, address, off, size, true);
        if (r.hooks != null && r.hooks.store(r, off, size, value)) {
            return;
        }
        put(r.data, r.base + off, size, value);
    }

    public static long get(byte[] a, int i, int size) {
        switch (size) {
            case 1: return a[i] & 0xffL;
            case 2: return ((short) I16.get(a, i)) & 0xffffL;
            case 4: return ((int) I32.get(a, i)) & 0xffffffffL;
            case 8: return (long) I64.get(a, i);
            default: throw new IllegalArgumentException("size " + size);
        }
    }

    public static void put(byte[] a, int i, int size, long v) {
        switch (size) {
            case 1: a[i] = (byte) v; break;
            case 2: I16.set(a, i, (short) v); break;
            case 4: I32.set(a, i, (int) v); break;
            case 8: I64.set(a, i, v); break;
            default: throw new IllegalArgumentException("size " + size);
        }
    }

    /** Copies bytes out of BPF memory (checked), e.g. for a helper reading a buffer argument. */
    public byte[] read(long address, int length) {
        Region r = regionAt(address);
        check(r, address, (int) address, length, false);
        byte[] out = new byte[length];
        System.arraycopy(r.data, r.base + (int) address, out, 0, length);
        return out;
    }

    /** Copies bytes into BPF memory (checked). */
    public void write(long address, byte[] bytes, int from, int length) {
        Region r = regionAt(address);
        check(r, address, (int) address, length, true);
        System.arraycopy(bytes, from, r.data, r.base + (int) address, length);
    }

    // --- atomics (STX | ATOMIC): returns the old value, zero-extended ---

    /** The region of a read-modify-write access, checked for both permissions. */
    private Region readWritable(long address, int size) {
        Region r = regionAt(address);
        check(r, address, (int) address, size, true);
        check(r, address, (int) address, size, false);
        return r;
    }

    /**
     * Applies an atomic read-modify-write ({@code op} is the atomic imm without cmpxchg) and
     * returns the old value.
     */
    public long atomic(long address, int size, int op, long operand) {
        Region r = readWritable(address, size);
        return ByteAtomics.getAndOp(r.data, r.base + (int) address, size, op, operand);
    }

    /** cmpxchg: if memory equals {@code expected} store {@code value}; returns the old value. */
    public long cmpxchg(long address, int size, long expected, long value) {
        Region r = readWritable(address, size);
        return ByteAtomics.compareAndExchange(r.data, r.base + (int) address, size, expected, value);
    }
}
