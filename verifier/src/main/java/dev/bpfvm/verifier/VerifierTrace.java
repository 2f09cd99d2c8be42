package dev.bpfvm.verifier;

import dev.bpfvm.vm.exec.SourceLine;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A verification with every instruction visit recorded ({@link Verifier#trace}).
 *
 * @param result  the verification's result, as {@link Verifier#verify} gives it
 * @param visits  every visit in the order the verifier made them
 * @param insns   per instruction slot, the text the log prints after {@code N: } (e.g.
 *                {@code (b7) r0 = 0}); null for the second slot of an {@code ld_imm64}
 * @param sources per instruction slot, its source line from BTF line info, or null
 */
public record VerifierTrace(VerifierResult result, List<VerifierVisit> visits, List<String> insns,
        List<SourceLine> sources) {
    public VerifierTrace {
        visits = List.copyOf(visits);
        insns = Collections.unmodifiableList(new ArrayList<>(insns));
        sources = Collections.unmodifiableList(new ArrayList<>(sources));
    }

    /**
     * For a rejection inside the checking of an instruction: the visits of the failing path, from where it
     * starts to the failing visit (the last); empty when the program was accepted or the rejection is about
     * the whole program (its structure, its stack depth, its type).
     */
    public List<VerifierVisit> failingPath() {
        if (result.accepted() || visits.isEmpty() || visits.get(visits.size() - 1).insn() != result.errorInsn()) {
            return List.of();
        }
        List<VerifierVisit> path = new ArrayList<>();
        for (int i = visits.size() - 1; i >= 0; i = visits.get(i).parent()) {
            path.add(visits.get(i));
        }
        Collections.reverse(path);
        return List.copyOf(path);
    }
}
