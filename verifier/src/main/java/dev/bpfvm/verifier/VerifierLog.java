package dev.bpfvm.verifier;

import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.SourceLine;

/**
 * The verifier log buffer ({@code struct bpf_verifier_log}): appends, resets to an earlier
 * position when a branch is abandoned at level 1, and the column alignment of state comments.
 */
final class VerifierLog {
    /** BPF_LOG_ALIGNMENT and BPF_LOG_MIN_ALIGNMENT. */
    private static final int ALIGNMENT = 40;
    private static final int MIN_ALIGNMENT = 8;

    private final StringBuilder buf = new StringBuilder();
    final int level;
    private final Program prog;

    /** Where the last instruction line started, for appending its state comment. */
    int prevLogPos;
    /** Length of the last instruction line including its newline. */
    int prevInsnPrintPos;
    private SourceLine prevLine;

    VerifierLog(int level, Program prog) {
        this.level = level;
        this.prog = prog;
    }

    /** Whether instruction traces are wanted (BPF_LOG_LEVEL1 or 2). */
    boolean traces() {
        return level >= 1;
    }

    boolean level2() {
        return level >= 2;
    }

    void append(String s) {
        if (level >= 1) {
            buf.append(s);
        }
    }

    /** Error text goes into the log at every level. */
    void appendError(String s) {
        buf.append(s);
    }

    int pos() {
        return buf.length();
    }

    void reset(int pos) {
        if (pos < buf.length()) {
            buf.setLength(pos);
        }
    }

    /** The padding print_insn_state puts before {@code ;}. */
    static int alignment(int pos) {
        int v = Math.max(pos + MIN_ALIGNMENT / 2, ALIGNMENT);
        int rounded = (v + MIN_ALIGNMENT - 1) / MIN_ALIGNMENT * MIN_ALIGNMENT;
        return rounded - pos - 1;
    }

    void resetLineInfo() {
        prevLine = null;
    }

    /**
     * verbose_linfo: before an instruction, its source line as {@code ; text @ file.c:NN}, once
     * per line.
     */
    void lineInfo(int pc, String prefix) {
        if (level < 1) {
            return;
        }
        SourceLine l;
        try {
            l = prog.sourceLine(pc);
        } catch (RuntimeException e) {
            l = null;
        }
        if (l == null || l.equals(prevLine)) {
            return;
        }
        if (prevLine != null && prevLine.file().equals(l.file()) && prevLine.line() == l.line()) {
            return;
        }
        buf.append(prefix);
        String text = l.text() != null ? l.text().stripLeading() : "";
        buf.append(text).append(" @ ").append(l.shortFile()).append(':').append(l.line()).append('\n');
        prevLine = l;
    }

    /** Error-level line info (printed even at level 0 is not wanted; only with traces). */
    void errorLineInfo(int pc, String prefix) {
        lineInfo(pc, prefix);
    }

    String text() {
        return buf.toString();
    }
}
