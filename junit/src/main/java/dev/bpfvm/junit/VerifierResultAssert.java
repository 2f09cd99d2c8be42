package dev.bpfvm.junit;

import dev.bpfvm.verifier.VerifierResult;
import dev.bpfvm.vm.exec.SourceLine;
import java.util.List;
import org.assertj.core.api.AbstractAssert;

/** Assertions on a verifier result; a failure shows the verifier log's tail. */
public final class VerifierResultAssert extends AbstractAssert<VerifierResultAssert, VerifierResult> {
    /** Log lines shown in a failure message at most. */
    static final int TAIL = 12;

    VerifierResultAssert(VerifierResult actual) {
        super(actual, VerifierResultAssert.class);
    }

    /** Linux would load the program. */
    public VerifierResultAssert isAccepted() {
        isNotNull();
        if (!actual.accepted()) {
            failWithMessage("%s", "Expected the program to be accepted, but the verifier rejected it: "
                    + actual.message() + where() + "\n" + tail());
        }
        return this;
    }

    /** The verifier rejected the program with an error line containing {@code message}. */
    public VerifierResultAssert isRejectedWith(String message) {
        isNotNull();
        if (actual.accepted()) {
            failWithMessage("%s", "Expected a rejection with \"" + message + "\", but the program was accepted ("
                    + actual.statsLine() + ")");
        }
        if (actual.message() == null || !actual.message().contains(message)) {
            failWithMessage("%s", "Expected a rejection with \"" + message + "\", but it was rejected with: "
                    + actual.message() + where() + "\n" + tail());
        }
        return this;
    }

    /** The rejection is about the instruction that came from {@code file:line} (file without directories). */
    public VerifierResultAssert atSourceLine(String file, int line) {
        isNotNull();
        SourceLine at = actual.errorLine();
        if (at == null || at.line() != line || !at.shortFile().equals(file)) {
            failWithMessage("%s", "Expected the rejection at " + file + ":" + line + ", but it is at "
                    + (at == null ? "no source line" : at.toString()) + where() + "\n" + tail());
        }
        return this;
    }

    private String where() {
        if (actual.errorInsn() < 0) {
            return "";
        }
        return " (insn " + actual.errorInsn() + (actual.errorLine() != null ? ", " + actual.errorLine() : "") + ")";
    }

    /** The last {@link #TAIL} lines of the log. */
    private String tail() {
        List<String> lines = actual.log().lines().toList();
        int from = Math.max(0, lines.size() - TAIL);
        return "verifier log" + (from > 0 ? " (last " + TAIL + " of " + lines.size() + " lines)" : "") + ":\n  "
                + String.join("\n  ", lines.subList(from, lines.size()));
    }
}
