package dev.bpfvm.maps;

import static dev.bpfvm.vm.spi.BpfMap.BPF_ANY;
import static dev.bpfvm.vm.spi.BpfMap.BPF_EXIST;
import static dev.bpfvm.vm.spi.BpfMap.BPF_F_LOCK;
import static dev.bpfvm.vm.spi.BpfMap.BPF_NOEXIST;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.BpfMapException;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LruMapTest extends MapTesting {

    private List<Integer> keys(BpfMap m) {
        List<Integer> out = new ArrayList<>();
        byte[] k = null;
        for (;;) {
            try {
                k = m.nextKey(k);
            } catch (BpfMapException e) {
                return out;
            }
            out.add(u32At(k, 0));
        }
    }

    @Test
    void fullMapEvictsTheLeastRecentlyInserted() {
        BpfMap m = create(MapType.LRU_HASH, 4, 8, 3);
        for (int i = 1; i <= 3; i++) {
            m.update(u32(i), u64(i), BPF_ANY);
        }
        m.update(u32(4), u64(4), BPF_ANY);
        assertThat(keys(m)).containsExactlyInAnyOrder(2, 3, 4);
        assertErrno(() -> m.lookup(u32(1)), Errno.ENOENT);
    }

    @Test
    void programLookupsGiveASecondChance() {
        BpfMap m = create(MapType.LRU_HASH, 4, 8, 3);
        for (int i = 1; i <= 3; i++) {
            m.update(u32(i), u64(i), BPF_ANY);
        }
        assertThat(m.lookupElem(cpu0, putU32(0, 1))).isNotZero();   // references 1
        m.update(u32(4), u64(4), BPF_ANY);                           // 1 spared, 2 evicted
        assertThat(keys(m)).containsExactlyInAnyOrder(1, 3, 4);
    }

    @Test
    void userLookupsDoNotReference() {
        BpfMap m = create(MapType.LRU_HASH, 4, 8, 3);
        for (int i = 1; i <= 3; i++) {
            m.update(u32(i), u64(i), BPF_ANY);
        }
        m.lookup(u32(1));
        m.update(u32(4), u64(4), BPF_ANY);
        assertThat(keys(m)).containsExactlyInAnyOrder(2, 3, 4);
    }

    @Test
    void updatesOfAFullMapTakeAFreshElementFirst() {
        BpfMap m = create(MapType.LRU_HASH, 4, 8, 3);
        for (int i = 1; i <= 3; i++) {
            m.update(u32(i), u64(i), BPF_ANY);
        }
        // replacing key 3 needs a free element: 1 is evicted, then the old 3 is freed
        m.update(u32(3), u64(33), BPF_EXIST);
        assertThat(keys(m)).containsExactlyInAnyOrder(2, 3);
        assertThat(u64At(m.lookup(u32(3)), 0)).isEqualTo(33);
        m.update(u32(5), u64(5), BPF_ANY);
        // and a failing BPF_NOEXIST still evicted one first (as Linux's prealloc_lru_pop does)
        assertErrno(() -> m.update(u32(3), u64(0), BPF_NOEXIST), Errno.EEXIST);
        assertThat(keys(m)).hasSize(2).contains(3);
    }

    @Test
    void deleteFreesAnElement() {
        BpfMap m = create(MapType.LRU_HASH, 4, 8, 2);
        m.update(u32(1), u64(1), BPF_ANY);
        m.update(u32(2), u64(2), BPF_ANY);
        assertThat(m.deleteElem(cpu0, putU32(0, 1))).isZero();
        m.update(u32(3), u64(3), BPF_ANY);
        assertThat(keys(m)).containsExactlyInAnyOrder(2, 3);
        assertThat(m.deleteElem(cpu0, putU32(0, 1))).isEqualTo(-2);
    }

    @Test
    void lruFlags() {
        BpfMap m = create(MapType.LRU_HASH, 4, 8, 2);
        assertThat(m.updateElem(cpu0, putU32(0, 1), putU64(8, 1), BPF_F_LOCK)).isEqualTo(-22);
        assertThat(m.updateElem(cpu0, putU32(0, 1), putU64(8, 1), BPF_EXIST)).isEqualTo(-2);
        assertThat(m.updateElem(cpu0, putU32(0, 1), putU64(8, 1), BPF_NOEXIST)).isZero();
        assertThat(m.updateElem(cpu0, putU32(0, 1), putU64(8, 1), BPF_NOEXIST)).isEqualTo(-17);
    }

    @Test
    void perCpuListsEvictOnlyFromTheInsertingCpusList() {
        BpfMap m = create(MapAttr.builder(MapType.LRU_HASH, 4, 8, 8).name("m").flags(MapAttr.BPF_F_NO_COMMON_LRU));
        // 8 entries over 4 CPUs: 2 per CPU
        assertThat(m.updateElem(cpu0, putU32(0, 1), putU64(8, 1), BPF_ANY)).isZero();
        assertThat(m.updateElem(cpu0, putU32(0, 2), putU64(8, 2), BPF_ANY)).isZero();
        assertThat(m.updateElem(cpu1, putU32(0, 10), putU64(8, 10), BPF_ANY)).isZero();
        assertThat(m.updateElem(cpu0, putU32(0, 3), putU64(8, 3), BPF_ANY)).isZero();
        assertThat(keys(m)).containsExactlyInAnyOrder(2, 3, 10);
    }

    @Test
    void lruPercpuHashUpdatesInPlaceAndEvicts() {
        BpfMap m = create(MapType.LRU_PERCPU_HASH, 4, 8, 2);
        assertThat(m.updateElem(cpu1, putU32(0, 1), putU64(8, 11), BPF_ANY)).isZero();
        long v = m.lookupElem(cpu1, putU32(0, 1));
        assertThat(m.updateElem(cpu1, putU32(0, 1), putU64(8, 12), BPF_EXIST)).isZero();
        assertThat(m.lookupElem(cpu1, putU32(0, 1))).isEqualTo(v);     // in place
        assertThat(mem.load(v, 8)).isEqualTo(12);
        m.update(u32(2), u64s(1, 2, 3, 4), BPF_ANY);
        m.update(u32(3), u64s(1, 2, 3, 4), BPF_ANY);
        assertThat(keys(m)).hasSize(2).contains(3);
        assertThat(m.userValueSize()).isEqualTo(32);
    }
}
