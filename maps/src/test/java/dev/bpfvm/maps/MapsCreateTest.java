package dev.bpfvm.maps;

import static dev.bpfvm.vm.spi.MapAttr.BPF_F_MMAPABLE;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_NO_COMMON_LRU;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_NO_PREALLOC;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_NUMA_NODE;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_PRESERVE_ELEMS;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_RDONLY;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_RDONLY_PROG;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_WRONLY;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_WRONLY_PROG;
import static dev.bpfvm.vm.spi.MapAttr.BPF_F_ZERO_SEED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import org.junit.jupiter.api.Test;

/** BPF_MAP_CREATE attribute checks (map_create and each type's map_alloc_check). */
class MapsCreateTest extends MapTesting {

    private void refused(MapAttr.Builder b, Errno errno) {
        assertErrno(() -> Maps.create(b.build(), rt), errno);
    }

    private static MapAttr.Builder attr(MapType t, int k, int v, int max) {
        return MapAttr.builder(t, k, v, max).name("m");
    }

    @Test
    void generalChecks() {
        refused(attr(MapType.ARRAY, 4, 8, 1).flags(BPF_F_RDONLY | BPF_F_WRONLY), Errno.EINVAL);
        refused(attr(MapType.HASH, 4, 8, 1).mapExtra(1), Errno.EINVAL);
        refused(attr(MapType.HASH, 4, 8, 1).btf(1, 0), Errno.EINVAL);
        refused(attr(MapType.ARRAY, 4, 8, 1).name("sixteen_chars_xx"), Errno.EINVAL);
        refused(attr(MapType.ARRAY, 4, 8, 1).name("bad-name"), Errno.EINVAL);
        refused(attr(MapType.LPM_TRIE, 8, 8, 1), Errno.EINVAL);
        refused(attr(MapType.UNSPEC, 4, 8, 1), Errno.EINVAL);
        assertThat(Maps.create(attr(MapType.ARRAY, 4, 8, 1).name("fifteen_chars.x").build(), rt).name())
                .isEqualTo("fifteen_chars.x");
    }

    @Test
    void idsIncreaseAndHandlesResolveToTheMap() {
        BpfMap a = create(MapType.ARRAY, 4, 8, 1);
        BpfMap b = create(MapType.HASH, 4, 8, 1);
        assertThat(b.id()).isGreaterThan(a.id());
        assertThat(mem.regionAt(a.address()).owner()).isSameAs(a);
        assertThat(mem.regionAt(a.address()).length()).isZero();
    }

    @Test
    void arrayChecks() {
        refused(attr(MapType.ARRAY, 4, 8, 0), Errno.EINVAL);
        refused(attr(MapType.ARRAY, 8, 8, 1), Errno.EINVAL);
        refused(attr(MapType.ARRAY, 4, 0, 1), Errno.EINVAL);
        refused(attr(MapType.ARRAY, 4, 8, 1).flags(BPF_F_NO_PREALLOC), Errno.EINVAL);
        refused(attr(MapType.ARRAY, 4, 8, 1).flags(BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG), Errno.EINVAL);
        refused(attr(MapType.PERCPU_ARRAY, 4, 8, 1).flags(BPF_F_NUMA_NODE), Errno.EINVAL);
        refused(attr(MapType.PERCPU_ARRAY, 4, 8, 1).flags(BPF_F_MMAPABLE), Errno.EINVAL);
        refused(attr(MapType.ARRAY, 4, 8, 1).flags(BPF_F_PRESERVE_ELEMS), Errno.EINVAL);
        refused(attr(MapType.ARRAY, 4, -1, 1), Errno.E2BIG);
        refused(attr(MapType.PERCPU_ARRAY, 4, 32769, 1), Errno.E2BIG);
        refused(attr(MapType.ARRAY, 4, 1 << 20, 1 << 12), Errno.ENOMEM);
        assertThat(create(attr(MapType.PERCPU_ARRAY, 4, 32768, 1)).userValueSize()).isEqualTo(4 * 32768);
        assertThat(create(attr(MapType.ARRAY, 4, 8, 1).flags(BPF_F_MMAPABLE | BPF_F_NUMA_NODE)).flags())
                .isEqualTo(BPF_F_MMAPABLE | BPF_F_NUMA_NODE);
    }

    @Test
    void hashChecks() {
        refused(attr(MapType.HASH, 0, 8, 1), Errno.EINVAL);
        refused(attr(MapType.HASH, 4, 0, 1), Errno.EINVAL);
        refused(attr(MapType.HASH, 4, 8, 0), Errno.EINVAL);
        refused(attr(MapType.HASH, 4, 8, 1).flags(BPF_F_MMAPABLE), Errno.EINVAL);
        refused(attr(MapType.HASH, 4, 8, 1).flags(BPF_F_NO_COMMON_LRU), Errno.EINVAL);
        refused(attr(MapType.LRU_HASH, 4, 8, 1).flags(BPF_F_NO_PREALLOC), Errno.ENOTSUPP);
        refused(attr(MapType.PERCPU_HASH, 4, 8, 1).flags(BPF_F_NUMA_NODE), Errno.EINVAL);
        refused(attr(MapType.LRU_HASH, 4, 8, 4).flags(BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE), Errno.EINVAL);
        refused(attr(MapType.HASH, 4, (1 << 22) - 52, 1), Errno.E2BIG);
        refused(attr(MapType.PERCPU_HASH, 4, 32769, 1), Errno.E2BIG);
        refused(attr(MapType.HASH, 4, 8, (int) ((1L << 31) + 1)), Errno.E2BIG);
        assertThat(create(attr(MapType.HASH, 4, 8, 1).flags(BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED)).maxEntries()).isEqualTo(1);
        // per-CPU LRU lists round max_entries up to a multiple of the CPU count
        assertThat(create(attr(MapType.LRU_HASH, 4, 8, 5).flags(BPF_F_NO_COMMON_LRU)).maxEntries()).isEqualTo(8);
    }

    @Test
    void spinLockChecks() {
        refused(attr(MapType.PERCPU_HASH, 4, 8, 1).spinLock(0), Errno.EOPNOTSUPP);
        refused(attr(MapType.LRU_HASH, 4, 8, 1).spinLock(0), Errno.EOPNOTSUPP);
        refused(attr(MapType.PERCPU_ARRAY, 4, 8, 1).spinLock(0), Errno.EOPNOTSUPP);
        refused(attr(MapType.ARRAY, 4, 8, 1).spinLock(0).flags(BPF_F_RDONLY_PROG), Errno.EACCES);
        refused(attr(MapType.ARRAY, 4, 8, 1).spinLock(6), Errno.EINVAL);
        refused(attr(MapType.ARRAY, 4, 8, 1).spinLock(2), Errno.EINVAL);
        assertThat(create(attr(MapType.ARRAY, 4, 8, 1).spinLock(4)).attr().hasSpinLock()).isTrue();
    }
}
