package dev.bpfvm.kernel;

import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import java.util.Objects;

/**
 * A program the emulated kernel holds: its id (as {@code BPF_PROG_GET_NEXT_ID} lists it), type,
 * expected attach type and target (the {@code attach_btf_id} function or tracepoint name),
 * whether it is sleepable, and its linked code.
 */
public record LoadedProgram(int id, String name, ProgramType type, AttachType attachType, String attachTo,
                            boolean sleepable, Program code) {
    public LoadedProgram {
        Objects.requireNonNull(name);
        Objects.requireNonNull(type);
        Objects.requireNonNull(attachType);
        Objects.requireNonNull(attachTo);
        Objects.requireNonNull(code);
    }
}
