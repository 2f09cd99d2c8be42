package dev.bpfvm.vm.object;

import dev.bpfvm.vm.exec.SourceLine;

/** A line info record: instruction slot {@code insn} starts source line {@code line}. */
public record SourceRef(int insn, SourceLine line) {}
