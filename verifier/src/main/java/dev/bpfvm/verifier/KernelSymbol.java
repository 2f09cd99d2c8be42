package dev.bpfvm.verifier;

/**
 * A kernel symbol a {@code BPF_PSEUDO_BTF_ID} {@code ld_imm64} loads the address of (an
 * {@code extern ... __ksym} variable or function), as {@code check_pseudo_btf_id} types it: a
 * function or a non-struct variable gives read-only memory of the variable's size, a struct
 * variable a {@code PTR_TO_BTF_ID}, a per-CPU variable a per-CPU {@code PTR_TO_BTF_ID}.
 *
 * @param name     the symbol
 * @param function it is a function (0 bytes of read-only memory)
 * @param struct   for a struct variable, its type; else null
 * @param size     for other variables, the size of their type; -1 for a {@link #missing} symbol
 * @param percpu   a per-CPU variable
 */
public record KernelSymbol(String name, boolean function, KernelType struct, long size, boolean percpu) {
    public static KernelSymbol function(String name) {
        return new KernelSymbol(name, true, null, 0, false);
    }

    public static KernelSymbol variable(String name, long size) {
        return new KernelSymbol(name, false, null, size, false);
    }

    /** A weak symbol the kernel does not have: libbpf turns its load into the constant 0. */
    public static KernelSymbol missing(String name) {
        return new KernelSymbol(name, false, null, -1, false);
    }

    public boolean isMissing() {
        return !function && struct == null && size < 0;
    }

    public static KernelSymbol structVariable(String name, KernelType type, boolean percpu) {
        return new KernelSymbol(name, false, type, type.size(), percpu);
    }
}
