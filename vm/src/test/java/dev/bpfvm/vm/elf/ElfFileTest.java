package dev.bpfvm.vm.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.isa.Insn;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ElfFileTest {
    private static final Insn EXIT = new Insn(0x95, 0, 0, 0, 0);
    private static final Insn MOV0 = new Insn(0xb7, 0, 0, 0, 0);

    private static byte[] small() {
        TestElf e = new TestElf();
        int s = e.code("socket", List.of(MOV0, EXIT));
        e.func("prog", s, 0, 2, true);
        return e.build();
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void readsSectionsSymbolsAndData() {
        ElfFile f = ElfFile.parse("t.o", small());
        assertThat(f.sections()).extracting(ElfSection::name)
                .containsExactly("", "socket", ".symtab", ".strtab", ".shstrtab");
        ElfSection s = f.section("socket");
        assertThat(s.isExecutable()).isTrue();
        assertThat(s.size()).isEqualTo(16);
        assertThat(f.data(s)).containsExactly(0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0);
        assertThat(f.symbols()).hasSize(2);
        ElfSymbol sym = f.symbols().get(1);
        assertThat(sym).isEqualTo(new ElfSymbol(1, "prog", 0, 16, ElfSymbol.STT_FUNC, ElfSymbol.STB_GLOBAL, 0, 1));
        assertThat(f.relocations(s)).isEmpty();
        assertThat(f.buffer(s).getInt(4)).isEqualTo(0);
        assertThat(f.buffer(s).get(0) & 0xff).isEqualTo(0xb7);
    }

    @Test
    void bufferIsLittleEndian() {
        TestElf e = new TestElf();
        e.data(".data", new byte[] {1, 2, 3, 4});
        ElfFile f = ElfFile.parse("t.o", e.build());
        assertThat(f.buffer(f.section(".data")).getInt(0)).isEqualTo(0x04030201);
    }

    @Test
    void relocationsAreReadAndChecked() {
        TestElf e = new TestElf();
        int s = e.code("socket", List.of(Insn.lddw(1, 0, 0), EXIT));
        e.func("prog", s, 0, 3, true);
        int m = e.data(".data", new byte[4]);
        int sym = e.symbol("v", m, 0, 4, ElfSymbol.STT_OBJECT, ElfSymbol.STB_GLOBAL);
        e.rel(s, 0, sym, ElfReloc.R_BPF_64_64);
        ElfFile f = ElfFile.parse("t.o", e.build());
        assertThat(f.relocations(f.section("socket"))).containsExactly(new ElfReloc(0, 2, ElfReloc.R_BPF_64_64));

        TestElf bad = new TestElf();
        int s2 = bad.code("socket", List.of(EXIT));
        bad.func("prog", s2, 0, 1, true);
        bad.rel(s2, 64, 1, ElfReloc.R_BPF_64_64);
        ElfFile f2 = ElfFile.parse("t.o", bad.build());
        assertThatThrownBy(() -> f2.relocations(f2.section("socket")))
                .isInstanceOf(ElfFormatException.class)
                .hasMessage("t.o: section '.relsocket' offset 0x0: relocation offset 0x40 outside section 'socket' (8 bytes)");

        TestElf bad2 = new TestElf();
        int s3 = bad2.code("socket", List.of(EXIT));
        bad2.func("prog", s3, 0, 1, true);
        bad2.rel(s3, 0, 7, ElfReloc.R_BPF_64_64);
        ElfFile f3 = ElfFile.parse("t.o", bad2.build());
        assertThatThrownBy(() -> f3.relocations(f3.section("socket")))
                .isInstanceOf(ElfFormatException.class)
                .hasMessage("t.o: section '.relsocket' offset 0x0: relocation refers to symbol index 7 out of range (1..1)");
    }

    @Test
    void rejectsNonElf() {
        assertThatThrownBy(() -> ElfFile.parse("x.o", "hello world, not elf".getBytes()))
                .isInstanceOf(ElfFormatException.class).hasMessage("x.o: not an ELF file (bad magic)");
        assertThatThrownBy(() -> ElfFile.parse("x.o", new byte[0]))
                .isInstanceOf(ElfFormatException.class).hasMessage("x.o: not an ELF file (bad magic)");
    }

    @Test
    void rejects32BitAndBigEndianAndOtherMachines() {
        byte[] b = small();
        b[4] = 1;
        assertThatThrownBy(() -> ElfFile.parse("x.o", b)).hasMessage("x.o: 32-bit ELF is not supported: BPF objects are ELF64");
        byte[] be = small();
        be[5] = 2;
        assertThatThrownBy(() -> ElfFile.parse("x.o", be))
                .hasMessage("x.o: big-endian ELF is not supported: only little-endian BPF objects (bpfel) are");
        TestElf e = new TestElf();
        e.machine = 62;
        assertThatThrownBy(() -> ElfFile.parse("x.o", e.build()))
                .isInstanceOf(ElfFormatException.class)
                .hasMessage("x.o: not a BPF object: ELF machine 62 (x86-64), expected 247 (EM_BPF)");
        byte[] exec = small();
        le(exec).putShort(16, (short) 2);
        assertThatThrownBy(() -> ElfFile.parse("x.o", exec))
                .hasMessage("x.o: not a relocatable object: ELF type 2, expected 1 (ET_REL)");
    }

    @Test
    void rejectsTruncatedFilesAndBadTables() {
        byte[] b = small();
        assertThatThrownBy(() -> ElfFile.parse("x.o", Arrays.copyOf(b, 40)))
                .hasMessage("x.o: truncated ELF header: 40 bytes, need 64");
        assertThatThrownBy(() -> ElfFile.parse("x.o", Arrays.copyOf(b, b.length - 10)))
                .isInstanceOf(ElfFormatException.class)
                .hasMessage("x.o: section header table of 5 entries at 0xb0 does not fit in the file ("
                        + (b.length - 10) + " bytes)");
        byte[] shoff = small();
        le(shoff).putLong(40, 1L << 40);
        assertThatThrownBy(() -> ElfFile.parse("x.o", shoff))
                .hasMessage("x.o: section header table at 0x10000000000 is outside the file (" + shoff.length + " bytes)");
        byte[] strndx = small();
        le(strndx).putShort(62, (short) 9);
        assertThatThrownBy(() -> ElfFile.parse("x.o", strndx))
                .hasMessage("x.o: section name table index 9 out of range (1..4)");
        byte[] entsize = small();
        le(entsize).putShort(58, (short) 40);
        assertThatThrownBy(() -> ElfFile.parse("x.o", entsize)).hasMessage("x.o: section header size 40, expected 64");
    }

    @Test
    void rejectsSectionDataPastTheEnd() {
        byte[] b = small();
        ByteBuffer bb = le(b);
        long shoff = bb.getLong(40);
        bb.putLong((int) shoff + 64 + 32, 1 << 20);   // section 1 size
        assertThatThrownBy(() -> ElfFile.parse("x.o", b))
                .isInstanceOf(ElfFormatException.class)
                .hasMessage("x.o: section 1: data at offset 0x40 size 1048576 extends past the end of the file ("
                        + b.length + " bytes)");
    }

    @Test
    void rejectsBadSymbolSectionIndexAndNames() {
        TestElf e = new TestElf();
        int s = e.code("socket", List.of(EXIT));
        e.func("prog", 9, 0, 1, true);
        assertThatThrownBy(() -> ElfFile.parse("x.o", e.build()))
                .isInstanceOf(ElfFormatException.class)
                .hasMessage("x.o: section '.symtab' offset 0x18: symbol 'prog' is in section 9, out of range (1..4)");
        byte[] b = small();
        ByteBuffer bb = le(b);
        long shoff = bb.getLong(40);
        bb.putInt((int) shoff + 64, 100000);   // section 1 name offset
        assertThatThrownBy(() -> ElfFile.parse("x.o", b))
                .hasMessageStartingWith("x.o: section '.shstrtab' offset 0x186a0: section 1 name: string offset 100000 outside the string table");
        assertThat(s).isEqualTo(1);
    }
}
