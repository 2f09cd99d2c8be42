package dev.bpfvm.vm.jit;

/** A program the JIT could not compile (it then stays interpreted, unless the policy is FAIL). */
public class JitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String program;

    public JitException(String program, String reason, Throwable cause) {
        super("program " + program + ": cannot compile: " + reason, cause);
        this.program = program;
    }

    public String program() {
        return program;
    }
}
