package dev.bpfvm.vm.exec;

import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.KfuncRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What programs run against: one address space, the helper and kfunc registries, the clock,
 * the number of virtual CPUs and the default instruction budget. Shared by all threads; each
 * thread runs programs in its own {@link ExecContext}.
 */
public final class BpfRuntime {
    /** Default instruction budget per run: 1,000,000 × 32. */
    public static final long DEFAULT_BUDGET = 32_000_000L;
    public static final int DEFAULT_CPUS = 4;

    private final AddressSpace memory = new AddressSpace();
    private final HelperRegistry helpers;
    private final KfuncRegistry kfuncs;
    private final ConcurrentHashMap<Class<?>, Object> services = new ConcurrentHashMap<>();
    private volatile LongSupplier clock = System::nanoTime;
    private volatile long budget = DEFAULT_BUDGET;
    private final int cpus;
    private volatile Tiering tiering;

    public BpfRuntime(HelperRegistry helpers, KfuncRegistry kfuncs, int cpus) {
        if (cpus < 1 || cpus > 1024) {
            throw new IllegalArgumentException("cpus must be 1..1024: " + cpus);
        }
        this.helpers = helpers;
        this.kfuncs = kfuncs;
        this.cpus = cpus;
    }

    public BpfRuntime(HelperRegistry helpers) {
        this(helpers, new KfuncRegistry(), DEFAULT_CPUS);
    }

    public AddressSpace memory() {
        return memory;
    }

    public HelperRegistry helpers() {
        return helpers;
    }

    public KfuncRegistry kfuncs() {
        return kfuncs;
    }

    /**
     * Per-runtime state a helper family keeps (the PRNG of {@code bpf_get_prandom_u32}, ...),
     * made by {@code create} on first use. Thread-safe.
     */
    public <T> T service(Class<T> type, Supplier<? extends T> create) {
        Object s = services.get(type);
        if (s == null) {
            s = services.computeIfAbsent(type, k -> create.get());
        }
        return type.cast(s);
    }

    public int cpus() {
        return cpus;
    }

    /** Monotonic nanoseconds for {@code bpf_ktime_get_ns}; real by default, settable for tests. */
    public long nanoTime() {
        return clock.getAsLong();
    }

    public BpfRuntime clock(LongSupplier c) {
        this.clock = c;
        return this;
    }

    public long budget() {
        return budget;
    }

    public BpfRuntime budget(long b) {
        if (b <= 0) {
            throw new IllegalArgumentException("budget must be positive");
        }
        this.budget = b;
        return this;
    }

    /** The tiering installed by a compiling tier, or null (every program interpreted). */
    public Tiering tiering() {
        return tiering;
    }

    public BpfRuntime tiering(Tiering t) {
        this.tiering = t;
        return this;
    }

    /** A fresh execution context for the calling thread on virtual CPU {@code cpu}. */
    public ExecContext newContext(int cpu) {
        return new ExecContext(this, cpu);
    }
}
