package dev.bpfvm.vm.jit;

import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The fast paths of compiled memory accesses: little-endian reads and writes of a region's
 * backing array once the generated code has checked the access against a cached
 * {@link Window}, and the building of those windows. Anything a window does not cover goes
 * through {@link AddressSpace#load}/{@link AddressSpace#store}, which fault exactly as in the
 * interpreter.
 */
final class MemoryAccess {
    private MemoryAccess() {}

    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static long ld8(byte[] a, int i) {
        return a[i] & 0xffL;
    }

    static long ld16(byte[] a, int i) {
        return ((short) I16.get(a, i)) & 0xffffL;
    }

    static long ld32(byte[] a, int i) {
        return ((int) I32.get(a, i)) & 0xffffffffL;
    }

    static long ld64(byte[] a, int i) {
        return (long) I64.get(a, i);
    }

    static void st8(byte[] a, int i, long v) {
        a[i] = (byte) v;
    }

    static void st16(byte[] a, int i, long v) {
        I16.set(a, i, (short) v);
    }

    static void st32(byte[] a, int i, long v) {
        I32.set(a, i, (int) v);
    }

    static void st64(byte[] a, int i, long v) {
        I64.set(a, i, v);
    }

    /**
     * A stretch of one region where plain reads (and writes) need no check beyond the window's
     * bounds: the whole region, or for a region of elements the usable part of one element. An
     * access at BPF address {@code a} of {@code n} bytes is covered when
     * {@code lo <= a <= readEnd - n} (or {@code writeEnd}); it then touches
     * {@code data[bias + (int) a]} (the low half of an address is the region offset). An end
     * below {@code lo} covers nothing.
     */
    static final class Window {
        static final Window EMPTY = new Window(1, 0, 0, new byte[0], 0);

        final long lo;
        final long readEnd;
        final long writeEnd;
        final byte[] data;
        final int bias;

        Window(long lo, long readEnd, long writeEnd, byte[] data, int bias) {
            this.lo = lo;
            this.readEnd = readEnd;
            this.writeEnd = writeEnd;
            this.data = data;
            this.bias = bias;
        }
    }

    /** The window around {@code address} (an access there just succeeded), or {@link Window#EMPTY}. */
    static Window window(JitState s, long address) {
        Region r = s.mem.regionAt(address);
        int off = (int) address;
        if (r == null || r.hooks() != null || off < 0 || off >= r.length()) {
            return Window.EMPTY;
        }
        int lo = 0;
        int hi = r.length();
        if (r.stride() != 0) {
            lo = off - off % r.stride();
            hi = (int) Math.min(hi, (long) lo + r.elemSize());
        }
        long start = AddressSpace.address(r.index(), lo);
        long end = start + (hi - lo);
        return new Window(start, r.readable() ? end : 0, r.writable() ? end : 0, r.data(), r.base());
    }

    /**
     * How many iterations {@code k = 0, 1, ...} (at most {@code n}) of a loop access
     * {@code [a0 + k·s, +size)} inside the window {@code [lo, end)}: 0 if the first is outside.
     * The window lies in one region, so {@code end - lo < 2^32} and nothing here overflows.
     */
    static long limitTrips(long n, long a0, long s, long lo, long end, int size) {
        long last = end - size;
        if (a0 < lo || a0 > last) {
            return 0;
        }
        long t;
        if (s == 0) {
            return n;
        } else if (s > 0) {
            t = (last - a0) / s + 1;
        } else if (s == Long.MIN_VALUE) {
            t = 1;
        } else {
            t = (a0 - lo) / -s + 1;
        }
        return Math.min(n, t);
    }

    /** An iteration count as the fast loop's int bound. */
    static int clampTrips(long n) {
        return (int) Math.min(n, Integer.MAX_VALUE);
    }
}
