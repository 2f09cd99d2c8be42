package dev.bpfvm.verifier;

import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.SourceLine;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.KfuncRegistry;
import dev.bpfvm.vm.spi.KfuncSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/** Test fixture: verifies programs written in kernel notation. */
final class Vt {
    private final String text;
    private ProgramTypeRules type = ProgramTypes.SOCKET_FILTER;
    private final List<MapInfo> maps = new ArrayList<>();
    private VerifierOptions options = VerifierOptions.defaults().withPrinter(Vt::print);
    private IntFunction<SourceLine> lines;
    private final HelperRegistry helpers = TestHelpers.helpers();
    private final KfuncRegistry kfuncs = TestHelpers.kfuncs();
    private boolean funcInfo = true;
    private final Map<String, List<FuncInfo.FuncArg>> globals = new java.util.HashMap<>();
    private final java.util.Set<String> voids = new java.util.HashSet<>();

    private Vt(String text) {
        this.text = text;
    }

    static Vt of(String... lines) {
        return new Vt(String.join("\n", lines));
    }

    Vt type(ProgramTypeRules t) {
        this.type = t;
        return this;
    }

    Vt type(String name) {
        ProgramTypeRules t = ProgramTypes.byName(name);
        if (t == null) {
            throw new IllegalArgumentException("unknown program type " + name);
        }
        return type(t);
    }

    Vt map(MapInfo m) {
        maps.add(m);
        return this;
    }

    Vt options(VerifierOptions o) {
        this.options = o.withPrinter(options.printer());
        return this;
    }

    /** Print instructions as the kernel does ({@link InsnPrinter#kernel}) instead of raw fields. */
    Vt kernelPrinter() {
        options = options.withPrinter(InsnPrinter.kernel());
        return this;
    }

    Vt logLevel(int level) {
        options = options.withLogLevel(level);
        return this;
    }

    Vt unpriv() {
        options = options.withUnprivileged(true);
        return this;
    }

    Vt lines(IntFunction<SourceLine> l) {
        this.lines = l;
        return this;
    }

    /** A readable, stable instruction printer for tests: the opcode and raw fields. */
    static String print(int pc, Insn i) {
        return String.format("(%02x) %d %d %d %d", i.opcode(), i.dst(), i.src(), i.off(), i.imm());
    }

    List<Insn> insns() {
        return KernelAsm.assemble(text, new KernelAsm.Names(this::mapFd, this::helperId, this::kfuncId));
    }

    private int mapFd(String name) {
        for (int i = 0; i < maps.size(); i++) {
            if (maps.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("unknown map " + name);
    }

    private int helperId(String name) {
        HelperSpec s = helpers.byName(name.startsWith("bpf_") ? name : "bpf_" + name);
        if (s != null) {
            return s.id();
        }
        int id = HelperNames.id(name.startsWith("bpf_") ? name.substring(4) : name);
        if (id < 0) {
            throw new IllegalArgumentException("unknown helper " + name);
        }
        return id;
    }

    private int kfuncId(String name) {
        KfuncSpec k = kfuncs.byName(name);
        if (k == null) {
            throw new IllegalArgumentException("unknown kfunc " + name);
        }
        return k.btfId();
    }

    /** Declares the function at {@code label} global, with these BTF arguments. */
    /** The function at {@code label} returns {@code void} in its BTF prototype. */
    Vt returnsVoid(String label) {
        voids.add(label);
        return this;
    }

    Vt global(String label, List<FuncInfo.FuncArg> args) {
        globals.put(label, args);
        return this;
    }

    Vt noFuncInfo() {
        this.funcInfo = false;
        return this;
    }

    /** BTF func info as clang and libbpf would give it: every subprogram static. */
    static List<FuncInfo> funcInfo(List<Insn> insns) {
        java.util.TreeSet<Integer> starts = new java.util.TreeSet<>(List.of(0));
        int pc = 0;
        for (Insn i : insns) {
            boolean call = i.opcode() == 0x85 && i.src() == 1;
            boolean func = i.opcode() == 0x18 && i.src() == 4;
            if (call || func) {
                starts.add(pc + i.imm() + 1);
            }
            pc += i.slots();
        }
        List<FuncInfo> out = new ArrayList<>();
        for (int s : starts) {
            out.add(new FuncInfo(s, s == 0 ? "main" : "func_" + s, false));
        }
        return out;
    }

    private List<FuncInfo> withGlobals(List<FuncInfo> infos) {
        if (globals.isEmpty() && voids.isEmpty()) {
            return infos;
        }
        Map<String, Integer> labels = KernelAsm.labels(text);
        List<FuncInfo> out = new ArrayList<>();
        for (FuncInfo fi : infos) {
            FuncInfo f = fi;
            for (Map.Entry<String, List<FuncInfo.FuncArg>> g : globals.entrySet()) {
                Integer at = labels.get(g.getKey());
                if (at != null && at == fi.insnOff()) {
                    f = new FuncInfo(fi.insnOff(), g.getKey(), true, g.getValue());
                }
            }
            for (String v : voids) {
                Integer at = labels.get(v);
                if (at != null && at == fi.insnOff()) {
                    f = new FuncInfo(f.insnOff(), f.name(), f.global(), f.args(), false);
                }
            }
            out.add(f);
        }
        return out;
    }

    VerifierInput input() {
        List<Insn> insns = insns();
        Program p = new Program("test", insns, lines);
        return VerifierInput.builder(p, type).helpers(helpers).kfuncs(kfuncs).maps(MapResolver.byFd(maps))
                .funcInfo(funcInfo ? withGlobals(funcInfo(insns)) : List.of()).options(options).build();
    }

    VerifierResult run() {
        return Verifier.verify(input());
    }

    static Map<String, Object> none() {
        return Map.of();
    }
}
