package dev.bpfvm.kernel.testrun;

import static dev.bpfvm.vm.spi.ArgType.ANYTHING;
import static dev.bpfvm.vm.spi.ArgType.CONST_SIZE;
import static dev.bpfvm.vm.spi.ArgType.CONST_SIZE_OR_ZERO;
import static dev.bpfvm.vm.spi.ArgType.PTR_TO_CTX;
import static dev.bpfvm.vm.spi.ArgType.PTR_TO_MEM;
import static dev.bpfvm.vm.spi.ArgType.PTR_TO_MEM_OR_NULL;
import static dev.bpfvm.vm.spi.ArgType.PTR_TO_UNINIT_MEM;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.HelperFunction;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.RetType;

/**
 * The helpers that work on the packet models of this package ({@link SkBuff}, {@link XdpBuff}):
 * they live here, not in the helpers module, because they need those models.
 * {@link dev.bpfvm.kernel.load.BpfObject} registers them into its runtime's registry when an
 * object is opened. A context that is not of the right kind gives {@code -EINVAL}.
 */
public final class PacketHelpers {
    private PacketHelpers() {}

    public static final int SKB_STORE_BYTES = 9;
    public static final int L3_CSUM_REPLACE = 10;
    public static final int L4_CSUM_REPLACE = 11;
    public static final int SKB_LOAD_BYTES = 26;
    public static final int CSUM_DIFF = 28;
    public static final int XDP_ADJUST_HEAD = 44;
    public static final int XDP_ADJUST_META = 54;
    public static final int XDP_ADJUST_TAIL = 65;

    static final long BPF_F_RECOMPUTE_CSUM = 1;
    static final long BPF_F_INVALIDATE_HASH = 1 << 1;
    static final long BPF_F_HDR_FIELD_MASK = 0xf;
    static final long BPF_F_PSEUDO_HDR = 1 << 4;
    static final long BPF_F_MARK_MANGLED_0 = 1 << 5;
    static final long BPF_F_MARK_ENFORCE = 1 << 6;
    static final long BPF_F_IPV6 = 1 << 7;
    static final int CSUM_MANGLED_0 = 0xffff;
    /** Linux's scratch buffer for bpf_csum_diff: MAX_BPF_STACK bytes. */
    static final int CSUM_DIFF_MAX = 512;

    /** Adds (or replaces) the packet helpers in {@code r}. */
    public static HelperRegistry register(HelperRegistry r) {
        add(r, SKB_STORE_BYTES, "bpf_skb_store_bytes", PacketHelpers::skbStoreBytes,
                PTR_TO_CTX, ANYTHING, PTR_TO_MEM, CONST_SIZE, ANYTHING);
        add(r, L3_CSUM_REPLACE, "bpf_l3_csum_replace", PacketHelpers::l3CsumReplace,
                PTR_TO_CTX, ANYTHING, ANYTHING, ANYTHING, ANYTHING);
        add(r, L4_CSUM_REPLACE, "bpf_l4_csum_replace", PacketHelpers::l4CsumReplace,
                PTR_TO_CTX, ANYTHING, ANYTHING, ANYTHING, ANYTHING);
        add(r, SKB_LOAD_BYTES, "bpf_skb_load_bytes", PacketHelpers::skbLoadBytes,
                PTR_TO_CTX, ANYTHING, PTR_TO_UNINIT_MEM, CONST_SIZE);
        add(r, CSUM_DIFF, "bpf_csum_diff", PacketHelpers::csumDiff,
                PTR_TO_MEM_OR_NULL, CONST_SIZE_OR_ZERO, PTR_TO_MEM_OR_NULL, CONST_SIZE_OR_ZERO, ANYTHING);
        add(r, XDP_ADJUST_HEAD, "bpf_xdp_adjust_head", (c, a, b, x, y, z) -> {
            XdpBuff x1 = xdp(c, a);
            return x1 == null ? Errno.EINVAL.negative() : x1.adjustHead((int) b);
        }, PTR_TO_CTX, ANYTHING);
        add(r, XDP_ADJUST_META, "bpf_xdp_adjust_meta", (c, a, b, x, y, z) -> {
            XdpBuff x1 = xdp(c, a);
            return x1 == null ? Errno.EINVAL.negative() : x1.adjustMeta((int) b);
        }, PTR_TO_CTX, ANYTHING);
        add(r, XDP_ADJUST_TAIL, "bpf_xdp_adjust_tail", (c, a, b, x, y, z) -> {
            XdpBuff x1 = xdp(c, a);
            return x1 == null ? Errno.EINVAL.negative() : x1.adjustTail((int) b);
        }, PTR_TO_CTX, ANYTHING);
        return r;
    }

    private static void add(HelperRegistry r, int id, String name, HelperFunction fn, dev.bpfvm.vm.spi.ArgType... args) {
        r.register(new HelperSpec(id, name, HelperProto.of(RetType.INTEGER, args), fn));
    }

    private static SkBuff skb(ExecContext c, long ctx) {
        Region r = c.memory().regionAt(ctx);
        return r != null && r.owner() instanceof SkBuff s ? s : null;
    }

    private static XdpBuff xdp(ExecContext c, long ctx) {
        Region r = c.memory().regionAt(ctx);
        return r != null && r.owner() instanceof XdpBuff x ? x : null;
    }

    /** bpf_skb_load_bytes(skb, offset, to, len): relative to skb->data; -EFAULT and a zeroed buffer when out of range. */
    static long skbLoadBytes(ExecContext c, long ctx, long offset, long to, long len, long unused) {
        SkBuff s = skb(c, ctx);
        if (s == null) {
            return Errno.EINVAL.negative();
        }
        int n = (int) len;
        long off = offset & 0xffffffffL;
        byte[] out = new byte[Math.max(0, n)];
        if (off > Integer.MAX_VALUE || n <= 0 || off + n > s.len()) {
            c.memory().write(to, out, 0, out.length);
            return Errno.EFAULT.negative();
        }
        System.arraycopy(s.buf, s.data + (int) off, out, 0, n);
        c.memory().write(to, out, 0, n);
        return 0;
    }

    /** bpf_skb_store_bytes(skb, offset, from, len, flags). */
    static long skbStoreBytes(ExecContext c, long ctx, long offset, long from, long len, long flags) {
        SkBuff s = skb(c, ctx);
        if (s == null) {
            return Errno.EINVAL.negative();
        }
        if ((flags & ~(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH)) != 0) {
            return Errno.EINVAL.negative();
        }
        long off = offset & 0xffffffffL;
        int n = (int) len;
        if (off > Integer.MAX_VALUE || n < 0 || off + n > s.len()) {
            return Errno.EFAULT.negative();
        }
        byte[] src = c.memory().read(from, n);
        System.arraycopy(src, 0, s.buf, s.data + (int) off, n);
        if ((flags & BPF_F_INVALIDATE_HASH) != 0) {
            s.putInt(SkBuff.HASH, 0);
        }
        return 0;
    }

    private static int sumAt(SkBuff s, int at) {
        return (s.buf[at] & 0xff) | (s.buf[at + 1] & 0xff) << 8;
    }

    private static void putSum(SkBuff s, int at, int v) {
        s.buf[at] = (byte) v;
        s.buf[at + 1] = (byte) (v >>> 8);
    }

    /** bpf_l3_csum_replace(skb, offset, from, to, flags). */
    static long l3CsumReplace(ExecContext c, long ctx, long offset, long from, long to, long flags) {
        SkBuff s = skb(c, ctx);
        if (s == null || (flags & ~BPF_F_HDR_FIELD_MASK) != 0) {
            return Errno.EINVAL.negative();
        }
        long off = offset & 0xffffffffL;
        if (off > 0xffff || (off & 1) != 0 || off + 2 > s.len()) {
            return Errno.EFAULT.negative();
        }
        int at = s.data + (int) off;
        long sum = replacedSum(sumAt(s, at), from, to, flags);
        if (sum < 0) {
            return sum;
        }
        putSum(s, at, (int) sum);
        return 0;
    }

    /**
     * The checksum {@code old} with {@code from} replaced by {@code to}, as the header-field
     * size in {@code flags} says (0: {@code to} is a checksum difference, 2 or 4 bytes);
     * -EINVAL for another size or a non-zero {@code from} with size 0.
     */
    private static long replacedSum(int old, long from, long to, long flags) {
        switch ((int) (flags & BPF_F_HDR_FIELD_MASK)) {
            case 0:
                return from != 0 ? Errno.EINVAL.negative() : Checksum.replaceByDiff(old, (int) to);
            case 2:
                return Checksum.replace4(old, (int) (from & 0xffff), (int) (to & 0xffff));
            case 4:
                return Checksum.replace4(old, (int) from, (int) to);
            default:
                return Errno.EINVAL.negative();
        }
    }

    /**
     * bpf_l4_csum_replace(skb, offset, from, to, flags). The test-run skb is never
     * CHECKSUM_PARTIAL, so the pseudo-header flag changes nothing (as in Linux for such skbs).
     */
    static long l4CsumReplace(ExecContext c, long ctx, long offset, long from, long to, long flags) {
        SkBuff s = skb(c, ctx);
        if (s == null || (flags & ~(BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR
                | BPF_F_HDR_FIELD_MASK | BPF_F_IPV6)) != 0) {
            return Errno.EINVAL.negative();
        }
        long off = offset & 0xffffffffL;
        if (off > 0xffff || (off & 1) != 0 || off + 2 > s.len()) {
            return Errno.EFAULT.negative();
        }
        int at = s.data + (int) off;
        boolean mmzero = (flags & BPF_F_MARK_MANGLED_0) != 0;
        if (mmzero && (flags & BPF_F_MARK_ENFORCE) == 0 && sumAt(s, at) == 0) {
            return 0;
        }
        long sum = replacedSum(sumAt(s, at), from, to, flags);
        if (sum < 0) {
            return sum;
        }
        if (mmzero && sum == 0) {
            sum = CSUM_MANGLED_0;
        }
        putSum(s, at, (int) sum);
        return 0;
    }

    /**
     * bpf_csum_diff(from, from_size, to, to_size, seed): the 32-bit one's complement sum of the
     * negated {@code from} words, the {@code to} words and the seed (x86-64's csum_partial).
     */
    static long csumDiff(ExecContext c, long from, long fromSize, long to, long toSize, long seed) {
        long fs = fromSize & 0xffffffffL;
        long ts = toSize & 0xffffffffL;
        if (((fs | ts) & 3) != 0 || fs + ts > CSUM_DIFF_MAX) {
            return Errno.EINVAL.negative();
        }
        long sum = seed & 0xffffffffL;
        if (fs > 0) {
            byte[] f = c.memory().read(from, (int) fs);
            for (int i = 0; i < fs; i += 4) {
                sum = Checksum.add32(sum, ~Checksum.le32(f, i) & 0xffffffffL);
            }
        }
        if (ts > 0) {
            byte[] t = c.memory().read(to, (int) ts);
            for (int i = 0; i < ts; i += 4) {
                sum = Checksum.add32(sum, Checksum.le32(t, i));
            }
        }
        return sum;
    }
}
