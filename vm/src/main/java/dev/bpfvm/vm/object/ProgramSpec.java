package dev.bpfvm.vm.object;

import dev.bpfvm.vm.exec.SourceLine;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.InsnCodec;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One program of an object, as plain immutable data. Its instructions are the entry function
 * followed by every subprogram it reaches (depth-first in call order, as libbpf appends them),
 * with BPF-to-BPF calls and function pointers already pc-relative ({@code target = pc + imm + 1}).
 * Map, data, kfunc, ksym and CO-RE references are still symbolic: {@link #relocs()} says what
 * each such instruction refers to, and the {@link Linker} resolves them.
 *
 * @param name       the entry function's name
 * @param section    its ELF section, i.e. the {@code SEC()} name
 * @param type       program type from the section name
 * @param attachType expected attach type from the section name
 * @param attachTo   what follows the section prefix (e.g. {@code cgroup_attach_task} of
 *                   {@code fentry/cgroup_attach_task}), or ""
 * @param flags      program flags from the section ({@link #BPF_F_SLEEPABLE}, {@link #BPF_F_XDP_HAS_FRAGS})
 * @param insns      the linked instruction stream (instruction indexes count slots)
 * @param relocs     slot → what the instruction at that slot refers to
 * @param functions  the entry function first, then the subprograms, with their slot ranges
 * @param lines      line info records, ascending by slot (empty without {@code -g})
 * @param license    the object's license string
 */
public record ProgramSpec(String name, String section, ProgramType type, AttachType attachType, String attachTo,
                          int flags, List<Insn> insns, SortedMap<Integer, Reloc> relocs,
                          List<FunctionSpec> functions, List<SourceRef> lines, String license) {
    public static final int BPF_F_SLEEPABLE = 1 << 4;
    public static final int BPF_F_XDP_HAS_FRAGS = 1 << 5;

    public ProgramSpec {
        Objects.requireNonNull(name);
        Objects.requireNonNull(section);
        Objects.requireNonNull(type);
        Objects.requireNonNull(attachType);
        Objects.requireNonNull(attachTo);
        Objects.requireNonNull(license);
        insns = List.copyOf(insns);
        relocs = Collections.unmodifiableSortedMap(new TreeMap<>(relocs));
        functions = List.copyOf(functions);
        lines = List.copyOf(lines);
    }

    public boolean sleepable() {
        return (flags & BPF_F_SLEEPABLE) != 0;
    }

    /** Number of 8-byte slots (what the kernel calls the instruction count). */
    public int slotCount() {
        int n = 0;
        for (Insn i : insns) {
            n += i.slots();
        }
        return n;
    }

    /** Instructions by slot; the second slot of an ld_imm64 is null. */
    public Insn[] slots() {
        return InsnCodec.toSlots(insns);
    }

    /** The entry function followed by the subprograms. */
    public FunctionSpec mainFunction() {
        return functions.get(0);
    }

    /** The function that contains slot {@code insn}, or null. */
    public FunctionSpec functionAt(int insn) {
        for (FunctionSpec f : functions) {
            if (f.contains(insn)) {
                return f;
            }
        }
        return null;
    }

    /** The source line of slot {@code insn}: the last line info record at or before it in the same function. */
    public SourceLine sourceLine(int insn) {
        int lo = 0;
        int hi = lines.size() - 1;
        SourceRef best = null;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            SourceRef r = lines.get(mid);
            if (r.insn() <= insn) {
                best = r;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (best == null) {
            return null;
        }
        FunctionSpec f = functionAt(insn);
        if (f != null && !f.contains(best.insn())) {
            return null;
        }
        return best.line();
    }

    /** The line info record that starts exactly at slot {@code insn}, or null. */
    public SourceLine lineStartingAt(int insn) {
        int lo = 0;
        int hi = lines.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int at = lines.get(mid).insn();
            if (at == insn) {
                return lines.get(mid).line();
            } else if (at < insn) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return null;
    }

    /** The source file of the entry function (from line info), or null. */
    public String sourceFile() {
        SourceLine l = sourceLine(0);
        return l == null ? (lines.isEmpty() ? null : lines.get(0).line().file()) : l.file();
    }
}
