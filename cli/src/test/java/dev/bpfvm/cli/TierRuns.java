package dev.bpfvm.cli;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.kernel.testrun.TestRun;
import dev.bpfvm.kernel.testrun.TestRunException;
import dev.bpfvm.kernel.testrun.TestRunOptions;
import dev.bpfvm.kernel.testrun.TestRunResult;
import dev.bpfvm.maps.ObjectIds;
import dev.bpfvm.maps.RingBufMap;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.TraceSink;
import dev.bpfvm.vm.jit.InterpreterFallback;
import dev.bpfvm.vm.jit.Jit;
import dev.bpfvm.vm.jit.JitOptions;
import dev.bpfvm.vm.jit.TierPolicy;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.MapType;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Test fixture for the tier-equality tests: one emulated kernel per tier built the same way,
 * a fixed test-run input per program type, and what a test run leaves behind (retval,
 * data_out, ctx_out, the fault, the bpf_printk lines, every map's contents) as text, so the
 * interpreter's and the JIT's outcomes compare line by line.
 */
final class TierRuns {
    private TierRuns() {}

    /** The two tiers. */
    enum Tier { INTERP, JIT }

    /**
     * {@code data_in} of packet programs: 64 bytes, an Ethernet/IPv4/TCP frame (so parsers take
     * their long paths) followed by the bytes 0xa0, 0xa1, ...
     */
    static final byte[] PACKET = packet();

    private static byte[] packet() {
        byte[] p = new byte[64];
        byte[] head = HexFormat.of().parseHex(
                "020000000001" + "020000000002" + "0800"                      // eth: dst, src, IPv4
                + "4500" + "0032" + "1234" + "4000" + "4006" + "0000"         // IPv4: 50 bytes, DF, ttl 64, TCP
                + "0a000001" + "0a000002"                                     // 10.0.0.1 -> 10.0.0.2
                + "3039" + "0050" + "00000001" + "00000000" + "5018" + "ffff" + "0000" + "0000"); // TCP 12345 -> 80
        System.arraycopy(head, 0, p, 0, head.length);
        for (int i = head.length; i < p.length; i++) {
            p[i] = (byte) (0xa0 + i - head.length);
        }
        return p;
    }

    /**
     * The fixed inputs of the test runs of a program of {@code type}, in order: the packet, a
     * runt frame of its first 14 bytes (the Ethernet header only: the programs' bounds checks
     * fail) run twice, the packet again run twice (a new packet region, maybe at the index of an
     * earlier one: what compiled code keeps per region across runs must follow); or a zeroed
     * context, one filled with the bytes 1, 2, 3, ..., the zeroed one again (tracing programs,
     * whose context is their function's arguments, run three times without one).
     */
    static List<TestRunOptions> inputs(ProgramType type) {
        switch (type) {
            case KPROBE:
                return contexts(TestRun.PT_REGS_SIZE);
            case TRACEPOINT:
            case SYSCALL:
                return contexts(64);
            case RAW_TRACEPOINT:
            case RAW_TRACEPOINT_WRITABLE:
                return contexts(TestRun.MAX_ARGS * 8);
            case TRACING:
                return List.of(TestRunOptions.defaults(), TestRunOptions.defaults(), TestRunOptions.defaults());
            default:
                return List.of(TestRunOptions.data(PACKET),
                        TestRunOptions.data(java.util.Arrays.copyOf(PACKET, 14)).withRepeat(2),
                        TestRunOptions.data(PACKET).withRepeat(2));
        }
    }

    private static List<TestRunOptions> contexts(int size) {
        byte[] pattern = new byte[size];
        for (int i = 0; i < size; i++) {
            pattern[i] = (byte) (i + 1);
        }
        return List.of(TestRunOptions.ctx(new byte[size]), TestRunOptions.ctx(pattern), TestRunOptions.ctx(new byte[size]));
    }

    /**
     * A fresh kernel for one tier: a deterministic clock (each read advances it by 1000 ns from
     * 1 s) and, for the JIT, the JIT installed with {@link TierPolicy#JIT} failing loudly when it
     * cannot compile.
     */
    static Kernel kernel(Tier tier) {
        EmulatedKernel k = new EmulatedKernel();
        AtomicLong now = new AtomicLong(1_000_000_000L);
        k.runtime().clock(() -> now.addAndGet(1000));
        Jit jit = tier == Tier.JIT
                ? Jit.install(k.runtime(), JitOptions.of(TierPolicy.JIT).fallback(InterpreterFallback.FAIL)) : null;
        return new Kernel(tier, k, jit);
    }

    /** One tier's kernel. */
    record Kernel(Tier tier, EmulatedKernel kernel, Jit jit) {
        /**
         * Prepares {@code p} for its tier: compiled now for the JIT (null, or why it could not
         * be compiled).
         */
        String prepare(Program p) {
            if (jit == null) {
                return null;
            }
            try {
                jit.compileNow(p);
                return p.compiledCode() == null ? "not compiled: " + p.tierNote() : null;
            } catch (RuntimeException e) {
                return "cannot compile: " + e.getMessage();
            }
        }

        /**
         * Whether the last run of {@code p} ran in this kernel's tier: compiled code installed
         * and never an interpreted run for the JIT; no compiled code for the interpreter.
         */
        boolean ranInTier(Program p) {
            return tier == Tier.JIT ? p.compiledCode() != null && p.interpretedRuns() == 0 : p.compiledCode() == null;
        }

        void shutdown() {
            if (jit != null) {
                jit.shutdown();
            }
        }
    }

    /** How the test runs ended, as text; {@code refused} when the first run was refused before the program ran. */
    record Outcome(String text, boolean refused, boolean unsupportedType) {}

    /**
     * Test-runs once per input of {@link #inputs} and describes each outcome: retval, data_out,
     * ctx_out and the printk lines, or the fault (errno, insn index, message).
     */
    static Outcome runAll(ProgramType type, java.util.function.Function<TestRunOptions, TestRunResult> testRun) {
        StringBuilder sb = new StringBuilder();
        List<TestRunOptions> inputs = inputs(type);
        for (int i = 0; i < inputs.size(); i++) {
            List<String> printk = new ArrayList<>();
            TestRunOptions in = inputs.get(i).withTrace(printk(printk), false);
            Outcome o = run(() -> testRun.apply(in), printk);
            if (o.refused() && i == 0) {
                return o;
            }
            sb.append("run ").append(i + 1).append(' ').append(o.text());
        }
        return new Outcome(sb.toString(), false, false);
    }

    /**
     * Test-runs once and describes the outcome: retval, data_out, ctx_out and the printk lines,
     * or the fault (errno, insn index, message).
     */
    static Outcome run(Supplier<TestRunResult> testRun, List<String> printk) {
        StringBuilder sb = new StringBuilder();
        try {
            TestRunResult r = testRun.get();
            sb.append("retval: ").append(r.retval()).append('\n');
            sb.append("data_out: ").append(HexFormat.of().formatHex(r.dataOut())).append('\n');
            sb.append("ctx_out: ").append(HexFormat.of().formatHex(r.ctxOut())).append('\n');
        } catch (TestRunException e) {
            return new Outcome("refused: " + e.errno() + " " + e.getMessage() + "\n", true,
                    e.errno() == Errno.ENOTSUPP);
        } catch (BpfException e) {
            sb.append("fault: ").append(e.errno()).append(" insn ").append(e.pc()).append(": ").append(e.getMessage())
                    .append('\n');
        } catch (KernelException e) {
            sb.append("error: ").append(e.errno()).append(": ").append(e.getMessage()).append('\n');
        } catch (RuntimeException e) {
            sb.append("exception: ").append(e.getClass().getName()).append(": ").append(e.getMessage()).append('\n');
        }
        for (String l : printk) {
            sb.append("printk: ").append(l).append('\n');
        }
        return new Outcome(sb.toString(), false, false);
    }

    /** A trace sink collecting the bpf_printk lines into {@code lines}. */
    static TraceSink printk(List<String> lines) {
        return new TraceSink() {
            @Override
            public void printk(String line) {
                lines.add(line);
            }
        };
    }

    /** Keys listed at most per map (an array of a million entries is compared in its first ones). */
    static final int MAX_KEYS = 4096;

    /**
     * Every map's contents as text: the entries by key (sorted by key bytes), a ring buffer's
     * records (drained), a queue's or stack's values (popped); a map user space cannot read gives
     * the errno of the first failing call.
     */
    static String maps(Map<String, BpfMap> maps) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, BpfMap> e : new TreeMap<>(maps).entrySet()) {
            sb.append("map ").append(e.getKey()).append(":");
            BpfMap m = e.getValue();
            try {
                if (m instanceof RingBufMap rb) {
                    for (byte[] rec : rb.drain()) {
                        sb.append(' ').append(HexFormat.of().formatHex(rec));
                    }
                } else if (m.type() == MapType.QUEUE || m.type() == MapType.STACK) {
                    for (int i = 0; i < MAX_KEYS; i++) {
                        byte[] v;
                        try {
                            v = m.lookupAndDelete(null, 0);
                        } catch (RuntimeException empty) {
                            break;
                        }
                        sb.append(' ').append(HexFormat.of().formatHex(v));
                    }
                } else {
                    TreeMap<String, String> entries = new TreeMap<>();
                    byte[] key = null;
                    for (int i = 0; i < MAX_KEYS; i++) {
                        byte[] next;
                        try {
                            next = m.nextKey(key);
                        } catch (RuntimeException end) {
                            break;
                        }
                        String value;
                        try {
                            byte[] v = m.lookup(next);
                            value = v == null ? "null" : objectName(m.type(), v);
                        } catch (RuntimeException err) {
                            value = "(" + err.getClass().getSimpleName() + ": " + err.getMessage() + ")";
                        }
                        entries.put(HexFormat.of().formatHex(next), value);
                        key = next;
                    }
                    entries.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
                }
            } catch (RuntimeException err) {
                sb.append(" (").append(err.getClass().getSimpleName()).append(": ").append(err.getMessage()).append(')');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * A value as text; for maps of programs or maps, whose values user space sees as ids (which
     * count across every kernel of the JVM), the name of the program or map with that id.
     */
    private static String objectName(MapType type, byte[] v) {
        String hex = HexFormat.of().formatHex(v);
        if (v.length != 4) {
            return hex;
        }
        int id = (v[0] & 0xff) | (v[1] & 0xff) << 8 | (v[2] & 0xff) << 16 | (v[3] & 0xff) << 24;
        if (type == MapType.PROG_ARRAY) {
            Program p = ObjectIds.program(id);
            return p == null ? "program id " + Integer.toUnsignedString(id) : "program " + p.name();
        }
        if (type == MapType.ARRAY_OF_MAPS || type == MapType.HASH_OF_MAPS) {
            BpfMap m = ObjectIds.map(id);
            return m == null ? "map id " + Integer.toUnsignedString(id) : "map " + m.name();
        }
        return hex;
    }

    /** The lines of {@code interp} and {@code jit} that differ, as "interp: ... / jit: ...". */
    static List<String> diff(String interp, String jit) {
        List<String> out = new ArrayList<>();
        String[] a = interp.split("\n", -1);
        String[] b = jit.split("\n", -1);
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            String x = i < a.length ? a[i] : "(none)";
            String y = i < b.length ? b[i] : "(none)";
            if (!x.equals(y)) {
                out.add("interp: " + x + "\n      jit: " + y);
            }
        }
        return out;
    }
}
