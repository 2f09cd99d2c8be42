package dev.bpfvm.vm.object;

import dev.bpfvm.vm.spi.KfuncRegistry;
import dev.bpfvm.vm.spi.KfuncSpec;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Where the {@link Linker} gets the addresses and ids that symbolic references become. The
 * caller (a loader of live objects, a test) knows where it put each map and which kernel
 * symbols and kfuncs exist.
 */
public interface SymbolResolver {
    /** The address of the live map's handle (what {@code ld_imm64} with {@code BPF_PSEUDO_MAP_FD} loads). */
    long mapAddress(String map);

    /**
     * The address of the first byte of a global data map's value ({@code .data}, {@code .rodata},
     * {@code .bss}, {@code .kconfig}, ...); the linker adds the offset.
     */
    long mapValueAddress(String map);

    /** The address of a kernel variable declared {@code extern ... __ksym}, if it exists. */
    default OptionalLong ksymAddress(String name) {
        return OptionalLong.empty();
    }

    /** The BTF id of a kfunc in the kernel's BTF, if the kernel has it. */
    default OptionalInt kfuncBtfId(String name) {
        return OptionalInt.empty();
    }

    /** A resolver whose kfuncs come from a registry (ids as registered), maps and ksyms from {@code base}. */
    static SymbolResolver withKfuncs(SymbolResolver base, KfuncRegistry kfuncs) {
        return new SymbolResolver() {
            @Override
            public long mapAddress(String map) {
                return base.mapAddress(map);
            }

            @Override
            public long mapValueAddress(String map) {
                return base.mapValueAddress(map);
            }

            @Override
            public OptionalLong ksymAddress(String name) {
                return base.ksymAddress(name);
            }

            @Override
            public OptionalInt kfuncBtfId(String name) {
                KfuncSpec k = kfuncs.byName(name);
                return k != null ? OptionalInt.of(k.btfId()) : base.kfuncBtfId(name);
            }
        };
    }
}
