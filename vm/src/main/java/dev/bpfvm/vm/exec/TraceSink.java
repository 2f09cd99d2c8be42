package dev.bpfvm.vm.exec;

import dev.bpfvm.vm.isa.Insn;

/**
 * Receives what a run does, for step traces and the trace pipe. Libraries never print; they
 * hand things here.
 */
public interface TraceSink {
    /**
     * Before the first instruction of a traced run (or of a callback it runs), with the initial
     * register file (do not keep it). Only called when steps are traced.
     */
    default void enter(Program program, int pc, long[] regs) {}

    /** After each executed instruction, with the register file as it now is (do not keep it). */
    default void step(Program program, int pc, Insn insn, long[] regs) {}

    /** A line written by {@code bpf_trace_printk} and friends (without the trailing newline). */
    default void printk(String line) {}

    TraceSink NONE = new TraceSink() {};
}
