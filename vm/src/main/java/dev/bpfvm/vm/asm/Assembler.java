package dev.bpfvm.vm.asm;

import static dev.bpfvm.vm.isa.Opcodes.*;

import dev.bpfvm.vm.isa.Insn;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text → instructions, in the assembler syntax of ubpf and bpf_conformance ({@code -- asm}
 * sections of their {@code .data} files).
 *
 * <p>One instruction per line; {@code #}, {@code ;} and {@code //} start a comment; a line may
 * start with labels ({@code name:}). Registers are {@code r0}..{@code r10} or {@code %r0}..{@code
 * %r10}; numbers are decimal or {@code 0x} hex, optionally signed. Jump targets are labels or
 * signed slot offsets ({@code +3}, {@code -2}); like bpf_conformance, the label {@code exit}, unless
 * defined, names the first {@code exit} instruction. The instruction forms:
 *
 * <pre>
 * add sub mul div sdiv or and lsh rsh mod smod xor mov arsh   rd, rs|imm   (64-bit; also NAME64)
 * add32 ... arsh32                                            rd, rs|imm   (32-bit)
 * neg rd, neg32 rd
 * movsx864 movsx1664 movsx3264 rd, rs;   movsx832 movsx1632 rd, rs
 * le16 le32 le64 be16 be32 be64 bswap16 bswap32 bswap64 rd (swapNN = bswapNN)
 * lddw rd, imm64
 * lddw rd, map_by_fd(N|name)            lddw rd, map_val(map_by_fd(N|name)) + M
 * lddw rd, map_by_idx(N|name)           lddw rd, map_val(map_by_idx(N|name)) + M
 * lddw rd, var_addr(N)                  lddw rd, code_addr(label|+N)
 * ldxb ldxh ldxw ldxdw ldxsb ldxsh ldxsw   rd, [rs+off]
 * stb sth stw stdw [rd+off], imm;   stxb stxh stxw stxdw [rd+off], rs
 * lock [fetch] add|or|and|xor[32] [rd+off], rs;   lock xchg[32]|cmpxchg[32] [rd+off], rs
 * ldabsb ldabsh ldabsw imm;   ldindb ldindh ldindw rs, imm
 * ja target;   ja32 target (also gotol: JMP32|JA, offset in imm)
 * jeq jgt jge jlt jle jset jne jsgt jsge jslt jsle[32]   rd, rs|imm, target
 * call N | call NAME | call helper N | call local target | call runtime N|NAME | call rN | callx rN
 * exit
 * .insn opcode, dst, src, off, imm        (any encoding; imm is 64-bit for opcode 0x18)
 * </pre>
 *
 * <p>Errors are {@link AsmException}s naming the line: {@code line 7: unknown mnemonic 'movv'}.
 * Values must fit their field unless {@link Options#withWrapping(boolean)} asks for
 * bpf_conformance's truncation.
 */
public final class Assembler {
    private Assembler() {}

    /** Name resolution and leniency for the assembler. Immutable; start from {@link #defaults()}. */
    public static final class Options {
        private static final Options DEFAULT = new Options(null, null, null, false);

        private final Function<String, Integer> helpers;
        private final Function<String, Integer> kfuncs;
        private final Function<String, Integer> maps;
        private final boolean wrapping;

        private Options(Function<String, Integer> helpers, Function<String, Integer> kfuncs,
                        Function<String, Integer> maps, boolean wrapping) {
            this.helpers = helpers;
            this.kfuncs = kfuncs;
            this.maps = maps;
            this.wrapping = wrapping;
        }

        /** No names known, strict ranges. */
        public static Options defaults() {
            return DEFAULT;
        }

        /**
         * Helper names for {@code call NAME}: the function returns the helper id (e.g. 1 for
         * {@code bpf_map_lookup_elem}) or null when it does not know the name.
         */
        public Options withHelpers(Function<String, Integer> helperIds) {
            return new Options(Objects.requireNonNull(helperIds), kfuncs, maps, wrapping);
        }

        /** Kfunc names for {@code call runtime NAME} (src=2): name → imm (BTF id), or null. */
        public Options withKfuncs(Function<String, Integer> kfuncIds) {
            return new Options(helpers, Objects.requireNonNull(kfuncIds), maps, wrapping);
        }

        /** Map names for {@code map_by_fd(NAME)} and {@code map_by_idx(NAME)}: name → fd or index, or null. */
        public Options withMaps(Function<String, Integer> mapIds) {
            return new Options(helpers, kfuncs, Objects.requireNonNull(mapIds), wrapping);
        }

        /**
         * When true, an immediate or offset wider than its field keeps its low bits (what
         * bpf_conformance's assembler does, e.g. {@code mov32 %r1, 0x876543210}); when false (the
         * default) it is an error.
         */
        public Options withWrapping(boolean wrap) {
            return new Options(helpers, kfuncs, maps, wrap);
        }
    }

    /** Assembles a program with default options. */
    public static List<Insn> assemble(String text) {
        return assembleSource(text, Options.defaults()).insns();
    }

    public static List<Insn> assemble(String text, Options options) {
        return assembleSource(text, options).insns();
    }

    /** Assembles a program into its bytes (ld_imm64 as two slots). */
    public static byte[] assembleBytes(String text) {
        return assembleSource(text, Options.defaults()).bytes();
    }

    public static byte[] assembleBytes(String text, Options options) {
        return assembleSource(text, options).bytes();
    }

    /** Assembles a program, keeping labels and the source line of every instruction. */
    public static Assembly assembleSource(String text, Options options) {
        Parser p = new Parser(Objects.requireNonNull(options));
        int no = 1;
        int start = 0;
        for (int k = 0; k < text.length(); k++) {
            char c = text.charAt(k);
            if (c == '\n' || c == '\r') {
                p.line(no++, text.substring(start, k));
                if (c == '\r' && k + 1 < text.length() && text.charAt(k + 1) == '\n') {
                    k++;
                }
                start = k + 1;
            }
        }
        p.line(no, text.substring(start));
        return p.finish();
    }

    /** Assembles exactly one instruction (no labels). */
    public static Insn assembleOne(String line) {
        return assembleOne(line, Options.defaults());
    }

    public static Insn assembleOne(String line, Options options) {
        List<Insn> insns = assemble(line, options);
        if (insns.size() != 1) {
            throw new AsmException(1, line, "expected one instruction, got " + insns.size());
        }
        return insns.get(0);
    }

    // ------------------------------------------------------------------------------------------

    private enum Kind { ALU, NEG, MOVSX, END, LDDW, LDX, ST, STX, LDABS, LDIND, JA, GOTOL, JCOND,
        CALL, CALLX, EXIT, LOCK, RAW }

    /** A mnemonic: its kind, the opcode bits it fixes, and an offset or imm it implies. */
    private record Spec(Kind kind, int opcode, int off, int imm) {}

    private static final Map<String, Spec> SPECS = new HashMap<>();

    private static void spec(String name, Kind kind, int opcode, int off, int imm) {
        SPECS.put(name, new Spec(kind, opcode, off, imm));
    }

    static {
        for (int op = 0; op < 16; op++) {
            String n = Mnemonics.ALU[op];
            if (n == null) {
                continue;
            }
            spec(n, Kind.ALU, ALU64 | op << 4, 0, 0);
            spec(n + "64", Kind.ALU, ALU64 | op << 4, 0, 0);
            spec(n + "32", Kind.ALU, ALU | op << 4, 0, 0);
        }
        for (String n : new String[] {"sdiv", "smod"}) {
            int op = n.equals("sdiv") ? DIV : MOD;
            spec(n, Kind.ALU, ALU64 | op, 1, 0);
            spec(n + "64", Kind.ALU, ALU64 | op, 1, 0);
            spec(n + "32", Kind.ALU, ALU | op, 1, 0);
        }
        spec("neg", Kind.NEG, ALU64 | NEG, 0, 0);
        spec("neg64", Kind.NEG, ALU64 | NEG, 0, 0);
        spec("neg32", Kind.NEG, ALU | NEG, 0, 0);
        spec("movsx864", Kind.MOVSX, ALU64 | MOV | X, 8, 0);
        spec("movsx1664", Kind.MOVSX, ALU64 | MOV | X, 16, 0);
        spec("movsx3264", Kind.MOVSX, ALU64 | MOV | X, 32, 0);
        spec("movsx832", Kind.MOVSX, ALU | MOV | X, 8, 0);
        spec("movsx1632", Kind.MOVSX, ALU | MOV | X, 16, 0);
        for (int bits : new int[] {16, 32, 64}) {
            spec("le" + bits, Kind.END, ALU | END | TO_LE, 0, bits);
            spec("be" + bits, Kind.END, ALU | END | TO_BE, 0, bits);
            spec("bswap" + bits, Kind.END, ALU64 | END, 0, bits);
            spec("swap" + bits, Kind.END, ALU64 | END, 0, bits);
        }
        spec("lddw", Kind.LDDW, LDDW, 0, 0);
        for (int size : new int[] {B, H, W, DW}) {
            String s = Mnemonics.sizeSuffix(size);
            spec("ldx" + s, Kind.LDX, LDX | MEM | size, 0, 0);
            spec("st" + s, Kind.ST, ST | MEM | size, 0, 0);
            spec("stx" + s, Kind.STX, STX | MEM | size, 0, 0);
            if (size != DW) {
                spec("ldxs" + s, Kind.LDX, LDX | MEMSX | size, 0, 0);
                spec("ldabs" + s, Kind.LDABS, LD | ABS | size, 0, 0);
                spec("ldind" + s, Kind.LDIND, LD | IND | size, 0, 0);
            }
        }
        spec("ja", Kind.JA, JA64, 0, 0);
        spec("ja32", Kind.GOTOL, GOTOL, 0, 0);
        spec("gotol", Kind.GOTOL, GOTOL, 0, 0);
        spec("may_goto", Kind.JA, MAY_GOTO, 0, 0);
        for (int op = 0; op < 16; op++) {
            String n = Mnemonics.JCOND[op];
            if (n != null) {
                spec(n, Kind.JCOND, JMP | op << 4, 0, 0);
                spec(n + "32", Kind.JCOND, JMP32 | op << 4, 0, 0);
            }
        }
        spec("call", Kind.CALL, CALL_IMM, 0, 0);
        spec("callx", Kind.CALLX, CALLX, 0, 0);
        spec("exit", Kind.EXIT, EXIT_INSN, 0, 0);
        spec("lock", Kind.LOCK, STX | ATOMIC, 0, 0);
        spec(".insn", Kind.RAW, 0, 0, 0);
    }

    private static final Pattern LABEL_DEF = Pattern.compile("([A-Za-z_.$][A-Za-z0-9_.$]*)\\s*:(.*)");
    private static final Pattern IDENT = Pattern.compile("[A-Za-z_.$][A-Za-z0-9_.$]*");
    private static final Pattern MAP_VAL = Pattern.compile(
            "map_val\\((map_by_fd|map_by_idx)\\(([^()]*)\\)\\)(?:([+-])(.*))?");
    private static final Pattern PSEUDO = Pattern.compile("(map_by_fd|map_by_idx|var_addr|code_addr)\\(([^()]*)\\)");

    private static final BigInteger MIN_S16 = BigInteger.valueOf(Short.MIN_VALUE);
    private static final BigInteger MIN_S32 = BigInteger.valueOf(Integer.MIN_VALUE);
    private static final BigInteger MAX_U32 = BigInteger.valueOf(0xffffffffL);
    private static final BigInteger MIN_S64 = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger MAX_U64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    /** Where a label's value goes once it is known. */
    private enum Field { OFF, IMM }

    private record Fixup(int index, int pc, String label, Field field, int line, String text) {}

    private record Label(int pc, int line) {}

    private static final class Parser {
        private final Options opts;
        private final List<Insn> insns = new ArrayList<>();
        private final List<Integer> slotLines = new ArrayList<>();
        private final List<String> slotTexts = new ArrayList<>();
        private final Map<String, Label> labels = new LinkedHashMap<>();
        private final List<Fixup> fixups = new ArrayList<>();
        private int pc;
        private int firstExit = -1;

        // the line being parsed
        private int lineNo;
        private String lineText;
        private String pendingLabel;
        private Field pendingField;

        Parser(Options opts) {
            this.opts = opts;
        }

        private AsmException error(String reason) {
            return new AsmException(lineNo, lineText, reason);
        }

        void line(int no, String raw) {
            lineNo = no;
            lineText = raw;
            String s = stripComment(raw).strip();
            while (s.indexOf(':') >= 0) {
                Matcher m = LABEL_DEF.matcher(s);
                if (!m.matches()) {
                    break;
                }
                String name = m.group(1);
                Label prev = labels.get(name);
                if (prev != null) {
                    throw error("duplicate label '" + name + "' (first defined on line " + prev.line() + ")");
                }
                labels.put(name, new Label(pc, no));
                s = m.group(2).strip();
            }
            if (s.isEmpty()) {
                return;
            }
            pendingLabel = null;
            Insn insn = instruction(s);
            if (pendingLabel != null) {
                fixups.add(new Fixup(insns.size(), pc, pendingLabel, pendingField, no, raw));
            }
            if (insn.isExit() && firstExit < 0) {
                firstExit = pc;
            }
            insns.add(insn);
            for (int k = 0; k < insn.slots(); k++) {
                slotLines.add(k == 0 ? no : 0);
                slotTexts.add(k == 0 ? raw.strip() : null);
            }
            pc += insn.slots();
        }

        Assembly finish() {
            for (Fixup f : fixups) {
                lineNo = f.line();
                lineText = f.text();
                int target;
                Label l = labels.get(f.label());
                if (l != null) {
                    target = l.pc();
                } else if (f.label().equals("exit") && firstExit >= 0) {
                    target = firstExit;
                } else {
                    throw error("undefined label '" + f.label() + "'");
                }
                int delta = target - (f.pc() + 1);
                Insn i = insns.get(f.index());
                if (f.field() == Field.OFF) {
                    if (delta < Short.MIN_VALUE || delta > Short.MAX_VALUE) {
                        throw error("offset " + delta + " to label '" + f.label() + "' out of range for 16 bits");
                    }
                    insns.set(f.index(), i.withOff(delta));
                } else {
                    insns.set(f.index(), i.withImm(delta));
                }
            }
            Map<String, Integer> names = new LinkedHashMap<>();
            labels.forEach((k, v) -> names.put(k, v.pc()));
            int[] lines = new int[slotLines.size()];
            for (int k = 0; k < lines.length; k++) {
                lines[k] = slotLines.get(k);
            }
            return new Assembly(insns, names, lines, slotTexts.toArray(new String[0]));
        }

        private static String stripComment(String s) {
            int cut = s.length();
            for (String c : new String[] {"#", ";", "//"}) {
                int at = s.indexOf(c);
                if (at >= 0 && at < cut) {
                    cut = at;
                }
            }
            return s.substring(0, cut);
        }

        // --- one instruction --------------------------------------------------------------

        private Insn instruction(String s) {
            int sp = 0;
            while (sp < s.length() && !Character.isWhitespace(s.charAt(sp))) {
                sp++;
            }
            String mnemonic = s.substring(0, sp).toLowerCase(Locale.ROOT);
            String rest = s.substring(sp).strip();
            Spec spec = SPECS.get(mnemonic);
            if (spec == null) {
                throw error("unknown mnemonic '" + s.substring(0, sp) + "'");
            }
            switch (spec.kind()) {
                case LOCK:
                    return lock(rest);
                case CALL:
                    return call(rest);
                default:
                    break;
            }
            List<String> ops = operands(rest);
            int op = spec.opcode();
            switch (spec.kind()) {
                case ALU: {
                    count(mnemonic, ops, 2);
                    int dst = reg(ops.get(0));
                    if (isRegister(ops.get(1))) {
                        return new Insn(op | X, dst, reg(ops.get(1)), spec.off(), 0);
                    }
                    return new Insn(op | K, dst, 0, spec.off(), imm32(ops.get(1)));
                }
                case NEG:
                    count(mnemonic, ops, 1);
                    return new Insn(op, reg(ops.get(0)), 0, 0, 0);
                case MOVSX:
                    count(mnemonic, ops, 2);
                    return new Insn(op, reg(ops.get(0)), reg(ops.get(1)), spec.off(), 0);
                case END:
                    count(mnemonic, ops, 1);
                    return new Insn(op, reg(ops.get(0)), 0, 0, spec.imm());
                case LDDW:
                    count(mnemonic, ops, 2);
                    return lddw(reg(ops.get(0)), ops.get(1));
                case LDX: {
                    count(mnemonic, ops, 2);
                    int dst = reg(ops.get(0));
                    int[] m = mem(ops.get(1));
                    return new Insn(op, dst, m[0], m[1], 0);
                }
                case ST: {
                    count(mnemonic, ops, 2);
                    int[] m = mem(ops.get(0));
                    return new Insn(op, m[0], 0, m[1], imm32(ops.get(1)));
                }
                case STX: {
                    count(mnemonic, ops, 2);
                    int[] m = mem(ops.get(0));
                    return new Insn(op, m[0], reg(ops.get(1)), m[1], 0);
                }
                case LDABS:
                    count(mnemonic, ops, 1);
                    return new Insn(op, 0, 0, 0, imm32(ops.get(0)));
                case LDIND:
                    count(mnemonic, ops, 2);
                    return new Insn(op, 0, reg(ops.get(0)), 0, imm32(ops.get(1)));
                case JA:
                    count(mnemonic, ops, 1);
                    return new Insn(op, 0, 0, target(ops.get(0), Field.OFF), 0);
                case GOTOL:
                    count(mnemonic, ops, 1);
                    return new Insn(op, 0, 0, 0, target(ops.get(0), Field.IMM));
                case JCOND: {
                    count(mnemonic, ops, 3);
                    int dst = reg(ops.get(0));
                    boolean x = isRegister(ops.get(1));
                    int src = x ? reg(ops.get(1)) : 0;
                    int imm = x ? 0 : imm32(ops.get(1));
                    int off = target(ops.get(2), Field.OFF);
                    return new Insn(op | (x ? X : K), dst, src, off, imm);
                }
                case CALLX:
                    count(mnemonic, ops, 1);
                    return new Insn(CALLX, reg(ops.get(0)), 0, 0, 0);
                case EXIT:
                    count(mnemonic, ops, 0);
                    return new Insn(EXIT_INSN, 0, 0, 0, 0);
                case RAW:
                    return raw(ops);
                default:
                    throw new IllegalStateException(spec.kind().name());
            }
        }

        private void count(String mnemonic, List<String> ops, int n) {
            if (ops.size() != n) {
                throw error("'" + mnemonic + "' expects " + n + (n == 1 ? " operand" : " operands")
                        + ", got " + ops.size());
            }
        }

        /** Splits at commas outside brackets and parentheses. */
        private List<String> operands(String rest) {
            List<String> out = new ArrayList<>();
            if (rest.isEmpty()) {
                return out;
            }
            int depth = 0;
            int start = 0;
            for (int k = 0; k < rest.length(); k++) {
                char c = rest.charAt(k);
                if (c == '[' || c == '(') {
                    depth++;
                } else if (c == ']' || c == ')') {
                    depth--;
                } else if (c == ',' && depth == 0) {
                    out.add(operand(rest.substring(start, k)));
                    start = k + 1;
                }
            }
            out.add(operand(rest.substring(start)));
            return out;
        }

        private String operand(String raw) {
            String t = raw.strip();
            if (t.isEmpty()) {
                throw error("empty operand");
            }
            return t;
        }

        private Insn lock(String rest) {
            int bracket = rest.indexOf('[');
            if (bracket < 0) {
                throw error("'lock' expects [fetch] OP [reg+off], reg");
            }
            String[] words = rest.substring(0, bracket).strip().toLowerCase(Locale.ROOT).split("\\s+");
            List<String> ops = operands(rest.substring(bracket));
            boolean fetch = false;
            int w = 0;
            if (words.length > 1 && words[0].equals("fetch")) {
                fetch = true;
                w = 1;
            }
            if (words.length != w + 1 || words[w].isEmpty()) {
                throw error("unknown atomic operation '" + rest.substring(0, bracket).strip() + "'");
            }
            String name = words[w];
            int size = DW;
            if (name.endsWith("32")) {
                size = W;
                name = name.substring(0, name.length() - 2);
            } else if (name.endsWith("64")) {
                name = name.substring(0, name.length() - 2);
            }
            int imm;
            switch (name) {
                case "add": imm = ATOMIC_ADD; break;
                case "or": imm = ATOMIC_OR; break;
                case "and": imm = ATOMIC_AND; break;
                case "xor": imm = ATOMIC_XOR; break;
                case "xchg": imm = ATOMIC_XCHG; break;
                case "cmpxchg": imm = ATOMIC_CMPXCHG; break;
                default: throw error("unknown atomic operation '" + words[w] + "'");
            }
            if (fetch) {
                imm |= FETCH;
            }
            count("lock " + words[w], ops, 2);
            int[] m = mem(ops.get(0));
            return new Insn(STX | ATOMIC | size, m[0], reg(ops.get(1)), m[1], imm);
        }

        private Insn call(String rest) {
            String[] words = rest.isEmpty() ? new String[0] : rest.split("\\s+");
            if (words.length == 1) {
                return helperCall(words[0]);
            }
            if (words.length != 2) {
                throw error("'call' expects 1 operand, got " + words.length);
            }
            switch (words[0].toLowerCase(Locale.ROOT)) {
                case "helper":
                    return helperCall(words[1]);
                case "local":
                    return new Insn(CALL_IMM, 0, PSEUDO_CALL, 0, target(words[1], Field.IMM));
                case "runtime":
                case "kfunc": {
                    Num n = number(words[1]);
                    int imm = n != null ? imm32(words[1]) : resolve(opts.kfuncs, words[1], "kfunc");
                    return new Insn(CALL_IMM, 0, PSEUDO_KFUNC_CALL, 0, imm);
                }
                default:
                    throw error("unknown call type '" + words[0] + "'");
            }
        }

        private Insn helperCall(String t) {
            if (isRegister(t)) {
                return new Insn(CALLX, reg(t), 0, 0, 0);
            }
            Num n = number(t);
            int imm = n != null ? imm32(t) : resolve(opts.helpers, t, "helper");
            return new Insn(CALL_IMM, 0, PSEUDO_CALL_HELPER, 0, imm);
        }

        private int resolve(Function<String, Integer> names, String name, String what) {
            if (!IDENT.matcher(name).matches()) {
                throw error("invalid " + what + " '" + name + "'");
            }
            Integer id = names == null ? null : names.apply(name);
            if (id == null) {
                throw error("unknown " + what + " '" + name + "'");
            }
            return id;
        }

        private Insn lddw(int dst, String value) {
            if (number(value) != null) {
                return Insn.lddw(dst, 0, imm64(value));
            }
            String v = value.replaceAll("\\s+", "");
            Matcher m = MAP_VAL.matcher(v);
            if (m.matches()) {
                int src = m.group(1).equals("map_by_fd") ? PSEUDO_MAP_VALUE : PSEUDO_MAP_IDX_VALUE;
                int map = mapRef(m.group(2));
                int off = m.group(3) == null ? 0 : imm32(m.group(3).equals("-") ? "-" + m.group(4) : m.group(4));
                return new Insn(LDDW, dst, src, 0, map, off);
            }
            m = PSEUDO.matcher(v);
            if (m.matches()) {
                switch (m.group(1)) {
                    case "map_by_fd":
                        return new Insn(LDDW, dst, PSEUDO_MAP_FD, 0, mapRef(m.group(2)), 0);
                    case "map_by_idx":
                        return new Insn(LDDW, dst, PSEUDO_MAP_IDX, 0, mapRef(m.group(2)), 0);
                    case "var_addr":
                        return new Insn(LDDW, dst, PSEUDO_BTF_ID, 0, imm32(m.group(2)), 0);
                    default:
                        return new Insn(LDDW, dst, PSEUDO_FUNC, 0, target(m.group(2), Field.IMM), 0);
                }
            }
            throw error("invalid immediate '" + value + "'");
        }

        private int mapRef(String t) {
            if (number(t) != null) {
                return imm32(t);
            }
            return resolve(opts.maps, t, "map");
        }

        private Insn raw(List<String> ops) {
            count(".insn", ops, 5);
            int opcode = rawField(ops.get(0), 0xff, "opcode");
            int dst = rawField(ops.get(1), 0xf, "dst");
            int src = rawField(ops.get(2), 0xf, "src");
            int off = off16(ops.get(3));
            if (opcode == LDDW) {
                long v = imm64(ops.get(4));
                return new Insn(opcode, dst, src, off, (int) v, (int) (v >>> 32));
            }
            return new Insn(opcode, dst, src, off, imm32(ops.get(4)));
        }

        private int rawField(String t, int max, String what) {
            Num n = number(t);
            if (n == null) {
                throw error("invalid " + what + " '" + t + "'");
            }
            if (n.value().signum() < 0 || n.value().compareTo(BigInteger.valueOf(max)) > 0) {
                throw error(what + " " + t + " out of range (0.." + max + ")");
            }
            return n.value().intValue();
        }

        // --- operands -----------------------------------------------------------------------

        private static boolean isRegister(String t) {
            return t.startsWith("%") || registerDigits(t) != null;
        }

        /** The digits of {@code %rN} / {@code rN} (any case), or null when {@code t} is not of that shape. */
        private static String registerDigits(String t) {
            int k = t.startsWith("%") ? 1 : 0;
            if (t.length() < k + 2 || (t.charAt(k) != 'r' && t.charAt(k) != 'R')) {
                return null;
            }
            for (int j = k + 1; j < t.length(); j++) {
                char c = t.charAt(j);
                if (c < '0' || c > '9') {
                    return null;
                }
            }
            return t.substring(k + 1);
        }

        private int reg(String t) {
            String digits = registerDigits(t);
            if (digits == null) {
                if (t.startsWith("%")) {
                    throw error("invalid register '" + t + "'");
                }
                throw error("expected a register, got '" + t + "'");
            }
            if (digits.length() > 2 || Integer.parseInt(digits) > 10) {
                throw error("invalid register '" + t + "'");
            }
            return Integer.parseInt(digits);
        }

        /** [reg], [reg+off], [reg-off]. */
        private int[] mem(String t) {
            String s = t.indexOf(' ') >= 0 || t.indexOf('\t') >= 0 ? t.replaceAll("\\s+", "") : t;
            if (!s.startsWith("[") || !s.endsWith("]") || s.length() < 3) {
                throw error("invalid memory operand '" + t + "'");
            }
            String inner = s.substring(1, s.length() - 1);
            int sign = -1;
            for (int k = 1; k < inner.length(); k++) {
                char c = inner.charAt(k);
                if (c == '+' || c == '-') {
                    sign = k;
                    break;
                }
            }
            if (sign < 0) {
                return new int[] {memReg(inner, t), 0};
            }
            String off = inner.substring(sign);
            if (number(off) == null) {
                throw error("invalid memory operand '" + t + "'");
            }
            return new int[] {memReg(inner.substring(0, sign), t), off16(off)};
        }

        private int memReg(String r, String operand) {
            if (registerDigits(r) == null) {
                throw error("invalid memory operand '" + operand + "'");
            }
            return reg(r);
        }

        /** A jump target: a signed slot offset, or a label resolved at the end. */
        private int target(String t, Field field) {
            Num n = number(t);
            if (n != null) {
                return field == Field.OFF ? off16(t) : imm32(t);
            }
            if (!IDENT.matcher(t).matches()) {
                throw error("invalid jump target '" + t + "'");
            }
            pendingLabel = t;
            pendingField = field;
            return 0;
        }

        private record Num(BigInteger value, boolean hex) {}

        private static Num number(String t) {
            String s = t;
            boolean neg = false;
            if (s.startsWith("+") || s.startsWith("-")) {
                neg = s.charAt(0) == '-';
                s = s.substring(1);
            }
            boolean hex = s.length() > 2 && (s.startsWith("0x") || s.startsWith("0X"));
            String digits = hex ? s.substring(2) : s;
            if (digits.isEmpty() || digits.length() > 40) {
                return null;
            }
            for (int k = 0; k < digits.length(); k++) {
                if (Character.digit(digits.charAt(k), hex ? 16 : 10) < 0) {
                    return null;
                }
            }
            BigInteger v = digits.length() <= 15
                    ? BigInteger.valueOf(Long.parseLong(digits, hex ? 16 : 10))
                    : new BigInteger(digits, hex ? 16 : 10);
            return new Num(neg ? v.negate() : v, hex);
        }

        private Num needNumber(String t, String what) {
            Num n = number(t);
            if (n == null) {
                throw error("invalid " + what + " '" + t + "'");
            }
            return n;
        }

        private int imm32(String t) {
            BigInteger v = needNumber(t, "immediate").value();
            if (!opts.wrapping && (v.compareTo(MIN_S32) < 0 || v.compareTo(MAX_U32) > 0)) {
                throw error("immediate " + t + " out of range for 32 bits");
            }
            return v.intValue();
        }

        private long imm64(String t) {
            BigInteger v = needNumber(t, "immediate").value();
            if (!opts.wrapping && (v.compareTo(MIN_S64) < 0 || v.compareTo(MAX_U64) > 0)) {
                throw error("immediate " + t + " out of range for 64 bits");
            }
            return v.longValue();
        }

        /** Signed 16 bits; hex may also be written as the unsigned 16-bit pattern (0xfffe = -2). */
        private int off16(String t) {
            Num n = needNumber(t, "offset");
            BigInteger max = BigInteger.valueOf(n.hex() ? 0xffff : Short.MAX_VALUE);
            BigInteger v = n.value();
            if (!opts.wrapping && (v.compareTo(MIN_S16) < 0 || v.compareTo(max) > 0)) {
                throw error("offset " + t + " out of range for 16 bits");
            }
            return (short) n.value().intValue();
        }
    }
}
