package dev.bpfvm.kernel.statsmap;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.cgroup.Cgroup;
import dev.bpfvm.kernel.cgroup.CgroupEvents;
import dev.bpfvm.kernel.rstat.Rstat;
import dev.bpfvm.maps.Maps;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.ArgType;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.BpfMapException;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import dev.bpfvm.vm.spi.RetType;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * {@code BPF_MAP_TYPE_CGROUP_STATS} ({@link MapType#CGROUP_STATS}, 0x1000): hierarchical
 * per-cgroup counters, as the upstream RFC proposed them.
 *
 * <ul>
 *   <li>Key: a u64 cgroup id (key_size 8). Value: {@code value_size / 8} u64 counters
 *       (value_size a positive multiple of 8, at most {@link #MAX_VALUE_SIZE}); max_entries 0.
 *   <li>{@code map_extra} is the id of the initial cgroup. Entries exist for it and each
 *       descendant: made when the map is created and on every later mkdir below it, dropped on
 *       rmdir (the removed cgroup's unflushed counts first go to its parent, so the parent's
 *       total keeps them).
 *   <li>Each entry holds a row of counters per CPU ({@link #BPF_F_STATS_NO_PERCPU}: one row),
 *       the last-flushed copy of it, a total and a pending array.
 *       {@link #UPDATE bpf_cgroup_stats_update} adds to this CPU's row and marks the cgroup
 *       updated, in the map's own updated tree (the cgroup and each ancestor not yet in it, as
 *       {@code cgroup_rstat_updated} links them) and in the kernel's rstat.
 *   <li>A lookup (program or user) of cgroup C first flushes the updated entries under C,
 *       children first: each row's delta since the last flush plus the pending array go to
 *       the entry's total and to its parent's pending array. Entries not updated since the last
 *       flush are not visited. So a total counts the cgroup and all its descendants
 *       ({@link #BPF_F_STATS_NO_HIERARCHY}: only the cgroup). The kernel's own rstat flush
 *       ({@code cgroup_rstat_flush}) folds the same way for the cgroups it pops. A user lookup
 *       returns the total array; a program lookup the address of a read-only copy of it.
 *   <li>Aggregation ({@code map_flags}): sums by default; {@link #BPF_F_STATS_AGG_MAX} /
 *       {@link #BPF_F_STATS_AGG_MIN} make an update a sample and a total the largest /
 *       smallest sample in the subtree (unsigned; MIN's total is U64_MAX before any sample);
 *       {@link #BPF_F_STATS_AGG_PROG} makes the value a struct: a cgroup's own value is the sum
 *       of its rows, and its total is its own value with each child's total combined into it by
 *       the map's aggregator ({@link #aggregator(Aggregator)}; plain u64 sums until one is set).
 *   <li>Update and delete are refused: EPERM from user space, -EOPNOTSUPP from programs.
 * </ul>
 */
public final class CgroupStatsMap implements BpfMap {
    /** Our helper number for {@code bpf_cgroup_stats_update}, outside Linux's helper range. */
    public static final int BPF_FUNC_CGROUP_STATS_UPDATE = 0x1000;
    /** The largest value: 512 counters. */
    public static final int MAX_VALUE_SIZE = 4096;

    /** map_flags: one row of counters per entry instead of one per CPU (updates contend on it). */
    public static final int BPF_F_STATS_NO_PERCPU = 1 << 24;
    /** map_flags: nothing propagates to the parent; a total counts only its own cgroup. */
    public static final int BPF_F_STATS_NO_HIERARCHY = 1 << 25;
    /** map_flags: an update is a sample; a total is the largest sample in the subtree. */
    public static final int BPF_F_STATS_AGG_MAX = 1 << 26;
    /** map_flags: an update is a sample; a total is the smallest sample in the subtree. */
    public static final int BPF_F_STATS_AGG_MIN = 1 << 27;
    /** map_flags: struct values; a child's total is combined into its parent's by the aggregator program. */
    public static final int BPF_F_STATS_AGG_PROG = 1 << 28;
    /** Every flag of ours. */
    public static final int BPF_F_STATS_MASK = BPF_F_STATS_NO_PERCPU | BPF_F_STATS_NO_HIERARCHY
            | BPF_F_STATS_AGG_MAX | BPF_F_STATS_AGG_MIN | BPF_F_STATS_AGG_PROG;

    /**
     * {@code long bpf_cgroup_stats_update(struct bpf_map *map, struct cgroup *cgrp, u32 index, u64 delta)}:
     * 0; -EINVAL if {@code map} is not a CGROUP_STATS map; -ENOENT if the cgroup has no entry;
     * -E2BIG if {@code index} is not below the counter count.
     */
    public static final HelperSpec UPDATE = new HelperSpec(BPF_FUNC_CGROUP_STATS_UPDATE, "bpf_cgroup_stats_update",
            new HelperProto(RetType.INTEGER, List.of(ArgType.CONST_MAP_PTR, ArgType.PTR_TO_BTF_ID, ArgType.ANYTHING,
                    ArgType.ANYTHING), false, false),
            CgroupStatsMap::helperUpdate);

    private static final int FLAG_MASK = MapAttr.BPF_F_ACCESS_MASK | BPF_F_STATS_MASK;

    /**
     * Combines a child's total into its parent's value ({@link #BPF_F_STATS_AGG_PROG}): the
     * emulated kernel runs the attached aggregator program. Both arrays are value_size bytes;
     * only {@code parent} may change.
     */
    @FunctionalInterface
    public interface Aggregator {
        void combine(byte[] parent, byte[] child);
    }

    /** How counters combine. */
    private enum Agg { SUM, MAX, MIN, PROG }

    /** One cgroup's counters. */
    private final class Entry {
        final Cgroup cgrp;
        final Entry parent;
        final long[][] rows;
        final long[][] flushed;
        final long[] total;
        final long[] pending;
        /** CPUs (rows) updated since this entry's last fold. */
        final java.util.BitSet dirty = new java.util.BitSet();
        /** In the map's updated tree (this entry or something under it has unflushed counts). */
        boolean linked;
        /** Children in the updated tree. */
        final List<Entry> updatedChildren = new ArrayList<>(0);
        /** Children of this entry (for the aggregator's recomputation). */
        final List<Entry> children = new ArrayList<>(0);
        /** AGG_PROG: the combined totals of removed children; null until one is removed. */
        byte[] dead;
        final byte[] value;
        final Region region;

        Entry(Cgroup cgrp, Entry parent) {
            this.cgrp = cgrp;
            this.parent = parent;
            rows = new long[rowCount][counters];
            flushed = agg == Agg.SUM ? new long[rowCount][counters] : null;
            total = new long[counters];
            pending = new long[counters];
            if (agg == Agg.MIN) {
                for (long[] r : rows) {
                    java.util.Arrays.fill(r, -1L);
                }
                java.util.Arrays.fill(total, -1L);
                java.util.Arrays.fill(pending, -1L);
            }
            value = new byte[attr.valueSize()];
            encode(total, value);
            region = memory.register(Region.of(Region.Kind.MAP_VALUE, attr.name(), value)
                    .perms(Region.READ).owner(CgroupStatsMap.this).build());
        }

        /** Folds the dirty rows and the pending counts into the total and the parent's pending. */
        void fold() {
            folded++;
            Entry up = hierarchical ? parent : null;
            switch (agg) {
                case SUM:
                    for (int i = 0; i < counters; i++) {
                        long d = pending[i];
                        for (int r = dirty.nextSetBit(0); r >= 0; r = dirty.nextSetBit(r + 1)) {
                            d += rows[r][i] - flushed[r][i];
                            flushed[r][i] = rows[r][i];
                        }
                        pending[i] = 0;
                        total[i] += d;
                        if (up != null) {
                            up.pending[i] += d;
                        }
                    }
                    break;
                case MAX:
                case MIN:
                    for (int i = 0; i < counters; i++) {
                        long v = pending[i];
                        for (int r = dirty.nextSetBit(0); r >= 0; r = dirty.nextSetBit(r + 1)) {
                            v = pick(v, rows[r][i]);
                        }
                        pending[i] = agg == Agg.MAX ? 0 : -1L;
                        total[i] = pick(total[i], v);
                        if (up != null) {
                            up.pending[i] = pick(up.pending[i], v);
                        }
                    }
                    break;
                case PROG:
                    recompute();
                    break;
                default:
                    throw new IllegalStateException();
            }
            dirty.clear();
            encode(total, value);
        }

        /** AGG_PROG: total = own counts (the rows' sums), then each child's total and the dead ones combined in. */
        void recompute() {
            long[] own = new long[counters];
            for (long[] r : rows) {
                for (int i = 0; i < counters; i++) {
                    own[i] += r[i];
                }
            }
            byte[] acc = new byte[attr.valueSize()];
            encode(own, acc);
            if (hierarchical) {
                for (Entry c : children) {
                    combine(acc, c.value);
                }
                if (dead != null) {
                    combine(acc, dead);
                }
            }
            decode(acc, total);
        }
    }

    private final MapAttr attr;
    private final EmulatedKernel kernel;
    private final AddressSpace memory;
    private final int cpus;
    private final int rowCount;
    private final int counters;
    private final Agg agg;
    private final boolean hierarchical;
    private final int id;
    private final Region handle;
    private final TreeMap<Long, Entry> entries = new TreeMap<>();
    private final CgroupEvents listener;
    private final Rstat.Flusher flusher;
    private Aggregator aggregator;
    private long folded;
    private boolean frozen;
    private boolean closed;

    private CgroupStatsMap(MapAttr attr, EmulatedKernel kernel, Cgroup initial) {
        this.attr = attr;
        this.kernel = kernel;
        this.memory = kernel.runtime().memory();
        this.cpus = kernel.runtime().cpus();
        int f = attr.flags();
        this.rowCount = (f & BPF_F_STATS_NO_PERCPU) != 0 ? 1 : cpus;
        this.counters = attr.valueSize() / 8;
        this.agg = (f & BPF_F_STATS_AGG_MAX) != 0 ? Agg.MAX : (f & BPF_F_STATS_AGG_MIN) != 0 ? Agg.MIN
                : (f & BPF_F_STATS_AGG_PROG) != 0 ? Agg.PROG : Agg.SUM;
        this.hierarchical = (f & BPF_F_STATS_NO_HIERARCHY) == 0;
        this.id = Maps.nextId();
        this.handle = memory.register(Region.handle(Region.Kind.MAP, attr.name(), this).build());
        this.listener = new CgroupEvents() {
            @Override
            public void mkdirTracepoint(Cgroup c) {
                created(c);
            }

            @Override
            public void rmdirTracepoint(Cgroup c) {
                removed(c);
            }
        };
        this.flusher = this::rstatFlush;
        kernel.addCgroupListener(listener);
        kernel.rstat().addFlusher(flusher);
        addSubtree(initial, null);
    }

    /**
     * {@code BPF_MAP_CREATE} of a CGROUP_STATS map in {@code kernel}.
     *
     * @throws BpfMapException EINVAL for a key size other than 8, a value size not a positive
     *                         multiple of 8, max_entries not 0, unknown flags, both AGG_MAX and
     *                         AGG_MIN (or either with AGG_PROG), or map_extra 0; E2BIG for a
     *                         value above {@link #MAX_VALUE_SIZE}; ENOENT when map_extra names
     *                         no live cgroup
     */
    public static CgroupStatsMap create(MapAttr attr, EmulatedKernel kernel) {
        if (attr.type() != MapType.CGROUP_STATS) {
            throw fail(attr, Errno.EINVAL, "not a CGROUP_STATS map");
        }
        if (attr.keySize() != 8) {
            throw fail(attr, Errno.EINVAL, "key size must be 8 (a cgroup id), not " + attr.keySize());
        }
        if (attr.valueSize() <= 0 || attr.valueSize() % 8 != 0) {
            throw fail(attr, Errno.EINVAL, "value size must be a positive multiple of 8, not " + attr.valueSize());
        }
        if (attr.valueSize() > MAX_VALUE_SIZE) {
            throw fail(attr, Errno.E2BIG, "value size " + attr.valueSize() + " is above " + MAX_VALUE_SIZE);
        }
        if (attr.maxEntries() != 0) {
            throw fail(attr, Errno.EINVAL, "max_entries must be 0 (entries follow the cgroup tree)");
        }
        if ((attr.flags() & ~FLAG_MASK) != 0) {
            throw fail(attr, Errno.EINVAL, "unsupported flags 0x" + Integer.toHexString(attr.flags() & ~FLAG_MASK));
        }
        if ((attr.flags() & MapAttr.BPF_F_RDONLY) != 0 && (attr.flags() & MapAttr.BPF_F_WRONLY) != 0) {
            throw fail(attr, Errno.EINVAL, "BPF_F_RDONLY and BPF_F_WRONLY together");
        }
        if (Integer.bitCount(attr.flags() & (BPF_F_STATS_AGG_MAX | BPF_F_STATS_AGG_MIN | BPF_F_STATS_AGG_PROG)) > 1) {
            throw fail(attr, Errno.EINVAL, "at most one of BPF_F_STATS_AGG_MAX, BPF_F_STATS_AGG_MIN, BPF_F_STATS_AGG_PROG");
        }
        if (attr.mapExtra() == 0) {
            throw fail(attr, Errno.EINVAL, "map_extra must be the id of the initial cgroup");
        }
        Cgroup initial = kernel.cgroups().byId(attr.mapExtra());
        if (initial == null || !initial.online()) {
            throw fail(attr, Errno.ENOENT, "map_extra " + attr.mapExtra() + " is not a cgroup id");
        }
        return new CgroupStatsMap(attr, kernel, initial);
    }

    private static BpfMapException fail(MapAttr attr, Errno e, String why) {
        String who = attr.name().isEmpty() ? "map" : "map '" + attr.name() + "'";
        return new BpfMapException(e, who + ": " + why);
    }

    private BpfMapException fail(Errno e, String why) {
        return fail(attr, e, why);
    }

    private long pick(long a, long b) {
        return agg == Agg.MAX ? (Long.compareUnsigned(a, b) >= 0 ? a : b) : (Long.compareUnsigned(a, b) <= 0 ? a : b);
    }

    private static void encode(long[] counters, byte[] out) {
        for (int i = 0; i < counters.length; i++) {
            long t = counters[i];
            for (int b = 0; b < 8; b++) {
                out[8 * i + b] = (byte) (t >>> (8 * b));
            }
        }
    }

    private static void decode(byte[] in, long[] out) {
        for (int i = 0; i < out.length; i++) {
            long v = 0;
            for (int b = 7; b >= 0; b--) {
                v = (v << 8) | (in[8 * i + b] & 0xff);
            }
            out[i] = v;
        }
    }

    /** Combines {@code child} into {@code parent} (AGG_PROG): the aggregator, or u64 sums. */
    private void combine(byte[] parent, byte[] child) {
        Aggregator a = aggregator;
        if (a != null) {
            a.combine(parent, child);
            return;
        }
        long[] p = new long[counters];
        long[] c = new long[counters];
        decode(parent, p);
        decode(child, c);
        for (int i = 0; i < counters; i++) {
            p[i] += c[i];
        }
        encode(p, parent);
    }

    // ---- the aggregator -------------------------------------------------------------------

    /** Whether this map's values are structs combined by an aggregator ({@link #BPF_F_STATS_AGG_PROG}). */
    public boolean aggregated() {
        return agg == Agg.PROG;
    }

    /**
     * Sets (null: removes) the aggregator of a {@link #BPF_F_STATS_AGG_PROG} map; every total is
     * recomputed with it at the next lookup.
     *
     * @throws BpfMapException EINVAL if the map has no BPF_F_STATS_AGG_PROG; EBUSY if it already has one
     */
    public synchronized void aggregator(Aggregator a) {
        if (agg != Agg.PROG) {
            throw fail(Errno.EINVAL, "an aggregator needs BPF_F_STATS_AGG_PROG");
        }
        if (a != null && aggregator != null) {
            throw fail(Errno.EBUSY, "the map already has an aggregator");
        }
        aggregator = a;
        for (Entry e : entries.values()) {
            if (!e.linked) {
                markUpdated(e);
            }
        }
    }

    /** The current aggregator, or null. */
    public synchronized Aggregator aggregator() {
        return aggregator;
    }

    // ---- the cgroup tree ------------------------------------------------------------------

    private Entry entry(Cgroup c) {
        return entries.get(c.id());
    }

    private synchronized void addSubtree(Cgroup c, Entry parent) {
        if (closed || !c.online()) {
            return;
        }
        Entry e = add(c, parent);
        for (Cgroup child : c.children()) {
            addSubtree(child, e);
        }
    }

    private Entry add(Cgroup c, Entry parent) {
        Entry e = entries.get(c.id());
        if (e == null) {
            e = new Entry(c, parent);
            entries.put(c.id(), e);
            if (parent != null) {
                parent.children.add(e);
            }
        }
        return e;
    }

    private synchronized void created(Cgroup c) {
        Entry parent = c.parent() == null ? null : entry(c.parent());
        if (closed || parent == null) {
            return;
        }
        add(c, parent);
    }

    private synchronized void removed(Cgroup c) {
        Entry e = entries.get(c.id());
        if (e == null) {
            return;
        }
        // whatever is still unflushed under it (its children are gone already) goes up first
        flush(e);
        for (int r = 0; r < rowCount; r++) {
            e.dirty.set(r);
        }
        e.fold();
        Entry p = e.parent;
        if (p != null) {
            p.children.remove(e);
            p.updatedChildren.remove(e);
            if (agg == Agg.PROG && hierarchical) {
                if (p.dead == null) {
                    p.dead = new byte[attr.valueSize()];
                }
                combine(p.dead, e.value);
            }
            if (hierarchical) {
                markUpdated(p);
            }
        }
        entries.remove(c.id());
        memory.unregister(e.region);
    }

    /** Links {@code e} and each ancestor not yet linked into the updated tree (cgroup_rstat_updated). */
    private void markUpdated(Entry e) {
        for (Entry x = e; x != null && !x.linked; x = x.parent) {
            x.linked = true;
            if (x.parent == null || !hierarchical) {
                return;
            }
            x.parent.updatedChildren.add(x);
        }
    }

    /** The kernel's rstat flush popped {@code c} on {@code cpu}. */
    private synchronized void rstatFlush(Cgroup c, Cgroup parent, int cpu) {
        Entry e = entries.get(c.id());
        if (e != null && e.dirty.get(rowCount == 1 ? 0 : cpu)) {
            e.fold();
            if (e.parent != null && hierarchical) {
                markUpdated(e.parent);
            }
        }
    }

    /**
     * Flushes the updated entries under {@code e}, children first, and takes {@code e} out of
     * the updated tree (cgroup_rstat_flush): entries not updated since the last flush are not
     * visited.
     */
    private void flush(Entry e) {
        if (!e.linked) {
            return;
        }
        if (e.parent != null) {
            e.parent.updatedChildren.remove(e);
        }
        popAndFold(e);
    }

    private void popAndFold(Entry e) {
        for (Entry child : e.updatedChildren) {
            popAndFold(child);
        }
        e.updatedChildren.clear();
        e.linked = false;
        e.fold();
    }

    /** The flushed total counters of cgroup {@code cgroupId}, or null if it has no entry. */
    public synchronized long[] totals(long cgroupId) {
        Entry e = entries.get(cgroupId);
        if (e == null) {
            return null;
        }
        flush(e);
        return e.total.clone();
    }

    /** The cgroup ids with an entry, in increasing order. */
    public synchronized List<Long> cgroupIds() {
        return new ArrayList<>(entries.keySet());
    }

    /** Entries folded by flushes so far (visits: for tests and benchmarks). */
    public synchronized long foldedCount() {
        return folded;
    }

    // ---- the helper ------------------------------------------------------------------------

    /** {@code bpf_cgroup_stats_update} on CPU {@code cpu}: 0 or a negative errno. */
    public long update(Cgroup cgrp, long index, long delta, int cpu) {
        synchronized (this) {
            Entry e = entries.get(cgrp.id());
            if (e == null) {
                return Errno.ENOENT.negative();
            }
            if (index < 0 || index >= counters) {
                return Errno.E2BIG.negative();
            }
            if (cpu < 0 || cpu >= cpus) {
                return Errno.EINVAL.negative();
            }
            int r = rowCount == 1 ? 0 : cpu;
            long[] row = e.rows[r];
            row[(int) index] = agg == Agg.MAX || agg == Agg.MIN ? pick(row[(int) index], delta) : row[(int) index] + delta;
            e.dirty.set(r);
            markUpdated(e);
        }
        kernel.rstat().updated(cgrp, cpu);
        return 0;
    }

    private static long helperUpdate(ExecContext ctx, long map, long cgrp, long index, long delta, long r5) {
        Region mr = ctx.memory().regionAt(map);
        if (mr == null || !(mr.owner() instanceof CgroupStatsMap m) || map != m.address()) {
            return Errno.EINVAL.negative();
        }
        Region cr = ctx.memory().regionAt(cgrp);
        if (cr == null || !(cr.owner() instanceof Cgroup c) || cgrp != c.address()) {
            throw new BpfException(Errno.EFAULT, "bpf_cgroup_stats_update: 0x" + Long.toHexString(cgrp)
                    + " is not a cgroup");
        }
        return m.update(c, index & 0xffffffffL, delta, ctx.cpu());
    }

    // ---- BpfMap: object -------------------------------------------------------------------

    @Override
    public MapAttr attr() {
        return attr;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public long address() {
        return handle.address();
    }

    @Override
    public int userValueSize() {
        return attr.valueSize();
    }

    @Override
    public synchronized boolean frozen() {
        return frozen;
    }

    @Override
    public synchronized void freeze() {
        if (frozen) {
            throw fail(Errno.EPERM, "already frozen");
        }
        frozen = true;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (Entry e : entries.values()) {
                memory.unregister(e.region);
            }
            entries.clear();
            memory.unregister(handle);
        }
        kernel.removeCgroupListener(listener);
        kernel.rstat().removeFlusher(flusher);
    }

    @Override
    public String toString() {
        return attr.type().bpftoolName() + " map '" + attr.name() + "' (id " + id + ")";
    }

    // ---- BpfMap: programs -----------------------------------------------------------------

    @Override
    public synchronized long lookupElem(ExecContext ctx, long key) {
        long cgroupId = ctx.memory().load(key, 8);
        Entry e = entries.get(cgroupId);
        if (e == null) {
            return 0;
        }
        flush(e);
        return e.region.address();
    }

    @Override
    public long updateElem(ExecContext ctx, long key, long value, long flags) {
        return Errno.EOPNOTSUPP.negative();
    }

    @Override
    public long deleteElem(ExecContext ctx, long key) {
        return Errno.EOPNOTSUPP.negative();
    }

    // ---- BpfMap: user space ---------------------------------------------------------------

    private static long cgroupId(byte[] key) {
        long v = 0;
        for (int b = 7; b >= 0; b--) {
            v = (v << 8) | (key[b] & 0xff);
        }
        return v;
    }

    private void checkKey(byte[] key) {
        if (key == null || key.length != 8) {
            throw fail(Errno.EINVAL, "key must be 8 bytes (a cgroup id)");
        }
    }

    @Override
    public synchronized byte[] lookup(byte[] key, long flags) {
        checkKey(key);
        if (flags != BPF_ANY) {
            throw fail(Errno.EINVAL, "unsupported lookup flags 0x" + Long.toHexString(flags));
        }
        Entry e = entries.get(cgroupId(key));
        if (e == null) {
            throw fail(Errno.ENOENT, "no entry for cgroup id " + cgroupId(key));
        }
        flush(e);
        return e.value.clone();
    }

    @Override
    public void update(byte[] key, byte[] value, long flags) {
        throw fail(Errno.EPERM, "CGROUP_STATS entries are updated only by bpf_cgroup_stats_update");
    }

    @Override
    public void delete(byte[] key) {
        throw fail(Errno.EPERM, "CGROUP_STATS entries are deleted only by removing their cgroup");
    }

    @Override
    public synchronized byte[] nextKey(byte[] key) {
        Long next;
        if (key == null || key.length != 8) {
            next = entries.isEmpty() ? null : entries.firstKey();
        } else {
            long k = cgroupId(key);
            next = entries.containsKey(k) ? entries.higherKey(k)
                    : (entries.isEmpty() ? null : entries.firstKey());
        }
        if (next == null) {
            throw fail(Errno.ENOENT, "no next key");
        }
        byte[] out = new byte[8];
        for (int b = 0; b < 8; b++) {
            out[b] = (byte) (next >>> (8 * b));
        }
        return out;
    }
}
