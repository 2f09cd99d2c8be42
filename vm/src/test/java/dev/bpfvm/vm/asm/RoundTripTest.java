package dev.bpfvm.vm.asm;

import static dev.bpfvm.vm.isa.Opcodes.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.InsnCheck;
import dev.bpfvm.vm.isa.InsnCodec;
import dev.bpfvm.vm.isa.Opcodes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** asm text → bytes → Insn → asm text → the same bytes, over the whole opcode table. */
class RoundTripTest {
    private static final int[] REGS = {0, 1, 10, 11};
    private static final int[] OFFS = {0, 1, -8, 16, 32, Short.MIN_VALUE};
    private static final int[] IMMS = {0, 1, -1, 16, 64, 0x41, 0xf1, Integer.MIN_VALUE, -65537};
    private static final int[] IMM2S = {0, 1, -1, 0x11223344};

    /** Every field combination of the grid for one opcode. */
    private static List<Insn> grid(int op) {
        List<Insn> out = new ArrayList<>();
        for (int dst : REGS) {
            for (int src : REGS) {
                for (int off : OFFS) {
                    for (int imm : IMMS) {
                        if (op == LDDW) {
                            for (int imm2 : IMM2S) {
                                out.add(new Insn(op, dst, src, off, imm, imm2));
                            }
                        } else {
                            out.add(new Insn(op, dst, src, off, imm));
                        }
                    }
                }
            }
            for (int src = 0; src <= 7; src++) {                 // every ld_imm64 and call src
                out.add(op == LDDW ? new Insn(op, dst, src, 0, 3, 0) : new Insn(op, dst, src, 0, 3));
            }
        }
        return out;
    }

    /**
     * An ld_imm64 the kernel accepts but whose pseudo form has no place for the second imm or the
     * offset; these print as {@code .insn}.
     */
    private static boolean lddwWithoutForm(Insn i) {
        return i.isLddw() && (i.off() != 0 || (i.imm2() != 0 && i.src() != 0 && i.src() != PSEUDO_MAP_VALUE
                && i.src() != PSEUDO_MAP_IDX_VALUE));
    }

    @Test
    void everyValidOpcodeRoundTripsAndValidInstructionsGetReadableText() {
        Map<Integer, Integer> readable = new TreeMap<>();
        for (int op : Opcodes.validOpcodes()) {
            readable.put(op, 0);
            List<Insn> insns = grid(op);
            StringBuilder text = new StringBuilder();
            for (Insn i : insns) {
                String s = Disassembler.asm(i);
                if (InsnCheck.check(i) == null && !lddwWithoutForm(i)) {
                    if (s.startsWith(".insn")) {
                        fail("valid instruction %s printed raw: %s", Disassembler.raw(i), s);
                    }
                    readable.merge(op, 1, Integer::sum);
                }
                text.append(s).append('\n');
            }
            List<Insn> back = Assembler.assemble(text.toString());
            assertThat(back).as("opcode 0x%02x", op).isEqualTo(insns);
            assertThat(InsnCodec.encode(back)).isEqualTo(InsnCodec.encode(insns));
        }
        assertThat(readable).allSatisfy((op, n) -> assertThat(n).as("valid forms of 0x%02x", op).isPositive());
        assertThat(readable).hasSize(Opcodes.validOpcodes().length);
    }

    @Test
    void everyAtomicMovsxLdsxSignedDivAndCallSrcHasItsOwnText() {
        List<String> texts = new ArrayList<>();
        for (int size : new int[] {W, DW}) {
            for (int imm : new int[] {0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1}) {
                texts.add(Disassembler.asm(new Insn(STX | ATOMIC | size, 1, 2, -8, imm)));
            }
        }
        for (int[] f : new int[][] {{0xbf, 8}, {0xbf, 16}, {0xbf, 32}, {0xbc, 8}, {0xbc, 16}}) {
            texts.add(Disassembler.asm(new Insn(f[0], 3, 4, f[1], 0)));
        }
        for (int op : new int[] {0x91, 0x89, 0x81}) {
            texts.add(Disassembler.asm(new Insn(op, 3, 4, 2, 0)));
        }
        for (int op : new int[] {0x37, 0x3f, 0x34, 0x3c, 0x97, 0x9f, 0x94, 0x9c}) {
            boolean x = (op & X) != 0;
            texts.add(Disassembler.asm(new Insn(op, 5, x ? 6 : 0, 1, x ? 0 : -3)));
        }
        for (int src = 0; src <= 2; src++) {
            texts.add(Disassembler.asm(new Insn(CALL_IMM, 0, src, 0, 7)));
        }
        texts.add(Disassembler.asm(new Insn(CALLX, 2, 0, 0, 0)));
        assertThat(texts).containsExactly(
                "lock add32 [%r1-8], %r2", "lock fetch add32 [%r1-8], %r2",
                "lock or32 [%r1-8], %r2", "lock fetch or32 [%r1-8], %r2",
                "lock and32 [%r1-8], %r2", "lock fetch and32 [%r1-8], %r2",
                "lock xor32 [%r1-8], %r2", "lock fetch xor32 [%r1-8], %r2",
                "lock xchg32 [%r1-8], %r2", "lock cmpxchg32 [%r1-8], %r2",
                "lock add [%r1-8], %r2", "lock fetch add [%r1-8], %r2",
                "lock or [%r1-8], %r2", "lock fetch or [%r1-8], %r2",
                "lock and [%r1-8], %r2", "lock fetch and [%r1-8], %r2",
                "lock xor [%r1-8], %r2", "lock fetch xor [%r1-8], %r2",
                "lock xchg [%r1-8], %r2", "lock cmpxchg [%r1-8], %r2",
                "movsx864 %r3, %r4", "movsx1664 %r3, %r4", "movsx3264 %r3, %r4",
                "movsx832 %r3, %r4", "movsx1632 %r3, %r4",
                "ldxsb %r3, [%r4+2]", "ldxsh %r3, [%r4+2]", "ldxsw %r3, [%r4+2]",
                "sdiv %r5, -3", "sdiv %r5, %r6", "sdiv32 %r5, -3", "sdiv32 %r5, %r6",
                "smod %r5, -3", "smod %r5, %r6", "smod32 %r5, -3", "smod32 %r5, %r6",
                "call 7", "call local +7", "call runtime 7",
                "callx %r2");
        for (String t : texts) {
            assertThat(Disassembler.asm(Assembler.assembleOne(t))).isEqualTo(t);
        }
    }

    @Test
    void goldenAsmText() {
        assertThat(Disassembler.asm(new Insn(0x61, 0, 1, 4, 0))).isEqualTo("ldxw %r0, [%r1+4]");
        assertThat(Disassembler.asm(new Insn(0x7a, 10, 0, -8, 0x44332211))).isEqualTo("stdw [%r10-8], 0x44332211");
        assertThat(Disassembler.asm(Insn.lddw(1, 0, 0x1122334455667788L))).isEqualTo("lddw %r1, 0x1122334455667788");
        assertThat(Disassembler.asm(Insn.lddw(1, 0, -1))).isEqualTo("lddw %r1, -1");
        assertThat(Disassembler.asm(Insn.lddw(1, 2, 5 | (16L << 32)))).isEqualTo("lddw %r1, map_val(map_by_fd(5)) + 16");
        assertThat(Disassembler.asm(Insn.lddw(1, 1, 5 | (16L << 32)))).isEqualTo(".insn 0x18, 1, 1, 0, 0x1000000005");
        assertThat(Disassembler.asm(new Insn(0x15, 1, 0, 3, 0))).isEqualTo("jeq %r1, 0, +3");
        assertThat(Disassembler.asm(new Insn(0x5e, 1, 0, -2, 0))).isEqualTo("jne32 %r1, %r0, -2");
        assertThat(Disassembler.asm(new Insn(0x54, 1, 0, 0, 0xffff0000))).isEqualTo("and32 %r1, 0xffff0000");
        assertThat(Disassembler.asm(new Insn(0x06, 0, 0, 0, -70000))).isEqualTo("ja32 -70000");
        assertThat(Disassembler.asm(new Insn(0xd7, 3, 0, 0, 32))).isEqualTo("bswap32 %r3");
        assertThat(Disassembler.asm(new Insn(0x40, 0, 3, 0, 2))).isEqualTo("ldindw %r3, 2");
        assertThat(Disassembler.asm(new Insn(0x0f, 1, 2, 0, 5))).isEqualTo(".insn 0x0f, 1, 2, 0, 5");
        assertThat(Disassembler.asm(new Insn(0xff, 15, 15, -1, -1))).isEqualTo(".insn 0xff, 15, 15, -1, -1");
        assertThat(Disassembler.asm(new Insn(0x85, 0, 0, 0, 1),
                Disassembler.Symbols.helpers(id -> id == 1 ? "bpf_map_lookup_elem" : null)))
                .isEqualTo("call bpf_map_lookup_elem");
    }

    @Test
    void randomInstructionsOfAnyOpcodeRoundTrip() {
        Random rnd = new Random(9669);
        List<Insn> insns = new ArrayList<>();
        for (int n = 0; n < 5000; n++) {
            int op = rnd.nextInt(256);
            int dst = rnd.nextInt(16);
            int src = rnd.nextInt(16);
            int off = (short) rnd.nextInt();
            int imm = rnd.nextBoolean() ? rnd.nextInt() : rnd.nextInt(70) - 3;
            insns.add(op == LDDW ? new Insn(op, dst, src, off, imm, rnd.nextInt()) : new Insn(op, dst, src, off, imm));
        }
        StringBuilder text = new StringBuilder();
        for (Insn i : insns) {
            text.append(Disassembler.asm(i)).append('\n');
        }
        assertThat(Assembler.assemble(text.toString())).isEqualTo(insns);
    }

    @Test
    void programPrintsLabelsAtTargetsAndRoundTrips() {
        List<Insn> p = List.of(
                new Insn(0xb7, 0, 0, 0, 0),          // 0
                new Insn(0x07, 0, 0, 0, 1),          // 1  L1
                Insn.lddw(2, 0, 1L << 32),           // 2-3
                new Insn(0xa5, 0, 0, -4, 10),        // 4  → 1
                new Insn(0x85, 0, 1, 0, 3),          // 5  → 9
                new Insn(0x05, 0, 0, 1, 0),          // 6  → 8
                new Insn(0x06, 0, 0, 0, 100),        // 7  → 108: outside, stays numeric
                new Insn(0x95, 0, 0, 0, 0),          // 8  L8
                Insn.lddw(1, PSEUDO_FUNC, 1),        // 9-10 L9, code_addr → 9 + 1 + 1 = 11
                new Insn(0x05, 0, 0, -9, 0),         // 11 L11 → 3: second half of lddw, numeric
                new Insn(0x05, 0, 0, 0, 0));         // 12 → 13 = end of program
        String text = Disassembler.program(p);
        assertThat(text).isEqualTo(String.join("\n",
                "mov %r0, 0",
                "L1:",
                "add %r0, 1",
                "lddw %r2, 0x100000000",
                "jlt %r0, 10, L1",
                "call local L9",
                "ja L8",
                "ja32 +100",
                "L8:",
                "exit",
                "L9:",
                "lddw %r1, code_addr(L11)",
                "L11:",
                "ja -9",
                "ja L13",
                "L13:",
                ""));
        assertThat(Assembler.assemble(text)).isEqualTo(p);
    }
}
