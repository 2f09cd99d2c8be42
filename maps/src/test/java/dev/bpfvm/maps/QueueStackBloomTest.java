package dev.bpfvm.maps;

import static dev.bpfvm.vm.spi.BpfMap.BPF_ANY;
import static dev.bpfvm.vm.spi.BpfMap.BPF_EXIST;
import static dev.bpfvm.vm.spi.BpfMap.BPF_NOEXIST;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import org.junit.jupiter.api.Test;

class QueueStackBloomTest extends MapTesting {

    @Test
    void queueIsFifoAndFullIsE2big() {
        BpfMap q = create(MapType.QUEUE, 0, 4, 3);
        for (int i = 1; i <= 3; i++) {
            q.update(null, u32(i), BPF_ANY);
        }
        assertErrno(() -> q.update(null, u32(4), BPF_ANY), Errno.E2BIG);
        assertThat(u32At(q.lookup(null), 0)).isEqualTo(1);                 // peek
        assertThat(u32At(q.lookupAndDelete(null, 0), 0)).isEqualTo(1);     // pop
        q.update(null, u32(4), BPF_ANY);
        q.update(null, u32(5), BPF_EXIST);                                   // full: drops the oldest (2)
        assertThat(u32At(q.lookupAndDelete(null, 0), 0)).isEqualTo(3);
        assertThat(u32At(q.lookupAndDelete(null, 0), 0)).isEqualTo(4);
        assertThat(u32At(q.lookupAndDelete(null, 0), 0)).isEqualTo(5);
        assertErrno(() -> q.lookupAndDelete(null, 0), Errno.ENOENT);
        assertErrno(() -> q.lookup(null), Errno.ENOENT);
    }

    @Test
    void stackIsLifo() {
        BpfMap s = create(MapType.STACK, 0, 8, 2);
        s.update(null, u64(1), BPF_ANY);
        s.update(null, u64(2), BPF_ANY);
        s.update(null, u64(3), BPF_EXIST);          // drops the bottom (1)
        assertThat(u64At(s.lookup(null), 0)).isEqualTo(3);
        assertThat(u64At(s.lookupAndDelete(null, 0), 0)).isEqualTo(3);
        assertThat(u64At(s.lookupAndDelete(null, 0), 0)).isEqualTo(2);
        assertErrno(() -> s.lookupAndDelete(null, 0), Errno.ENOENT);
    }

    @Test
    void queueErrnos() {
        BpfMap q = create(MapType.QUEUE, 0, 4, 2);
        assertErrno(() -> q.update(null, u32(1), BPF_NOEXIST), Errno.EINVAL);
        assertErrno(() -> q.update(null, u32(1), 3), Errno.EINVAL);
        assertErrno(() -> q.update(u32(0), u32(1), BPF_ANY), Errno.EINVAL);      // keyless
        assertErrno(() -> q.delete(null), Errno.EINVAL);
        assertErrno(() -> q.nextKey(null), Errno.EINVAL);
        assertErrno(() -> q.lookupAndDelete(null, 4), Errno.EINVAL);
        assertThat(q.lookupElem(cpu0, putU32(0, 0))).isZero();
        assertThat(q.updateElem(cpu0, putU32(0, 0), putU32(4, 0), BPF_ANY)).isEqualTo(-22);
        assertThat(q.deleteElem(cpu0, putU32(0, 0))).isEqualTo(-22);
    }

    @Test
    void programsPushPopAndPeekByCopy() {
        BpfMap q = create(MapType.QUEUE, 0, 8, 2);
        assertThat(q.pushElem(cpu0, putU64(0, 10), BPF_ANY)).isZero();
        assertThat(q.pushElem(cpu0, putU64(0, 20), BPF_ANY)).isZero();
        assertThat(q.pushElem(cpu0, putU64(0, 30), BPF_ANY)).isEqualTo(-7);
        assertThat(q.pushElem(cpu0, putU64(0, 30), BPF_NOEXIST)).isEqualTo(-22);
        long dst = putU64(16, -1);
        assertThat(q.peekElem(cpu0, dst)).isZero();
        assertThat(mem.load(dst, 8)).isEqualTo(10);
        assertThat(q.popElem(cpu0, dst)).isZero();
        assertThat(q.popElem(cpu0, dst)).isZero();
        assertThat(mem.load(dst, 8)).isEqualTo(20);
        putU64(16, -1);
        assertThat(q.popElem(cpu0, dst)).isEqualTo(-2);
        assertThat(mem.load(dst, 8)).isZero();       // an empty pop zeroes the destination
    }

    @Test
    void queueCreateChecks() {
        assertErrno(() -> create(MapType.QUEUE, 4, 4, 2), Errno.EINVAL);
        assertErrno(() -> create(MapType.STACK, 0, 0, 2), Errno.EINVAL);
        assertErrno(() -> create(MapType.STACK, 0, 4, 0), Errno.EINVAL);
        assertErrno(() -> create(MapAttr.builder(MapType.QUEUE, 0, 4, 2).flags(MapAttr.BPF_F_NO_PREALLOC)), Errno.EINVAL);
        assertErrno(() -> create(MapType.QUEUE, 0, (1 << 22) + 1, 2), Errno.E2BIG);
    }

    @Test
    void bloomFilterHasNoFalseNegatives() {
        BpfMap b = create(MapType.BLOOM_FILTER, 0, 8, 100);
        for (int i = 0; i < 100; i++) {
            b.update(null, u64(i * 1_000_003L), BPF_ANY);
        }
        for (int i = 0; i < 100; i++) {
            b.lookupValue(u64(i * 1_000_003L));
        }
        int falsePositives = 0;
        for (int i = 0; i < 1000; i++) {
            try {
                b.lookupValue(u64(-i - 1));
                falsePositives++;
            } catch (dev.bpfvm.vm.spi.BpfMapException e) {
                assertThat(e.errno()).isEqualTo(Errno.ENOENT);
            }
        }
        // 100 values, 5 hashes, 1024 bits: about 1% false positives
        assertThat(falsePositives).isLessThan(50);
        assertThat(b.peekElem(cpu0, putU64(0, 3 * 1_000_003L))).isZero();
        assertThat(b.pushElem(cpu0, putU64(0, 77), BPF_ANY)).isZero();
        assertThat(b.peekElem(cpu0, putU64(0, 77))).isZero();
    }

    @Test
    void bloomFilterErrnos() {
        BpfMap b = create(MapType.BLOOM_FILTER, 0, 4, 10);
        assertErrno(() -> b.update(null, u32(1), BPF_EXIST), Errno.EINVAL);
        assertThat(b.pushElem(cpu0, putU32(0, 1), BPF_NOEXIST)).isEqualTo(-22);
        assertThat(b.popElem(cpu0, putU32(0, 1))).isEqualTo(-95);
        assertThat(b.deleteElem(cpu0, putU32(0, 1))).isEqualTo(-95);
        assertErrno(() -> b.delete(null), Errno.EOPNOTSUPP);
        assertErrno(() -> b.nextKey(null), Errno.EOPNOTSUPP);
        assertErrno(() -> b.lookup(null), Errno.EINVAL);
        assertErrno(() -> b.lookupValue(u32(99)), Errno.ENOENT);
        assertErrno(() -> create(MapType.BLOOM_FILTER, 4, 4, 10), Errno.EINVAL);
        assertErrno(() -> create(MapAttr.builder(MapType.BLOOM_FILTER, 0, 4, 10).mapExtra(16)), Errno.EINVAL);
        assertThat(create(MapAttr.builder(MapType.BLOOM_FILTER, 0, 4, 10).mapExtra(3)).attr().mapExtra()).isEqualTo(3);
    }

    @Test
    void bloomSizesFollowTheKernel() {
        assertThat(BloomFilterMap.bitsNeeded(MapAttr.builder(MapType.BLOOM_FILTER, 0, 4, 1).build())).isEqualTo(64);
        assertThat(BloomFilterMap.bitsNeeded(MapAttr.builder(MapType.BLOOM_FILTER, 0, 4, 100).build())).isEqualTo(1024);
        assertThat(BloomFilterMap.bitsNeeded(MapAttr.builder(MapType.BLOOM_FILTER, 0, 4, -1).build())).isEqualTo(1L << 32);
        assertErrno(() -> create(MapType.BLOOM_FILTER, 0, 4, -1), Errno.ENOMEM);
    }
}
