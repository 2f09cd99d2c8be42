package dev.bpfvm.vm.object;

import dev.bpfvm.vm.btf.BtfExt.CoreRelo;

/**
 * What an instruction of a {@link ProgramSpec} refers to, by name: the side table the linker,
 * verifier, disassembler and error messages read. Calls and function pointers are already
 * resolved to slots in the spec; the others are resolved by the {@link Linker}.
 */
public sealed interface Reloc {
    /** A short description for listings, e.g. {@code map counts} or {@code kfunc bpf_rcu_read_lock}. */
    String describe();

    /** {@code ld_imm64} of a map ({@code BPF_PSEUDO_MAP_FD}). */
    record MapRef(String map) implements Reloc {
        public String describe() {
            return "map " + map;
        }
    }

    /**
     * {@code ld_imm64} of an address inside a global data map's value ({@code BPF_PSEUDO_MAP_VALUE}):
     * {@code .data}, {@code .rodata}, {@code .bss}, {@code .kconfig} and the like. {@code symbol}
     * is the variable (or the section, for anonymous data such as string literals).
     */
    record DataRef(String map, long offset, String symbol) implements Reloc {
        public String describe() {
            return symbol.equals(map) ? map + "+" + offset : symbol + " (" + map + "+" + offset + ")";
        }
    }

    /** A BPF-to-BPF call; {@code target} is the callee's first slot in the program. */
    record CallRef(String function, int target) implements Reloc {
        public String describe() {
            return "call " + function;
        }
    }

    /** {@code ld_imm64} of a function's address ({@code BPF_PSEUDO_FUNC}), e.g. a {@code bpf_loop} callback. */
    record FuncRef(String function, int target) implements Reloc {
        public String describe() {
            return "func " + function;
        }
    }

    /** A call of a kernel function declared {@code extern ... __ksym}; resolved by name to a BTF id. */
    record KfuncCall(String name, boolean weak) implements Reloc {
        public String describe() {
            return "kfunc " + name + (weak ? " (weak)" : "");
        }
    }

    /**
     * {@code ld_imm64} of a kernel symbol declared {@code extern ... __ksym}: typed
     * ({@code BPF_PSEUDO_BTF_ID}) or typeless (a plain address); a kfunc named as a value
     * ({@code bpf_ksym_exists}) is typed.
     */
    record KsymRef(String name, boolean weak, boolean typed) implements Reloc {
        public String describe() {
            return "ksym " + name + (weak ? " (weak)" : "");
        }
    }

    /** A CO-RE relocation, applied against the target kernel BTF when linking. */
    record CoreRef(CoreRelo relo, String localSpec) implements Reloc {
        public String describe() {
            return "CO-RE " + relo.kind().label() + " " + localSpec;
        }
    }
}
