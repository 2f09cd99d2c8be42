package dev.bpfvm.vm.jit;

/** What happens when a program cannot be compiled: it stays interpreted, and then... */
public enum InterpreterFallback {
    /** ...nothing else (the reason is still recorded in {@code Program.tierNote()}). */
    SILENT,
    /** ...the reason also goes to the warning sink of {@link JitOptions}. */
    WARN,
    /** ...the run that needed the compiled code fails with the {@link JitException}. */
    FAIL
}
