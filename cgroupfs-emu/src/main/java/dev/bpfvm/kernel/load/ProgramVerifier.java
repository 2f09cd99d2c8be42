package dev.bpfvm.kernel.load;

import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.object.LinkedProgram;

/**
 * The verifier hook of the loading pipeline: called for every linked program before it becomes
 * runnable, when {@link LoadOptions#verify()} is on. A rejection throws a
 * {@link BpfLoadException} naming the program (with the verifier log as its detail).
 *
 * <p>VERIFIER HOOK: the verifier module is not wired yet; {@link #ACCEPT} (the default) accepts
 * every program. The lead replaces the default with the real verifier.
 */
@FunctionalInterface
public interface ProgramVerifier {
    /** Accepts everything (until the verifier is wired). */
    ProgramVerifier ACCEPT = (program, runtime) -> { };

    void verify(LinkedProgram program, BpfRuntime runtime);
}
