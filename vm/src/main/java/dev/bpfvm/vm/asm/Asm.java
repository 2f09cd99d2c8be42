package dev.bpfvm.vm.asm;

import static dev.bpfvm.vm.isa.Opcodes.*;

import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.InsnCodec;
import java.util.List;

/**
 * A small builder for instructions, so tests read as code rather than hex (in the spirit of
 * cilium/ebpf's {@code asm} package). Every method returns one {@link Insn}; the names follow
 * the {@link Assembler} mnemonics, with {@code 64}/{@code 32} for the ALU width and overloads
 * for an immediate or a register source:
 *
 * <pre>{@code
 * import static dev.bpfvm.vm.asm.Asm.*;
 * import static dev.bpfvm.vm.asm.Reg.*;
 *
 * List<Insn> p = program(
 *         mov64(R0, 0),
 *         ldxw(R2, R1, 4),
 *         jeq(R2, 0, +1),
 *         add64(R0, R2),
 *         exit());
 * }</pre>
 *
 * <p>Jump offsets count slots from the next instruction, as in the encoding.
 */
public final class Asm {
    private Asm() {}

    /** The instructions as a list (for {@code Program} and {@code InsnCodec}). */
    public static List<Insn> program(Insn... insns) {
        return List.of(insns);
    }

    /** The instructions encoded (ld_imm64 as two slots). */
    public static byte[] bytes(Insn... insns) {
        return InsnCodec.encode(List.of(insns));
    }

    private static Insn aluImm(int cls, int op, int off, Reg dst, int imm) {
        return new Insn(cls | op | K, dst.num(), 0, off, imm);
    }

    private static Insn aluReg(int cls, int op, int off, Reg dst, Reg src) {
        return new Insn(cls | op | X, dst.num(), src.num(), off, 0);
    }

    // --- 64-bit ALU ---

    public static Insn add64(Reg dst, int imm) {
        return aluImm(ALU64, ADD, 0, dst, imm);
    }

    public static Insn add64(Reg dst, Reg src) {
        return aluReg(ALU64, ADD, 0, dst, src);
    }

    public static Insn sub64(Reg dst, int imm) {
        return aluImm(ALU64, SUB, 0, dst, imm);
    }

    public static Insn sub64(Reg dst, Reg src) {
        return aluReg(ALU64, SUB, 0, dst, src);
    }

    public static Insn mul64(Reg dst, int imm) {
        return aluImm(ALU64, MUL, 0, dst, imm);
    }

    public static Insn mul64(Reg dst, Reg src) {
        return aluReg(ALU64, MUL, 0, dst, src);
    }

    public static Insn div64(Reg dst, int imm) {
        return aluImm(ALU64, DIV, 0, dst, imm);
    }

    public static Insn div64(Reg dst, Reg src) {
        return aluReg(ALU64, DIV, 0, dst, src);
    }

    public static Insn sdiv64(Reg dst, int imm) {
        return aluImm(ALU64, DIV, 1, dst, imm);
    }

    public static Insn sdiv64(Reg dst, Reg src) {
        return aluReg(ALU64, DIV, 1, dst, src);
    }

    public static Insn or64(Reg dst, int imm) {
        return aluImm(ALU64, OR, 0, dst, imm);
    }

    public static Insn or64(Reg dst, Reg src) {
        return aluReg(ALU64, OR, 0, dst, src);
    }

    public static Insn and64(Reg dst, int imm) {
        return aluImm(ALU64, AND, 0, dst, imm);
    }

    public static Insn and64(Reg dst, Reg src) {
        return aluReg(ALU64, AND, 0, dst, src);
    }

    public static Insn lsh64(Reg dst, int imm) {
        return aluImm(ALU64, LSH, 0, dst, imm);
    }

    public static Insn lsh64(Reg dst, Reg src) {
        return aluReg(ALU64, LSH, 0, dst, src);
    }

    public static Insn rsh64(Reg dst, int imm) {
        return aluImm(ALU64, RSH, 0, dst, imm);
    }

    public static Insn rsh64(Reg dst, Reg src) {
        return aluReg(ALU64, RSH, 0, dst, src);
    }

    public static Insn mod64(Reg dst, int imm) {
        return aluImm(ALU64, MOD, 0, dst, imm);
    }

    public static Insn mod64(Reg dst, Reg src) {
        return aluReg(ALU64, MOD, 0, dst, src);
    }

    public static Insn smod64(Reg dst, int imm) {
        return aluImm(ALU64, MOD, 1, dst, imm);
    }

    public static Insn smod64(Reg dst, Reg src) {
        return aluReg(ALU64, MOD, 1, dst, src);
    }

    public static Insn xor64(Reg dst, int imm) {
        return aluImm(ALU64, XOR, 0, dst, imm);
    }

    public static Insn xor64(Reg dst, Reg src) {
        return aluReg(ALU64, XOR, 0, dst, src);
    }

    public static Insn mov64(Reg dst, int imm) {
        return aluImm(ALU64, MOV, 0, dst, imm);
    }

    public static Insn mov64(Reg dst, Reg src) {
        return aluReg(ALU64, MOV, 0, dst, src);
    }

    public static Insn arsh64(Reg dst, int imm) {
        return aluImm(ALU64, ARSH, 0, dst, imm);
    }

    public static Insn arsh64(Reg dst, Reg src) {
        return aluReg(ALU64, ARSH, 0, dst, src);
    }

    public static Insn neg64(Reg dst) {
        return new Insn(ALU64 | NEG, dst.num(), 0, 0, 0);
    }

    // --- 32-bit ALU ---

    public static Insn add32(Reg dst, int imm) {
        return aluImm(ALU, ADD, 0, dst, imm);
    }

    public static Insn add32(Reg dst, Reg src) {
        return aluReg(ALU, ADD, 0, dst, src);
    }

    public static Insn sub32(Reg dst, int imm) {
        return aluImm(ALU, SUB, 0, dst, imm);
    }

    public static Insn sub32(Reg dst, Reg src) {
        return aluReg(ALU, SUB, 0, dst, src);
    }

    public static Insn mul32(Reg dst, int imm) {
        return aluImm(ALU, MUL, 0, dst, imm);
    }

    public static Insn mul32(Reg dst, Reg src) {
        return aluReg(ALU, MUL, 0, dst, src);
    }

    public static Insn div32(Reg dst, int imm) {
        return aluImm(ALU, DIV, 0, dst, imm);
    }

    public static Insn div32(Reg dst, Reg src) {
        return aluReg(ALU, DIV, 0, dst, src);
    }

    public static Insn sdiv32(Reg dst, int imm) {
        return aluImm(ALU, DIV, 1, dst, imm);
    }

    public static Insn sdiv32(Reg dst, Reg src) {
        return aluReg(ALU, DIV, 1, dst, src);
    }

    public static Insn or32(Reg dst, int imm) {
        return aluImm(ALU, OR, 0, dst, imm);
    }

    public static Insn or32(Reg dst, Reg src) {
        return aluReg(ALU, OR, 0, dst, src);
    }

    public static Insn and32(Reg dst, int imm) {
        return aluImm(ALU, AND, 0, dst, imm);
    }

    public static Insn and32(Reg dst, Reg src) {
        return aluReg(ALU, AND, 0, dst, src);
    }

    public static Insn lsh32(Reg dst, int imm) {
        return aluImm(ALU, LSH, 0, dst, imm);
    }

    public static Insn lsh32(Reg dst, Reg src) {
        return aluReg(ALU, LSH, 0, dst, src);
    }

    public static Insn rsh32(Reg dst, int imm) {
        return aluImm(ALU, RSH, 0, dst, imm);
    }

    public static Insn rsh32(Reg dst, Reg src) {
        return aluReg(ALU, RSH, 0, dst, src);
    }

    public static Insn mod32(Reg dst, int imm) {
        return aluImm(ALU, MOD, 0, dst, imm);
    }

    public static Insn mod32(Reg dst, Reg src) {
        return aluReg(ALU, MOD, 0, dst, src);
    }

    public static Insn smod32(Reg dst, int imm) {
        return aluImm(ALU, MOD, 1, dst, imm);
    }

    public static Insn smod32(Reg dst, Reg src) {
        return aluReg(ALU, MOD, 1, dst, src);
    }

    public static Insn xor32(Reg dst, int imm) {
        return aluImm(ALU, XOR, 0, dst, imm);
    }

    public static Insn xor32(Reg dst, Reg src) {
        return aluReg(ALU, XOR, 0, dst, src);
    }

    public static Insn mov32(Reg dst, int imm) {
        return aluImm(ALU, MOV, 0, dst, imm);
    }

    public static Insn mov32(Reg dst, Reg src) {
        return aluReg(ALU, MOV, 0, dst, src);
    }

    public static Insn arsh32(Reg dst, int imm) {
        return aluImm(ALU, ARSH, 0, dst, imm);
    }

    public static Insn arsh32(Reg dst, Reg src) {
        return aluReg(ALU, ARSH, 0, dst, src);
    }

    public static Insn neg32(Reg dst) {
        return new Insn(ALU | NEG, dst.num(), 0, 0, 0);
    }

    /** {@code dst = (s8|s16|s32) src}, 64-bit; {@code bits} is 8, 16 or 32. */
    public static Insn movsx64(Reg dst, Reg src, int bits) {
        return aluReg(ALU64, MOV, bits, dst, src);
    }

    /** {@code wdst = (s8|s16) wsrc}, 32-bit; {@code bits} is 8 or 16. */
    public static Insn movsx32(Reg dst, Reg src, int bits) {
        return aluReg(ALU, MOV, bits, dst, src);
    }

    // --- byte order ---

    /** To little endian, {@code bits} 16, 32 or 64. */
    public static Insn le(Reg dst, int bits) {
        return new Insn(ALU | END | TO_LE, dst.num(), 0, 0, bits);
    }

    /** To big endian, {@code bits} 16, 32 or 64. */
    public static Insn be(Reg dst, int bits) {
        return new Insn(ALU | END | TO_BE, dst.num(), 0, 0, bits);
    }

    /** Unconditional byte swap, {@code bits} 16, 32 or 64. */
    public static Insn bswap(Reg dst, int bits) {
        return new Insn(ALU64 | END, dst.num(), 0, 0, bits);
    }

    // --- 64-bit immediates ---

    public static Insn lddw(Reg dst, long imm64) {
        return Insn.lddw(dst.num(), 0, imm64);
    }

    /** ld_imm64 with src BPF_PSEUDO_MAP_FD: the map with this fd. */
    public static Insn ldMapFd(Reg dst, int fd) {
        return Insn.lddw(dst.num(), PSEUDO_MAP_FD, fd & 0xffffffffL);
    }

    /** ld_imm64 with src BPF_PSEUDO_MAP_VALUE: the address {@code off} bytes into the value of map {@code fd}. */
    public static Insn ldMapValue(Reg dst, int fd, int off) {
        return Insn.lddw(dst.num(), PSEUDO_MAP_VALUE, (fd & 0xffffffffL) | ((long) off << 32));
    }

    // --- loads and stores ---

    public static Insn ldxb(Reg dst, Reg src, int off) {
        return new Insn(LDX | MEM | B, dst.num(), src.num(), off, 0);
    }

    public static Insn ldxh(Reg dst, Reg src, int off) {
        return new Insn(LDX | MEM | H, dst.num(), src.num(), off, 0);
    }

    public static Insn ldxw(Reg dst, Reg src, int off) {
        return new Insn(LDX | MEM | W, dst.num(), src.num(), off, 0);
    }

    public static Insn ldxdw(Reg dst, Reg src, int off) {
        return new Insn(LDX | MEM | DW, dst.num(), src.num(), off, 0);
    }

    /** Sign-extending load. */
    public static Insn ldxsb(Reg dst, Reg src, int off) {
        return new Insn(LDX | MEMSX | B, dst.num(), src.num(), off, 0);
    }

    /** Sign-extending load. */
    public static Insn ldxsh(Reg dst, Reg src, int off) {
        return new Insn(LDX | MEMSX | H, dst.num(), src.num(), off, 0);
    }

    /** Sign-extending load. */
    public static Insn ldxsw(Reg dst, Reg src, int off) {
        return new Insn(LDX | MEMSX | W, dst.num(), src.num(), off, 0);
    }

    public static Insn stb(Reg dst, int off, int imm) {
        return new Insn(ST | MEM | B, dst.num(), 0, off, imm);
    }

    public static Insn sth(Reg dst, int off, int imm) {
        return new Insn(ST | MEM | H, dst.num(), 0, off, imm);
    }

    public static Insn stw(Reg dst, int off, int imm) {
        return new Insn(ST | MEM | W, dst.num(), 0, off, imm);
    }

    public static Insn stdw(Reg dst, int off, int imm) {
        return new Insn(ST | MEM | DW, dst.num(), 0, off, imm);
    }

    public static Insn stxb(Reg dst, int off, Reg src) {
        return new Insn(STX | MEM | B, dst.num(), src.num(), off, 0);
    }

    public static Insn stxh(Reg dst, int off, Reg src) {
        return new Insn(STX | MEM | H, dst.num(), src.num(), off, 0);
    }

    public static Insn stxw(Reg dst, int off, Reg src) {
        return new Insn(STX | MEM | W, dst.num(), src.num(), off, 0);
    }

    public static Insn stxdw(Reg dst, int off, Reg src) {
        return new Insn(STX | MEM | DW, dst.num(), src.num(), off, 0);
    }

    /**
     * A 64-bit atomic on {@code *(u64 *)(dst + off)}; {@code op} is an {@code Opcodes.ATOMIC_*}
     * constant, optionally {@code | Opcodes.FETCH}.
     */
    public static Insn atomic64(int op, Reg dst, int off, Reg src) {
        return new Insn(STX | ATOMIC | DW, dst.num(), src.num(), off, op);
    }

    /** A 32-bit atomic on {@code *(u32 *)(dst + off)}; see {@link #atomic64}. */
    public static Insn atomic32(int op, Reg dst, int off, Reg src) {
        return new Insn(STX | ATOMIC | W, dst.num(), src.num(), off, op);
    }

    // --- legacy packet loads ---

    public static Insn ldabsb(int imm) {
        return new Insn(LD | ABS | B, 0, 0, 0, imm);
    }

    public static Insn ldindb(Reg src, int imm) {
        return new Insn(LD | IND | B, 0, src.num(), 0, imm);
    }

    public static Insn ldabsh(int imm) {
        return new Insn(LD | ABS | H, 0, 0, 0, imm);
    }

    public static Insn ldindh(Reg src, int imm) {
        return new Insn(LD | IND | H, 0, src.num(), 0, imm);
    }

    public static Insn ldabsw(int imm) {
        return new Insn(LD | ABS | W, 0, 0, 0, imm);
    }

    public static Insn ldindw(Reg src, int imm) {
        return new Insn(LD | IND | W, 0, src.num(), 0, imm);
    }

    // --- jumps and calls ---

    public static Insn ja(int off) {
        return new Insn(JA64, 0, 0, off, 0);
    }

    /** JMP32 | JA: the offset is the 32-bit imm. */
    public static Insn gotol(int imm) {
        return new Insn(GOTOL, 0, 0, 0, imm);
    }

    public static Insn jeq(Reg dst, int imm, int off) {
        return new Insn(JMP | JEQ | K, dst.num(), 0, off, imm);
    }

    public static Insn jeq(Reg dst, Reg src, int off) {
        return new Insn(JMP | JEQ | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jgt(Reg dst, int imm, int off) {
        return new Insn(JMP | JGT | K, dst.num(), 0, off, imm);
    }

    public static Insn jgt(Reg dst, Reg src, int off) {
        return new Insn(JMP | JGT | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jge(Reg dst, int imm, int off) {
        return new Insn(JMP | JGE | K, dst.num(), 0, off, imm);
    }

    public static Insn jge(Reg dst, Reg src, int off) {
        return new Insn(JMP | JGE | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jlt(Reg dst, int imm, int off) {
        return new Insn(JMP | JLT | K, dst.num(), 0, off, imm);
    }

    public static Insn jlt(Reg dst, Reg src, int off) {
        return new Insn(JMP | JLT | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jle(Reg dst, int imm, int off) {
        return new Insn(JMP | JLE | K, dst.num(), 0, off, imm);
    }

    public static Insn jle(Reg dst, Reg src, int off) {
        return new Insn(JMP | JLE | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jset(Reg dst, int imm, int off) {
        return new Insn(JMP | JSET | K, dst.num(), 0, off, imm);
    }

    public static Insn jset(Reg dst, Reg src, int off) {
        return new Insn(JMP | JSET | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jne(Reg dst, int imm, int off) {
        return new Insn(JMP | JNE | K, dst.num(), 0, off, imm);
    }

    public static Insn jne(Reg dst, Reg src, int off) {
        return new Insn(JMP | JNE | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jsgt(Reg dst, int imm, int off) {
        return new Insn(JMP | JSGT | K, dst.num(), 0, off, imm);
    }

    public static Insn jsgt(Reg dst, Reg src, int off) {
        return new Insn(JMP | JSGT | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jsge(Reg dst, int imm, int off) {
        return new Insn(JMP | JSGE | K, dst.num(), 0, off, imm);
    }

    public static Insn jsge(Reg dst, Reg src, int off) {
        return new Insn(JMP | JSGE | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jslt(Reg dst, int imm, int off) {
        return new Insn(JMP | JSLT | K, dst.num(), 0, off, imm);
    }

    public static Insn jslt(Reg dst, Reg src, int off) {
        return new Insn(JMP | JSLT | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jsle(Reg dst, int imm, int off) {
        return new Insn(JMP | JSLE | K, dst.num(), 0, off, imm);
    }

    public static Insn jsle(Reg dst, Reg src, int off) {
        return new Insn(JMP | JSLE | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jeq32(Reg dst, int imm, int off) {
        return new Insn(JMP32 | JEQ | K, dst.num(), 0, off, imm);
    }

    public static Insn jeq32(Reg dst, Reg src, int off) {
        return new Insn(JMP32 | JEQ | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jgt32(Reg dst, int imm, int off) {
        return new Insn(JMP32 | JGT | K, dst.num(), 0, off, imm);
    }

    public static Insn jgt32(Reg dst, Reg src, int off) {
        return new Insn(JMP32 | JGT | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jge32(Reg dst, int imm, int off) {
        return new Insn(JMP32 | JGE | K, dst.num(), 0, off, imm);
    }

    public static Insn jge32(Reg dst, Reg src, int off) {
        return new Insn(JMP32 | JGE | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jlt32(Reg dst, int imm, int off) {
        return new Insn(JMP32 | JLT | K, dst.num(), 0, off, imm);
    }

    public static Insn jlt32(Reg dst, Reg src, int off) {
        return new Insn(JMP32 | JLT | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jle32(Reg dst, int imm, int off) {
        return new Insn(JMP32 | JLE | K, dst.num(), 0, off, imm);
    }

    public static Insn jle32(Reg dst, Reg src, int off) {
        return new Insn(JMP32 | JLE | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jset32(Reg dst, int imm, int off) {
        return new Insn(JMP32 | JSET | K, dst.num(), 0, off, imm);
    }

    public static Insn jset32(Reg dst, Reg src, int off) {
        return new Insn(JMP32 | JSET | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jne32(Reg dst, int imm, int off) {
        return new Insn(JMP32 | JNE | K, dst.num(), 0, off, imm);
    }

    public static Insn jne32(Reg dst, Reg src, int off) {
        return new Insn(JMP32 | JNE | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jsgt32(Reg dst, int imm, int off) {
        return new Insn(JMP32 | JSGT | K, dst.num(), 0, off, imm);
    }

    public static Insn jsgt32(Reg dst, Reg src, int off) {
        return new Insn(JMP32 | JSGT | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jsge32(Reg dst, int imm, int off) {
        return new Insn(JMP32 | JSGE | K, dst.num(), 0, off, imm);
    }

    public static Insn jsge32(Reg dst, Reg src, int off) {
        return new Insn(JMP32 | JSGE | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jslt32(Reg dst, int imm, int off) {
        return new Insn(JMP32 | JSLT | K, dst.num(), 0, off, imm);
    }

    public static Insn jslt32(Reg dst, Reg src, int off) {
        return new Insn(JMP32 | JSLT | X, dst.num(), src.num(), off, 0);
    }

    public static Insn jsle32(Reg dst, int imm, int off) {
        return new Insn(JMP32 | JSLE | K, dst.num(), 0, off, imm);
    }

    public static Insn jsle32(Reg dst, Reg src, int off) {
        return new Insn(JMP32 | JSLE | X, dst.num(), src.num(), off, 0);
    }

    /** Call helper {@code id}. */
    public static Insn call(int id) {
        return new Insn(CALL_IMM, 0, PSEUDO_CALL_HELPER, 0, id);
    }

    /** BPF-to-BPF call; the callee starts at {@code pc + 1 + imm}. */
    public static Insn callLocal(int imm) {
        return new Insn(CALL_IMM, 0, PSEUDO_CALL, 0, imm);
    }

    /** Kfunc call (src=2) by BTF id. */
    public static Insn callKfunc(int btfId) {
        return new Insn(CALL_IMM, 0, PSEUDO_KFUNC_CALL, 0, btfId);
    }

    /** Call the helper whose id is in {@code reg} (register in the dst field). */
    public static Insn callx(Reg reg) {
        return new Insn(CALLX, reg.num(), 0, 0, 0);
    }

    public static Insn exit() {
        return new Insn(EXIT_INSN, 0, 0, 0, 0);
    }
}
