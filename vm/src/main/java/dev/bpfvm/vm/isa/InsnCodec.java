package dev.bpfvm.vm.isa;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Bytes ⇄ instructions, in the little-endian RFC 9669 layout: byte 0 opcode, byte 1 dst (low
 * nibble) and src (high nibble), bytes 2-3 offset, bytes 4-7 imm. ld_imm64 takes two slots; its
 * second slot must have opcode 0 and zero registers and offset.
 *
 * <p>Decoding is structural only: an unknown opcode byte is decoded as it is (the interpreter
 * and verifier reject it when it matters), but truncated input and a broken ld_imm64 pair are
 * rejected here because they cannot be represented.
 */
public final class InsnCodec {
    private InsnCodec() {}

    public static final int SLOT = 8;

    /** Decodes a whole instruction stream. */
    public static List<Insn> decode(byte[] code) {
        return decode(code, 0, code.length);
    }

    public static List<Insn> decode(byte[] code, int offset, int length) {
        if (length % SLOT != 0) {
            throw new InsnFormatException(-1, "code length " + length + " is not a multiple of 8");
        }
        ByteBuffer bb = ByteBuffer.wrap(code, offset, length).order(ByteOrder.LITTLE_ENDIAN);
        int slots = length / SLOT;
        List<Insn> out = new ArrayList<>(slots);
        for (int pc = 0; pc < slots; pc++) {
            int base = offset + pc * SLOT;
            int opcode = bb.get(base) & 0xff;
            int regs = bb.get(base + 1) & 0xff;
            int off = bb.getShort(base + 2);
            int imm = bb.getInt(base + 4);
            if (opcode == Opcodes.LDDW) {
                if (pc + 1 >= slots) {
                    throw new InsnFormatException(pc, "ld_imm64 at the last slot has no second half");
                }
                int b2 = base + SLOT;
                int op2 = bb.get(b2) & 0xff;
                int regs2 = bb.get(b2 + 1) & 0xff;
                int off2 = bb.getShort(b2 + 2);
                if (op2 != 0 || regs2 != 0 || off2 != 0) {
                    throw new InsnFormatException(pc + 1, "invalid second half of ld_imm64 (opcode 0x"
                            + Integer.toHexString(op2) + ")");
                }
                out.add(new Insn(opcode, regs & 0xf, regs >>> 4, off, imm, bb.getInt(b2 + 4)));
                pc++;
            } else {
                out.add(new Insn(opcode, regs & 0xf, regs >>> 4, off, imm));
            }
        }
        return out;
    }

    /** Encodes instructions into bytes (ld_imm64 as two slots). */
    public static byte[] encode(List<Insn> insns) {
        int slots = 0;
        for (Insn i : insns) {
            slots += i.slots();
        }
        ByteBuffer bb = ByteBuffer.allocate(slots * SLOT).order(ByteOrder.LITTLE_ENDIAN);
        for (Insn i : insns) {
            bb.put((byte) i.opcode());
            bb.put((byte) ((i.src() << 4) | i.dst()));
            bb.putShort((short) i.off());
            bb.putInt(i.imm());
            if (i.isLddw()) {
                bb.put((byte) 0).put((byte) 0).putShort((short) 0).putInt(i.imm2());
            }
        }
        return bb.array();
    }

    /**
     * Lays instructions out by slot: element {@code pc} is the instruction that starts at slot
     * {@code pc}, and the second slot of an ld_imm64 is {@code null}.
     */
    public static Insn[] toSlots(List<Insn> insns) {
        int slots = 0;
        for (Insn i : insns) {
            slots += i.slots();
        }
        Insn[] out = new Insn[slots];
        int pc = 0;
        for (Insn i : insns) {
            out[pc] = i;
            pc += i.slots();
        }
        return out;
    }

    /** The inverse of {@link #toSlots}. */
    public static List<Insn> fromSlots(Insn[] slots) {
        List<Insn> out = new ArrayList<>(slots.length);
        for (Insn i : slots) {
            if (i != null) {
                out.add(i);
            }
        }
        return out;
    }
}
