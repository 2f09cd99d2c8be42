package dev.bpfvm.verifier.explain;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** Maps a verifier rejection message, in Linux's wording, to its {@link RejectionKind}. */
public final class Rejections {
    private record Rule(Pattern pattern, RejectionKind kind) {
    }

    private static final List<Rule> RULES = List.of(
            rule("^R\\d+ invalid mem access '\\w*_or_null\\w*'", RejectionKind.NULL_CHECK_MISSING),
            rule("^R\\d+ pointer arithmetic on \\w*_or_null prohibited", RejectionKind.NULL_CHECK_MISSING),
            rule("^Possibly NULL pointer passed", RejectionKind.NULL_CHECK_MISSING),
            rule("^invalid access to map value", RejectionKind.MAP_BOUNDS_CHECK_MISSING),
            rule("^R\\d+ (min|max) value is outside of the allowed memory range", RejectionKind.MAP_BOUNDS_CHECK_MISSING),
            rule("^invalid access to packet", RejectionKind.PACKET_BOUNDS_CHECK_MISSING),
            rule("^R\\d+ offset is outside of the packet", RejectionKind.PACKET_BOUNDS_CHECK_MISSING),
            rule("^R\\d+ min value is negative", RejectionKind.INDEX_MAY_BE_NEGATIVE),
            rule("^R\\d+ unbounded memory access", RejectionKind.INDEX_MAY_BE_NEGATIVE),
            rule("^math between \\w+ pointer and register with unbounded", RejectionKind.INDEX_MAY_BE_NEGATIVE),
            rule("^invalid (indirect )?read from stack", RejectionKind.UNINITIALISED_STACK),
            rule("^invalid indirect access to stack", RejectionKind.UNINITIALISED_STACK),
            rule("^R\\d+ !read_ok", RejectionKind.UNINITIALISED_REGISTER),
            rule("^Unreleased reference", RejectionKind.UNRELEASED_REFERENCE),
            rule("^tail_call would lead to reference leak", RejectionKind.UNRELEASED_REFERENCE),
            rule("^infinite loop detected", RejectionKind.LOOP_NOT_BOUNDED),
            rule("^back-edge from insn", RejectionKind.LOOP_NOT_BOUNDED),
            rule("^unknown func ", RejectionKind.UNKNOWN_HELPER),
            rule("^program of this type cannot use helper", RejectionKind.HELPER_NOT_ALLOWED),
            rule("^At program exit the register R0 ", RejectionKind.BAD_RETURN_VALUE),
            rule("^R\\d+ type=\\w* expected=", RejectionKind.WRONG_ARGUMENT_TYPE),
            rule("^BPF program is too large", RejectionKind.PROGRAM_TOO_LARGE),
            rule("^invalid bpf_context access", RejectionKind.INVALID_CONTEXT_ACCESS),
            rule("^dereference of modified ctx ptr", RejectionKind.INVALID_CONTEXT_ACCESS));

    private Rejections() {
    }

    private static Rule rule(String regex, RejectionKind kind) {
        return new Rule(Pattern.compile(regex), kind);
    }

    /** The kind of the rejection with this message, or empty when it is not one of the common kinds. */
    public static Optional<RejectionKind> classify(String message) {
        if (message == null) {
            return Optional.empty();
        }
        for (Rule r : RULES) {
            if (r.pattern().matcher(message).find()) {
                return Optional.of(r.kind());
            }
        }
        return Optional.empty();
    }

    /**
     * The explanation of a rejection: {@code why: TITLE}, the paragraph, and {@code fix:} with the C idiom
     * indented by four spaces; every line ends with a newline. For a message of no known kind, one line
     * saying so.
     */
    public static String explain(String message) {
        Optional<RejectionKind> kind = classify(message);
        if (kind.isEmpty()) {
            return "why: no explanation for this message; see the log above\n";
        }
        RejectionKind k = kind.get();
        StringBuilder sb = new StringBuilder("why: ").append(k.title()).append('\n')
                .append(k.paragraph()).append('\n').append("fix:\n");
        for (String line : k.fix().split("\n", -1)) {
            sb.append(line.isEmpty() ? "" : "    " + line).append('\n');
        }
        return sb.toString();
    }
}
