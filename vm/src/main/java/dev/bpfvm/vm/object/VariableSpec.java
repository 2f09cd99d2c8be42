package dev.bpfvm.vm.object;

/** A global variable in a data section: where it lives in that section's map value. */
public record VariableSpec(String name, String section, int offset, int size, String type, int btfId, boolean global) {}
