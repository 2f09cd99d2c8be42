package dev.bpfvm.verifier;

/**
 * The verdict of a program type on one context access: what a load yields.
 *
 * @param type      the register type a load produces (SCALAR_VALUE for plain fields)
 * @param flags     type modifiers of that register (e.g. MAYBE_NULL, TRUSTED)
 * @param btf       for PTR_TO_BTF_ID results, the struct pointed to
 * @param fieldSize the full size of the field when a narrower load is allowed, else 0
 * @param memSize   for PTR_TO_MEM results, the size of the memory pointed to
 */
public record ContextAccess(RegType type, int flags, KernelType btf, int fieldSize, int memSize) {
    public ContextAccess(RegType type, int flags, KernelType btf, int fieldSize) {
        this(type, flags, btf, fieldSize, 0);
    }

    public static final ContextAccess SCALAR = new ContextAccess(RegType.SCALAR_VALUE, 0, null, 0);

    public static ContextAccess scalar(int fieldSize) {
        return new ContextAccess(RegType.SCALAR_VALUE, 0, null, fieldSize);
    }

    public static ContextAccess of(RegType type) {
        return new ContextAccess(type, 0, null, 0);
    }

    /** A pointer to {@code memSize} bytes of plain memory (PTR_TO_MEM, RDONLY in {@code flags} if read-only). */
    public static ContextAccess mem(int flags, int memSize) {
        return new ContextAccess(RegType.PTR_TO_MEM, flags, null, 0, memSize);
    }

    public static ContextAccess btf(KernelType t, int flags) {
        return new ContextAccess(RegType.PTR_TO_BTF_ID, flags, t, 0);
    }
}
