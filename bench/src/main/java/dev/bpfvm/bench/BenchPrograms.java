package dev.bpfvm.bench;

import dev.bpfvm.vm.asm.Assembler;
import dev.bpfvm.vm.exec.Tier;
import dev.bpfvm.vm.isa.Insn;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The compute-bound programs the benchmarks run, in our assembler's syntax, each with its input
 * memory and a plain-Java version of the same algorithm (the baseline). Every program takes
 * r1 = memory, r2 = length.
 */
public final class BenchPrograms {
    private BenchPrograms() {}

    /** Sieve size in bytes: counts the primes below it. */
    public static final int SIEVE_SIZE = 8192;
    /** Bytes the checksum reads. */
    public static final int CHECKSUM_SIZE = 4096;
    /** Bytes the copy moves (its memory is twice as large). */
    public static final int COPY_SIZE = 4096;

    /**
     * Sieve of Eratosthenes over the memory (one byte per number, cleared first, since memory
     * is not reset between runs); returns the number of primes below the length.
     */
    public static final String SIEVE_SOURCE = """
                mov r6, r1              # sieve
                mov r7, r2              # n
                mov r3, 0
            clear:
                jge r3, r7, cleared
                mov r4, r6
                add r4, r3
                stb [r4+0], 0
                add r3, 1
                ja clear
            cleared:
                mov r0, 0               # count
                mov r3, 2               # i
            outer:
                jge r3, r7, done
                mov r4, r6
                add r4, r3
                ldxb r5, [r4+0]
                jne r5, 0, next         # composite
                add r0, 1
                mov r8, r3
                mul r8, r3              # j = i * i
            mark:
                jge r8, r7, next
                mov r4, r6
                add r4, r8
                stb [r4+0], 1
                add r8, r3
                ja mark
            next:
                add r3, 1
                ja outer
            done:
                exit
            """;

    /** Adler-32 of the memory, byte by byte, with two modulo operations per byte. */
    public static final String ADLER32_SOURCE = """
                mov r3, 1               # a
                mov r4, 0               # b
                mov r5, 0               # i
            loop:
                jge r5, r2, done
                mov r0, r1
                add r0, r5
                ldxb r0, [r0+0]
                add r3, r0
                mod r3, 65521
                add r4, r3
                mod r4, 65521
                add r5, 1
                ja loop
            done:
                mov r0, r4
                lsh r0, 16
                or r0, r3
                exit
            """;

    /** Copies the first half of the memory into the second half byte by byte; returns the count. */
    public static final String COPY_SOURCE = """
                mov r3, r2
                rsh r3, 1               # half
                mov r4, 0               # i
            loop:
                jge r4, r3, done
                mov r5, r1
                add r5, r4
                ldxb r0, [r5+0]
                add r5, r3
                stxb [r5+0], r0
                add r4, 1
                ja loop
            done:
                mov r0, r4
                exit
            """;

    public static final List<Insn> SIEVE = Assembler.assemble(SIEVE_SOURCE);
    public static final List<Insn> ADLER32 = Assembler.assemble(ADLER32_SOURCE);
    public static final List<Insn> COPY = Assembler.assemble(COPY_SOURCE);

    /** Bytes of each string strcmp compares (its memory holds both). */
    public static final int STRCMP_SIZE = 4096;
    /** Bytes (one operation each) the switch dispatcher runs over. */
    public static final int SWITCH_SIZE = 4096;

    /**
     * strcmp of the two halves of the memory, byte by byte until they differ or end in NUL;
     * returns the difference of the first differing bytes (the inputs differ in the last one).
     */
    public static final String STRCMP_SOURCE = """
            mov r3, r2
            rsh r3, 1             # half: where string b starts
            mov r4, 0             # i
            loop:
            jge r4, r3, equal
            mov r5, r1
            add r5, r4
            ldxb r6, [r5]         # a[i]
            add r5, r3
            ldxb r7, [r5]         # b[i]
            jne r6, r7, differ
            jeq r6, 0, equal
            add r4, 1
            ja loop
            differ:
            mov r0, r6
            sub r0, r7
            exit
            equal:
            mov r0, 0
            exit
            """;
    public static final List<Insn> STRCMP = Assembler.assemble(STRCMP_SOURCE);

    /**
     * A byte-code dispatcher: for each input byte, operation {@code byte & 7} updates an
     * accumulator; the switch is a binary tree of compares, as clang lowers a dense switch
     * for BPF (which has no indirect jumps).
     */
    public static final String SWITCH_SOURCE = """
            mov r0, 0             # acc
            mov r3, 0             # i
            loop:
            jge r3, r2, done
            mov r4, r1
            add r4, r3
            ldxb r5, [r4]
            and r5, 7
            jgt r5, 3, high
            jgt r5, 1, c23
            jeq r5, 1, c1
            add r0, r3            # 0: acc += i
            ja next
            c1:
            mov r6, r3            # 1: acc ^= i << 1
            lsh r6, 1
            xor r0, r6
            ja next
            c23:
            jeq r5, 3, c3
            mul r0, 3             # 2: acc *= 3
            ja next
            c3:
            sub r0, 7             # 3: acc -= 7
            ja next
            high:
            jgt r5, 5, c67
            jeq r5, 5, c5
            mov r6, r0            # 4: rotate right by 1
            rsh r6, 1
            lsh r0, 63
            or r0, r6
            ja next
            c5:
            add r0, 25            # 5: acc += 25
            ja next
            c67:
            jeq r5, 7, c7
            or r0, 1              # 6: acc |= 1
            ja next
            c7:
            and r0, -2            # 7: acc &= ~1
            next:
            add r3, 1
            ja loop
            done:
            exit
            """;
    public static final List<Insn> SWITCH = Assembler.assemble(SWITCH_SOURCE);

    /** Input of strcmp: two equal NUL-free strings but for the last byte. */
    public static byte[] strcmpInput() {
        byte[] b = new byte[2 * STRCMP_SIZE];
        Random r = new Random(11);
        for (int i = 0; i < STRCMP_SIZE; i++) {
            b[i] = (byte) (1 + r.nextInt(255));
            b[STRCMP_SIZE + i] = b[i];
        }
        b[2 * STRCMP_SIZE - 1] = (byte) (b[STRCMP_SIZE - 1] == 1 ? 2 : 1);
        return b;
    }

    /** Input of the switch dispatcher: fixed pseudo-random operation bytes. */
    public static byte[] switchInput() {
        byte[] b = new byte[SWITCH_SIZE];
        new Random(5).nextBytes(b);
        return b;
    }

    /** Input of the checksum: fixed pseudo-random bytes. */
    public static byte[] checksumInput() {
        byte[] b = new byte[CHECKSUM_SIZE];
        new Random(42).nextBytes(b);
        return b;
    }

    /** Input of the copy: pseudo-random first half, zero second half. */
    public static byte[] copyInput() {
        byte[] b = new byte[2 * COPY_SIZE];
        byte[] half = new byte[COPY_SIZE];
        new Random(7).nextBytes(half);
        System.arraycopy(half, 0, b, 0, COPY_SIZE);
        return b;
    }

    /** One assembler program with its input and Java baseline. */
    public record AsmProgram(String name, List<Insn> insns, Supplier<byte[]> input,
                             Supplier<ToLongFunction<byte[]>> baseline) implements BenchCase {
        @Override
        public BenchVm vm(Tier tier) {
            return new BenchVm(name, insns, input.get(), tier);
        }
    }

    /** Every program, as {@link JitBench} runs them. */
    public static final List<AsmProgram> ALL = List.of(
            new AsmProgram("sieve", SIEVE, () -> new byte[SIEVE_SIZE], () -> BenchPrograms::sieve),
            new AsmProgram("adler32", ADLER32, BenchPrograms::checksumInput, () -> BenchPrograms::adler32),
            new AsmProgram("copy", COPY, BenchPrograms::copyInput, () -> BenchPrograms::copy),
            new AsmProgram("strcmp", STRCMP, BenchPrograms::strcmpInput, () -> BenchPrograms::strcmp),
            new AsmProgram("switch", SWITCH, BenchPrograms::switchInput, () -> BenchPrograms::dispatch));

    /** The program named {@code name}. */
    public static AsmProgram byName(String name) {
        for (AsmProgram p : ALL) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no benchmark program " + name);
    }

    // ---------------------------------------------------------------- plain-Java baselines

    public static long sieve(byte[] s) {
        int n = s.length;
        java.util.Arrays.fill(s, (byte) 0);
        long count = 0;
        for (long i = 2; i < n; i++) {
            if (s[(int) i] != 0) {
                continue;
            }
            count++;
            for (long j = i * i; j < n; j += i) {
                s[(int) j] = 1;
            }
        }
        return count;
    }

    public static long adler32(byte[] m) {
        long a = 1;
        long b = 0;
        for (byte x : m) {
            a = (a + (x & 0xff)) % 65521;
            b = (b + a) % 65521;
        }
        return b << 16 | a;
    }

    public static long strcmp(byte[] m) {
        int half = m.length >>> 1;
        for (int i = 0; i < half; i++) {
            int a = m[i] & 0xff;
            int b = m[half + i] & 0xff;
            if (a != b) {
                return a - b;
            }
            if (a == 0) {
                return 0;
            }
        }
        return 0;
    }

    public static long dispatch(byte[] m) {
        long acc = 0;
        for (int i = 0; i < m.length; i++) {
            switch (m[i] & 7) {
                case 0: acc += i; break;
                case 1: acc ^= (long) i << 1; break;
                case 2: acc *= 3; break;
                case 3: acc -= 7; break;
                case 4: acc = acc >>> 1 | acc << 63; break;
                case 5: acc += 25; break;
                case 6: acc |= 1; break;
                default: acc &= -2; break;
            }
        }
        return acc;
    }

    public static long copy(byte[] m) {
        int half = m.length >>> 1;
        int i = 0;
        for (; i < half; i++) {
            m[half + i] = m[i];
        }
        return i;
    }
}
