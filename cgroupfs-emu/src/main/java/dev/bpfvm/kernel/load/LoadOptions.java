package dev.bpfvm.kernel.load;

import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.object.Kconfig;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * How {@link BpfObject} opens an object. Immutable; each {@code with} method returns a changed copy.
 *
 * @param cpus     virtual CPUs of a new runtime (ignored with {@link #runtime})
 * @param clock    nanosecond clock of a new runtime, or null for the real one
 * @param verify   whether programs pass through {@link #verifier} before they run
 * @param verifier the verifier hook (default {@link ProgramVerifier#KERNEL})
 * @param kconfig  values of {@code __kconfig} externs
 * @param ksyms    addresses of {@code __ksym} kernel variables (empty = none exists)
 * @param runtime  an existing runtime to load into (the emulated kernel's), or null for a new one
 */
public record LoadOptions(int cpus, LongSupplier clock, boolean verify, ProgramVerifier verifier, Kconfig kconfig,
                          Function<String, OptionalLong> ksyms, BpfRuntime runtime) {
    public LoadOptions {
        Objects.requireNonNull(verifier);
        Objects.requireNonNull(kconfig);
        Objects.requireNonNull(ksyms);
        if (cpus < 1 || cpus > 1024) {
            throw new IllegalArgumentException("cpus must be 1..1024: " + cpus);
        }
    }

    /** 4 CPUs, real clock, verification on (the real verifier, {@link ProgramVerifier#KERNEL}), default Kconfig, no ksyms, a new runtime. */
    public static LoadOptions defaults() {
        return new LoadOptions(BpfRuntime.DEFAULT_CPUS, null, true, ProgramVerifier.KERNEL, Kconfig.defaults(),
                name -> OptionalLong.empty(), null);
    }

    public LoadOptions withCpus(int n) {
        return new LoadOptions(n, clock, verify, verifier, kconfig, ksyms, runtime);
    }

    public LoadOptions withClock(LongSupplier c) {
        return new LoadOptions(cpus, c, verify, verifier, kconfig, ksyms, runtime);
    }

    public LoadOptions withVerify(boolean v) {
        return new LoadOptions(cpus, clock, v, verifier, kconfig, ksyms, runtime);
    }

    public LoadOptions withVerifier(ProgramVerifier v) {
        return new LoadOptions(cpus, clock, verify, v, kconfig, ksyms, runtime);
    }

    public LoadOptions withKconfig(Kconfig k) {
        return new LoadOptions(cpus, clock, verify, verifier, k, ksyms, runtime);
    }

    public LoadOptions withKsyms(Function<String, OptionalLong> k) {
        return new LoadOptions(cpus, clock, verify, verifier, kconfig, k, runtime);
    }

    public LoadOptions withRuntime(BpfRuntime rt) {
        return new LoadOptions(cpus, clock, verify, verifier, kconfig, ksyms, rt);
    }
}
