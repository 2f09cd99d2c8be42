package dev.bpfvm.verifier;

import dev.bpfvm.vm.isa.Insn;

/**
 * Resolves what an {@code ld_imm64} refers to: the map ({@code BPF_PSEUDO_MAP_FD} / {@code
 * BPF_PSEUDO_MAP_VALUE} and their {@code _IDX} forms). The loader implements it from its
 * relocation side table; raw programs may use {@link #byFd}.
 */
@FunctionalInterface
public interface MapResolver {
    /** The map the ld_imm64 at slot {@code pc} names, or null if it names none. */
    MapInfo resolve(int pc, Insn insn);

    /**
     * For {@code BPF_PSEUDO_MAP_VALUE}: the offset into the map's value the ld_imm64 at slot
     * {@code pc} points at. The kernel's encoding keeps it in the second slot's imm.
     */
    default long valueOffset(int pc, Insn insn) {
        return Integer.toUnsignedLong(insn.imm2());
    }

    /**
     * Whether the ld_imm64s follow the kernel's encoding, where the second slot's imm of a
     * {@code BPF_PSEUDO_MAP_FD} must be 0. A loader that puts 64-bit handles there says false.
     */
    default boolean kernelEncoding() {
        return true;
    }

    /**
     * For a {@code BPF_PSEUDO_BTF_ID} ld_imm64 at slot {@code pc}: the kernel symbol it names,
     * or null to look its imm up as a VAR or FUNC id in the kernel BTF (the kernel's encoding).
     */
    default KernelSymbol kernelSymbol(int pc, Insn insn) {
        return null;
    }

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
