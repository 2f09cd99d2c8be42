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

        /** The region a whole-region window covers (for {@link JitState}'s cache), or null. */
        Region region;

        final long lo;
        final long readEnd;
        final long writeEnd;
        final byte[] data;
        final int bias;
        /**
         * For a register's window over a whole region of elements whose stride is a power of
         * two: {@code stride - 1}, and the element size; an access is then covered only if also
         * {@code ((a - lo) & elemMask) <= elemSize - n}. Otherwise 0 and {@code Long.MAX_VALUE}
         * (always true).
         */
        final long elemMask;
        final long elemSize;

        Window(long lo, long readEnd, long writeEnd, byte[] data, int bias) {
            this(lo, readEnd, writeEnd, data, bias, 0, Long.MAX_VALUE);
        }

        Window(long lo, long readEnd, long writeEnd, byte[] data, int bias, long elemMask, long elemSize) {
            this.lo = lo;
            this.readEnd = readEnd;
            this.writeEnd = writeEnd;
            this.data = data;
            this.bias = bias;
            this.elemMask = elemMask;
            this.elemSize = elemSize;
        }
    }

    /** The window around {@code address} (an access there just succeeded), or {@link Window#EMPTY}. */
    static Window window(JitState s, long address) {
        Region r = s.mem.regionAt(address);
        int off = (int) address;
        if (r == null || r.hooks() != null || off < 0 || off >= r.length()) {
            return Window.EMPTY;
        }
        return windowOf(r, off);
    }

    /**
     * A register's window for offset {@code off} (inside it) of {@code r}, a region without
     * hooks: the whole region, with the element check when its stride is a power of two (so
     * accesses to other elements hit it too), else as {@link #windowOf}.
     */
    private static Window registerWindow(JitState s, Region r, int off) {
        int stride = r.stride();
        if (stride != 0 && (stride & (stride - 1)) != 0) {
            return windowOf(r, off);
        }
        Window[] cache = s.regionWindows;
        int index = r.index();
        if (index < cache.length) {
            Window w = cache[index];
            if (w != null && w.region == r && AddressSpace.indexOf(w.lo) == index) {
                return w;   // the region is still registered where it was: nothing it covers changed
            }
        }
        Window w;
        if (stride == 0) {
            w = windowOf(r, off);
        } else {
            long start = AddressSpace.address(index, 0);
            long end = start + r.length();
            w = new Window(start, r.readable() ? end : 0, r.writable() ? end : 0, r.data(), r.base(),
                    stride - 1, r.elemSize());
        }
        w.region = r;
        if (index < MAX_CACHED_REGION) {
            if (index >= cache.length) {
                cache = java.util.Arrays.copyOf(cache, Math.min(MAX_CACHED_REGION, Math.max(index + 1, 2 * cache.length)));
                s.regionWindows = cache;
            }
            cache[index] = w;
        }
        return w;
    }

    /** Region indexes below this have their whole-region windows kept in {@link JitState#regionWindows}. */
    static final int MAX_CACHED_REGION = 1 << 16;

    /** The window around offset {@code off} (inside it) of {@code r}, a region without hooks. */
    private static Window windowOf(Region r, int off) {
        int lo = 0;
        int hi = r.length();
        if (r.stride() != 0) {
            lo = off - r.withinElement(off);
            hi = (int) Math.min(hi, (long) lo + r.elemSize());
        }
        long start = AddressSpace.address(r.index(), lo);
        long end = start + (hi - lo);
        return new Window(start, r.readable() ? end : 0, r.writable() ? end : 0, r.data(), r.base());
    }

    /**
     * A load a register's window missed: {@link AddressSpace#load} (the same faults), leaving
     * the window around the address in {@link JitState#window}, with one region look-up.
     */
    static long loadMiss(JitState s, long address, int size) {
        AddressSpace m = s.mem;
        Region r = m.regionAt(address);
        if (r == null || r.hooks() != null) {
            long v = m.load(address, size);
            s.window = Window.EMPTY;
            return v;
        }
        m.check(r, address, size, false);
        int off = (int) address;
        s.window = registerWindow(s, r, off);
        return AddressSpace.get(r.data(), r.base() + off, size);
    }

    /** A store a register's window missed: {@link AddressSpace#store}, then as {@link #loadMiss}. */
    static void storeMiss(JitState s, long address, int size, long value) {
        AddressSpace m = s.mem;
        Region r = m.regionAt(address);
        if (r == null || r.hooks() != null) {
            m.store(address, size, value);
            s.window = Window.EMPTY;
            return;
        }
        m.check(r, address, size, true);
        int off = (int) address;
        AddressSpace.put(r.data(), r.base() + off, size, value);
        s.window = registerWindow(s, r, off);
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

    /**
     * How many iterations {@code k = 0, 1, ...} have {@code (v0 + k·s) rel b}, counting from 0
     * up to the first that has not (a lower bound when {@code s} is negative). {@code rel} is a
     * jump op: {@code JLT}/{@code JLE} unsigned, {@code JSLT}/{@code JSLE} signed, {@code JNE}.
     */
    static long tripsWhile(int rel, long v0, long s, long b) {
        boolean now;
        switch (rel) {
            case dev.bpfvm.vm.isa.Opcodes.JLT: now = Long.compareUnsigned(v0, b) < 0; break;
            case dev.bpfvm.vm.isa.Opcodes.JLE: now = Long.compareUnsigned(v0, b) <= 0; break;
            case dev.bpfvm.vm.isa.Opcodes.JSLT: now = v0 < b; break;
            case dev.bpfvm.vm.isa.Opcodes.JSLE: now = v0 <= b; break;
            default: now = v0 != b; break;
        }
        if (!now) {
            return 0;
        }
        if (s == 0) {
            return Long.MAX_VALUE;
        }
        if (s < 0) {
            return 1;
        }
        long d = b - v0;   // the distance to the bound, unsigned, not 0 but for LE/SLE
        long q;
        switch (rel) {
            case dev.bpfvm.vm.isa.Opcodes.JLT:
            case dev.bpfvm.vm.isa.Opcodes.JSLT:
                q = Long.divideUnsigned(d - 1, s);
                break;
            case dev.bpfvm.vm.isa.Opcodes.JLE:
            case dev.bpfvm.vm.isa.Opcodes.JSLE:
                q = Long.divideUnsigned(d, s);
                break;
            default:
                q = Long.divideUnsigned(d, s);
                if (Long.remainderUnsigned(d, s) == 0) {
                    return q;   // k = q lands on the bound
                }
                break;
        }
        return q < 0 || q == Long.MAX_VALUE ? Long.MAX_VALUE : q + 1;
    }

    /** BPF's unsigned 64-bit division by a positive constant {@code c}, as {@code Semantics.udiv64}. */
    static long udivPositive(long x, long c) {
        return x >= 0 ? x / c : Long.divideUnsigned(x, c);
    }

    /** BPF's unsigned 64-bit modulo by a positive constant {@code c}, as {@code Semantics.umod64}. */
    static long umodPositive(long x, long c) {
        return x >= 0 ? x % c : Long.remainderUnsigned(x, c);
    }
}
