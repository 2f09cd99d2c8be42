package dev.bpfvm.verifier.explain;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Regroups a verifier log (level 1: the failing path) under its source lines. Every instruction line of
 * the log is printed, indented by four, under a {@code file.c:NN: source text} header taken from the
 * log's {@code ; source @ file.c:NN} lines; the last occurrence of the failing instruction is marked
 * with {@code >}. State lines, branch lines, the error line and the stats line are left out.
 */
public final class SourceGroupedLog {
    private static final Pattern SOURCE = Pattern.compile("^; (.*) @ (\\S+:\\d+)$");
    private static final Pattern INSN = Pattern.compile("^(\\d+): \\(");

    private SourceGroupedLog() {
    }

    /**
     * The grouped log; every line ends with a newline.
     *
     * @param log       a verifier log in the kernel's format
     * @param errorInsn the failing instruction, or -1 for none
     */
    public static String format(String log, int errorInsn) {
        String[] lines = log.split("\n");
        int mark = -1;
        for (int i = 0; i < lines.length; i++) {
            Matcher m = INSN.matcher(lines[i]);
            if (m.find() && Integer.parseInt(m.group(1)) == errorInsn) {
                mark = i;
            }
        }
        StringBuilder sb = new StringBuilder();
        String pending = null;
        boolean headed = false;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            Matcher src = SOURCE.matcher(line);
            if (src.find()) {
                pending = src.group(2) + ": " + src.group(1).strip();
                continue;
            }
            if (!INSN.matcher(line).find()) {
                continue;
            }
            if (pending != null) {
                sb.append(pending).append('\n');
                pending = null;
                headed = true;
            } else if (!headed) {
                sb.append("(no source line)\n");
                headed = true;
            }
            sb.append(i == mark ? "  > " : "    ").append(line).append('\n');
        }
        return sb.toString();
    }
}
