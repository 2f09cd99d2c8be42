package dev.bpfvm.vm.object;

import dev.bpfvm.vm.LoaderException;

/**
 * A relocation that cannot be applied: against an unknown or unsupported symbol, at an
 * instruction of the wrong kind, to a missing map, kfunc or kernel symbol. Names the file, the
 * program or section, the instruction index and, when known, the source line.
 */
public final class RelocationException extends LoaderException {
    private static final long serialVersionUID = 1L;

    private final String program;
    private final int insn;

    public RelocationException(String file, String program, int insn, String sourceLine, String what) {
        super(file, where(program, insn, sourceLine) + what);
        this.program = program;
        this.insn = insn;
    }

    private static String where(String program, int insn, String line) {
        StringBuilder sb = new StringBuilder();
        if (program != null) {
            sb.append(program);
            if (insn >= 0) {
                sb.append(": insn ").append(insn);
                if (line != null) {
                    sb.append(" (").append(line).append(')');
                }
            }
            sb.append(": ");
        }
        return sb.toString();
    }

    /** The program (or "section 'x'") the relocation belongs to, or null. */
    public String program() {
        return program;
    }

    /** The instruction index (slot), or -1. */
    public int insn() {
        return insn;
    }
}
