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
    /** Part of a dynptr (two slots; {@link #dynptrFirst} marks the one at the lower address). */
    static final byte DYNPTR = 4;
    /** Part of an open-coded iterator (its first slot at the higher address holds the reference). */
    static final byte ITER = 5;

    static final int ITER_ACTIVE = 1;
    static final int ITER_DRAINED = 2;

    /** Per byte, indexed as the kernel does: byte i of the slot is {@code types[i]}. */
    final byte[] types = new byte[8];
    final RegState spilled = new RegState();
    /** ITER slots: the iterator kind ({@code num} for {@code struct bpf_iter_num}), its state and loop depth. */
    String iterKind;
    int iterState;
    int iterDepth;
    /** DYNPTR slots: the dynptr kind ({@code local}, {@code ringbuf}, ...) and whether this is the first slot. */
    String dynptrKind;
    boolean dynptrFirst;

    StackSlot copy() {
        StackSlot s = new StackSlot();
        System.arraycopy(types, 0, s.types, 0, 8);
        s.spilled.copyFrom(spilled);
        s.iterKind = iterKind;
        s.iterState = iterState;
        s.iterDepth = iterDepth;
        s.dynptrKind = dynptrKind;
        s.dynptrFirst = dynptrFirst;
        return s;
    }

    /** Forgets what an iterator or dynptr kept in this slot (the byte types are set by the caller). */
    void clearSpecial() {
        iterKind = null;
        iterState = 0;
        iterDepth = 0;
        dynptrKind = null;
        dynptrFirst = false;
    }

    boolean isIter() {
        return types[0] == ITER;
    }

    boolean isDynptr() {
        return types[0] == DYNPTR;
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
            case DYNPTR: return 'd';
            case ITER: return 'i';
            default: return '?';
        }
    }

    boolean sameTypes(StackSlot o) {
        return Arrays.equals(types, o.types);
    }
}
