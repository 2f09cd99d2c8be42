package dev.bpfvm.vm.asm;

import static dev.bpfvm.vm.asm.Assembler.assemble;
import static dev.bpfvm.vm.asm.Assembler.assembleOne;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.InsnCodec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class AssemblerTest {

    private static Insn insn(int op, int dst, int src, int off, int imm) {
        return new Insn(op, dst, src, off, imm);
    }

    /** One line of text → the exact fields, written out by hand from RFC 9669's tables. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        // ALU64, imm and reg
        "add %r1, 2             | 0x07 | 1 | 0 | 0 | 2",
        "add r1, r2             | 0x0f | 1 | 2 | 0 | 0",
        "sub %r3, -1            | 0x17 | 3 | 0 | 0 | -1",
        "mul %r0, %r9           | 0x2f | 0 | 9 | 0 | 0",
        "div %r0, 3             | 0x37 | 0 | 0 | 0 | 3",
        "sdiv %r0, 3            | 0x37 | 0 | 0 | 1 | 3",
        "sdiv %r0, %r1          | 0x3f | 0 | 1 | 1 | 0",
        "or %r4, 0xF0           | 0x47 | 4 | 0 | 0 | 240",
        "and %r4, 0xffffffff    | 0x57 | 4 | 0 | 0 | -1",
        "lsh %r1, 60            | 0x67 | 1 | 0 | 0 | 60",
        "rsh %r1, %r2           | 0x7f | 1 | 2 | 0 | 0",
        "neg %r5                | 0x87 | 5 | 0 | 0 | 0",
        "mod %r1, 7             | 0x97 | 1 | 0 | 0 | 7",
        "smod %r1, %r7          | 0x9f | 1 | 7 | 1 | 0",
        "xor %r8, %r8           | 0xaf | 8 | 8 | 0 | 0",
        "mov %r0, -10           | 0xb7 | 0 | 0 | 0 | -10",
        "mov %r0, %r10          | 0xbf | 0 | 10 | 0 | 0",
        "mov64 %r0, 1           | 0xb7 | 0 | 0 | 0 | 1",
        "arsh %r2, 0x2          | 0xc7 | 2 | 0 | 0 | 2",
        // ALU32
        "add32 %r1, 2           | 0x04 | 1 | 0 | 0 | 2",
        "sub32 %r1, %r2         | 0x1c | 1 | 2 | 0 | 0",
        "sdiv32 %r1, -3         | 0x34 | 1 | 0 | 1 | -3",
        "smod32 %r1, %r2        | 0x9c | 1 | 2 | 1 | 0",
        "neg32 %r1              | 0x84 | 1 | 0 | 0 | 0",
        "mov32 %r1, 0x80000000  | 0xb4 | 1 | 0 | 0 | -2147483648",
        "arsh32 %r1, %r3        | 0xcc | 1 | 3 | 0 | 0",
        // sign-extending moves
        "movsx864 %r0, %r1      | 0xbf | 0 | 1 | 8 | 0",
        "movsx1664 %r0, %r1     | 0xbf | 0 | 1 | 16 | 0",
        "movsx3264 %r0, %r1     | 0xbf | 0 | 1 | 32 | 0",
        "movsx832 %r0, %r1      | 0xbc | 0 | 1 | 8 | 0",
        "movsx1632 %r0, %r1     | 0xbc | 0 | 1 | 16 | 0",
        // byte order
        "le16 %r1               | 0xd4 | 1 | 0 | 0 | 16",
        "le64 %r1               | 0xd4 | 1 | 0 | 0 | 64",
        "be32 %r1               | 0xdc | 1 | 0 | 0 | 32",
        "bswap16 %r2            | 0xd7 | 2 | 0 | 0 | 16",
        "bswap64 %r2            | 0xd7 | 2 | 0 | 0 | 64",
        "swap32 %r2             | 0xd7 | 2 | 0 | 0 | 32",
        // memory
        "ldxb %r0, [%r1]        | 0x71 | 0 | 1 | 0 | 0",
        "ldxh %r0, [%r1+2]      | 0x69 | 0 | 1 | 2 | 0",
        "ldxw %r0, [%r1 + 4]    | 0x61 | 0 | 1 | 4 | 0",
        "ldxdw %r0, [%r10-8]    | 0x79 | 0 | 10 | -8 | 0",
        "ldxsb %r0, [%r1+1]     | 0x91 | 0 | 1 | 1 | 0",
        "ldxsh %r0, [%r1+0x10]  | 0x89 | 0 | 1 | 16 | 0",
        "ldxsw %r0, [%r1+0xfffe] | 0x81 | 0 | 1 | -2 | 0",
        "stb [%r10-1], 0xff     | 0x72 | 10 | 0 | -1 | 255",
        "sth [%r1+2], -2        | 0x6a | 1 | 0 | 2 | -2",
        "stw [%r10-4], 0        | 0x62 | 10 | 0 | -4 | 0",
        "stdw [%r10-8], 0x44332211 | 0x7a | 10 | 0 | -8 | 1144201745",
        "stxb [%r1], %r2        | 0x73 | 1 | 2 | 0 | 0",
        "stxh [%r1+6], %r2      | 0x6b | 1 | 2 | 6 | 0",
        "stxw [%r1-6], %r2      | 0x63 | 1 | 2 | -6 | 0",
        "stxdw [%r10-16], %r9   | 0x7b | 10 | 9 | -16 | 0",
        // atomics
        "lock add [%r10-8], %r1          | 0xdb | 10 | 1 | -8 | 0x00",
        "lock fetch add [%r10-8], %r1    | 0xdb | 10 | 1 | -8 | 0x01",
        "lock or32 [%r1+4], %r2          | 0xc3 | 1 | 2 | 4 | 0x40",
        "lock fetch or32 [%r1+4], %r2    | 0xc3 | 1 | 2 | 4 | 0x41",
        "lock and [%r1], %r2             | 0xdb | 1 | 2 | 0 | 0x50",
        "lock fetch and32 [%r1], %r2     | 0xc3 | 1 | 2 | 0 | 0x51",
        "lock xor [%r1], %r2             | 0xdb | 1 | 2 | 0 | 0xa0",
        "lock fetch xor [%r1], %r2       | 0xdb | 1 | 2 | 0 | 0xa1",
        "lock xchg [%r1], %r2            | 0xdb | 1 | 2 | 0 | 0xe1",
        "lock xchg32 [%r1], %r2          | 0xc3 | 1 | 2 | 0 | 0xe1",
        "lock cmpxchg [%r1-8], %r2       | 0xdb | 1 | 2 | -8 | 0xf1",
        "lock cmpxchg32 [%r1], %r2       | 0xc3 | 1 | 2 | 0 | 0xf1",
        "LOCK FETCH ADD32 [%R1], %R2     | 0xc3 | 1 | 2 | 0 | 0x01",
        // legacy packet loads
        "ldabsb 3               | 0x30 | 0 | 0 | 0 | 3",
        "ldabsh 0x10            | 0x28 | 0 | 0 | 0 | 16",
        "ldabsw 12              | 0x20 | 0 | 0 | 0 | 12",
        "ldindb %r3, 1          | 0x50 | 0 | 3 | 0 | 1",
        "ldindh %r3, 2          | 0x48 | 0 | 3 | 0 | 2",
        "ldindw %r3, -4         | 0x40 | 0 | 3 | 0 | -4",
        // jumps
        "ja +3                  | 0x05 | 0 | 0 | 3 | 0",
        "ja -1                  | 0x05 | 0 | 0 | -1 | 0",
        "ja32 +100000           | 0x06 | 0 | 0 | 0 | 100000",
        "gotol -2               | 0x06 | 0 | 0 | 0 | -2",
        "may_goto +3            | 0xe5 | 0 | 0 | 3 | 0",
        "may_goto -1            | 0xe5 | 0 | 0 | -1 | 0",
        "jeq %r1, 0, +3         | 0x15 | 1 | 0 | 3 | 0",
        "jeq %r1, %r2, +3       | 0x1d | 1 | 2 | 3 | 0",
        "jgt %r1, 0xb, -4       | 0x25 | 1 | 0 | -4 | 11",
        "jge %r1, %r2, +0       | 0x3d | 1 | 2 | 0 | 0",
        "jset %r1, 0x80, +1     | 0x45 | 1 | 0 | 1 | 128",
        "jne %r0, 15, +1        | 0x55 | 0 | 0 | 1 | 15",
        "jsgt %r1, -1, +1       | 0x65 | 1 | 0 | 1 | -1",
        "jsge %r1, %r2, +1      | 0x7d | 1 | 2 | 1 | 0",
        "jlt %r1, 5, +1         | 0xa5 | 1 | 0 | 1 | 5",
        "jle %r1, %r2, +1       | 0xbd | 1 | 2 | 1 | 0",
        "jslt %r1, 5, +1        | 0xc5 | 1 | 0 | 1 | 5",
        "jsle %r1, %r2, +1      | 0xdd | 1 | 2 | 1 | 0",
        "jeq32 %r1, 7, +2       | 0x16 | 1 | 0 | 2 | 7",
        "jne32 %r1, %r0, +2     | 0x5e | 1 | 0 | 2 | 0",
        "jsle32 %r1, -7, -2     | 0xd6 | 1 | 0 | -2 | -7",
        // calls
        "call 5                 | 0x85 | 0 | 0 | 0 | 5",
        "call helper 0x2a       | 0x85 | 0 | 0 | 0 | 42",
        "call local +4          | 0x85 | 0 | 1 | 0 | 4",
        "call local -10         | 0x85 | 0 | 1 | 0 | -10",
        "call runtime 0x2a      | 0x85 | 0 | 2 | 0 | 42",
        "call %r2               | 0x8d | 2 | 0 | 0 | 0",
        "call helper r3         | 0x8d | 3 | 0 | 0 | 0",
        "callx %r4              | 0x8d | 4 | 0 | 0 | 0",
        "exit                   | 0x95 | 0 | 0 | 0 | 0",
        // raw
        ".insn 0xff, 15, 15, -1, -1 | 0xff | 15 | 15 | -1 | -1",
    })
    void assemblesOneInstruction(String text, String op, int dst, int src, int off, String imm) {
        assertThat(assembleOne(text)).isEqualTo(insn(Integer.decode(op), dst, src, off, Integer.decode(imm)));
    }

    @Test
    void lddwTakesA64BitImmediateInTwoSlots() {
        List<Insn> p = assemble("lddw %r1, 0x1122334455667788\nlddw r2, 0XFFFFFFFFFFFFFFFF\nlddw r3, -2\nexit");
        assertThat(p).containsExactly(
                new Insn(0x18, 1, 0, 0, 0x55667788, 0x11223344),
                new Insn(0x18, 2, 0, 0, -1, -1),
                new Insn(0x18, 3, 0, 0, -2, -1),
                insn(0x95, 0, 0, 0, 0));
        assertThat(InsnCodec.encode(p)).hasSize(7 * 8);
        assertThat(InsnCodec.encode(p.subList(0, 1))).containsExactly(
                0x18, 0x01, 0, 0, 0x88, 0x77, 0x66, 0x55,
                0, 0, 0, 0, 0x44, 0x33, 0x22, 0x11);
    }

    @Test
    void lddwPseudoSources() {
        Assembler.Options o = Assembler.Options.defaults().withMaps(Map.of("counts", 7)::get);
        assertThat(assemble(String.join("\n",
                "lddw %r1, map_by_fd(3)",
                "lddw %r1, map_by_fd(counts)",
                "lddw %r1, map_val(map_by_fd(3)) + 16",
                "lddw %r1, map_val( map_by_fd(counts) ) - 4",
                "lddw %r1, var_addr(99)",
                "lddw %r1, code_addr(+2)",
                "lddw %r1, map_by_idx(0)",
                "lddw %r1, map_val(map_by_idx(1))",
                "f:",
                "lddw %r2, code_addr(f)"), o))
                .containsExactly(
                        new Insn(0x18, 1, 1, 0, 3, 0),
                        new Insn(0x18, 1, 1, 0, 7, 0),
                        new Insn(0x18, 1, 2, 0, 3, 16),
                        new Insn(0x18, 1, 2, 0, 7, -4),
                        new Insn(0x18, 1, 3, 0, 99, 0),
                        new Insn(0x18, 1, 4, 0, 2, 0),
                        new Insn(0x18, 1, 5, 0, 0, 0),
                        new Insn(0x18, 1, 6, 0, 1, 0),
                        new Insn(0x18, 2, 4, 0, -1, 0));
    }

    @Test
    void commentsBlankLinesCaseAndBothRegisterSpellings() {
        String text = "# header comment\n"
                + "\n"
                + "   MOV %R0, 0X10   ; semicolon comment\n"
                + "\tadd r0, r1 // slash comment\n"
                + "mov r1, -0x10 # hash\n"
                + "exit";
        assertThat(assemble(text)).containsExactly(
                insn(0xb7, 0, 0, 0, 16),
                insn(0x0f, 0, 1, 0, 0),
                insn(0xb7, 1, 0, 0, -16),
                insn(0x95, 0, 0, 0, 0));
    }

    @Test
    void labelsResolveForwardAndBackwardAcrossLddw() {
        String text = String.join("\n",
                "mov %r0, 0",          // 0
                "top:",
                "add %r0, 1",          // 1
                "lddw %r2, 0x100000000", // 2-3
                "jlt %r0, 10, top",    // 4: 1 - 5 = -4
                "ja done",             // 5: 8 - 6 = +2
                "mid: mov %r0, -1",    // 6 (label and insn on one line)
                "ja32 mid",            // 7: 6 - 8 = -2
                "done:",
                "exit");               // 8
        Assembly a = Assembler.assembleSource(text, Assembler.Options.defaults());
        assertThat(a.insns()).containsExactly(
                insn(0xb7, 0, 0, 0, 0),
                insn(0x07, 0, 0, 0, 1),
                new Insn(0x18, 2, 0, 0, 0, 1),
                insn(0xa5, 0, 0, -4, 10),
                insn(0x05, 0, 0, 2, 0),
                insn(0xb7, 0, 0, 0, -1),
                insn(0x06, 0, 0, 0, -2),
                insn(0x95, 0, 0, 0, 0));
        assertThat(a.labels()).containsExactly(Map.entry("top", 1), Map.entry("mid", 6), Map.entry("done", 8));
        assertThat(a.slotCount()).isEqualTo(9);
        assertThat(a.line(0)).isEqualTo(1);
        assertThat(a.line(2)).isEqualTo(4);
        assertThat(a.line(3)).isZero();
        assertThat(a.line(4)).isEqualTo(5);
        assertThat(a.text(6)).isEqualTo("mid: mov %r0, -1");
    }

    @Test
    void exitLabelDefaultsToTheFirstExit() {
        List<Insn> p = assemble("jeq %r1, 0, exit\nmov %r0, 1\nexit\nmov %r0, 2\nexit");
        assertThat(p.get(0)).isEqualTo(insn(0x15, 1, 0, 1, 0));
        // an explicit label named exit wins
        p = assemble("ja exit\nexit\nexit:\nexit");
        assertThat(p.get(0)).isEqualTo(insn(0x05, 0, 0, 1, 0));
    }

    @Test
    void callLocalTargetsALabelRelativeToTheNextSlot() {
        List<Insn> p = assemble(String.join("\n",
                "mov %r1, 1",
                "call local double",   // pc 1 → 4: imm 2
                "exit",
                "exit",
                "double:",
                "lsh %r1, 1",
                "mov %r0, %r1",
                "call local double",   // pc 6 → 4: imm -3
                "exit"));
        assertThat(p.get(1)).isEqualTo(insn(0x85, 0, 1, 0, 2));
        assertThat(p.get(6)).isEqualTo(insn(0x85, 0, 1, 0, -3));
    }

    @Test
    void callByNameUsesTheResolvers() {
        Assembler.Options o = Assembler.Options.defaults()
                .withHelpers(Map.of("bpf_map_lookup_elem", 1, "bpf_ktime_get_ns", 5)::get)
                .withKfuncs(Map.of("bpf_obj_new_impl", 12345)::get);
        assertThat(assemble("call bpf_map_lookup_elem\ncall helper bpf_ktime_get_ns\ncall runtime bpf_obj_new_impl", o))
                .containsExactly(insn(0x85, 0, 0, 0, 1), insn(0x85, 0, 0, 0, 5), insn(0x85, 0, 2, 0, 12345));
    }

    @Test
    void wrappingTruncatesLikeBpfConformance() {
        Assembler.Options wrap = Assembler.Options.defaults().withWrapping(true);
        assertThat(assembleOne("mov32 %r1, 0x876543210", wrap)).isEqualTo(insn(0xb4, 1, 0, 0, 0x76543210));
        assertThat(assembleOne("ldxw %r1, [%r2+65537]", wrap)).isEqualTo(insn(0x61, 1, 2, 1, 0));
    }

    /** A conformance-style program body (our own): stack, memory, atomics, a local call, and labels. */
    @Test
    void assemblesACompleteConformanceStyleProgram() {
        String body = String.join("\n",
                "# sum the bytes of a small array and check a few v4 instructions on the way",
                "mov %r0, 0",
                "stdw [%r10-8], 0x04030201",
                "mov %r1, %r10",
                "add %r1, -8",
                "mov %r2, 0",
                "loop:",
                "ldxb %r3, [%r1]",
                "add %r0, %r3",
                "add %r1, 1",
                "add %r2, 1",
                "jlt %r2, 4, loop        # four bytes",
                "jne %r0, 10, fail",
                "stdw [%r10-16], 5",
                "mov %r4, 3",
                "lock fetch add [%r10-16], %r4",
                "jne %r4, 5, fail",
                "ldxdw %r5, [%r10-16]",
                "jne %r5, 8, fail",
                "mov %r1, -7",
                "call local half",
                "jne %r0, -3, fail",
                "movsx832 %r6, %r0",
                "jne32 %r6, 0xfffffffd, fail",
                "lddw %r7, 0x8000000000000000",
                "jsge %r7, 0, fail",
                "mov %r0, 1",
                "exit",
                "fail:",
                "mov %r0, 0",
                "exit",
                "",
                "half:",
                "sdiv %r1, 2",
                "mov %r0, %r1",
                "exit",
                "");
        List<Insn> p = assemble(body);
        assertThat(p).hasSize(31);
        assertThat(p.get(9)).isEqualTo(insn(0xa5, 2, 0, -5, 4));             // jlt back to loop (slot 5)
        assertThat(p.get(10)).isEqualTo(insn(0x55, 0, 0, 16, 10));           // jne forward to fail (slot 27)
        assertThat(p.get(13)).isEqualTo(insn(0xdb, 10, 4, -16, 1));
        assertThat(p.get(18)).isEqualTo(insn(0x85, 0, 1, 0, 10));            // call local half (slot 29)
        assertThat(p.get(20)).isEqualTo(insn(0xbc, 6, 0, 8, 0));
        assertThat(p.get(21)).isEqualTo(insn(0x56, 6, 0, 5, -3));            // jne32 with an imm
        assertThat(p.get(23)).isEqualTo(insn(0x75, 7, 0, 2, 0));             // after the two-slot lddw
        // it runs: the interpreter returns 1 when every check passes
        dev.bpfvm.vm.exec.BpfRuntime rt = new dev.bpfvm.vm.exec.BpfRuntime(new dev.bpfvm.vm.spi.HelperRegistry());
        dev.bpfvm.vm.exec.Program prog = new dev.bpfvm.vm.exec.Program("t", p);
        assertThat(rt.newContext(0).run(prog, 0, 0, 0, 0, 0)).isEqualTo(1L);
    }

    // --- errors ---------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "movv %r0, 1                 | line 1: unknown mnemonic 'movv'",
        "mov32 %r1, 0x1ffffffff      | line 1: immediate 0x1ffffffff out of range for 32 bits",
        "mov %r1, -2147483649        | line 1: immediate -2147483649 out of range for 32 bits",
        "lddw %r1, 0x10000000000000000 | line 1: immediate 0x10000000000000000 out of range for 64 bits",
        "ldxw %r0, [%r1+32768]       | line 1: offset +32768 out of range for 16 bits",
        "ldxw %r0, [%r1-0x8001]      | line 1: offset -0x8001 out of range for 16 bits",
        "ja +40000                   | line 1: offset +40000 out of range for 16 bits",
        "mov %r11, 1                 | line 1: invalid register '%r11'",
        "mov %rx, 1                  | line 1: invalid register '%rx'",
        "mov 1, %r1                  | line 1: expected a register, got '1'",
        "add %r1                     | line 1: 'add' expects 2 operands, got 1",
        "exit 0                      | line 1: 'exit' expects 0 operands, got 1",
        "neg %r1, %r2                | line 1: 'neg' expects 1 operand, got 2",
        "mov %r1, banana             | line 1: invalid immediate 'banana'",
        "ldxw %r0, %r1               | line 1: invalid memory operand '%r1'",
        "ldxw %r0, [%r1+x]           | line 1: invalid memory operand '[%r1+x]'",
        "stw [4], 1                  | line 1: invalid memory operand '[4]'",
        "jeq %r1, 0, @x              | line 1: invalid jump target '@x'",
        "lock nand [%r1], %r2        | line 1: unknown atomic operation 'nand'",
        "call far away               | line 1: unknown call type 'far'",
        "call bpf_map_lookup_elem    | line 1: unknown helper 'bpf_map_lookup_elem'",
        "lddw %r1, map_by_fd(m)      | line 1: unknown map 'm'",
        ".insn 0x100, 0, 0, 0, 0     | line 1: opcode 0x100 out of range (0..255)",
        "mov %r1,                    | line 1: empty operand",
    })
    void reportsErrorsWithLineAndText(String text, String message) {
        assertThatThrownBy(() -> assemble(text))
                .isInstanceOf(AsmException.class)
                .hasMessage(message);
    }

    @Test
    void undefinedLabelNamesTheLineThatUsesIt() {
        assertThatThrownBy(() -> assemble("mov %r0, 0\n\njne %r0, 1, failed\nexit"))
                .isInstanceOfSatisfying(AsmException.class, e -> {
                    assertThat(e).hasMessage("line 3: undefined label 'failed'");
                    assertThat(e.line()).isEqualTo(3);
                    assertThat(e.text()).isEqualTo("jne %r0, 1, failed");
                    assertThat(e.reason()).isEqualTo("undefined label 'failed'");
                });
    }

    @Test
    void duplicateLabelAndFarLabelAreErrors() {
        assertThatThrownBy(() -> assemble("a:\nexit\na:\nexit"))
                .isInstanceOf(AsmException.class)
                .hasMessage("line 3: duplicate label 'a' (first defined on line 1)");
        StringBuilder far = new StringBuilder("ja end\n");
        for (int k = 0; k < 40000; k++) {
            far.append("exit\n");
        }
        far.append("end:\nexit\n");
        assertThatThrownBy(() -> assemble(far.toString()))
                .isInstanceOf(AsmException.class)
                .hasMessage("line 1: offset 40000 to label 'end' out of range for 16 bits");
    }

    @Test
    void errorLineNumbersCountBlankAndCommentLines() {
        assertThatThrownBy(() -> assemble("# one\n\nmov %r0, 0\n  ; four\nmov %r0, 0\nmov %r0, 0\nmovv %r0, 1\nexit"))
                .isInstanceOf(AsmException.class)
                .hasMessage("line 7: unknown mnemonic 'movv'");
    }
}
