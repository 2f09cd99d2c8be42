package dev.bpfvm.vm.asm;

/** The eleven eBPF registers, for the {@link Asm} builder. {@link #R10} is the read-only frame pointer. */
public enum Reg {
    R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10;

    /** The register number as encoded in an instruction. */
    public int num() {
        return ordinal();
    }

    /** The register with this number (0..10). */
    public static Reg of(int num) {
        if (num < 0 || num > 10) {
            throw new IllegalArgumentException("no register r" + num);
        }
        return values()[num];
    }
}
