package dev.bpfvm.kernel.statsmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.kernel.cgroup.Cgroup;
import dev.bpfvm.kernel.syscall.Bpf;
import dev.bpfvm.kernel.syscall.BpfProcess;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class CgroupStatsMapTest {
    private final EmulatedKernel kernel = new EmulatedKernel(4);
    private final Bpf bpf = kernel.bpf();
    private final BpfProcess proc = bpf.process(EmulatedKernel.INIT_PID);
    private final Cgroup a = kernel.cgroups().mkdir("/a");
    private final Cgroup b = kernel.cgroups().mkdir("/a/b");
    private final Cgroup c = kernel.cgroups().mkdir("/a/b/c");
    private final Cgroup d = kernel.cgroups().mkdir("/a/d");
    private final Cgroup other = kernel.cgroups().mkdir("/other");

    private static void errno(Errno want, Executable e) {
        assertThatThrownBy(e::execute).isInstanceOfSatisfying(KernelException.class,
                x -> assertThat(x.errno()).isEqualTo(want));
    }

    private static void mapErrno(Errno want, Executable e) {
        assertThatThrownBy(e::execute).isInstanceOfSatisfying(dev.bpfvm.vm.spi.BpfMapException.class,
                x -> assertThat(x.errno()).isEqualTo(want));
    }

    private static byte[] u64(long v) {
        byte[] out = new byte[8];
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (v >>> (8 * i));
        }
        return out;
    }

    private static byte[] u64s(long... vs) {
        byte[] out = new byte[8 * vs.length];
        for (int j = 0; j < vs.length; j++) {
            System.arraycopy(u64(vs[j]), 0, out, 8 * j, 8);
        }
        return out;
    }

    private MapAttr.Builder attr(Cgroup initial, int valueSize) {
        return MapAttr.builder(MapType.CGROUP_STATS, 8, valueSize, 0).name("stats").mapExtra(initial.id());
    }

    private int create(Cgroup initial) {
        return bpf.mapCreate(proc, attr(initial, 16).build());
    }

    private CgroupStatsMap map(int fd) {
        return (CgroupStatsMap) bpf.map(proc, fd);
    }

    private byte[] lookup(int fd, Cgroup cg) {
        return bpf.mapLookupElem(proc, fd, u64(cg.id()), 0);
    }

    /** bpf_cgroup_stats_update as a program on {@code cpu} calls it. */
    private long helper(BpfMap m, Cgroup cg, long index, long delta, int cpu) {
        ExecContext ctx = kernel.runtime().newContext(cpu);
        return kernel.runtime().helpers().byId(CgroupStatsMap.BPF_FUNC_CGROUP_STATS_UPDATE).fn()
                .call(ctx, m.address(), cg.address(), index, delta, 0);
    }

    @Test
    void entriesExistForTheInitialCgroupAndEveryDescendant() {
        int fd = create(a);
        assertThat(map(fd).cgroupIds()).containsExactly(a.id(), b.id(), c.id(), d.id());
        assertThat(lookup(fd, c)).containsExactly(u64s(0, 0));
        errno(Errno.ENOENT, () -> lookup(fd, other));
        errno(Errno.ENOENT, () -> lookup(fd, kernel.cgroups().root()));
        assertThat(bpf.mapGetNextKey(proc, fd, null)).containsExactly(u64(a.id()));
        assertThat(bpf.mapGetNextKey(proc, fd, u64(c.id()))).containsExactly(u64(d.id()));
        errno(Errno.ENOENT, () -> bpf.mapGetNextKey(proc, fd, u64(d.id())));
    }

    @Test
    void totalsAreHierarchicalOverCpusAndLevels() {
        int fd = create(a);
        CgroupStatsMap m = map(fd);
        assertThat(helper(m, c, 0, 5, 0)).isZero();
        assertThat(helper(m, c, 0, 7, 3)).isZero();
        assertThat(helper(m, c, 1, 100, 1)).isZero();
        assertThat(helper(m, b, 0, 11, 2)).isZero();
        assertThat(helper(m, d, 1, 1000, 0)).isZero();
        assertThat(helper(m, a, 0, 3, 1)).isZero();
        assertThat(kernel.rstat().isUpdated(c, 3)).isTrue();

        // a lookup in the middle level first: c's deltas reach b's total and a's pending
        assertThat(lookup(fd, b)).containsExactly(u64s(5 + 7 + 11, 100));
        assertThat(lookup(fd, c)).containsExactly(u64s(12, 100));
        assertThat(lookup(fd, d)).containsExactly(u64s(0, 1000));
        assertThat(lookup(fd, a)).containsExactly(u64s(5 + 7 + 11 + 3, 100 + 1000));

        // more updates; a lookup at the top flushes everything below it
        helper(m, c, 0, 1, 2);
        helper(m, c, 0, -2, 1);
        helper(m, d, 0, 40, 3);
        assertThat(lookup(fd, a)).containsExactly(u64s(26 - 1 + 40, 1100));
        assertThat(lookup(fd, b)).containsExactly(u64s(23 - 1, 100));
        assertThat(lookup(fd, c)).containsExactly(u64s(11, 100));
        assertThat(m.totals(d.id())).containsExactly(40, 1000);
    }

    @Test
    void helperErrors() {
        int fd = create(b);
        CgroupStatsMap m = map(fd);
        assertThat(helper(m, a, 0, 1, 0)).isEqualTo(Errno.ENOENT.negative());
        assertThat(helper(m, c, 2, 1, 0)).isEqualTo(Errno.E2BIG.negative());
        int hash = bpf.mapCreate(proc, MapAttr.builder(MapType.HASH, 8, 8, 4).name("h").build());
        assertThat(helper(bpf.map(proc, hash), c, 0, 1, 0)).isEqualTo(Errno.EINVAL.negative());
        assertThat(lookup(fd, b)).containsExactly(u64s(0, 0));
    }

    @Test
    void mkdirAddsAnEntryAndRmdirKeepsItsCountsInTheParent() {
        int fd = create(a);
        CgroupStatsMap m = map(fd);
        Cgroup e = kernel.cgroups().mkdir("/a/b/c/e");
        kernel.cgroups().mkdir("/other/x");
        assertThat(m.cgroupIds()).containsExactly(a.id(), b.id(), c.id(), d.id(), e.id());
        helper(m, e, 1, 9, 0);
        helper(m, e, 1, 4, 2);
        helper(m, c, 0, 6, 1);
        assertThat(lookup(fd, e)).containsExactly(u64s(0, 13));
        helper(m, e, 0, 50, 3);                          // not flushed before the rmdir
        kernel.cgroups().rmdir("/a/b/c/e");
        assertThat(m.cgroupIds()).containsExactly(a.id(), b.id(), c.id(), d.id());
        errno(Errno.ENOENT, () -> bpf.mapLookupElem(proc, fd, u64(e.id()), 0));
        assertThat(lookup(fd, c)).containsExactly(u64s(56, 13));
        assertThat(lookup(fd, a)).containsExactly(u64s(56, 13));
    }

    @Test
    void theKernelsRstatFlushFoldsTheSameWay() {
        int fd = create(a);
        CgroupStatsMap m = map(fd);
        helper(m, c, 0, 8, 1);
        helper(m, b, 0, 2, 2);
        kernel.rstat().flush(a, 0, null);
        assertThat(kernel.rstat().isUpdated(c, 1)).isFalse();
        helper(m, c, 0, 1, 1);
        assertThat(lookup(fd, a)).containsExactly(u64s(11, 0));
        assertThat(lookup(fd, c)).containsExactly(u64s(9, 0));
    }

    @Test
    void programLookupFlushesAndReturnsReadOnlyTotals() {
        int fd = create(a);
        CgroupStatsMap m = map(fd);
        helper(m, c, 1, 21, 3);
        ExecContext ctx = kernel.runtime().newContext(0);
        long key = kernel.runtime().memory().register(dev.bpfvm.vm.mem.Region.of(
                dev.bpfvm.vm.mem.Region.Kind.MEMORY, "key", u64(b.id())).build()).address();
        long v = m.lookupElem(ctx, key);
        assertThat(kernel.runtime().memory().load(v + 8, 8)).isEqualTo(21);
        assertThat(kernel.runtime().memory().regionAt(v).perms()).isEqualTo(dev.bpfvm.vm.mem.Region.READ);
        assertThat(m.updateElem(ctx, key, v, 0)).isEqualTo(Errno.EOPNOTSUPP.negative());
        assertThat(m.deleteElem(ctx, key)).isEqualTo(Errno.EOPNOTSUPP.negative());
    }

    @Test
    void userUpdateAndDeleteAreRefused() {
        int fd = create(a);
        errno(Errno.EPERM, () -> bpf.mapUpdateElem(proc, fd, u64(b.id()), u64s(1, 2), 0));
        errno(Errno.EPERM, () -> bpf.mapDeleteElem(proc, fd, u64(b.id())));
        assertThat(lookup(fd, b)).containsExactly(u64s(0, 0));
    }

    @Test
    void badAttributesAreRefused() {
        errno(Errno.EINVAL, () -> bpf.mapCreate(proc, MapAttr.builder(MapType.CGROUP_STATS, 4, 16, 0)
                .mapExtra(a.id()).build()));
        errno(Errno.EINVAL, () -> bpf.mapCreate(proc, attr(a, 12).build()));
        errno(Errno.E2BIG, () -> bpf.mapCreate(proc, attr(a, CgroupStatsMap.MAX_VALUE_SIZE + 8).build()));
        errno(Errno.EINVAL, () -> bpf.mapCreate(proc, attr(a, 16).mapExtra(0).build()));
        errno(Errno.ENOENT, () -> bpf.mapCreate(proc, attr(a, 16).mapExtra(9999).build()));
        errno(Errno.EINVAL, () -> bpf.mapCreate(proc, MapAttr.builder(MapType.CGROUP_STATS, 8, 16, 4)
                .mapExtra(a.id()).build()));
    }

    @Test
    void closingTheMapStopsFollowingTheTree() {
        int fd = create(a);
        CgroupStatsMap m = map(fd);
        m.close();
        kernel.cgroups().mkdir("/a/new");
        assertThat(m.cgroupIds()).isEmpty();
    }

    private int create(Cgroup initial, int valueSize, int flags) {
        return bpf.mapCreate(proc, attr(initial, valueSize).flags(flags).build());
    }

    @Test
    void noPercpuKeepsOneRowAndGivesTheSameTotals() {
        int fd = create(a, 16, CgroupStatsMap.BPF_F_STATS_NO_PERCPU);
        CgroupStatsMap m = map(fd);
        helper(m, c, 0, 5, 0);
        helper(m, c, 0, 7, 3);
        helper(m, b, 1, 11, 2);
        helper(m, d, 0, 1, 1);
        assertThat(lookup(fd, b)).containsExactly(u64s(12, 11));
        helper(m, c, 0, 1, 2);
        assertThat(lookup(fd, a)).containsExactly(u64s(14, 11));
        assertThat(lookup(fd, c)).containsExactly(u64s(13, 0));
    }

    @Test
    void noHierarchyCountsOnlyTheCgroupItself() {
        int fd = create(a, 8, CgroupStatsMap.BPF_F_STATS_NO_HIERARCHY);
        CgroupStatsMap m = map(fd);
        helper(m, c, 0, 5, 0);
        helper(m, b, 0, 3, 1);
        helper(m, a, 0, 1, 2);
        assertThat(lookup(fd, a)).containsExactly(u64s(1));
        assertThat(lookup(fd, b)).containsExactly(u64s(3));
        assertThat(lookup(fd, c)).containsExactly(u64s(5));
        // a removed cgroup's counts go nowhere
        Cgroup e = kernel.cgroups().mkdir("/a/b/e");
        helper(m, e, 0, 9, 0);
        kernel.cgroups().rmdir("/a/b/e");
        assertThat(lookup(fd, b)).containsExactly(u64s(3));
        assertThat(lookup(fd, a)).containsExactly(u64s(1));
    }

    @Test
    void maxAndMinKeepTheExtremeSampleOfTheSubtree() {
        int max = create(a, 8, CgroupStatsMap.BPF_F_STATS_AGG_MAX);
        int min = create(a, 8, CgroupStatsMap.BPF_F_STATS_AGG_MIN);
        for (int fd : new int[] {max, min}) {
            CgroupStatsMap m = map(fd);
            helper(m, c, 0, 40, 0);
            helper(m, c, 0, 7, 3);
            helper(m, b, 0, 12, 1);
            helper(m, d, 0, 90, 2);
        }
        assertThat(lookup(max, b)).containsExactly(u64s(40));
        assertThat(lookup(max, a)).containsExactly(u64s(90));
        assertThat(lookup(min, b)).containsExactly(u64s(7));
        assertThat(lookup(min, d)).containsExactly(u64s(90));
        assertThat(lookup(min, a)).containsExactly(u64s(7));
        // no sample yet: MIN's total is U64_MAX
        assertThat(lookup(min, kernel.cgroups().mkdir("/a/fresh"))).containsExactly(u64s(-1L));
        // later samples: a smaller one under c, a larger one (and a removed cgroup's) under b
        helper(map(min), c, 0, 3, 1);
        Cgroup e = kernel.cgroups().mkdir("/a/b/e");
        helper(map(max), e, 0, 95, 0);
        helper(map(min), e, 0, 2, 0);
        kernel.cgroups().rmdir("/a/b/e");
        assertThat(lookup(min, a)).containsExactly(u64s(2));
        assertThat(lookup(min, c)).containsExactly(u64s(3));
        assertThat(lookup(max, b)).containsExactly(u64s(95));
        assertThat(lookup(max, d)).containsExactly(u64s(90));
    }

    @Test
    void aLookupVisitsOnlyTheCgroupsUpdatedSinceTheLastFlush() {
        Cgroup[] many = new Cgroup[20];
        for (int i = 0; i < many.length; i++) {
            many[i] = kernel.cgroups().mkdir("/a/d/n" + i);
        }
        int fd = create(a);
        CgroupStatsMap m = map(fd);
        assertThat(lookup(fd, a)).containsExactly(u64s(0, 0));
        assertThat(m.foldedCount()).isZero();
        helper(m, c, 0, 5, 0);
        helper(m, c, 0, 2, 1);
        assertThat(lookup(fd, a)).containsExactly(u64s(7, 0));
        assertThat(m.foldedCount()).isEqualTo(3);                 // c, b, a: not d nor its 20 children
        assertThat(lookup(fd, a)).containsExactly(u64s(7, 0));
        assertThat(m.foldedCount()).isEqualTo(3);
        helper(m, many[7], 1, 4, 2);
        assertThat(lookup(fd, b)).containsExactly(u64s(7, 0));   // nothing under b was updated
        assertThat(m.foldedCount()).isEqualTo(3);
        assertThat(lookup(fd, d)).containsExactly(u64s(0, 4));
        assertThat(m.foldedCount()).isEqualTo(5);                 // n7, d
        assertThat(lookup(fd, a)).containsExactly(u64s(7, 4));
        assertThat(m.foldedCount()).isEqualTo(6);                 // a (d's counts were pending there)
    }

    @Test
    void structValuesAreCombinedByTheAggregator() {
        int fd = create(a, 16, CgroupStatsMap.BPF_F_STATS_AGG_PROG);
        CgroupStatsMap m = map(fd);
        assertThat(m.aggregated()).isTrue();
        helper(m, c, 0, 5, 0);
        helper(m, c, 1, 5, 1);
        helper(m, b, 0, 2, 2);
        helper(m, b, 1, 2, 2);
        helper(m, d, 0, 3, 3);
        helper(m, d, 1, 3, 3);
        // without an aggregator: u64 sums
        assertThat(lookup(fd, a)).containsExactly(u64s(10, 10));
        // counter 0 sums, counter 1 keeps the largest single cgroup's count
        m.aggregator((parent, child) -> {
            long[] p = {le(parent, 0), le(parent, 8)};
            long[] ch = {le(child, 0), le(child, 8)};
            System.arraycopy(u64s(p[0] + ch[0], Math.max(p[1], ch[1])), 0, parent, 0, 16);
        });
        mapErrno(Errno.EBUSY, () -> m.aggregator((p, ch) -> { }));
        assertThat(lookup(fd, a)).containsExactly(u64s(10, 5));
        assertThat(lookup(fd, b)).containsExactly(u64s(7, 5));
        helper(m, b, 0, 4, 0);
        helper(m, b, 1, 4, 0);
        Cgroup e = kernel.cgroups().mkdir("/a/d/e");
        helper(m, e, 0, 8, 1);
        helper(m, e, 1, 8, 1);
        kernel.cgroups().rmdir("/a/d/e");
        assertThat(lookup(fd, b)).containsExactly(u64s(11, 6));
        assertThat(lookup(fd, d)).containsExactly(u64s(11, 8));
        assertThat(lookup(fd, a)).containsExactly(u64s(22, 8));
        mapErrno(Errno.EINVAL, () -> map(create(a)).aggregator((p, ch) -> { }));
    }

    private static long le(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }

    @Test
    void aggregationFlagsExcludeEachOther() {
        errno(Errno.EINVAL, () -> create(a, 8, CgroupStatsMap.BPF_F_STATS_AGG_MAX | CgroupStatsMap.BPF_F_STATS_AGG_MIN));
        errno(Errno.EINVAL, () -> create(a, 8, CgroupStatsMap.BPF_F_STATS_AGG_MAX | CgroupStatsMap.BPF_F_STATS_AGG_PROG));
        errno(Errno.EINVAL, () -> create(a, 8, 1 << 29));
        assertThat(create(a, 8, CgroupStatsMap.BPF_F_STATS_MASK & ~CgroupStatsMap.BPF_F_STATS_AGG_MIN
                & ~CgroupStatsMap.BPF_F_STATS_AGG_PROG)).isPositive();
    }
}
