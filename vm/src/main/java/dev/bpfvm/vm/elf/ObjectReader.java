package dev.bpfvm.vm.elf;

import dev.bpfvm.vm.btf.Btf;
import dev.bpfvm.vm.btf.BtfException;
import dev.bpfvm.vm.btf.BtfExt;
import dev.bpfvm.vm.btf.BtfExt.CoreRelo;
import dev.bpfvm.vm.btf.BtfExt.FuncInfo;
import dev.bpfvm.vm.btf.BtfExt.LineInfo;
import dev.bpfvm.vm.btf.BtfKind;
import dev.bpfvm.vm.btf.BtfType;
import dev.bpfvm.vm.btf.BtfType.DataSec;
import dev.bpfvm.vm.btf.BtfType.Var;
import dev.bpfvm.vm.btf.BtfType.VarSecInfo;
import dev.bpfvm.vm.btf.CoreSpec;
import dev.bpfvm.vm.exec.SourceLine;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.InsnCodec;
import dev.bpfvm.vm.isa.InsnFormatException;
import dev.bpfvm.vm.isa.Opcodes;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ExternSpec;
import dev.bpfvm.vm.object.FunctionSpec;
import dev.bpfvm.vm.object.MapEntry;
import dev.bpfvm.vm.object.MapSpec;
import dev.bpfvm.vm.object.ObjectSpec;
import dev.bpfvm.vm.object.Pinning;
import dev.bpfvm.vm.object.ProgramSpec;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.object.Reloc;
import dev.bpfvm.vm.object.RelocationException;
import dev.bpfvm.vm.object.SourceRef;
import dev.bpfvm.vm.object.VariableSpec;
import dev.bpfvm.vm.spi.MapType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** One load of one object: the steps of {@link ElfLoader}, in order. Not reusable. */
final class ObjectReader {
    private static final String TEXT = ".text";
    private static final String MAPS = ".maps";
    private static final String LEGACY_MAPS = "maps";
    private static final String KCONFIG = ".kconfig";
    private static final String KSYMS = ".ksyms";

    private final String file;
    private final ElfFile elf;
    private final ElfLoader.Options options;

    private Btf btf;
    private BtfExt ext = BtfExt.EMPTY;
    private ElfSection mapsSec;
    private ElfSection legacyMapsSec;
    private ElfSection licenseSec;
    private ElfSection versionSec;
    private ElfSection btfSec;
    private ElfSection btfExtSec;
    private final List<ElfSection> dataSecs = new ArrayList<>();
    private final Map<Integer, CodeSection> code = new LinkedHashMap<>();
    private final Map<String, ExternSpec> externs = new LinkedHashMap<>();
    private int kconfigSize;
    /** Map definitions by (section index, offset) for relocations against map symbols. */
    private final Map<Integer, Map<Long, String>> mapsByOffset = new HashMap<>();
    private final List<MapSpec> maps = new ArrayList<>();
    private final Map<String, SourceLine> lineCache = new HashMap<>();
    private final List<String> warnings = new ArrayList<>();

    ObjectReader(String file, byte[] bytes, ElfLoader.Options options) {
        this.file = file;
        this.elf = ElfFile.parse(file, bytes);
        this.options = options;
    }

    ObjectSpec read() {
        classifySections();
        loadBtf();
        String license = readLicense();
        int version = readVersion();
        collectCode();
        collectExterns();
        loadBtfMaps();
        loadLegacyMaps();
        loadDataMaps();
        loadKconfigMap();
        collectRelocations();
        List<ProgramSpec> programs = buildPrograms(license);
        return new ObjectSpec(ElfLoader.objectName(file), programs, maps, variables(),
                List.copyOf(externs.values()), license, version, btf, warnings);
    }

    // ---------------------------------------------------------------- sections

    private static boolean isDataName(String n, String base) {
        return n.equals(base) || n.startsWith(base + ".");
    }

    private void classifySections() {
        for (ElfSection s : elf.sections()) {
            if (s.index() == 0) {
                continue;
            }
            String n = s.name();
            if (s.isExecutable()) {
                if (s.size() > 0) {
                    code.put(s.index(), new CodeSection(s));
                }
            } else if (n.equals(MAPS)) {
                mapsSec = s;
            } else if (n.equals(LEGACY_MAPS)) {
                legacyMapsSec = s;
            } else if (n.equals("license")) {
                licenseSec = s;
            } else if (n.equals("version")) {
                versionSec = s;
            } else if (n.equals(".BTF")) {
                btfSec = s;
            } else if (n.equals(".BTF.ext")) {
                btfExtSec = s;
            } else if (s.type() == ElfSection.SHT_PROGBITS && (isDataName(n, ".data") || isDataName(n, ".rodata"))
                    && s.size() > 0) {
                dataSecs.add(s);
            } else if (s.type() == ElfSection.SHT_NOBITS && isDataName(n, ".bss") && s.size() > 0) {
                dataSecs.add(s);
            }
        }
    }

    private String readLicense() {
        if (licenseSec == null) {
            return "";
        }
        byte[] d = elf.data(licenseSec);
        int end = 0;
        while (end < d.length && d[end] != 0) {
            end++;
        }
        return new String(d, 0, end, StandardCharsets.UTF_8);
    }

    private int readVersion() {
        if (versionSec == null) {
            return 0;
        }
        if (versionSec.size() != 4) {
            throw new ElfFormatException(file, "version", -1, "size " + versionSec.size() + ", expected 4");
        }
        return elf.buffer(versionSec).getInt(0);
    }

    // ---------------------------------------------------------------- BTF

    /**
     * Loads .BTF and .BTF.ext. As libbpf, BTF that does not load is dropped when nothing in the
     * object needs it (no BTF-defined maps, no externs, no CO-RE relocations): clang's
     * {@code -gline-tables-only} output, for one, has FUNCs without prototypes (clang-14 writes
     * type 0, clang-19 garbage). The object then loads as one built without -g. A bad .BTF.ext
     * alone drops only the .BTF.ext (function and line info), as libbpf.
     */
    private void loadBtf() {
        if (btfSec == null) {
            return;
        }
        try {
            btf = fixDataSecs(Btf.parse(file, elf.data(btfSec)));
        } catch (BtfException e) {
            if (needsBtf()) {
                throw e;
            }
            btf = null;
            warnings.add(dropped(e, btfExtSec == null ? ".BTF" : ".BTF and .BTF.ext"));
            return;
        }
        if (btfExtSec != null) {
            try {
                ext = BtfExt.parse(file, elf.data(btfExtSec), btf);
            } catch (BtfException e) {
                if (needsBtf()) {
                    throw e;
                }
                warnings.add(dropped(e, ".BTF.ext"));
            }
        }
    }

    private String dropped(BtfException e, String what) {
        return what + " ignored (nothing in the object needs BTF): " + e.detail();
    }

    /** Whether the object cannot do without its BTF: BTF-defined maps, externs or CO-RE relocations. */
    private boolean needsBtf() {
        if (mapsSec != null) {
            return true;
        }
        for (ElfSymbol sym : elf.symbols()) {
            if (sym.index() != 0 && sym.isUndefined() && !sym.name().isEmpty()
                    && (sym.bind() == ElfSymbol.STB_GLOBAL || sym.bind() == ElfSymbol.STB_WEAK)) {
                return true;
            }
        }
        return btfExtSec != null && BtfExt.mayHaveCoreRelos(elf.data(btfExtSec));
    }

    /** Fills DATASEC sizes from the ELF sections and variable offsets from the symbols, as libbpf does. */
    private Btf fixDataSecs(Btf raw) {
        Map<Integer, BtfType> changes = new HashMap<>();
        for (int id = 1; id < raw.count(); id++) {
            if (!(raw.type(id) instanceof DataSec ds)) {
                continue;
            }
            ElfSection sec = elf.section(ds.name());
            if (sec == null) {
                continue;   // .kconfig / .ksyms: laid out later
            }
            List<VarSecInfo> vars = new ArrayList<>();
            for (VarSecInfo vi : ds.vars()) {
                int off = vi.offset();
                BtfType vt = raw.type(vi.type());
                ElfSymbol sym = symbolIn(sec, vt.name());
                if (sym != null) {
                    off = (int) sym.value();
                }
                if (off < 0 || (long) off + (vi.size() & 0xffffffffL) > sec.size()) {
                    throw new BtfException(file, ".BTF: DATASEC '" + ds.name() + "': variable '" + vt.name()
                            + "' at offset " + off + " size " + (vi.size() & 0xffffffffL)
                            + " lies outside the section (" + sec.size() + " bytes)");
                }
                vars.add(new VarSecInfo(vi.type(), off, vi.size()));
            }
            int size = ds.size() == 0 ? (int) sec.size() : ds.size();
            changes.put(id, new DataSec(ds.name(), size, vars));
        }
        return raw.withTypes(changes);
    }

    private ElfSymbol symbolIn(ElfSection sec, String name) {
        if (name.isEmpty()) {
            return null;
        }
        for (ElfSymbol s : elf.symbols()) {
            if (s.shndx() == sec.index() && s.name().equals(name) && !s.isSection()) {
                return s;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- code

    /** A function symbol inside a code section, in slots. */
    record Func(String name, CodeSection sec, int start, int length, boolean global) {}

    /** What a relocated instruction of a code section refers to. */
    sealed interface Target permits LocalTarget, SymbolTarget {}

    /** A call or function address into a code section's slot. */
    record LocalTarget(CodeSection sec, int slot, boolean address) implements Target {}

    /** A map, data, extern reference (resolved later by the linker). */
    record SymbolTarget(Reloc reloc) implements Target {}

    final class CodeSection {
        final ElfSection sec;
        Insn[] slots;
        final List<Func> funcs = new ArrayList<>();
        final Map<Integer, Target> targets = new HashMap<>();

        CodeSection(ElfSection sec) {
            this.sec = sec;
        }

        String name() {
            return sec.name();
        }

        Func funcStartingAt(int slot) {
            for (Func f : funcs) {
                if (f.start() == slot) {
                    return f;
                }
            }
            return null;
        }

        Func funcContaining(int slot) {
            for (Func f : funcs) {
                if (slot >= f.start() && slot < f.start() + f.length()) {
                    return f;
                }
            }
            return null;
        }
    }

    private void collectCode() {
        for (CodeSection cs : code.values()) {
            ElfSection s = cs.sec;
            if (s.size() % InsnCodec.SLOT != 0) {
                throw new ElfFormatException(file, s.name(), -1, "size " + s.size() + " is not a multiple of 8");
            }
            List<Insn> insns;
            try {
                insns = InsnCodec.decode(elf.data(s));
            } catch (InsnFormatException e) {
                throw new ElfFormatException(file, s.name(), e.slot() >= 0 ? (long) e.slot() * 8 : -1,
                        "cannot decode instructions: " + e.getMessage());
            }
            cs.slots = InsnCodec.toSlots(insns);
        }
        for (ElfSymbol sym : elf.symbols()) {
            if (!sym.isFunction() || sym.isUndefined()) {
                continue;
            }
            CodeSection cs = code.get(sym.shndx());
            if (cs == null) {
                if (sym.shndx() < elf.sections().size() && elf.sections().get(sym.shndx()).isExecutable()) {
                    continue;   // empty section
                }
                throw new ElfFormatException(file, ".symtab", -1, "function '" + sym.name()
                        + "' is not in a code section (section " + sym.shndx() + ")");
            }
            long size = sym.size();
            if (sym.value() < 0 || sym.value() % 8 != 0 || size <= 0 || size % 8 != 0
                    || sym.value() + size > cs.sec.size()) {
                throw new ElfFormatException(file, cs.name(), sym.value(), "function '" + sym.name() + "' (offset "
                        + sym.value() + ", size " + size + ") does not lie on instruction boundaries inside the section ("
                        + cs.sec.size() + " bytes)");
            }
            int start = (int) (sym.value() / 8);
            if (cs.slots[start] == null) {
                throw new ElfFormatException(file, cs.name(), sym.value(), "function '" + sym.name()
                        + "' starts in the middle of an ld_imm64");
            }
            cs.funcs.add(new Func(sym.name(), cs, start, (int) (size / 8), !sym.isLocal()));
        }
        for (CodeSection cs : code.values()) {
            cs.funcs.sort(Comparator.comparingInt(Func::start));
            for (int i = 1; i < cs.funcs.size(); i++) {
                Func a = cs.funcs.get(i - 1);
                Func b = cs.funcs.get(i);
                if (a.start() + a.length() > b.start()) {
                    throw new ElfFormatException(file, cs.name(), (long) b.start() * 8, "functions '" + a.name()
                            + "' and '" + b.name() + "' overlap");
                }
            }
            if (cs.funcs.isEmpty()) {
                throw new ElfFormatException(file, cs.name(), -1, "code section has no function symbols"
                        + " (was the object stripped? the loader needs its function symbols)");
            }
        }
    }

    // ---------------------------------------------------------------- relocations

    private RelocationException relocError(CodeSection cs, int slot, String what) {
        Func f = cs.funcContaining(slot);
        String where = f != null ? f.name() : "section '" + cs.name() + "'";
        int insn = f != null ? slot - f.start() : slot;
        return new RelocationException(file, where, insn, null, what);
    }

    private void collectRelocations() {
        for (CodeSection cs : code.values()) {
            for (ElfReloc r : elf.relocations(cs.sec)) {
                if (r.offset() % 8 != 0) {
                    throw new ElfFormatException(file, cs.name(), r.offset(), "relocation is not on an instruction boundary");
                }
                int slot = (int) (r.offset() / 8);
                Insn insn = cs.slots[slot];
                if (insn == null) {
                    throw new ElfFormatException(file, cs.name(), r.offset(), "relocation on the second half of an ld_imm64");
                }
                ElfSymbol sym = elf.symbol(r.symbol(), cs.name(), r.offset());
                cs.targets.put(slot, classify(cs, slot, insn, r, sym));
            }
        }
    }

    private Target classify(CodeSection cs, int slot, Insn insn, ElfReloc r, ElfSymbol sym) {
        String symName = sym.isSection() && sym.shndx() > 0 && sym.shndx() < elf.sections().size()
                ? elf.sections().get(sym.shndx()).name() : sym.name();
        if (insn.opcode() == Opcodes.CALL_IMM) {
            if (r.type() != ElfReloc.R_BPF_64_32) {
                throw relocError(cs, slot, "unsupported relocation type " + r.type() + " on call against '" + symName + "'");
            }
            if (sym.isUndefined()) {
                ExternSpec e = externs.get(sym.name());
                if (e == null || e.kind() != ExternSpec.Kind.KFUNC) {
                    throw relocError(cs, slot, "call to extern '" + sym.name() + "', which is not a kfunc declared __ksym");
                }
                return new SymbolTarget(new Reloc.KfuncCall(sym.name(), e.weak()));
            }
            CodeSection target = code.get(sym.shndx());
            if (target == null) {
                throw relocError(cs, slot, "bad call relocation against '" + symName + "' in section '"
                        + sectionName(sym.shndx()) + "'");
            }
            if (insn.src() != Opcodes.PSEUDO_CALL) {
                throw relocError(cs, slot, "call relocation against '" + symName + "' on a call with src " + insn.src());
            }
            if (sym.value() % 8 != 0) {
                throw relocError(cs, slot, "bad call relocation against '" + symName + "' at offset " + sym.value());
            }
            long t = sym.value() / 8 + insn.imm() + 1;
            return new LocalTarget(target, checkSlot(cs, slot, target, t, symName), false);
        }
        if (insn.opcode() != Opcodes.LDDW) {
            throw relocError(cs, slot, "relocation against '" + symName + "' on an instruction that is neither ld_imm64 nor call (opcode 0x"
                    + Integer.toHexString(insn.opcode()) + ")");
        }
        if (r.type() != ElfReloc.R_BPF_64_64) {
            throw relocError(cs, slot, "unsupported relocation type " + r.type() + " on ld_imm64 against '" + symName + "'");
        }
        if (sym.isUndefined()) {
            return new SymbolTarget(externRef(cs, slot, insn, sym));
        }
        if (sym.shndx() >= 0xff00) {
            throw relocError(cs, slot, "invalid relocation against '" + symName + "' in special section 0x"
                    + Integer.toHexString(sym.shndx()) + "; forgot to initialize a global variable?");
        }
        CodeSection target = code.get(sym.shndx());
        if (target != null) {
            long bytes = sym.value() + insn.imm();
            if (bytes % 8 != 0) {
                throw relocError(cs, slot, "bad function address relocation against '" + symName + "' at offset "
                        + sym.value() + "+" + insn.imm());
            }
            return new LocalTarget(target, checkSlot(cs, slot, target, bytes / 8, symName), true);
        }
        ElfSection s = elf.section(sym.shndx(), "symbol '" + sym.name() + "'");
        if (s == mapsSec || s == legacyMapsSec) {
            String map = mapsByOffsetLookup(s, sym.value() + (sym.isSection() ? insn.imm() : 0));
            if (map == null) {
                map = sym.name();   // resolved against the map list once it is loaded
            }
            return new SymbolTarget(new Reloc.MapRef(map));
        }
        if (dataSecs.contains(s)) {
            long off = sym.value() + insn.imm();
            if (off < 0 || off > s.size()) {
                throw relocError(cs, slot, "data relocation against '" + symName + "' at offset " + off
                        + " outside section '" + s.name() + "' (" + s.size() + " bytes)");
            }
            return new SymbolTarget(new Reloc.DataRef(s.name(), off, sym.isSection() ? s.name() : sym.name()));
        }
        throw relocError(cs, slot, "bad map relocation against '" + symName + "' in section '" + s.name() + "'");
    }

    private String mapsByOffsetLookup(ElfSection s, long off) {
        Map<Long, String> m = mapsByOffset.get(s.index());
        return m == null ? null : m.get(off);
    }

    private String sectionName(int shndx) {
        return shndx > 0 && shndx < elf.sections().size() ? elf.sections().get(shndx).name() : "#" + shndx;
    }

    private int checkSlot(CodeSection cs, int slot, CodeSection target, long t, String symName) {
        if (t < 0 || t >= target.slots.length || target.slots[(int) t] == null) {
            throw relocError(cs, slot, "relocation against '" + symName + "' targets insn " + t + " outside section '"
                    + target.name() + "' (" + target.slots.length + " insns) or inside an ld_imm64");
        }
        return (int) t;
    }

    private Reloc externRef(CodeSection cs, int slot, Insn insn, ElfSymbol sym) {
        ExternSpec e = externs.get(sym.name());
        if (e == null) {
            throw relocError(cs, slot, "relocation against unknown extern '" + sym.name() + "'");
        }
        return externReloc(cs, slot, e);
    }

    // ---------------------------------------------------------------- externs

    private void collectExterns() {
        List<ExternSpec> kcfg = new ArrayList<>();
        List<ExternSpec> others = new ArrayList<>();
        for (ElfSymbol sym : elf.symbols()) {
            if (sym.index() == 0 || !sym.isUndefined() || sym.name().isEmpty()
                    || (sym.bind() != ElfSymbol.STB_GLOBAL && sym.bind() != ElfSymbol.STB_WEAK)) {
                continue;
            }
            if (btf == null) {
                throw new RelocationException(file, null, -1, null, "extern '" + sym.name()
                        + "' needs BTF to be resolved, but the object has none (compile with -g)");
            }
            ExternSpec e = externFromBtf(sym);
            if (e.kind() == ExternSpec.Kind.KCONFIG) {
                kcfg.add(e);
            } else {
                others.add(e);
            }
        }
        // libbpf's order: Kconfig first, by alignment descending, size ascending, then name
        kcfg.sort(Comparator.comparingInt((ExternSpec e) -> -kcfgAlign(e)).thenComparingInt(ExternSpec::size)
                .thenComparing(ExternSpec::name));
        others.sort(Comparator.comparing(ExternSpec::name));
        int off = 0;
        for (ExternSpec e : kcfg) {
            int align = kcfgAlign(e);
            off = (off + align - 1) / align * align;
            externs.put(e.name(), new ExternSpec(e.name(), e.kind(), e.weak(), e.btfId(), e.type(), off, e.size(), e.kconfig()));
            off += e.size();
        }
        kconfigSize = (off + 7) / 8 * 8;
        for (ExternSpec e : others) {
            externs.put(e.name(), e);
        }
        layOutKconfigDataSec();
    }

    /** Gives the .kconfig DATASEC the layout chosen here (clang leaves sizes and offsets to the loader). */
    private void layOutKconfigDataSec() {
        int id = btf == null ? -1 : btf.find(BtfKind.DATASEC, KCONFIG);
        if (id < 0) {
            return;
        }
        DataSec ds = (DataSec) btf.type(id);
        List<VarSecInfo> vars = new ArrayList<>();
        for (VarSecInfo vi : ds.vars()) {
            ExternSpec e = externs.get(btf.type(vi.type()).name());
            vars.add(e != null && e.kind() == ExternSpec.Kind.KCONFIG ? new VarSecInfo(vi.type(), e.offset(), e.size()) : vi);
        }
        btf = btf.withTypes(Map.of(id, new DataSec(ds.name(), kconfigSize, vars)));
    }

    private Reloc externReloc(CodeSection cs, int slot, ExternSpec e) {
        switch (e.kind()) {
            case KCONFIG:
                return new Reloc.DataRef(KCONFIG, e.offset(), e.name());
            case KSYM:
                return new Reloc.KsymRef(e.name(), e.weak(), !"void".equals(e.type()));
            case KFUNC:
                return new Reloc.KsymRef(e.name(), e.weak(), true);
            default:
                throw relocError(cs, slot, "unsupported extern '" + e.name() + "'");
        }
    }

    private static int kcfgAlign(ExternSpec e) {
        if (e.kconfig() == ExternSpec.KconfigType.STRING || e.kconfig() == ExternSpec.KconfigType.CHAR
                || e.kconfig() == ExternSpec.KconfigType.BOOL) {
            return 1;
        }
        return Math.max(1, Math.min(8, e.size()));
    }

    private ExternSpec externFromBtf(ElfSymbol sym) {
        String name = sym.name();
        for (int id = 1; id < btf.count(); id++) {
            if (!(btf.type(id) instanceof DataSec ds) || !(ds.name().equals(KCONFIG) || ds.name().equals(KSYMS))) {
                continue;
            }
            for (VarSecInfo vi : ds.vars()) {
                BtfType t = btf.type(vi.type());
                if (!t.name().equals(name)) {
                    continue;
                }
                if (t instanceof BtfType.Func f) {
                    if (f.linkage() != BtfType.Linkage.EXTERN) {
                        throw new RelocationException(file, null, -1, null, "extern function '" + name + "' has "
                                + f.linkage().label() + " linkage in BTF");
                    }
                    return new ExternSpec(name, ExternSpec.Kind.KFUNC, sym.isWeak(), vi.type(), "func", -1, 0, null);
                }
                Var v = (Var) t;
                if (v.linkage() != BtfType.Linkage.EXTERN) {
                    throw new RelocationException(file, null, -1, null, "extern '" + name + "' has "
                            + v.linkage().label() + " linkage in BTF");
                }
                if (ds.name().equals(KSYMS)) {
                    int target = btf.skipModifiers(v.type());
                    String type = target == 0 ? "void" : btf.typeName(target);
                    return new ExternSpec(name, ExternSpec.Kind.KSYM, sym.isWeak(), vi.type(), type, -1, 0, null);
                }
                return kconfigExtern(name, sym.isWeak(), vi.type(), v.type());
            }
        }
        // a kfunc declared without __ksym still has an extern FUNC
        int fid = btf.find(BtfKind.FUNC, name);
        if (fid > 0 && btf.type(fid) instanceof BtfType.Func f && f.linkage() == BtfType.Linkage.EXTERN) {
            return new ExternSpec(name, ExternSpec.Kind.KFUNC, sym.isWeak(), fid, "func", -1, 0, null);
        }
        throw new RelocationException(file, null, -1, null, "extern '" + name
                + "' is neither a __kconfig nor a __ksym extern in BTF");
    }

    private ExternSpec kconfigExtern(String name, boolean weak, int varId, int typeId) {
        int rid = btf.resolve(typeId);
        BtfType t = btf.type(rid);
        String typeName = btf.typeName(btf.skipModifiers(typeId));
        ExternSpec.KconfigType kt;
        int size;
        if (t instanceof BtfType.Int i) {
            size = i.size();
            if (i.isBool() && size == 1) {
                kt = ExternSpec.KconfigType.BOOL;
            } else if (i.isChar() && size == 1) {
                kt = ExternSpec.KconfigType.CHAR;
            } else if (size == 1 || size == 2 || size == 4 || size == 8) {
                kt = i.isSigned() ? ExternSpec.KconfigType.INT : ExternSpec.KconfigType.UINT;
            } else {
                kt = null;
            }
        } else if (t instanceof BtfType.Enum e && e.name().equals("libbpf_tristate")) {
            kt = ExternSpec.KconfigType.TRISTATE;
            size = e.size();
        } else if (t instanceof BtfType.Array a && btf.resolved(a.elemType()) instanceof BtfType.Int ei
                && ei.size() == 1 && a.count() > 0) {
            kt = ExternSpec.KconfigType.STRING;
            size = a.count();
        } else {
            kt = null;
            size = 0;
        }
        if (kt == null) {
            throw new RelocationException(file, null, -1, null, "extern (kcfg) '" + name + "': type " + typeName
                    + " is unsupported");
        }
        return new ExternSpec(name, ExternSpec.Kind.KCONFIG, weak, varId, typeName, 0, size, kt);
    }

    // ---------------------------------------------------------------- maps

    private MapType mapType(String map, long value) {
        return mapType(MAPS, map, value);
    }

    private MapType mapType(String section, String map, long value) {
        MapType t = value >= 0 && value <= Integer.MAX_VALUE ? MapType.of((int) value) : null;
        if (t == null || t == MapType.UNSPEC) {
            throw new ElfFormatException(file, section, -1, "map '" + map + "': unknown map type " + value);
        }
        return t;
    }

    private void loadBtfMaps() {
        if (mapsSec == null) {
            return;
        }
        if (btf == null) {
            throw new ElfFormatException(file, MAPS, -1, "BTF-defined maps need BTF, but the object has none (compile with -g)");
        }
        int dsId = btf.find(BtfKind.DATASEC, MAPS);
        if (dsId < 0) {
            throw new BtfException(file, ".BTF: DATASEC '.maps' not found");
        }
        DataSec ds = (DataSec) btf.type(dsId);
        Map<Long, String> byOffset = new HashMap<>();
        List<BtfMapDef.Parsed> parsed = new ArrayList<>();
        for (VarSecInfo vi : ds.vars()) {
            BtfType vt = btf.type(vi.type());
            String name = vt.name();
            if (name.isEmpty()) {
                throw new BtfException(file, ".BTF: .maps: map with empty name");
            }
            if (!(vt instanceof Var v)) {
                throw new BtfException(file, ".BTF: map '" + name + "': unexpected var kind " + vt.kind());
            }
            if (v.linkage() != BtfType.Linkage.GLOBAL) {
                throw new BtfException(file, ".BTF: map '" + name + "': unsupported map linkage " + v.linkage().label());
            }
            if ((long) vi.offset() + (vi.size() & 0xffffffffL) > mapsSec.size()) {
                throw new BtfException(file, ".BTF: map '" + name + "': BTF data is corrupted (offset "
                        + vi.offset() + " size " + vi.size() + " outside .maps)");
            }
            BtfMapDef.Parsed p = new BtfMapDef(file, btf, this::mapType).parse(name, v.type(), vi.offset(), vi.size() & 0xffffffffL);
            parsed.add(p);
            byOffset.put((long) vi.offset(), name);
        }
        mapsByOffset.put(mapsSec.index(), byOffset);
        // initial values (.values = { ... }) come as relocations against .maps
        Map<String, TreeMap<Integer, String>> slots = new HashMap<>();
        for (ElfReloc r : elf.relocations(mapsSec)) {
            BtfMapDef.Parsed owner = null;
            for (BtfMapDef.Parsed p : parsed) {
                if (r.offset() >= p.offset() && r.offset() < p.offset() + p.size()) {
                    owner = p;
                }
            }
            ElfSymbol sym = elf.symbol(r.symbol(), MAPS, r.offset());
            if (owner == null || owner.valuesOffset() < 0) {
                throw new ElfFormatException(file, MAPS, r.offset(), "relocation against '" + sym.name()
                        + "' outside any map's .values");
            }
            long rel = r.offset() - owner.offset() - owner.valuesOffset();
            if (rel < 0 || rel % 8 != 0 || r.type() != ElfReloc.R_BPF_64_ABS64) {
                throw new ElfFormatException(file, MAPS, r.offset(), "map '" + owner.name()
                        + "': invalid .values relocation (type " + r.type() + ")");
            }
            int idx = (int) (rel / 8);
            String target;
            if (owner.spec().type() == MapType.PROG_ARRAY) {
                CodeSection cs = code.get(sym.shndx());
                Func f = cs == null ? null : cs.funcStartingAt((int) (sym.value() / 8));
                if (!sym.isFunction() || f == null || cs.sec.name().equals(TEXT)) {
                    throw new ElfFormatException(file, MAPS, r.offset(), "map '" + owner.name() + "': .values["
                            + idx + "] = '" + sym.name() + "' is not a BPF program");
                }
                target = f.name();
            } else {
                if (sym.shndx() != mapsSec.index() || !byOffset.containsKey(sym.value())) {
                    throw new ElfFormatException(file, MAPS, r.offset(), "map '" + owner.name() + "': .values["
                            + idx + "] = '" + sym.name() + "' is not a map");
                }
                target = byOffset.get(sym.value());
            }
            if (owner.spec().maxEntries() != 0 && idx >= owner.spec().maxEntries()) {
                throw new ElfFormatException(file, MAPS, r.offset(), "map '" + owner.name() + "': .values[" + idx
                        + "] is beyond max_entries " + owner.spec().maxEntries());
            }
            slots.computeIfAbsent(owner.name(), k -> new TreeMap<>()).put(idx, target);
        }
        for (BtfMapDef.Parsed p : parsed) {
            MapSpec m = p.spec();
            TreeMap<Integer, String> s = slots.get(p.name());
            if (s != null) {
                m = new MapSpec(m.name(), m.type(), m.keySize(), m.valueSize(), m.maxEntries(), m.flags(),
                        m.numaNode(), m.pinning(), m.mapExtra(), m.innerMap(), m.contents(), s,
                        m.btfKeyTypeId(), m.btfValueTypeId(), m.section(), m.frozen());
            }
            maps.add(m);
        }
    }

    private void loadLegacyMaps() {
        if (legacyMapsSec == null) {
            return;
        }
        List<ElfSymbol> syms = new ArrayList<>();
        for (ElfSymbol s : elf.symbols()) {
            if (s.shndx() == legacyMapsSec.index() && !s.isSection() && !s.name().isEmpty()) {
                syms.add(s);
            }
        }
        syms.sort(Comparator.comparingLong(ElfSymbol::value));
        if (syms.isEmpty()) {
            return;
        }
        long defSize = legacyMapsSec.size() / syms.size();
        Map<Long, String> byOffset = new HashMap<>();
        ByteBuffer bb = elf.buffer(legacyMapsSec);
        for (ElfSymbol s : syms) {
            long size = s.size() > 0 ? s.size() : defSize;
            if (s.value() < 0 || size < 16 || s.value() + size > legacyMapsSec.size()) {
                throw new ElfFormatException(file, LEGACY_MAPS, s.value(), "map '" + s.name()
                        + "': definition of " + size + " bytes does not fit the section");
            }
            int at = (int) s.value();
            long[] f = new long[7];
            int fields = (int) Math.min(7, size / 4);
            for (int i = 0; i < fields; i++) {
                f[i] = bb.getInt(at + 4 * i) & 0xffffffffL;
            }
            for (long i = 28; i < size; i++) {
                if (bb.get(at + (int) i) != 0) {
                    throw new ElfFormatException(file, LEGACY_MAPS, s.value() + i, "map '" + s.name()
                            + "': unknown non-zero bytes beyond the legacy definition");
                }
            }
            MapType type = mapType(LEGACY_MAPS, s.name(), f[0]);
            maps.add(new MapSpec(s.name(), type, (int) f[1], (int) f[2], (int) f[3], (int) f[4], (int) f[6],
                    Pinning.NONE, 0, null, List.of(), new TreeMap<>(), 0, 0, LEGACY_MAPS, false));
            byOffset.put(s.value(), s.name());
        }
        mapsByOffset.put(legacyMapsSec.index(), byOffset);
    }

    private void loadDataMaps() {
        for (ElfSection s : dataSecs) {
            boolean ro = s.name().startsWith(".rodata");
            int flags = MapSpec.BPF_F_MMAPABLE | (ro ? MapSpec.BPF_F_RDONLY_PROG : 0);
            int dsId = btf == null ? 0 : Math.max(0, btf.find(BtfKind.DATASEC, s.name()));
            byte[] data = elf.data(s);
            maps.add(new MapSpec(s.name(), MapType.ARRAY, 4, data.length, 1, flags, 0, Pinning.NONE, 0, null,
                    List.of(new MapEntry(new byte[4], data)), new TreeMap<>(), 0, dsId, s.name(), ro));
        }
    }

    private void loadKconfigMap() {
        if (kconfigSize == 0) {
            return;
        }
        byte[] data = options.kconfig().render(file, List.copyOf(externs.values()), kconfigSize);
        int dsId = btf == null ? 0 : Math.max(0, btf.find(BtfKind.DATASEC, KCONFIG));
        maps.add(new MapSpec(KCONFIG, MapType.ARRAY, 4, kconfigSize, 1,
                MapSpec.BPF_F_MMAPABLE | MapSpec.BPF_F_RDONLY_PROG, 0, Pinning.NONE, 0, null,
                List.of(new MapEntry(new byte[4], data)), new TreeMap<>(), 0, dsId, KCONFIG, true));
    }

    private List<VariableSpec> variables() {
        List<VariableSpec> out = new ArrayList<>();
        for (ElfSection s : dataSecs) {
            int dsId = btf == null ? -1 : btf.find(BtfKind.DATASEC, s.name());
            if (dsId > 0) {
                DataSec ds = (DataSec) btf.type(dsId);
                for (VarSecInfo vi : ds.vars()) {
                    BtfType t = btf.type(vi.type());
                    if (t instanceof Var v) {
                        out.add(new VariableSpec(v.name(), s.name(), vi.offset(), vi.size(), btf.typeName(v.type()),
                                vi.type(), v.linkage() == BtfType.Linkage.GLOBAL));
                    }
                }
            } else {
                List<ElfSymbol> syms = new ArrayList<>();
                for (ElfSymbol sym : elf.symbols()) {
                    if (sym.shndx() == s.index() && sym.type() == ElfSymbol.STT_OBJECT) {
                        syms.add(sym);
                    }
                }
                syms.sort(Comparator.comparingLong(ElfSymbol::value));
                for (ElfSymbol sym : syms) {
                    out.add(new VariableSpec(sym.name(), s.name(), (int) sym.value(), (int) sym.size(), "", 0,
                            !sym.isLocal()));
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- programs

    private List<ProgramSpec> buildPrograms(String license) {
        List<ProgramSpec> out = new ArrayList<>();
        for (CodeSection cs : code.values()) {
            if (cs.name().equals(TEXT)) {
                continue;
            }
            SectionDefs.Match m = SectionDefs.match(cs.name()).orElseThrow(() -> new ElfFormatException(file,
                    cs.name(), -1, "unknown program section '" + cs.name()
                    + "': not a SEC() name libbpf knows (e.g. socket, xdp, tc, kprobe/..., fentry/..., tracepoint/...)"));
            for (Func f : cs.funcs) {
                if (!f.global()) {
                    continue;   // static functions of a program section are its subprograms
                }
                out.add(buildProgram(f, m, license));
            }
        }
        return out;
    }

    /** What a global function of {@code .text} runs as on its own: no program type, no attach type. */
    private static final SectionDefs.Match TEXT_FUNCTION = new SectionDefs.Match(
            new SectionDefs.SectionDef(TEXT, ProgramType.UNSPEC, AttachType.NONE, 0), "");

    /**
     * After {@link #read}: every global function of every code section as a program of its own
     * (see {@link ElfLoader#loadFunctions}), built exactly as programs are.
     */
    List<ProgramSpec> functionPrograms(String license) {
        List<ProgramSpec> out = new ArrayList<>();
        for (CodeSection cs : code.values()) {
            SectionDefs.Match m = cs.name().equals(TEXT) ? TEXT_FUNCTION : SectionDefs.match(cs.name()).orElseThrow();
            for (Func f : cs.funcs) {
                if (f.global()) {
                    out.add(buildProgram(f, m, license));
                }
            }
        }
        return out;
    }

    /** A function placed in the program: its first slot there. */
    private record Placed(Func func, int start) {}

    private ProgramSpec buildProgram(Func main, SectionDefs.Match match, String license) {
        List<Insn> slots = new ArrayList<>();
        List<FunctionSpec> functions = new ArrayList<>();
        TreeMap<Integer, Reloc> relocs = new TreeMap<>();
        List<SourceRef> lines = new ArrayList<>();
        Map<Func, Integer> placed = new HashMap<>();
        Deque<Placed> work = new ArrayDeque<>();
        Placed first = place(main, slots, functions, lines, relocs, placed);
        work.push(first);
        // Depth-first as libbpf: a callee is appended, then relocated, before the caller goes on.
        Deque<int[]> cursor = new ArrayDeque<>();
        cursor.push(new int[] {0});
        while (!work.isEmpty()) {
            Placed p = work.peek();
            int[] at = cursor.peek();
            Func f = p.func();
            CodeSection cs = f.sec();
            boolean descended = false;
            while (at[0] < f.length()) {
                int secSlot = f.start() + at[0];
                int pc = p.start() + at[0];
                at[0]++;
                Insn insn = cs.slots[secSlot];
                if (insn == null) {
                    continue;
                }
                Target t = cs.targets.get(secSlot);
                LocalTarget local = null;
                if (t instanceof LocalTarget lt) {
                    local = lt;
                } else if (t == null && insn.opcode() == Opcodes.CALL_IMM && insn.src() == Opcodes.PSEUDO_CALL) {
                    long target = (long) secSlot + insn.imm() + 1;
                    local = new LocalTarget(cs, checkSlot(cs, secSlot, cs, target, "insn " + target), false);
                } else if (t == null && insn.opcode() == Opcodes.LDDW && insn.src() == Opcodes.PSEUDO_FUNC) {
                    throw relocError(cs, secSlot, "function address without a relocation");
                }
                if (local != null && t == null && local.sec() == cs && local.slot() > f.start()
                        && local.slot() < f.start() + f.length() && cs.funcStartingAt(local.slot()) == null) {
                    // a call into the function's own body, no symbol there (bpf_conformance's ELF files:
                    // one symbol over the whole program): the function is copied whole, so it stays as is
                    continue;
                }
                if (local != null) {
                    Func callee = local.sec().funcStartingAt(local.slot());
                    if (callee == null) {
                        throw relocError(cs, secSlot, (local.address() ? "function address" : "call")
                                + " targets insn " + local.slot() + " of section '" + local.sec().name()
                                + "', which is not the start of a function"
                                + (local.sec().funcContaining(local.slot()) == null
                                        ? " (no function symbol covers it: was the object stripped?)" : ""));
                    }
                    if (local.sec() != cs && !local.sec().name().equals(TEXT)) {
                        throw relocError(cs, secSlot, "call to '" + callee.name() + "' in section '"
                                + local.sec().name() + "': subprograms must be in .text or the caller's section");
                    }
                    Integer start = placed.get(callee);
                    Placed appended = null;
                    if (start == null) {
                        appended = place(callee, slots, functions, lines, relocs, placed);
                        start = appended.start();
                    }
                    int rel = start - (pc + 1);
                    if (local.address()) {
                        slots.set(pc, new Insn(Opcodes.LDDW, insn.dst(), Opcodes.PSEUDO_FUNC, 0, rel, 0));
                        relocs.put(pc, new Reloc.FuncRef(callee.name(), start));
                    } else {
                        slots.set(pc, new Insn(insn.opcode(), insn.dst(), Opcodes.PSEUDO_CALL, insn.off(), rel));
                        relocs.put(pc, new Reloc.CallRef(callee.name(), start));
                    }
                    if (appended != null) {
                        work.push(appended);
                        cursor.push(new int[] {0});
                        descended = true;
                        break;
                    }
                } else if (t instanceof SymbolTarget st) {
                    Reloc r = st.reloc();
                    if (r instanceof Reloc.MapRef mr && map(mr.map()) == null) {
                        throw relocError(cs, secSlot, "relocation against unknown map '" + mr.map() + "'");
                    }
                    if (relocs.containsKey(pc)) {
                        throw relocError(cs, secSlot, "two relocations on one instruction (" + relocs.get(pc).describe()
                                + " and " + r.describe() + ")");
                    }
                    relocs.put(pc, r);
                    slots.set(pc, symbolic(insn, r));
                }
            }
            if (!descended) {
                work.pop();
                cursor.pop();
            }
        }
        lines.sort(Comparator.comparingInt(SourceRef::insn));
        SectionDefs.SectionDef def = match.def();
        int flags = (def.sleepable() ? ProgramSpec.BPF_F_SLEEPABLE : 0)
                | ((def.flags() & SectionDefs.XDP_FRAGS) != 0 ? ProgramSpec.BPF_F_XDP_HAS_FRAGS : 0);
        ProgramType type = def.type();
        AttachType attach = def.attachType();
        return new ProgramSpec(main.name(), main.sec().name(), type, attach, match.attachTo(), flags,
                InsnCodec.fromSlots(slots.toArray(new Insn[0])), relocs, functions, lines, license);
    }

    private MapSpec map(String name) {
        for (MapSpec m : maps) {
            if (m.name().equals(name)) {
                return m;
            }
        }
        return null;
    }

    /** The instruction as the spec shows it: src set to the kind of reference, address still 0. */
    private static Insn symbolic(Insn insn, Reloc r) {
        if (r instanceof Reloc.MapRef) {
            return Insn.lddw(insn.dst(), Opcodes.PSEUDO_MAP_FD, 0);
        } else if (r instanceof Reloc.DataRef d) {
            return new Insn(Opcodes.LDDW, insn.dst(), Opcodes.PSEUDO_MAP_VALUE, 0, 0, (int) d.offset());
        } else if (r instanceof Reloc.KsymRef k) {
            return Insn.lddw(insn.dst(), k.typed() ? Opcodes.PSEUDO_BTF_ID : 0, 0);
        } else if (r instanceof Reloc.KfuncCall) {
            return new Insn(Opcodes.CALL_IMM, 0, Opcodes.PSEUDO_KFUNC_CALL, 0, 0);
        }
        return insn;
    }

    /** Appends a function's instructions and its line info, CO-RE records and BTF id. */
    private Placed place(Func f, List<Insn> slots, List<FunctionSpec> functions, List<SourceRef> lines,
                         Map<Integer, Reloc> relocs, Map<Func, Integer> placed) {
        int start = slots.size();
        CodeSection cs = f.sec();
        for (int i = 0; i < f.length(); i++) {
            slots.add(cs.slots[f.start() + i]);
        }
        placed.put(f, start);
        int btfId = 0;
        for (FuncInfo fi : ext.funcInfos(cs.name())) {
            if (fi.insnOff() / 8 == f.start()) {
                btfId = fi.typeId();
            }
        }
        functions.add(new FunctionSpec(f.name(), cs.name(), start, f.length(), btfId, f.global()));
        for (LineInfo li : ext.lineInfos(cs.name())) {
            int s = li.insnOff() / 8;
            if (s >= f.start() && s < f.start() + f.length()) {
                lines.add(new SourceRef(start + s - f.start(), sourceLine(li)));
            }
        }
        for (CoreRelo cr : ext.coreRelos(cs.name())) {
            int s = cr.insnOff() / 8;
            if (s >= f.start() && s < f.start() + f.length()) {
                if (cs.slots[s] == null) {
                    throw relocError(cs, s, "CO-RE relocation on the second half of an ld_imm64");
                }
                int pc = start + s - f.start();
                CoreRelo moved = new CoreRelo(pc * 8, cr.typeId(), cr.access(), cr.kind());
                relocs.put(pc, new Reloc.CoreRef(moved, describeCore(cr, cs, s)));
            }
        }
        return new Placed(f, start);
    }

    private String describeCore(CoreRelo cr, CodeSection cs, int slot) {
        try {
            return CoreSpec.parse(btf, cr.typeId(), cr.access(), cr.kind()).describe();
        } catch (BtfException e) {
            throw relocError(cs, slot, "CO-RE relocation: " + e.detail());
        }
    }

    private SourceLine sourceLine(LineInfo li) {
        String key = li.file() + "\u0000" + li.line() + "\u0000" + li.column() + "\u0000" + li.text();
        return lineCache.computeIfAbsent(key, k -> new SourceLine(li.file(), li.line(), li.column(), li.text()));
    }
}
