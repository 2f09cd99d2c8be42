package dev.bpfvm.verifier;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.SourceLine;
import java.util.List;

/**
 * The outcome of a verification.
 *
 * @param accepted         whether Linux would load the program
 * @param log              the verifier log in the kernel's format, ending with the stats line
 * @param message          for a rejection, the error line (the last log line before the stats);
 *                         null when accepted
 * @param errno            for a rejection, the errno Linux would return (EINVAL, EACCES, ...)
 * @param insnsProcessed   instructions processed (the complexity measure)
 * @param maxStatesPerInsn most states kept for one instruction
 * @param totalStates      states ever stored for pruning
 * @param peakStates       most states stored at once
 * @param markRead         longest read-mark walk (always 0: bpfvm uses static liveness)
 * @param errorInsn        the instruction the rejection is about, or -1
 * @param errorLine        its source line from BTF line info, or null
 * @param stackDepths      per subprogram, the stack depth in bytes
 */
public record VerifierResult(boolean accepted, String log, String message, Errno errno, int insnsProcessed,
        int maxStatesPerInsn, int totalStates, int peakStates, int markRead, int errorInsn, SourceLine errorLine,
        List<Integer> stackDepths) {

    public VerifierResult {
        stackDepths = List.copyOf(stackDepths);
    }

    /** The stats line, e.g. {@code processed 3 insns (limit 1000000) max_states_per_insn 0 ...}. */
    public String statsLine() {
        return "processed " + insnsProcessed + " insns (limit " + Verifier.COMPLEXITY_LIMIT_INSNS
                + ") max_states_per_insn " + maxStatesPerInsn + " total_states " + totalStates
                + " peak_states " + peakStates + " mark_read " + markRead;
    }

    /** The throwable form of a rejection. */
    public VerifierException toException(String programName) {
        if (accepted) {
            throw new IllegalStateException("program was accepted");
        }
        return new VerifierException(log, message, errno, errorInsn, programName,
                errorLine != null ? errorLine.toString() : null);
    }
}
