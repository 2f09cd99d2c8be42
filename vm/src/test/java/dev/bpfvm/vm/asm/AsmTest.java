package dev.bpfvm.vm.asm;

import static dev.bpfvm.vm.asm.Asm.*;
import static dev.bpfvm.vm.asm.Reg.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.InsnCodec;
import dev.bpfvm.vm.isa.Opcodes;
import dev.bpfvm.vm.spi.HelperRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The builder agrees with the assembler, method by method. */
class AsmTest {

    @Test
    void everyBuilderMatchesItsAssemblerText() {
        Map<Insn, String> cases = new LinkedHashMap<>();
        cases.put(add64(R1, 2), "add %r1, 2");
        cases.put(add64(R1, R2), "add %r1, %r2");
        cases.put(sub64(R1, -1), "sub %r1, -1");
        cases.put(mul64(R1, R9), "mul %r1, %r9");
        cases.put(div64(R1, 3), "div %r1, 3");
        cases.put(sdiv64(R1, R3), "sdiv %r1, %r3");
        cases.put(or64(R1, 0x10), "or %r1, 16");
        cases.put(and64(R1, R2), "and %r1, %r2");
        cases.put(lsh64(R1, 4), "lsh %r1, 4");
        cases.put(rsh64(R1, R2), "rsh %r1, %r2");
        cases.put(mod64(R1, 5), "mod %r1, 5");
        cases.put(smod64(R1, -5), "smod %r1, -5");
        cases.put(xor64(R1, R1), "xor %r1, %r1");
        cases.put(mov64(R0, 1), "mov %r0, 1");
        cases.put(mov64(R0, R10), "mov %r0, %r10");
        cases.put(arsh64(R1, 63), "arsh %r1, 63");
        cases.put(neg64(R4), "neg %r4");
        cases.put(add32(R1, 2), "add32 %r1, 2");
        cases.put(sdiv32(R1, R2), "sdiv32 %r1, %r2");
        cases.put(smod32(R1, 7), "smod32 %r1, 7");
        cases.put(mov32(R1, R2), "mov32 %r1, %r2");
        cases.put(arsh32(R1, R2), "arsh32 %r1, %r2");
        cases.put(neg32(R4), "neg32 %r4");
        cases.put(movsx64(R0, R1, 8), "movsx864 %r0, %r1");
        cases.put(movsx64(R0, R1, 32), "movsx3264 %r0, %r1");
        cases.put(movsx32(R0, R1, 16), "movsx1632 %r0, %r1");
        cases.put(le(R1, 16), "le16 %r1");
        cases.put(be(R1, 64), "be64 %r1");
        cases.put(bswap(R1, 32), "bswap32 %r1");
        cases.put(lddw(R1, 0x1122334455667788L), "lddw %r1, 0x1122334455667788");
        cases.put(ldMapFd(R1, 4), "lddw %r1, map_by_fd(4)");
        cases.put(ldMapValue(R1, 4, 8), "lddw %r1, map_val(map_by_fd(4)) + 8");
        cases.put(ldxb(R0, R1, 0), "ldxb %r0, [%r1]");
        cases.put(ldxh(R0, R1, 2), "ldxh %r0, [%r1+2]");
        cases.put(ldxw(R0, R1, 4), "ldxw %r0, [%r1+4]");
        cases.put(ldxdw(R0, R10, -8), "ldxdw %r0, [%r10-8]");
        cases.put(ldxsb(R0, R1, 1), "ldxsb %r0, [%r1+1]");
        cases.put(ldxsh(R0, R1, 2), "ldxsh %r0, [%r1+2]");
        cases.put(ldxsw(R0, R1, 4), "ldxsw %r0, [%r1+4]");
        cases.put(stb(R10, -1, 7), "stb [%r10-1], 7");
        cases.put(sth(R10, -2, 7), "sth [%r10-2], 7");
        cases.put(stw(R10, -4, 7), "stw [%r10-4], 7");
        cases.put(stdw(R10, -8, 7), "stdw [%r10-8], 7");
        cases.put(stxb(R1, 0, R2), "stxb [%r1], %r2");
        cases.put(stxh(R1, 2, R2), "stxh [%r1+2], %r2");
        cases.put(stxw(R1, 4, R2), "stxw [%r1+4], %r2");
        cases.put(stxdw(R10, -8, R1), "stxdw [%r10-8], %r1");
        cases.put(atomic64(Opcodes.ATOMIC_ADD, R10, -8, R1), "lock add [%r10-8], %r1");
        cases.put(atomic64(Opcodes.ATOMIC_ADD | Opcodes.FETCH, R10, -8, R1), "lock fetch add [%r10-8], %r1");
        cases.put(atomic32(Opcodes.ATOMIC_XOR, R1, 0, R2), "lock xor32 [%r1], %r2");
        cases.put(atomic64(Opcodes.ATOMIC_XCHG, R1, 0, R2), "lock xchg [%r1], %r2");
        cases.put(atomic32(Opcodes.ATOMIC_CMPXCHG, R1, 0, R2), "lock cmpxchg32 [%r1], %r2");
        cases.put(ldabsb(3), "ldabsb 3");
        cases.put(ldabsh(3), "ldabsh 3");
        cases.put(ldabsw(3), "ldabsw 3");
        cases.put(ldindb(R2, 1), "ldindb %r2, 1");
        cases.put(ldindh(R2, 1), "ldindh %r2, 1");
        cases.put(ldindw(R2, 1), "ldindw %r2, 1");
        cases.put(ja(+3), "ja +3");
        cases.put(gotol(-100000), "ja32 -100000");
        cases.put(jeq(R1, 0, +3), "jeq %r1, 0, +3");
        cases.put(jeq(R1, R2, +3), "jeq %r1, %r2, +3");
        cases.put(jgt(R1, 1, -1), "jgt %r1, 1, -1");
        cases.put(jge(R1, R2, 1), "jge %r1, %r2, +1");
        cases.put(jlt(R1, 1, 1), "jlt %r1, 1, +1");
        cases.put(jle(R1, R2, 1), "jle %r1, %r2, +1");
        cases.put(jset(R1, 1, 1), "jset %r1, 1, +1");
        cases.put(jne(R1, R2, 1), "jne %r1, %r2, +1");
        cases.put(jsgt(R1, -1, 1), "jsgt %r1, -1, +1");
        cases.put(jsge(R1, R2, 1), "jsge %r1, %r2, +1");
        cases.put(jslt(R1, 1, 1), "jslt %r1, 1, +1");
        cases.put(jsle(R1, R2, 1), "jsle %r1, %r2, +1");
        cases.put(jeq32(R1, 0, +3), "jeq32 %r1, 0, +3");
        cases.put(jsle32(R1, R2, -2), "jsle32 %r1, %r2, -2");
        cases.put(call(5), "call 5");
        cases.put(callLocal(-4), "call local -4");
        cases.put(callKfunc(77), "call runtime 77");
        cases.put(callx(R2), "callx %r2");
        cases.put(exit(), "exit");
        cases.forEach((insn, text) -> {
            assertThat(insn).as(text).isEqualTo(Assembler.assembleOne(text));
            assertThat(Disassembler.asm(insn)).isEqualTo(text);
        });
    }

    @Test
    void programAndBytes() {
        List<Insn> p = program(mov64(R0, 0), lddw(R1, 1), exit());
        assertThat(p).hasSize(3);
        assertThat(bytes(mov64(R0, 0), lddw(R1, 1), exit())).isEqualTo(InsnCodec.encode(p)).hasSize(32);
    }

    @Test
    void aBuiltProgramRuns() {
        List<Insn> p = program(
                mov64(R0, 0),
                mov64(R1, 5),
                add64(R0, R1),       // loop: r0 += r1
                sub64(R1, 1),
                jne(R1, 0, -3),
                exit());
        assertThat(new BpfRuntime(new HelperRegistry()).newContext(0).run(new Program("sum", p), 0, 0, 0, 0, 0))
                .isEqualTo(15L);
    }

    @Test
    void registersAreNumbered() {
        assertThat(R10.num()).isEqualTo(10);
        assertThat(Reg.of(3)).isEqualTo(R3);
        assertThatThrownBy(() -> Reg.of(11)).isInstanceOf(IllegalArgumentException.class).hasMessage("no register r11");
    }
}
