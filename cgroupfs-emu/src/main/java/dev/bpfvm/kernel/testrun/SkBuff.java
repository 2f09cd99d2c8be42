package dev.bpfvm.kernel.testrun;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.LegacyPacket;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.mem.RegionHooks;

/**
 * The socket buffer of a test run and its {@code struct __sk_buff} view (uapi layout, 192 bytes).
 * The packet lives in one {@code byte[]} with Linux's test-run headroom; {@code data},
 * {@code data_end} and {@code data_meta} are 32-bit fields in uapi whose loads the region hooks
 * turn into the packet's 64-bit addresses, as the kernel's context rewrite does. Other fields
 * (incl. {@code len}, which no helper here changes) are plain bytes, so narrow loads work; a
 * program may write only where Linux lets it.
 */
public final class SkBuff implements LegacyPacket, RegionHooks {
    public static final int SIZE = 192;
    public static final int LEN = 0;
    public static final int PKT_TYPE = 4;
    public static final int MARK = 8;
    public static final int QUEUE_MAPPING = 12;
    public static final int PROTOCOL = 16;
    public static final int VLAN_PRESENT = 20;
    public static final int VLAN_TCI = 24;
    public static final int VLAN_PROTO = 28;
    public static final int PRIORITY = 32;
    public static final int INGRESS_IFINDEX = 36;
    public static final int IFINDEX = 40;
    public static final int TC_INDEX = 44;
    public static final int CB = 48;
    public static final int CB_SIZE = 20;
    public static final int HASH = 68;
    public static final int TC_CLASSID = 72;
    public static final int DATA = 76;
    public static final int DATA_END = 80;
    public static final int NAPI_ID = 84;
    public static final int FAMILY = 88;
    public static final int REMOTE_IP4 = 92;
    public static final int LOCAL_IP4 = 96;
    public static final int REMOTE_IP6 = 100;
    public static final int LOCAL_IP6 = 116;
    public static final int REMOTE_PORT = 132;
    public static final int LOCAL_PORT = 136;
    public static final int DATA_META = 140;
    public static final int FLOW_KEYS = 144;
    public static final int TSTAMP = 152;
    public static final int WIRE_LEN = 160;
    public static final int GSO_SEGS = 164;
    public static final int SK = 168;
    public static final int GSO_SIZE = 176;
    public static final int TSTAMP_TYPE = 180;
    public static final int HWTSTAMP = 184;

    public static final int ETH_HLEN = 14;
    /** NET_SKB_PAD + NET_IP_ALIGN on x86-64: the headroom bpf_prog_test_run_skb gives. */
    public static final int HEADROOM = 64 + 0;
    /** SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64. */
    public static final int TAILROOM = 320;
    public static final int PAGE_SIZE = 4096;
    /** The loopback device, the only one bpfvm's test runs have. */
    public static final int LOOPBACK_IFINDEX = 1;

    /** Which program kind sees this buffer: decides where skb->data starts and what it may write. */
    public enum Kind {
        /** Socket filters: read-only packet, cb writable. */
        SOCKET_FILTER,
        /** cgroup_skb: read-only packet. */
        CGROUP_SKB,
        /** tc classifier/action: skb->data at the Ethernet header, writable packet. */
        TC,
        /** lwt_in/lwt_out: read-only packet from the network header. */
        LWT,
        /** lwt_xmit: writable packet from the network header. */
        LWT_XMIT
    }

    final Kind kind;
    final byte[] buf;
    /** Offsets in {@link #buf}: mac header, network header, skb->data, skb tail. */
    final int mac;
    final int network;
    int data;
    int tail;
    final byte[] ctx = new byte[SIZE];
    private Region packet;
    private Region ctxRegion;

    SkBuff(Kind kind, byte[] frame) {
        this.kind = kind;
        this.buf = new byte[HEADROOM + frame.length + TAILROOM];
        System.arraycopy(frame, 0, buf, HEADROOM, frame.length);
        this.mac = HEADROOM;
        this.network = HEADROOM + ETH_HLEN;
        this.data = kind == Kind.TC ? mac : network;     // eth_type_trans pulls the header; tc pushes it back
        this.tail = HEADROOM + frame.length;
    }

    /** skb->len. */
    public int len() {
        return tail - data;
    }

    /** Registers the packet and context regions; returns the context address. */
    long register(AddressSpace memory, String program) {
        int perms = kind == Kind.TC || kind == Kind.LWT_XMIT ? Region.RW : Region.READ;
        packet = memory.register(Region.of(Region.Kind.PACKET, "packet", buf).perms(perms).owner(this).build());
        ctxRegion = memory.register(Region.of(Region.Kind.CTX, "__sk_buff", ctx).hooks(this).owner(this).build());
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

    /** The address of offset {@code off} of {@link #buf}. */
    long addressOf(int off) {
        return packet.address(off);
    }

    int getInt(int off) {
        return (int) AddressSpace.get(ctx, off, 4);
    }

    void putInt(int off, long v) {
        AddressSpace.put(ctx, off, 4, v);
    }

    long getLong(int off) {
        return AddressSpace.get(ctx, off, 8);
    }

    void putLong(int off, long v) {
        AddressSpace.put(ctx, off, 8, v);
    }

    // ---- RegionHooks: the context rewrite ----------------------------------------------------

    @Override
    public boolean handlesLoad(int offset, int size) {
        return offset == DATA || offset == DATA_END || offset == DATA_META;
    }

    @Override
    public long load(Region region, int offset, int size) {
        if (size != 4) {
            throw new BpfException(Errno.EACCES, "invalid bpf_context access off=" + offset + " size=" + size);
        }
        return addressOf(offset == DATA_END ? tail : data);
    }

    @Override
    public boolean store(Region region, int offset, int size, long value) {
        if (!writable(offset, size)) {
            throw new BpfException(Errno.EACCES, "invalid bpf_context access off=" + offset + " size=" + size);
        }
        return false;
    }

    /** The fields a program of this kind may write (Linux's *_is_valid_access for writes). */
    private boolean writable(int off, int size) {
        int end = off + size;
        if (off >= CB && end <= CB + CB_SIZE) {
            return true;
        }
        switch (kind) {
            case SOCKET_FILTER:
                return false;
            case CGROUP_SKB:
                return within(off, end, MARK, 4) || within(off, end, PRIORITY, 4) || within(off, end, TSTAMP, 8);
            case LWT:
            case LWT_XMIT:
                return within(off, end, MARK, 4) || within(off, end, PRIORITY, 4);
            default:
                return within(off, end, MARK, 4) || within(off, end, PRIORITY, 4) || within(off, end, TSTAMP, 8)
                        || within(off, end, TC_INDEX, 4) || within(off, end, TC_CLASSID, 4)
                        || within(off, end, QUEUE_MAPPING, 4);
        }
    }

    private static boolean within(int off, int end, int field, int size) {
        return off >= field && end <= field + size;
    }

    // ---- LD_ABS / LD_IND -------------------------------------------------------------------

    /** SKF_NET_OFF and SKF_LL_OFF of classic BPF. */
    static final long SKF_NET_OFF = -0x100000;
    static final long SKF_LL_OFF = -0x200000;

    @Override
    public long loadBigEndian(long offset, int size) {
        long at;
        if (offset >= 0) {
            at = data + offset;
        } else if (offset >= SKF_NET_OFF) {
            at = network + (offset - SKF_NET_OFF);
        } else if (offset >= SKF_LL_OFF) {
            at = mac + (offset - SKF_LL_OFF);
        } else {
            return -1;
        }
        long lo = offset >= 0 ? data : 0;
        if (at < lo || at + size > tail) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < size; i++) {
            v = (v << 8) | (buf[(int) at + i] & 0xff);
        }
        return v;
    }
}
