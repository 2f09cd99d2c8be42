package dev.bpfvm.vm.asm;

/**
 * Assembler input that is not a program: an unknown mnemonic, a bad operand, an undefined or
 * duplicate label, a value that does not fit its field. The message reads
 * {@code line N: reason}, e.g. {@code line 7: unknown mnemonic 'movv'}.
 */
public class AsmException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final int line;
    private final String text;
    private final String reason;

    public AsmException(int line, String text, String reason) {
        super(line > 0 ? "line " + line + ": " + reason : reason);
        this.line = line;
        this.text = text;
        this.reason = reason;
    }

    /** The 1-based line number of the offending line, or 0 when not known. */
    public int line() {
        return line;
    }

    /** The offending source line as written (without its line terminator). */
    public String text() {
        return text;
    }

    /** The message without the {@code line N: } prefix. */
    public String reason() {
        return reason;
    }
}
