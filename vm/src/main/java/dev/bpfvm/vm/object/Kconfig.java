package dev.bpfvm.vm.object;

import dev.bpfvm.vm.object.ExternSpec.KconfigType;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Values for {@code __kconfig} externs, in {@code /proc/config.gz} syntax ({@code y}, {@code n},
 * {@code m}, numbers, quoted strings), plus libbpf's virtual {@code LINUX_*} values. Immutable;
 * {@link #with} returns a changed copy. {@link #defaults()} describes bpfvm's emulated kernel.
 */
public final class Kconfig {
    /** The emulated kernel's version: 6.12.0. */
    public static final int KERNEL_VERSION = version(6, 12, 0);

    private final Map<String, String> values;

    private Kconfig(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /** {@code KERNEL_VERSION(a, b, c)} as the kernel computes it. */
    public static int version(int a, int b, int c) {
        return (a << 16) + (b << 8) + Math.min(c, 255);
    }

    private static final Kconfig DEFAULTS;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("LINUX_KERNEL_VERSION", Integer.toString(KERNEL_VERSION));
        m.put("LINUX_HAS_BPF_COOKIE", "y");
        m.put("LINUX_HAS_SYSCALL_WRAPPER", "y");
        m.put("CONFIG_64BIT", "y");
        m.put("CONFIG_X86_64", "y");
        m.put("CONFIG_SMP", "y");
        m.put("CONFIG_NR_CPUS", "64");
        m.put("CONFIG_HZ", "250");
        m.put("CONFIG_HZ_250", "y");
        m.put("CONFIG_PAGE_SIZE_4KB", "y");
        m.put("CONFIG_BPF", "y");
        m.put("CONFIG_BPF_SYSCALL", "y");
        m.put("CONFIG_BPF_JIT", "y");
        m.put("CONFIG_BPF_JIT_ALWAYS_ON", "y");
        m.put("CONFIG_BPF_EVENTS", "y");
        m.put("CONFIG_BPF_LSM", "y");
        m.put("CONFIG_DEBUG_INFO_BTF", "y");
        m.put("CONFIG_CGROUPS", "y");
        m.put("CONFIG_CGROUP_BPF", "y");
        m.put("CONFIG_CGROUP_SCHED", "y");
        m.put("CONFIG_MEMCG", "y");
        m.put("CONFIG_PREEMPT_RCU", "n");
        m.put("CONFIG_NET", "y");
        m.put("CONFIG_IPV6", "y");
        m.put("CONFIG_LOCALVERSION", "\"-bpfvm\"");
        DEFAULTS = new Kconfig(m);
    }

    /** bpfvm's emulated kernel: 6.12, x86-64, SMP, BPF and cgroups enabled, HZ=250. */
    public static Kconfig defaults() {
        return DEFAULTS;
    }

    /** No values at all (every non-weak Kconfig extern then fails to load). */
    public static Kconfig empty() {
        return new Kconfig(new LinkedHashMap<>());
    }

    /** A copy with {@code name} set to {@code value} ({@code y}, {@code n}, {@code m}, a number or a quoted string). */
    public Kconfig with(String name, String value) {
        Objects.requireNonNull(name);
        Objects.requireNonNull(value);
        Map<String, String> m = new LinkedHashMap<>(values);
        m.put(name, value);
        return new Kconfig(m);
    }

    /**
     * A copy with the assignments of a config file added ({@code CONFIG_X=y} lines; comments and
     * {@code # CONFIG_X is not set} lines, which mean {@code n}).
     */
    public Kconfig withConfigText(String text) {
        Map<String, String> m = new LinkedHashMap<>(values);
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("# CONFIG_") && line.endsWith(" is not set")) {
                m.put(line.substring(2, line.length() - " is not set".length()), "n");
            } else if (!line.isEmpty() && !line.startsWith("#")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    m.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
        }
        return new Kconfig(m);
    }

    /** The raw value of {@code name}, or null. */
    public String get(String name) {
        return values.get(name);
    }

    public Map<String, String> values() {
        return values;
    }

    /**
     * The contents of the {@code .kconfig} map for these externs ({@code size} bytes). A missing
     * non-weak value, or a value that does not fit its extern's type, is an error naming it.
     */
    public byte[] render(String file, List<ExternSpec> externs, int size) {
        byte[] out = new byte[size];
        for (ExternSpec e : externs) {
            if (e.kind() != ExternSpec.Kind.KCONFIG) {
                continue;
            }
            String v = values.get(e.name());
            if (v == null) {
                if (e.weak()) {
                    continue;
                }
                throw error(file, e, "value not found (declare it __weak or set it)");
            }
            put(file, e, v, out);
        }
        return out;
    }

    private static RelocationException error(String file, ExternSpec e, String what) {
        return new RelocationException(file, null, -1, null, "extern (kcfg) '" + e.name() + "': " + what);
    }

    private static void put(String file, ExternSpec e, String v, byte[] out) {
        int off = e.offset();
        boolean tri = v.equals("y") || v.equals("n") || v.equals("m");
        switch (e.kconfig()) {
            case BOOL:
                if (!tri || v.equals("m")) {
                    throw error(file, e, "value '" + v + "' is not valid for a bool");
                }
                out[off] = (byte) (v.equals("y") ? 1 : 0);
                return;
            case TRISTATE:
                if (!tri) {
                    throw error(file, e, "value '" + v + "' is not valid for a tristate");
                }
                writeInt(out, off, e.size(), v.equals("y") ? 1 : v.equals("m") ? 2 : 0);
                return;
            case CHAR:
                if (tri) {
                    out[off] = (byte) v.charAt(0);
                    return;
                }
                break;
            case STRING: {
                if (v.length() < 2 || !v.startsWith("\"") || !v.endsWith("\"")) {
                    throw error(file, e, "value " + v + " is not a quoted string");
                }
                byte[] s = v.substring(1, v.length() - 1).getBytes(StandardCharsets.UTF_8);
                int n = Math.min(s.length, e.size() - 1);
                System.arraycopy(s, 0, out, off, n);
                return;
            }
            default:
                break;
        }
        if (tri) {
            throw error(file, e, "value '" + v + "' is not a number");
        }
        long num;
        try {
            num = parseNumber(v);
        } catch (NumberFormatException ex) {
            throw error(file, e, "value '" + v + "' is not a number");
        }
        int bits = e.size() * 8;
        if (bits < 64) {
            boolean fits = e.kconfig() == KconfigType.INT
                    ? num >= -(1L << (bits - 1)) && num < (1L << (bits - 1))
                    : num >= 0 && num < (1L << bits);
            if (!fits) {
                throw error(file, e, "value " + v + " does not fit in " + e.size() + " byte(s)");
            }
        }
        writeInt(out, off, e.size(), num);
    }

    private static long parseNumber(String v) {
        if (v.startsWith("0x") || v.startsWith("0X")) {
            return Long.parseUnsignedLong(v.substring(2), 16);
        }
        if (v.startsWith("-0x") || v.startsWith("-0X")) {
            return -Long.parseLong(v.substring(3), 16);
        }
        return Long.parseLong(v);
    }

    private static void writeInt(byte[] out, int off, int size, long v) {
        for (int i = 0; i < size; i++) {
            out[off + i] = (byte) (v >>> (8 * i));
        }
    }
}
