package dev.bpfvm.verifier;

import dev.bpfvm.vm.spi.HelperSpec;
import java.util.Set;

/**
 * Which kernel helpers each family of program types may call, after the kernel's
 * {@code *_func_proto} tables (6.12), by helper name without the {@code bpf_} prefix. Helpers
 * Linux does not know (bpfvm extensions) are allowed everywhere, except
 * {@link #CGROUP_STATS_UPDATE}.
 */
final class HelperAvailability {
    private HelperAvailability() {}

    /**
     * bpfvm's helper 0x1000 {@code bpf_cgroup_stats_update} (the CGROUP_STATS map): only where a
     * program can hold a trusted {@code struct cgroup *} and count something for it: the tracing
     * family (kprobe, tracepoint, raw_tp, tp_btf, fentry/fexit, lsm, iter, perf_event, syscall)
     * and cgroup_skb (which gets its cgroup with a kfunc). Other types have no use for it.
     */
    static final String CGROUP_STATS_UPDATE = "cgroup_stats_update";

    /** Callable by every program type (bpf_base_func_proto without privileges). */
    static final Set<String> BASE = Set.of(
            "map_lookup_elem", "map_update_elem", "map_delete_elem", "map_push_elem", "map_pop_elem",
            "map_peek_elem", "map_lookup_percpu_elem", "get_prandom_u32", "get_smp_processor_id",
            "get_numa_node_id", "tail_call", "ktime_get_ns", "ktime_get_boot_ns", "ktime_get_tai_ns",
            "ringbuf_output", "ringbuf_reserve", "ringbuf_submit", "ringbuf_discard", "ringbuf_query",
            "for_each_map_elem", "loop", "user_ringbuf_drain", "ringbuf_reserve_dynptr",
            "ringbuf_submit_dynptr", "ringbuf_discard_dynptr", "strncmp", "strtol", "strtoul",
            "dynptr_from_mem", "dynptr_read", "dynptr_write", "dynptr_data");

    /** Base helpers that need CAP_BPF. */
    static final Set<String> BASE_BPF_CAPABLE = Set.of(
            "spin_lock", "spin_unlock", "jiffies64", "per_cpu_ptr", "this_cpu_ptr", "timer_init",
            "timer_set_callback", "timer_start", "timer_cancel", "kptr_xchg", "cgrp_storage_get",
            "cgrp_storage_delete");

    /** Base helpers that need CAP_PERFMON. */
    static final Set<String> BASE_PERFMON = Set.of(
            "trace_printk", "trace_vprintk", "snprintf", "snprintf_btf", "get_current_task",
            "get_current_task_btf", "task_pt_regs", "probe_read_user", "probe_read_kernel",
            "probe_read_user_str", "probe_read_kernel_str");

    /** Tracing program types (kprobe, tracepoint, raw_tp, tracing, perf_event). */
    static final Set<String> TRACING = Set.of(
            "get_current_pid_tgid", "get_current_uid_gid", "get_current_comm", "get_current_cgroup_id",
            "get_current_ancestor_cgroup_id", "get_cgroup_classid", "perf_event_output",
            "perf_event_read", "perf_event_read_value", "get_stackid", "get_stack", "get_task_stack",
            "current_task_under_cgroup", "send_signal", "send_signal_thread", "probe_write_user",
            "get_ns_current_pid_tgid", "task_storage_get", "task_storage_delete", "inode_storage_get",
            "inode_storage_delete", "get_func_ip", "get_attach_cookie", "get_branch_snapshot",
            "find_vma", "copy_from_user", "copy_from_user_task", "d_path", "skc_to_tcp6_sock",
            "skc_to_tcp_sock", "skc_to_tcp_timewait_sock", "skc_to_tcp_request_sock",
            "skc_to_udp6_sock", "skc_to_unix_sock", "skc_to_mptcp_sock", "sock_from_file",
            "get_func_arg", "get_func_ret", "get_func_arg_cnt", "seq_printf", "seq_write",
            "seq_printf_btf", "probe_read", "probe_read_str", "override_return", "get_retval",
            "set_retval", "ima_inode_hash", "ima_file_hash", "get_local_storage", "sys_bpf",
            "btf_find_by_name_kind", "sys_close", "kallsyms_lookup_name");

    /** Socket filter ({@code sk_filter_func_proto}). */
    static final Set<String> SKB = Set.of(
            "skb_load_bytes", "skb_load_bytes_relative", "get_socket_cookie", "get_socket_uid",
            "perf_event_output", "skc_to_tcp6_sock", "skc_to_tcp_sock", "skc_to_tcp_timewait_sock",
            "skc_to_tcp_request_sock", "skc_to_udp6_sock", "skc_to_unix_sock", "skc_to_mptcp_sock");

    /** Extra for cgroup_skb. */
    static final Set<String> CGROUP_SKB = Set.of(
            "get_local_storage", "sk_fullsock", "sk_storage_get", "sk_storage_delete", "skb_cgroup_id",
            "skb_ancestor_cgroup_id", "sk_cgroup_id", "sk_ancestor_cgroup_id", "tcp_sock",
            "get_listener_sock", "skc_lookup_tcp", "tcp_check_syncookie", "skb_ecn_set_ce",
            "get_current_uid_gid", "get_current_pid_tgid", "get_current_comm", "get_current_cgroup_id",
            "get_current_ancestor_cgroup_id", "get_cgroup_classid", "get_netns_cookie", "get_retval",
            "set_retval");

    /** Extra for tc (sched_cls / sched_act). */
    static final Set<String> TC = Set.of(
            "skb_store_bytes", "skb_pull_data", "csum_diff", "csum_update", "csum_level",
            "set_hash_invalid", "l3_csum_replace", "l4_csum_replace", "clone_redirect",
            "get_cgroup_classid", "skb_vlan_push", "skb_vlan_pop", "skb_change_proto",
            "skb_change_type", "skb_adjust_room", "skb_change_tail", "skb_change_head",
            "skb_get_tunnel_key", "skb_set_tunnel_key", "skb_get_tunnel_opt", "skb_set_tunnel_opt",
            "redirect", "get_route_realm", "get_hash_recalc", "set_hash", "skb_under_cgroup",
            "fib_lookup", "skb_get_xfrm_state", "skb_cgroup_classid", "skb_cgroup_id",
            "skb_ancestor_cgroup_id", "sk_lookup_tcp", "sk_lookup_udp", "sk_release", "skc_lookup_tcp",
            "tcp_sock", "get_listener_sock", "sk_fullsock", "tcp_check_syncookie", "tcp_gen_syncookie",
            "sk_storage_get", "sk_storage_delete", "sk_assign", "skb_set_tstamp", "redirect_peer",
            "redirect_neigh", "check_mtu", "skb_ecn_set_ce", "get_netns_cookie", "skb_output");

    /** Extra for xdp. */
    static final Set<String> XDP = Set.of(
            "perf_event_output", "csum_diff", "xdp_adjust_head", "xdp_adjust_meta", "redirect",
            "redirect_map", "xdp_adjust_tail", "fib_lookup", "check_mtu", "sk_lookup_udp",
            "sk_lookup_tcp", "sk_release", "skc_lookup_tcp", "tcp_check_syncookie",
            "tcp_gen_syncookie", "xdp_get_buff_len", "xdp_load_bytes", "xdp_store_bytes",
            "xdp_output");

    /** cgroup_base_func_proto: what every cgroup program type adds. */
    static final Set<String> CGROUP = Set.of(
            "get_current_uid_gid", "get_local_storage", "get_current_cgroup_id",
            "get_current_ancestor_cgroup_id", "get_cgroup_classid", "get_retval", "set_retval",
            "perf_event_output", "get_current_pid_tgid", "get_current_comm", "get_socket_cookie",
            "get_netns_cookie", "sk_storage_get", "sk_storage_delete");

    /** Extra for cgroup/sock_addr programs. */
    static final Set<String> SOCK_ADDR = Set.of(
            "bind", "sk_lookup_tcp", "sk_lookup_udp", "sk_release", "skc_lookup_tcp", "getsockopt",
            "setsockopt");

    /** Extra for the networking types whose protos fall back to {@code bpf_sk_base_func_proto}. */
    static final Set<String> SK_BASE = Set.of("ktime_get_coarse_ns");

    /** Every helper name Linux 6.12 has, so that anything else counts as a bpfvm extension. */
    private static final Set<String> ALL_KERNEL;

    static {
        java.util.HashSet<String> all = new java.util.HashSet<>();
        all.addAll(BASE);
        all.addAll(BASE_BPF_CAPABLE);
        all.addAll(BASE_PERFMON);
        all.addAll(TRACING);
        all.addAll(SKB);
        all.addAll(CGROUP_SKB);
        all.addAll(TC);
        all.addAll(XDP);
        all.addAll(CGROUP);
        all.addAll(SOCK_ADDR);
        all.addAll(SK_BASE);
        all.addAll(NetProgramTypes.LWT_HELPERS);
        all.addAll(NetProgramTypes.LWT_XMIT_HELPERS);
        all.addAll(NetProgramTypes.SK_SKB_HELPERS);
        all.addAll(NetProgramTypes.SK_MSG_HELPERS);
        all.addAll(NetProgramTypes.SOCK_OPS_HELPERS);
        all.addAll(NetProgramTypes.SYSCTL_HELPERS);
        all.addAll(Set.of("sock_map_update", "sock_hash_update", "msg_redirect_map", "msg_redirect_hash",
                "sk_redirect_map", "sk_redirect_hash", "sk_select_reuseport", "msg_pull_data",
                "msg_push_data", "msg_pop_data", "lwt_push_encap", "lwt_seg6_store_bytes",
                "lwt_seg6_action", "lwt_seg6_adjust_srh", "sysctl_get_name", "sysctl_get_current_value",
                "sysctl_get_new_value", "sysctl_set_new_value", "getsockopt", "setsockopt",
                "sock_ops_cb_flags_set", "bind", "rc_repeat", "rc_keydown", "rc_pointer_rel"));
        ALL_KERNEL = Set.copyOf(all);
    }

    static String shortName(HelperSpec spec) {
        String n = spec.name();
        return n.startsWith("bpf_") ? n.substring(4) : n;
    }

    /** Whether a helper is available given the type-specific extra sets. */
    static boolean allowed(HelperSpec spec, boolean privileged, Set<?>... extras) {
        String n = shortName(spec);
        if (n.equals(CGROUP_STATS_UPDATE)) {
            for (Set<?> s : extras) {
                if (s == TRACING || s == CGROUP_SKB) {
                    return true;
                }
            }
            return false;
        }
        if (!ALL_KERNEL.contains(n)) {
            return true;
        }
        if (BASE.contains(n)) {
            return true;
        }
        for (Set<?> s : extras) {
            if (s.contains(n)) {
                return true;
            }
        }
        if (privileged && (BASE_BPF_CAPABLE.contains(n) || BASE_PERFMON.contains(n))) {
            return true;
        }
        return false;
    }

    /** Helpers that may move packet data (bpf_helper_changes_pkt_data). */
    static final Set<String> CHANGES_PKT_DATA = Set.of(
            "skb_store_bytes", "skb_change_head", "skb_change_tail", "skb_pull_data", "skb_change_proto",
            "skb_vlan_push", "skb_vlan_pop", "skb_adjust_room", "xdp_adjust_head", "xdp_adjust_meta",
            "xdp_adjust_tail", "l3_csum_replace", "l4_csum_replace", "clone_redirect", "lwt_push_encap",
            "lwt_seg6_store_bytes", "lwt_seg6_adjust_srh", "lwt_seg6_action", "msg_pull_data",
            "msg_push_data", "msg_pop_data", "store_hdr_opt", "tail_call");
}
