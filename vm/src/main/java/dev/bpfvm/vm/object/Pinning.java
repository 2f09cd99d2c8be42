package dev.bpfvm.vm.object;

/** libbpf's map pinning modes ({@code LIBBPF_PIN_*}). */
public enum Pinning {
    NONE, BY_NAME;

    public static Pinning of(long value) {
        return value == 0 ? NONE : value == 1 ? BY_NAME : null;
    }
}
