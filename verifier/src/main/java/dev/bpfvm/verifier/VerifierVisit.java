package dev.bpfvm.verifier;

/**
 * One visit of an instruction by the verifier: the state it arrived with, and where the visit sits on its
 * path. Recorded by {@link Verifier#trace}.
 *
 * @param insn     the instruction
 * @param parent   the index (in {@link VerifierTrace#visits()}) of the visit before this one on the same
 *                 path: the previous instruction, or the branch whose other direction this path follows;
 *                 -1 where a path starts (instruction 0, a global function, an async callback)
 * @param from     for a visit that starts a path popped from the verifier's stack (a log
 *                 {@code from X to Y:} entry), X; else -1
 * @param pruned   the verifier found the state equivalent to one it had explored (log {@code Y: safe})
 *                 and did not check the instruction again
 * @param frame    the call frame the instruction runs in (0 for the main program)
 * @param state    the current frame's registers and stack slots on arrival, in the kernel's notation
 *                 ({@code R1=ctx() R10=fp0}, a non-main frame prefixed {@code frame1:}); null when the
 *                 trace kept no state for this visit (see {@link Verifier#trace})
 * @param logPos   where the visit's instruction line (or {@code safe} line) begins in the log; meaningful at
 *                 log level 2, where the log is never rewound
 */
public record VerifierVisit(int insn, int parent, int from, boolean pruned, int frame, String state, int logPos) {
    VerifierVisit withoutState() {
        return new VerifierVisit(insn, parent, from, pruned, frame, null, logPos);
    }
}
