package dev.bpfvm.vm.elf;

/** One symbol table entry. {@code shndx} is the section it is defined in (0 = undefined). */
public record ElfSymbol(int index, String name, long value, long size, int type, int bind,
                        int visibility, int shndx) {
    public static final int STT_NOTYPE = 0;
    public static final int STT_OBJECT = 1;
    public static final int STT_FUNC = 2;
    public static final int STT_SECTION = 3;
    public static final int STT_FILE = 4;

    public static final int STB_LOCAL = 0;
    public static final int STB_GLOBAL = 1;
    public static final int STB_WEAK = 2;

    public static final int STV_DEFAULT = 0;
    public static final int STV_HIDDEN = 2;

    public static final int SHN_UNDEF = 0;
    public static final int SHN_ABS = 0xfff1;
    public static final int SHN_COMMON = 0xfff2;

    public boolean isUndefined() {
        return shndx == SHN_UNDEF;
    }

    public boolean isWeak() {
        return bind == STB_WEAK;
    }

    public boolean isLocal() {
        return bind == STB_LOCAL;
    }

    public boolean isFunction() {
        return type == STT_FUNC;
    }

    public boolean isSection() {
        return type == STT_SECTION;
    }
}
