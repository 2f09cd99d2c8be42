package dev.bpfvm.verifier;

import static dev.bpfvm.vm.isa.Opcodes.*;

import dev.bpfvm.vm.isa.Insn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test fixture: assembles the kernel verifier's notation (what verifier logs print and kernel
 * selftests write in inline asm), one instruction per line, with labels:
 *
 * <pre>
 * r0 = 0 / w0 = 1 / r1 = r10 / w1 = w2 / r1 = (s8)r2 / r1 = 0x1122334455667788 ll
 * r1 = map[name] ll / r1 = map_value[name] + 8 ll / r1 = func[label] ll
 * r1 += 8 / r1 -= r2 / w1 *= 3 / r1 s/= r2 / r1 s%= 3 / r1 s>>= 3 / r0 = -r0
 * r0 = be16 r0 / r0 = le32 r0 / r0 = bswap64 r0
 * r0 = *(u32 *)(r1 +4) / r0 = *(s16 *)(r1 -2) / *(u64 *)(r10 -8) = r1 / *(u8 *)(r10 -1) = 7
 * lock *(u64 *)(r10 -8) += r1 (also |= &= ^=) / r1 = atomic64_fetch_add((u64 *)(r10 -8), r1)
 * r1 = atomic64_xchg((u64 *)(r10 -8), r1) / r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)
 * r0 = *(u8 *)skb[12] / r0 = *(u16 *)skb[r6 + 2]
 * goto label|+N|pc+N / gotol label / may_goto label / if r1 > r2 goto label / if w1 s< 5 goto +2 / if r1 &amp; 4 goto l
 * call bpf_map_lookup_elem / call 1 / call pc+3 / call label / call kfunc:NAME / exit
 * .insn OPCODE, DST, SRC, OFF, IMM
 * </pre>
 */
final class KernelAsm {
    private KernelAsm() {}

    /** An assembly error naming the line. */
    static final class AsmError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        AsmError(int line, String msg) {
            super("line " + line + ": " + msg);
        }
    }

    /** Resolves names: maps to fd numbers, helpers and kfuncs to ids. */
    record Names(ToIntFunction<String> map, ToIntFunction<String> helper, ToIntFunction<String> kfunc) {}

    private static final Pattern REG = Pattern.compile("([rw])(\\d+)");
    private static final String NUM = "(-?(?:0x[0-9a-fA-F]+|\\d+))";



    private static long num(String s) {
        boolean neg = s.startsWith("-");
        String t = neg ? s.substring(1) : s;
        long v = t.startsWith("0x") || t.startsWith("0X") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
        return neg ? -v : v;
    }

    private static int sizeCode(int bits) {
        switch (bits) {
            case 8: return B;
            case 16: return H;
            case 32: return W;
            default: return DW;
        }
    }

    private static final Map<String, Integer> ALU_OPS = new HashMap<>();
    private static final Map<String, Integer> JMP_OPS = new HashMap<>();

    static {
        ALU_OPS.put("+=", ADD);
        ALU_OPS.put("-=", SUB);
        ALU_OPS.put("*=", MUL);
        ALU_OPS.put("/=", DIV);
        ALU_OPS.put("%=", MOD);
        ALU_OPS.put("|=", OR);
        ALU_OPS.put("&=", AND);
        ALU_OPS.put("^=", XOR);
        ALU_OPS.put("<<=", LSH);
        ALU_OPS.put(">>=", RSH);
        ALU_OPS.put("s>>=", ARSH);
        ALU_OPS.put("s/=", DIV);
        ALU_OPS.put("s%=", MOD);
        JMP_OPS.put("==", JEQ);
        JMP_OPS.put("!=", JNE);
        JMP_OPS.put(">", JGT);
        JMP_OPS.put(">=", JGE);
        JMP_OPS.put("<", JLT);
        JMP_OPS.put("<=", JLE);
        JMP_OPS.put("s>", JSGT);
        JMP_OPS.put("s>=", JSGE);
        JMP_OPS.put("s<", JSLT);
        JMP_OPS.put("s<=", JSLE);
        JMP_OPS.put("&", JSET);
    }

    private record Pending(int index, int lineNo, String label, int kind) {}

    /** The slot of each label of the program text. */
    static Map<String, Integer> labels(String text) {
        Map<String, Integer> labels = new HashMap<>();
        int pc = 0;
        for (String rawLine : text.split("\n", -1)) {
            String l = stripComment(rawLine).trim();
            while (true) {
                Matcher m = Pattern.compile("^([A-Za-z_.][A-Za-z0-9_.]*):(.*)$").matcher(l);
                if (!m.matches()) {
                    break;
                }
                labels.put(m.group(1), pc);
                l = m.group(2).trim();
            }
            if (!l.isEmpty()) {
                pc += l.endsWith(" ll") ? 2 : 1;
            }
        }
        return labels;
    }

    static List<Insn> assemble(String text, Names names) {
        List<String> lines = new ArrayList<>();
        List<Integer> lineNos = new ArrayList<>();
        Map<String, Integer> labels = new HashMap<>();
        int pc = 0;
        String[] raw = text.split("\n", -1);
        // pass 1: labels and slot numbers
        List<Integer> pcs = new ArrayList<>();
        for (int n = 0; n < raw.length; n++) {
            String l = stripComment(raw[n]).trim();
            while (true) {
                Matcher m = Pattern.compile("^([A-Za-z_.][A-Za-z0-9_.]*):(.*)$").matcher(l);
                if (!m.matches()) {
                    break;
                }
                labels.put(m.group(1), pc);
                l = m.group(2).trim();
            }
            if (l.isEmpty()) {
                continue;
            }
            lines.add(l);
            lineNos.add(n + 1);
            pcs.add(pc);
            pc += l.endsWith(" ll") ? 2 : 1;
        }
        List<Insn> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            out.add(parse(lines.get(i), lineNos.get(i), pcs.get(i), labels, names));
        }
        return out;
    }

    private static String stripComment(String l) {
        int i = l.indexOf('#');
        if (i >= 0) {
            l = l.substring(0, i);
        }
        int j = l.indexOf("//");
        if (j >= 0) {
            l = l.substring(0, j);
        }
        int k = l.indexOf(';');
        if (k >= 0) {
            l = l.substring(0, k);
        }
        return l;
    }

    private static int target(String t, int pc, Map<String, Integer> labels, int lineNo) {
        t = t.trim();
        if (t.startsWith("pc")) {
            t = t.substring(2);
        }
        if (t.startsWith("+") || t.startsWith("-")) {
            return (int) num(t.startsWith("+") ? t.substring(1) : t);
        }
        Integer at = labels.get(t);
        if (at == null) {
            throw new AsmError(lineNo, "unknown label '" + t + "'");
        }
        return at - pc - 1;
    }

    private static int reg(String s, int lineNo) {
        Matcher m = REG.matcher(s.trim());
        if (!m.matches()) {
            throw new AsmError(lineNo, "not a register: '" + s + "'");
        }
        return Integer.parseInt(m.group(2));
    }

    private static boolean isReg(String s) {
        return REG.matcher(s.trim()).matches();
    }

    private static Insn parse(String l, int lineNo, int pc, Map<String, Integer> labels, Names names) {
        try {
            return parse0(l.replaceAll("\\s+", " "), lineNo, pc, labels, names);
        } catch (AsmError e) {
            throw e;
        } catch (RuntimeException e) {
            throw new AsmError(lineNo, "cannot assemble '" + l + "': " + e.getMessage());
        }
    }

    private static Insn parse0(String l, int lineNo, int pc, Map<String, Integer> labels, Names names) {
        Matcher m;
        if (l.equals("exit")) {
            return new Insn(EXIT_INSN, 0, 0, 0, 0);
        }
        if (l.startsWith(".insn ")) {
            String[] p = l.substring(6).split(",");
            return new Insn((int) num(p[0].trim()), (int) num(p[1].trim()), (int) num(p[2].trim()),
                    (int) num(p[3].trim()), (int) num(p[4].trim()));
        }
        if ((m = Pattern.compile("^goto (.+)$").matcher(l)).matches()) {
            return new Insn(JA64, 0, 0, target(m.group(1), pc, labels, lineNo), 0);
        }
        if ((m = Pattern.compile("^may_goto (.+)$").matcher(l)).matches()) {
            return new Insn(MAY_GOTO, 0, 0, target(m.group(1), pc, labels, lineNo), 0);
        }
        if ((m = Pattern.compile("^gotol (.+)$").matcher(l)).matches()) {
            return new Insn(GOTOL, 0, 0, 0, target(m.group(1), pc, labels, lineNo));
        }
        if ((m = Pattern.compile("^call (.+)$").matcher(l)).matches()) {
            String t = m.group(1).trim();
            if (t.startsWith("kfunc:")) {
                return new Insn(CALL_IMM, 0, PSEUDO_KFUNC_CALL, 0, names.kfunc().applyAsInt(t.substring(6)));
            }
            if (t.matches("-?\\d+")) {
                return new Insn(CALL_IMM, 0, 0, 0, (int) num(t));
            }
            if (t.startsWith("pc") || labels.containsKey(t)) {
                return new Insn(CALL_IMM, 0, PSEUDO_CALL, 0, target(t, pc, labels, lineNo));
            }
            return new Insn(CALL_IMM, 0, 0, 0, names.helper().applyAsInt(t));
        }
        if ((m = Pattern.compile("^if ([rw]\\d+) (==|!=|>=|<=|>|<|s>=|s<=|s>|s<|&) (\\S+) goto (.+)$").matcher(l)).matches()) {
            boolean w = m.group(1).startsWith("w");
            int cls = w ? JMP32 : JMP;
            int dst = reg(m.group(1), lineNo);
            int op = JMP_OPS.get(m.group(2));
            int off = target(m.group(4), pc, labels, lineNo);
            if (isReg(m.group(3))) {
                return new Insn(cls | op | X, dst, reg(m.group(3), lineNo), off, 0);
            }
            return new Insn(cls | op | K, dst, 0, off, (int) num(m.group(3)));
        }
        if ((m = Pattern.compile("^lock \\*\\(u(32|64) \\*\\)\\(r(\\d+) ?([+-]) ?(\\w+)\\) (\\+=|\\|=|&=|\\^=) r(\\d+)$")
                .matcher(l)).matches()) {
            int size = m.group(1).equals("32") ? W : DW;
            int off = (int) num(m.group(4)) * (m.group(3).equals("-") ? -1 : 1);
            int aop = switch (m.group(5)) {
                case "+=" -> ATOMIC_ADD;
                case "|=" -> ATOMIC_OR;
                case "&=" -> ATOMIC_AND;
                default -> ATOMIC_XOR;
            };
            return new Insn(STX | ATOMIC | size, Integer.parseInt(m.group(2)), Integer.parseInt(m.group(6)), off, aop);
        }
        if ((m = Pattern.compile("^r(\\d+) = atomic(64)?_(fetch_add|fetch_or|fetch_and|fetch_xor|xchg)\\(\\(u(32|64) \\*\\)\\(r(\\d+) ?([+-]) ?(\\w+)\\), r(\\d+)\\)$")
                .matcher(l)).matches()) {
            int size = m.group(4).equals("32") ? W : DW;
            int off = (int) num(m.group(7)) * (m.group(6).equals("-") ? -1 : 1);
            int aop = switch (m.group(3)) {
                case "fetch_add" -> ATOMIC_ADD | FETCH;
                case "fetch_or" -> ATOMIC_OR | FETCH;
                case "fetch_and" -> ATOMIC_AND | FETCH;
                case "fetch_xor" -> ATOMIC_XOR | FETCH;
                default -> ATOMIC_XCHG;
            };
            return new Insn(STX | ATOMIC | size, Integer.parseInt(m.group(5)), Integer.parseInt(m.group(8)), off, aop);
        }
        if ((m = Pattern.compile("^r0 = atomic(64)?_cmpxchg\\(\\(u(32|64) \\*\\)\\(r(\\d+) ?([+-]) ?(\\w+)\\), r0, r(\\d+)\\)$")
                .matcher(l)).matches()) {
            int size = m.group(2).equals("32") ? W : DW;
            int off = (int) num(m.group(5)) * (m.group(4).equals("-") ? -1 : 1);
            return new Insn(STX | ATOMIC | size, Integer.parseInt(m.group(3)), Integer.parseInt(m.group(6)), off,
                    ATOMIC_CMPXCHG);
        }
        // stores
        if ((m = Pattern.compile("^\\*\\(u(8|16|32|64) \\*\\)\\(r(\\d+) ?([+-]) ?(\\w+)\\) = (\\S+)$").matcher(l)).matches()) {
            int size = sizeCode(Integer.parseInt(m.group(1)));
            int dst = Integer.parseInt(m.group(2));
            int off = (int) num(m.group(4)) * (m.group(3).equals("-") ? -1 : 1);
            if (isReg(m.group(5))) {
                return new Insn(STX | MEM | size, dst, reg(m.group(5), lineNo), off, 0);
            }
            return new Insn(ST | MEM | size, dst, 0, off, (int) num(m.group(5)));
        }
        // legacy packet loads
        if ((m = Pattern.compile("^r0 = \\*\\(u(8|16|32) \\*\\)skb\\[(r(\\d+) ?\\+ ?)?(-?\\w+)\\]$").matcher(l)).matches()) {
            int size = sizeCode(Integer.parseInt(m.group(1)));
            if (m.group(2) != null) {
                return new Insn(LD | IND | size, 0, Integer.parseInt(m.group(3)), 0, (int) num(m.group(4)));
            }
            return new Insn(LD | ABS | size, 0, 0, 0, (int) num(m.group(4)));
        }
        if ((m = Pattern.compile("^([rw])(\\d+) = (.+)$").matcher(l)).matches()) {
            boolean w = m.group(1).equals("w");
            int cls = w ? ALU : ALU64;
            int dst = Integer.parseInt(m.group(2));
            String rhs = m.group(3).trim();
            Matcher mm;
            if ((mm = Pattern.compile("^\\*\\(([us])(8|16|32|64) \\*\\)\\(r(\\d+) ?([+-]) ?(\\w+)\\)$").matcher(rhs)).matches()) {
                int size = sizeCode(Integer.parseInt(mm.group(2)));
                int off = (int) num(mm.group(5)) * (mm.group(4).equals("-") ? -1 : 1);
                int mode = mm.group(1).equals("s") ? MEMSX : MEM;
                return new Insn(LDX | mode | size, dst, Integer.parseInt(mm.group(3)), off, 0);
            }
            if ((mm = Pattern.compile("^map\\[(\\w+)\\] ll$").matcher(rhs)).matches()) {
                return Insn.lddw(dst, PSEUDO_MAP_FD, names.map().applyAsInt(mm.group(1)) & 0xffff_ffffL);
            }
            if ((mm = Pattern.compile("^map_value\\[(\\w+)\\]( ?\\+ ?(\\w+))? ll$").matcher(rhs)).matches()) {
                long off = mm.group(3) != null ? num(mm.group(3)) : 0;
                return new Insn(LDDW, dst, PSEUDO_MAP_VALUE, 0, names.map().applyAsInt(mm.group(1)), (int) off);
            }
            if ((mm = Pattern.compile("^func\\[(.+)\\] ll$").matcher(rhs)).matches()) {
                return new Insn(LDDW, dst, PSEUDO_FUNC, 0, target(mm.group(1), pc, labels, lineNo), 0);
            }
            if ((mm = Pattern.compile("^" + NUM + " ll$").matcher(rhs)).matches()) {
                return Insn.lddw(dst, 0, num(mm.group(1)));
            }
            if ((mm = Pattern.compile("^-([rw])(\\d+)$").matcher(rhs)).matches()) {
                return new Insn(cls | NEG, dst, 0, 0, 0);
            }
            if ((mm = Pattern.compile("^(be|le)(16|32|64) [rw]\\d+$").matcher(rhs)).matches()) {
                int src = mm.group(1).equals("be") ? TO_BE : TO_LE;
                return new Insn(ALU | END | src, dst, 0, 0, Integer.parseInt(mm.group(2)));
            }
            if ((mm = Pattern.compile("^bswap(16|32|64) [rw]\\d+$").matcher(rhs)).matches()) {
                return new Insn(ALU64 | END, dst, 0, 0, Integer.parseInt(mm.group(1)));
            }
            if ((mm = Pattern.compile("^\\(s(8|16|32)\\)([rw])(\\d+)$").matcher(rhs)).matches()) {
                return new Insn(cls | MOV | X, dst, Integer.parseInt(mm.group(3)), Integer.parseInt(mm.group(1)), 0);
            }
            if (isReg(rhs)) {
                return new Insn(cls | MOV | X, dst, reg(rhs, lineNo), 0, 0);
            }
            return new Insn(cls | MOV | K, dst, 0, 0, (int) num(rhs));
        }
        if ((m = Pattern.compile("^([rw])(\\d+) (\\S+=) (\\S+)$").matcher(l)).matches()) {
            boolean w = m.group(1).equals("w");
            int cls = w ? ALU : ALU64;
            int dst = Integer.parseInt(m.group(2));
            Integer op = ALU_OPS.get(m.group(3));
            if (op == null) {
                throw new AsmError(lineNo, "unknown operator " + m.group(3));
            }
            int off = m.group(3).startsWith("s/") || m.group(3).startsWith("s%") ? 1 : 0;
            if (isReg(m.group(4))) {
                return new Insn(cls | op | X, dst, reg(m.group(4), lineNo), off, 0);
            }
            return new Insn(cls | op | K, dst, 0, off, (int) num(m.group(4)));
        }
        throw new AsmError(lineNo, "cannot assemble '" + l + "'");
    }
}
