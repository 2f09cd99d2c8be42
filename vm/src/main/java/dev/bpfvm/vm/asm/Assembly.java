package dev.bpfvm.vm.asm;

import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.InsnCodec;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The result of {@link Assembler#assembleSource}: the instructions, the labels and, for every
 * instruction, the source line it came from (for error messages that name {@code file:line}).
 */
public final class Assembly {
    private final List<Insn> insns;
    private final Map<String, Integer> labels;
    private final int[] lines;
    private final String[] texts;

    Assembly(List<Insn> insns, Map<String, Integer> labels, int[] lines, String[] texts) {
        this.insns = List.copyOf(insns);
        this.labels = Collections.unmodifiableMap(labels);
        this.lines = lines;
        this.texts = texts;
    }

    public List<Insn> insns() {
        return insns;
    }

    /** The instructions encoded (ld_imm64 as two slots). */
    public byte[] bytes() {
        return InsnCodec.encode(insns);
    }

    /** Number of 8-byte slots. */
    public int slotCount() {
        return lines.length;
    }

    /** Every label defined in the source, in definition order, with the slot it names. */
    public Map<String, Integer> labels() {
        return labels;
    }

    /** The 1-based source line of the instruction that starts at slot {@code pc}, or 0. */
    public int line(int pc) {
        return pc >= 0 && pc < lines.length ? lines[pc] : 0;
    }

    /** The source text (trimmed, comments included) of the instruction at slot {@code pc}, or null. */
    public String text(int pc) {
        return pc >= 0 && pc < texts.length ? texts[pc] : null;
    }
}
