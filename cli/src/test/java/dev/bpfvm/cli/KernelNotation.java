package dev.bpfvm.cli;

import dev.bpfvm.vm.asm.Assembler;
import dev.bpfvm.vm.isa.Insn;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test fixture: instructions in the kernel verifier's pseudo-C (what the verifier's {@code
 * .vtest} case files are written in: {@code r0 = *(u32 *)(r1 +4)}, {@code if w1 s< 5 goto l},
 * {@code r1 = map[name] ll}, ...) rewritten line by line into the syntax of {@link Assembler} and
 * assembled by it. Map names go to the fds given; helper names to ids by the function given;
 * kfuncs ({@code call kfunc:NAME}) likewise. A line it cannot read is an {@link
 * IllegalArgumentException} naming it.
 */
final class KernelNotation {
    private KernelNotation() {}

    private static final String R = "([rw])(\\d+)";
    private static final String MEM = "\\((r\\d+) ?([+-]) ?(\\w+)\\)";
    private static final Pattern LABEL = Pattern.compile("^([A-Za-z_.][A-Za-z0-9_.]*):(.*)$");
    private static final Pattern IF = Pattern.compile("^if " + R + " (==|!=|>=|<=|>|<|s>=|s<=|s>|s<|&) (\\S+) goto (.+)$");
    private static final Pattern LOCK = Pattern.compile("^lock \\*\\(u(32|64) \\*\\)" + MEM + " (\\+=|\\|=|&=|\\^=) [rw](\\d+)$");
    private static final Pattern FETCH = Pattern.compile(
            "^[rw](\\d+) = atomic(?:64)?_(fetch_add|fetch_or|fetch_and|fetch_xor|xchg)\\(\\(u(32|64) \\*\\)" + MEM
                    + ", [rw](\\d+)\\)$");
    private static final Pattern CMPXCHG = Pattern.compile(
            "^[rw]0 = atomic(?:64)?_cmpxchg\\(\\(u(32|64) \\*\\)" + MEM + ", [rw]0, [rw](\\d+)\\)$");
    private static final Pattern STORE = Pattern.compile("^\\*\\(u(8|16|32|64) \\*\\)" + MEM + " = (\\S+)$");
    private static final Pattern SKB = Pattern.compile("^r0 = \\*\\(u(8|16|32) \\*\\)skb\\[(?:(r\\d+) ?\\+ ?)?(-?\\w+)\\]$");
    private static final Pattern ASSIGN = Pattern.compile("^" + R + " = (.+)$");
    private static final Pattern LOAD = Pattern.compile("^\\*\\(([us])(8|16|32|64) \\*\\)" + MEM + "$");
    private static final Pattern ALU = Pattern.compile("^" + R + " (\\S+=) (\\S+)$");
    private static final Map<String, String> ALU_OPS = Map.ofEntries(Map.entry("+=", "add"), Map.entry("-=", "sub"),
            Map.entry("*=", "mul"), Map.entry("/=", "div"), Map.entry("%=", "mod"), Map.entry("|=", "or"),
            Map.entry("&=", "and"), Map.entry("^=", "xor"), Map.entry("<<=", "lsh"), Map.entry(">>=", "rsh"),
            Map.entry("s>>=", "arsh"), Map.entry("s/=", "sdiv"), Map.entry("s%=", "smod"));
    private static final Map<String, String> JMP_OPS = Map.ofEntries(Map.entry("==", "jeq"), Map.entry("!=", "jne"),
            Map.entry(">", "jgt"), Map.entry(">=", "jge"), Map.entry("<", "jlt"), Map.entry("<=", "jle"),
            Map.entry("s>", "jsgt"), Map.entry("s>=", "jsge"), Map.entry("s<", "jslt"), Map.entry("s<=", "jsle"),
            Map.entry("&", "jset"));
    private static final Map<String, String> ATOMIC_OPS = Map.of("+=", "add", "|=", "or", "&=", "and", "^=", "xor");

    /** Assembles {@code text}; {@code maps} are the fds of the map names, {@code helpers}/{@code kfuncs} resolve calls. */
    static List<Insn> assemble(String text, Map<String, Integer> maps, java.util.function.Function<String, Integer> helpers,
                               java.util.function.Function<String, Integer> kfuncs) {
        return Assembler.assemble(translate(text),
                Assembler.Options.defaults().withMaps(maps::get).withHelpers(helpers).withKfuncs(kfuncs));
    }

    /** The program in {@link Assembler}'s syntax, line for line. */
    static String translate(String text) {
        String[] lines = text.split("\n", -1);
        Set<String> labels = new TreeSet<>();
        for (String l : lines) {
            String s = strip(l);
            Matcher m;
            while ((m = LABEL.matcher(s)).matches()) {
                labels.add(m.group(1));
                s = m.group(2).trim();
            }
        }
        StringBuilder out = new StringBuilder();
        for (int n = 0; n < lines.length; n++) {
            String s = strip(lines[n]);
            StringBuilder prefix = new StringBuilder();
            Matcher m;
            while ((m = LABEL.matcher(s)).matches()) {
                prefix.append(m.group(1)).append(": ");
                s = m.group(2).trim();
            }
            try {
                out.append(prefix).append(s.isEmpty() ? "" : insn(s.replaceAll("\\s+", " "), labels)).append('\n');
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("line " + (n + 1) + ": cannot read '" + s + "': " + e.getMessage(), e);
            }
        }
        return out.toString();
    }

    private static String strip(String l) {
        for (String c : new String[] {"#", "//", ";"}) {
            int i = l.indexOf(c);
            if (i >= 0) {
                l = l.substring(0, i);
            }
        }
        return l.trim();
    }

    private static long num(String s) {
        boolean neg = s.startsWith("-");
        String t = neg ? s.substring(1) : s;
        long v = t.startsWith("0x") || t.startsWith("0X") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
        return neg ? -v : v;
    }

    /** A 32-bit immediate as the kernel's (int) cast leaves it. */
    private static String imm(String s) {
        return Integer.toString((int) num(s));
    }

    private static String target(String t) {
        t = t.trim();
        if (t.startsWith("pc")) {
            t = t.substring(2);
        }
        return t;
    }

    private static String mem(String base, String sign, String off) {
        long o = num(off) * (sign.equals("-") ? -1 : 1);
        return "[" + base + (o < 0 ? "-" + (-o) : "+" + o) + "]";
    }

    private static String size(String bits) {
        switch (bits) {
            case "8": return "b";
            case "16": return "h";
            case "32": return "w";
            default: return "dw";
        }
    }

    private static boolean isReg(String s) {
        return s.matches("[rw]\\d+");
    }

    private static String reg(String s) {
        return "r" + s.substring(1);
    }

    private static String insn(String l, Set<String> labels) {
        Matcher m;
        if (l.equals("exit") || l.startsWith(".insn ")) {
            return l;
        }
        if (l.startsWith("goto ")) {
            return "ja " + target(l.substring(5));
        }
        if (l.startsWith("gotol ")) {
            return "ja32 " + target(l.substring(6));
        }
        if (l.startsWith("may_goto ")) {
            return "may_goto " + target(l.substring(9));
        }
        if (l.startsWith("call ")) {
            String t = l.substring(5).trim();
            if (t.startsWith("kfunc:")) {
                return "call kfunc " + t.substring(6);
            }
            if (t.matches("-?\\d+")) {
                return "call " + t;
            }
            if (t.startsWith("pc") || labels.contains(t)) {
                return "call local " + target(t);
            }
            return "call " + t;
        }
        if ((m = IF.matcher(l)).matches()) {
            String op = JMP_OPS.get(m.group(3)) + (m.group(1).equals("w") ? "32" : "");
            String src = isReg(m.group(4)) ? reg(m.group(4)) : imm(m.group(4));
            return op + " r" + m.group(2) + ", " + src + ", " + target(m.group(5));
        }
        if ((m = LOCK.matcher(l)).matches()) {
            return "lock " + ATOMIC_OPS.get(m.group(5)) + (m.group(1).equals("32") ? "32 " : " ")
                    + mem(m.group(2), m.group(3), m.group(4)) + ", r" + m.group(6);
        }
        if ((m = FETCH.matcher(l)).matches()) {
            String w = m.group(3).equals("32") ? "32 " : " ";
            String op = m.group(2).equals("xchg") ? "xchg" : "fetch " + m.group(2).substring(6);
            if (!m.group(1).equals(m.group(7))) {
                throw new IllegalArgumentException("the fetched register must be the source");
            }
            return "lock " + op + w + mem(m.group(4), m.group(5), m.group(6)) + ", r" + m.group(7);
        }
        if ((m = CMPXCHG.matcher(l)).matches()) {
            return "lock cmpxchg" + (m.group(1).equals("32") ? "32 " : " ") + mem(m.group(2), m.group(3), m.group(4))
                    + ", r" + m.group(5);
        }
        if ((m = STORE.matcher(l)).matches()) {
            String at = mem(m.group(2), m.group(3), m.group(4));
            if (isReg(m.group(5))) {
                return "stx" + size(m.group(1)) + " " + at + ", " + reg(m.group(5));
            }
            return "st" + size(m.group(1)) + " " + at + ", " + imm(m.group(5));
        }
        if ((m = SKB.matcher(l)).matches()) {
            if (m.group(2) != null) {
                return "ldind" + size(m.group(1)) + " " + m.group(2) + ", " + imm(m.group(3));
            }
            return "ldabs" + size(m.group(1)) + " " + imm(m.group(3));
        }
        if ((m = ASSIGN.matcher(l)).matches()) {
            boolean w = m.group(1).equals("w");
            String dst = "r" + m.group(2);
            String rhs = m.group(3).trim();
            Matcher mm;
            if ((mm = LOAD.matcher(rhs)).matches()) {
                return "ldx" + (mm.group(1).equals("s") ? "s" : "") + size(mm.group(2)) + " " + dst + ", "
                        + mem(mm.group(3), mm.group(4), mm.group(5));
            }
            if ((mm = Pattern.compile("^map\\[(\\w+)\\] ll$").matcher(rhs)).matches()) {
                return "lddw " + dst + ", map_by_fd(" + mm.group(1) + ")";
            }
            if ((mm = Pattern.compile("^map_value\\[(\\w+)\\](?: ?\\+ ?(\\w+))? ll$").matcher(rhs)).matches()) {
                return "lddw " + dst + ", map_val(map_by_fd(" + mm.group(1) + ")) + "
                        + (mm.group(2) == null ? 0 : num(mm.group(2)));
            }
            if ((mm = Pattern.compile("^func\\[(.+)\\] ll$").matcher(rhs)).matches()) {
                return "lddw " + dst + ", code_addr(" + target(mm.group(1)) + ")";
            }
            if ((mm = Pattern.compile("^(-?(?:0x[0-9a-fA-F]+|\\d+)) ll$").matcher(rhs)).matches()) {
                return "lddw " + dst + ", " + mm.group(1);
            }
            if (rhs.matches("-[rw]\\d+")) {
                return (w ? "neg32 " : "neg ") + dst;
            }
            if ((mm = Pattern.compile("^(be|le|bswap)(16|32|64) [rw]\\d+$").matcher(rhs)).matches()) {
                return mm.group(1) + mm.group(2) + " " + dst;
            }
            if ((mm = Pattern.compile("^\\(s(8|16|32)\\)[rw](\\d+)$").matcher(rhs)).matches()) {
                return "movsx" + mm.group(1) + (w ? "32 " : "64 ") + dst + ", r" + mm.group(2);
            }
            if (isReg(rhs)) {
                return (w ? "mov32 " : "mov ") + dst + ", " + reg(rhs);
            }
            return (w ? "mov32 " : "mov ") + dst + ", " + imm(rhs);
        }
        if ((m = ALU.matcher(l)).matches()) {
            String op = ALU_OPS.get(m.group(3));
            if (op == null) {
                throw new IllegalArgumentException("unknown operator " + m.group(3));
            }
            String src = isReg(m.group(4)) ? reg(m.group(4)) : imm(m.group(4));
            return op + (m.group(1).equals("w") ? "32" : "") + " r" + m.group(2) + ", " + src;
        }
        throw new IllegalArgumentException("not an instruction");
    }
}
