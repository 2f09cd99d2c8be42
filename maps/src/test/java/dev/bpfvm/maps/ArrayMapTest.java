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
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArrayMapTest extends MapTesting {

    @Test
    void valuesStartZeroAndLookupPointsAtTheLiveValue() {
        BpfMap m = create(MapType.ARRAY, 4, 12, 5);
        long key = putU32(0, 3);
        long v = m.lookupElem(cpu0, key);
        assertThat(v).isNotZero();
        assertThat(mem.load(v, 8)).isZero();
        mem.store(v + 4, 8, 0x1122334455667788L);
        assertThat(m.lookup(u32(3))).containsExactly(0, 0, 0, 0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11);
        // the same address every time, from every CPU
        assertThat(m.lookupElem(cpu1, key)).isEqualTo(v);
    }

    @Test
    void allValuesAreOneRegionWithAnEightByteStride() {
        ArrayMap m = (ArrayMap) create(MapType.ARRAY, 4, 12, 5);
        long v0 = m.lookupElem(cpu0, putU32(0, 0));
        long v4 = m.lookupElem(cpu0, putU32(0, 4));
        assertThat(v4 - v0).isEqualTo(4 * 16);
        assertThat(mem.regionAt(v0)).isSameAs(mem.regionAt(v4)).isSameAs(m.valuesRegion());
        assertThat(m.valuesRegion().length()).isEqualTo(5 * 16);
        // a program cannot run from one value into the padding or the next value
        assertThatThrownBy(() -> mem.load(v0 + 8, 8)).isInstanceOf(BpfException.class)
                .hasMessageContaining("crosses an element");
    }

    @Test
    void lookupOutOfRangeIsNullForProgramsAndEnoentForUsers() {
        BpfMap m = create(MapType.ARRAY, 4, 8, 5);
        assertThat(m.lookupElem(cpu0, putU32(0, 5))).isZero();
        assertThat(m.lookupElem(cpu0, putU32(0, -1))).isZero();
        assertErrno(() -> m.lookup(u32(5)), Errno.ENOENT);
    }

    @Test
    void updateFlagsAndErrnos() {
        BpfMap m = create(MapType.ARRAY, 4, 8, 5);
        long key = putU32(0, 2);
        long val = putU64(8, 42);
        assertThat(m.updateElem(cpu0, key, val, BPF_ANY)).isZero();
        assertThat(u64At(m.lookup(u32(2)), 0)).isEqualTo(42);
        assertThat(m.updateElem(cpu0, key, val, BPF_EXIST)).isZero();
        assertThat(m.updateElem(cpu0, key, val, BPF_NOEXIST)).isEqualTo(-17);       // EEXIST
        assertThat(m.updateElem(cpu0, key, val, 3)).isEqualTo(-22);                 // EINVAL
        assertThat(m.updateElem(cpu0, key, val, 8)).isEqualTo(-22);
        assertThat(m.updateElem(cpu0, key, val, BPF_F_LOCK)).isEqualTo(-22);        // no spin lock
        assertThat(m.updateElem(cpu0, putU32(0, 5), val, BPF_ANY)).isEqualTo(-7);   // E2BIG
        assertErrno(() -> m.update(u32(5), u64(1), BPF_ANY), Errno.E2BIG);
        assertErrno(() -> m.update(u32(1), u64(1), BPF_NOEXIST), Errno.EEXIST);
        assertErrno(() -> m.update(u32(1), u64(1), 3), Errno.EINVAL);
        assertErrno(() -> m.update(u32(1), u64(1), BPF_F_LOCK), Errno.EINVAL);
        assertErrno(() -> m.update(u32(1), new byte[4], BPF_ANY), Errno.EINVAL);
        assertErrno(() -> m.update(new byte[8], u64(1), BPF_ANY), Errno.EINVAL);
    }

    @Test
    void deleteIsEinval() {
        BpfMap m = create(MapType.ARRAY, 4, 8, 5);
        assertThat(m.deleteElem(cpu0, putU32(0, 1))).isEqualTo(-22);
        assertErrno(() -> m.delete(u32(1)), Errno.EINVAL);
    }

    @Test
    void nextKeyWalksIndexesInOrder() {
        BpfMap m = create(MapType.ARRAY, 4, 8, 3);
        assertThat(m.nextKey(null)).isEqualTo(u32(0));
        assertThat(m.nextKey(u32(0))).isEqualTo(u32(1));
        assertThat(m.nextKey(u32(1))).isEqualTo(u32(2));
        assertErrno(() -> m.nextKey(u32(2)), Errno.ENOENT);
        assertThat(m.nextKey(u32(7))).isEqualTo(u32(0));     // beyond the end: first key
    }

    @Test
    void percpuArrayHasOneValuePerCpu() {
        BpfMap m = create(MapType.PERCPU_ARRAY, 4, 4, 2);
        assertThat(m.userValueSize()).isEqualTo(4 * 8);
        long key = putU32(0, 1);
        long v0 = m.lookupElem(cpu0, key);
        long v1 = m.lookupElem(cpu1, key);
        assertThat(v0).isNotEqualTo(v1);
        mem.store(v0, 4, 10);
        mem.store(v1, 4, 11);
        assertThat(m.updateElem(rt.newContext(3), key, putU32(8, 13), BPF_ANY)).isZero();
        byte[] all = m.lookup(u32(1));
        assertThat(all).hasSize(32);
        assertThat(u32At(all, 0)).isEqualTo(10);
        assertThat(u32At(all, 8)).isEqualTo(11);
        assertThat(u32At(all, 16)).isZero();
        assertThat(u32At(all, 24)).isEqualTo(13);
        assertThat(m.lookupPercpuElem(cpu0, key, 1)).isEqualTo(v1);
        assertThat(m.lookupPercpuElem(cpu0, key, 4)).isZero();
        assertThat(m.lookupPercpuElem(cpu0, putU32(4, 2), 0)).isZero();
    }

    @Test
    void percpuUserUpdateWritesEveryCpuAndRefusesLockAndNoexist() {
        BpfMap m = create(MapType.PERCPU_ARRAY, 4, 8, 2);
        m.update(u32(0), u64s(1, 2, 3, 4), BPF_ANY);
        assertThat(mem.load(m.lookupElem(rt.newContext(2), putU32(0, 0)), 8)).isEqualTo(3);
        assertErrno(() -> m.update(u32(0), u64s(1, 2, 3, 4), BPF_NOEXIST), Errno.EEXIST);
        assertErrno(() -> m.update(u32(0), u64s(1, 2, 3, 4), BPF_F_LOCK), Errno.EINVAL);
        assertErrno(() -> m.update(u32(0), u64s(1, 2, 3), BPF_ANY), Errno.EINVAL);
    }

    @Test
    void spinLockValuesCopyAroundTheLockAndHideItFromUsers() {
        BpfMap m = create(MapAttr.builder(MapType.ARRAY, 4, 16, 1).name("locked").spinLock(0));
        long v = m.lookupElem(cpu0, putU32(0, 0));
        mem.store(v, 4, 1);                       // lock held by "someone"
        mem.store(v + 8, 8, 5);
        byte[] got = m.lookup(u32(0));
        assertThat(u32At(got, 0)).isZero();       // lock word hidden
        assertThat(u64At(got, 8)).isEqualTo(5);
        mem.store(v, 4, 0);
        m.update(u32(0), u64s(0xffffffffL, 9), BPF_F_LOCK);
        assertThat(mem.load(v, 4)).isZero();      // the lock word is not overwritten
        assertThat(mem.load(v + 8, 8)).isEqualTo(9);
        assertThat(u64At(m.lookup(u32(0), BPF_F_LOCK), 8)).isEqualTo(9);
        assertErrno(m::freeze, Errno.ENOTSUPP);
    }

    @Test
    void frozenMapsRefuseUserWritesButNotPrograms() {
        BpfMap m = create(MapType.ARRAY, 4, 8, 1);
        m.update(u32(0), u64(7), BPF_ANY);
        m.freeze();
        assertThat(m.frozen()).isTrue();
        assertErrno(() -> m.update(u32(0), u64(8), BPF_ANY), Errno.EPERM);
        assertErrno(m::freeze, Errno.EPERM);
        assertThat(u64At(m.lookup(u32(0)), 0)).isEqualTo(7);
        assertThat(m.updateElem(cpu0, putU32(0, 0), putU64(8, 8), BPF_ANY)).isZero();
        assertThat(u64At(m.lookup(u32(0)), 0)).isEqualTo(8);
    }

    @Test
    void readOnlyProgMapsHaveReadOnlyValues() {
        BpfMap m = create(MapAttr.builder(MapType.ARRAY, 4, 8, 1).name("ro").flags(MapAttr.BPF_F_RDONLY_PROG));
        m.update(u32(0), u64(3), BPF_ANY);
        long v = m.lookupElem(cpu0, putU32(0, 0));
        assertThat(mem.load(v, 8)).isEqualTo(3);
        assertThatThrownBy(() -> mem.store(v, 8, 4)).isInstanceOf(BpfException.class).hasMessageContaining("read-only");
        assertThat(m.updateElem(cpu0, putU32(0, 0), putU64(8, 8), BPF_ANY)).isEqualTo(-1);   // EPERM
        BpfMap w = create(MapAttr.builder(MapType.ARRAY, 4, 8, 1).name("wo").flags(MapAttr.BPF_F_WRONLY_PROG));
        long wv = w.lookupElem(cpu0, putU32(0, 0));
        mem.store(wv, 8, 4);
        assertThatThrownBy(() -> mem.load(wv, 8)).isInstanceOf(BpfException.class).hasMessageContaining("not readable");
    }

    @Test
    void userReadOnlyAndWriteOnlyFlags() {
        BpfMap ro = create(MapAttr.builder(MapType.ARRAY, 4, 8, 1).name("ro").flags(MapAttr.BPF_F_RDONLY));
        assertErrno(() -> ro.update(u32(0), u64(1), BPF_ANY), Errno.EPERM);
        assertErrno(ro::freeze, Errno.EPERM);
        assertThat(ro.lookup(u32(0))).hasSize(8);
        BpfMap wo = create(MapAttr.builder(MapType.ARRAY, 4, 8, 1).name("wo").flags(MapAttr.BPF_F_WRONLY));
        wo.update(u32(0), u64(1), BPF_ANY);
        assertErrno(() -> wo.lookup(u32(0)), Errno.EPERM);
        assertErrno(() -> wo.nextKey(null), Errno.EPERM);
    }

    @Test
    void lookupFlagsOtherThanLockAreEinval() {
        BpfMap m = create(MapType.ARRAY, 4, 8, 1);
        assertErrno(() -> m.lookup(u32(0), 1), Errno.EINVAL);
        assertErrno(() -> m.lookup(u32(0), BPF_F_LOCK), Errno.EINVAL);
    }

    @Test
    void directValueAddressForGlobalData() {
        BpfMap m = create(MapType.ARRAY, 4, 16, 1);
        long a = m.directValueAddress(4);
        assertThat(a).isEqualTo(m.lookupElem(cpu0, putU32(0, 0)) + 4);
        assertErrno(() -> m.directValueAddress(16), Errno.EINVAL);
        assertErrno(() -> create(MapType.ARRAY, 4, 16, 2).directValueAddress(0), Errno.ENOTSUPP);
    }

    @Test
    void batchLookupAndUpdate() {
        BpfMap m = create(MapType.ARRAY, 4, 8, 5);
        assertThat(m.updateBatch(List.of(u32(0), u32(4)), List.of(u64(10), u64(14)), BPF_ANY, 0)).isEqualTo(2);
        BatchResult b = m.lookupBatch(null, 3, 0, 0, false);
        assertThat(b.count()).isEqualTo(3);
        assertThat(b.done()).isFalse();
        assertThat(b.keys()).containsExactly(u32(0), u32(1), u32(2));
        assertThat(u64At(b.values().get(0), 0)).isEqualTo(10);
        assertThat(b.nextBatch()).isEqualTo(u32(2));
        BatchResult rest = m.lookupBatch(b.nextBatch(), 3, 0, 0, false);
        assertThat(rest.keys()).containsExactly(u32(3), u32(4));
        assertThat(u64At(rest.values().get(1), 0)).isEqualTo(14);
        assertThat(rest.done()).isTrue();
        assertErrno(() -> m.deleteBatch(List.of(u32(0)), 0, 0), Errno.ENOTSUPP);
        assertErrno(() -> m.lookupBatch(null, 3, 0, 0, true), Errno.ENOTSUPP);
        assertErrno(() -> m.lookupBatch(null, 3, 1, 0, false), Errno.EINVAL);
        assertThatThrownBy(() -> m.updateBatch(List.of(u32(1), u32(9), u32(2)), List.of(u64(1), u64(2), u64(3)), BPF_ANY, 0))
                .satisfies(e -> {
                    assertThat(((dev.bpfvm.vm.spi.BpfMapException) e).errno()).isEqualTo(Errno.E2BIG);
                    assertThat(((dev.bpfvm.vm.spi.BpfMapException) e).completed()).isEqualTo(1);
                });
        assertThat(u64At(m.lookup(u32(1)), 0)).isEqualTo(1);
        assertThat(u64At(m.lookup(u32(2)), 0)).isZero();
    }

    @Test
    void closedMapsFaultAndRefuse() {
        BpfMap m = create(MapType.ARRAY, 4, 8, 1);
        long v = m.lookupElem(cpu0, putU32(0, 0));
        long handle = m.address();
        m.close();
        assertThat(mem.regionAt(handle)).isNull();
        assertThatThrownBy(() -> mem.load(v, 8)).isInstanceOf(BpfException.class);
        assertErrno(() -> m.lookup(u32(0)), Errno.EBADF);
        m.close();
    }
}
