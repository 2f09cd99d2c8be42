package dev.bpfvm.vm.elf;

/**
 * One {@code SHT_REL} entry: at byte {@code offset} of the target section, relocation
 * {@code type} against symbol {@code symbol}.
 */
public record ElfReloc(long offset, int symbol, int type) {
    /** ld_imm64 against a map, data or function symbol. */
    public static final int R_BPF_64_64 = 1;
    public static final int R_BPF_64_ABS64 = 2;
    public static final int R_BPF_64_ABS32 = 3;
    public static final int R_BPF_64_NODYLD32 = 4;
    /** BPF-to-BPF call (and kfunc call). */
    public static final int R_BPF_64_32 = 10;
}
