package dev.bpfvm.vm.jit;

import static dev.bpfvm.vm.isa.Opcodes.*;

import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.isa.Insn;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.TreeSet;

/**
 * Which slots start a BPF function (slot 0, every local-call target, every function-pointer
 * target) and which slots each function can reach without a call. Functions are compiled from
 * what they reach, so code shared by two functions (possible only in unverified programs) is
 * simply compiled twice and behaves the same.
 */
final class CodeAnalysis {
    final Program prog;
    final int slots;
    final TreeSet<Integer> entries = new TreeSet<>();

    CodeAnalysis(Program prog) {
        this.prog = prog;
        this.slots = prog.slotCount();
        if (slots > 0) {
            entries.add(0);   // an empty program has no function: the interpreter reports the fault
        }
        for (int pc = 0; pc < slots; pc++) {
            Insn i = valid(pc);
            if (i == null) {
                continue;
            }
            if (i.isLocalCall() || i.opcode() == LDDW && i.src() == PSEUDO_FUNC) {
                int t = pc + i.imm() + 1;
                if (t >= 0 && t < slots) {
                    entries.add(t);
                }
            }
        }
    }

    /** The well-formed instruction at {@code pc}, or null if executing it faults. */
    Insn valid(int pc) {
        return prog.invalidReason(pc) == null ? prog.insnAt(pc) : null;
    }

    /** The slot a jump at {@code pc} goes to when taken (JA, GOTOL, conditional jumps). */
    static int jumpTarget(Insn i, int pc) {
        return i.opcode() == GOTOL ? pc + i.imm() + 1 : pc + i.off() + 1;
    }

    /** Whether execution can continue at the next instruction. */
    static boolean fallsThrough(Insn i) {
        int op = i.opcode();
        return op != EXIT_INSN && op != JA64 && op != GOTOL;
    }

    /** The slots reachable from {@code entry} without following calls. */
    BitSet reachable(int entry) {
        BitSet seen = new BitSet(slots);
        ArrayDeque<Integer> work = new ArrayDeque<>();
        work.add(entry);
        while (!work.isEmpty()) {
            int pc = work.poll();
            if (pc < 0 || pc >= slots || seen.get(pc)) {
                continue;
            }
            seen.set(pc);
            Insn i = valid(pc);
            if (i == null) {
                continue;
            }
            if (isJump(i.opcode()) && (isCondJump(i.opcode()) || i.opcode() == JA64 || i.opcode() == GOTOL)) {
                work.add(jumpTarget(i, pc));
            }
            if (fallsThrough(i)) {
                work.add(pc + i.slots());
            }
        }
        return seen;
    }

    /** Slots of {@code body} that some jump inside {@code body} targets. */
    BitSet jumpTargets(BitSet body) {
        BitSet t = new BitSet(slots);
        for (int pc = body.nextSetBit(0); pc >= 0; pc = body.nextSetBit(pc + 1)) {
            Insn i = valid(pc);
            if (i != null && isJump(i.opcode()) && (isCondJump(i.opcode()) || i.opcode() == JA64 || i.opcode() == GOTOL)) {
                int target = jumpTarget(i, pc);
                if (target >= 0 && target < slots) {
                    t.set(target);
                }
            }
        }
        return t;
    }
}
