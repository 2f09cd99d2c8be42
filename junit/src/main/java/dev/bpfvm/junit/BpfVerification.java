package dev.bpfvm.junit;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.load.BpfProgram;
import dev.bpfvm.verifier.KernelTypes;
import dev.bpfvm.verifier.ObjectPrograms;
import dev.bpfvm.verifier.Verifier;
import dev.bpfvm.verifier.VerifierOptions;
import dev.bpfvm.verifier.VerifierResult;
import dev.bpfvm.vm.btf.KernelBtf;
import dev.bpfvm.vm.elf.ElfLoader;
import dev.bpfvm.vm.object.Linker;
import dev.bpfvm.vm.object.ObjectSpec;
import dev.bpfvm.vm.object.ProgramSpec;
import dev.bpfvm.vm.object.SymbolResolver;
import java.util.OptionalInt;

/**
 * Runs the verifier on a program as Linux would at {@code BPF_PROG_LOAD}, with the helpers and
 * kfuncs of the emulated kernel and a level-1 log, and returns the result (it never throws for a
 * rejection): assert on it with {@link BpfAssertions#assertThat(VerifierResult)}.
 */
public final class BpfVerification {
    private BpfVerification() {}

    /** The emulated kernel's registries, built once (they do not change). */
    private static final class Registries {
        static final EmulatedKernel KERNEL = new EmulatedKernel(1);
    }

    /** Verifies a loaded program. */
    public static VerifierResult verify(BpfProgram program) {
        return Verifier.verify(ObjectPrograms.input(program.object().spec(), program.linked(),
                Registries.KERNEL.runtime().helpers(), Registries.KERNEL.runtime().kfuncs(),
                VerifierOptions.defaults().withLogLevel(1), KernelTypes.emulated()));
    }

    /**
     * Verifies program {@code program} of an object without loading it (so a program the verifier
     * rejects can be examined even when loading would fail).
     */
    public static VerifierResult verify(String file, byte[] object, String program) {
        ObjectSpec spec = ElfLoader.load(file, object);
        ProgramSpec prog = spec.program(program);
        Linker linker = new Linker(spec, placeholderAddresses(spec), KernelBtf.get());
        return Verifier.verify(ObjectPrograms.input(spec, linker.link(prog),
                Registries.KERNEL.runtime().helpers(), Registries.KERNEL.runtime().kfuncs(),
                VerifierOptions.defaults().withLogLevel(1), KernelTypes.emulated()));
    }

    /** Verifies program {@code program} of an object on the test classpath ({@code /name}, {@code /bpf/name}) or a file. */
    public static VerifierResult verify(Class<?> testClass, String file, String program) {
        return verify(file, BpfExtension.objectBytes(testClass, file), program);
    }

    /** Map addresses nobody dereferences: the verifier reads maps through the relocation table. */
    private static SymbolResolver placeholderAddresses(ObjectSpec object) {
        return new SymbolResolver() {
            @Override
            public long mapAddress(String map) {
                return (long) (object.maps().indexOf(object.map(map)) + 1) << 32;
            }

            @Override
            public long mapValueAddress(String map) {
                return mapAddress(map);
            }

            @Override
            public OptionalInt kfuncBtfId(String name) {
                int id = KernelBtf.funcId(name);
                return id > 0 ? OptionalInt.of(id) : OptionalInt.empty();
            }
        };
    }
}
