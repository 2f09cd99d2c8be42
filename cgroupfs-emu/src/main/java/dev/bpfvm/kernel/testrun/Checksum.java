package dev.bpfvm.kernel.testrun;

/**
 * Internet checksum arithmetic as the kernel's csum_* functions do it, on values as they are in
 * memory (the one's complement sum does not depend on byte order, so little-endian loads of
 * big-endian fields give the right bytes back).
 */
final class Checksum {
    private Checksum() {}

    /** csum_add: 32-bit one's complement addition. */
    static long add32(long a, long b) {
        long s = (a & 0xffffffffL) + (b & 0xffffffffL);
        return (s + (s >>> 32)) & 0xffffffffL;
    }

    /** csum_fold: 32 bits to 16, complemented. */
    static int fold(long csum) {
        long s = csum & 0xffffffffL;
        s = (s & 0xffff) + (s >>> 16);
        s = (s & 0xffff) + (s >>> 16);
        return (int) (~s & 0xffff);
    }

    /** csum_replace_by_diff: the field {@code sum} after adding the 32-bit checksum difference {@code diff}. */
    static int replaceByDiff(int sum, int diff) {
        return fold(add32(diff & 0xffffffffL, ~(sum & 0xffffL) & 0xffffffffL));
    }

    /** csum_replace4: the field {@code sum} after a 32-bit (or 16-bit) word changed from {@code from} to {@code to}. */
    static int replace4(int sum, int from, int to) {
        long tmp = add32(~(sum & 0xffffL) & 0xffffffffL, ~from & 0xffffffffL);   // csum_sub(~csum_unfold(sum), from)
        return fold(add32(tmp, to & 0xffffffffL));
    }

    static long le32(byte[] b, int i) {
        return (b[i] & 0xffL) | (b[i + 1] & 0xffL) << 8 | (b[i + 2] & 0xffL) << 16 | (b[i + 3] & 0xffL) << 24;
    }
}
