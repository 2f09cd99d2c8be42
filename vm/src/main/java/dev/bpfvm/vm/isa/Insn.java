package dev.bpfvm.vm.isa;

/**
 * One eBPF instruction, immutable. {@code lddw} (ld_imm64) is one {@code Insn} that covers two
 * 8-byte slots: {@link #imm} holds the low 32 bits and {@link #imm2} the imm of the second slot
 * (the high 32 bits).
 *
 * @param opcode the opcode byte, 0..255
 * @param dst    destination register, 0..15 as encoded (only 0..10 are registers)
 * @param src    source register, 0..15 as encoded
 * @param off    signed 16-bit offset
 * @param imm    signed 32-bit immediate
 * @param imm2   for ld_imm64, the second slot's imm; 0 otherwise
 */
public record Insn(int opcode, int dst, int src, int off, int imm, int imm2) {

    public Insn {
        if (opcode < 0 || opcode > 0xff) {
            throw new IllegalArgumentException("opcode out of range: " + opcode);
        }
        if (dst < 0 || dst > 0xf || src < 0 || src > 0xf) {
            throw new IllegalArgumentException("register out of range: dst=" + dst + " src=" + src);
        }
        if (off < Short.MIN_VALUE || off > Short.MAX_VALUE) {
            throw new IllegalArgumentException("offset out of range: " + off);
        }
        if (opcode != Opcodes.LDDW && imm2 != 0) {
            throw new IllegalArgumentException("imm2 is only for ld_imm64");
        }
    }

    public Insn(int opcode, int dst, int src, int off, int imm) {
        this(opcode, dst, src, off, imm, 0);
    }

    /** An ld_imm64 with a full 64-bit immediate. */
    public static Insn lddw(int dst, int src, long imm64) {
        return new Insn(Opcodes.LDDW, dst, src, 0, (int) imm64, (int) (imm64 >>> 32));
    }

    public boolean isLddw() {
        return opcode == Opcodes.LDDW;
    }

    /** The 64-bit immediate of ld_imm64. */
    public long imm64() {
        return (imm & 0xffffffffL) | ((long) imm2 << 32);
    }

    /** Number of 8-byte slots: 2 for ld_imm64, 1 otherwise. */
    public int slots() {
        return isLddw() ? 2 : 1;
    }

    public int cls() {
        return Opcodes.cls(opcode);
    }

    public Insn withImm(int newImm) {
        return new Insn(opcode, dst, src, off, newImm, imm2);
    }

    public Insn withImm64(long imm64) {
        return new Insn(opcode, dst, src, off, (int) imm64, (int) (imm64 >>> 32));
    }

    public Insn withSrc(int newSrc) {
        return new Insn(opcode, dst, newSrc, off, imm, imm2);
    }

    public Insn withOff(int newOff) {
        return new Insn(opcode, dst, src, newOff, imm, imm2);
    }

    public boolean isCall() {
        return opcode == Opcodes.CALL_IMM;
    }

    public boolean isHelperCall() {
        return opcode == Opcodes.CALL_IMM && src == Opcodes.PSEUDO_CALL_HELPER;
    }

    public boolean isLocalCall() {
        return opcode == Opcodes.CALL_IMM && src == Opcodes.PSEUDO_CALL;
    }

    public boolean isKfuncCall() {
        return opcode == Opcodes.CALL_IMM && src == Opcodes.PSEUDO_KFUNC_CALL;
    }

    public boolean isExit() {
        return opcode == Opcodes.EXIT_INSN;
    }

    @Override
    public String toString() {
        return dev.bpfvm.vm.asm.Disassembler.kernel(this);
    }
}
