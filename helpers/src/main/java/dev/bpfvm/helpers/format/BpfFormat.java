package dev.bpfvm.helpers.format;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.mem.AddressSpace;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The formatting engine of Linux's printf-like BPF helpers ({@code bpf_trace_printk},
 * {@code bpf_trace_vprintk}, {@code bpf_snprintf}, {@code bpf_seq_printf}), in two steps as
 * the kernel does them:
 *
 * <ol>
 *   <li>{@link #prepare} is {@code bpf_bprintf_prepare}: it checks the format (it must be
 *       NUL-terminated within its size; only printable ASCII, white space and, outside
 *       conversions, bytes &ge; 0x80; at most as many conversions as arguments; only
 *       {@code %d %i %u %x %X} with {@code l}/{@code ll}, {@code %c}, {@code %s},
 *       {@code %p %pK %px %ps %pS %pB %pks %pus %pI4 %pi4 %pI6 %pi6} and {@code %%}, with the
 *       flags {@code 0 + - space} and a width) and captures the arguments into a 512-byte
 *       binary buffer: numbers by value, strings and IP addresses copied out of BPF memory
 *       (bounded by the space left in the buffer; an unreadable string becomes empty, an
 *       unreadable IP address zeros).</li>
 *   <li>{@link #print} is {@code bstr_printf}: it renders the format from that buffer into
 *       a buffer of a given size, truncating, and reports the full length.</li>
 * </ol>
 *
 * <p>Where bpfvm differs from Linux, on purpose: pointers ({@code %p}, {@code %pK}) are
 * printed as their raw value, as with the {@code no_hash_pointers} boot option (there are no
 * kernel addresses to hide); symbols ({@code %ps %pS %pB}) print as {@code 0x<hex>}, as Linux
 * does for an address that is not a kernel symbol; a width above 8,388,607 is clamped to it.
 */
public final class BpfFormat {
    /** Linux's {@code MAX_BPRINTF_BIN_ARGS}: the size of the binary argument buffer. */
    public static final int MAX_BIN_ARGS = 512;
    /** Linux's {@code MAX_BPRINTF_BUF}: the output buffer of {@code bpf_trace_printk}. */
    public static final int MAX_BUF = 1024;
    /** Linux's {@code MAX_BPRINTF_VARARGS}: the most arguments of the vararg helpers. */
    public static final int MAX_VARARGS = 12;

    static final int FIELD_WIDTH_MAX = (1 << 23) - 1;

    // printf_spec flags, by Linux's names
    private static final int SIGN = 1;
    private static final int LEFT = 2;
    private static final int PLUS = 4;
    private static final int SPACE = 8;
    private static final int ZEROPAD = 16;
    private static final int SMALL = 32;
    private static final int SPECIAL = 64;

    private final byte[] fmt;   // up to and including the terminating NUL
    private final byte[] bin;   // the binary arguments, as bstr_printf reads them

    private BpfFormat(byte[] fmt, byte[] bin) {
        this.fmt = fmt;
        this.bin = bin;
    }

    /** What {@link #print} produced: the bytes that fit, and the length the whole output has. */
    public record Output(byte[] bytes, int length) {
        /** The bytes up to the first NUL, decoded as UTF-8 (what a trace line shows). */
        public String text() {
            int n = 0;
            while (n < bytes.length && bytes[n] != 0) {
                n++;
            }
            return new String(bytes, 0, n, StandardCharsets.UTF_8);
        }
    }

    /**
     * Checks a format only, as the verifier does for a constant format string
     * ({@code bpf_bprintf_prepare} without arguments).
     *
     * @param fmt     the format buffer (its first NUL ends the format)
     * @param numArgs the number of arguments the call passes
     */
    public static void check(byte[] fmt, int numArgs) throws BpfFormatException {
        scan(fmt, numArgs, null, null, null);
    }

    /**
     * Checks a format and captures its arguments.
     *
     * @param fmt    the format buffer as the program passed it ({@code fmt_size} bytes); its
     *               first NUL ends the format
     * @param args   the arguments (their count is the helper's number of arguments)
     * @param memory where {@code %s}, {@code %pks}, {@code %pus} and {@code %pI4}... arguments
     *               point
     * @throws BpfFormatException EINVAL for a bad format, ENOSPC when the arguments overflow the
     *               512-byte buffer
     */
    public static BpfFormat prepare(byte[] fmt, long[] args, AddressSpace memory) throws BpfFormatException {
        byte[] bin = new byte[MAX_BIN_ARGS];
        byte[] f = scan(fmt, args.length, args, memory, bin);
        return new BpfFormat(f, bin);
    }

    // ------------------------------------------------------------------ prepare

    private static byte[] scan(byte[] fmt, int numArgs, long[] args, AddressSpace memory, byte[] bin)
            throws BpfFormatException {
        int n = 0;
        while (n < fmt.length && fmt[n] != 0) {
            n++;
        }
        if (n == fmt.length) {
            throw einval("format is not NUL-terminated within its " + fmt.length + " bytes");
        }
        byte[] f = Arrays.copyOf(fmt, n + 1);
        int tmp = 0;          // next free byte of bin
        int spec = 0;         // conversions seen
        for (int i = 0; i < n; i++) {
            int c = at(f, i);
            if (c < 0x80 && !Ctype.isPrint(c) && !Ctype.isSpace(c)) {
                throw einval(String.format("invalid character 0x%02x at offset %d", c, i));
            }
            if (c != '%') {
                continue;
            }
            if (at(f, i + 1) == '%') {
                i++;
                continue;
            }
            int start = i;
            if (spec >= numArgs) {
                throw einval("more conversions than the " + numArgs + " argument" + (numArgs == 1 ? "" : "s")
                        + " (at offset " + start + ")");
            }
            i++;
            if (at(f, i) >= 0x80) {
                throw einval("non-ASCII character in the conversion at offset " + start);
            }
            while (at(f, i) == '0' || at(f, i) == '+' || at(f, i) == '-' || at(f, i) == ' ') {
                i++;
            }
            if (at(f, i) >= '1' && at(f, i) <= '9') {
                i++;
                while (at(f, i) >= '0' && at(f, i) <= '9') {
                    i++;
                }
            }
            int size;
            long cur = bin != null ? args[spec] : 0;
            int ch = at(f, i);
            if (ch == 'p') {
                int next = at(f, i + 1);
                if ((next == 'k' || next == 'u') && at(f, i + 2) == 's') {
                    i += 2;
                    tmp = string(f, i, start, bin, tmp, cur, memory);
                    spec++;
                    continue;
                }
                if (next == 0 || Ctype.isSpace(next) || Ctype.isPunct(next) || next == 'K' || next == 'x'
                        || next == 's' || next == 'S') {
                    i++;
                    size = 8;           // just the pointer value
                } else if (next == 'B') {
                    if (bin != null) {
                        tmp = putString(bin, tmp, symbol(cur));
                    }
                    i++;
                    spec++;
                    continue;
                } else if ((next == 'i' || next == 'I') && (at(f, i + 2) == '4' || at(f, i + 2) == '6')) {
                    i += 2;
                    if (bin != null) {
                        int ipSize = at(f, i) == '4' ? 4 : 16;
                        if (tmp > MAX_BIN_ARGS - ipSize) {
                            throw enospc();
                        }
                        byte[] ip = readOrZeros(memory, cur, ipSize);
                        tmp = putString(bin, tmp, ipAddress(next, ip));
                    }
                    spec++;
                    continue;
                } else {
                    throw einval("unsupported conversion %p" + printable(next) + " at offset " + start);
                }
            } else if (ch == 's') {
                tmp = string(f, i, start, bin, tmp, cur, memory);
                spec++;
                continue;
            } else if (ch == 'c') {
                if (bin != null) {
                    if (tmp >= MAX_BIN_ARGS) {
                        throw enospc();
                    }
                    bin[tmp++] = (byte) cur;
                }
                spec++;
                continue;
            } else {
                size = 4;
                if (at(f, i) == 'l') {
                    size = 8;
                    i++;
                }
                if (at(f, i) == 'l') {
                    i++;
                }
                int conv = at(f, i);
                if (conv != 'i' && conv != 'd' && conv != 'u' && conv != 'x' && conv != 'X') {
                    throw einval("unsupported conversion at offset " + start);
                }
            }
            if (bin != null) {
                tmp = (tmp + 3) & ~3;
                if (tmp > MAX_BIN_ARGS - size) {
                    throw enospc();
                }
                AddressSpace.put(bin, tmp, size, cur);
                tmp += size;
            }
            spec++;
        }
        return f;
    }

    /** %s, %pks, %pus at {@code i} (the 's'): the next character must end the conversion. */
    private static int string(byte[] f, int i, int start, byte[] bin, int tmp, long ptr, AddressSpace memory)
            throws BpfFormatException {
        int next = at(f, i + 1);
        if (next != 0 && !Ctype.isSpace(next) && !Ctype.isPunct(next)) {
            throw einval("a string conversion must be followed by a space, punctuation or the end"
                    + " (at offset " + start + ")");
        }
        if (bin == null) {
            return tmp;
        }
        if (tmp >= MAX_BIN_ARGS) {
            throw enospc();
        }
        return tmp + copyString(memory, ptr, bin, tmp, MAX_BIN_ARGS - tmp);
    }

    /**
     * strncpy_from_kernel_nofault: copies a NUL-terminated string of at most {@code count}
     * bytes (NUL included; a longer one is cut to count - 1 bytes) and returns the bytes used.
     * An unreadable string is empty.
     */
    private static int copyString(AddressSpace memory, long ptr, byte[] dst, int at, int count) {
        try {
            for (int k = 0; k < count - 1; k++) {
                byte b = (byte) memory.load(ptr + k, 1);
                dst[at + k] = b;
                if (b == 0) {
                    return k + 1;
                }
            }
            dst[at + count - 1] = 0;
            return count;
        } catch (BpfException e) {
            dst[at] = 0;
            return 1;
        }
    }

    private static byte[] readOrZeros(AddressSpace memory, long ptr, int size) {
        try {
            return memory.read(ptr, size);
        } catch (BpfException e) {
            return new byte[size];
        }
    }

    /** snprintf into the rest of bin: what fits, NUL-terminated; returns tmp + length + 1. */
    private static int putString(byte[] bin, int tmp, String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        int avail = MAX_BIN_ARGS - tmp;
        if (avail > 0) {
            int copy = Math.min(b.length, avail - 1);
            System.arraycopy(b, 0, bin, tmp, copy);
            bin[tmp + copy] = 0;
        }
        return tmp + b.length + 1;
    }

    private static String symbol(long value) {
        return "0x" + Long.toHexString(value);
    }

    private static String ipAddress(int kind, byte[] ip) {
        StringBuilder sb = new StringBuilder();
        if (ip.length == 4) {
            for (int k = 0; k < 4; k++) {
                if (k > 0) {
                    sb.append('.');
                }
                int v = ip[k] & 0xff;
                sb.append(kind == 'i' ? String.format("%03d", v) : Integer.toString(v));
            }
        } else {
            for (int k = 0; k < 16; k++) {
                if (k > 0 && k % 2 == 0 && kind == 'I') {
                    sb.append(':');
                }
                sb.append(String.format("%02x", ip[k] & 0xff));
            }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ bstr_printf

    /**
     * Renders the format into a buffer of {@code size} bytes (NUL included), as
     * {@code bstr_printf}: at most {@code size - 1} bytes are kept, and {@link Output#length}
     * is the length the whole output would have.
     */
    public Output print(int size) {
        Sink out = new Sink(size);
        Args args = new Args(bin);
        byte[] f = fmt;
        int p = 0;
        while (f[p] != 0) {
            if (f[p] != '%') {
                int start = p;
                while (f[p] != 0 && f[p] != '%') {
                    p++;
                }
                out.put(f, start, p - start);
                continue;
            }
            // format_decode: flags, width, precision, qualifier, conversion
            p++;
            int flags = 0;
            for (boolean more = true; more; ) {
                switch (f[p]) {
                    case '-': flags |= LEFT; p++; break;
                    case '+': flags |= PLUS; p++; break;
                    case ' ': flags |= SPACE; p++; break;
                    case '#': flags |= SPECIAL; p++; break;
                    case '0': flags |= ZEROPAD; p++; break;
                    default: more = false; break;
                }
            }
            int width = -1;
            if (isDigit(f[p])) {
                long w = 0;
                while (isDigit(f[p])) {
                    w = Math.min(w * 10 + (f[p++] - '0'), FIELD_WIDTH_MAX);
                }
                width = (int) w;
            } else if (f[p] == '*') {
                p++;
                width = clampWidth((int) args.get(4, true));
                if (width < 0) {
                    width = -width;
                    flags |= LEFT;
                }
            }
            int precision = -1;
            if (f[p] == '.') {
                p++;
                if (isDigit(f[p])) {
                    long v = 0;
                    while (isDigit(f[p])) {
                        v = Math.min(v * 10 + (f[p++] - '0'), 32767);
                    }
                    precision = (int) v;
                } else if (f[p] == '*') {
                    p++;
                    precision = (int) Math.max(0, Math.min(32767, args.get(4, true)));
                }
            }
            int qualifier = 0;
            if (f[p] == 'h' || f[p] == 'l' || f[p] == 'L' || f[p] == 'z' || f[p] == 'Z' || f[p] == 't') {
                qualifier = f[p++];
                if (qualifier == f[p] && qualifier == 'l') {
                    qualifier = 'L';
                    p++;
                } else if (qualifier == f[p] && qualifier == 'h') {
                    qualifier = 'H';
                    p++;
                }
            }
            int base = 10;
            int conv = f[p];
            switch (conv) {
                case 'c': {
                    p++;
                    int c = (int) args.get(1, false);
                    if ((flags & LEFT) == 0) {
                        out.pad(' ', width - 1);
                    }
                    out.put(c);
                    if ((flags & LEFT) != 0) {
                        out.pad(' ', width - 1);
                    }
                    continue;
                }
                case 's': {
                    p++;
                    string(out, args.string(), width, precision, flags);
                    continue;
                }
                case 'p': {
                    p++;
                    int ext = f[p] & 0xff;
                    boolean process = ext == 'S' || ext == 's' || ext == 'x' || ext == 'K' || ext == 'e'
                            || !Ctype.isAlnum(ext);
                    if (process) {
                        long ptr = args.get(8, false);
                        if (ext == 'S' || ext == 's') {
                            string(out, symbol(ptr).getBytes(StandardCharsets.ISO_8859_1), width, precision, flags);
                        } else {
                            pointer(out, ptr, width, precision, flags);
                        }
                    } else {
                        byte[] s = args.string();
                        out.put(s, 0, s.length);
                    }
                    while (Ctype.isAlnum(f[p] & 0xff)) {
                        p++;
                    }
                    continue;
                }
                case '%':
                    p++;
                    out.put('%');
                    continue;
                case 'o': base = 8; break;
                case 'x': flags |= SMALL; base = 16; break;
                case 'X': base = 16; break;
                case 'd':
                case 'i': flags |= SIGN; break;
                case 'u': break;
                default:
                    // FORMAT_TYPE_INVALID: bstr_printf stops here
                    return out.output();
            }
            p++;
            boolean signed = (flags & SIGN) != 0;
            long num;
            switch (qualifier) {
                case 'L': case 'l': case 'z': case 'Z': case 't':
                    num = args.get(8, false);
                    break;
                case 'H':
                    num = args.get(1, signed);
                    break;
                case 'h':
                    num = args.get(2, signed);
                    break;
                default:
                    num = args.get(4, signed);
                    break;
            }
            number(out, num, base, width, precision, flags);
        }
        return out.output();
    }

    private static int clampWidth(int w) {
        return Math.max(-FIELD_WIDTH_MAX, Math.min(FIELD_WIDTH_MAX, w));
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** Linux's number(). */
    private static void number(Sink out, long num, int base, int width, int precision, int flags) {
        boolean small = (flags & SMALL) != 0;
        boolean needPrefix = (flags & SPECIAL) != 0 && base != 10;
        boolean isZero = num == 0;
        if ((flags & LEFT) != 0) {
            flags &= ~ZEROPAD;
        }
        char sign = 0;
        if ((flags & SIGN) != 0) {
            if (num < 0) {
                sign = '-';
                num = -num;
                width--;
            } else if ((flags & PLUS) != 0) {
                sign = '+';
                width--;
            } else if ((flags & SPACE) != 0) {
                sign = ' ';
                width--;
            }
        }
        if (needPrefix) {
            if (base == 16) {
                width -= 2;
            } else if (!isZero) {
                width--;
            }
        }
        String digits = switch (base) {
            case 16 -> small ? Long.toHexString(num) : Long.toHexString(num).toUpperCase(java.util.Locale.ROOT);
            case 8 -> Long.toOctalString(num);
            default -> Long.toUnsignedString(num);
        };
        int i = digits.length();
        if (i > precision) {
            precision = i;
        }
        width -= precision;
        if ((flags & (ZEROPAD | LEFT)) == 0) {
            out.pad(' ', width);
            width = Math.min(width, 0);
        }
        if (sign != 0) {
            out.put(sign);
        }
        if (needPrefix) {
            if (base == 16 || !isZero) {
                out.put('0');
            }
            if (base == 16) {
                out.put(small ? 'x' : 'X');
            }
        }
        if ((flags & LEFT) == 0) {
            out.pad((flags & ZEROPAD) != 0 ? '0' : ' ', width);
            width = Math.min(width, 0);
        }
        out.pad('0', precision - i);
        byte[] d = digits.getBytes(StandardCharsets.ISO_8859_1);
        out.put(d, 0, d.length);
        out.pad(' ', width);
    }

    /** pointer_string(): hex, 16 zero-padded digits unless a width is given. */
    private static void pointer(Sink out, long ptr, int width, int precision, int flags) {
        if (width == -1) {
            width = 16;
            flags |= ZEROPAD;
        }
        number(out, ptr, 16, width, precision, (flags | SMALL) & ~SIGN);
    }

    /** string(): at most precision bytes, padded with spaces to the width. */
    private static void string(Sink out, byte[] s, int width, int precision, int flags) {
        int len = precision < 0 ? s.length : Math.min(s.length, precision);
        if ((flags & LEFT) == 0) {
            out.pad(' ', width - len);
        }
        out.put(s, 0, len);
        if ((flags & LEFT) != 0) {
            out.pad(' ', width - len);
        }
    }

    // ------------------------------------------------------------------ plumbing

    private static int at(byte[] f, int i) {
        return i < f.length ? f[i] & 0xff : 0;
    }

    private static String printable(int c) {
        return c >= 0x21 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c);
    }

    private static BpfFormatException einval(String why) {
        return new BpfFormatException(Errno.EINVAL, why);
    }

    private static BpfFormatException enospc() {
        return new BpfFormatException(Errno.ENOSPC,
                "arguments do not fit the " + MAX_BIN_ARGS + "-byte argument buffer");
    }

    /** bstr_printf's get_arg over the binary buffer; bytes past its end read as zero. */
    private static final class Args {
        private final byte[] bin;
        private int at;

        Args(byte[] bin) {
            this.bin = bin;
        }

        long get(int size, boolean signed) {
            at = size == 8 ? (at + 3) & ~3 : (at + size - 1) & -size;
            long v = 0;
            for (int k = size - 1; k >= 0; k--) {
                v = v << 8 | byteAt(at + k);
            }
            at += size;
            if (signed && size < 8) {
                int shift = 64 - 8 * size;
                v = v << shift >> shift;
            }
            return v;
        }

        byte[] string() {
            int start = at;
            while (byteAt(at) != 0) {
                at++;
            }
            byte[] s = start < bin.length ? Arrays.copyOfRange(bin, start, Math.min(at, bin.length)) : new byte[0];
            at++;
            return s;
        }

        private int byteAt(int i) {
            return i < bin.length ? bin[i] & 0xff : 0;
        }
    }

    /** The output buffer: keeps what fits in {@code size - 1} bytes, counts everything. */
    private static final class Sink {
        private final byte[] buf;
        private int length;

        Sink(int size) {
            this.buf = new byte[Math.max(0, size - 1)];
        }

        void put(int c) {
            if (length < buf.length) {
                buf[length] = (byte) c;
            }
            length++;
        }

        void put(byte[] b, int from, int n) {
            if (length < buf.length) {
                System.arraycopy(b, from, buf, length, Math.min(n, buf.length - length));
            }
            length += n;
        }

        void pad(char c, int n) {
            if (n <= 0) {
                return;
            }
            if (length < buf.length) {
                Arrays.fill(buf, length, Math.min(buf.length, length + n), (byte) c);
            }
            length += n;
        }

        Output output() {
            return new Output(Arrays.copyOf(buf, Math.min(length, buf.length)), length);
        }
    }
}
