package dev.bpfvm.maps;

import static dev.bpfvm.vm.spi.BpfMap.BPF_ANY;
import static dev.bpfvm.vm.spi.BpfMap.BPF_EXIST;
import static dev.bpfvm.vm.spi.BpfMap.BPF_F_LOCK;
import static dev.bpfvm.vm.spi.BpfMap.BPF_NOEXIST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.spi.BatchResult;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.BpfMapException;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HashMapTest extends MapTesting {

    @Test
    void insertLookupThroughTheLivePointerAndDelete() {
        BpfMap m = create(MapType.HASH, 8, 16, 10);
        long key = putU64(0, 0xabcdefL);
        assertThat(m.lookupElem(cpu0, key)).isZero();
        assertThat(m.updateElem(cpu0, key, put(16, u64s(1, 2)), BPF_ANY)).isZero();
        long v = m.lookupElem(cpu0, key);
        assertThat(mem.load(v + 8, 8)).isEqualTo(2);
        mem.store(v, 8, 100);
        assertThat(u64At(m.lookup(u64(0xabcdefL)), 0)).isEqualTo(100);
        // updating an existing key keeps the element (and its address)
        m.update(u64(0xabcdefL), u64s(5, 6), BPF_EXIST);
        assertThat(m.lookupElem(cpu1, key)).isEqualTo(v);
        assertThat(mem.load(v, 8)).isEqualTo(5);
        assertThat(m.deleteElem(cpu0, key)).isZero();
        assertThat(m.lookupElem(cpu0, key)).isZero();
        assertThat(m.deleteElem(cpu0, key)).isEqualTo(-2);
        assertErrno(() -> m.delete(u64(0xabcdefL)), Errno.ENOENT);
        assertErrno(() -> m.lookup(u64(0xabcdefL)), Errno.ENOENT);
    }

    @Test
    void updateFlagErrnos() {
        BpfMap m = create(MapType.HASH, 4, 8, 2);
        long k1 = putU32(0, 1);
        long val = putU64(8, 9);
        assertThat(m.updateElem(cpu0, k1, val, BPF_EXIST)).isEqualTo(-2);      // ENOENT
        assertThat(m.updateElem(cpu0, k1, val, BPF_NOEXIST)).isZero();
        assertThat(m.updateElem(cpu0, k1, val, BPF_NOEXIST)).isEqualTo(-17);   // EEXIST
        assertThat(m.updateElem(cpu0, k1, val, 3)).isEqualTo(-22);
        assertThat(m.updateElem(cpu0, k1, val, BPF_F_LOCK)).isEqualTo(-22);    // no spin lock
        assertThat(m.updateElem(cpu0, putU32(0, 2), val, BPF_ANY)).isZero();
        assertThat(m.updateElem(cpu0, putU32(0, 3), val, BPF_ANY)).isEqualTo(-7);   // full: E2BIG
        assertThat(m.updateElem(cpu0, putU32(0, 2), val, BPF_ANY)).isZero();        // existing key still updates
        assertErrno(() -> m.update(u32(3), u64(1), BPF_ANY), Errno.E2BIG);
        assertErrno(() -> m.update(u32(1), u64(1), BPF_NOEXIST), Errno.EEXIST);
        assertErrno(() -> m.update(u32(7), u64(1), BPF_EXIST), Errno.ENOENT);
        m.delete(u32(1));
        m.update(u32(3), u64(1), BPF_NOEXIST);
        assertThat(((HashTableMap) m).size()).isEqualTo(2);
    }

    @Test
    void manyKeysSurviveGrowthAndDeletes() {
        BpfMap m = create(MapType.HASH, 4, 8, 5000);
        for (int i = 0; i < 5000; i++) {
            m.update(u32(i * 7919), u64(i), BPF_NOEXIST);
        }
        for (int i = 0; i < 5000; i += 2) {
            m.delete(u32(i * 7919));
        }
        for (int i = 0; i < 5000; i++) {
            byte[] k = u32(i * 7919);
            if (i % 2 == 0) {
                assertErrno(() -> m.lookup(k), Errno.ENOENT);
            } else {
                assertThat(u64At(m.lookup(u32(i * 7919)), 0)).isEqualTo(i);
            }
        }
        for (int i = 0; i < 5000; i += 2) {
            m.update(u32(-i - 1), u64(i), BPF_NOEXIST);     // reuses freed ids
        }
        assertThat(((HashTableMap) m).size()).isEqualTo(5000);
        assertErrno(() -> m.update(u32(123456789), u64(0), BPF_ANY), Errno.E2BIG);
    }

    @Test
    void nextKeyVisitsEveryKeyOnceAndRestartsForMissingKeys() {
        BpfMap m = create(MapType.HASH, 4, 4, 100);
        assertErrno(() -> m.nextKey(null), Errno.ENOENT);
        Set<Integer> want = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            m.update(u32(i * 3), u32(i), BPF_ANY);
            want.add(i * 3);
        }
        List<Integer> seen = new ArrayList<>();
        byte[] k = null;
        for (;;) {
            try {
                k = m.nextKey(k);
            } catch (BpfMapException e) {
                assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                break;
            }
            seen.add(u32At(k, 0));
        }
        assertThat(seen).hasSize(50).doesNotHaveDuplicates();
        assertThat(new HashSet<>(seen)).isEqualTo(want);
        assertThat(m.nextKey(u32(1))).isEqualTo(m.nextKey(null));    // missing key: first key
    }

    @Test
    void deletingWhileIteratingVisitsTheRest() {
        BpfMap m = create(MapType.HASH, 4, 4, 100);
        for (int i = 0; i < 20; i++) {
            m.update(u32(i), u32(i), BPF_ANY);
        }
        int n = 0;
        byte[] k = m.nextKey(null);
        for (;;) {
            byte[] next;
            try {
                next = m.nextKey(k);
            } catch (BpfMapException e) {
                m.delete(k);
                n++;
                break;
            }
            m.delete(k);
            n++;
            k = next;
        }
        assertThat(n).isEqualTo(20);
        assertErrno(() -> m.nextKey(null), Errno.ENOENT);
    }

    @Test
    void percpuHashProgramCreatesWithOtherCpusZeroedAndUsersSeeAll() {
        BpfMap m = create(MapType.PERCPU_HASH, 4, 8, 4);
        long key = putU32(0, 5);
        assertThat(m.updateElem(cpu1, key, putU64(8, 77), BPF_ANY)).isZero();
        byte[] all = m.lookup(u32(5));
        assertThat(all).hasSize(32);
        assertThat(u64At(all, 0)).isZero();
        assertThat(u64At(all, 8)).isEqualTo(77);
        long v0 = m.lookupElem(cpu0, key);
        mem.atomic(v0, 8, 0x00, 3);
        assertThat(m.updateElem(cpu1, key, putU64(8, 78), BPF_EXIST)).isZero();   // this CPU only
        all = m.lookup(u32(5));
        assertThat(u64At(all, 0)).isEqualTo(3);
        assertThat(u64At(all, 8)).isEqualTo(78);
        assertThat(m.lookupPercpuElem(cpu0, key, 1)).isEqualTo(m.lookupElem(cpu1, key));
        assertThat(m.lookupPercpuElem(cpu0, key, 4)).isZero();
        m.update(u32(6), u64s(1, 2, 3, 4), BPF_ANY);
        assertThat(mem.load(m.lookupElem(rt.newContext(3), putU32(0, 6)), 8)).isEqualTo(4);
        assertThat(m.updateElem(cpu0, key, putU64(8, 1), BPF_F_LOCK)).isEqualTo(-22);
        assertErrno(() -> m.update(u32(6), u64s(1, 2, 3, 4), BPF_F_LOCK), Errno.EINVAL);
    }

    @Test
    void lookupAndDelete() {
        BpfMap m = create(MapType.HASH, 4, 8, 4);
        m.update(u32(1), u64(11), BPF_ANY);
        assertThat(u64At(m.lookupAndDelete(u32(1), 0), 0)).isEqualTo(11);
        assertErrno(() -> m.lookupAndDelete(u32(1), 0), Errno.ENOENT);
        assertErrno(() -> m.lookupAndDelete(u32(1), 1), Errno.EINVAL);
        assertErrno(() -> m.lookupAndDelete(u32(1), BPF_F_LOCK), Errno.EINVAL);
        BpfMap a = create(MapType.ARRAY, 4, 8, 1);
        assertErrno(() -> a.lookupAndDelete(u32(0), 0), Errno.ENOTSUPP);
    }

    @Test
    void spinLockedHashValues() {
        BpfMap m = create(MapAttr.builder(MapType.HASH, 4, 16, 4).name("h").spinLock(8));
        m.update(u32(1), u64s(5, 0xffffffffL), BPF_ANY);
        long v = m.lookupElem(cpu0, putU32(0, 1));
        assertThat(mem.load(v + 8, 4)).isZero();     // a new element's lock word is 0
        m.update(u32(1), u64s(6, 0), BPF_F_LOCK);
        assertThat(mem.load(v, 8)).isEqualTo(6);
        assertThat(m.updateElem(cpu0, putU32(0, 1), put(16, u64s(7, 0)), BPF_F_LOCK | BPF_EXIST)).isZero();
        assertThat(u64At(m.lookup(u32(1), BPF_F_LOCK), 0)).isEqualTo(7);
        assertThat(m.updateElem(cpu0, putU32(0, 2), put(16, u64s(7, 0)), BPF_F_LOCK | BPF_EXIST)).isEqualTo(-2);
        assertThat(m.updateElem(cpu0, putU32(0, 2), put(16, u64s(8, 0)), BPF_F_LOCK)).isZero();
        assertThat(u64At(m.lookup(u32(2)), 0)).isEqualTo(8);
    }

    @Test
    void batchLookupAndDeleteWalksEverything() {
        BpfMap m = create(MapType.HASH, 4, 8, 16);
        for (int i = 0; i < 10; i++) {
            m.update(u32(i), u64(i * 10), BPF_ANY);
        }
        BatchResult first = m.lookupBatch(null, 4, 0, 0, false);
        assertThat(first.count()).isEqualTo(4);
        assertThat(first.done()).isFalse();
        BatchResult second = m.lookupBatch(first.nextBatch(), 100, 0, 0, false);
        assertThat(second.count()).isEqualTo(6);
        assertThat(second.done()).isTrue();
        Set<Integer> keys = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            int k = u32At(first.keys().get(i), 0);
            keys.add(k);
            assertThat(u64At(first.values().get(i), 0)).isEqualTo(k * 10L);
        }
        second.keys().forEach(k -> keys.add(u32At(k, 0)));
        assertThat(keys).hasSize(10);
        BatchResult all = m.lookupBatch(null, 10, 0, 0, true);
        assertThat(all.count()).isEqualTo(10);
        assertThat(all.done()).isTrue();
        assertErrno(() -> m.nextKey(null), Errno.ENOENT);
        BatchResult empty = m.lookupBatch(null, 10, 0, 0, false);
        assertThat(empty.count()).isZero();
        assertThat(empty.done()).isTrue();
        assertThat(m.lookupBatch(null, 0, 0, 0, false).done()).isFalse();
        assertErrno(() -> m.lookupBatch(null, 1, 0, 1, false), Errno.EINVAL);
    }

    @Test
    void batchUpdateAndDelete() {
        BpfMap m = create(MapType.HASH, 4, 8, 3);
        assertThat(m.updateBatch(List.of(u32(1), u32(2)), List.of(u64(1), u64(2)), BPF_ANY, 0)).isEqualTo(2);
        // batch elem_flags may only be BPF_F_LOCK
        assertErrno(() -> m.updateBatch(List.of(u32(3)), List.of(u64(3)), BPF_NOEXIST, 0), Errno.EINVAL);
        assertThatThrownBy(() -> m.updateBatch(List.of(u32(3), u32(4)), List.of(u64(3), u64(4)), BPF_ANY, 0))
                .isInstanceOfSatisfying(BpfMapException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.E2BIG);
                    assertThat(e.completed()).isEqualTo(1);
                });
        assertThatThrownBy(() -> m.deleteBatch(List.of(u32(1), u32(9), u32(2)), 0, 0))
                .isInstanceOfSatisfying(BpfMapException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    assertThat(e.completed()).isEqualTo(1);
                });
        assertThat(m.deleteBatch(List.of(u32(2), u32(3)), 0, 0)).isEqualTo(2);
        assertErrno(() -> m.nextKey(null), Errno.ENOENT);
    }

    @Test
    void readOnlyProgHashRefusesProgramWrites() {
        BpfMap m = create(MapAttr.builder(MapType.HASH, 4, 8, 4).name("ro").flags(MapAttr.BPF_F_RDONLY_PROG));
        m.update(u32(1), u64(5), BPF_ANY);
        long v = m.lookupElem(cpu0, putU32(0, 1));
        assertThat(mem.load(v, 8)).isEqualTo(5);
        assertThatThrownBy(() -> mem.store(v, 8, 6)).isInstanceOf(BpfException.class).hasMessageContaining("read-only");
        assertThat(m.updateElem(cpu0, putU32(0, 1), putU64(8, 6), BPF_ANY)).isEqualTo(-1);
        assertThat(m.deleteElem(cpu0, putU32(0, 1))).isEqualTo(-1);
        m.delete(u32(1));
    }

    @Test
    void percpuBatchValuesHoldEveryCpu() {
        BpfMap m = create(MapType.PERCPU_HASH, 4, 4, 4);
        m.update(u32(1), u64s(1, 2, 3, 4), BPF_ANY);   // 4 CPUs x round_up(4, 8) bytes
        BatchResult b = m.lookupBatch(null, 4, 0, 0, false);
        assertThat(b.values()).singleElement().satisfies(v -> {
            assertThat(v).hasSize(32);
            assertThat(u32At(v, 0)).isEqualTo(1);
            assertThat(u32At(v, 8)).isEqualTo(2);
        });
    }

    @Test
    void storageStaysCompact() {
        HashTableMap m = (HashTableMap) create(MapType.HASH, 8, 16, 100_000);
        byte[] value = new byte[16];
        for (int i = 0; i < 100_000; i++) {
            m.update(u64(i * 0x9e3779b97f4a7c15L), value, BPF_NOEXIST);
        }
        // keys 8 + values 16 + index 21 (2^18 slots of 8 bytes) + bitmap and free list
        assertThat(m.footprint() / 100_000.0).isLessThan(48.0);
        for (int i = 0; i < 100_000; i += 1000) {
            assertThat(m.lookup(u64(i * 0x9e3779b97f4a7c15L))).hasSize(16);
        }
    }

    @Test
    void oddKeySizesHashAndCompareEveryByte() {
        BpfMap m = create(MapType.HASH, 7, 4, 300);
        for (int i = 0; i < 256; i++) {
            m.update(new byte[] {1, 2, 3, 4, 5, 6, (byte) i}, u32(i), BPF_NOEXIST);
        }
        for (int i = 0; i < 256; i++) {
            assertThat(u32At(m.lookup(new byte[] {1, 2, 3, 4, 5, 6, (byte) i}), 0)).isEqualTo(i);
        }
        assertErrno(() -> m.lookup(new byte[] {1, 2, 3, 4, 5, 7, 0}), Errno.ENOENT);
    }

    @Test
    void badKeyPointerFaults() {
        BpfMap m = create(MapType.HASH, 8, 8, 4);
        assertThatThrownBy(() -> m.lookupElem(cpu0, 0)).isInstanceOf(BpfException.class)
                .extracting(e -> ((BpfException) e).errno()).isEqualTo(Errno.EFAULT);
        assertThatThrownBy(() -> m.lookupElem(cpu0, scratch.address(4092))).isInstanceOf(BpfException.class);
    }

    @Test
    void zeroSeedAndDefaultSeedAreBothDeterministic() {
        BpfMap a = create(MapType.HASH, 4, 4, 64);
        BpfMap b = create(MapType.HASH, 4, 4, 64);
        for (int i = 0; i < 30; i++) {
            a.update(u32(i * 31), u32(0), BPF_ANY);
            b.update(u32(i * 31), u32(0), BPF_ANY);
        }
        assertThat(a.lookupBatch(null, 64, 0, 0, false).keys())
                .usingElementComparator(java.util.Arrays::compare)
                .containsExactlyElementsOf(b.lookupBatch(null, 64, 0, 0, false).keys());
    }
}
