package dev.bpfvm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.asm.Disassembler;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.Opcodes;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The kernel-notation fixture: what it assembles prints back the same through the kernel printer. */
class KernelNotationTest {
    private static List<Insn> asm(String text) {
        return KernelNotation.assemble(text, Map.of("m", 7), n -> n.equals("bpf_map_lookup_elem") || n.equals("map_lookup_elem") ? 1 : null,
                n -> n.equals("bpf_rcu_read_lock") ? 99 : null);
    }

    @Test
    void everyFormPrintsBackThroughTheKernelPrinter() {
        List<String> lines = List.of(
                "r0 = 1", "w1 = -1", "r1 = r10", "w2 = w3", "r1 = (s8)r2", "w1 = (s16)w2", "r1 = (s32)r2",
                "r1 += 8", "r1 -= r2", "w1 *= 3", "r1 /= r3", "w1 %= 5", "r1 |= 1", "r1 &= r2", "r1 ^= 4",
                "r1 <<= 3", "w1 >>= 2", "r1 s>>= 3", "r1 s/= r2", "w1 s%= 3", "r0 = -r0", "w0 = -w0",
                "r0 = be16 r0", "r0 = le32 r0", "r0 = bswap64 r0",
                "r0 = *(u32 *)(r1 +4)", "r0 = *(s16 *)(r1 -2)", "r0 = *(u64 *)(r10 -8)", "r2 = *(s8 *)(r1 +0)",
                "*(u64 *)(r10 -8) = r1", "*(u8 *)(r10 -1) = 7", "*(u16 *)(r1 +2) = -3",
                "lock *(u64 *)(r10 -8) += r1", "lock *(u32 *)(r10 -8) |= r1",
                "r1 = atomic64_fetch_add((u64 *)(r10 -8), r1)", "r1 = atomic64_xchg((u64 *)(r10 -8), r1)",
                "r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)",
                "r0 = *(u8 *)skb[12]", "r0 = *(u16 *)skb[r6 + 2]",
                "goto pc+1", "if r1 > r2 goto pc+0", "if w1 s< 0x5 goto pc-3", "if r1 & 0x4 goto pc+2",
                "call pc+2", "exit");
        String text = String.join("\n", lines);
        List<Insn> insns = asm(text);
        assertThat(insns).hasSize(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            assertThat(Disassembler.kernel(insns.get(i))).as(lines.get(i)).isEqualTo(lines.get(i));
        }
    }

    @Test
    void labelsMapsFunctionsAndKfuncs() {
        List<Insn> insns = asm(String.join("\n",
                "r1 = map[m] ll      # fd 7",
                "r2 = map_value[m] + 8 ll",
                "r3 = func[cb] ll",
                "r4 = 0x1122334455667788 ll",
                "loop: if r1 == 0 goto out",
                "may_goto out",
                "gotol loop",
                "call kfunc:bpf_rcu_read_lock",
                "call cb",
                "out: exit",
                "cb: r0 = 0",
                "exit"));
        assertThat(insns.get(0)).isEqualTo(Insn.lddw(1, Opcodes.PSEUDO_MAP_FD, 7));
        assertThat(insns.get(1)).isEqualTo(new Insn(Opcodes.LDDW, 2, Opcodes.PSEUDO_MAP_VALUE, 0, 7, 8));
        assertThat(insns.get(2)).isEqualTo(new Insn(Opcodes.LDDW, 3, Opcodes.PSEUDO_FUNC, 0, 9, 0));
        assertThat(insns.get(3)).isEqualTo(Insn.lddw(4, 0, 0x1122334455667788L));
        assertThat(insns.get(4)).isEqualTo(new Insn(Opcodes.JMP | Opcodes.JEQ | Opcodes.K, 1, 0, 4, 0));
        assertThat(insns.get(5)).isEqualTo(new Insn(Opcodes.MAY_GOTO, 0, 0, 3, 0));
        assertThat(insns.get(6)).isEqualTo(new Insn(Opcodes.GOTOL, 0, 0, 0, -3));
        assertThat(insns.get(7)).isEqualTo(new Insn(Opcodes.CALL_IMM, 0, Opcodes.PSEUDO_KFUNC_CALL, 0, 99));
        assertThat(insns.get(8)).isEqualTo(new Insn(Opcodes.CALL_IMM, 0, Opcodes.PSEUDO_CALL, 0, 1));
        assertThat(asm("call bpf_map_lookup_elem\ncall map_lookup_elem\ncall 7")).containsExactly(
                new Insn(Opcodes.CALL_IMM, 0, 0, 0, 1), new Insn(Opcodes.CALL_IMM, 0, 0, 0, 1),
                new Insn(Opcodes.CALL_IMM, 0, 0, 0, 7));
    }

    @Test
    void aLineItCannotReadIsNamed() {
        assertThatThrownBy(() -> asm("r0 = 0\nr0 @= r1\nexit"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("line 2: cannot read 'r0 @= r1': unknown operator @=");
    }
}
