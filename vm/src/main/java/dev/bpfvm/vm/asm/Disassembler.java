package dev.bpfvm.vm.asm;

import static dev.bpfvm.vm.isa.Opcodes.*;

import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.InsnCodec;
import dev.bpfvm.vm.isa.Opcodes;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.IntFunction;
import java.util.regex.Pattern;

/**
 * Instructions → text, in two syntaxes.
 *
 * <ul>
 *   <li>{@link #asm}: the {@link Assembler}'s syntax (ubpf / bpf_conformance), e.g. {@code ldxw
 *       %r0, [%r1+4]}. Assembling the text gives back the same instruction bit for bit; an
 *       encoding the syntax cannot express (a reserved field set, an unknown opcode) is printed
 *       as {@code .insn 0xOP, dst, src, off, imm}, which assembles to exactly those fields.
 *   <li>{@link #kernel}: the pseudo-C of the Linux verifier log and {@code bpftool prog dump
 *       xlated} ({@code kernel/bpf/disasm.c}), e.g. {@code r0 = *(u32 *)(r1 +4)}, and {@link
 *       #kernelLine} with the verifier's {@code pc: (op) } prefix.
 * </ul>
 *
 * <p>Neither printer throws, whatever the instruction holds.
 */
public final class Disassembler {
    private Disassembler() {}

    /**
     * Names for the kernel and assembler printers. Every method may return null for "not known";
     * the printers then fall back to numbers, as the kernel does without its callbacks.
     */
    public interface Symbols {
        /** No names: helpers print as {@code unknown#N}, ld_imm64 as its raw value. */
        Symbols NONE = new Symbols() {};

        /** ld_imm64 with pseudo sources printed as bpftool's xlated dump prints them; no helper names. */
        Symbols XLATED = NONE.withXlatedImm64();

        /** The name of helper {@code id} (e.g. {@code bpf_map_lookup_elem} for 1), or null. */
        default String helperName(int id) {
            return null;
        }

        /** The name of the kfunc a {@code call} with src=2 and this imm (BTF id) calls, or null. */
        default String kfuncName(int imm) {
            return null;
        }

        /**
         * The right-hand side for an ld_imm64 in kernel syntax (the kernel's {@code cb_imm}),
         * e.g. {@code map[id:3]}, or null for the raw {@code 0x...} value.
         */
        default String ldImm64(Insn insn) {
            return null;
        }

        /** Symbols that name helpers through {@code names} (id → name or null). */
        static Symbols helpers(IntFunction<String> names) {
            Objects.requireNonNull(names);
            return new Symbols() {
                @Override
                public String helperName(int id) {
                    return names.apply(id);
                }
            };
        }

        /** These symbols, printing ld_imm64 pseudo sources with {@link #xlatedImm64} where this gives no text. */
        default Symbols withXlatedImm64() {
            Symbols base = this;
            return new Symbols() {
                @Override
                public String helperName(int id) {
                    return base.helperName(id);
                }

                @Override
                public String kfuncName(int imm) {
                    return base.kfuncName(imm);
                }

                @Override
                public String ldImm64(Insn insn) {
                    String s = base.ldImm64(insn);
                    return s != null ? s : xlatedImm64(insn);
                }
            };
        }

        /**
         * bpftool's text for an ld_imm64 with a pseudo source: {@code map[id:N]} (src 1), {@code
         * map[id:N][0]+M} (src 2), {@code map[idx:N]+M} (src 6), {@code subprog[+N]} (src 4); null
         * for other sources, which print as a raw value.
         */
        static String xlatedImm64(Insn insn) {
            switch (insn.src()) {
                case PSEUDO_MAP_FD:
                    return "map[id:" + insn.imm() + "]";
                case PSEUDO_MAP_VALUE:
                    return "map[id:" + insn.imm() + "][0]+" + insn.imm2();
                case PSEUDO_MAP_IDX_VALUE:
                    return "map[idx:" + insn.imm() + "]+" + insn.imm2();
                case PSEUDO_FUNC:
                    return "subprog[" + signed(insn.imm()) + "]";
                default:
                    return null;
            }
        }
    }

    // =========================================================================================
    // assembler syntax
    // =========================================================================================

    /** The assembler syntax of one instruction; jumps print as slot offsets ({@code +3}). */
    public static String asm(Insn i) {
        return asm(i, Symbols.NONE);
    }

    /** As {@link #asm(Insn)}, with helper and kfunc names from {@code symbols} where known. */
    public static String asm(Insn i, Symbols symbols) {
        String s = canonical(i, symbols != null ? symbols : Symbols.NONE, Disassembler::signed);
        return s != null ? s : raw(i);
    }

    /** The {@code .insn} form: every field as a number. */
    public static String raw(Insn i) {
        String imm = i.isLddw() ? imm64(i.imm64()) : imm(i.imm());
        return ".insn 0x" + hex2(i.opcode()) + ", " + i.dst() + ", " + i.src() + ", " + i.off() + ", " + imm;
    }

    /** A whole program, one instruction per line, with labels {@code L<slot>:} at jump and call targets. */
    public static String program(List<Insn> insns) {
        return program(insns, Symbols.NONE);
    }

    public static String program(List<Insn> insns, Symbols sym) {
        Symbols symbols = sym != null ? sym : Symbols.NONE;
        Insn[] slots = InsnCodec.toSlots(insns);
        TreeSet<Integer> targets = new TreeSet<>();
        for (int pc = 0; pc < slots.length; pc++) {
            if (slots[pc] == null) {
                continue;
            }
            int from = pc;
            canonical(slots[pc], symbols, rel -> {
                long t = (long) from + 1 + rel;
                if (t >= 0 && t <= slots.length && (t == slots.length || slots[(int) t] != null)) {
                    targets.add((int) t);
                }
                return "";
            });
        }
        StringBuilder sb = new StringBuilder();
        for (int pc = 0; pc < slots.length; pc++) {
            if (slots[pc] == null) {
                continue;
            }
            if (targets.contains(pc)) {
                sb.append('L').append(pc).append(":\n");
            }
            int from = pc;
            String s = canonical(slots[pc], symbols, rel -> {
                long t = (long) from + 1 + rel;
                return t >= 0 && t <= Integer.MAX_VALUE && targets.contains((int) t) ? "L" + t : signed(rel);
            });
            sb.append(s != null ? s : raw(slots[pc])).append('\n');
        }
        if (targets.contains(slots.length)) {
            sb.append('L').append(slots.length).append(":\n");
        }
        return sb.toString();
    }

    private static final Pattern IDENT = Pattern.compile("[A-Za-z_.$][A-Za-z0-9_.$]*");

    /** The assembler text, or null when the syntax cannot express this encoding. */
    private static String canonical(Insn i, Symbols sym, IntFunction<String> target) {
        int code = i.opcode();
        if (!Opcodes.isValid(code)) {
            return null;
        }
        int dst = i.dst();
        int src = i.src();
        int off = i.off();
        int imm = i.imm();
        int cls = cls(code);
        switch (cls) {
            case ALU:
            case ALU64:
                return canonicalAlu(code, cls, dst, src, off, imm);
            case LD:
                if (code == LDDW) {
                    return off != 0 || dst > 10 ? null : canonicalLddw(i, target);
                }
                if (mode(code) == ABS) {
                    return dst != 0 || src != 0 || off != 0 ? null
                            : "ldabs" + Mnemonics.sizeSuffix(size(code)) + " " + imm(imm);
                }
                return dst != 0 || off != 0 || src > 10 ? null
                        : "ldind" + Mnemonics.sizeSuffix(size(code)) + " " + reg(src) + ", " + imm(imm);
            case LDX:
                if (imm != 0 || dst > 10 || src > 10) {
                    return null;
                }
                return (mode(code) == MEMSX ? "ldxs" : "ldx") + Mnemonics.sizeSuffix(size(code)) + " "
                        + reg(dst) + ", " + mem(src, off);
            case ST:
                return src != 0 || dst > 10 ? null
                        : "st" + Mnemonics.sizeSuffix(size(code)) + " " + mem(dst, off) + ", " + imm(imm);
            case STX:
                if (dst > 10 || src > 10) {
                    return null;
                }
                if (mode(code) == MEM) {
                    return imm != 0 ? null
                            : "stx" + Mnemonics.sizeSuffix(size(code)) + " " + mem(dst, off) + ", " + reg(src);
                }
                return canonicalAtomic(code, dst, src, off, imm);
            default:
                return canonicalJump(i, sym, target);
        }
    }

    private static String canonicalAlu(int code, int cls, int dst, int src, int off, int imm) {
        if (dst > 10) {
            return null;
        }
        int o = op(code);
        String w = cls == ALU ? "32" : "";
        if (o == END) {
            if (src != 0 || off != 0 || (imm != 16 && imm != 32 && imm != 64)) {
                return null;
            }
            String name = cls == ALU64 ? "bswap" : source(code) == TO_BE ? "be" : "le";
            return name + imm + " " + reg(dst);
        }
        if (o == NEG) {
            return src != 0 || off != 0 || imm != 0 ? null : "neg" + w + " " + reg(dst);
        }
        boolean x = source(code) == X;
        if (x ? imm != 0 || src > 10 : src != 0) {
            return null;
        }
        String name;
        if (o == MOV && x && off != 0) {
            if (off == 8 || off == 16 || (off == 32 && cls == ALU64)) {
                return "movsx" + off + (cls == ALU64 ? "64" : "32") + " " + reg(dst) + ", " + reg(src);
            }
            return null;
        } else if ((o == DIV || o == MOD) && off == 1) {
            name = o == DIV ? "sdiv" : "smod";
        } else if (off != 0) {
            return null;
        } else {
            name = Mnemonics.ALU[o >> 4];
        }
        return name + w + " " + reg(dst) + ", " + (x ? reg(src) : imm(imm));
    }

    private static String canonicalLddw(Insn i, IntFunction<String> target) {
        String d = "lddw " + reg(i.dst()) + ", ";
        int imm = i.imm();
        int imm2 = i.imm2();
        switch (i.src()) {
            case 0:
                return d + imm64(i.imm64());
            case PSEUDO_MAP_FD:
                return imm2 != 0 ? null : d + "map_by_fd(" + imm(imm) + ")";
            case PSEUDO_MAP_VALUE:
                return d + "map_val(map_by_fd(" + imm(imm) + "))" + plus(imm2);
            case PSEUDO_BTF_ID:
                return imm2 != 0 ? null : d + "var_addr(" + imm(imm) + ")";
            case PSEUDO_FUNC:
                return imm2 != 0 ? null : d + "code_addr(" + target.apply(imm) + ")";
            case PSEUDO_MAP_IDX:
                return imm2 != 0 ? null : d + "map_by_idx(" + imm(imm) + ")";
            case PSEUDO_MAP_IDX_VALUE:
                return d + "map_val(map_by_idx(" + imm(imm) + "))" + plus(imm2);
            default:
                return null;
        }
    }

    private static String plus(int v) {
        return v == 0 ? "" : " + " + imm(v);
    }

    private static String canonicalAtomic(int code, int dst, int src, int off, int imm) {
        if (!Opcodes.isValidAtomicOp(imm)) {
            return null;
        }
        String w = size(code) == W ? "32" : "";
        String name;
        if (imm == ATOMIC_XCHG) {
            name = "xchg" + w;
        } else if (imm == ATOMIC_CMPXCHG) {
            name = "cmpxchg" + w;
        } else {
            name = ((imm & FETCH) != 0 ? "fetch " : "") + Mnemonics.atomicName(imm) + w;
        }
        return "lock " + name + " " + mem(dst, off) + ", " + reg(src);
    }

    private static String canonicalJump(Insn i, Symbols sym, IntFunction<String> target) {
        int code = i.opcode();
        int dst = i.dst();
        int src = i.src();
        int off = i.off();
        int imm = i.imm();
        switch (code) {
            case JA64:
                return dst != 0 || src != 0 || imm != 0 ? null : "ja " + target.apply(off);
            case GOTOL:
                return dst != 0 || src != 0 || off != 0 ? null : "ja32 " + target.apply(imm);
            case MAY_GOTO:
                return dst != 0 || src != JCOND_MAY_GOTO || imm != 0 ? null : "may_goto " + target.apply(off);
            case EXIT_INSN:
                return dst != 0 || src != 0 || off != 0 || imm != 0 ? null : "exit";
            case CALLX:
                return dst > 10 || src != 0 || off != 0 || imm != 0 ? null : "callx " + reg(dst);
            case CALL_IMM: {
                if (dst != 0 || off != 0) {
                    return null;
                }
                switch (src) {
                    case PSEUDO_CALL_HELPER: {
                        String name = sym.helperName(imm);
                        return "call " + (name != null && isName(name) ? name : Integer.toString(imm));
                    }
                    case PSEUDO_CALL:
                        return "call local " + target.apply(imm);
                    case PSEUDO_KFUNC_CALL: {
                        String name = sym.kfuncName(imm);
                        return "call runtime " + (name != null && isName(name) ? name : imm(imm));
                    }
                    default:
                        return null;
                }
            }
            default: {
                boolean x = source(code) == X;
                if (dst > 10 || (x ? imm != 0 || src > 10 : src != 0)) {
                    return null;
                }
                String name = Mnemonics.JCOND[op(code) >> 4] + (cls(code) == JMP32 ? "32" : "");
                return name + " " + reg(dst) + ", " + (x ? reg(src) : imm(imm)) + ", " + target.apply(off);
            }
        }
    }

    /** A name the assembler would read as a name, not a register or number. */
    private static boolean isName(String s) {
        return IDENT.matcher(s).matches() && !s.matches("(?i)r[0-9]+")
                && !s.equalsIgnoreCase("helper") && !s.equalsIgnoreCase("local")
                && !s.equalsIgnoreCase("runtime") && !s.equalsIgnoreCase("kfunc");
    }

    private static String reg(int r) {
        return "%r" + r;
    }

    private static String mem(int r, int off) {
        if (off == 0) {
            return "[" + reg(r) + "]";
        }
        return "[" + reg(r) + (off > 0 ? "+" : "") + off + "]";
    }

    /** Small values in decimal, others as unsigned 32-bit hex. */
    private static String imm(int v) {
        return v > -65536 && v < 65536 ? Integer.toString(v) : "0x" + Integer.toHexString(v);
    }

    private static String imm64(long v) {
        return v > -65536 && v < 65536 ? Long.toString(v) : "0x" + Long.toHexString(v);
    }

    /** {@code %02x}. */
    private static String hex2(int b) {
        return b < 0x10 ? "0" + Integer.toHexString(b) : Integer.toHexString(b);
    }

    /** {@code %+d}. */
    private static String signed(int v) {
        return v >= 0 ? "+" + v : Integer.toString(v);
    }

    // =========================================================================================
    // kernel syntax
    // =========================================================================================

    private static final String[] ALU_OP = new String[16];
    private static final String[] JMP_OP = new String[16];

    static {
        ALU_OP[ADD >> 4] = "+=";
        ALU_OP[SUB >> 4] = "-=";
        ALU_OP[MUL >> 4] = "*=";
        ALU_OP[DIV >> 4] = "/=";
        ALU_OP[OR >> 4] = "|=";
        ALU_OP[AND >> 4] = "&=";
        ALU_OP[LSH >> 4] = "<<=";
        ALU_OP[RSH >> 4] = ">>=";
        ALU_OP[NEG >> 4] = "neg";
        ALU_OP[MOD >> 4] = "%=";
        ALU_OP[XOR >> 4] = "^=";
        ALU_OP[MOV >> 4] = "=";
        ALU_OP[ARSH >> 4] = "s>>=";
        ALU_OP[END >> 4] = "endian";

        JMP_OP[JA >> 4] = "jmp";
        JMP_OP[JEQ >> 4] = "==";
        JMP_OP[JGT >> 4] = ">";
        JMP_OP[JLT >> 4] = "<";
        JMP_OP[JGE >> 4] = ">=";
        JMP_OP[JLE >> 4] = "<=";
        JMP_OP[JSET >> 4] = "&";
        JMP_OP[JNE >> 4] = "!=";
        JMP_OP[JSGT >> 4] = "s>";
        JMP_OP[JSLT >> 4] = "s<";
        JMP_OP[JSGE >> 4] = "s>=";
        JMP_OP[JSLE >> 4] = "s<=";
        JMP_OP[CALL >> 4] = "call";
        JMP_OP[EXIT >> 4] = "exit";
    }

    /** The kernel's text for one instruction, without the {@code (op) } prefix: {@code r0 = *(u32 *)(r1 +4)}. */
    public static String kernel(Insn i) {
        return kernel(i, Symbols.NONE);
    }

    public static String kernel(Insn i, Symbols symbols) {
        return kernelBody(i, symbols);
    }

    /** A verifier log line: {@code 12: (79) r0 = *(u64 *)(r10 -8)}. */
    public static String kernelLine(int pc, Insn i) {
        return kernelLine(pc, i, Symbols.NONE);
    }

    public static String kernelLine(int pc, Insn i, Symbols symbols) {
        return pc + ": " + kernelWithCode(i, symbols);
    }

    /** Every instruction as a {@link #kernelLine}, one per line, numbered by slot. */
    public static String kernelProgram(List<Insn> insns, Symbols symbols) {
        StringBuilder sb = new StringBuilder();
        int pc = 0;
        for (Insn i : insns) {
            sb.append(kernelLine(pc, i, symbols)).append('\n');
            pc += i.slots();
        }
        return sb.toString();
    }

    /** The text with the {@code (op) } prefix the kernel prints before it (none before {@code BUG_} lines). */
    private static String kernelWithCode(Insn i, Symbols symbols) {
        String body = kernelBody(i, symbols);
        return body.startsWith("BUG_") ? body : "(" + hex2(i.opcode()) + ") " + body;
    }

    private static String kernelBody(Insn i, Symbols sym) {
        Symbols s = sym != null ? sym : Symbols.NONE;
        int code = i.opcode();
        int dst = i.dst();
        int src = i.src();
        int off = i.off();
        int imm = i.imm();
        int cls = cls(code);
        if (!Opcodes.isValid(code)) {
            if (code == (ST | 0xc0)) {
                return "nospec";                         // BPF_ST | BPF_NOSPEC, kernel-internal
            }
            return "unknown opcode " + hex2(code);
        }
        switch (cls) {
            case ALU:
            case ALU64: {
                char w = cls == ALU ? 'w' : 'r';
                int o = op(code);
                if (o == END) {
                    if (cls == ALU64) {
                        return "r" + dst + " = bswap" + imm + " r" + dst;
                    }
                    return "r" + dst + " = " + (source(code) == TO_BE ? "be" : "le") + imm + " r" + dst;
                }
                if (o == NEG) {
                    return "" + w + dst + " = -" + w + dst;
                }
                if (code == (ALU64 | MOV | X) && off == 1) {
                    return "r" + dst + " = addr_space_cast(r" + src + ", " + (imm >>> 16) + ", " + (imm & 0xffff) + ")";
                }
                boolean signed = (o == DIV || o == MOD) && off == 1;
                String opText = signed ? (o == DIV ? "s/=" : "s%=") : ALU_OP[o >> 4];
                if (source(code) == X) {
                    String cast = "";
                    if (o == MOV && (off == 8 || off == 16 || off == 32)) {
                        cast = "(s" + off + ")";
                    }
                    return "" + w + dst + " " + opText + " " + cast + w + src;
                }
                return "" + w + dst + " " + opText + " " + imm;
            }
            case STX: {
                String sz = ldst(code);
                if (mode(code) == MEM) {
                    return "*(" + sz + " *)(r" + dst + " " + signed(off) + ") = r" + src;
                }
                String bits = size(code) == DW ? "64" : "";
                switch (imm) {
                    case ATOMIC_ADD:
                    case ATOMIC_AND:
                    case ATOMIC_OR:
                    case ATOMIC_XOR:
                        return "lock *(" + sz + " *)(r" + dst + " " + signed(off) + ") " + ALU_OP[imm >> 4] + " r" + src;
                    case ATOMIC_ADD | FETCH:
                    case ATOMIC_AND | FETCH:
                    case ATOMIC_OR | FETCH:
                    case ATOMIC_XOR | FETCH:
                        return "r" + src + " = atomic" + bits + "_fetch_" + Mnemonics.atomicName(imm)
                                + "((" + sz + " *)(r" + dst + " " + signed(off) + "), r" + src + ")";
                    case ATOMIC_CMPXCHG:
                        return "r0 = atomic" + bits + "_cmpxchg((" + sz + " *)(r" + dst + " " + signed(off)
                                + "), r0, r" + src + ")";
                    case ATOMIC_XCHG:
                        return "r" + src + " = atomic" + bits + "_xchg((" + sz + " *)(r" + dst + " " + signed(off)
                                + "), r" + src + ")";
                    default:
                        return "BUG_" + hex2(code);
                }
            }
            case ST:
                return "*(" + ldst(code) + " *)(r" + dst + " " + signed(off) + ") = " + imm;
            case LDX: {
                String sz = mode(code) == MEMSX ? "s" + 8 * Opcodes.sizeBytes(size(code)) : ldst(code);
                return "r" + dst + " = *(" + sz + " *)(r" + src + " " + signed(off) + ")";
            }
            case LD:
                if (mode(code) == ABS) {
                    return "r0 = *(" + ldst(code) + " *)skb[" + imm + "]";
                }
                if (mode(code) == IND) {
                    return "r0 = *(" + ldst(code) + " *)skb[r" + src + " + " + imm + "]";
                }
                String text = s.ldImm64(i);
                return "r" + dst + " = " + (text != null ? text : "0x" + Long.toHexString(i.imm64()));
            default:
                return kernelJump(i, s);
        }
    }

    private static String kernelJump(Insn i, Symbols s) {
        int code = i.opcode();
        int dst = i.dst();
        int src = i.src();
        int off = i.off();
        int imm = i.imm();
        switch (code) {
            case CALL_IMM: {
                if (src == PSEUDO_CALL) {
                    return "call pc" + signed(imm);
                }
                String name = null;
                if (src == PSEUDO_CALL_HELPER) {
                    name = s.helperName(imm);
                } else if (src == PSEUDO_KFUNC_CALL) {
                    name = s.kfuncName(imm);
                    if (name == null) {
                        name = "kernel-function";
                    }
                }
                return "call " + (name != null ? name : "unknown") + "#" + imm;
            }
            case CALLX:
                return "callx r" + dst;
            case JA64:
                return "goto pc" + signed(off);
            case GOTOL:
                return "gotol pc" + signed(imm);
            case MAY_GOTO:
                return "may_goto pc" + signed(off);
            case EXIT_INSN:
                return "exit";
            default: {
                char w = cls(code) == JMP32 ? 'w' : 'r';
                String cmp = JMP_OP[op(code) >> 4];
                if (source(code) == X) {
                    return "if " + w + dst + " " + cmp + " " + w + src + " goto pc" + signed(off);
                }
                return "if " + w + dst + " " + cmp + " 0x" + Integer.toHexString(imm) + " goto pc" + signed(off);
            }
        }
    }

    private static String ldst(int code) {
        switch (size(code)) {
            case W: return "u32";
            case H: return "u16";
            case B: return "u8";
            default: return "u64";
        }
    }
}
