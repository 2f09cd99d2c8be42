package dev.bpfvm.verifier;

import dev.bpfvm.vm.spi.HelperSpec;
import java.util.Set;

/**
 * The other networking program types: lightweight tunnels, sk_skb, sk_msg, sock_ops, cgroup
 * device and sysctl, and the flow dissector, with their uapi context layouts and the access
 * rules of their {@code *_is_valid_access} in Linux 6.12.
 */
final class NetProgramTypes {
    private NetProgramTypes() {}

    private static boolean in(int off, int start, int end) {
        return off >= start && off < end;
    }

    private abstract static class Base implements ProgramTypeRules {
        private final String name;
        private final String kernelType;
        private final Set<?>[] helperSets;

        Base(String name, String kernelType, Set<?>... helperSets) {
            this.name = name;
            this.kernelType = kernelType;
            this.helperSets = helperSets;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String kernelType() {
            return kernelType;
        }

        @Override
        public boolean helperAllowed(HelperSpec h, boolean privileged) {
            return HelperAvailability.allowed(h, privileged, helperSets);
        }

        @Override
        public String toString() {
            return name + " (" + kernelType + ")";
        }
    }

    static final Set<String> LWT_HELPERS = Set.of(
            "skb_load_bytes", "skb_pull_data", "csum_diff", "get_cgroup_classid", "get_route_realm",
            "get_hash_recalc", "perf_event_output", "skb_under_cgroup");
    static final Set<String> LWT_XMIT_HELPERS = Set.of(
            "skb_get_tunnel_key", "skb_set_tunnel_key", "skb_get_tunnel_opt", "skb_set_tunnel_opt",
            "redirect", "clone_redirect", "skb_change_tail", "skb_change_head", "skb_store_bytes",
            "csum_update", "csum_level", "l3_csum_replace", "l4_csum_replace", "set_hash_invalid",
            "lwt_push_encap");
    static final Set<String> SK_SKB_HELPERS = Set.of(
            "skb_store_bytes", "skb_load_bytes", "skb_pull_data", "skb_change_tail", "skb_change_head",
            "skb_adjust_room", "get_socket_cookie", "get_socket_uid", "sk_redirect_map", "sk_redirect_hash",
            "sk_lookup_tcp", "sk_lookup_udp", "sk_release", "skc_lookup_tcp", "perf_event_output");
    static final Set<String> SK_MSG_HELPERS = Set.of(
            "msg_redirect_map", "msg_redirect_hash", "msg_apply_bytes", "msg_cork_bytes", "msg_pull_data",
            "msg_push_data", "msg_pop_data", "perf_event_output", "get_current_uid_gid", "get_current_pid_tgid",
            "sk_storage_get", "sk_storage_delete", "get_netns_cookie", "get_current_cgroup_id",
            "get_current_ancestor_cgroup_id", "get_cgroup_classid");
    static final Set<String> SOCK_OPS_HELPERS = Set.of(
            "setsockopt", "getsockopt", "sock_ops_cb_flags_set", "sock_map_update", "sock_hash_update",
            "get_socket_cookie", "get_netns_cookie", "perf_event_output", "sk_storage_get", "sk_storage_delete",
            "get_local_storage", "tcp_sock", "load_hdr_opt", "store_hdr_opt", "reserve_hdr_opt");
    static final Set<String> SYSCTL_HELPERS = Set.of(
            "sysctl_get_name", "sysctl_get_current_value", "sysctl_get_new_value", "sysctl_set_new_value");
    static final Set<String> FLOW_DISSECTOR_HELPERS = Set.of("skb_load_bytes");

    /** lwt_is_valid_access: __sk_buff with direct packet reads (writes for lwt_xmit). */
    private static final class Lwt extends Base {
        private final boolean xmit;

        Lwt(String name, String kernelType, boolean xmit) {
            super(name, kernelType, LWT_HELPERS, xmit ? LWT_XMIT_HELPERS : Set.of(), HelperAvailability.SK_BASE);
            this.xmit = xmit;
        }

        @Override
        public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
            if (in(off, ProgramTypes.SKB_TC_CLASSID, ProgramTypes.SKB_TC_CLASSID + 4)
                    || in(off, ProgramTypes.SKB_FAMILY, ProgramTypes.SKB_LOCAL_PORT_END)
                    || in(off, ProgramTypes.SKB_DATA_META, ProgramTypes.SKB_DATA_META + 4)
                    || in(off, ProgramTypes.SKB_TSTAMP, ProgramTypes.SKB_TSTAMP + 8)
                    || in(off, ProgramTypes.SKB_WIRE_LEN, ProgramTypes.SKB_WIRE_LEN + 4)
                    || in(off, ProgramTypes.SKB_HWTSTAMP, ProgramTypes.SKB_HWTSTAMP + 8)) {
                return null;
            }
            if (write && !(in(off, ProgramTypes.SKB_MARK, ProgramTypes.SKB_MARK + 4)
                    || in(off, ProgramTypes.SKB_PRIORITY, ProgramTypes.SKB_PRIORITY + 4)
                    || in(off, ProgramTypes.SKB_CB, ProgramTypes.SKB_CB_END))) {
                return null;
            }
            RegType r = in(off, ProgramTypes.SKB_DATA, ProgramTypes.SKB_DATA + 4) ? RegType.PTR_TO_PACKET
                    : in(off, ProgramTypes.SKB_DATA_END, ProgramTypes.SKB_DATA_END + 4) ? RegType.PTR_TO_PACKET_END
                    : null;
            return ProgramTypes.skbAccess(off, size, write, ldsx, r);
        }

        @Override
        public boolean packetRead() {
            return true;
        }

        @Override
        public boolean packetWrite() {
            return xmit;
        }
    }

    static final ProgramTypeRules LWT_IN = new Lwt("lwt_in", "BPF_PROG_TYPE_LWT_IN", false);
    static final ProgramTypeRules LWT_OUT = new Lwt("lwt_out", "BPF_PROG_TYPE_LWT_OUT", false);
    static final ProgramTypeRules LWT_XMIT = new Lwt("lwt_xmit", "BPF_PROG_TYPE_LWT_XMIT", true);
    static final ProgramTypeRules LWT_SEG6LOCAL = new Lwt("lwt_seg6local", "BPF_PROG_TYPE_LWT_SEG6LOCAL", false);

    /** sk_skb_is_valid_access. */
    static final ProgramTypeRules SK_SKB = new Base("sk_skb", "BPF_PROG_TYPE_SK_SKB", HelperAvailability.SKB, SK_SKB_HELPERS,
            HelperAvailability.SK_BASE) {
        @Override
        public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
            if (in(off, ProgramTypes.SKB_TC_CLASSID, ProgramTypes.SKB_TC_CLASSID + 4)
                    || in(off, ProgramTypes.SKB_DATA_META, ProgramTypes.SKB_DATA_META + 4)
                    || in(off, ProgramTypes.SKB_TSTAMP, ProgramTypes.SKB_TSTAMP + 8)
                    || in(off, ProgramTypes.SKB_WIRE_LEN, ProgramTypes.SKB_WIRE_LEN + 4)
                    || in(off, ProgramTypes.SKB_HWTSTAMP, ProgramTypes.SKB_HWTSTAMP + 8)
                    || in(off, ProgramTypes.SKB_MARK, ProgramTypes.SKB_MARK + 4)) {
                return null;
            }
            if (write && !(in(off, ProgramTypes.SKB_TC_INDEX, ProgramTypes.SKB_TC_INDEX + 4)
                    || in(off, ProgramTypes.SKB_PRIORITY, ProgramTypes.SKB_PRIORITY + 4))) {
                return null;
            }
            RegType r = in(off, ProgramTypes.SKB_DATA, ProgramTypes.SKB_DATA + 4) ? RegType.PTR_TO_PACKET
                    : in(off, ProgramTypes.SKB_DATA_END, ProgramTypes.SKB_DATA_END + 4) ? RegType.PTR_TO_PACKET_END
                    : null;
            return ProgramTypes.skbAccess(off, size, write, ldsx, r);
        }

        @Override
        public boolean packetRead() {
            return true;
        }

        @Override
        public boolean packetWrite() {
            return true;
        }
    };

    // struct sk_msg_md
    static final int MSG_DATA = 0;
    static final int MSG_DATA_END = 8;
    static final int MSG_FAMILY = 16;
    static final int MSG_SIZE = 68;
    static final int MSG_SK = 72;
    static final int SK_MSG_MD_SIZE = 80;

    /** sk_msg_is_valid_access: read-only struct sk_msg_md with 64-bit data pointers. */
    static final ProgramTypeRules SK_MSG = new Base("sk_msg", "BPF_PROG_TYPE_SK_MSG", SK_MSG_HELPERS, HelperAvailability.SK_BASE) {
        @Override
        public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
            if (write || off < 0 || off >= SK_MSG_MD_SIZE || off % size != 0) {
                return null;
            }
            switch (off) {
                case MSG_DATA:
                    return size == 8 ? ContextAccess.of(RegType.PTR_TO_PACKET) : null;
                case MSG_DATA_END:
                    return size == 8 ? ContextAccess.of(RegType.PTR_TO_PACKET_END) : null;
                case MSG_SK:
                    return size == 8 ? new ContextAccess(RegType.PTR_TO_SOCKET, 0, null, 0) : null;
                default:
                    return off >= MSG_FAMILY && off <= MSG_SIZE && size == 4 ? ContextAccess.SCALAR : null;
            }
        }

        @Override
        public boolean packetRead() {
            return true;
        }

        @Override
        public boolean packetWrite() {
            return true;
        }
    };

    // struct bpf_sock_ops
    static final int OPS_REPLY = 4;
    static final int OPS_SK_TXHASH = 164;
    static final int OPS_BYTES_RECEIVED = 168;
    static final int OPS_BYTES_ACKED = 176;
    static final int OPS_SK = 184;
    static final int OPS_SKB_DATA = 192;
    static final int OPS_SKB_DATA_END = 200;
    static final int OPS_SKB_TCP_FLAGS = 212;
    static final int OPS_SKB_HWTSTAMP = 216;
    static final int SOCK_OPS_SIZE = 224;

    /** sock_ops_is_valid_access. */
    static final ProgramTypeRules SOCK_OPS = new Base("sockops", "BPF_PROG_TYPE_SOCK_OPS", SOCK_OPS_HELPERS, HelperAvailability.SK_BASE) {
        @Override
        public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
            if (off < 0 || off >= SOCK_OPS_SIZE || off % size != 0) {
                return null;
            }
            if (write) {
                return (off == OPS_REPLY || off == OPS_SK_TXHASH) && size == 4 ? ContextAccess.SCALAR : null;
            }
            int field = off & ~7;   // the 8-byte fields are refused at any other size, as bpf_ctx_range does
            if (off != field && (field == OPS_BYTES_RECEIVED || field == OPS_BYTES_ACKED || field == OPS_SKB_HWTSTAMP
                    || field == OPS_SK || field == OPS_SKB_DATA || field == OPS_SKB_DATA_END)) {
                return null;
            }
            switch (off) {
                case OPS_BYTES_RECEIVED:
                case OPS_BYTES_ACKED:
                case OPS_SKB_HWTSTAMP:
                    return size == 8 ? ContextAccess.SCALAR : null;
                case OPS_SK:
                    return size == 8 ? new ContextAccess(RegType.PTR_TO_SOCKET, RegState.MAYBE_NULL, null, 0) : null;
                case OPS_SKB_DATA:
                    return size == 8 ? ContextAccess.of(RegType.PTR_TO_PACKET) : null;
                case OPS_SKB_DATA_END:
                    return size == 8 ? ContextAccess.of(RegType.PTR_TO_PACKET_END) : null;
                case OPS_SKB_TCP_FLAGS:
                    return size <= 4 ? ContextAccess.scalar(4) : null;
                default:
                    return size == 4 ? ContextAccess.SCALAR : null;
            }
        }

        @Override
        public int[] returnRange() {
            return new int[] {0, 1};
        }

        @Override
        public boolean packetRead() {
            return true;
        }
    };

    /** cgroup/dev: struct bpf_cgroup_dev_ctx, read-only. */
    static final ProgramTypeRules CGROUP_DEVICE = new Base("cgroup/dev", "BPF_PROG_TYPE_CGROUP_DEVICE",
            HelperAvailability.CGROUP) {
        @Override
        public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
            if (write || off < 0 || off + size > 12 || off % size != 0) {
                return null;
            }
            if (off < 4) {
                return ContextAccess.scalar(4);
            }
            return size == 4 ? ContextAccess.SCALAR : null;
        }

        @Override
        public int[] returnRange() {
            return new int[] {0, 1};
        }
    };

    /** cgroup/sysctl: struct bpf_sysctl { write; file_pos; }, file_pos writable. */
    static final ProgramTypeRules CGROUP_SYSCTL = new Base("cgroup/sysctl", "BPF_PROG_TYPE_CGROUP_SYSCTL",
            HelperAvailability.CGROUP, SYSCTL_HELPERS, HelperAvailability.SK_BASE) {
        @Override
        public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
            if (off < 0 || off + size > 8 || off % size != 0) {
                return null;
            }
            if (off < 4) {
                return write ? null : ContextAccess.scalar(4);
            }
            return size == 4 ? ContextAccess.SCALAR : null;
        }

        @Override
        public int[] returnRange() {
            return new int[] {0, 1};
        }
    };

    /** flow_dissector_is_valid_access: data, data_end and flow_keys of __sk_buff, read-only. */
    static final ProgramTypeRules FLOW_DISSECTOR = new Base("flow_dissector", "BPF_PROG_TYPE_FLOW_DISSECTOR",
            FLOW_DISSECTOR_HELPERS, HelperAvailability.SK_BASE) {
        @Override
        public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
            if (write) {
                return null;
            }
            // a sign-extending load (ldsx) of a pointer field is refused
            if (off == ProgramTypes.SKB_DATA) {
                return size == 4 && !ldsx ? ContextAccess.of(RegType.PTR_TO_PACKET) : null;
            }
            if (off == ProgramTypes.SKB_DATA_END) {
                return size == 4 && !ldsx ? ContextAccess.of(RegType.PTR_TO_PACKET_END) : null;
            }
            if (off == ProgramTypes.SKB_FLOW_KEYS) {
                return size == 8 && !ldsx ? ContextAccess.of(RegType.PTR_TO_FLOW_KEYS) : null;
            }
            return null;
        }

        @Override
        public boolean packetRead() {
            return true;
        }
    };
}
