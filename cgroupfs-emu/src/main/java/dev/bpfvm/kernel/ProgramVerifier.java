package dev.bpfvm.kernel;

/**
 * The check {@code BPF_PROG_LOAD} runs before a program is accepted. The default accepts
 * everything; the verifier module plugs in here. A refusal throws {@link KernelException}
 * (EACCES or EINVAL, with the log in its message).
 */
@FunctionalInterface
public interface ProgramVerifier {
    ProgramVerifier ACCEPT_ALL = p -> {};

    void verify(LoadedProgram program);
}
