package dev.bpfvm.verifier;

import dev.bpfvm.vm.isa.Insn;

/**
 * Resolves the map an {@code ld_imm64} refers to ({@code BPF_PSEUDO_MAP_FD} / {@code
 * BPF_PSEUDO_MAP_VALUE} and their {@code _IDX} forms). The loader implements it from its
 * relocation side table; raw programs may use {@link #byFd}.
 */
@FunctionalInterface
public interface MapResolver {
    /** The map the ld_imm64 at slot {@code pc} names, or null if it names none. */
    MapInfo resolve(int pc, Insn insn);

    /** No maps at all. */
    static MapResolver none() {
        return (pc, insn) -> null;
    }

    /** Maps by "fd" number: the ld_imm64's imm indexes the given list (0-based). */
    static MapResolver byFd(java.util.List<? extends MapInfo> maps) {
        java.util.List<MapInfo> copy = java.util.List.copyOf(maps);
        return (pc, insn) -> insn.imm() >= 0 && insn.imm() < copy.size() ? copy.get(insn.imm()) : null;
    }
}
