package dev.bpfvm.cli;

import dev.bpfvm.kernel.load.BpfObject;
import dev.bpfvm.kernel.load.LoadOptions;
import dev.bpfvm.vm.btf.KernelBtf;
import dev.bpfvm.vm.elf.ElfLoader;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.object.Linker;
import dev.bpfvm.vm.object.MapSpec;
import dev.bpfvm.vm.object.ObjectFunctions;
import dev.bpfvm.vm.object.ProgramSpec;
import dev.bpfvm.vm.object.Reloc;
import dev.bpfvm.vm.object.SymbolResolver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One function of a BPF object, linked for a raw run: a program or any global function (one in
 * {@code .text} included) with the subprograms it calls. A function that uses no maps gets its
 * global data ({@code .data}, {@code .rodata}, {@code .bss}, ...) as plain memory regions of the
 * runtime, initialized from the object ({@code .rodata} read-only); one that uses maps runs in the
 * object made live by the loading pipeline ({@link BpfObject}: every map created, as libbpf would).
 */
final class ObjectFunction {
    /**
     * The linked function, the global data regions it may write, and whether it uses maps (whose
     * contents, unlike the globals, cannot be put back after a warm-up).
     */
    record Linked(Program program, String name, List<Region> globals, boolean usesMaps) {}

    private ObjectFunction() {}

    /**
     * Picks function {@code name} of the object in {@code bytes} (null: the only program, or else
     * the only global function) and links it into {@code rt}. {@code file} names the object in
     * the CLI's errors, {@code fileName} in the loader's.
     */
    static Linked link(String file, String fileName, byte[] bytes, String name, BpfRuntime rt) {
        ObjectFunctions all = ElfLoader.loadFunctions(fileName, bytes);
        ProgramSpec spec = pick(file, all, name);
        if (spec.relocs().values().stream().anyMatch(r -> r instanceof Reloc.MapRef)) {
            BpfObject live = BpfObject.load(all.object(), fileName, LoadOptions.defaults().withRuntime(rt));
            Program p = all.object().program(spec.name()) != null ? live.program(spec.name()).program() : live.linkFunction(spec).program();
            return new Linked(p, spec.name(), List.of(), true);
        }
        Map<String, Region> regions = new HashMap<>();
        List<Region> globals = new ArrayList<>();
        for (MapSpec m : all.object().maps()) {
            if (!m.isGlobalData() || !uses(spec, m.name())) {
                continue;
            }
            byte[] data = new byte[m.valueSize()];
            byte[] init = m.data();
            if (init != null) {
                System.arraycopy(init, 0, data, 0, Math.min(init.length, data.length));
            }
            Region.Builder b = Region.of(Region.Kind.GLOBAL, m.name(), data);
            if (m.frozen()) {
                b.readOnly();
            }
            Region r = rt.memory().register(b.build());
            regions.put(m.name(), r);
            if (!m.frozen()) {
                globals.add(r);
            }
        }
        SymbolResolver resolver = new SymbolResolver() {
            @Override
            public long mapAddress(String map) {
                throw new IllegalStateException("maps were refused above: " + map);
            }

            @Override
            public long mapValueAddress(String map) {
                return regions.get(map).address();
            }
        };
        boolean core = spec.relocs().values().stream().anyMatch(r -> r instanceof Reloc.CoreRef);
        Linker linker = new Linker(all.object(), resolver, core ? KernelBtf.get() : null);
        return new Linked(linker.link(spec).program(), spec.name(), globals, false);
    }

    private static boolean uses(ProgramSpec spec, String map) {
        for (Reloc r : spec.relocs().values()) {
            if (r instanceof Reloc.DataRef d && d.map().equals(map)) {
                return true;
            }
        }
        return false;
    }

    private static ProgramSpec pick(String file, ObjectFunctions all, String name) {
        if (name != null) {
            ProgramSpec p = all.function(name);
            if (p == null) {
                throw new CliException(file + ": no program or global function named '" + name + "' ("
                        + candidates(all) + ")");
            }
            return p;
        }
        List<ProgramSpec> programs = all.object().programs();
        if (programs.size() == 1) {
            return programs.get(0);
        }
        if (programs.isEmpty() && all.functions().size() == 1) {
            return all.functions().get(0);
        }
        if (all.functions().isEmpty()) {
            throw new CliException(file + ": the object has no programs or global functions");
        }
        throw new CliException(file + ": more than one function; choose one with --prog (" + candidates(all) + ")");
    }

    private static String candidates(ObjectFunctions all) {
        if (all.functions().isEmpty()) {
            return "there are none";
        }
        StringBuilder sb = new StringBuilder();
        for (ProgramSpec p : all.functions()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(p.name());
            if (!p.section().equals(".text")) {
                sb.append(" [").append(p.section()).append(']');
            }
        }
        return "functions: " + sb;
    }
}
