package dev.bpfvm.verifier;

import java.util.Arrays;

/**
 * One 8-byte stack slot: the kind of each byte and, for a spill, the spilled register
 * ({@code struct bpf_stack_state}).
 */
final class StackSlot {
    static final byte INVALID = 0;
    static final byte SPILL = 1;
    static final byte MISC = 2;
    static final byte ZERO = 3;

    /** Per byte, indexed as the kernel does: byte i of the slot is {@code types[i]}. */
    final byte[] types = new byte[8];
    final RegState spilled = new RegState();

    StackSlot copy() {
        StackSlot s = new StackSlot();
        System.arraycopy(types, 0, s.types, 0, 8);
        s.spilled.copyFrom(spilled);
        return s;
    }

    /** A full 8-byte register spill (is_spilled_reg looks at the last byte). */
    boolean isSpill() {
        return types[7] == SPILL;
    }

    boolean isSpilledScalar() {
        return isSpill() && spilled.type == RegType.SCALAR_VALUE;
    }

    boolean isAllInvalid() {
        for (byte b : types) {
            if (b != INVALID) {
                return false;
            }
        }
        return true;
    }

    /** The kernel's slot_type_char: {@code ?rm0}. */
    static char typeChar(byte t) {
        switch (t) {
            case SPILL: return 'r';
            case MISC: return 'm';
            case ZERO: return '0';
            default: return '?';
        }
    }

    boolean sameTypes(StackSlot o) {
        return Arrays.equals(types, o.types);
    }
}
