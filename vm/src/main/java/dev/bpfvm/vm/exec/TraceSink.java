package dev.bpfvm.vm.exec;

import dev.bpfvm.vm.isa.Insn;

/**
 * Receives what a run does, for step traces and the trace pipe. Libraries never print; they
 * hand things here.
 */
public interface TraceSink {
    /** After each executed instruction, with the register file as it now is (do not keep it). */
    default void step(Program program, int pc, Insn insn, long[] regs) {}

    /** A line written by {@code bpf_trace_printk} and friends (without the trailing newline). */
    default void printk(String line) {}

    TraceSink NONE = new TraceSink() {};
}
