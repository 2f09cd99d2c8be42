package dev.bpfvm.vm.isa;

/** Bytes that cannot be instructions: truncated code or a broken ld_imm64 pair. */
public class InsnFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final int slot;

    public InsnFormatException(int slot, String message) {
        super(slot >= 0 ? "insn " + slot + ": " + message : message);
        this.slot = slot;
    }

    /** The slot index where decoding failed, or -1 when it concerns the whole stream. */
    public int slot() {
        return slot;
    }
}
