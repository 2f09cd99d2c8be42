package dev.bpfvm.vm.exec;

/**
 * The one home of the instruction semantics that are easy to get wrong. The interpreter calls
 * these, and JIT code {@code invokestatic}s the same methods, so the tiers cannot drift.
 *
 * <p>Conventions: 32-bit variants take and return {@code long} register values; their result is
 * already zero-extended into 64 bits (RFC 9669 section 4.1).
 */
public final class Semantics {
    private Semantics() {}

    /** Zero-extends the low 32 bits. */
    public static long zext32(long v) {
        return v & 0xffffffffL;
    }

    // --- division and modulo (RFC 9669: div by 0 → 0, mod by 0 → dst unchanged) ---

    public static long udiv64(long dst, long src) {
        return src == 0 ? 0 : Long.divideUnsigned(dst, src);
    }

    public static long umod64(long dst, long src) {
        return src == 0 ? dst : Long.remainderUnsigned(dst, src);
    }

    public static long udiv32(long dst, long src) {
        int s = (int) src;
        return s == 0 ? 0 : zext32(Integer.divideUnsigned((int) dst, s));
    }

    public static long umod32(long dst, long src) {
        int s = (int) src;
        return s == 0 ? zext32(dst) : zext32(Integer.remainderUnsigned((int) dst, s));
    }

    /** Signed division truncating toward zero; LONG_MIN / -1 = LONG_MIN (Java already wraps). */
    public static long sdiv64(long dst, long src) {
        return src == 0 ? 0 : dst / src;
    }

    /** Signed modulo, sign follows the dividend; LONG_MIN % -1 = 0. */
    public static long smod64(long dst, long src) {
        return src == 0 ? dst : dst % src;
    }

    public static long sdiv32(long dst, long src) {
        int s = (int) src;
        return s == 0 ? 0 : zext32(((int) dst) / s);
    }

    public static long smod32(long dst, long src) {
        int s = (int) src;
        return s == 0 ? zext32(dst) : zext32(((int) dst) % s);
    }

    // --- shifts (count masked to 63 / 31) ---

    public static long lsh64(long dst, long src) {
        return dst << (src & 63);
    }

    public static long rsh64(long dst, long src) {
        return dst >>> (src & 63);
    }

    public static long arsh64(long dst, long src) {
        return dst >> (src & 63);
    }

    public static long lsh32(long dst, long src) {
        return zext32(((int) dst) << (src & 31));
    }

    public static long rsh32(long dst, long src) {
        return zext32(((int) dst) >>> (src & 31));
    }

    public static long arsh32(long dst, long src) {
        return zext32(((int) dst) >> (src & 31));
    }

    // --- sign extension (movsx, ldsx) ---

    public static long sext8(long v) {
        return (byte) v;
    }

    public static long sext16(long v) {
        return (short) v;
    }

    public static long sext32(long v) {
        return (int) v;
    }

    /** movsx: off 8/16/32 selects the source width; 64-bit destination. */
    public static long movsx64(long src, int off) {
        switch (off) {
            case 8: return (byte) src;
            case 16: return (short) src;
            case 32: return (int) src;
            default: return src;
        }
    }

    /** 32-bit movsx (off 8/16): sign-extend into 32 bits, then zero-extend into 64. */
    public static long movsx32(long src, int off) {
        switch (off) {
            case 8: return zext32((byte) src);
            case 16: return zext32((short) src);
            default: return zext32(src);
        }
    }

    // --- byte order (memory is little-endian, as on x86-64 and arm64 hosts) ---

    /** {@code le16/32/64}: on a little-endian machine, truncation to the width. */
    public static long toLe(long v, int bits) {
        switch (bits) {
            case 16: return v & 0xffffL;
            case 32: return v & 0xffffffffL;
            default: return v;
        }
    }

    /** {@code be16/32/64} and {@code bswap16/32/64}: swap the low {@code bits}, zero-extended. */
    public static long bswap(long v, int bits) {
        switch (bits) {
            case 16: return Short.reverseBytes((short) v) & 0xffffL;
            case 32: return Integer.reverseBytes((int) v) & 0xffffffffL;
            default: return Long.reverseBytes(v);
        }
    }

    // --- jump conditions: JMP compares 64 bits, JMP32 the low 32 ---

    /**
     * Evaluates a conditional jump operation ({@code Opcodes.JEQ}...{@code JSLE}) on 64-bit
     * operands.
     */
    public static boolean cond64(int op, long a, long b) {
        switch (op) {
            case 0x10: return a == b;                               // JEQ
            case 0x20: return Long.compareUnsigned(a, b) > 0;       // JGT
            case 0x30: return Long.compareUnsigned(a, b) >= 0;      // JGE
            case 0x40: return (a & b) != 0;                         // JSET
            case 0x50: return a != b;                               // JNE
            case 0x60: return a > b;                                // JSGT
            case 0x70: return a >= b;                               // JSGE
            case 0xa0: return Long.compareUnsigned(a, b) < 0;       // JLT
            case 0xb0: return Long.compareUnsigned(a, b) <= 0;      // JLE
            case 0xc0: return a < b;                                // JSLT
            case 0xd0: return a <= b;                               // JSLE
            default: throw new IllegalArgumentException("not a condition: 0x" + Integer.toHexString(op));
        }
    }

    public static boolean cond32(int op, long a, long b) {
        int x = (int) a;
        int y = (int) b;
        switch (op) {
            case 0x10: return x == y;
            case 0x20: return Integer.compareUnsigned(x, y) > 0;
            case 0x30: return Integer.compareUnsigned(x, y) >= 0;
            case 0x40: return (x & y) != 0;
            case 0x50: return x != y;
            case 0x60: return x > y;
            case 0x70: return x >= y;
            case 0xa0: return Integer.compareUnsigned(x, y) < 0;
            case 0xb0: return Integer.compareUnsigned(x, y) <= 0;
            case 0xc0: return x < y;
            case 0xd0: return x <= y;
            default: throw new IllegalArgumentException("not a condition: 0x" + Integer.toHexString(op));
        }
    }

    /** The arithmetic part of an atomic op: the new memory value from old and operand. */
    public static long atomicApply(int imm, long old, long operand) {
        switch (imm & ~0x01) {
            case 0x00: return old + operand;
            case 0x40: return old | operand;
            case 0x50: return old & operand;
            case 0xa0: return old ^ operand;
            case 0xe0: return operand;
            default: throw new IllegalArgumentException("atomic op 0x" + Integer.toHexString(imm));
        }
    }
}
