package dev.bpfvm.verifier;

/**
 * Base register types, by the kernel's {@code enum bpf_reg_type} names, with the short name the
 * kernel prints in its log ({@code reg_type_str}). Modifiers (may be null, read-only, ...) are
 * the flag bits of {@link RegState#flags}.
 */
public enum RegType {
    NOT_INIT("?"),
    SCALAR_VALUE("scalar"),
    PTR_TO_CTX("ctx"),
    CONST_PTR_TO_MAP("map_ptr"),
    PTR_TO_MAP_VALUE("map_value"),
    PTR_TO_MAP_KEY("map_key"),
    PTR_TO_STACK("fp"),
    PTR_TO_PACKET("pkt"),
    PTR_TO_PACKET_META("pkt_meta"),
    PTR_TO_PACKET_END("pkt_end"),
    PTR_TO_FLOW_KEYS("flow_keys"),
    PTR_TO_SOCKET("sock"),
    PTR_TO_SOCK_COMMON("sock_common"),
    PTR_TO_TCP_SOCK("tcp_sock"),
    PTR_TO_TP_BUFFER("tp_buffer"),
    PTR_TO_XDP_SOCK("xdp_sock"),
    PTR_TO_BTF_ID("ptr_"),
    PTR_TO_MEM("mem"),
    PTR_TO_BUF("buf"),
    PTR_TO_FUNC("func");

    private final String shortName;

    RegType(String shortName) {
        this.shortName = shortName;
    }

    /** The name the kernel log prints for this base type. */
    public String shortName() {
        return shortName;
    }

    public boolean isPacket() {
        return this == PTR_TO_PACKET || this == PTR_TO_PACKET_META;
    }

    public boolean isPacketAny() {
        return isPacket() || this == PTR_TO_PACKET_END;
    }

    public boolean isSocket() {
        return this == PTR_TO_SOCKET || this == PTR_TO_SOCK_COMMON || this == PTR_TO_TCP_SOCK
                || this == PTR_TO_XDP_SOCK;
    }

    public boolean isMapPtr() {
        return this == CONST_PTR_TO_MAP || this == PTR_TO_MAP_KEY || this == PTR_TO_MAP_VALUE;
    }
}
