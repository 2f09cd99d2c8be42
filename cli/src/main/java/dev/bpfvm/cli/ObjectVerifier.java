package dev.bpfvm.cli;

import dev.bpfvm.kernel.load.BpfObject;
import dev.bpfvm.kernel.load.LoadOptions;
import dev.bpfvm.verifier.KernelOnlyHelpers;
import dev.bpfvm.verifier.VerifierOptions;
import dev.bpfvm.verifier.VerifierResult;
import dev.bpfvm.verifier.VerifierTrace;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.LoaderException;
import dev.bpfvm.vm.btf.KernelBtf;
import dev.bpfvm.vm.elf.ElfLoader;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.object.LinkedProgram;
import dev.bpfvm.vm.object.Linker;
import dev.bpfvm.vm.object.MapSpec;
import dev.bpfvm.vm.object.ObjectSpec;
import dev.bpfvm.vm.object.ProgramSpec;
import dev.bpfvm.vm.object.SymbolResolver;
import dev.bpfvm.vm.spi.HelperRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What {@code bpfvm verify} checks an object with: the object made live as a load does (maps
 * created, programs linked) and each program verified; when that fails, each program linked on its
 * own against placeholder map addresses and verified. The verifier only needs the maps'
 * definitions (from the {@link MapSpec}s), so a program using a map type bpfvm cannot run
 * (sockmap, sk_storage, arena, ...) is still verified as Linux would. A program that cannot be
 * linked (it calls a kfunc the emulated kernel lacks) is that program's load error, not the
 * whole object's; libbpf would refuse the whole object, Linux's verifier sees one program at a time.
 * Helpers Linux has and bpfvm does not run are checked by their Linux prototypes
 * ({@link KernelOnlyHelpers}), not refused as {@code unknown func}.
 */
final class ObjectVerifier implements AutoCloseable {
    private final ObjectSpec spec;
    private final BpfRuntime runtime;
    private final Linker linker;
    private final BpfObject live;
    private final HelperRegistry helpers;

    /** One program's outcome: a verifier result, or why it could not be linked. */
    record Outcome(ProgramSpec program, VerifierResult result, String loadError) {
        boolean loaded() {
            return loadError == null;
        }
    }

    private ObjectVerifier(ObjectSpec spec, BpfObject live, BpfRuntime runtime, LoadOptions options) {
        this.spec = spec;
        this.live = live;
        this.runtime = runtime;
        this.helpers = KernelOnlyHelpers.with(runtime.helpers());
        Map<String, Long> addresses = new HashMap<>();
        List<MapSpec> maps = spec.maps();
        for (int i = 0; i < maps.size(); i++) {
            // placeholder addresses: the verifier reads map references from the relocations, not from these
            addresses.put(maps.get(i).name(), (long) (i + 1) << 32);
        }
        SymbolResolver base = new SymbolResolver() {
            @Override
            public long mapAddress(String map) {
                return addresses.getOrDefault(map, 0L);
            }

            @Override
            public long mapValueAddress(String map) {
                return addresses.getOrDefault(map, 0L);
            }

            @Override
            public OptionalLong ksymAddress(String name) {
                return options.ksyms().apply(name);
            }
        };
        this.linker = new Linker(spec, SymbolResolver.withKfuncs(base, runtime.kfuncs()), KernelBtf.get());
    }

    /** Parses an object; a {@link LoaderException} when the file is not a BPF object bpfvm can read. */
    static ObjectVerifier open(String file, byte[] bytes, LoadOptions options) {
        ObjectSpec spec = ElfLoader.load(file, bytes, new ElfLoader.Options(options.kconfig()));
        try {
            // made live when it can be (the log then shows the maps' real addresses, as a load's does)
            BpfObject live = BpfObject.load(spec, file, options.withVerify(false));
            return new ObjectVerifier(spec, live, live.runtime(), options);
        } catch (LoaderException | BpfException e) {
            BpfRuntime rt = options.runtime() != null ? options.runtime() : BpfObject.newRuntime(options);
            return new ObjectVerifier(spec, null, rt, options);
        }
    }

    ObjectSpec spec() {
        return spec;
    }

    List<ProgramSpec> programs() {
        return spec.programs();
    }

    /** Links and verifies one program of the object. */
    Outcome verify(ProgramSpec program, VerifierOptions options) {
        Traced t = trace(program, options, false);
        return new Outcome(program, t.trace() == null ? null : t.trace().result(), t.loadError());
    }

    /** One program's traced verification ({@code --html}): the trace, or why it could not be linked. */
    record Traced(ProgramSpec program, VerifierTrace trace, String loadError) {
        boolean loaded() {
            return loadError == null;
        }
    }

    /** Links and verifies one program of the object, recording every instruction visit. */
    Traced trace(ProgramSpec program, VerifierOptions options) {
        return trace(program, options, true);
    }

    private Traced trace(ProgramSpec program, VerifierOptions options, boolean traced) {
        LinkedProgram linked;
        if (live != null) {
            linked = live.program(program.name()).linked();
        } else {
            try {
                linked = linker.link(program);
            } catch (LoaderException e) {
                return new Traced(program, null, e.getMessage());
            } catch (RuntimeException e) {
                return new Traced(program, null, spec.name() + ": " + program.name() + ": cannot link: " + e.getMessage());
            }
        }
        VerifierTrace t = traced ? Verification.trace(spec, linked, helpers, runtime.kfuncs(), options)
                : new VerifierTrace(Verification.verify(spec, linked, helpers, runtime.kfuncs(), options), List.of(),
                        List.of(), List.of());
        return new Traced(program, t, null);
    }

    @Override
    public void close() {
        if (live != null) {
            live.close();
        }
    }
}
