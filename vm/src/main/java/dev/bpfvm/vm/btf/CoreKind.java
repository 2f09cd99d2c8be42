package dev.bpfvm.vm.btf;

/** CO-RE relocation kinds, by the kernel's {@code enum bpf_core_relo_kind} numbers; labels as libbpf logs them. */
public enum CoreKind {
    FIELD_BYTE_OFFSET(0, "byte_off"),
    FIELD_BYTE_SIZE(1, "byte_sz"),
    FIELD_EXISTS(2, "field_exists"),
    FIELD_SIGNED(3, "signed"),
    FIELD_LSHIFT_U64(4, "lshift_u64"),
    FIELD_RSHIFT_U64(5, "rshift_u64"),
    TYPE_ID_LOCAL(6, "local_type_id"),
    TYPE_ID_TARGET(7, "target_type_id"),
    TYPE_EXISTS(8, "type_exists"),
    TYPE_SIZE(9, "type_size"),
    ENUMVAL_EXISTS(10, "enumval_exists"),
    ENUMVAL_VALUE(11, "enumval_value"),
    TYPE_MATCHES(12, "type_matches");

    private final int value;
    private final String label;

    CoreKind(int value, String label) {
        this.value = value;
        this.label = label;
    }

    public int value() {
        return value;
    }

    /** libbpf's short name, e.g. {@code byte_off}. */
    public String label() {
        return label;
    }

    public static CoreKind of(int value) {
        for (CoreKind k : values()) {
            if (k.value == value) {
                return k;
            }
        }
        return null;
    }

    public boolean isFieldBased() {
        return value <= FIELD_RSHIFT_U64.value;
    }

    public boolean isTypeBased() {
        return this == TYPE_ID_LOCAL || this == TYPE_ID_TARGET || this == TYPE_EXISTS || this == TYPE_SIZE
                || this == TYPE_MATCHES;
    }

    public boolean isEnumValueBased() {
        return this == ENUMVAL_EXISTS || this == ENUMVAL_VALUE;
    }
}
