package dev.bpfvm.verifier.explain;

import dev.bpfvm.verifier.VerifierResult;
import dev.bpfvm.verifier.VerifierTrace;
import dev.bpfvm.verifier.VerifierVisit;
import dev.bpfvm.vm.exec.SourceLine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The data of the verifier log explorer ({@code bpfvm verify --html}): per program, its instructions
 * grouped by source line, every visit of every instruction with the state it arrived with and the state
 * change the log shows after it, the level-2 log with each line tied to its instruction, the verdict with
 * the failing instruction and path, the {@link Rejections} explanation and the stats line. {@link #json}
 * gives it as one JSON document that is safe to embed in an HTML {@code <script>} element: {@code <},
 * {@code >}, {@code &} and the JavaScript line separators are escaped, so no text of the program (names,
 * source lines) can close the element or be read as markup.
 */
public final class LogExplorer {
    /**
     * One verified program.
     *
     * @param name    the program's name
     * @param section its ELF section, or null for raw code
     * @param type    its kernel program type name, e.g. {@code BPF_PROG_TYPE_XDP}
     * @param trace   its verification, best traced at log level 2 so that the log holds every visit
     */
    public record Program(String name, String section, String type, VerifierTrace trace) {
    }

    private static final Pattern INSN_LINE = Pattern.compile("^(\\d+): ");
    private static final Pattern FROM_LINE = Pattern.compile("^from (\\d+) to (\\d+)");
    private static final Pattern SOURCE_LINE = Pattern.compile("^; .* @ \\S+:\\d+$");
    /** Where a new register or stack slot starts in a state printed in the kernel's notation. */
    private static final Pattern STATE_SPLIT =
            Pattern.compile(" (?=(?:R\\d+|fp-?\\d+)(?:_w)?=|refs=|cb$|async_cb$|frame\\d+:)");

    private static final Pattern FRAME = Pattern.compile("frame\\d+:");

    private LogExplorer() {
    }

    /**
     * Splits a state in the kernel's notation into its registers and stack slots, e.g.
     * {@code R0_w=0 R1=ctx() R2=scalar(var_off=(0x0; 0xff))} into {@code R0_w=0}, {@code R1=ctx()},
     * {@code R2=scalar(var_off=(0x0; 0xff))}.
     */
    public static List<String> stateEntries(String state) {
        String s = state.strip();
        if (s.isEmpty()) {
            return List.of();
        }
        return List.of(STATE_SPLIT.split(s));
    }

    /** A visit's state without the {@code frameN:} prefix (the visit has its frame number). */
    private static List<String> frameState(String state) {
        List<String> e = stateEntries(state);
        return !e.isEmpty() && FRAME.matcher(e.get(0)).matches() ? e.subList(1, e.size()) : e;
    }

    /** The explorer's data for these programs, as one JSON object {@code {"programs": [...]}}. */
    public static String json(List<Program> programs) {
        Json j = new Json();
        j.raw("{\"programs\": [");
        for (int i = 0; i < programs.size(); i++) {
            if (i > 0) {
                j.raw(",\n");
            }
            program(j, programs.get(i));
        }
        j.raw("]}");
        return j.toString();
    }

    private static void program(Json j, Program p) {
        VerifierTrace t = p.trace();
        VerifierResult r = t.result();
        j.raw("{\"name\": ").str(p.name()).raw(", \"section\": ").str(p.section()).raw(", \"type\": ").str(p.type());
        j.raw(", \"verdict\": ").str(r.accepted() ? "accepted" : "rejected");
        j.raw(", \"message\": ").str(r.message());
        j.raw(", \"errno\": ").str(r.errno() != null ? r.errno().name() : null);
        j.raw(", \"errorInsn\": ").num(r.errorInsn());
        j.raw(", \"errorSource\": ").str(r.errorLine() != null ? r.errorLine().toString() : null);
        j.raw(", \"stats\": ").str(r.statsLine());
        explanation(j, r);

        // the source lines, each once, and per instruction slot the index of its line
        List<SourceLine> sources = new ArrayList<>();
        Map<String, Integer> sourceIndex = new HashMap<>();
        j.raw(",\n\"insns\": [");
        for (int pc = 0; pc < t.insns().size(); pc++) {
            if (pc > 0) {
                j.raw(", ");
            }
            SourceLine l = t.sources().get(pc);
            int src = -1;
            if (l != null) {
                String key = l.file() + ":" + l.line();
                Integer known = sourceIndex.get(key);
                if (known == null) {
                    known = sources.size();
                    sources.add(l);
                    sourceIndex.put(key, known);
                }
                src = known;
            }
            j.raw("[").str(t.insns().get(pc)).raw(", ").num(src).raw("]");
        }
        j.raw("],\n\"sources\": [");
        for (int i = 0; i < sources.size(); i++) {
            SourceLine l = sources.get(i);
            j.raw(i > 0 ? ", " : "").raw("[").str(l.shortFile()).raw(", ").num(l.line()).raw(", ")
                    .str(l.text() != null ? l.text().strip() : "").raw("]");
        }
        j.raw("]");

        List<VerifierVisit> visits = t.visits();
        Set<Integer> onPath = new HashSet<>();
        List<VerifierVisit> path = t.failingPath();
        if (!path.isEmpty()) {
            for (int i = visits.size() - 1; i >= 0; i = visits.get(i).parent()) {
                onPath.add(i);
            }
        }
        String log = r.log();
        List<Integer> lineStarts = lineStarts(log);
        // the visits the trace kept no state for are left out, and so is their stretch of the log
        int dropFrom = -1;
        int dropTo = -1;
        for (int i = 0; i < visits.size(); i++) {
            if (visits.get(i).state() == null) {
                if (dropFrom < 0) {
                    dropFrom = visits.get(i).logPos();
                }
                dropTo = i + 1 < visits.size() ? visits.get(i + 1).logPos() : log.length();
            }
        }
        LogView view = logView(log, lineStarts, dropFrom, dropTo, r);
        j.raw(",\n\"visits\": [");
        boolean first = true;
        for (int i = 0; i < visits.size(); i++) {
            VerifierVisit v = visits.get(i);
            if (v.state() == null && !onPath.contains(i)) {
                continue;
            }
            j.raw(first ? "" : ",\n");
            first = false;
            int line = lineAt(log, lineStarts, v.logPos());
            String after = v.pruned() || line < 0 ? null : after(log, lineStarts, line, v.insn(),
                    t.insns().get(v.insn()));
            j.raw("{\"n\": ").num(i).raw(", \"insn\": ").num(v.insn()).raw(", \"parent\": ").num(v.parent())
                    .raw(", \"from\": ").num(v.from()).raw(", \"pruned\": ").raw(v.pruned() ? "true" : "false")
                    .raw(", \"frame\": ").num(v.frame()).raw(", \"state\": ").strs(v.state() != null
                            ? frameState(v.state()) : null)
                    .raw(", \"after\": ").strs(after != null ? stateEntries(after) : null)
                    .raw(", \"line\": ").num(line >= 0 ? view.index()[line] : -1);
            j.raw("}");
        }
        j.raw("],\n\"path\": [");
        for (int i = 0; i < path.size(); i++) {
            j.raw(i > 0 ? ", " : "").num(path.get(i).insn());
        }
        j.raw("],\n\"pathVisits\": [");
        List<Integer> pv = new ArrayList<>(onPath);
        pv.sort(null);
        for (int i = 0; i < pv.size(); i++) {
            j.raw(i > 0 ? ", " : "").num(pv.get(i));
        }
        j.raw("]");
        j.raw(",\n\"log\": [");
        for (int i = 0; i < view.lines().size(); i++) {
            j.raw(i > 0 ? ",\n" : "").raw("[").str(view.lines().get(i)).raw(", ").num(view.insns().get(i)).raw("]");
        }
        j.raw("],\n\"errorLine\": ").num(view.errorLine());
        j.raw("}");
    }

    private static void explanation(Json j, VerifierResult r) {
        j.raw(", \"explain\": ");
        Optional<RejectionKind> kind = r.accepted() ? Optional.empty() : Rejections.classify(r.message());
        if (kind.isEmpty()) {
            j.raw("null");
            return;
        }
        RejectionKind k = kind.get();
        j.raw("{\"kind\": ").str(k.name()).raw(", \"title\": ").str(k.title()).raw(", \"paragraph\": ")
                .str(k.paragraph()).raw(", \"fix\": ").str(k.fix()).raw("}");
    }

    /**
     * The log's lines (a dropped stretch as one line), per line the instruction it is about (-1 for none),
     * per original line its index among the kept ones, and the error line's index (-1 for none).
     */
    private record LogView(List<String> lines, List<Integer> insns, int[] index, int errorLine) {
    }

    private static LogView logView(String log, List<Integer> starts, int dropFrom, int dropTo, VerifierResult r) {
        List<String> lines = new ArrayList<>();
        List<Integer> insns = new ArrayList<>();
        int[] index = new int[starts.size()];
        int marker = -1;
        int dropped = 0;
        for (int i = 0; i < starts.size(); i++) {
            int s = starts.get(i);
            if (dropFrom >= 0 && s >= dropFrom && s < dropTo) {
                if (marker < 0) {
                    marker = lines.size();
                    lines.add("");
                    insns.add(-1);
                }
                dropped++;
                index[i] = marker;
                continue;
            }
            String text = lineText(log, starts, i);
            index[i] = lines.size();
            lines.add(text);
            insns.add(lineInsn(text));
        }
        if (marker >= 0) {
            lines.set(marker, "... " + dropped + " lines of the log left out (visits traced without their state) ...");
        }
        // a source line belongs to the instruction after it
        for (int i = lines.size() - 2; i >= 0; i--) {
            if (SOURCE_LINE.matcher(lines.get(i)).find()) {
                insns.set(i, insns.get(i + 1));
            }
        }
        int error = -1;
        if (!r.accepted() && r.message() != null) {
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (lines.get(i).equals(r.message())) {
                    error = i;
                    insns.set(i, r.errorInsn());
                    break;
                }
            }
        }
        return new LogView(lines, insns, index, error);
    }

    private static int lineInsn(String text) {
        Matcher from = FROM_LINE.matcher(text);
        if (from.find()) {
            return Integer.parseInt(from.group(2));
        }
        Matcher m = INSN_LINE.matcher(text);
        if (m.find()) {
            return Integer.parseInt(m.group(1));
        }
        return -1;
    }

    /** Line {@code i} of the log without its newline. */
    private static String lineText(String log, List<Integer> starts, int i) {
        int s = starts.get(i);
        int end = i + 1 < starts.size() ? starts.get(i + 1) - 1 : log.length();
        if (end > s && log.charAt(end - 1) == '\n') {
            end--;
        }
        return log.substring(s, Math.max(s, end));
    }

    private static List<Integer> lineStarts(String log) {
        List<Integer> starts = new ArrayList<>();
        int s = 0;
        while (s < log.length()) {
            starts.add(s);
            int nl = log.indexOf('\n', s);
            if (nl < 0) {
                break;
            }
            s = nl + 1;
        }
        return starts;
    }

    /** The line a visit's log position is on; a pruned visit's {@code \nfrom X to Y: safe} is on the next. */
    private static int lineAt(String log, List<Integer> starts, int pos) {
        if (pos < 0 || pos >= log.length()) {
            return -1;
        }
        if (log.charAt(pos) == '\n' && pos + 1 < log.length()) {
            pos++;
        }
        int lo = 0;
        int hi = starts.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (starts.get(mid) <= pos) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** The state change printed after an instruction on its line ({@code ; R0_w=0}), or null. */
    private static String after(String log, List<Integer> starts, int line, int insn, String text) {
        String l = lineText(log, starts, line);
        String prefix = insn + ": " + text;
        if (text == null || !l.startsWith(prefix)) {
            return null;
        }
        String rest = l.substring(prefix.length()).strip();
        return rest.startsWith(";") ? rest.substring(1).strip() : null;
    }

    /** A JSON writer whose strings are safe inside an HTML script element. */
    private static final class Json {
        private final StringBuilder sb = new StringBuilder();

        Json raw(String s) {
            sb.append(s);
            return this;
        }

        Json num(int n) {
            sb.append(n);
            return this;
        }

        Json str(String s) {
            if (s == null) {
                sb.append("null");
                return this;
            }
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\t' -> sb.append("\\t");
                    case '<', '>', '&', '\u2028', '\u2029' -> sb.append(String.format("\\u%04x", (int) c));
                    default -> {
                        if (c < 0x20 || c == 0x7f) {
                            sb.append(String.format("\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                    }
                }
            }
            sb.append('"');
            return this;
        }

        Json strs(List<String> list) {
            if (list == null) {
                sb.append("null");
                return this;
            }
            sb.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                str(list.get(i));
            }
            sb.append(']');
            return this;
        }

        @Override
        public String toString() {
            return sb.toString();
        }
    }
}
