package dev.bpfvm.vm.object;

import dev.bpfvm.vm.asm.Disassembler;
import dev.bpfvm.vm.btf.Btf;
import dev.bpfvm.vm.btf.BtfKind;
import dev.bpfvm.vm.btf.BtfType;
import dev.bpfvm.vm.exec.SourceLine;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.Opcodes;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code bpfvm inspect} and {@code bpfvm disasm FILE.o} print: a text and a JSON summary of
 * an {@link ObjectSpec}, and the kernel-syntax listing of a program with its source lines, in
 * the style of {@code bpftool prog dump xlated linum}. The JSON layout is stable (see the README).
 */
public final class ObjectReport {
    private ObjectReport() {}

    // ------------------------------------------------------------------ text

    /** The human-readable summary: programs, maps, globals, externs, BTF. */
    public static String text(ObjectSpec o, String file) {
        StringBuilder sb = new StringBuilder();
        sb.append(file).append(": BPF object '").append(o.name()).append("'");
        sb.append(", license \"").append(o.license()).append('"');
        if (o.kernelVersion() != 0) {
            sb.append(", kernel version ").append(version(o.kernelVersion()));
        }
        sb.append('\n');

        sb.append("\nprograms (").append(o.programs().size()).append("):\n");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"name", "section", "type", "attach", "insns", "source", "subprograms"});
        for (ProgramSpec p : o.programs()) {
            List<String> subs = new ArrayList<>();
            for (FunctionSpec f : p.functions().subList(1, p.functions().size())) {
                subs.add(f.name());
            }
            String src = p.sourceFile();
            rows.add(new String[] {p.name(), p.section(), p.type().bpftoolName() + (p.sleepable() ? " (sleepable)" : ""),
                    attach(p), Integer.toString(p.slotCount()), src == null ? "-" : shortFile(src),
                    subs.isEmpty() ? "-" : String.join(",", subs)});
        }
        table(sb, rows);

        sb.append("\nmaps (").append(o.maps().size()).append("):\n");
        rows = new ArrayList<>();
        rows.add(new String[] {"name", "type", "key", "value", "max_entries", "flags", "details"});
        for (MapSpec m : o.maps()) {
            rows.add(new String[] {m.name(), m.type().bpftoolName(), Integer.toString(m.keySize()),
                    Integer.toString(m.valueSize()), Integer.toString(m.maxEntries()), "0x" + Integer.toHexString(m.flags()),
                    mapDetails(m)});
        }
        table(sb, rows);

        sb.append("\nglobals (").append(o.variables().size()).append("):\n");
        rows = new ArrayList<>();
        rows.add(new String[] {"section", "name", "type", "offset", "size"});
        for (VariableSpec v : o.variables()) {
            rows.add(new String[] {v.section(), v.name() + (v.global() ? "" : " (static)"), v.type().isEmpty() ? "-" : v.type(),
                    Integer.toString(v.offset()), Integer.toString(v.size())});
        }
        table(sb, rows);

        sb.append("\nexterns (").append(o.externs().size()).append("):\n");
        rows = new ArrayList<>();
        rows.add(new String[] {"kind", "name", "type", "weak", "value"});
        MapSpec kcfg = o.map(".kconfig");
        for (ExternSpec e : o.externs()) {
            rows.add(new String[] {e.kind().label(), e.name(), e.type(), e.weak() ? "weak" : "-", externValue(e, kcfg)});
        }
        table(sb, rows);

        sb.append("\nbtf: ").append(btfSummary(o)).append('\n');
        if (!o.warnings().isEmpty()) {
            sb.append("\nwarnings (").append(o.warnings().size()).append("):\n");
            for (String w : o.warnings()) {
                sb.append("  ").append(w).append('\n');
            }
        }
        return sb.toString();
    }

    private static String version(int v) {
        return (v >>> 16) + "." + ((v >>> 8) & 0xff) + "." + (v & 0xff);
    }

    private static String attach(ProgramSpec p) {
        String a = p.attachType() == AttachType.NONE ? "-" : p.attachType().label();
        return p.attachTo().isEmpty() ? a : a + " " + p.attachTo();
    }

    private static String shortFile(String f) {
        int slash = f.lastIndexOf('/');
        return slash >= 0 ? f.substring(slash + 1) : f;
    }

    private static String mapDetails(MapSpec m) {
        List<String> d = new ArrayList<>();
        if (m.frozen()) {
            d.add("frozen");
        }
        if (m.pinning() == Pinning.BY_NAME) {
            d.add("pinned by name");
        }
        if (m.numaNode() != 0) {
            d.add("numa_node " + m.numaNode());
        }
        if (m.mapExtra() != 0) {
            d.add("map_extra " + m.mapExtra());
        }
        if (m.innerMap() != null) {
            MapSpec i = m.innerMap();
            d.add("inner " + i.type().bpftoolName() + " " + i.keySize() + "/" + i.valueSize() + "/" + i.maxEntries());
        }
        if (!m.slots().isEmpty()) {
            List<String> s = new ArrayList<>();
            m.slots().forEach((k, v) -> s.add(k + "=" + v));
            d.add("values " + String.join(",", s));
        }
        if (m.isGlobalData()) {
            d.add("section " + m.section());
        }
        return d.isEmpty() ? "-" : String.join("; ", d);
    }

    private static String externValue(ExternSpec e, MapSpec kcfg) {
        if (e.kind() != ExternSpec.Kind.KCONFIG || kcfg == null) {
            return "-";
        }
        byte[] d = kcfg.data();
        if (e.kconfig() == ExternSpec.KconfigType.STRING) {
            int n = 0;
            while (n < e.size() && d[e.offset() + n] != 0) {
                n++;
            }
            return '"' + new String(d, e.offset(), n, java.nio.charset.StandardCharsets.UTF_8) + '"';
        }
        long v = 0;
        for (int i = e.size() - 1; i >= 0; i--) {
            v = v << 8 | (d[e.offset() + i] & 0xff);
        }
        if (e.kconfig() == ExternSpec.KconfigType.INT && e.size() < 8) {
            v = v << (64 - 8 * e.size()) >> (64 - 8 * e.size());
        }
        switch (e.kconfig()) {
            case BOOL:
                return v != 0 ? "y" : "n";
            case TRISTATE:
                return v == 1 ? "y" : v == 2 ? "m" : "n";
            case CHAR:
                return "'" + (char) v + "'";
            case UINT:
                return Long.toUnsignedString(v);
            default:
                return Long.toString(v);
        }
    }

    private static String btfSummary(ObjectSpec o) {
        Btf btf = o.btf();
        if (btf == null) {
            return "none";
        }
        Map<BtfKind, Integer> kinds = new EnumMap<>(BtfKind.class);
        for (BtfType t : btf.types().subList(1, btf.count())) {
            kinds.merge(t.kind(), 1, Integer::sum);
        }
        List<String> parts = new ArrayList<>();
        kinds.forEach((k, n) -> parts.add(n + " " + k.name().toLowerCase(Locale.ROOT)));
        int[] ext = extCounts(o);
        return (btf.count() - 1) + " types (" + String.join(", ", parts) + "); " + ext[0] + " func info, "
                + ext[1] + " line info, " + ext[2] + " CO-RE relocations";
    }

    /** Func info, line info and CO-RE records over the object's functions (each function counted once). */
    private static int[] extCounts(ObjectSpec o) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        int funcs = 0;
        int lines = 0;
        int core = 0;
        for (ProgramSpec p : o.programs()) {
            for (FunctionSpec f : p.functions()) {
                if (!seen.add(f.section() + ":" + f.name())) {
                    continue;
                }
                if (f.btfId() != 0) {
                    funcs++;
                }
                for (SourceRef r : p.lines()) {
                    if (f.contains(r.insn())) {
                        lines++;
                    }
                }
                for (Map.Entry<Integer, Reloc> e : p.relocs().entrySet()) {
                    if (e.getValue() instanceof Reloc.CoreRef && f.contains(e.getKey())) {
                        core++;
                    }
                }
            }
        }
        return new int[] {funcs, lines, core};
    }

    private static void table(StringBuilder sb, List<String[]> rows) {
        if (rows.size() == 1) {
            sb.append("  (none)\n");
            return;
        }
        int[] w = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder("  ");
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) {
                    line.append(" ".repeat(w[i] - r[i].length() + 2));
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
    }

    // ------------------------------------------------------------------ JSON

    /** The machine-readable summary: one JSON object, keys in a fixed order. */
    public static String json(ObjectSpec o, String file) {
        Json j = new Json();
        j.open('{');
        j.key("file").str(file).key("object").str(o.name()).key("license").str(o.license())
                .key("kernel_version").num(o.kernelVersion());
        j.key("programs").open('[');
        for (ProgramSpec p : o.programs()) {
            j.open('{');
            j.key("name").str(p.name()).key("section").str(p.section()).key("type").str(p.type().bpftoolName())
                    .key("attach_type").str(p.attachType() == AttachType.NONE ? null : p.attachType().label())
                    .key("attach_to").str(p.attachTo()).key("sleepable").bool(p.sleepable())
                    .key("insns").num(p.slotCount()).key("source_file").str(p.sourceFile());
            j.key("functions").open('[');
            for (FunctionSpec f : p.functions()) {
                j.open('{').key("name").str(f.name()).key("section").str(f.section()).key("start").num(f.start())
                        .key("insns").num(f.length()).close('}');
            }
            j.close(']');
            j.close('}');
        }
        j.close(']');
        j.key("maps").open('[');
        for (MapSpec m : o.maps()) {
            mapJson(j, m);
        }
        j.close(']');
        j.key("globals").open('[');
        for (VariableSpec v : o.variables()) {
            j.open('{').key("section").str(v.section()).key("name").str(v.name()).key("type").str(v.type())
                    .key("offset").num(v.offset()).key("size").num(v.size()).key("global").bool(v.global()).close('}');
        }
        j.close(']');
        j.key("externs").open('[');
        MapSpec kcfg = o.map(".kconfig");
        for (ExternSpec e : o.externs()) {
            j.open('{').key("kind").str(e.kind().label()).key("name").str(e.name()).key("type").str(e.type())
                    .key("weak").bool(e.weak());
            if (e.kind() == ExternSpec.Kind.KCONFIG) {
                String v = externValue(e, kcfg);
                j.key("value").str(e.kconfig() == ExternSpec.KconfigType.STRING ? v.substring(1, v.length() - 1) : v);
            }
            j.close('}');
        }
        j.close(']');
        j.key("btf");
        if (o.btf() == null) {
            j.nul();
        } else {
            int[] ext = extCounts(o);
            j.open('{').key("types").num(o.btf().count() - 1).key("func_info").num(ext[0]).key("line_info").num(ext[1])
                    .key("core_relocs").num(ext[2]).close('}');
        }
        if (!o.warnings().isEmpty()) {
            j.key("warnings").open('[');
            for (String w : o.warnings()) {
                j.str(w);
            }
            j.close(']');
        }
        j.close('}');
        return j.toString();
    }

    private static void mapJson(Json j, MapSpec m) {
        j.open('{');
        j.key("name").str(m.name()).key("type").str(m.type().bpftoolName()).key("key_size").num(m.keySize())
                .key("value_size").num(m.valueSize()).key("max_entries").num(m.maxEntries()).key("flags").num(m.flags())
                .key("numa_node").num(m.numaNode()).key("pinning").str(m.pinning() == Pinning.BY_NAME ? "by_name" : "none")
                .key("map_extra").num(m.mapExtra()).key("section").str(m.section()).key("frozen").bool(m.frozen());
        j.key("inner_map");
        if (m.innerMap() == null) {
            j.nul();
        } else {
            mapJson(j, m.innerMap());
        }
        j.key("values").open('{');
        m.slots().forEach((k, v) -> j.key(Integer.toString(k)).str(v));
        j.close('}');
        j.close('}');
    }

    /** A tiny JSON writer: objects, arrays, strings, numbers, booleans, null; no whitespace. */
    private static final class Json {
        private final StringBuilder sb = new StringBuilder();
        private boolean first = true;

        private void sep() {
            if (!first) {
                sb.append(',');
            }
            first = false;
        }

        Json open(char c) {
            sep();
            sb.append(c);
            first = true;
            return this;
        }

        Json close(char c) {
            sb.append(c);
            first = false;
            return this;
        }

        Json key(String k) {
            sep();
            quote(k);
            sb.append(':');
            first = true;
            return this;
        }

        Json str(String s) {
            sep();
            if (s == null) {
                sb.append("null");
            } else {
                quote(s);
            }
            return this;
        }

        Json num(long n) {
            sep();
            sb.append(n);
            return this;
        }

        Json bool(boolean b) {
            sep();
            sb.append(b);
            return this;
        }

        Json nul() {
            sep();
            sb.append("null");
            return this;
        }

        private void quote(String s) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"': sb.append("\\\""); break;
                    case '\\': sb.append("\\\\"); break;
                    case '\n': sb.append("\\n"); break;
                    case '\t': sb.append("\\t"); break;
                    case '\r': sb.append("\\r"); break;
                    default:
                        if (c < 0x20) {
                            sb.append(String.format("\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                }
            }
            sb.append('"');
        }

        @Override
        public String toString() {
            return sb.toString();
        }
    }

    // ------------------------------------------------------------------ disassembly

    /**
     * A program's listing in the kernel's syntax, one {@code N: (op) text} line per instruction,
     * each function preceded by its prototype (from BTF, as bpftool prints it) or name. With
     * {@code source}, each line info record is printed before its instruction as
     * {@code ; text [file:F line_num:N line_col:C]}. Map, data, kernel symbol and kfunc
     * references print by name: {@code map[counts]}, {@code map[.rodata][0]+4},
     * {@code subprog[loop_body]}, {@code ksym[bpf_prog_active]}, {@code call bpf_rcu_read_lock#0}.
     *
     * @param helpers helper names for {@code call} (may be {@link Disassembler.Symbols#NONE})
     */
    public static String disassemble(ObjectSpec o, ProgramSpec p, Disassembler.Symbols helpers, boolean source) {
        StringBuilder sb = new StringBuilder();
        Insn[] slots = p.slots();
        for (int pc = 0; pc < slots.length; pc++) {
            Insn insn = slots[pc];
            if (insn == null) {
                continue;
            }
            for (FunctionSpec f : p.functions()) {
                if (f.start() == pc) {
                    sb.append(prototype(o.btf(), f)).append(":\n");
                }
            }
            if (source) {
                SourceLine l = p.lineStartingAt(pc);
                if (l != null) {
                    sb.append("; ").append(l.text().strip()).append(" [file:").append(l.file()).append(" line_num:")
                            .append(l.line()).append(" line_col:").append(l.column()).append("]\n");
                }
            }
            String line = Disassembler.kernelLine(pc, insn, symbols(helpers, p.relocs().get(pc)));
            sb.append(" ".repeat(Math.max(0, 4 - Integer.toString(pc).length()))).append(line).append('\n');
        }
        return sb.toString();
    }

    /** The function's C prototype from BTF ({@code int calls_main(struct __sk_buff * skb)}), else {@code name()}. */
    static String prototype(Btf btf, FunctionSpec f) {
        if (btf == null || f.btfId() <= 0 || !(btf.type(f.btfId()) instanceof BtfType.Func fn)
                || !(btf.type(fn.type()) instanceof BtfType.FuncProto proto)) {
            return f.name() + "()";
        }
        StringBuilder sb = new StringBuilder();
        sb.append(fn.linkage() == BtfType.Linkage.STATIC ? "static " : "").append(btf.typeName(proto.returnType()))
                .append(' ').append(f.name()).append('(');
        for (int i = 0; i < proto.params().size(); i++) {
            BtfType.Param param = proto.params().get(i);
            if (i > 0) {
                sb.append(", ");
            }
            if (param.type() == 0 && param.name().isEmpty()) {
                sb.append("...");
            } else {
                sb.append(btf.typeName(param.type()));
                if (!param.name().isEmpty()) {
                    sb.append(' ').append(param.name());
                }
            }
        }
        return sb.append(')').toString();
    }

    /** Names for one instruction: its relocation, if any, and the helper names. */
    private static Disassembler.Symbols symbols(Disassembler.Symbols helpers, Reloc r) {
        return new Disassembler.Symbols() {
            @Override
            public String helperName(int id) {
                return helpers.helperName(id);
            }

            @Override
            public String kfuncName(int imm) {
                return r instanceof Reloc.KfuncCall k ? k.name() : helpers.kfuncName(imm);
            }

            @Override
            public String ldImm64(Insn insn) {
                if (r instanceof Reloc.MapRef m) {
                    return "map[" + m.map() + "]";
                } else if (r instanceof Reloc.DataRef d) {
                    return "map[" + d.map() + "][0]+" + d.offset();
                } else if (r instanceof Reloc.FuncRef f) {
                    return "subprog[" + f.function() + "]";
                } else if (r instanceof Reloc.KsymRef k) {
                    return "ksym[" + k.name() + "]";
                } else if (insn.src() == Opcodes.PSEUDO_FUNC) {
                    return "subprog[" + (insn.imm() >= 0 ? "+" : "") + insn.imm() + "]";
                }
                return helpers.ldImm64(insn);
            }
        };
    }
}
