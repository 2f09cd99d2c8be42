package dev.bpfvm.vm.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A little-endian ELF64 relocatable object for machine {@code EM_BPF}, read strictly: every
 * offset, size and index is checked against the file before use, and anything out of range is
 * an {@link ElfFormatException} naming the file, the section and the offset. Immutable.
 */
public final class ElfFile {
    public static final int EM_BPF = 247;
    public static final int ET_REL = 1;
    private static final int EHDR_SIZE = 64;
    private static final int SHDR_SIZE = 64;
    private static final int SYM_SIZE = 24;
    private static final int REL_SIZE = 16;
    private static final int SHN_XINDEX = 0xffff;
    /** Refuse sections we would have to materialise beyond this size (a .bss of 2^60 bytes). */
    private static final long MAX_NOBITS = 1L << 28;

    private final String file;
    private final byte[] bytes;
    private final ByteBuffer buf;
    private final List<ElfSection> sections;
    private final ElfSection symtab;
    private final List<ElfSymbol> symbols;

    private ElfFile(String file, byte[] bytes) {
        this.file = file;
        this.bytes = bytes;
        this.buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        checkHeader();
        this.sections = readSections();
        this.symtab = findSymtab();
        this.symbols = symtab == null ? List.of() : readSymbols();
    }

    /** Parses {@code bytes} (not copied: the caller must not change them); {@code file} is used in messages. */
    public static ElfFile parse(String file, byte[] bytes) {
        return new ElfFile(file, bytes);
    }

    public String file() {
        return file;
    }

    public List<ElfSection> sections() {
        return sections;
    }

    /** The section with this index; an error naming {@code user} when out of range. */
    public ElfSection section(int index, String user) {
        if (index <= 0 || index >= sections.size()) {
            throw new ElfFormatException(file, user + ": section index " + index + " out of range (1.."
                    + (sections.size() - 1) + ")");
        }
        return sections.get(index);
    }

    /** The first section with this name, or null. */
    public ElfSection section(String name) {
        for (ElfSection s : sections) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    /** The symbol table, or an empty list when the object has none. */
    public List<ElfSymbol> symbols() {
        return symbols;
    }

    public ElfSymbol symbol(int index, String section, long offset) {
        if (index <= 0 || index >= symbols.size()) {
            throw new ElfFormatException(file, section, offset, "relocation refers to symbol index " + index
                    + " out of range (1.." + (symbols.size() - 1) + ")");
        }
        return symbols.get(index);
    }

    /** A copy of the section's contents; zeros for {@code SHT_NOBITS}. */
    public byte[] data(ElfSection s) {
        if (s.isNobits()) {
            return new byte[(int) s.size()];
        }
        return Arrays.copyOfRange(bytes, (int) s.offset(), (int) (s.offset() + s.size()));
    }

    /** The section's contents as a little-endian read-only buffer positioned at 0. */
    public ByteBuffer buffer(ElfSection s) {
        if (s.isNobits()) {
            return ByteBuffer.allocate((int) s.size()).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
        // slice() and asReadOnlyBuffer() reset the byte order: set it last
        return ByteBuffer.wrap(bytes, (int) s.offset(), (int) s.size()).slice().asReadOnlyBuffer()
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The {@code SHT_REL} entries that apply to {@code target}, sorted by offset. Each offset is
     * checked to lie inside the target.
     */
    public List<ElfReloc> relocations(ElfSection target) {
        List<ElfReloc> out = new ArrayList<>();
        for (ElfSection s : sections) {
            if (s.type() == ElfSection.SHT_RELA && s.info() == target.index()) {
                throw new ElfFormatException(file, s.name(), -1, "RELA relocations are not used by BPF objects");
            }
            if (s.type() != ElfSection.SHT_REL || s.info() != target.index()) {
                continue;
            }
            if (s.entsize() != REL_SIZE || s.size() % REL_SIZE != 0) {
                throw new ElfFormatException(file, s.name(), -1, "relocation entry size " + s.entsize()
                        + " / section size " + s.size() + " do not fit 16-byte entries");
            }
            if (s.link() != symtab.index()) {
                throw new ElfFormatException(file, s.name(), -1, "relocations refer to section " + s.link()
                        + ", not the symbol table");
            }
            for (long off = 0; off < s.size(); off += REL_SIZE) {
                int at = (int) (s.offset() + off);
                long rOffset = buf.getLong(at);
                long info = buf.getLong(at + 8);
                long sym = info >>> 32;
                int type = (int) info;
                if (rOffset < 0 || rOffset >= target.size()) {
                    throw new ElfFormatException(file, s.name(), off, "relocation offset 0x" + Long.toHexString(rOffset)
                            + " outside section '" + target.name() + "' (" + target.size() + " bytes)");
                }
                if (sym <= 0 || sym >= symbols.size()) {
                    throw new ElfFormatException(file, s.name(), off, "relocation refers to symbol index " + sym
                            + " out of range (1.." + (symbols.size() - 1) + ")");
                }
                out.add(new ElfReloc(rOffset, (int) sym, type));
            }
        }
        out.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        return Collections.unmodifiableList(out);
    }

    /** A NUL-terminated string at {@code offset} of string table {@code strtab}. */
    public String string(ElfSection strtab, long offset, String user) {
        if (strtab.type() != ElfSection.SHT_STRTAB) {
            throw new ElfFormatException(file, user + ": string table index " + strtab.index() + " ('"
                    + strtab.name() + "') is not a string table");
        }
        if (offset < 0 || offset >= strtab.size()) {
            throw new ElfFormatException(file, strtab.name(), offset, user + ": string offset " + offset
                    + " outside the string table (" + strtab.size() + " bytes)");
        }
        int start = (int) (strtab.offset() + offset);
        int end = (int) (strtab.offset() + strtab.size());
        for (int i = start; i < end; i++) {
            if (bytes[i] == 0) {
                return new String(bytes, start, i - start, StandardCharsets.UTF_8);
            }
        }
        throw new ElfFormatException(file, strtab.name(), offset, user + ": string is not NUL-terminated");
    }

    private void checkHeader() {
        if (bytes.length < 16 || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F') {
            throw new ElfFormatException(file, "not an ELF file (bad magic)");
        }
        if (bytes[4] == 1) {
            throw new ElfFormatException(file, "32-bit ELF is not supported: BPF objects are ELF64");
        }
        if (bytes[4] != 2) {
            throw new ElfFormatException(file, "unknown ELF class " + bytes[4]);
        }
        if (bytes[5] == 2) {
            throw new ElfFormatException(file, "big-endian ELF is not supported: only little-endian BPF objects (bpfel) are");
        }
        if (bytes[5] != 1) {
            throw new ElfFormatException(file, "unknown ELF data encoding " + bytes[5]);
        }
        if (bytes.length < EHDR_SIZE) {
            throw new ElfFormatException(file, "truncated ELF header: " + bytes.length + " bytes, need 64");
        }
        if (bytes[6] != 1) {
            throw new ElfFormatException(file, "unknown ELF version " + bytes[6]);
        }
        int type = buf.getShort(16) & 0xffff;
        int machine = buf.getShort(18) & 0xffff;
        if (machine != EM_BPF) {
            throw new ElfFormatException(file, "not a BPF object: ELF machine " + machine + machineName(machine)
                    + ", expected 247 (EM_BPF)");
        }
        if (type != ET_REL) {
            throw new ElfFormatException(file, "not a relocatable object: ELF type " + type + ", expected 1 (ET_REL)");
        }
    }

    private static String machineName(int machine) {
        switch (machine) {
            case 3: return " (x86)";
            case 62: return " (x86-64)";
            case 40: return " (ARM)";
            case 183: return " (AArch64)";
            case 243: return " (RISC-V)";
            default: return "";
        }
    }

    private List<ElfSection> readSections() {
        long shoff = buf.getLong(40);
        int shentsize = buf.getShort(58) & 0xffff;
        long shnum = buf.getShort(60) & 0xffff;
        int shstrndx = buf.getShort(62) & 0xffff;
        if (shoff == 0) {
            throw new ElfFormatException(file, "no section header table");
        }
        if (shentsize != SHDR_SIZE) {
            throw new ElfFormatException(file, "section header size " + shentsize + ", expected 64");
        }
        if (shoff < 0 || shoff > bytes.length - SHDR_SIZE) {
            throw new ElfFormatException(file, "section header table at 0x" + Long.toHexString(shoff)
                    + " is outside the file (" + bytes.length + " bytes)");
        }
        if (shnum == 0) {
            shnum = buf.getLong((int) shoff + 32);   // extended numbering: sh[0].sh_size
        }
        if (shstrndx == SHN_XINDEX) {
            shstrndx = buf.getInt((int) shoff + 40);  // sh[0].sh_link
        }
        if (shnum <= 0 || shnum > (bytes.length - shoff) / SHDR_SIZE) {
            throw new ElfFormatException(file, "section header table of " + shnum + " entries at 0x"
                    + Long.toHexString(shoff) + " does not fit in the file (" + bytes.length + " bytes)");
        }
        int n = (int) shnum;
        if (shstrndx <= 0 || shstrndx >= n) {
            throw new ElfFormatException(file, "section name table index " + shstrndx + " out of range (1.." + (n - 1) + ")");
        }
        long[][] raw = new long[n][];
        for (int i = 0; i < n; i++) {
            int at = (int) (shoff + (long) i * SHDR_SIZE);
            raw[i] = new long[] {
                buf.getInt(at) & 0xffffffffL,        // name
                buf.getInt(at + 4) & 0xffffffffL,    // type
                buf.getLong(at + 8),                 // flags
                buf.getLong(at + 24),                // offset
                buf.getLong(at + 32),                // size
                buf.getInt(at + 40) & 0xffffffffL,   // link
                buf.getInt(at + 44) & 0xffffffffL,   // info
                buf.getLong(at + 48),                // addralign
                buf.getLong(at + 56),                // entsize
            };
        }
        for (int i = 1; i < n; i++) {
            checkExtent(i, null, raw[i]);
        }
        long[] strRaw = raw[shstrndx];
        if (strRaw[1] != ElfSection.SHT_STRTAB) {
            throw new ElfFormatException(file, "section name table (section " + shstrndx + ") is not a string table");
        }
        ElfSection shstr = new ElfSection(shstrndx, ".shstrtab", ElfSection.SHT_STRTAB, strRaw[2], strRaw[3],
                strRaw[4], 0, 0, strRaw[7], strRaw[8]);
        List<ElfSection> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long[] r = raw[i];
            String name = i == 0 ? "" : string(shstr, r[0], "section " + i + " name");
            if (r[5] >= n || r[5] < 0) {
                throw new ElfFormatException(file, name, -1, "sh_link " + r[5] + " out of range (0.." + (n - 1) + ")");
            }
            out.add(new ElfSection(i, name, (int) r[1], r[2], r[3], r[4], (int) r[5], (int) r[6], r[7], r[8]));
        }
        return Collections.unmodifiableList(out);
    }

    private void checkExtent(int index, String name, long[] r) {
        long type = r[1];
        long offset = r[3];
        long size = r[4];
        String what = name != null ? name : "section " + index;
        if (size < 0) {
            throw new ElfFormatException(file, "section " + index + ": negative size");
        }
        if (type == ElfSection.SHT_NOBITS) {
            if (size > MAX_NOBITS) {
                throw new ElfFormatException(file, what + ": size " + size + " is too large");
            }
            return;
        }
        if (type == ElfSection.SHT_NULL) {
            return;
        }
        if (offset < 0 || offset > bytes.length || size > bytes.length - offset) {
            throw new ElfFormatException(file, what + ": data at offset 0x" + Long.toHexString(offset) + " size "
                    + size + " extends past the end of the file (" + bytes.length + " bytes)");
        }
    }

    private ElfSection findSymtab() {
        ElfSection found = null;
        for (ElfSection s : sections) {
            if (s.type() == ElfSection.SHT_SYMTAB) {
                if (found != null) {
                    throw new ElfFormatException(file, s.name(), -1, "more than one symbol table");
                }
                found = s;
            }
        }
        return found;
    }

    private List<ElfSymbol> readSymbols() {
        if (symtab.entsize() != SYM_SIZE || symtab.size() % SYM_SIZE != 0) {
            throw new ElfFormatException(file, symtab.name(), -1, "symbol entry size " + symtab.entsize()
                    + " / section size " + symtab.size() + " do not fit 24-byte entries");
        }
        ElfSection strtab = sections.get(symtab.link());
        int n = (int) (symtab.size() / SYM_SIZE);
        List<ElfSymbol> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int at = (int) (symtab.offset() + (long) i * SYM_SIZE);
            long nameOff = buf.getInt(at) & 0xffffffffL;
            int info = bytes[at + 4] & 0xff;
            int other = bytes[at + 5] & 0xff;
            int shndx = buf.getShort(at + 6) & 0xffff;
            long value = buf.getLong(at + 8);
            long size = buf.getLong(at + 16);
            String name = i == 0 ? "" : string(strtab, nameOff, "symbol " + i + " name");
            if (shndx != ElfSymbol.SHN_UNDEF && shndx < 0xff00 && shndx >= sections.size()) {
                throw new ElfFormatException(file, symtab.name(), (long) i * SYM_SIZE, "symbol '" + name
                        + "' is in section " + shndx + ", out of range (1.." + (sections.size() - 1) + ")");
            }
            out.add(new ElfSymbol(i, name, value, size, info & 0xf, info >>> 4, other & 0x3, shndx));
        }
        return Collections.unmodifiableList(out);
    }
}
