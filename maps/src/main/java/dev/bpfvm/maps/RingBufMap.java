package dev.bpfvm.maps;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.ByteAtomics;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.MapAttr;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code BPF_MAP_TYPE_RINGBUF}: a multi-producer, single-consumer ring of variable-size records
 * with Linux's record format (an 8-byte header: length with the BUSY and DISCARD bits, then the
 * page offset) and positions (producer and consumer counters that only grow).
 *
 * <p>Programs reserve a record ({@link #reserve}: its bytes are a region of their own, so the
 * program can write exactly the reserved size), then submit or discard it, or copy a record in
 * with {@link #output}. Users and tests read committed records in order with {@link #poll},
 * {@link #consume} or {@link #drain}; discarded records are skipped and reading stops at the first
 * record still reserved, as libbpf's {@code ring_buffer__consume}.
 *
 * <p>Linux maps the data pages twice so a record that wraps around the end is contiguous. Here the
 * data array is twice the ring size: a record always starts in the first half and its bytes run
 * on contiguously, and readers use the same offsets, so no copying is needed.
 */
public final class RingBufMap extends AbstractMap {
    public static final long BPF_RB_NO_WAKEUP = 1;
    public static final long BPF_RB_FORCE_WAKEUP = 2;
    public static final int BPF_RB_AVAIL_DATA = 0;
    public static final int BPF_RB_RING_SIZE = 1;
    public static final int BPF_RB_CONS_POS = 2;
    public static final int BPF_RB_PROD_POS = 3;
    static final int BPF_RINGBUF_BUSY_BIT = 1 << 31;
    static final int BPF_RINGBUF_DISCARD_BIT = 1 << 30;
    static final int BPF_RINGBUF_HDR_SZ = 8;
    /** RINGBUF_MAX_RECORD_SZ: UINT_MAX / 4. */
    static final long MAX_RECORD_SZ = 0xffffffffL / 4;
    /** Pages before the data in Linux's mapping (struct, consumer page, producer page). */
    private static final int META_PAGES = 3;

    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[] data;
    private final long mask;
    private final Object producerLock = new Object();
    private final Object consumerLock = new Object();
    private volatile long producerPos;
    private volatile long consumerPos;
    private volatile long wakeups;

    RingBufMap(MapAttr attr, BpfRuntime runtime) {
        super(attr, runtime);
        long size = Integer.toUnsignedLong(attr.maxEntries());
        this.mask = size - 1;
        this.data = new byte[(int) (2 * size)];
    }

    private long totalSize() {
        return mask + 1;
    }

    /** Reserves a record of {@code size} bytes; returns the header's index in {@link #data} or -1. */
    private int reserveRecord(long size) {
        if (Long.compareUnsigned(size, MAX_RECORD_SZ) > 0) {
            return -1;
        }
        long len = (size + BPF_RINGBUF_HDR_SZ + 7) & ~7L;
        if (len > totalSize()) {
            return -1;
        }
        synchronized (producerLock) {
            long cons = consumerPos;
            long prod = producerPos;
            long newProd = prod + len;
            if (newProd - cons > mask) {
                return -1;
            }
            int hdr = (int) (prod & mask);
            ByteAtomics.setRelease32(data, hdr, (int) size | BPF_RINGBUF_BUSY_BIT);
            I32.set(data, hdr + 4, META_PAGES + (hdr >>> 12));
            producerPos = newProd;
            return hdr;
        }
    }

    private void commit(int hdr, long flags, boolean discard) {
        int len = ByteAtomics.getAcquire32(data, hdr);
        int newLen = len ^ BPF_RINGBUF_BUSY_BIT;
        if (discard) {
            newLen |= BPF_RINGBUF_DISCARD_BIT;
        }
        ByteAtomics.setRelease32(data, hdr, newLen);
        long consAt = consumerPos & mask;
        if ((flags & BPF_RB_FORCE_WAKEUP) != 0 || (consAt == hdr && (flags & BPF_RB_NO_WAKEUP) == 0)) {
            synchronized (consumerLock) {
                wakeups++;
            }
        }
    }

    // ---- program side ---------------------------------------------------------------------------

    /** {@code bpf_ringbuf_reserve}: the address of {@code size} writable bytes, or 0. */
    public long reserve(ExecContext ctx, long size, long flags) {
        if (flags != 0) {
            return 0;
        }
        int hdr = reserveRecord(size);
        if (hdr < 0) {
            return 0;
        }
        Region r = register(Region.of(Region.Kind.RINGBUF, attr.name(), data, hdr + BPF_RINGBUF_HDR_SZ, (int) size));
        return r.address();
    }

    /** {@code bpf_ringbuf_submit} / {@code bpf_ringbuf_discard} of a reserved record. */
    public void submit(ExecContext ctx, long sample, long flags, boolean discard) {
        Region r = memory.regionAt(sample);
        if (r == null || r.kind() != Region.Kind.RINGBUF || r.owner() != this || AddressSpace.offsetOf(sample) != 0) {
            throw new BpfException(Errno.EFAULT, (discard ? "bpf_ringbuf_discard" : "bpf_ringbuf_submit")
                    + ": 0x" + Long.toHexString(sample) + " is not a reserved record of ring buffer '" + attr.name() + "'");
        }
        unregister(r);
        commit(r.base() - BPF_RINGBUF_HDR_SZ, flags, discard);
    }

    /** {@code bpf_ringbuf_output}: copies {@code size} bytes at {@code src} into a new record. */
    public long output(ExecContext ctx, long src, long size, long flags) {
        if ((flags & ~(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP)) != 0) {
            return Errno.EINVAL.negative();
        }
        if (size < 0 || size > Integer.MAX_VALUE) {
            return Errno.EAGAIN.negative();
        }
        Region r = readable(src, (int) size);
        int hdr = reserveRecord(size);
        if (hdr < 0) {
            return Errno.EAGAIN.negative();
        }
        System.arraycopy(r.data(), off(r, src), data, hdr + BPF_RINGBUF_HDR_SZ, (int) size);
        commit(hdr, flags, false);
        return 0;
    }

    /** {@code bpf_ringbuf_query}. */
    public long query(long flags) {
        if (flags == BPF_RB_AVAIL_DATA) {
            return producerPos - consumerPos;
        } else if (flags == BPF_RB_RING_SIZE) {
            return totalSize();
        } else if (flags == BPF_RB_CONS_POS) {
            return consumerPos;
        } else if (flags == BPF_RB_PROD_POS) {
            return producerPos;
        }
        return 0;
    }

    @Override
    public long updateElem(ExecContext ctx, long key, long value, long flags) {
        return Errno.ENOTSUPP.negative();
    }

    @Override
    public long deleteElem(ExecContext ctx, long key) {
        return Errno.ENOTSUPP.negative();
    }

    // ---- consumer -------------------------------------------------------------------------------

    /**
     * Reads the next committed record, skipping discarded ones; null when there is none yet (or the
     * next one is still reserved).
     */
    public byte[] poll() {
        synchronized (consumerLock) {
            long cons = consumerPos;
            for (;;) {
                if (cons >= producerPos) {
                    return null;
                }
                int hdr = (int) (cons & mask);
                int len = ByteAtomics.getAcquire32(data, hdr);
                if ((len & BPF_RINGBUF_BUSY_BIT) != 0) {
                    return null;
                }
                int size = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
                long recLen = (size + BPF_RINGBUF_HDR_SZ + 7L) & ~7L;
                byte[] sample = (len & BPF_RINGBUF_DISCARD_BIT) != 0 ? null
                        : Arrays.copyOfRange(data, hdr + BPF_RINGBUF_HDR_SZ, hdr + BPF_RINGBUF_HDR_SZ + size);
                cons += recLen;
                consumerPos = cons;
                if (sample != null) {
                    return sample;
                }
            }
        }
    }

    /** Hands every available record to {@code sink}, in order; returns how many. */
    public int consume(Consumer<byte[]> sink) {
        int n = 0;
        for (byte[] s = poll(); s != null; s = poll()) {
            sink.accept(s);
            n++;
        }
        return n;
    }

    /** Every available record, in order. */
    public List<byte[]> drain() {
        List<byte[]> out = new ArrayList<>();
        consume(out::add);
        return out;
    }

    /** Bytes between the consumer and the producer (BPF_RB_AVAIL_DATA). */
    public long available() {
        return query(BPF_RB_AVAIL_DATA);
    }

    /** How many times a commit would have woken a waiting consumer (epoll notifications). */
    public long wakeups() {
        return wakeups;
    }

    // ---- user side: not lookup-able -------------------------------------------------------------

    @Override
    public int userValueSize() {
        return 0;
    }

    @Override
    protected void checkValue(byte[] value) {
        // the kernel's ENOTSUPP comes from the map op, after the copy
    }

    @Override
    protected byte[] doLookup(byte[] key, long flags) {
        throw error(Errno.ENOTSUPP, "ring buffers have no elements to look up; consume records instead");
    }

    @Override
    protected void doUpdate(byte[] key, byte[] value, long flags) {
        throw error(Errno.ENOTSUPP, "ring buffers are written by programs");
    }

    @Override
    protected void doDelete(byte[] key) {
        throw error(Errno.ENOTSUPP, "ring buffers have no elements to delete");
    }

    @Override
    protected byte[] doNextKey(byte[] key) {
        throw error(Errno.ENOTSUPP, "ring buffers have no keys");
    }
}
