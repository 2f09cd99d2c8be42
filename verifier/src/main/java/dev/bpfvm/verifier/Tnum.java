package dev.bpfvm.verifier;

/**
 * A tracked number: what is known about the bits of a 64-bit value. A bit set in {@link #mask}
 * is unknown; every other bit has the value of the same bit in {@link #value}. The invariant
 * {@code (value & mask) == 0} holds for every tnum these operations produce.
 *
 * <p>Each operation returns a tnum that contains every result the operation can give for any
 * pair of concrete values contained in its operands (the kernel's {@code kernel/bpf/tnum.c}
 * semantics, written here from the definitions).
 *
 * @param value the known bits
 * @param mask  the unknown bits
 */
public record Tnum(long value, long mask) {

    /** Nothing known. */
    public static final Tnum UNKNOWN = new Tnum(0, -1L);

    private static final long LOW32 = 0xffff_ffffL;

    public static Tnum constant(long v) {
        return new Tnum(v, 0);
    }

    /** The smallest tnum containing every value in the unsigned range [min, max]. */
    public static Tnum range(long min, long max) {
        long chi = min ^ max;
        int bits = 64 - Long.numberOfLeadingZeros(chi);
        if (bits > 63) {
            return UNKNOWN;
        }
        long delta = (1L << bits) - 1;
        return new Tnum(min & ~delta, delta);
    }

    public boolean isConst() {
        return mask == 0;
    }

    public boolean isUnknown() {
        return mask == -1L;
    }

    public boolean equalsConst(long v) {
        return mask == 0 && value == v;
    }

    /** The lowest value contained (as unsigned). */
    public long umin() {
        return value;
    }

    /** The highest value contained (as unsigned). */
    public long umax() {
        return value | mask;
    }

    public Tnum lsh(int shift) {
        return new Tnum(value << shift, mask << shift);
    }

    public Tnum rsh(int shift) {
        return new Tnum(value >>> shift, mask >>> shift);
    }

    /**
     * Arithmetic right shift in a 64- or 32-bit register: the sign bit of that width is
     * replicated; a 32-bit result is zero-extended to 64 bits.
     */
    public Tnum arsh(int shift, int bitness) {
        if (bitness == 32) {
            return new Tnum(((int) value >> shift) & LOW32, ((int) mask >> shift) & LOW32);
        }
        return new Tnum(value >> shift, mask >> shift);
    }

    public Tnum add(Tnum b) {
        long sm = mask + b.mask;
        long sv = value + b.value;
        long sigma = sm + sv;
        long chi = sigma ^ sv;
        long mu = chi | mask | b.mask;
        return new Tnum(sv & ~mu, mu);
    }

    public Tnum sub(Tnum b) {
        long dv = value - b.value;
        long alpha = dv + mask;
        long beta = dv - b.mask;
        long chi = alpha ^ beta;
        long mu = chi | mask | b.mask;
        return new Tnum(dv & ~mu, mu);
    }

    public Tnum and(Tnum b) {
        long alpha = value | mask;
        long beta = b.value | b.mask;
        long v = value & b.value;
        return new Tnum(v, alpha & beta & ~v);
    }

    public Tnum or(Tnum b) {
        long v = value | b.value;
        long mu = mask | b.mask;
        return new Tnum(v, mu & ~v);
    }

    public Tnum xor(Tnum b) {
        long v = value ^ b.value;
        long mu = mask | b.mask;
        return new Tnum(v & ~mu, mu);
    }

    /** Multiplication by shift-and-add over the unknown bits of both operands. */
    public Tnum mul(Tnum b) {
        long pi = value * b.value;
        Tnum acc = halfMulAdd(new Tnum(pi, 0), mask, b.mask | b.value);
        return halfMulAdd(acc, b.mask, value);
    }

    /** acc += (unknown * mask * value), one partial product per set bit of {@code m}. */
    private static Tnum halfMulAdd(Tnum acc, long v, long m) {
        while (m != 0) {
            if ((m & 1) != 0) {
                acc = acc.add(new Tnum(0, v));
            }
            m >>>= 1;
            v <<= 1;
        }
        return acc;
    }

    /**
     * What both operands know. Where one says 1 and the other 0 the result says 1 (the values
     * are then disjoint; callers only intersect tnums that share a value).
     */
    public Tnum intersect(Tnum b) {
        long v = value | b.value;
        long mu = mask & b.mask;
        return new Tnum(v & ~mu, mu);
    }

    /** Truncation to the low {@code size} bytes. */
    public Tnum cast(int size) {
        if (size >= 8) {
            return this;
        }
        long m = (1L << (size * 8)) - 1;
        return new Tnum(value & m, mask & m);
    }

    /** The low 32 bits, zero-extended. */
    public Tnum subreg() {
        return cast(4);
    }

    /** This tnum with its low 32 bits known zero. */
    public Tnum clearSubreg() {
        return rsh(32).lsh(32);
    }

    /** The high 32 bits of this with the low 32 bits of {@code sub}. */
    public Tnum withSubreg(Tnum sub) {
        return clearSubreg().or(sub.subreg());
    }

    /** The high 32 bits of this with the low 32 bits known to be {@code v}. */
    public Tnum constSubreg(long v) {
        return withSubreg(constant(v));
    }

    public boolean subregIsConst() {
        return (mask & LOW32) == 0;
    }

    public boolean isAligned(long size) {
        if (size == 0) {
            return true;
        }
        return ((value | mask) & (size - 1)) == 0;
    }

    /** Whether every value contained in {@code b} is contained in this. */
    public boolean contains(Tnum b) {
        if ((b.mask & ~mask) != 0) {
            return false;
        }
        return value == (b.value & ~mask);
    }

    /** Whether the concrete value {@code v} is contained. */
    public boolean contains(long v) {
        return (v & ~mask) == value;
    }

    /** The kernel's {@code tnum_strn}: {@code (0x0; 0xff)}. */
    @Override
    public String toString() {
        return "(" + hex(value) + "; " + hex(mask) + ")";
    }

    /** The kernel's {@code %#llx}: {@code 0x} followed by lower-case hex digits, also for 0. */
    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
