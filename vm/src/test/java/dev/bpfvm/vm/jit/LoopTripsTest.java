package dev.bpfvm.vm.jit;

import static dev.bpfvm.vm.isa.Opcodes.*;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The iteration counts a versioned loop's dispatch computes ({@link MemoryAccess}). */
class LoopTripsTest {
    @Test
    void windowTripsUpAndDown() {
        // window [100, 164), 1-byte accesses from 100 by 1: 64 iterations
        assertThat(MemoryAccess.limitTrips(1000, 100, 1, 100, 164, 1)).isEqualTo(64);
        // 8-byte accesses by 8 from 100: 100..156
        assertThat(MemoryAccess.limitTrips(1000, 100, 8, 100, 164, 8)).isEqualTo(8);
        // downwards by 4 from 160: 160..100
        assertThat(MemoryAccess.limitTrips(1000, 160, -4, 100, 164, 4)).isEqualTo(16);
        // capped by n, still or outside
        assertThat(MemoryAccess.limitTrips(5, 100, 1, 100, 164, 1)).isEqualTo(5);
        assertThat(MemoryAccess.limitTrips(1000, 120, 0, 100, 164, 4)).isEqualTo(1000);
        assertThat(MemoryAccess.limitTrips(1000, 99, 1, 100, 164, 1)).isZero();
        assertThat(MemoryAccess.limitTrips(1000, 161, 1, 100, 164, 4)).isZero();
        assertThat(MemoryAccess.limitTrips(1000, 100, Long.MIN_VALUE, 100, 164, 1)).isEqualTo(1);
        // the empty window covers nothing
        assertThat(MemoryAccess.limitTrips(1000, 0, 1, 1, 0, 1)).isZero();
    }

    @Test
    void testTrips() {
        assertThat(MemoryAccess.tripsWhile(JLT, 0, 1, 10)).isEqualTo(10);
        assertThat(MemoryAccess.tripsWhile(JLT, 0, 3, 10)).isEqualTo(4);      // 0 3 6 9
        assertThat(MemoryAccess.tripsWhile(JLE, 0, 3, 9)).isEqualTo(4);       // 0 3 6 9
        assertThat(MemoryAccess.tripsWhile(JLT, 10, 1, 10)).isZero();
        assertThat(MemoryAccess.tripsWhile(JSLT, -5, 2, 0)).isEqualTo(3);     // -5 -3 -1
        assertThat(MemoryAccess.tripsWhile(JSLE, -5, 2, 1)).isEqualTo(4);     // -5 -3 -1 1
        assertThat(MemoryAccess.tripsWhile(JNE, 0, 4, 16)).isEqualTo(4);      // 0 4 8 12
        assertThat(MemoryAccess.tripsWhile(JNE, 0, 4, 14)).isEqualTo(4);      // 0 4 8 12, then 16 passes 14
        assertThat(MemoryAccess.tripsWhile(JNE, 3, 0, 14)).isEqualTo(Long.MAX_VALUE);
        assertThat(MemoryAccess.tripsWhile(JLT, 0, -1, 10)).isEqualTo(1);     // negative step: only k = 0 is sure
        assertThat(MemoryAccess.tripsWhile(JLE, 0, 1, -1)).isEqualTo(Long.MAX_VALUE);   // 2^64 values
        // unsigned: 2^63 is below 2^63 + 2
        assertThat(MemoryAccess.tripsWhile(JLT, Long.MIN_VALUE, 1, Long.MIN_VALUE + 2)).isEqualTo(2);
    }

    @Test
    void positiveConstantDivision() {
        assertThat(MemoryAccess.umodPositive(-1, 65521)).isEqualTo(Long.remainderUnsigned(-1, 65521));
        assertThat(MemoryAccess.udivPositive(-1, 7)).isEqualTo(Long.divideUnsigned(-1, 7));
        assertThat(MemoryAccess.umodPositive(100, 7)).isEqualTo(2);
        assertThat(MemoryAccess.udivPositive(100, 7)).isEqualTo(14);
    }
}
