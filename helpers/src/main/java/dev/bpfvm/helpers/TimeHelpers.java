package dev.bpfvm.helpers;

import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.RetType;

/**
 * Clock helpers beyond {@code bpf_ktime_get_ns}, all derived from the runtime's one monotonic
 * clock ({@code BpfRuntime.clock}), so a test that sets the clock knows every value exactly.
 *
 * <ul>
 *   <li>{@code bpf_ktime_get_boot_ns} (#125) equals {@code bpf_ktime_get_ns}: the emulated
 *       machine never suspends.</li>
 *   <li>The tick is {@link #HZ} = 250 per second ({@code CONFIG_HZ=250}, as the Debian and
 *       Ubuntu kernels most users run), one jiffy = {@link #TICK_NSEC} = 4 ms.</li>
 *   <li>{@code bpf_ktime_get_coarse_ns} (#160) is the clock at the last tick:
 *       {@code floor(ns / TICK_NSEC) * TICK_NSEC}.</li>
 *   <li>{@code bpf_jiffies64} (#118) is {@link #INITIAL_JIFFIES} + {@code floor(ns / TICK_NSEC)}:
 *       Linux starts {@code jiffies_64} 5 minutes before the 32-bit wrap so that wrap bugs
 *       show early, and counts one per tick from boot (clock 0).</li>
 * </ul>
 */
public final class TimeHelpers {
    public static final int BPF_JIFFIES64 = 118;
    public static final int BPF_KTIME_GET_BOOT_NS = 125;
    public static final int BPF_KTIME_GET_COARSE_NS = 160;

    /** Ticks per second of the emulated kernel ({@code CONFIG_HZ}). */
    public static final int HZ = 250;
    /** Nanoseconds per tick. */
    public static final long TICK_NSEC = 1_000_000_000L / HZ;
    /** Linux's {@code INITIAL_JIFFIES}: {@code (unsigned int)(-300 * HZ)}. */
    public static final long INITIAL_JIFFIES = (-300L * HZ) & 0xffffffffL;

    public static final HelperSpec JIFFIES64 = new HelperSpec(BPF_JIFFIES64, "bpf_jiffies64",
            HelperProto.of(RetType.INTEGER), TimeHelpers::jiffies64);
    public static final HelperSpec KTIME_GET_BOOT_NS = new HelperSpec(BPF_KTIME_GET_BOOT_NS,
            "bpf_ktime_get_boot_ns", HelperProto.of(RetType.INTEGER), TimeHelpers::bootNs);
    public static final HelperSpec KTIME_GET_COARSE_NS = new HelperSpec(BPF_KTIME_GET_COARSE_NS,
            "bpf_ktime_get_coarse_ns", HelperProto.of(RetType.INTEGER), TimeHelpers::coarseNs);

    private TimeHelpers() {}

    /** Registers these helpers (replacing any with the same numbers); returns the registry. */
    public static HelperRegistry register(HelperRegistry registry) {
        registry.register(JIFFIES64);
        registry.register(KTIME_GET_BOOT_NS);
        registry.register(KTIME_GET_COARSE_NS);
        return registry;
    }

    /** The jiffies count at clock value {@code ns}. */
    public static long jiffiesAt(long ns) {
        return INITIAL_JIFFIES + Math.floorDiv(ns, TICK_NSEC);
    }

    static long jiffies64(ExecContext ctx, long r1, long r2, long r3, long r4, long r5) {
        return jiffiesAt(ctx.runtime().nanoTime());
    }

    static long bootNs(ExecContext ctx, long r1, long r2, long r3, long r4, long r5) {
        return ctx.runtime().nanoTime();
    }

    static long coarseNs(ExecContext ctx, long r1, long r2, long r3, long r4, long r5) {
        return Math.floorDiv(ctx.runtime().nanoTime(), TICK_NSEC) * TICK_NSEC;
    }
}
