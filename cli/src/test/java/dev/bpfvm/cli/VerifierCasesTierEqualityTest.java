package dev.bpfvm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.LoadedProgram;
import dev.bpfvm.kernel.syscall.Bpf;
import dev.bpfvm.kernel.syscall.BpfProcess;
import dev.bpfvm.kernel.testrun.TestRun;
import dev.bpfvm.verifier.KernelOnlyHelpers;
import dev.bpfvm.vm.elf.SectionDefs;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.KfuncSpec;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Proof of equality of the tiers on the verifier's own corpus: every case of {@code
 * verifier/src/test/resources/cases/*.vtest} that expects {@code accept} is loaded as a user
 * would load it (maps created with BPF_MAP_CREATE, the program with a raw BPF_PROG_LOAD naming
 * them by fd, its type from the case's {@code type:} as a {@code SEC()} name) into two fresh
 * emulated kernels, and test-run in each with the same fixed inputs ({@link TierRuns#inputs}):
 * once interpreted, once compiled by the JIT. Retval, data_out, ctx_out, the fault (errno, insn
 * index, message), the bpf_printk lines and every map's contents must be identical, and the
 * compiled run must really have run compiled.
 *
 * <p>Cases are skipped, and counted, when their type is not a Linux program type (bpfvm's {@code
 * raw}), when test-run refuses the type, or when the raw load cannot express them (BTF function
 * info of {@code global:} cases; map options the raw map create does not take) and the emulated
 * kernel then refuses the load.
 */
class VerifierCasesTierEqualityTest {
    static final Path CASES = Path.of("../verifier/src/test/resources/cases");

    /**
     * The floor of compared cases (observed: 165 of the 199 accepted cases; the rest are counted in
     * {@code target/tier-equality-vtest.txt}). Lower means a regression in loading, test-run or
     * this test's reader.
     */
    static final int MIN_COMPARED = 165;

    /**
     * Why the JIT may refuse a program by design (ARCHITECTURE.md, JIT: opcodes left to the
     * interpreter, {@code EmitterTable.INTERPRETER_ONLY}); such cases are counted, not compared.
     */
    static final java.util.regex.Pattern INTERPRETER_ONLY = java.util.regex.Pattern.compile(
            "may_goto at insn \\d+ is not compiled");

    /** What the test needs of a case: see CaseFileTest in the verifier's tests for the format. */
    record Case(String file, int line, String name, String type, List<String> maps, List<String> options,
                boolean accept, String program) {
        String where() {
            return file + ":" + line + " " + name;
        }
    }

    static List<Case> read(String file, String text) {
        List<Case> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int i = 0;
        while (i < lines.length) {
            if (!lines[i].startsWith("=== ")) {
                i++;
                continue;
            }
            int line = i + 1;
            String name = lines[i].substring(4).trim();
            String type = "socket";
            List<String> maps = new ArrayList<>();
            List<String> options = new ArrayList<>();
            boolean accept = false;
            for (i++; i < lines.length && !lines[i].equals("---"); i++) {
                String l = lines[i].trim();
                int colon = l.indexOf(':');
                if (l.startsWith("#") || colon < 0) {
                    continue;
                }
                String v = l.substring(colon + 1).trim();
                switch (l.substring(0, colon).trim()) {
                    case "type": type = v; break;
                    case "map": maps.add(v); break;
                    case "options": options.addAll(List.of(v.split("\\s+"))); break;
                    case "expect": accept = v.equals("accept"); break;
                    case "global":
                    case "void": options.add("btf-func-info"); break;
                    default: break;
                }
            }
            StringBuilder prog = new StringBuilder();
            for (i++; i < lines.length && !lines[i].startsWith("=== "); i++) {
                prog.append(lines[i]).append('\n');
            }
            out.add(new Case(file, line, name, type, maps, options, accept, prog.toString()));
        }
        return out;
    }

    static List<Case> acceptedCases() throws IOException {
        List<Case> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(CASES)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".vtest")).sorted().toList()) {
                for (Case c : read(p.getFileName().toString(), Files.readString(p, StandardCharsets.UTF_8))) {
                    if (c.accept()) {
                        out.add(c);
                    }
                }
            }
        }
        return out;
    }

    /** One case loaded into one tier's kernel. */
    static final class Loaded {
        final TierRuns.Kernel kernel;
        final Bpf bpf;
        final BpfProcess proc;
        final Map<String, Integer> mapFds = new LinkedHashMap<>();
        LoadedProgram program;

        Loaded(TierRuns.Kernel kernel) {
            this.kernel = kernel;
            this.bpf = kernel.kernel().bpf();
            this.proc = bpf.process(EmulatedKernel.INIT_PID);
        }

        /** Creates the maps and loads the program; null, or why the kernel refused. */
        String load(Case c, SectionDefs.Match type) {
            try {
                for (String m : c.maps()) {
                    createMap(m);
                }
                HelperRegistry helpers = KernelOnlyHelpers.with(kernel.kernel().runtime().helpers());
                List<Insn> insns = KernelNotation.assemble(c.program(), mapFds, n -> helperId(helpers, n), n -> {
                    KfuncSpec k = kernel.kernel().runtime().kfuncs().byName(n);
                    return k == null ? null : k.btfId();
                });
                int flags = 0;
                for (String o : c.options()) {
                    switch (o) {
                        case "strict": flags |= Bpf.RawProgLoad.BPF_F_STRICT_ALIGNMENT; break;
                        case "any": flags |= Bpf.RawProgLoad.BPF_F_ANY_ALIGNMENT; break;
                        case "sleepable": flags |= Bpf.RawProgLoad.BPF_F_SLEEPABLE; break;
                        default: break;
                    }
                }
                if (type.def().sleepable()) {
                    flags |= Bpf.RawProgLoad.BPF_F_SLEEPABLE;
                }
                String license = c.options().contains("nogpl") ? "MIT" : "GPL";
                int fd = bpf.progLoad(proc, new Bpf.RawProgLoad("prog", type.def().type(), type.def().attachType(),
                        type.attachTo(), insns, license, flags, 0, 0)).fd();
                program = bpf.program(proc, fd);
                return kernel.prepare(program.code());
            } catch (RuntimeException e) {
                return e.getClass().getSimpleName() + ": " + e.getMessage();
            }
        }

        private static Integer helperId(HelperRegistry helpers, String name) {
            HelperSpec s = helpers.byName(name.startsWith("bpf_") ? name : "bpf_" + name);
            return s == null ? null : s.id();
        }

        /** {@code NAME TYPE KEY VALUE MAX [flags=N] [lock=OFF] [timer=OFF] [frozen=HEX] [rdonly]}. */
        private void createMap(String spec) {
            String[] p = spec.split("\\s+");
            MapAttr.Builder b = MapAttr.builder(MapType.valueOf(p[1].toUpperCase(Locale.ROOT)), Integer.parseInt(p[2]),
                    Integer.parseInt(p[3]), Integer.parseInt(p[4])).name(p[0]);
            int flags = 0;
            byte[] frozen = null;
            for (int j = 5; j < p.length; j++) {
                String[] kv = p[j].split("=");
                switch (kv[0]) {
                    case "flags": flags |= Integer.decode(kv[1]); break;
                    case "rdonly": flags |= MapAttr.BPF_F_RDONLY_PROG; break;
                    case "lock": b.spinLock(Integer.parseInt(kv[1])); break;
                    case "frozen": frozen = HexFormat.of().parseHex(kv[1]); break;
                    default: break;   // timer=: the raw map create has no BTF to say where a timer is
                }
            }
            MapType type = MapType.valueOf(p[1].toUpperCase(Locale.ROOT));
            if (type == MapType.CGROUP_STATS) {
                b.mapExtra(kernel.kernel().cgroups().root().id());   // the initial cgroup, as a loader passes it
            }
            if (type == MapType.ARRAY_OF_MAPS || type == MapType.HASH_OF_MAPS) {
                // the inner map's template: the verifier cases do not say, any map does for a lookup
                b.innerMap(bpf.map(proc, bpf.mapCreate(proc, MapAttr.builder(MapType.ARRAY, 4, 8, 1).name("inner").build())));
            }
            int fd = bpf.mapCreate(proc, b.flags(flags).build());
            if (frozen != null) {
                bpf.mapUpdateElem(proc, fd, new byte[Integer.parseInt(p[2])], frozen, 0);
                bpf.mapFreeze(proc, fd);
            }
            mapFds.put(p[0], fd);
        }

        /** Test-runs the program with the fixed inputs of its type. */
        TierRuns.Outcome run() {
            EmulatedKernel k = kernel.kernel();
            return TierRuns.runAll(program.type(), in -> TestRun.run(k.runtime(), program.code(), program.type(),
                    program.attachType(), program.attachTo(), in.withTask(k.actor())));
        }

        String maps() {
            Map<String, BpfMap> maps = new TreeMap<>();
            mapFds.forEach((name, fd) -> maps.put(name, bpf.map(proc, fd)));
            return TierRuns.maps(maps);
        }
    }

    @Test
    void acceptedCasesRunTheSameInBothTiers() throws IOException {
        List<Case> cases = acceptedCases();
        Map<String, Integer> skipped = new TreeMap<>();
        List<String> notLoaded = new ArrayList<>();
        List<String> mismatches = new ArrayList<>();
        List<String> notInTier = new ArrayList<>();
        List<String> interpreterOnly = new ArrayList<>();
        StringBuilder outcomes = new StringBuilder();
        int compared = 0;
        int faulted = 0;
        for (Case c : cases) {
            Optional<SectionDefs.Match> type = SectionDefs.match(c.type());
            if (type.isEmpty()) {
                skipped.merge("type " + c.type() + " (not a Linux program type)", 1, Integer::sum);
                continue;
            }
            Loaded interp = new Loaded(TierRuns.kernel(TierRuns.Tier.INTERP));
            Loaded jit = new Loaded(TierRuns.kernel(TierRuns.Tier.JIT));
            try {
                String why = interp.load(c, type.get());
                if (why != null) {
                    notLoaded.add(c.where() + ": " + why);
                    continue;
                }
                String jitWhy = jit.load(c, type.get());
                if (jitWhy != null && INTERPRETER_ONLY.matcher(jitWhy).find()) {
                    interpreterOnly.add(c.where() + ": " + jitWhy);
                    continue;
                }
                if (jitWhy != null) {
                    mismatches.add(c.where() + ": the JIT kernel did not load it: " + jitWhy);
                    continue;
                }
                TierRuns.Outcome a = interp.run();
                TierRuns.Outcome b = jit.run();
                if (a.refused() && b.refused() && a.text().equals(b.text())) {
                    skipped.merge((a.unsupportedType() ? "test-run not supported for " : "test-run refused the input of ")
                            + interp.program.type().kernelName(), 1, Integer::sum);
                    continue;
                }
                compared++;
                if (a.text().contains("fault:")) {
                    faulted++;
                }
                String interpText = a.text() + interp.maps();
                List<String> diff = TierRuns.diff(interpText, b.text() + jit.maps());
                outcomes.append("== ").append(c.where()).append(" (").append(c.type()).append(")\n").append(interpText);
                if (!diff.isEmpty()) {
                    mismatches.add(c.where() + " (" + c.type() + "):\n    " + String.join("\n    ", diff));
                }
                if (!interp.kernel.ranInTier(interp.program.code()) || !jit.kernel.ranInTier(jit.program.code())) {
                    notInTier.add(c.where() + ": " + jit.program.code().tierNote());
                }
            } finally {
                jit.kernel.shutdown();
            }
        }
        String report = "accepted cases: " + cases.size() + ", compared: " + compared + " (" + faulted + " faulted)"
                + ", skipped: " + skipped + ", not compiled by design: " + interpreterOnly.size() + "\n  "
                + String.join("\n  ", interpreterOnly) + "\nnot loadable raw: " + notLoaded.size() + "\n  "
                + String.join("\n  ", notLoaded) + "\nmismatches:\n" + String.join("\n", mismatches);
        Files.writeString(Path.of("target", "tier-equality-vtest-outcomes.txt"), outcomes, StandardCharsets.UTF_8);
        Files.writeString(Path.of("target", "tier-equality-vtest.txt"), report, StandardCharsets.UTF_8);
        assertThat(mismatches).as(report).isEmpty();
        assertThat(notInTier).as("runs not in their tier").isEmpty();
        assertThat(compared).as(report).isGreaterThanOrEqualTo(MIN_COMPARED);
    }

    @Test
    void readerFindsTheCasesAndTheirFields() throws IOException {
        List<Case> cases = read("t.vtest", String.join("\n",
                "=== first", "type: xdp", "map: m hash 4 8 16 flags=1", "options: strict any", "expect: accept", "---",
                "r0 = 2", "exit", "=== second", "global: f scalar", "expect: reject", "msg: x", "---", "exit", ""));
        assertThat(cases).hasSize(2);
        assertThat(cases.get(0)).isEqualTo(new Case("t.vtest", 1, "first", "xdp", List.of("m hash 4 8 16 flags=1"),
                List.of("strict", "any"), true, "r0 = 2\nexit\n"));
        assertThat(cases.get(1).options()).containsExactly("btf-func-info");
        assertThat(cases.get(1).accept()).isFalse();
        assertThat(acceptedCases().size()).isGreaterThanOrEqualTo(199);
    }
}
