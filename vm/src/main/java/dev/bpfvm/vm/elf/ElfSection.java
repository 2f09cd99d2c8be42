package dev.bpfvm.vm.elf;

/** One entry of the section header table. Offsets and sizes are in bytes. */
public record ElfSection(int index, String name, int type, long flags, long offset, long size,
                         int link, int info, long align, long entsize) {
    public static final int SHT_NULL = 0;
    public static final int SHT_PROGBITS = 1;
    public static final int SHT_SYMTAB = 2;
    public static final int SHT_STRTAB = 3;
    public static final int SHT_RELA = 4;
    public static final int SHT_NOBITS = 8;
    public static final int SHT_REL = 9;

    public static final long SHF_WRITE = 0x1;
    public static final long SHF_ALLOC = 0x2;
    public static final long SHF_EXECINSTR = 0x4;

    public boolean isExecutable() {
        return type == SHT_PROGBITS && (flags & SHF_EXECINSTR) != 0;
    }

    public boolean isWritable() {
        return (flags & SHF_WRITE) != 0;
    }

    public boolean isNobits() {
        return type == SHT_NOBITS;
    }
}
