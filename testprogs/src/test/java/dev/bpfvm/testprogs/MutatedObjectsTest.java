package dev.bpfvm.testprogs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.bpfvm.vm.LoaderException;
import dev.bpfvm.vm.btf.KernelBtf;
import dev.bpfvm.vm.elf.ElfFile;
import dev.bpfvm.vm.elf.ElfLoader;
import dev.bpfvm.vm.elf.ElfSection;
import dev.bpfvm.vm.object.Linker;
import dev.bpfvm.vm.object.ObjectSpec;
import dev.bpfvm.vm.object.ProgramSpec;
import dev.bpfvm.vm.object.SymbolResolver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A corpus of bad objects made by mutating the good ones (seeded, so every run sees the same
 * files): truncations and corrupted bytes and words in the ELF header, the section table, the
 * symbol table, relocations, code, .BTF and .BTF.ext. Every one must either load (and link) or
 * be rejected with a loader exception — nothing else may escape, nothing may hang — and the
 * loader's catch-all for unexpected failures must never be what rejects it.
 */
class MutatedObjectsTest {
    private static final int[] WORDS = {0, 1, -1, 2, 7, 8, 0x7fffffff, 0x80000000, 0xffff, 0x10000, 24, 64, 0x100000};

    private static final SymbolResolver RESOLVER = new SymbolResolver() {
        @Override
        public long mapAddress(String map) {
            return 0x1_0000_0000L;
        }

        @Override
        public long mapValueAddress(String map) {
            return 0x2_0000_0000L;
        }

        @Override
        public OptionalLong ksymAddress(String name) {
            return OptionalLong.of(0x1000);
        }

        @Override
        public OptionalInt kfuncBtfId(String name) {
            int id = KernelBtf.funcId(name);
            return id > 0 ? OptionalInt.of(id) : OptionalInt.empty();
        }
    };

    /** Outcome counts, by kind. */
    private final TreeMap<String, Integer> outcomes = new TreeMap<>();
    private final List<String> catchAll = new ArrayList<>();

    private void check(String what, byte[] bytes) {
        String kind;
        try {
            ObjectSpec o = ElfLoader.load(what, bytes);
            Linker linker = new Linker(o, RESOLVER, KernelBtf.get());
            for (ProgramSpec p : o.programs()) {
                linker.link(p);
            }
            kind = "loaded";
        } catch (LoaderException e) {
            kind = e.getClass().getSimpleName();
            if (e.detail().startsWith("malformed object (")) {
                catchAll.add(what + ": " + e.getMessage());
            }
            assertThat(e.getMessage()).as(what).startsWith(what + ": ");
        } catch (Throwable t) {
            throw new AssertionError(what + ": escaped " + t, t);
        }
        outcomes.merge(kind, 1, Integer::sum);
    }

    /** [start, end) byte ranges of the interesting parts of a good object. */
    private static List<long[]> regions(byte[] good) {
        List<long[]> out = new ArrayList<>();
        out.add(new long[] {0, 64});
        ElfFile f = ElfFile.parse("good.o", good);
        ByteBuffer bb = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = bb.getLong(40);
        out.add(new long[] {shoff, shoff + 64L * f.sections().size()});
        for (ElfSection s : f.sections()) {
            boolean interesting = s.type() == ElfSection.SHT_SYMTAB || s.type() == ElfSection.SHT_REL
                    || s.name().equals(".BTF") || s.name().equals(".BTF.ext") || s.isExecutable()
                    || s.name().equals(".maps") || s.name().equals("maps") || s.name().equals(".strtab");
            if (interesting && !s.isNobits() && s.size() > 0) {
                // the first 4 KiB of big sections: headers and early records are where structure lives
                out.add(new long[] {s.offset(), s.offset() + Math.min(s.size(), 4096)});
            }
        }
        return out;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyMutationLoadsOrIsRejectedCleanly() {
        Random rnd = new Random(0xb9f_2024L);
        int files = 0;
        for (String name : TestObjects.names()) {
            if (name.matches(".*\\.(v[124]|clang1[56])\\.o")) {
                continue;   // the other builds have the same structure (clang-14 and no -g builds differ)
            }
            byte[] good = TestObjects.bytes(name);
            check(name, good);
            int mutations = name.contains("vmlinux") ? 100 : 220;
            // truncations
            for (int i = 0; i < 25; i++) {
                int len = i < 10 ? i * 7 : rnd.nextInt(good.length);
                check(name + "#trunc" + len, Arrays.copyOf(good, len));
                files++;
            }
            List<long[]> regions = regions(good);
            for (int i = 0; i < mutations; i++) {
                byte[] b = good.clone();
                long[] r = regions.get(rnd.nextInt(regions.size()));
                int at = (int) (r[0] + rnd.nextInt((int) (r[1] - r[0])));
                String how;
                switch (rnd.nextInt(3)) {
                    case 0:
                        b[at] = (byte) rnd.nextInt(256);
                        how = "byte";
                        break;
                    case 1:
                        b[at] ^= (byte) (1 << rnd.nextInt(8));
                        how = "bit";
                        break;
                    default:
                        at &= ~3;
                        if (at + 4 > b.length) {
                            at = b.length - 4;
                        }
                        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, WORDS[rnd.nextInt(WORDS.length)]);
                        how = "word";
                        break;
                }
                check(name + "#" + how + "@" + at, b);
                files++;
            }
        }
        if (!catchAll.isEmpty()) {
            fail(catchAll.size() + " mutated objects were rejected only by the catch-all:\n"
                    + String.join("\n", catchAll.subList(0, Math.min(20, catchAll.size()))));
        }
        assertThat(files).isGreaterThan(1500);
        // the corpus must exercise all three kinds of rejection, and some mutations are harmless
        assertThat(outcomes).containsKeys("loaded", "ElfFormatException", "BtfException", "RelocationException");
    }
}
