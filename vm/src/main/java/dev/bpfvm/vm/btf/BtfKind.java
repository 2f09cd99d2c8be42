package dev.bpfvm.vm.btf;

/** BTF kinds, by the kernel's {@code BTF_KIND_*} numbers. */
public enum BtfKind {
    UNKN(0), INT(1), PTR(2), ARRAY(3), STRUCT(4), UNION(5), ENUM(6), FWD(7), TYPEDEF(8),
    VOLATILE(9), CONST(10), RESTRICT(11), FUNC(12), FUNC_PROTO(13), VAR(14), DATASEC(15),
    FLOAT(16), DECL_TAG(17), TYPE_TAG(18), ENUM64(19);

    private final int value;

    BtfKind(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    public static BtfKind of(int value) {
        BtfKind[] all = values();
        return value >= 0 && value < all.length ? all[value] : null;
    }
}
