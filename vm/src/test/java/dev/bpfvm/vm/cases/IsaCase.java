package dev.bpfvm.vm.cases;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One case of the table-driven instruction tests (format in
 * {@code src/test/resources/isa/README.md}): a program, optional input memory, and the expected
 * r0 or the expected fault. Shared by every tier's tests.
 */
public record IsaCase(String file, String name, int line, String asm, byte[] mem, Long result,
                      String error, Long budget) {

    /** Every case of every file in {@code isa/}, in a fixed order. */
    public static List<IsaCase> all() {
        List<IsaCase> out = new ArrayList<>();
        for (String f : FILES) {
            out.addAll(parse(f, read("/isa/" + f)));
        }
        return out;
    }

    public static final List<String> FILES = List.of(
            "alu64.bpftest", "alu32.bpftest", "divmod.bpftest", "shift.bpftest", "movsx.bpftest",
            "byteorder.bpftest", "loadstore.bpftest", "atomic.bpftest", "jmp.bpftest",
            "jmp32.bpftest", "call.bpftest", "fault.bpftest");

    private static String read(String resource) {
        try (InputStream in = IsaCase.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<IsaCase> parse(String file, String text) {
        List<IsaCase> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        String name = null;
        int start = 0;
        String section = null;
        StringBuilder asm = new StringBuilder();
        StringBuilder mem = new StringBuilder();
        StringBuilder result = new StringBuilder();
        StringBuilder error = new StringBuilder();
        StringBuilder budget = new StringBuilder();
        for (int i = 0; i <= lines.length; i++) {
            String l = i < lines.length ? lines[i].stripTrailing() : "== <end>";
            if (l.startsWith("== ")) {
                if (name != null) {
                    out.add(build(file, name, start, asm, mem, result, error, budget));
                }
                name = l.substring(3).trim();
                start = i + 1;
                section = null;
                asm.setLength(0);
                mem.setLength(0);
                result.setLength(0);
                error.setLength(0);
                budget.setLength(0);
                continue;
            }
            if (l.startsWith("-- ")) {
                section = l.substring(3).trim();
                continue;
            }
            if (section == null) {
                if (!l.isBlank() && !l.startsWith("#")) {
                    throw new IllegalArgumentException(file + ":" + (i + 1) + ": text outside a section: " + l);
                }
                continue;
            }
            switch (section) {
                case "asm" -> asm.append(l).append('\n');
                case "mem" -> mem.append(l).append(' ');
                case "result" -> result.append(l.trim());
                case "error" -> error.append(l.trim());
                case "budget" -> budget.append(l.trim());
                default -> throw new IllegalArgumentException(file + ":" + (i + 1) + ": unknown section " + section);
            }
        }
        return out;
    }

    private static IsaCase build(String file, String name, int line, StringBuilder asm, StringBuilder mem,
                                 StringBuilder result, StringBuilder error, StringBuilder budget) {
        byte[] bytes = null;
        String m = mem.toString().trim();
        if (!m.isEmpty()) {
            String[] tokens = m.split("\\s+");
            bytes = new byte[tokens.length];
            for (int i = 0; i < tokens.length; i++) {
                bytes[i] = (byte) Integer.parseInt(tokens[i], 16);
            }
        }
        Long r = result.length() == 0 ? null : parseNumber(result.toString());
        String e = error.length() == 0 ? null : error.toString();
        if ((r == null) == (e == null)) {
            throw new IllegalArgumentException(file + ":" + line + ": case '" + name + "' needs exactly one of result/error");
        }
        Long b = budget.length() == 0 ? null : Long.parseLong(budget.toString());
        return new IsaCase(file, name, line, asm.toString(), bytes, r, e, b);
    }

    static long parseNumber(String s) {
        if (s.startsWith("0x") || s.startsWith("0X")) {
            return Long.parseUnsignedLong(s.substring(2), 16);
        }
        return Long.parseLong(s);
    }

    /** Whether a fault's "ERRNO insn N: message" matches the expected pattern ({@code *} = a hex word). */
    public boolean errorMatches(String actual) {
        String[] parts = error.split("\\*", -1);
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                re.append("0x[0-9a-f]+");
            }
            re.append(Pattern.quote(parts[i]));
        }
        return Pattern.matches(re.toString(), actual);
    }

    @Override
    public String toString() {
        return file + ":" + line + " " + name;
    }
}
