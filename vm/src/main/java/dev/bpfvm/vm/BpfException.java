package dev.bpfvm.vm;

/**
 * A runtime fault of a BPF program or a failed operation on a BPF object: a bad memory access,
 * an invalid instruction, an exhausted instruction budget, an unknown helper. It carries the
 * errno Linux would report, the instruction index, and, as layers add them, the program name
 * and the {@code file.c:line} source location.
 *
 * <p>The message reads {@code program NAME: insn PC (file.c:LINE): cause}.
 */
public class BpfException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Errno errno;
    private final String cause;
    private final int pc;
    private final String program;
    private final String sourceLine;

    public BpfException(Errno errno, String cause) {
        this(errno, cause, -1, null, null);
    }

    public BpfException(Errno errno, int pc, String cause) {
        this(errno, cause, pc, null, null);
    }

    protected BpfException(Errno errno, String cause, int pc, String program, String sourceLine) {
        super(compose(errno, cause, pc, program, sourceLine), null, false, false);
        this.errno = errno;
        this.cause = cause;
        this.pc = pc;
        this.program = program;
        this.sourceLine = sourceLine;
    }

    private static String compose(Errno errno, String cause, int pc, String program, String line) {
        StringBuilder sb = new StringBuilder();
        if (program != null) {
            sb.append("program ").append(program).append(": ");
        }
        if (pc >= 0) {
            sb.append("insn ").append(pc);
            if (line != null) {
                sb.append(" (").append(line).append(')');
            }
            sb.append(": ");
        }
        sb.append(cause);
        return sb.toString();
    }

    public Errno errno() {
        return errno;
    }

    /** The instruction index (slot) where the fault happened, or -1. */
    public int pc() {
        return pc;
    }

    public String program() {
        return program;
    }

    /** {@code file.c:line}, when line info is known. */
    public String sourceLine() {
        return sourceLine;
    }

    /** The message without the program/insn prefix. */
    public String reason() {
        return cause;
    }

    /** The same fault, with the instruction index set (if it was not). */
    public BpfException atPc(int newPc) {
        if (pc >= 0) {
            return this;
        }
        return new BpfException(errno, cause, newPc, program, sourceLine);
    }

    /** The same fault, naming the program and the source line (where not known yet). */
    public BpfException in(String programName, String line) {
        if (program != null) {
            return this;
        }
        return new BpfException(errno, cause, pc, programName, sourceLine != null ? sourceLine : line);
    }
}
