package dev.bpfvm.vm.mem;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Both paths of {@link ByteAtomics}: the JVM's atomics (JDK 17-21) and the striped locks (22 on). */
class ByteAtomicsTest {
    @Test
    void lockedPathHasTheSameResultsAsTheJvmPath() {
        int[] ops = {0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1};
        for (int size : new int[] {4, 8}) {
            for (int op : ops) {
                byte[] a = new byte[16];
                byte[] b = new byte[16];
                AddressSpace.put(a, 8, size, 0x0f0f0f0f0f0f0f0fL);
                AddressSpace.put(b, 8, size, 0x0f0f0f0f0f0f0f0fL);
                long oldA = ByteAtomics.getAndOp(a, 8, size, op, 0xff00ff00ff00ff01L);
                long oldB = ByteAtomics.lockedGetAndOp(b, 8, size, op, 0xff00ff00ff00ff01L);
                assertThat(oldB).as("op %x size %d", op, size).isEqualTo(oldA);
                assertThat(b).as("op %x size %d", op, size).containsExactly(a);
            }
            byte[] a = new byte[16];
            AddressSpace.put(a, 0, size, 5);
            assertThat(ByteAtomics.lockedCompareAndExchange(a, 0, size, 5, 9)).isEqualTo(5);
            assertThat(ByteAtomics.lockedCompareAndExchange(a, 0, size, 5, 7)).isEqualTo(9);
            assertThat(AddressSpace.get(a, 0, size)).isEqualTo(9);
        }
    }

    @Test
    void lockedCompareUsesTheLow32BitsForWords() {
        byte[] a = new byte[8];
        AddressSpace.put(a, 0, 4, 5);
        assertThat(ByteAtomics.lockedCompareAndExchange(a, 0, 4, 0x1234_0000_0005L, 6)).isEqualTo(5);
        assertThat(AddressSpace.get(a, 0, 4)).isEqualTo(6);
    }

    @Test
    void lockedPathLosesNoUpdate() throws InterruptedException {
        byte[] a = new byte[64];
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread th = new Thread(() -> {
                for (int i = 0; i < 20_000; i++) {
                    ByteAtomics.lockedGetAndOp(a, 16, 8, 0x00, 1);
                    ByteAtomics.lockedGetAndOp(a, 3, 4, 0x00, 1);   // misaligned too
                }
            });
            th.start();
            ts.add(th);
        }
        for (Thread th : ts) {
            th.join();
        }
        assertThat(AddressSpace.get(a, 16, 8)).isEqualTo(80_000);
        assertThat(AddressSpace.get(a, 3, 4)).isEqualTo(80_000);
    }

    @Test
    void orderedWordAccessesAndCas() {
        byte[] a = new byte[8];
        ByteAtomics.setRelease32(a, 4, 7);
        assertThat(ByteAtomics.getAcquire32(a, 4)).isEqualTo(7);
        assertThat(ByteAtomics.compareAndSet32(a, 4, 7, 8)).isTrue();
        assertThat(ByteAtomics.compareAndSet32(a, 4, 7, 9)).isFalse();
        assertThat(ByteAtomics.getAcquire32(a, 4)).isEqualTo(8);
    }
}
