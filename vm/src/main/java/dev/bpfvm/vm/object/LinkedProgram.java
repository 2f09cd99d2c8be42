package dev.bpfvm.vm.object;

import dev.bpfvm.vm.btf.CoreRelocator;
import dev.bpfvm.vm.exec.Program;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A program after linking: the executable {@link Program} plus what the verifier, the
 * disassembler and error messages need to explain it.
 *
 * @param spec     the program as loaded from the object
 * @param program  the executable form (addresses and ids filled in, CO-RE applied)
 * @param relocs   slot → symbolic reference (the spec's side table)
 * @param core     slot → CO-RE outcome, for every CO-RE relocation
 * @param poisoned slot → why that instruction fails when executed (unresolved CO-RE, missing weak kfunc)
 */
public record LinkedProgram(ProgramSpec spec, Program program, SortedMap<Integer, Reloc> relocs,
                            SortedMap<Integer, CoreRelocator.Result> core, SortedMap<Integer, String> poisoned) {
    public LinkedProgram {
        relocs = Collections.unmodifiableSortedMap(new TreeMap<>(relocs));
        core = Collections.unmodifiableSortedMap(new TreeMap<>(core));
        poisoned = Collections.unmodifiableSortedMap(new TreeMap<>(poisoned));
    }

    public String name() {
        return spec.name();
    }
}
