package dev.bpfvm.kernel.load;

import dev.bpfvm.verifier.KernelTypes;
import dev.bpfvm.verifier.ObjectPrograms;
import dev.bpfvm.verifier.Verifier;
import dev.bpfvm.verifier.VerifierOptions;
import dev.bpfvm.verifier.VerifierResult;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.object.LinkedProgram;
import dev.bpfvm.vm.object.ObjectSpec;
import java.util.Objects;

/**
 * The verifier hook of the loading pipeline: called for every linked program before it becomes
 * runnable, when {@link LoadOptions#verify()} is on. A {@link dev.bpfvm.verifier.VerifierException}
 * becomes a {@link ProgramRejectedException} (errno, log, insn and source line kept); any other
 * exception a {@link BpfLoadException} naming the program.
 *
 * <p>The default is {@link #KERNEL}: the verifier module with the runtime's helper and kfunc
 * registries and the emulated kernel's BTF, as Linux verifies at {@code BPF_PROG_LOAD}.
 */
@FunctionalInterface
public interface ProgramVerifier {
    /** Accepts everything (for tests of the pipeline itself). */
    ProgramVerifier ACCEPT = (object, program, runtime) -> { };

    /** The real verifier, privileged, log level 1 (the failing path is in a rejection's log). */
    ProgramVerifier KERNEL = kernel(VerifierOptions.defaults());

    /**
     * Verifies {@code program} of {@code object}; throws on rejection.
     *
     * @param object  the object the program comes from (maps, BTF, license)
     * @param program the linked program
     * @param runtime the runtime it will run in (its helper and kfunc registries)
     */
    void verify(ObjectSpec object, LinkedProgram program, BpfRuntime runtime);

    /** The real verifier with these options (log level, unprivileged, alignment). */
    static ProgramVerifier kernel(VerifierOptions options) {
        Objects.requireNonNull(options);
        return (object, program, runtime) -> {
            VerifierResult r = Verifier.verify(ObjectPrograms.input(object, program, runtime.helpers(),
                    runtime.kfuncs(), options, KernelTypes.emulated()));
            if (!r.accepted()) {
                throw r.toException(program.name());
            }
        };
    }
}
