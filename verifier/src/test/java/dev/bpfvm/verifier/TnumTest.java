package dev.bpfvm.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.LongBinaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Tnum operations checked by brute force: every tnum over the low {@value #BITS} bits (3^5 of
 * them) against every other, each result compared with the concrete set of results.
 */
class TnumTest {
    private static final int BITS = 5;

    /** Every tnum whose bits above {@link #BITS} are known zero. */
    private static List<Tnum> allSmall() {
        List<Tnum> out = new ArrayList<>();
        int n = 1;
        for (int i = 0; i < BITS; i++) {
            n *= 3;
        }
        for (int code = 0; code < n; code++) {
            long v = 0;
            long m = 0;
            int c = code;
            for (int bit = 0; bit < BITS; bit++) {
                int t = c % 3;
                c /= 3;
                if (t == 1) {
                    v |= 1L << bit;
                } else if (t == 2) {
                    m |= 1L << bit;
                }
            }
            out.add(new Tnum(v, m));
        }
        return out;
    }

    /** The concrete values a tnum stands for. */
    private static List<Long> members(Tnum t) {
        List<Long> out = new ArrayList<>();
        long m = t.mask();
        // iterate over all subsets of the mask bits
        long sub = 0;
        do {
            out.add(t.value() | sub);
            sub = (sub - m) & m;
        } while (sub != 0);
        return out;
    }

    /** The tightest tnum holding every value of a set. */
    private static Tnum tightest(List<Long> values) {
        long and = -1L;
        long or = 0;
        for (long v : values) {
            and &= v;
            or |= v;
        }
        return new Tnum(and, or ^ and);
    }

    private static void checkBinary(BinaryOperator<Tnum> abstractOp, LongBinaryOperator concrete, boolean exact) {
        List<Tnum> all = allSmall();
        for (Tnum a : all) {
            for (Tnum b : all) {
                Tnum r = abstractOp.apply(a, b);
                if ((r.value() & r.mask()) != 0) {
                    fail(a + " op " + b + " = " + r + " is not well-formed");
                }
                List<Long> results = new ArrayList<>();
                for (long x : members(a)) {
                    for (long y : members(b)) {
                        long z = concrete.applyAsLong(x, y);
                        results.add(z);
                        if (!r.contains(z)) {
                            fail(a + " op " + b + " = " + r + " must contain " + z);
                        }
                    }
                }
                if (exact && !r.equals(tightest(results))) {
                    fail(a + " op " + b + " = " + r + ", the tightest is " + tightest(results));
                }
            }
        }
    }

    @Test
    void addIsSoundAndExact() {
        checkBinary(Tnum::add, Long::sum, true);
    }

    @Test
    void subIsSoundAndExact() {
        checkBinary(Tnum::sub, (x, y) -> x - y, true);
    }

    @Test
    void andOrXorAreExact() {
        checkBinary(Tnum::and, (x, y) -> x & y, true);
        checkBinary(Tnum::or, (x, y) -> x | y, true);
        checkBinary(Tnum::xor, (x, y) -> x ^ y, true);
    }

    @Test
    void mulIsSound() {
        checkBinary(Tnum::mul, (x, y) -> x * y, false);
    }

    @Test
    void mulOfConstantsIsConstant() {
        assertThat(Tnum.constant(7).mul(Tnum.constant(6))).isEqualTo(Tnum.constant(42));
        assertThat(Tnum.constant(-3).mul(Tnum.constant(5))).isEqualTo(Tnum.constant(-15));
    }

    @Test
    void intersectHoldsCommonValues() {
        List<Tnum> all = allSmall();
        for (Tnum a : all) {
            for (Tnum b : all) {
                Tnum r = a.intersect(b);
                for (long x : members(a)) {
                    if (b.contains(x) && !r.contains(x)) {
                        fail(a + " & " + b + " lacks " + x);
                    }
                }
            }
        }
    }

    @Test
    void shiftsAreExactForEveryAmount() {
        for (Tnum a : allSmall()) {
            for (int s = 0; s < 64; s += 7) {
                final int sh = s;
                assertThat(a.lsh(sh)).isEqualTo(tightest(members(a).stream().map(x -> x << sh).toList()));
                assertThat(a.rsh(sh)).isEqualTo(tightest(members(a).stream().map(x -> x >>> sh).toList()));
            }
        }
    }

    @Test
    void arshReplicatesSignOfItsWidth() {
        // high bit unknown in 64 bits
        Tnum t = new Tnum(0, 0x8000_0000_0000_0001L);
        for (int s = 0; s < 64; s++) {
            final int sh = s;
            Tnum r = t.arsh(sh, 64);
            for (long x : members(t)) {
                assertThat(r.contains(x >> sh)).isTrue();
            }
        }
        // 32-bit: sign bit 31, result zero-extended
        Tnum t32 = new Tnum(0x8000_0000L, 0x10L);
        for (int s = 0; s < 32; s++) {
            final int sh = s;
            Tnum r = t32.arsh(sh, 32);
            for (long x : members(t32)) {
                long expect = ((int) x >> sh) & 0xffff_ffffL;
                assertThat(r.contains(expect)).as("shift %d of %x", sh, x).isTrue();
            }
            assertThat(r.value() >>> 32).isZero();
            assertThat(r.mask() >>> 32).isZero();
        }
        assertThat(Tnum.constant(0x8000_0000L).arsh(4, 32)).isEqualTo(Tnum.constant(0xf800_0000L));
        assertThat(Tnum.constant(-16).arsh(2, 64)).isEqualTo(Tnum.constant(-4));
    }

    @Test
    void rangeHoldsEveryValueAndIsTight() {
        for (long lo = 0; lo < 40; lo++) {
            for (long hi = lo; hi < 40; hi++) {
                Tnum r = Tnum.range(lo, hi);
                for (long x = lo; x <= hi; x++) {
                    assertThat(r.contains(x)).isTrue();
                }
            }
        }
        assertThat(Tnum.range(0, 255)).isEqualTo(new Tnum(0, 0xff));
        assertThat(Tnum.range(8, 8)).isEqualTo(Tnum.constant(8));
        assertThat(Tnum.range(4, 7)).isEqualTo(new Tnum(4, 3));
        assertThat(Tnum.range(0, -1L)).isEqualTo(Tnum.UNKNOWN);
        assertThat(Tnum.range(Long.MIN_VALUE, -1L)).isEqualTo(new Tnum(Long.MIN_VALUE, Long.MAX_VALUE));
    }

    @Test
    void castAndSubregs() {
        Tnum t = new Tnum(0x1234_5678_0000_0010L, 0x0000_0000_ffff_0000L);
        assertThat(t.subreg()).isEqualTo(new Tnum(0x10, 0xffff_0000L));
        assertThat(t.cast(1)).isEqualTo(Tnum.constant(0x10));
        assertThat(t.cast(2)).isEqualTo(Tnum.constant(0x10));
        assertThat(t.cast(8)).isEqualTo(t);
        assertThat(t.clearSubreg()).isEqualTo(Tnum.constant(0x1234_5678_0000_0000L));
        assertThat(t.withSubreg(Tnum.constant(5))).isEqualTo(Tnum.constant(0x1234_5678_0000_0005L));
        assertThat(t.constSubreg(7)).isEqualTo(Tnum.constant(0x1234_5678_0000_0007L));
        assertThat(t.subregIsConst()).isFalse();
        assertThat(t.clearSubreg().subregIsConst()).isTrue();
    }

    @Test
    void containment() {
        assertThat(Tnum.UNKNOWN.contains(Tnum.constant(5))).isTrue();
        assertThat(Tnum.constant(5).contains(Tnum.UNKNOWN)).isFalse();
        assertThat(new Tnum(0, 0xff).contains(new Tnum(0x10, 0x0f))).isTrue();
        assertThat(new Tnum(0, 0x0f).contains(new Tnum(0x10, 0x0f))).isFalse();
        assertThat(new Tnum(0, 3).contains(2)).isTrue();
        assertThat(new Tnum(0, 3).contains(4)).isFalse();
    }

    @Test
    void alignment() {
        assertThat(new Tnum(8, 0xf0).isAligned(8)).isTrue();
        assertThat(new Tnum(8, 0xf4).isAligned(8)).isFalse();
        assertThat(new Tnum(2, 0).isAligned(4)).isFalse();
        assertThat(new Tnum(3, 0).isAligned(0)).isTrue();
    }

    @Test
    void printsLikeTheKernel() {
        assertThat(new Tnum(0, 0xff)).hasToString("(0x0; 0xff)");
        assertThat(Tnum.UNKNOWN).hasToString("(0x0; 0xffffffffffffffff)");
        assertThat(Tnum.constant(0x10)).hasToString("(0x10; 0x0)");
    }

    @Test
    void constantsAndBounds() {
        Tnum t = new Tnum(0x10, 0x0f);
        assertThat(t.umin()).isEqualTo(0x10);
        assertThat(t.umax()).isEqualTo(0x1f);
        assertThat(Tnum.constant(3).isConst()).isTrue();
        assertThat(Tnum.constant(3).equalsConst(3)).isTrue();
        assertThat(Tnum.UNKNOWN.isUnknown()).isTrue();
        assertThat(t.isConst()).isFalse();
    }
}
