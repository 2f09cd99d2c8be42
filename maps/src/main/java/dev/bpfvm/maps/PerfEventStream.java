package dev.bpfvm.maps;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One CPU's perf event buffer behind a {@code PERF_EVENT_ARRAY} slot (a {@code perf_event_open}ed
 * {@code PERF_COUNT_SW_BPF_OUTPUT} event): samples written by {@code bpf_perf_event_output} on that
 * CPU, read in order by users and tests. Its capacity is counted as the kernel's ring counts it
 * (a sample record's header, size word and padded raw data); a sample that does not fit is
 * dropped and counted as lost, and the helper returns -ENOSPC.
 */
public final class PerfEventStream {
    /** perf_event_header (8) + the raw size word (4). */
    static final int RECORD_OVERHEAD = 12;

    private final int cpu;
    private final long capacity;
    private final ArrayDeque<byte[]> samples = new ArrayDeque<>();
    private long used;
    private long lost;

    PerfEventStream(int cpu, long capacityBytes) {
        this.cpu = cpu;
        this.capacity = capacityBytes;
    }

    /** The CPU this event is bound to. */
    public int cpu() {
        return cpu;
    }

    synchronized boolean offer(byte[] sample) {
        long need = RECORD_OVERHEAD + sample.length;
        if (used + need > capacity) {
            lost++;
            return false;
        }
        used += need;
        samples.add(sample);
        return true;
    }

    /** The next sample (raw data, padded as the kernel pads it), or null. */
    public synchronized byte[] poll() {
        byte[] s = samples.poll();
        if (s != null) {
            used -= RECORD_OVERHEAD + s.length;
        }
        return s;
    }

    /** Every pending sample, in order. */
    public synchronized List<byte[]> drain() {
        List<byte[]> out = new ArrayList<>(samples);
        samples.clear();
        used = 0;
        return out;
    }

    /** Samples dropped because the buffer was full. */
    public synchronized long lost() {
        return lost;
    }

    public synchronized int pending() {
        return samples.size();
    }
}
