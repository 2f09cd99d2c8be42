package dev.bpfvm.bench;

import dev.bpfvm.vm.exec.Tier;
import java.io.ByteArrayOutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The clang-compiled benchmark programs ({@code testprogs/src/bpf/bench/*.c}, committed as
 * {@code bench_NAME.o}): each a global function taking r1 = memory, r2 = length, with the
 * memory it runs on (fixed pseudo-random inputs) and a plain-Java version of the same algorithm
 * (the baseline), written from the C, not from the compiled code.
 */
public final class BenchObjects {
    private BenchObjects() {}

    /**
     * One benchmark object.
     *
     * @param name       the short name ({@code primes}), also in {@code bench_NAME.o}
     * @param function   the global function of the object to run
     * @param input      a fresh copy of the memory the program runs on
     * @param baseline   a fresh instance of the Java baseline (it may keep state across runs,
     *                   as the map-lookup program's map does)
     * @param description one line for the README's table
     */
    public record BenchObject(String name, String function, Supplier<byte[]> input,
                              Supplier<ToLongFunction<byte[]>> baseline, String description) implements BenchCase {
        public String objectFile() {
            return "bench_" + name + ".o";
        }

        /** The committed copy of its input, beside the object. */
        public String memFile() {
            return "bench_" + name + ".mem";
        }

        /** The object's function on a fresh copy of its input, in {@code tier}. */
        @Override
        public BenchVm vm(Tier tier) {
            return BenchVm.object(objectFile(), function, input.get(), tier);
        }
    }

    /** The limit prime counting counts below. */
    public static final int PRIMES_LIMIT = 10_000;
    /** u64 values log2 reads. */
    public static final int LOG2_VALUES = 1024;
    /** Bytes memcpy copies (its memory is twice as large). */
    public static final int MEMCPY_HALF = 32_771;
    /** Operation bytes the switch dispatcher runs. */
    public static final int SWITCH_SIZE = 8192;
    /** Frames in the parser's capture. */
    public static final int PARSER_FRAMES = 200;
    /** Bytes the map-lookup program counts. */
    public static final int MAPLOOKUP_SIZE = 4096;

    public static final List<BenchObject> ALL = List.of(
            new BenchObject("primes", "primes", BenchObjects::primesInput, () -> BenchObjects::primes,
                    "primes below 10,000 by trial division (odd divisors up to the square root)"),
            new BenchObject("log2", "log2_array", BenchObjects::log2Input, () -> BenchObjects::log2Array,
                    "integer log2 by halving shifts over 1,024 u64 values"),
            new BenchObject("memcpy", "memcpy_bench", BenchObjects::memcpyInput, () -> BenchObjects::memcpy,
                    "copies 32 KiB (+3 bytes) into the second half, 8 bytes at a time"),
            new BenchObject("strcmp", "strcmp_bench", BenchPrograms::strcmpInput, () -> BenchPrograms::strcmp,
                    "strcmp of two 4 KiB strings that differ in the last byte"),
            new BenchObject("switch", "switch_dispatch", BenchObjects::switchInput, () -> BenchObjects::switchDispatch,
                    "a 16-way switch over 8 KiB of byte-code (a tree of compares)"),
            new BenchObject("parser", "parse_packets", BenchObjects::parserInput, () -> BenchObjects::parsePackets,
                    "Ethernet/802.1Q/IPv4/TCP/UDP parse of 200 frames, every header bounds-checked"),
            new BenchObject("maplookup", "map_lookups", BenchObjects::maplookupInput, () -> new MapLookups()::run,
                    "a histogram of 4 KiB in an array map: one bpf_map_lookup_elem per byte"));

    /**
     * Writes each object's input as {@code bench_NAME.mem} into the directory given (the committed
     * copies live beside the objects in {@code testprogs/src/main/resources/bpf/}, for
     * {@code bpfvm run bench_NAME.o --mem-in bench_NAME.mem} and for other runtimes):
     * <pre>java -cp bench/target/benchmarks.jar dev.bpfvm.bench.BenchObjects testprogs/src/main/resources/bpf</pre>
     */
    public static void main(String[] args) throws java.io.IOException {
        if (args.length != 1) {
            System.err.println("usage: BenchObjects DIR");
            System.exit(2);
        }
        for (BenchObject o : ALL) {
            java.nio.file.Files.write(java.nio.file.Path.of(args[0], o.memFile()), o.input().get());
        }
    }

    /** The object named {@code name}. */
    public static BenchObject byName(String name) {
        for (BenchObject o : ALL) {
            if (o.name().equals(name)) {
                return o;
            }
        }
        throw new IllegalArgumentException("no benchmark object " + name);
    }

    private static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    // ---------------------------------------------------------------- inputs

    public static byte[] primesInput() {
        int n = PRIMES_LIMIT;
        return new byte[] {(byte) n, (byte) (n >> 8), (byte) (n >> 16), (byte) (n >> 24)};
    }

    /** Values of every bit length, one in 37 zero. */
    public static byte[] log2Input() {
        byte[] b = new byte[LOG2_VALUES * 8];
        Random r = new Random(2);
        for (int i = 0; i < LOG2_VALUES; i++) {
            long v = i % 37 == 0 ? 0 : (r.nextLong() | Long.MIN_VALUE) >>> r.nextInt(64);
            LE64.set(b, i * 8, v);
        }
        return b;
    }

    /** Pseudo-random first half, zero second half. */
    public static byte[] memcpyInput() {
        byte[] b = new byte[2 * MEMCPY_HALF];
        Random r = new Random(3);
        for (int i = 0; i < MEMCPY_HALF; i++) {
            b[i] = (byte) r.nextInt();
        }
        return b;
    }

    public static byte[] switchInput() {
        return randomBytes(SWITCH_SIZE, 5);
    }

    public static byte[] maplookupInput() {
        return randomBytes(MAPLOOKUP_SIZE, 6);
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /**
     * A capture of {@link #PARSER_FRAMES} frames (u16 little-endian length, then the frame): mostly
     * TCP and UDP over IPv4, some VLAN-tagged, some ARP, ICMP and fragments, some malformed
     * (truncated headers, a bad version, a bad IHL, a bad TCP data offset), the last record cut
     * short by the end of the memory.
     */
    public static byte[] parserInput() {
        Random r = new Random(7);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < PARSER_FRAMES; i++) {
            byte[] f = frame(r, i);
            out.write(f.length & 0xff);
            out.write(f.length >> 8);
            out.write(f, 0, f.length);
        }
        out.write(200);
        out.write(0);
        out.write(new byte[20], 0, 20);
        return out.toByteArray();
    }

    private static byte[] frame(Random r, int i) {
        int kind = r.nextInt(20);
        boolean vlan = r.nextInt(5) == 0;
        int l3 = 14 + (vlan ? 4 : 0);
        int ihl = r.nextInt(6) == 0 ? 24 : 20;
        int proto = kind < 10 ? 6 : kind < 15 ? 17 : 1;
        int l4len = proto == 6 ? 20 + 4 * r.nextInt(3) : proto == 17 ? 8 : 8;
        int payload = r.nextInt(64);
        byte[] f = new byte[l3 + ihl + l4len + payload];
        for (int k = 0; k < 12; k++) {
            f[k] = (byte) r.nextInt();
        }
        int ethertype = kind == 18 ? 0x0806 : 0x0800;
        if (vlan) {
            be16(f, 12, 0x8100);
            be16(f, 14, r.nextInt(4096));
            be16(f, 16, ethertype);
        } else {
            be16(f, 12, ethertype);
        }
        f[l3] = (byte) (0x40 | ihl / 4);
        be16(f, l3 + 2, f.length - l3);
        if (kind == 16) {
            be16(f, l3 + 6, 0x2000 | (1 + r.nextInt(100))); // a later fragment
        }
        f[l3 + 8] = 64;
        f[l3 + 9] = (byte) proto;
        for (int k = 12; k < 20; k++) {
            f[l3 + k] = (byte) r.nextInt(); // addresses
        }
        int l4 = l3 + ihl;
        be16(f, l4, 1024 + r.nextInt(60000));
        be16(f, l4 + 2, r.nextInt(4) == 0 ? 443 : 1 + r.nextInt(65535));
        if (proto == 6) {
            f[l4 + 12] = (byte) (l4len / 4 << 4);
        }
        for (int k = l4 + l4len; k < f.length; k++) {
            f[k] = (byte) r.nextInt();
        }
        switch (kind) {
            case 17: // bad version
                f[l3] = (byte) (0x60 | ihl / 4);
                break;
            case 19: // malformed: one of four ways
                switch (i % 4) {
                    case 0: return java.util.Arrays.copyOf(f, 10);           // no Ethernet header
                    case 1: return java.util.Arrays.copyOf(f, l3 + 12);      // IPv4 header cut
                    case 2: f[l3] = 0x43; break;                               // IHL 12 bytes
                    default:
                        if (proto == 6) {
                            f[l4 + 12] = 0x30;                                 // TCP data offset 3
                        } else {
                            return java.util.Arrays.copyOf(f, l4 + 4);       // L4 header cut
                        }
                }
                break;
            default:
                break;
        }
        return f;
    }

    private static void be16(byte[] b, int off, int v) {
        b[off] = (byte) (v >> 8);
        b[off + 1] = (byte) v;
    }

    // ---------------------------------------------------------------- plain-Java baselines

    public static long primes(byte[] m) {
        long limit = m.length >= 4 ? (m[0] & 0xff | (m[1] & 0xff) << 8 | (m[2] & 0xff) << 16 | (m[3] & 0xffL) << 24)
                : 10_000;
        long count = limit > 2 ? 1 : 0;
        for (long n = 3; n < limit; n += 2) {
            int prime = 1;
            for (long d = 3; d * d <= n; d += 2) {
                if (n % d == 0) {
                    prime = 0;
                    break;
                }
            }
            count += prime;
        }
        return count;
    }

    public static long log2Array(byte[] m) {
        long sum = 0;
        for (int i = 0; i + 8 <= m.length; i += 8) {
            long v = (long) LE64.get(m, i);
            if (v == 0) {
                sum += 64;
                continue;
            }
            long r = 0;
            if (v >>> 32 != 0) {
                v >>>= 32;
                r += 32;
            }
            if (v >>> 16 != 0) {
                v >>>= 16;
                r += 16;
            }
            if (v >>> 8 != 0) {
                v >>>= 8;
                r += 8;
            }
            if (v >>> 4 != 0) {
                v >>>= 4;
                r += 4;
            }
            if (v >>> 2 != 0) {
                v >>>= 2;
                r += 2;
            }
            if (v >>> 1 != 0) {
                r += 1;
            }
            sum += r;
        }
        return sum;
    }

    public static long memcpy(byte[] m) {
        int half = m.length / 2;
        long sum = 0;
        int i = 0;
        for (; i + 8 <= half; i += 8) {
            long w = (long) LE64.get(m, i);
            LE64.set(m, half + i, w);
            sum += w;
        }
        for (; i < half; i++) {
            m[half + i] = m[i];
            sum += m[i] & 0xff;
        }
        return sum;
    }

    public static long switchDispatch(byte[] m) {
        long acc = 0x9e3779b97f4a7c15L;
        long x = 1;
        for (int i = 0; i < m.length; i++) {
            int insn = m[i] & 0xff;
            long arg = insn >>> 4;
            switch (insn & 15) {
                case 0: acc += arg; break;
                case 1: acc -= arg; break;
                case 2: acc ^= arg << 7; break;
                case 3: acc = acc * 3 + 1; break;
                case 4: acc = acc >>> 1 | acc << 63; break;
                case 5: acc = acc << 3 | acc >>> 61; break;
                case 6: x += acc & 0xff; break;
                case 7: x ^= acc; break;
                case 8: acc += x; break;
                case 9: acc |= arg; break;
                case 10: acc &= ~(arg << 3); break;
                case 11: x = x * 5 + arg; break;
                case 12: acc += i; break;
                case 13: acc ^= acc >>> 17; break;
                case 14: x -= arg << 1; break;
                default: acc = ~acc; break;
            }
        }
        return acc ^ x;
    }

    private static int be16(byte[] m, int off) {
        return (m[off] & 0xff) << 8 | m[off + 1] & 0xff;
    }

    private static int le32(byte[] m, int off) {
        return m[off] & 0xff | (m[off + 1] & 0xff) << 8 | (m[off + 2] & 0xff) << 16 | (m[off + 3] & 0xff) << 24;
    }

    /** What parse_frame returns (parse.h). */
    public static final int FRAME_TCP = 0;
    public static final int FRAME_UDP = 1;
    public static final int FRAME_OTHER = 2;
    public static final int FRAME_BAD = 3;

    /**
     * parse_frame of parse.h: the kind of the frame at {@code m[p..end)}; an IPv4 frame parsed to
     * its end also goes into {@code hash[0]}.
     */
    public static int parseFrame(byte[] m, int p, int end, int[] hash) {
        if (p + 14 > end) {
            return FRAME_BAD;
        }
        int proto = be16(m, p + 12);
        p += 14;
        if (proto == 0x8100) {
            if (p + 4 > end) {
                return FRAME_BAD;
            }
            proto = be16(m, p + 2);
            p += 4;
        }
        if (proto != 0x0800) {
            return FRAME_OTHER;
        }
        if (p + 20 > end) {
            return FRAME_BAD;
        }
        int ihl = (m[p] & 15) * 4;
        if ((m[p] & 0xff) >> 4 != 4 || ihl < 20 || p + ihl > end) {
            return FRAME_BAD;
        }
        int l4 = m[p + 9] & 0xff;
        int saddr = le32(m, p + 12);
        int daddr = le32(m, p + 16);
        int frag = be16(m, p + 6) & 0x1fff;
        p += ihl;
        int ports = 0;
        int kind;
        if (frag != 0) {
            kind = FRAME_OTHER;
        } else if (l4 == 6) {
            if (p + 20 > end || (m[p + 12] & 0xff) >> 4 < 5) {
                return FRAME_BAD;
            }
            ports = be16(m, p) << 16 | be16(m, p + 2);
            kind = FRAME_TCP;
        } else if (l4 == 17) {
            if (p + 8 > end) {
                return FRAME_BAD;
            }
            ports = be16(m, p) << 16 | be16(m, p + 2);
            kind = FRAME_UDP;
        } else {
            kind = FRAME_OTHER;
        }
        int h = hash[0];
        h = (h ^ saddr) * 16777619;
        h = (h ^ daddr) * 16777619;
        h = (h ^ ports) * 16777619;
        h = (h ^ l4) * 16777619;
        hash[0] = h;
        return kind;
    }

    public static long parsePackets(byte[] m) {
        int[] hash = {0x811c9dc5};
        long[] count = new long[4];
        int len = m.length;
        int off = 0;
        while (off + 2 <= len) {
            int flen = m[off] & 0xff | (m[off + 1] & 0xff) << 8;
            int p = off + 2;
            off += 2 + flen;
            if (off > len) {
                count[FRAME_BAD]++;
                break;
            }
            count[parseFrame(m, p, p + flen, hash)]++;
        }
        return (hash[0] & 0xffffffffL) << 32 | (count[FRAME_TCP] & 0xff) << 24 | (count[FRAME_UDP] & 0xff) << 16
                | (count[FRAME_OTHER] & 0xff) << 8 | count[FRAME_BAD] & 0xff;
    }

    /** The frames of {@link #parserInput()}, each a copy (the last, cut-short record left out). */
    public static List<byte[]> parserFrames() {
        byte[] m = parserInput();
        List<byte[]> out = new java.util.ArrayList<>();
        int off = 0;
        while (off + 2 <= m.length) {
            int flen = m[off] & 0xff | (m[off + 1] & 0xff) << 8;
            if (off + 2 + flen > m.length) {
                break;
            }
            out.add(java.util.Arrays.copyOfRange(m, off + 2, off + 2 + flen));
            off += 2 + flen;
        }
        return out;
    }

    /** The map-lookup program's baseline: the array map is a {@code long[256]} that persists across runs. */
    public static final class MapLookups {
        final long[] counts = new long[256];

        public long run(byte[] m) {
            long sum = 0;
            for (byte b : m) {
                sum += ++counts[b & 0xff];
            }
            return sum;
        }

        /** The counter of byte value {@code key}. */
        public long count(int key) {
            return counts[key];
        }
    }
}
