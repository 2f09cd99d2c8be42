package dev.bpfvm.vm.exec;

/**
 * Decides when programs are compiled; installed on a {@link BpfRuntime} by a compiling tier.
 * Without one every program is interpreted.
 */
public interface Tiering {
    /**
     * Called before a program without compiled code runs from {@link ExecContext#run} (or is
     * entered by a tail call from compiled code); {@code runs} counts such runs, from 1. May
     * compile and install code synchronously (this run then uses it) or schedule a background
     * compilation; must never block on a compilation in progress.
     */
    void interpreting(Program p, long runs);
}
