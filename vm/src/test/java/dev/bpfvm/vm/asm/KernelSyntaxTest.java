package dev.bpfvm.vm.asm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.bpfvm.vm.asm.Disassembler.Symbols;
import dev.bpfvm.vm.isa.Insn;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Golden strings of the kernel's {@code print_bpf_insn} syntax, one or more per instruction class. */
class KernelSyntaxTest {

    @ParameterizedTest(name = "{5}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        // ALU64 / ALU, imm and reg
        "0xb7 | 0 | 0 | 0 | 0          | r0 = 0",
        "0x07 | 1 | 0 | 0 | 8          | r1 += 8",
        "0x17 | 1 | 0 | 0 | -1         | r1 -= -1",
        "0x2f | 2 | 3 | 0 | 0          | r2 *= r3",
        "0x37 | 2 | 0 | 0 | 10         | r2 /= 10",
        "0x4c | 2 | 3 | 0 | 0          | \"w2 |= w3\"",
        "0x54 | 2 | 0 | 0 | 255        | w2 &= 255",
        "0x67 | 1 | 0 | 0 | 32         | r1 <<= 32",
        "0x7c | 1 | 2 | 0 | 0          | w1 >>= w2",
        "0x9f | 0 | 1 | 0 | 0          | r0 %= r1",
        "0xa4 | 0 | 0 | 0 | -2147483648 | w0 ^= -2147483648",
        "0xbc | 0 | 1 | 0 | 0          | w0 = w1",
        "0xc7 | 0 | 0 | 0 | 3          | r0 s>>= 3",
        "0x87 | 3 | 0 | 0 | 0          | r3 = -r3",
        "0x84 | 3 | 0 | 0 | 0          | w3 = -w3",
        // signed division, sign-extending moves, address-space cast
        "0x3f | 0 | 1 | 1 | 0          | r0 s/= r1",
        "0x34 | 0 | 0 | 1 | -3         | w0 s/= -3",
        "0x9f | 0 | 1 | 1 | 0          | r0 s%= r1",
        "0x94 | 0 | 0 | 1 | 3          | w0 s%= 3",
        "0xbf | 0 | 1 | 8 | 0          | r0 = (s8)r1",
        "0xbf | 0 | 1 | 16 | 0         | r0 = (s16)r1",
        "0xbf | 0 | 1 | 32 | 0         | r0 = (s32)r1",
        "0xbc | 0 | 1 | 8 | 0          | w0 = (s8)w1",
        "0xbc | 0 | 1 | 16 | 0         | w0 = (s16)w1",
        "0xbf | 1 | 2 | 1 | 65536      | r1 = addr_space_cast(r2, 1, 0)",
        // byte order
        "0xdc | 1 | 0 | 0 | 16         | r1 = be16 r1",
        "0xd4 | 1 | 0 | 0 | 32         | r1 = le32 r1",
        "0xd7 | 1 | 0 | 0 | 32         | r1 = bswap32 r1",
        "0xd7 | 4 | 0 | 0 | 64         | r4 = bswap64 r4",
        // loads and stores
        "0x61 | 0 | 1 | 4 | 0          | r0 = *(u32 *)(r1 +4)",
        "0x69 | 0 | 1 | 0 | 0          | r0 = *(u16 *)(r1 +0)",
        "0x71 | 0 | 1 | -1 | 0         | r0 = *(u8 *)(r1 -1)",
        "0x79 | 0 | 10 | -8 | 0        | r0 = *(u64 *)(r10 -8)",
        "0x81 | 0 | 1 | 4 | 0          | r0 = *(s32 *)(r1 +4)",
        "0x89 | 0 | 1 | 2 | 0          | r0 = *(s16 *)(r1 +2)",
        "0x91 | 0 | 1 | 1 | 0          | r0 = *(s8 *)(r1 +1)",
        "0x62 | 10 | 0 | -4 | 0        | *(u32 *)(r10 -4) = 0",
        "0x7a | 10 | 0 | -8 | -1       | *(u64 *)(r10 -8) = -1",
        "0x72 | 1 | 0 | 3 | 255        | *(u8 *)(r1 +3) = 255",
        "0x7b | 10 | 1 | -8 | 0        | *(u64 *)(r10 -8) = r1",
        "0x6b | 1 | 2 | 6 | 0          | *(u16 *)(r1 +6) = r2",
        // atomics
        "0xdb | 1 | 2 | 0 | 0x00       | lock *(u64 *)(r1 +0) += r2",
        "0xc3 | 1 | 2 | 4 | 0x40       | \"lock *(u32 *)(r1 +4) |= r2\"",
        "0xdb | 1 | 2 | 0 | 0x50       | lock *(u64 *)(r1 +0) &= r2",
        "0xc3 | 1 | 2 | 0 | 0xa0       | lock *(u32 *)(r1 +0) ^= r2",
        "0xdb | 1 | 2 | 0 | 0x01       | r2 = atomic64_fetch_add((u64 *)(r1 +0), r2)",
        "0xc3 | 1 | 2 | 0 | 0x41       | r2 = atomic_fetch_or((u32 *)(r1 +0), r2)",
        "0xdb | 1 | 2 | -8 | 0x51      | r2 = atomic64_fetch_and((u64 *)(r1 -8), r2)",
        "0xc3 | 1 | 2 | 0 | 0xa1       | r2 = atomic_fetch_xor((u32 *)(r1 +0), r2)",
        "0xdb | 1 | 2 | 0 | 0xe1       | r2 = atomic64_xchg((u64 *)(r1 +0), r2)",
        "0xc3 | 1 | 2 | -4 | 0xe1      | r2 = atomic_xchg((u32 *)(r1 -4), r2)",
        "0xdb | 1 | 2 | 0 | 0xf1       | r0 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r2)",
        "0xc3 | 1 | 2 | 0 | 0xf1       | r0 = atomic_cmpxchg((u32 *)(r1 +0), r0, r2)",
        "0xdb | 1 | 2 | 0 | 0x02       | BUG_db",
        // legacy packet loads
        "0x30 | 0 | 0 | 0 | 4          | r0 = *(u8 *)skb[4]",
        "0x28 | 0 | 0 | 0 | 12         | r0 = *(u16 *)skb[12]",
        "0x20 | 0 | 0 | 0 | 26         | r0 = *(u32 *)skb[26]",
        "0x48 | 0 | 3 | 0 | 2          | r0 = *(u16 *)skb[r3 + 2]",
        // jumps, calls, exit
        "0x05 | 0 | 0 | 2 | 0          | goto pc+2",
        "0x05 | 0 | 0 | -1 | 0         | goto pc-1",
        "0x06 | 0 | 0 | 0 | 100        | gotol pc+100",
        "0x15 | 1 | 0 | 3 | 0          | if r1 == 0x0 goto pc+3",
        "0x1d | 1 | 2 | 3 | 0          | if r1 == r2 goto pc+3",
        "0x25 | 1 | 0 | 1 | 11         | if r1 > 0xb goto pc+1",
        "0x3d | 1 | 2 | 1 | 0          | if r1 >= r2 goto pc+1",
        "0x45 | 1 | 0 | 1 | -1         | if r1 & 0xffffffff goto pc+1",
        "0x55 | 0 | 0 | 1 | 15         | if r0 != 0xf goto pc+1",
        "0x6e | 1 | 2 | -5 | 0         | if w1 s> w2 goto pc-5",
        "0x76 | 1 | 0 | 0 | 7          | if w1 s>= 0x7 goto pc+0",
        "0xa5 | 1 | 0 | 1 | 5          | if r1 < 0x5 goto pc+1",
        "0xbe | 1 | 2 | 1 | 0          | if w1 <= w2 goto pc+1",
        "0xc5 | 1 | 0 | 1 | -5         | if r1 s< 0xfffffffb goto pc+1",
        "0xdd | 1 | 2 | 1 | 0          | if r1 s<= r2 goto pc+1",
        "0x85 | 0 | 0 | 0 | 1          | call unknown#1",
        "0x85 | 0 | 1 | 0 | 5          | call pc+5",
        "0x85 | 0 | 1 | 0 | -7         | call pc-7",
        "0x85 | 0 | 2 | 0 | 42         | call kernel-function#42",
        "0x85 | 0 | 3 | 0 | 42         | call unknown#42",
        "0x8d | 2 | 0 | 0 | 0          | callx r2",
        "0x95 | 0 | 0 | 0 | 0          | exit",
        // not in the instruction set
        "0xff | 0 | 0 | 0 | 0          | unknown opcode ff",
        "0x0e | 0 | 0 | 0 | 0          | unknown opcode 0e",
        "0xc2 | 0 | 0 | 0 | 0          | nospec",
        "0xe5 | 0 | 0 | 3 | 0          | may_goto pc+3",
    })
    void printsAsTheKernelDoes(String op, int dst, int src, int off, String imm, String expected) {
        Insn i = new Insn(Integer.decode(op), dst, src, off, Integer.decode(imm));
        assertThat(Disassembler.kernel(i)).isEqualTo(expected);
        assertThat(i.toString()).isEqualTo(expected);
    }

    @Test
    void ldImm64RawAndAsBpftoolNamesIt() {
        assertThat(Disassembler.kernel(Insn.lddw(1, 0, 0x1122334455667788L))).isEqualTo("r1 = 0x1122334455667788");
        assertThat(Disassembler.kernel(Insn.lddw(1, 0, -1))).isEqualTo("r1 = 0xffffffffffffffff");
        assertThat(Disassembler.kernel(Insn.lddw(1, 1, 5))).isEqualTo("r1 = 0x5");
        assertThat(Disassembler.kernel(Insn.lddw(1, 1, 5), Symbols.XLATED)).isEqualTo("r1 = map[id:5]");
        assertThat(Disassembler.kernel(Insn.lddw(1, 2, 5 | 16L << 32), Symbols.XLATED)).isEqualTo("r1 = map[id:5][0]+16");
        assertThat(Disassembler.kernel(Insn.lddw(2, 6, 1 | 8L << 32), Symbols.XLATED)).isEqualTo("r2 = map[idx:1]+8");
        assertThat(Disassembler.kernel(Insn.lddw(2, 4, 3), Symbols.XLATED)).isEqualTo("r2 = subprog[+3]");
        assertThat(Disassembler.kernel(Insn.lddw(2, 0, 3), Symbols.XLATED)).isEqualTo("r2 = 0x3");
        Symbols named = new Symbols() {
            @Override
            public String ldImm64(Insn insn) {
                return insn.src() == 1 ? "map[name:counts]" : null;
            }
        };
        assertThat(Disassembler.kernel(Insn.lddw(1, 1, 5), named)).isEqualTo("r1 = map[name:counts]");
        assertThat(Disassembler.kernel(Insn.lddw(1, 4, -2), named.withXlatedImm64())).isEqualTo("r1 = subprog[-2]");
    }

    @Test
    void helperAndKfuncNamesComeFromSymbols() {
        Map<Integer, String> helpers = Map.of(1, "bpf_map_lookup_elem", 5, "bpf_ktime_get_ns");
        Symbols s = Symbols.helpers(helpers::get);
        assertThat(Disassembler.kernel(new Insn(0x85, 0, 0, 0, 1), s)).isEqualTo("call bpf_map_lookup_elem#1");
        assertThat(Disassembler.kernel(new Insn(0x85, 0, 0, 0, 5), s)).isEqualTo("call bpf_ktime_get_ns#5");
        assertThat(Disassembler.kernel(new Insn(0x85, 0, 0, 0, 999), s)).isEqualTo("call unknown#999");
        Symbols k = new Symbols() {
            @Override
            public String kfuncName(int imm) {
                return imm == 42 ? "bpf_obj_new_impl" : null;
            }
        };
        assertThat(Disassembler.kernel(new Insn(0x85, 0, 2, 0, 42), k)).isEqualTo("call bpf_obj_new_impl#42");
        assertThat(Disassembler.kernel(new Insn(0x85, 0, 1, 0, 42), k)).isEqualTo("call pc+42");
    }

    @Test
    void verifierLogLinesCarryPcAndOpcode() {
        assertThat(Disassembler.kernelLine(12, new Insn(0x79, 0, 10, -8, 0))).isEqualTo("12: (79) r0 = *(u64 *)(r10 -8)");
        assertThat(Disassembler.kernelLine(0, new Insn(0x07, 1, 0, 0, 8))).isEqualTo("0: (07) r1 += 8");
        assertThat(Disassembler.kernelLine(3, new Insn(0xdb, 1, 2, 0, 0x02))).isEqualTo("3: BUG_db");
        assertThat(Disassembler.kernelLine(7, new Insn(0xff, 0, 0, 0, 0))).isEqualTo("7: (ff) unknown opcode ff");
        assertThat(Disassembler.kernelProgram(List.of(
                new Insn(0xb7, 0, 0, 0, 0), Insn.lddw(1, 0, 1L << 32), new Insn(0x95, 0, 0, 0, 0)), Symbols.NONE))
                .isEqualTo("0: (b7) r0 = 0\n1: (18) r1 = 0x100000000\n3: (95) exit\n");
    }

    @Test
    void neitherPrinterThrowsOnAnyEncoding() {
        Random rnd = new Random(42);
        for (int op = 0; op < 256; op++) {
            for (int n = 0; n < 40; n++) {
                Insn i = op == 0x18
                        ? new Insn(op, rnd.nextInt(16), rnd.nextInt(16), (short) rnd.nextInt(), rnd.nextInt(), rnd.nextInt())
                        : new Insn(op, rnd.nextInt(16), rnd.nextInt(16), (short) rnd.nextInt(), rnd.nextInt());
                assertThatCode(() -> {
                    assertThat(Disassembler.kernelLine(9, i, Symbols.XLATED)).startsWith("9: ");
                    assertThat(Disassembler.asm(i)).isNotEmpty();
                }).as("%s", Disassembler.raw(i)).doesNotThrowAnyException();
            }
        }
    }
}
