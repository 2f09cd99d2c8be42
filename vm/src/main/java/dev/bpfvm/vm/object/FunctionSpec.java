package dev.bpfvm.vm.object;

/**
 * A function inside a program's instructions: the program's main function first, then each
 * subprogram linked in. {@code start} and {@code length} count slots; {@code btfId} is its BTF
 * FUNC id in the object's BTF (0 without BTF).
 */
public record FunctionSpec(String name, String section, int start, int length, int btfId, boolean global) {
    public boolean contains(int insn) {
        return insn >= start && insn < start + length;
    }
}
