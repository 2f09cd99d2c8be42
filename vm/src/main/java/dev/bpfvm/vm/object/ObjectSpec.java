package dev.bpfvm.vm.object;

import dev.bpfvm.vm.btf.Btf;
import java.util.List;
import java.util.Objects;

/**
 * Everything a BPF object file holds, as plain immutable data: its programs, maps (including
 * the global data sections and {@code .kconfig}), global variables, externs, license, kernel
 * version and BTF. Live objects are built from it elsewhere; a spec never holds one.
 *
 * @param name          the object's name (the file name without directories and {@code .o})
 * @param programs      programs in section order, then symbol order
 * @param maps          BTF-defined and legacy maps, then global data maps, then {@code .kconfig}
 * @param variables     global variables of the data sections
 * @param externs       Kconfig values, ksyms and kfuncs the object declares
 * @param license       the {@code license} section's string, "" when absent
 * @param kernelVersion the {@code version} section's value, 0 when absent
 * @param btf           the object's BTF, or null when it has none
 * @param warnings      what the loader left out of a usable object and why (e.g. BTF that did not
 *                      load, dropped as libbpf does because nothing needed it), for tools to show
 */
public record ObjectSpec(String name, List<ProgramSpec> programs, List<MapSpec> maps, List<VariableSpec> variables,
                         List<ExternSpec> externs, String license, int kernelVersion, Btf btf, List<String> warnings) {
    public ObjectSpec {
        Objects.requireNonNull(name);
        Objects.requireNonNull(license);
        programs = List.copyOf(programs);
        maps = List.copyOf(maps);
        variables = List.copyOf(variables);
        externs = List.copyOf(externs);
        warnings = List.copyOf(warnings);
    }

    /** A spec without warnings. */
    public ObjectSpec(String name, List<ProgramSpec> programs, List<MapSpec> maps, List<VariableSpec> variables,
                      List<ExternSpec> externs, String license, int kernelVersion, Btf btf) {
        this(name, programs, maps, variables, externs, license, kernelVersion, btf, List.of());
    }

    /** The program with this name, or null. */
    public ProgramSpec program(String programName) {
        for (ProgramSpec p : programs) {
            if (p.name().equals(programName)) {
                return p;
            }
        }
        return null;
    }

    /** The map with this name, or null. */
    public MapSpec map(String mapName) {
        for (MapSpec m : maps) {
            if (m.name().equals(mapName)) {
                return m;
            }
        }
        return null;
    }

    public ExternSpec extern(String externName) {
        for (ExternSpec e : externs) {
            if (e.name().equals(externName)) {
                return e;
            }
        }
        return null;
    }

    public boolean hasBtf() {
        return btf != null;
    }
}
