package dev.bpfvm.vm.elf;

import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.InsnCodec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Writes small ELF64 BPF relocatable objects for tests: sections, symbols, relocations. */
final class TestElf {
    record Sec(String name, int type, long flags, byte[] data, long nobitsSize) {}

    record Sym(String name, int shndx, long value, long size, int type, int bind) {}

    record Rel(int section, long offset, int symbol, int type) {}

    private final List<Sec> sections = new ArrayList<>();
    private final List<Sym> symbols = new ArrayList<>();
    private final List<Rel> rels = new ArrayList<>();
    int machine = ElfFile.EM_BPF;

    TestElf() {
        symbols.add(new Sym("", 0, 0, 0, 0, 0));
    }

    /** Adds a section; returns its index. */
    int section(String name, int type, long flags, byte[] data) {
        sections.add(new Sec(name, type, flags, data, data.length));
        return sections.size();
    }

    int code(String name, List<Insn> insns) {
        return section(name, ElfSection.SHT_PROGBITS, ElfSection.SHF_ALLOC | ElfSection.SHF_EXECINSTR,
                InsnCodec.encode(insns));
    }

    int data(String name, byte[] data) {
        return section(name, ElfSection.SHT_PROGBITS, ElfSection.SHF_ALLOC | ElfSection.SHF_WRITE, data);
    }

    int bss(String name, long size) {
        sections.add(new Sec(name, ElfSection.SHT_NOBITS, ElfSection.SHF_ALLOC | ElfSection.SHF_WRITE, new byte[0], size));
        return sections.size();
    }

    /** Adds a symbol; returns its index. */
    int symbol(String name, int shndx, long value, long size, int type, int bind) {
        symbols.add(new Sym(name, shndx, value, size, type, bind));
        return symbols.size() - 1;
    }

    int func(String name, int shndx, long slot, long slots, boolean global) {
        return symbol(name, shndx, slot * 8, slots * 8, ElfSymbol.STT_FUNC,
                global ? ElfSymbol.STB_GLOBAL : ElfSymbol.STB_LOCAL);
    }

    int sectionSymbol(int shndx) {
        return symbol("", shndx, 0, 0, ElfSymbol.STT_SECTION, ElfSymbol.STB_LOCAL);
    }

    void rel(int section, long offset, int symbol, int type) {
        rels.add(new Rel(section, offset, symbol, type));
    }

    byte[] build() {
        // layout: header, section data, rel sections, symtab, strtab, shstrtab, section headers
        List<Sec> all = new ArrayList<>(sections);
        List<Integer> relTargets = new ArrayList<>();
        for (Rel r : rels) {
            if (!relTargets.contains(r.section())) {
                relTargets.add(r.section());
            }
        }
        ByteArrayOutputStream strtab = new ByteArrayOutputStream();
        strtab.write(0);
        ByteBuffer symtab = ByteBuffer.allocate(24 * symbols.size()).order(ByteOrder.LITTLE_ENDIAN);
        // locals first, as ELF wants
        for (Sym s : symbols) {
            int nameOff = 0;
            if (!s.name().isEmpty()) {
                nameOff = strtab.size();
                strtab.writeBytes(s.name().getBytes(StandardCharsets.UTF_8));
                strtab.write(0);
            }
            symtab.putInt(nameOff).put((byte) (s.bind() << 4 | s.type())).put((byte) 0)
                    .putShort((short) s.shndx()).putLong(s.value()).putLong(s.size());
        }
        int symtabIndex = all.size() + relTargets.size() + 1;
        for (int target : relTargets) {
            ByteBuffer bb = ByteBuffer.allocate(16 * (int) rels.stream().filter(r -> r.section() == target).count())
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (Rel r : rels) {
                if (r.section() == target) {
                    bb.putLong(r.offset()).putLong((long) r.symbol() << 32 | (r.type() & 0xffffffffL));
                }
            }
            all.add(new Sec(".rel" + sections.get(target - 1).name(), ElfSection.SHT_REL, 0, bb.array(),
                    bb.capacity()));
        }
        all.add(new Sec(".symtab", ElfSection.SHT_SYMTAB, 0, symtab.array(), symtab.capacity()));
        all.add(new Sec(".strtab", ElfSection.SHT_STRTAB, 0, strtab.toByteArray(), strtab.size()));
        ByteArrayOutputStream shstr = new ByteArrayOutputStream();
        shstr.write(0);
        int[] nameOffs = new int[all.size() + 1];
        for (int i = 0; i < all.size(); i++) {
            nameOffs[i] = shstr.size();
            shstr.writeBytes(all.get(i).name().getBytes(StandardCharsets.UTF_8));
            shstr.write(0);
        }
        nameOffs[all.size()] = shstr.size();
        shstr.writeBytes(".shstrtab".getBytes(StandardCharsets.UTF_8));
        shstr.write(0);
        all.add(new Sec(".shstrtab", ElfSection.SHT_STRTAB, 0, shstr.toByteArray(), shstr.size()));

        ByteArrayOutputStream body = new ByteArrayOutputStream();
        long[] offsets = new long[all.size()];
        for (int i = 0; i < all.size(); i++) {
            while ((64 + body.size()) % 8 != 0) {
                body.write(0);
            }
            offsets[i] = 64 + body.size();
            body.writeBytes(all.get(i).data());
        }
        while ((64 + body.size()) % 8 != 0) {
            body.write(0);
        }
        long shoff = 64 + body.size();
        int shnum = all.size() + 1;
        ByteBuffer out = ByteBuffer.allocate((int) shoff + 64 * shnum).order(ByteOrder.LITTLE_ENDIAN);
        out.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        out.position(16);
        out.putShort((short) ElfFile.ET_REL).putShort((short) machine).putInt(1).putLong(0).putLong(0)
                .putLong(shoff).putInt(0).putShort((short) 64).putShort((short) 0).putShort((short) 0)
                .putShort((short) 64).putShort((short) shnum).putShort((short) (shnum - 1));
        out.position(64);
        out.put(body.toByteArray());
        out.position((int) shoff + 64);   // section 0 stays zero
        for (int i = 0; i < all.size(); i++) {
            Sec s = all.get(i);
            int link = 0;
            int info = 0;
            long entsize = 0;
            if (s.type() == ElfSection.SHT_REL) {
                link = symtabIndex;
                info = relTargets.get(i - sections.size());
                entsize = 16;
            } else if (s.type() == ElfSection.SHT_SYMTAB) {
                link = symtabIndex + 1;
                info = 1;
                entsize = 24;
            }
            out.putInt(nameOffs[i]).putInt(s.type()).putLong(s.flags()).putLong(0).putLong(offsets[i])
                    .putLong(s.nobitsSize()).putInt(link).putInt(info).putLong(8).putLong(entsize);
        }
        return out.array();
    }
}
