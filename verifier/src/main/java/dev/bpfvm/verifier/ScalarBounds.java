package dev.bpfvm.verifier;

/**
 * Range arithmetic on scalar registers: keeping the tnum and the four pairs of bounds (s64, u64,
 * s32, u32) consistent with each other, and the transfer functions of every ALU operation. The
 * rules are Linux 6.12's ({@code reg_bounds_sync}, {@code scalar_min_max_*}).
 */
final class ScalarBounds {
    private ScalarBounds() {}

    // ---- unsigned helpers ----

    static long umaxOf(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }

    static long uminOf(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0 ? a : b;
    }

    static int u32maxOf(int a, int b) {
        return Integer.compareUnsigned(a, b) >= 0 ? a : b;
    }

    static int u32minOf(int a, int b) {
        return Integer.compareUnsigned(a, b) <= 0 ? a : b;
    }

    static boolean ugt(long a, long b) {
        return Long.compareUnsigned(a, b) > 0;
    }

    static boolean ult(long a, long b) {
        return Long.compareUnsigned(a, b) < 0;
    }

    static boolean u32gt(int a, int b) {
        return Integer.compareUnsigned(a, b) > 0;
    }

    static boolean u32lt(int a, int b) {
        return Integer.compareUnsigned(a, b) < 0;
    }

    // ---- tnum <-> bounds ----

    static void update32(RegState r) {
        Tnum t = r.varOff.subreg();
        int v = (int) t.value();
        int m = (int) t.mask();
        r.s32min = Math.max(r.s32min, v | (m & Integer.MIN_VALUE));
        r.s32max = Math.min(r.s32max, v | (m & Integer.MAX_VALUE));
        r.u32min = u32maxOf(r.u32min, v);
        r.u32max = u32minOf(r.u32max, v | m);
    }

    static void update64(RegState r) {
        long v = r.varOff.value();
        long m = r.varOff.mask();
        r.smin = Math.max(r.smin, v | (m & Long.MIN_VALUE));
        r.smax = Math.min(r.smax, v | (m & Long.MAX_VALUE));
        r.umin = umaxOf(r.umin, v);
        r.umax = uminOf(r.umax, v | m);
    }

    static void updateBounds(RegState r) {
        update32(r);
        update64(r);
    }

    private static void deduce32(RegState r) {
        if ((r.umin >>> 32) == (r.umax >>> 32)) {
            r.u32min = u32maxOf(r.u32min, (int) r.umin);
            r.u32max = u32minOf(r.u32max, (int) r.umax);
            if ((int) r.umin <= (int) r.umax) {
                r.s32min = Math.max(r.s32min, (int) r.umin);
                r.s32max = Math.min(r.s32max, (int) r.umax);
            }
        }
        if ((r.smin >> 32) == (r.smax >> 32)) {
            if (Integer.compareUnsigned((int) r.smin, (int) r.smax) <= 0) {
                r.u32min = u32maxOf(r.u32min, (int) r.smin);
                r.u32max = u32minOf(r.u32max, (int) r.smax);
            }
            if ((int) r.smin <= (int) r.smax) {
                r.s32min = Math.max(r.s32min, (int) r.smin);
                r.s32max = Math.min(r.s32max, (int) r.smax);
            }
        }
        // upper halves two consecutive numbers, lower halves crossing from negative to positive
        if ((int) (r.umin >>> 32) + 1 == (int) (r.umax >>> 32)
                && (int) r.umin < 0 && (int) r.umax >= 0) {
            r.s32min = Math.max(r.s32min, (int) r.umin);
            r.s32max = Math.min(r.s32max, (int) r.umax);
        }
        if ((int) (r.smin >> 32) + 1 == (int) (r.smax >> 32)
                && (int) r.smin < 0 && (int) r.smax >= 0) {
            r.s32min = Math.max(r.s32min, (int) r.smin);
            r.s32max = Math.min(r.s32max, (int) r.smax);
        }
        if (r.u32min <= r.u32max) {
            // the u32 range does not cross the sign boundary: it is also an s32 range
            r.s32min = Math.max(r.s32min, r.u32min);
            r.s32max = Math.min(r.s32max, r.u32max);
        }
        if (Integer.compareUnsigned(r.s32min, r.s32max) <= 0) {
            r.u32min = u32maxOf(r.s32min, r.u32min);
            r.u32max = u32minOf(r.s32max, r.u32max);
        } else if (Integer.compareUnsigned(r.u32max, r.s32min) < 0) {
            r.s32min = r.u32min;
            r.u32max = u32minOf(r.u32max, r.s32max);
        } else if (Integer.compareUnsigned(r.s32max, r.u32min) < 0) {
            r.s32max = r.u32max;
            r.u32min = u32maxOf(r.u32min, r.s32min);
        }
    }

    private static void deduce64(RegState r) {
        if (r.umin <= r.umax) {
            r.smin = Math.max(r.smin, r.umin);
            r.smax = Math.min(r.smax, r.umax);
        }
        if (Long.compareUnsigned(r.smin, r.smax) <= 0) {
            r.umin = umaxOf(r.smin, r.umin);
            r.umax = uminOf(r.smax, r.umax);
        } else if (Long.compareUnsigned(r.umax, r.smin) < 0) {
            // the s64 range crosses the sign boundary and the u64 range overlaps only its
            // non-negative part (6.12 stable)
            r.smin = r.umin;
            r.umax = uminOf(r.umax, r.smax);
        } else if (Long.compareUnsigned(r.smax, r.umin) < 0) {
            // ... or only its negative part
            r.smax = r.umax;
            r.umin = umaxOf(r.umin, r.smin);
        }
    }

    private static void deduceMixed(RegState r) {
        long hi = 0xffff_ffff_0000_0000L;
        long newUmin = (r.umin & hi) | Integer.toUnsignedLong(r.u32min);
        long newUmax = (r.umax & hi) | Integer.toUnsignedLong(r.u32max);
        r.umin = umaxOf(r.umin, newUmin);
        r.umax = uminOf(r.umax, newUmax);
        long newSmin = (r.smin & hi) | Integer.toUnsignedLong(r.u32min);
        long newSmax = (r.smax & hi) | Integer.toUnsignedLong(r.u32max);
        r.smin = Math.max(r.smin, newSmin);
        r.smax = Math.min(r.smax, newSmax);
        if (Integer.compareUnsigned(r.s32min, r.s32max) <= 0) {
            newUmin = (r.umin & hi) | Integer.toUnsignedLong(r.s32min);
            newUmax = (r.umax & hi) | Integer.toUnsignedLong(r.s32max);
            r.umin = umaxOf(r.umin, newUmin);
            r.umax = uminOf(r.umax, newUmax);
            newSmin = (r.smin & hi) | Integer.toUnsignedLong(r.s32min);
            newSmax = (r.smax & hi) | Integer.toUnsignedLong(r.s32max);
            r.smin = Math.max(r.smin, newSmin);
            r.smax = Math.min(r.smax, newSmax);
        }
    }

    static void deduceBounds(RegState r) {
        deduce32(r);
        deduce64(r);
        deduceMixed(r);
    }

    /** Learns tnum bits from the unsigned bounds. */
    static void boundOffset(RegState r) {
        Tnum v64 = r.varOff.intersect(Tnum.range(r.umin, r.umax));
        Tnum v32 = v64.subreg().intersect(Tnum.range(r.u32minL(), r.u32maxL()));
        r.varOff = v64.clearSubreg().or(v32);
    }

    /** The kernel's reg_bounds_sync: bring tnum and all bounds into agreement. */
    static void sync(RegState r) {
        updateBounds(r);
        deduceBounds(r);
        deduceBounds(r);
        boundOffset(r);
        updateBounds(r);
    }

    /** Whether the bounds are impossible or disagree with a constant tnum. */
    static String sanityViolation(RegState r) {
        if (ugt(r.umin, r.umax) || r.smin > r.smax || u32gt(r.u32min, r.u32max) || r.s32min > r.s32max) {
            return "range bounds violation";
        }
        if (r.varOff.isConst()) {
            long uval = r.varOff.value();
            if (r.umin != uval || r.umax != uval || r.smin != uval || r.smax != uval) {
                return "const tnum out of sync with range bounds";
            }
        }
        if (r.varOff.subregIsConst()) {
            int v32 = (int) r.varOff.value();
            if (r.u32min != v32 || r.u32max != v32 || r.s32min != v32 || r.s32max != v32) {
                return "const subreg tnum out of sync with range bounds";
            }
        }
        return null;
    }

    // ---- 32 <-> 64 ----

    static void assign32Into64(RegState r) {
        r.umin = r.u32minL();
        r.umax = r.u32maxL();
        if (r.s32min >= 0 && r.s32max >= 0) {
            r.smin = r.s32min;
            r.smax = r.s32max;
        } else {
            r.smin = 0;
            r.smax = 0xffff_ffffL;
        }
    }

    /** The result of a 32-bit ALU operation is zero-extended into 64 bits. */
    static void zext32To64(RegState r) {
        r.varOff = r.varOff.subreg();
        assign32Into64(r);
    }

    /** Truncation to the low {@code size} bytes (narrow loads, {@code (u32)} moves). */
    static void coerceToSize(RegState r, int size) {
        r.varOff = r.varOff.cast(size);
        long mask = (1L << (size * 8)) - 1;
        if ((r.umin & ~mask) == (r.umax & ~mask)) {
            r.umin &= mask;
            r.umax &= mask;
        } else {
            r.umin = 0;
            r.umax = mask;
        }
        r.smin = r.umin;
        r.smax = r.umax;
        if (size < 4) {
            r.mark32Unbounded();
        }
        sync(r);
    }

    private static long signExtend(long v, int size) {
        switch (size) {
            case 1: return (byte) v;
            case 2: return (short) v;
            default: return (int) v;
        }
    }

    /** Sign extension of the low {@code size} bytes into 64 bits (movsx, ldsx). */
    static void coerceToSizeSx(RegState r, int size) {
        if (r.varOff.isConst()) {
            long c = signExtend(r.varOff.value(), size);
            r.varOff = Tnum.constant(c);
            r.smin = r.smax = c;
            r.umin = r.umax = c;
            r.s32min = r.s32max = (int) c;
            r.u32min = r.u32max = (int) c;
            return;
        }
        int bits = size * 8;
        long topMax = (r.smax >>> bits) << bits;
        long topMin = (r.smin >>> bits) << bits;
        if (topMax == topMin) {
            long a = signExtend(r.smax, size);
            long b = signExtend(r.smin, size);
            long hiv = Math.max(a, b);
            long lov = Math.min(a, b);
            if ((hiv >= 0) == (lov >= 0)) {
                r.smin = lov;
                r.s32min = (int) lov;
                r.smax = hiv;
                r.s32max = (int) hiv;
                r.umin = lov;
                r.u32min = (int) lov;
                r.umax = hiv;
                r.u32max = (int) hiv;
                r.varOff = Tnum.range(lov, hiv);
                return;
            }
        }
        setSext64Default(r, size);
    }

    private static void setSext64Default(RegState r, int size) {
        if (size == 1) {
            r.smin = Byte.MIN_VALUE;
            r.smax = Byte.MAX_VALUE;
        } else if (size == 2) {
            r.smin = Short.MIN_VALUE;
            r.smax = Short.MAX_VALUE;
        } else {
            r.smin = Integer.MIN_VALUE;
            r.smax = Integer.MAX_VALUE;
        }
        r.s32min = (int) r.smin;
        r.s32max = (int) r.smax;
        r.umin = 0;
        r.u32min = 0;
        r.umax = -1L;
        r.u32max = -1;
        r.varOff = Tnum.UNKNOWN;
    }

    /** Sign extension within the 32-bit subregister (32-bit movsx). */
    static void coerceSubregToSizeSx(RegState r, int size) {
        if (r.varOff.isConst()) {
            int c = (int) signExtend(r.varOff.value(), size);
            r.varOff = Tnum.constant(c);
            r.s32min = r.s32max = c;
            r.u32min = r.u32max = c;
            return;
        }
        int bits = size * 8;
        int topMax = (r.s32max >>> bits) << bits;
        int topMin = (r.s32min >>> bits) << bits;
        if (topMax == topMin) {
            int a = (int) signExtend(r.s32max, size);
            int b = (int) signExtend(r.s32min, size);
            int hiv = Math.max(a, b);
            int lov = Math.min(a, b);
            if ((lov >= 0) == (hiv >= 0)) {
                r.s32min = lov;
                r.s32max = hiv;
                r.u32min = lov;
                r.u32max = hiv;
                r.varOff = Tnum.range(lov, hiv).subreg();
                return;
            }
        }
        if (size == 1) {
            r.s32min = Byte.MIN_VALUE;
            r.s32max = Byte.MAX_VALUE;
        } else {
            r.s32min = Short.MIN_VALUE;
            r.s32max = Short.MAX_VALUE;
        }
        r.u32min = 0;
        r.u32max = -1;
        r.varOff = Tnum.UNKNOWN.subreg();
    }

    // ---- overflow checks ----

    static boolean addOverflows(long a, long b) {
        long res = a + b;
        return b < 0 ? res > a : res < a;
    }

    static boolean add32Overflows(int a, int b) {
        int res = a + b;
        return b < 0 ? res > a : res < a;
    }

    static boolean subOverflows(long a, long b) {
        long res = a - b;
        return b < 0 ? res < a : res > a;
    }

    static boolean sub32Overflows(int a, int b) {
        int res = a - b;
        return b < 0 ? res < a : res > a;
    }

    // ---- transfer functions (dst op= src), called before the final zext and sync ----

    static void add32(RegState d, RegState s) {
        if (add32Overflows(d.s32min, s.s32min) || add32Overflows(d.s32max, s.s32max)) {
            d.s32min = Integer.MIN_VALUE;
            d.s32max = Integer.MAX_VALUE;
        } else {
            d.s32min += s.s32min;
            d.s32max += s.s32max;
        }
        if (u32lt(d.u32min + s.u32min, s.u32min) || u32lt(d.u32max + s.u32max, s.u32max)) {
            d.u32min = 0;
            d.u32max = -1;
        } else {
            d.u32min += s.u32min;
            d.u32max += s.u32max;
        }
    }

    static void add64(RegState d, RegState s) {
        if (addOverflows(d.smin, s.smin) || addOverflows(d.smax, s.smax)) {
            d.smin = Long.MIN_VALUE;
            d.smax = Long.MAX_VALUE;
        } else {
            d.smin += s.smin;
            d.smax += s.smax;
        }
        if (ult(d.umin + s.umin, s.umin) || ult(d.umax + s.umax, s.umax)) {
            d.umin = 0;
            d.umax = -1L;
        } else {
            d.umin += s.umin;
            d.umax += s.umax;
        }
    }

    static void sub32(RegState d, RegState s) {
        if (sub32Overflows(d.s32min, s.s32max) || sub32Overflows(d.s32max, s.s32min)) {
            d.s32min = Integer.MIN_VALUE;
            d.s32max = Integer.MAX_VALUE;
        } else {
            d.s32min -= s.s32max;
            d.s32max -= s.s32min;
        }
        if (u32lt(d.u32min, s.u32max)) {
            d.u32min = 0;
            d.u32max = -1;
        } else {
            d.u32min -= s.u32max;
            d.u32max -= s.u32min;
        }
    }

    static void sub64(RegState d, RegState s) {
        if (subOverflows(d.smin, s.smax) || subOverflows(d.smax, s.smin)) {
            d.smin = Long.MIN_VALUE;
            d.smax = Long.MAX_VALUE;
        } else {
            d.smin -= s.smax;
            d.smax -= s.smin;
        }
        if (ult(d.umin, s.umax)) {
            d.umin = 0;
            d.umax = -1L;
        } else {
            d.umin -= s.umax;
            d.umax -= s.umin;
        }
    }

    static void mul32(RegState d, RegState s) {
        if (s.s32min < 0 || d.s32min < 0) {
            d.mark32Unbounded();
            return;
        }
        if (u32gt(s.u32max, 0xffff) || u32gt(d.u32max, 0xffff)) {
            d.mark32Unbounded();
            return;
        }
        d.u32min *= s.u32min;
        d.u32max *= s.u32max;
        if (u32gt(d.u32max, Integer.MAX_VALUE)) {
            d.s32min = Integer.MIN_VALUE;
            d.s32max = Integer.MAX_VALUE;
        } else {
            d.s32min = d.u32min;
            d.s32max = d.u32max;
        }
    }

    static void mul64(RegState d, RegState s) {
        if (s.smin < 0 || d.smin < 0) {
            d.mark64Unbounded();
            return;
        }
        if (ugt(s.umax, 0xffff_ffffL) || ugt(d.umax, 0xffff_ffffL)) {
            d.mark64Unbounded();
            return;
        }
        d.umin *= s.umin;
        d.umax *= s.umax;
        if (ugt(d.umax, Long.MAX_VALUE)) {
            d.smin = Long.MIN_VALUE;
            d.smax = Long.MAX_VALUE;
        } else {
            d.smin = d.umin;
            d.smax = d.umax;
        }
    }

    static void and32(RegState d, RegState s) {
        boolean srcKnown = s.varOff.subregIsConst();
        boolean dstKnown = d.varOff.subregIsConst();
        Tnum v32 = d.varOff.subreg();
        if (srcKnown && dstKnown) {
            mark32Known(d, v32.value());
            return;
        }
        d.u32min = (int) v32.value();
        d.u32max = u32minOf(d.u32max, s.u32max);
        if (d.s32min < 0 || s.s32min < 0) {
            d.s32min = Integer.MIN_VALUE;
            d.s32max = Integer.MAX_VALUE;
        } else {
            d.s32min = d.u32min;
            d.s32max = d.u32max;
        }
    }

    static void and64(RegState d, RegState s) {
        boolean srcKnown = s.varOff.isConst();
        boolean dstKnown = d.varOff.isConst();
        if (srcKnown && dstKnown) {
            d.setKnownValue(d.varOff.value());
            return;
        }
        d.umin = d.varOff.value();
        d.umax = uminOf(d.umax, s.umax);
        if (d.smin < 0 || s.smin < 0) {
            d.smin = Long.MIN_VALUE;
            d.smax = Long.MAX_VALUE;
        } else {
            d.smin = d.umin;
            d.smax = d.umax;
        }
        updateBounds(d);
    }

    static void or32(RegState d, RegState s) {
        boolean srcKnown = s.varOff.subregIsConst();
        boolean dstKnown = d.varOff.subregIsConst();
        Tnum v32 = d.varOff.subreg();
        if (srcKnown && dstKnown) {
            mark32Known(d, v32.value());
            return;
        }
        d.u32min = u32maxOf(d.u32min, s.u32min);
        d.u32max = (int) (v32.value() | v32.mask());
        if (d.s32min < 0 || s.s32min < 0) {
            d.s32min = Integer.MIN_VALUE;
            d.s32max = Integer.MAX_VALUE;
        } else {
            d.s32min = d.u32min;
            d.s32max = d.u32max;
        }
    }

    static void or64(RegState d, RegState s) {
        boolean srcKnown = s.varOff.isConst();
        boolean dstKnown = d.varOff.isConst();
        if (srcKnown && dstKnown) {
            d.setKnownValue(d.varOff.value());
            return;
        }
        d.umin = umaxOf(d.umin, s.umin);
        d.umax = d.varOff.value() | d.varOff.mask();
        if (d.smin < 0 || s.smin < 0) {
            d.smin = Long.MIN_VALUE;
            d.smax = Long.MAX_VALUE;
        } else {
            d.smin = d.umin;
            d.smax = d.umax;
        }
        updateBounds(d);
    }

    static void xor32(RegState d, RegState s) {
        boolean srcKnown = s.varOff.subregIsConst();
        boolean dstKnown = d.varOff.subregIsConst();
        Tnum v32 = d.varOff.subreg();
        if (srcKnown && dstKnown) {
            mark32Known(d, v32.value());
            return;
        }
        d.u32min = (int) v32.value();
        d.u32max = (int) (v32.value() | v32.mask());
        if (d.s32min >= 0 && s.s32min >= 0) {
            d.s32min = d.u32min;
            d.s32max = d.u32max;
        } else {
            d.s32min = Integer.MIN_VALUE;
            d.s32max = Integer.MAX_VALUE;
        }
    }

    static void xor64(RegState d, RegState s) {
        boolean srcKnown = s.varOff.isConst();
        boolean dstKnown = d.varOff.isConst();
        if (srcKnown && dstKnown) {
            d.setKnownValue(d.varOff.value());
            return;
        }
        d.umin = d.varOff.value();
        d.umax = d.varOff.value() | d.varOff.mask();
        if (d.smin >= 0 && s.smin >= 0) {
            d.smin = d.umin;
            d.smax = d.umax;
        } else {
            d.smin = Long.MIN_VALUE;
            d.smax = Long.MAX_VALUE;
        }
        updateBounds(d);
    }

    private static void mark32Known(RegState d, long v) {
        d.varOff = d.varOff.constSubreg(v);
        d.s32min = (int) v;
        d.s32max = (int) v;
        d.u32min = (int) v;
        d.u32max = (int) v;
    }

    private static void lsh32Bounds(RegState d, long uminVal, long umaxVal) {
        d.s32min = Integer.MIN_VALUE;
        d.s32max = Integer.MAX_VALUE;
        if (umaxVal > 31 || Long.compareUnsigned(d.u32maxL(), 1L << (31 - umaxVal)) > 0) {
            d.u32min = 0;
            d.u32max = -1;
        } else {
            d.u32min <<= uminVal;
            d.u32max <<= umaxVal;
        }
    }

    static void lsh32(RegState d, RegState s) {
        long umaxVal = s.u32maxL();
        long uminVal = s.u32minL();
        Tnum sub = d.varOff.subreg();
        lsh32Bounds(d, uminVal, umaxVal);
        d.varOff = sub.lsh((int) uminVal).subreg();
        d.mark64Unbounded();
        update32(d);
    }

    private static void lsh64Bounds(RegState d, long uminVal, long umaxVal) {
        if (uminVal == 32 && umaxVal == 32 && d.s32max >= 0) {
            d.smax = (long) d.s32max << 32;
        } else {
            d.smax = Long.MAX_VALUE;
        }
        if (uminVal == 32 && umaxVal == 32 && d.s32min >= 0) {
            d.smin = (long) d.s32min << 32;
        } else {
            d.smin = Long.MIN_VALUE;
        }
        if (ugt(d.umax, 1L << (63 - umaxVal))) {
            d.umin = 0;
            d.umax = -1L;
        } else {
            d.umin <<= uminVal;
            d.umax <<= umaxVal;
        }
    }

    static void lsh64(RegState d, RegState s) {
        long umaxVal = s.umax;
        long uminVal = s.umin;
        lsh64Bounds(d, uminVal, umaxVal);
        lsh32Bounds(d, uminVal, umaxVal);
        d.varOff = d.varOff.lsh((int) uminVal);
        updateBounds(d);
    }

    static void rsh32(RegState d, RegState s) {
        Tnum sub = d.varOff.subreg();
        long umaxVal = s.u32maxL();
        long uminVal = s.u32minL();
        d.s32min = Integer.MIN_VALUE;
        d.s32max = Integer.MAX_VALUE;
        d.varOff = sub.rsh((int) uminVal);
        d.u32min = (int) (d.u32minL() >>> umaxVal);
        d.u32max = (int) (d.u32maxL() >>> uminVal);
        d.mark64Unbounded();
        update32(d);
    }

    static void rsh64(RegState d, RegState s) {
        long umaxVal = s.umax;
        long uminVal = s.umin;
        d.smin = Long.MIN_VALUE;
        d.smax = Long.MAX_VALUE;
        d.varOff = d.varOff.rsh((int) uminVal);
        d.umin >>>= umaxVal;
        d.umax >>>= uminVal;
        d.mark32Unbounded();
        updateBounds(d);
    }

    static void arsh32(RegState d, RegState s) {
        long uminVal = s.u32minL();
        d.s32min = d.s32min >> uminVal;
        d.s32max = d.s32max >> uminVal;
        d.varOff = d.varOff.subreg().arsh((int) uminVal, 32);
        d.u32min = 0;
        d.u32max = -1;
        d.mark64Unbounded();
        update32(d);
    }

    static void arsh64(RegState d, RegState s) {
        long uminVal = s.umin;
        d.smin >>= uminVal;
        d.smax >>= uminVal;
        d.varOff = d.varOff.arsh((int) uminVal, 64);
        d.umin = 0;
        d.umax = -1L;
        d.mark32Unbounded();
        updateBounds(d);
    }
}
