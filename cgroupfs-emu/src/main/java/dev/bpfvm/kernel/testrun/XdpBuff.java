package dev.bpfvm.kernel.testrun;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.mem.RegionHooks;

/**
 * The {@code xdp_buff} of a test run and its {@code struct xdp_md} view (24 bytes): one 4096-byte
 * frame with Linux's 256-byte headroom before the data and the {@code skb_shared_info} tailroom
 * reserved at its end. {@code data}, {@code data_end} and {@code data_meta} loads become packet
 * addresses; the adjust helpers move them.
 */
public final class XdpBuff implements RegionHooks {
    public static final int SIZE = 24;
    public static final int DATA = 0;
    public static final int DATA_END = 4;
    public static final int DATA_META = 8;
    public static final int INGRESS_IFINDEX = 12;
    public static final int RX_QUEUE_INDEX = 16;
    public static final int EGRESS_IFINDEX = 20;

    /** XDP_PACKET_HEADROOM. */
    public static final int HEADROOM = 256;
    public static final int FRAME_SIZE = SkBuff.PAGE_SIZE;
    /** The largest linear packet: PAGE_SIZE - headroom - tailroom (Linux uses frags beyond). */
    public static final int MAX_DATA = FRAME_SIZE - HEADROOM - SkBuff.TAILROOM;
    /** sizeof(struct xdp_frame) on 64-bit: kept free at the start of the frame. */
    static final int XDP_FRAME_SIZE = 40;
    /** Largest metadata (XDP's metalen limit). */
    static final int MAX_META = 32;

    final byte[] buf = new byte[FRAME_SIZE];
    int dataMeta;
    int data;
    int dataEnd;
    final byte[] ctx = new byte[SIZE];
    private Region packet;
    private Region ctxRegion;

    /** {@code frame} starts with {@code metaLen} bytes of metadata, then the packet. */
    XdpBuff(byte[] frame, int metaLen, int ingressIfindex, int rxQueue) {
        System.arraycopy(frame, 0, buf, HEADROOM - metaLen, frame.length);
        this.dataMeta = HEADROOM - metaLen;
        this.data = HEADROOM;
        this.dataEnd = HEADROOM - metaLen + frame.length;
        AddressSpace.put(ctx, INGRESS_IFINDEX, 4, ingressIfindex);
        AddressSpace.put(ctx, RX_QUEUE_INDEX, 4, rxQueue);
    }

    long register(AddressSpace memory) {
        packet = memory.register(Region.of(Region.Kind.PACKET, "xdp packet", buf).owner(this).build());
        ctxRegion = memory.register(Region.of(Region.Kind.CTX, "xdp_md", ctx).hooks(this).owner(this).build());
        return ctxRegion.address();
    }

    void unregister(AddressSpace memory) {
        if (packet != null) {
            memory.unregister(packet);
        }
        if (ctxRegion != null) {
            memory.unregister(ctxRegion);
        }
    }

    int metaLen() {
        return data - dataMeta;
    }

    /** The end of usable frame memory (xdp_data_hard_end). */
    static int hardEnd() {
        return FRAME_SIZE - SkBuff.TAILROOM;
    }

    @Override
    public boolean handlesLoad(int offset, int size) {
        return offset == DATA || offset == DATA_END || offset == DATA_META;
    }

    @Override
    public long load(Region region, int offset, int size) {
        if (size != 4) {
            throw new BpfException(Errno.EACCES, "invalid bpf_context access off=" + offset + " size=" + size);
        }
        int at = offset == DATA ? data : offset == DATA_END ? dataEnd : dataMeta;
        return packet.address(at);
    }

    @Override
    public boolean store(Region region, int offset, int size, long value) {
        throw new BpfException(Errno.EACCES, "invalid bpf_context access off=" + offset + " size=" + size);
    }

    /** bpf_xdp_adjust_head. */
    long adjustHead(int offset) {
        int meta = metaLen();
        int start = XDP_FRAME_SIZE + meta;
        long nd = (long) data + offset;
        if (nd < start || nd > dataEnd - SkBuff.ETH_HLEN) {
            return Errno.EINVAL.negative();
        }
        if (meta > 0) {
            System.arraycopy(buf, dataMeta, buf, dataMeta + offset, meta);
        }
        dataMeta += offset;
        data = (int) nd;
        return 0;
    }

    /** bpf_xdp_adjust_tail (linear buffers). */
    long adjustTail(int offset) {
        long ne = (long) dataEnd + offset;
        if (ne > hardEnd() || ne < data + SkBuff.ETH_HLEN) {
            return Errno.EINVAL.negative();
        }
        if (offset > 0) {
            java.util.Arrays.fill(buf, dataEnd, (int) ne, (byte) 0);
        }
        dataEnd = (int) ne;
        return 0;
    }

    /** bpf_xdp_adjust_meta. */
    long adjustMeta(int offset) {
        long meta = (long) dataMeta + offset;
        long len = data - meta;
        if (meta < XDP_FRAME_SIZE || meta > data) {
            return Errno.EINVAL.negative();
        }
        if ((len & 3) != 0 || len > MAX_META) {
            return Errno.EACCES.negative();
        }
        dataMeta = (int) meta;
        return 0;
    }
}
