package dev.bpfvm.vm.spi;

/** Helper return types, by the kernel's {@code enum bpf_return_type} names (without {@code RET_}). */
public enum RetType {
    INTEGER,
    VOID,
    PTR_TO_MAP_VALUE,
    PTR_TO_MAP_VALUE_OR_NULL,
    PTR_TO_SOCKET_OR_NULL,
    PTR_TO_MEM_OR_NULL,
    PTR_TO_ALLOC_MEM_OR_NULL,
    PTR_TO_BTF_ID,
    PTR_TO_BTF_ID_OR_NULL,
    PTR_TO_MEM_OR_BTF_ID,
}
