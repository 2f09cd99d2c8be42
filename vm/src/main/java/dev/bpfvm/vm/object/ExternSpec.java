package dev.bpfvm.vm.object;

import java.util.Objects;

/**
 * An {@code extern} the object declares: a Kconfig value ({@code __kconfig}), a kernel variable
 * or a kfunc ({@code __ksym}).
 *
 * @param name    the symbol name
 * @param kind    what it is
 * @param weak    declared {@code __weak}: may be missing (0, or a call that fails only when reached)
 * @param btfId   its VAR or FUNC id in the object's BTF
 * @param type    C spelling of its type (e.g. {@code bool}, {@code u64}, {@code struct rq})
 * @param offset  for KCONFIG: byte offset in the {@code .kconfig} map; else -1
 * @param size    for KCONFIG: size in bytes; else 0
 * @param kconfig for KCONFIG: how its value is encoded; else null
 */
public record ExternSpec(String name, Kind kind, boolean weak, int btfId, String type, int offset, int size,
                         KconfigType kconfig) {
    public enum Kind {
        KCONFIG, KSYM, KFUNC;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** libbpf's Kconfig extern types. */
    public enum KconfigType {
        /** {@code bool}/{@code _Bool}: y → 1, n → 0. */
        BOOL,
        /** {@code enum libbpf_tristate}: n → 0, y → 1, m → 2. */
        TRISTATE,
        /** {@code char}: the first character of y/n/m. */
        CHAR,
        /** signed integer of {@code size} bytes. */
        INT,
        /** unsigned integer of {@code size} bytes. */
        UINT,
        /** {@code char[N]}: a quoted string value, NUL-padded. */
        STRING
    }

    public ExternSpec {
        Objects.requireNonNull(name);
        Objects.requireNonNull(kind);
        Objects.requireNonNull(type);
    }
}
