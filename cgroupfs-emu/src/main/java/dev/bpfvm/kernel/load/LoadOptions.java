package dev.bpfvm.kernel.load;

import dev.bpfvm.maps.Maps;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.object.Kconfig;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.MapAttr;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
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
 * @param maps     how each map is created ({@link Maps#create} by default; the emulated kernel's
 *                 also makes its own map types, e.g. CGROUP_STATS)
 * @param mapExtra map_extra to set on maps before they are created, by map name (libbpf's
 *                 {@code bpf_map__set_map_extra}); replaces the object's value
 */
public record LoadOptions(int cpus, LongSupplier clock, boolean verify, ProgramVerifier verifier, Kconfig kconfig,
                          Function<String, OptionalLong> ksyms, BpfRuntime runtime, MapCreator maps,
                          Map<String, Long> mapExtra) {
    /** Makes a live map from its attributes in a runtime (BPF_MAP_CREATE). */
    @FunctionalInterface
    public interface MapCreator {
        /** @throws dev.bpfvm.vm.BpfException with the errno of a refused creation */
        BpfMap create(MapAttr attr, BpfRuntime runtime);
    }

    public LoadOptions {
        Objects.requireNonNull(verifier);
        Objects.requireNonNull(kconfig);
        Objects.requireNonNull(ksyms);
        Objects.requireNonNull(maps);
        mapExtra = java.util.Collections.unmodifiableMap(new TreeMap<>(mapExtra));
        if (cpus < 1 || cpus > 1024) {
            throw new IllegalArgumentException("cpus must be 1..1024: " + cpus);
        }
    }

    /** 4 CPUs, real clock, verification on (the real verifier, {@link ProgramVerifier#KERNEL}), default Kconfig, no ksyms, a new runtime. */
    public static LoadOptions defaults() {
        return new LoadOptions(BpfRuntime.DEFAULT_CPUS, null, true, ProgramVerifier.KERNEL, Kconfig.defaults(),
                name -> OptionalLong.empty(), null, Maps::create, Map.of());
    }

    public LoadOptions withCpus(int n) {
        return new LoadOptions(n, clock, verify, verifier, kconfig, ksyms, runtime, maps, mapExtra);
    }

    public LoadOptions withClock(LongSupplier c) {
        return new LoadOptions(cpus, c, verify, verifier, kconfig, ksyms, runtime, maps, mapExtra);
    }

    public LoadOptions withVerify(boolean v) {
        return new LoadOptions(cpus, clock, v, verifier, kconfig, ksyms, runtime, maps, mapExtra);
    }

    public LoadOptions withVerifier(ProgramVerifier v) {
        return new LoadOptions(cpus, clock, verify, v, kconfig, ksyms, runtime, maps, mapExtra);
    }

    public LoadOptions withKconfig(Kconfig k) {
        return new LoadOptions(cpus, clock, verify, verifier, k, ksyms, runtime, maps, mapExtra);
    }

    public LoadOptions withKsyms(Function<String, OptionalLong> k) {
        return new LoadOptions(cpus, clock, verify, verifier, kconfig, k, runtime, maps, mapExtra);
    }

    public LoadOptions withRuntime(BpfRuntime rt) {
        return new LoadOptions(cpus, clock, verify, verifier, kconfig, ksyms, rt, maps, mapExtra);
    }

    public LoadOptions withMaps(MapCreator m) {
        return new LoadOptions(cpus, clock, verify, verifier, kconfig, ksyms, runtime, m, mapExtra);
    }

    /** Sets map {@code map}'s map_extra before it is created (libbpf's {@code bpf_map__set_map_extra}). */
    public LoadOptions withMapExtra(String map, long extra) {
        Map<String, Long> m = new TreeMap<>(mapExtra);
        m.put(Objects.requireNonNull(map), extra);
        return new LoadOptions(cpus, clock, verify, verifier, kconfig, ksyms, runtime, maps, m);
    }
}
