package dev.bpfvm.vm.object;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An object together with a program for each of its global functions, for raw runs of "any
 * function in an object" ({@code bpfvm run --prog NAME}): besides the object's programs, the
 * global functions of {@code .text} that libbpf only ever links in as subprograms, e.g. a
 * ubpf/rbpf-style {@code uint64_t bpf_main(void *mem)}. Each is built exactly as a program is:
 * the function first, then every subprogram it reaches; one from {@code .text} has section
 * {@code .text}, type {@link ProgramType#UNSPEC} and attach type {@link AttachType#NONE}.
 *
 * @param object    the object, as {@link dev.bpfvm.vm.elf.ElfLoader#load} gives it
 * @param functions one program per global function, in section order, then offset order
 */
public record ObjectFunctions(ObjectSpec object, List<ProgramSpec> functions) {
    public ObjectFunctions {
        Objects.requireNonNull(object);
        functions = List.copyOf(functions);
    }

    /** The function named {@code name} (a program's entry or a global function of .text), or null. */
    public ProgramSpec function(String name) {
        for (ProgramSpec p : functions) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }

    /** The names of all functions, in order. */
    public List<String> names() {
        List<String> out = new ArrayList<>();
        for (ProgramSpec p : functions) {
            out.add(p.name());
        }
        return out;
    }
}
