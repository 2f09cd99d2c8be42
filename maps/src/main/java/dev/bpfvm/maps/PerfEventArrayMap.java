package dev.bpfvm.maps;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.MapAttr;
import java.util.Arrays;

/**
 * {@code BPF_MAP_TYPE_PERF_EVENT_ARRAY}: slots of per-CPU perf event streams. User space opens a
 * stream per CPU ({@link #open}, {@link #openPerCpu} as libbpf's {@code perf_buffer__new} does);
 * programs write samples with {@code bpf_perf_event_output}; tests read them from the streams.
 */
public final class PerfEventArrayMap extends ObjectArrayMap<PerfEventStream> {
    /** BPF_F_INDEX_MASK / BPF_F_CURRENT_CPU. */
    public static final long BPF_F_INDEX_MASK = 0xffffffffL;
    public static final long BPF_F_CURRENT_CPU = BPF_F_INDEX_MASK;
    /** BPF_F_CTXLEN_MASK (packet bytes to append, for skb/xdp programs). */
    public static final long BPF_F_CTXLEN_MASK = 0xfffffL << 32;
    /** Default stream size: 64 pages, a common libbpf perf_buffer size. */
    public static final long DEFAULT_STREAM_BYTES = 64 * 4096;

    PerfEventArrayMap(MapAttr attr, BpfRuntime runtime) {
        super(attr, runtime);
    }

    /** Opens a stream for {@code cpu} in slot {@code index} (perf_event_open + map update). */
    public PerfEventStream open(int index, int cpu, long capacityBytes) {
        if (cpu < 0 || cpu >= cpus) {
            throw error(Errno.EINVAL, "no CPU " + cpu);
        }
        PerfEventStream s = new PerfEventStream(cpu, capacityBytes);
        set(index, s);
        return s;
    }

    /** Opens slot i for CPU i, for every CPU that has a slot; returns the streams by CPU. */
    public PerfEventStream[] openPerCpu() {
        int n = Math.min(cpus, slots.length());
        PerfEventStream[] out = new PerfEventStream[n];
        for (int i = 0; i < n; i++) {
            out[i] = open(i, i, DEFAULT_STREAM_BYTES);
        }
        return out;
    }

    /** The stream in slot {@code index}, or null. */
    public PerfEventStream stream(int index) {
        return get(index);
    }

    /**
     * {@code bpf_perf_event_output(ctx, map, flags, data, size)} as tracing programs have it: the
     * sample goes to the slot named by the low 32 bits of {@code flags} (BPF_F_CURRENT_CPU: this
     * CPU's); EINVAL for other flag bits, E2BIG for a missing slot, ENOENT for an empty one,
     * EOPNOTSUPP when the slot's event is bound to another CPU, ENOSPC when its buffer is full.
     */
    public long output(ExecContext ctx, long flags, long data, long size) {
        if ((flags & ~BPF_F_INDEX_MASK) != 0) {
            return Errno.EINVAL.negative();
        }
        long index = flags & BPF_F_INDEX_MASK;
        int cpu = ctx.cpu();
        if (index == BPF_F_CURRENT_CPU) {
            index = cpu;
        }
        if (outOfRange(index)) {
            return Errno.E2BIG.negative();
        }
        PerfEventStream s = slots.get((int) index);
        if (s == null) {
            return Errno.ENOENT.negative();
        }
        if (s.cpu() != cpu) {
            return Errno.EOPNOTSUPP.negative();
        }
        if (size < 0 || size > Integer.MAX_VALUE - 16) {
            return Errno.E2BIG.negative();
        }
        Region r = readable(data, (int) size);
        // PERF_SAMPLE_RAW: u32 size + data, padded so the record stays 8-byte aligned
        int raw = (int) (((size + 4 + 7) & ~7L) - 4);
        byte[] sample = Arrays.copyOf(Arrays.copyOfRange(r.data(), off(r, data), off(r, data) + (int) size), raw);
        return s.offer(sample) ? 0 : Errno.ENOSPC.negative();
    }

    @Override
    public long updateElem(ExecContext ctx, long key, long value, long flags) {
        return Errno.EOPNOTSUPP.negative();
    }

    @Override
    public long deleteElem(ExecContext ctx, long key) {
        return Errno.EOPNOTSUPP.negative();
    }

    @Override
    protected void check(PerfEventStream obj) {
    }

    @Override
    protected PerfEventStream resolve(int id) {
        return null;     // perf event fds do not exist here: use open()
    }

    @Override
    protected int idOf(PerfEventStream obj) {
        throw error(Errno.ENOTSUPP, "perf event array slots cannot be looked up");
    }

    @Override
    protected byte[] doLookup(byte[] key, long flags) {
        throw error(Errno.ENOTSUPP, "perf event array slots cannot be looked up");
    }
}
