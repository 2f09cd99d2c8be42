package dev.bpfvm.junit;

import dev.bpfvm.vm.asm.Disassembler;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.SourceLine;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.spi.HelperSpec;
import java.util.Collection;
import java.util.Set;

/**
 * Disassembly with source lines for assertion messages: the verifier's instruction format, each
 * run of instructions preceded by its C line ({@code ; text @ file.c:NN}) when the line changes,
 * and marked instructions flagged with {@code ->}.
 */
public final class ProgramListing {
    private ProgramListing() {}

    /** The instructions within {@code radius} slots of {@code pc}, {@code pc} marked. */
    public static String around(Program program, int pc, int radius, Disassembler.Symbols symbols) {
        return range(program, Math.max(0, pc - radius), Math.min(program.slotCount() - 1, pc + radius), Set.of(pc),
                symbols);
    }

    /** Symbols naming the helpers of {@code runtime} (calls print as {@code call bpf_map_lookup_elem#1}). */
    public static Disassembler.Symbols helperNames(BpfRuntime runtime) {
        return Disassembler.Symbols.helpers(id -> {
            HelperSpec h = runtime.helpers().byId(id);
            return h == null ? null : h.name();
        });
    }

    /** Slots {@code from..to} (inclusive), each slot in {@code marked} flagged. */
    public static String range(Program program, int from, int to, Collection<Integer> marked,
            Disassembler.Symbols symbols) {
        StringBuilder sb = new StringBuilder();
        SourceLine last = null;
        for (int pc = from; pc <= to; pc++) {
            Insn insn = program.insnAt(pc);
            if (insn == null) {
                continue;                                // second slot of an ld_imm64
            }
            SourceLine line = program.sourceLine(pc);
            if (line != null && !sameLine(line, last)) {
                sb.append("   ").append(sourceComment(line)).append('\n');
            }
            if (line != null) {
                last = line;
            }
            sb.append(marked.contains(pc) ? "-> " : "   ").append(Disassembler.kernelLine(pc, insn, symbols)).append('\n');
        }
        return sb.toString();
    }

    /** {@code ; text @ file.c:NN} (without the text when the object has none). */
    public static String sourceComment(SourceLine line) {
        String text = line.text() == null ? "" : line.text().strip();
        return text.isEmpty() ? "; @ " + line : "; " + text + " @ " + line;
    }

    static boolean sameLine(SourceLine a, SourceLine b) {
        return b != null && a.line() == b.line() && a.file().equals(b.file());
    }
}
