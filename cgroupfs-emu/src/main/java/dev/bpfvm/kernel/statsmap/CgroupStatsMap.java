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
 *       rmdir (the removed cgroup's unflushed counts first go to its parent's pending array,
 *       so the parent's total keeps them).
 *   <li>Each entry holds a per-CPU array, the last-flushed copy of it, a total array and a
 *       pending array. {@link #UPDATE bpf_cgroup_stats_update} adds to this CPU's slot and marks
 *       the cgroup rstat-updated.
 *   <li>A lookup (program or user) of cgroup C first flushes every entry under C, children
 *       first: the per-CPU deltas since the last flush plus the pending array go to the entry's
 *       total and to its parent's pending array. So a total counts the cgroup and all its
 *       descendants. The kernel's own rstat flush ({@code cgroup_rstat_flush}) folds the same
 *       way for the cgroups it pops. A user lookup returns the total array; a program lookup
 *       the address of a read-only copy of it.
 *   <li>Update and delete are refused: EPERM from user space, -EOPNOTSUPP from programs.
 * </ul>
 *
 * <p>Not done (RFC extensions): the NO_PERCPU and NO_HIERARCHY flags, SUM/MAX/MIN aggregation,
 * struct values with an aggregator program.
 */
public final class CgroupStatsMap implements BpfMap {
    /** Our helper number for {@code bpf_cgroup_stats_update}, outside Linux's helper range. */
    public static final int BPF_FUNC_CGROUP_STATS_UPDATE = 0x1000;
    /** The largest value: 512 counters. */
    public static final int MAX_VALUE_SIZE = 4096;

    /**
     * {@code long bpf_cgroup_stats_update(struct bpf_map *map, struct cgroup *cgrp, u32 index, s64 delta)}:
     * 0; -EINVAL if {@code map} is not a CGROUP_STATS map; -ENOENT if the cgroup has no entry;
     * -E2BIG if {@code index} is not below the counter count.
     */
    public static final HelperSpec UPDATE = new HelperSpec(BPF_FUNC_CGROUP_STATS_UPDATE, "bpf_cgroup_stats_update",
            new HelperProto(RetType.INTEGER, List.of(ArgType.CONST_MAP_PTR, ArgType.PTR_TO_BTF_ID, ArgType.ANYTHING,
                    ArgType.ANYTHING), false, false),
            CgroupStatsMap::helperUpdate);

    private static final int FLAG_MASK = MapAttr.BPF_F_ACCESS_MASK;

    /** One cgroup's counters. */
    private final class Entry {
        final Cgroup cgrp;
        final long[][] percpu;
        final long[][] flushed;
        final long[] total;
        final long[] pending;
        final byte[] value;
        final Region region;

        Entry(Cgroup cgrp) {
            this.cgrp = cgrp;
            percpu = new long[cpus][counters];
            flushed = new long[cpus][counters];
            total = new long[counters];
            pending = new long[counters];
            value = new byte[attr.valueSize()];
            region = memory.register(Region.of(Region.Kind.MAP_VALUE, attr.name(), value)
                    .perms(Region.READ).owner(CgroupStatsMap.this).build());
        }

        /** Folds CPU {@code cpu}'s delta and the pending counts into the total and the parent's pending. */
        void fold(int cpu) {
            Entry parent = entries.get(cgrp.parent() == null ? -1L : cgrp.parent().id());
            for (int i = 0; i < counters; i++) {
                long d = percpu[cpu][i] - flushed[cpu][i] + pending[i];
                flushed[cpu][i] = percpu[cpu][i];
                pending[i] = 0;
                total[i] += d;
                if (parent != null) {
                    parent.pending[i] += d;
                }
            }
            for (int i = 0; i < counters; i++) {
                long t = total[i];
                for (int b = 0; b < 8; b++) {
                    value[8 * i + b] = (byte) (t >>> (8 * b));
                }
            }
        }
    }

    private final MapAttr attr;
    private final EmulatedKernel kernel;
    private final AddressSpace memory;
    private final int cpus;
    private final int counters;
    private final int id;
    private final Region handle;
    private final TreeMap<Long, Entry> entries = new TreeMap<>();
    private final CgroupEvents listener;
    private final Rstat.Flusher flusher;
    private boolean frozen;
    private boolean closed;

    private CgroupStatsMap(MapAttr attr, EmulatedKernel kernel, Cgroup initial) {
        this.attr = attr;
        this.kernel = kernel;
        this.memory = kernel.runtime().memory();
        this.cpus = kernel.runtime().cpus();
        this.counters = attr.valueSize() / 8;
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
        addSubtree(initial);
    }

    /**
     * {@code BPF_MAP_CREATE} of a CGROUP_STATS map in {@code kernel}.
     *
     * @throws BpfMapException EINVAL for a key size other than 8, a value size not a positive
     *                         multiple of 8, max_entries not 0, unknown flags or map_extra 0;
     *                         E2BIG for a value above {@link #MAX_VALUE_SIZE}; ENOENT when
     *                         map_extra names no live cgroup
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

    // ---- the cgroup tree ------------------------------------------------------------------

    private synchronized void addSubtree(Cgroup c) {
        if (closed || !c.online()) {
            return;
        }
        entries.computeIfAbsent(c.id(), k -> new Entry(c));
        for (Cgroup child : c.children()) {
            addSubtree(child);
        }
    }

    private synchronized void created(Cgroup c) {
        if (closed || c.parent() == null || !entries.containsKey(c.parent().id())) {
            return;
        }
        entries.computeIfAbsent(c.id(), k -> new Entry(c));
    }

    private synchronized void removed(Cgroup c) {
        Entry e = entries.get(c.id());
        if (e == null) {
            return;
        }
        for (int cpu = 0; cpu < cpus; cpu++) {
            e.fold(cpu);
        }
        entries.remove(c.id());
        memory.unregister(e.region);
    }

    /** The kernel's rstat flush popped {@code c} on {@code cpu}. */
    private synchronized void rstatFlush(Cgroup c, Cgroup parent, int cpu) {
        Entry e = entries.get(c.id());
        if (e != null) {
            e.fold(cpu);
        }
    }

    /** Flushes every entry under {@code e}, children first. */
    private void flush(Entry e) {
        for (Cgroup child : e.cgrp.children()) {
            Entry ce = entries.get(child.id());
            if (ce != null) {
                flush(ce);
            }
        }
        for (int cpu = 0; cpu < cpus; cpu++) {
            e.fold(cpu);
        }
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
            e.percpu[cpu][(int) index] += delta;
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
