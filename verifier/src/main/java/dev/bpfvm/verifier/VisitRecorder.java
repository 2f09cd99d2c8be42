package dev.bpfvm.verifier;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records instruction visits for {@link Verifier#trace}: the path structure of every visit, and the state
 * text of the first and the last {@code keep} visits (a long verification keeps its start and its end,
 * where a rejection is, within bounded memory).
 */
final class VisitRecorder {
    private final int keep;
    final List<VerifierVisit> visits = new ArrayList<>();
    /** The visit each pushed (not yet explored) state branched from. */
    private final Map<VerifierState, Integer> pushedAt = new IdentityHashMap<>();
    private VerifierState lastState;

    VisitRecorder(int keep) {
        this.keep = keep;
    }

    /** A state was pushed for later exploration from the current visit. */
    void pushed(VerifierState st) {
        pushedAt.put(st, visits.size() - 1);
    }

    /** The verifier arrives at {@code env.insnIdx} with {@code env.cur}; its log line begins at {@code logPos}. */
    void visit(Env env, boolean pruned, int from, int logPos) {
        VerifierState cur = env.cur;
        int parent;
        if (cur == lastState) {
            parent = visits.size() - 1;
        } else {
            Integer p = pushedAt.remove(cur);
            parent = p != null ? p : -1;
        }
        lastState = cur;
        StringBuilder sb = new StringBuilder();
        StatePrinter.appendFrame(sb, cur, cur.cur(), true, 0, 0);
        String state = sb.toString().strip();
        visits.add(new VerifierVisit(env.insnIdx, parent, from, pruned, cur.curframe, state, logPos));
        int drop = visits.size() - 1 - keep;
        if (drop >= keep) {
            visits.set(drop, visits.get(drop).withoutState());
        }
    }
}
