package dev.bpfvm.vm.elf;

import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import java.util.List;
import java.util.Optional;

/**
 * The {@code SEC()} name table: program section name → program type, expected attach type and
 * flags, with libbpf's matching rules. A pattern ending in {@code +} matches the bare name or
 * the name followed by {@code /target}; one ending in {@code /} matches any name with that
 * prefix; any other pattern matches exactly. The first match wins, so longer patterns come first.
 */
public final class SectionDefs {
    private SectionDefs() {}

    /** Sleepable: may call sleepable helpers and kfuncs ({@code BPF_F_SLEEPABLE}). */
    public static final int SLEEPABLE = 1;
    /** Attach target is a BTF type (fentry, tp_btf, iter, lsm, ...). */
    public static final int ATTACH_BTF = 1 << 1;
    /** The expected attach type is required at load. */
    public static final int ATTACHABLE = 1 << 2;
    /** The expected attach type is optional at load. */
    public static final int ATTACHABLE_OPT = 1 << 3;
    /** XDP with fragments ({@code BPF_F_XDP_HAS_FRAGS}). */
    public static final int XDP_FRAGS = 1 << 4;
    /** USDT probe (needs libbpf's usdt support). */
    public static final int USDT = 1 << 5;

    /** One row of the table. */
    public record SectionDef(String pattern, ProgramType type, AttachType attachType, int flags) {
        public boolean sleepable() {
            return (flags & SLEEPABLE) != 0;
        }
    }

    /** A section name matched against the table; {@code attachTo} is the part after the prefix's '/' (may be empty). */
    public record Match(SectionDef def, String attachTo) {}

    private static SectionDef d(String p, ProgramType t, AttachType a, int flags) {
        return new SectionDef(p, t, a, flags);
    }

    private static final AttachType NONE = AttachType.NONE;

    private static final List<SectionDef> DEFS = List.of(
            d("socket", ProgramType.SOCKET_FILTER, NONE, 0),
            d("sk_reuseport/migrate", ProgramType.SK_REUSEPORT, AttachType.SK_REUSEPORT_SELECT_OR_MIGRATE, ATTACHABLE),
            d("sk_reuseport", ProgramType.SK_REUSEPORT, AttachType.SK_REUSEPORT_SELECT, ATTACHABLE),
            d("kprobe+", ProgramType.KPROBE, NONE, 0),
            d("uprobe+", ProgramType.KPROBE, NONE, 0),
            d("uprobe.s+", ProgramType.KPROBE, NONE, SLEEPABLE),
            d("kretprobe+", ProgramType.KPROBE, NONE, 0),
            d("uretprobe+", ProgramType.KPROBE, NONE, 0),
            d("uretprobe.s+", ProgramType.KPROBE, NONE, SLEEPABLE),
            d("kprobe.multi+", ProgramType.KPROBE, AttachType.TRACE_KPROBE_MULTI, 0),
            d("kretprobe.multi+", ProgramType.KPROBE, AttachType.TRACE_KPROBE_MULTI, 0),
            d("kprobe.session+", ProgramType.KPROBE, AttachType.TRACE_KPROBE_SESSION, 0),
            d("uprobe.multi+", ProgramType.KPROBE, AttachType.TRACE_UPROBE_MULTI, 0),
            d("uretprobe.multi+", ProgramType.KPROBE, AttachType.TRACE_UPROBE_MULTI, 0),
            d("uprobe.multi.s+", ProgramType.KPROBE, AttachType.TRACE_UPROBE_MULTI, SLEEPABLE),
            d("uretprobe.multi.s+", ProgramType.KPROBE, AttachType.TRACE_UPROBE_MULTI, SLEEPABLE),
            d("uprobe.session+", ProgramType.KPROBE, AttachType.TRACE_UPROBE_SESSION, 0),
            d("uprobe.session.s+", ProgramType.KPROBE, AttachType.TRACE_UPROBE_SESSION, SLEEPABLE),
            d("ksyscall+", ProgramType.KPROBE, NONE, 0),
            d("kretsyscall+", ProgramType.KPROBE, NONE, 0),
            d("usdt+", ProgramType.KPROBE, NONE, USDT),
            d("usdt.s+", ProgramType.KPROBE, NONE, USDT | SLEEPABLE),
            d("tc/ingress", ProgramType.SCHED_CLS, AttachType.TCX_INGRESS, 0),
            d("tc/egress", ProgramType.SCHED_CLS, AttachType.TCX_EGRESS, 0),
            d("tcx/ingress", ProgramType.SCHED_CLS, AttachType.TCX_INGRESS, 0),
            d("tcx/egress", ProgramType.SCHED_CLS, AttachType.TCX_EGRESS, 0),
            d("tc", ProgramType.SCHED_CLS, NONE, 0),
            d("classifier", ProgramType.SCHED_CLS, NONE, 0),
            d("action", ProgramType.SCHED_ACT, NONE, 0),
            d("netkit/primary", ProgramType.SCHED_CLS, AttachType.NETKIT_PRIMARY, 0),
            d("netkit/peer", ProgramType.SCHED_CLS, AttachType.NETKIT_PEER, 0),
            d("tracepoint+", ProgramType.TRACEPOINT, NONE, 0),
            d("tp+", ProgramType.TRACEPOINT, NONE, 0),
            d("raw_tracepoint+", ProgramType.RAW_TRACEPOINT, NONE, 0),
            d("raw_tp+", ProgramType.RAW_TRACEPOINT, NONE, 0),
            d("raw_tracepoint.w+", ProgramType.RAW_TRACEPOINT_WRITABLE, NONE, 0),
            d("raw_tp.w+", ProgramType.RAW_TRACEPOINT_WRITABLE, NONE, 0),
            d("tp_btf+", ProgramType.TRACING, AttachType.TRACE_RAW_TP, ATTACH_BTF),
            // bpfvm extension (no libbpf section): a sleepable tp_btf program, for bpf_sys_bpf on cgroup_mkdir
            d("tp_btf.s+", ProgramType.TRACING, AttachType.TRACE_RAW_TP, ATTACH_BTF | SLEEPABLE),
            d("fentry+", ProgramType.TRACING, AttachType.TRACE_FENTRY, ATTACH_BTF),
            d("fmod_ret+", ProgramType.TRACING, AttachType.MODIFY_RETURN, ATTACH_BTF),
            d("fexit+", ProgramType.TRACING, AttachType.TRACE_FEXIT, ATTACH_BTF),
            d("fentry.s+", ProgramType.TRACING, AttachType.TRACE_FENTRY, ATTACH_BTF | SLEEPABLE),
            d("fmod_ret.s+", ProgramType.TRACING, AttachType.MODIFY_RETURN, ATTACH_BTF | SLEEPABLE),
            d("fexit.s+", ProgramType.TRACING, AttachType.TRACE_FEXIT, ATTACH_BTF | SLEEPABLE),
            d("freplace+", ProgramType.EXT, NONE, ATTACH_BTF),
            d("lsm+", ProgramType.LSM, AttachType.LSM_MAC, ATTACH_BTF),
            d("lsm.s+", ProgramType.LSM, AttachType.LSM_MAC, ATTACH_BTF | SLEEPABLE),
            d("lsm_cgroup+", ProgramType.LSM, AttachType.LSM_CGROUP, ATTACH_BTF),
            d("iter+", ProgramType.TRACING, AttachType.TRACE_ITER, ATTACH_BTF),
            d("iter.s+", ProgramType.TRACING, AttachType.TRACE_ITER, ATTACH_BTF | SLEEPABLE),
            d("syscall", ProgramType.SYSCALL, NONE, SLEEPABLE),
            d("xdp.frags/devmap", ProgramType.XDP, AttachType.XDP_DEVMAP, XDP_FRAGS),
            d("xdp/devmap", ProgramType.XDP, AttachType.XDP_DEVMAP, ATTACHABLE),
            d("xdp.frags/cpumap", ProgramType.XDP, AttachType.XDP_CPUMAP, XDP_FRAGS),
            d("xdp/cpumap", ProgramType.XDP, AttachType.XDP_CPUMAP, ATTACHABLE),
            d("xdp.frags", ProgramType.XDP, AttachType.XDP, XDP_FRAGS),
            d("xdp", ProgramType.XDP, AttachType.XDP, ATTACHABLE_OPT),
            d("perf_event", ProgramType.PERF_EVENT, NONE, 0),
            d("lwt_in", ProgramType.LWT_IN, NONE, 0),
            d("lwt_out", ProgramType.LWT_OUT, NONE, 0),
            d("lwt_xmit", ProgramType.LWT_XMIT, NONE, 0),
            d("lwt_seg6local", ProgramType.LWT_SEG6LOCAL, NONE, 0),
            d("sockops", ProgramType.SOCK_OPS, AttachType.CGROUP_SOCK_OPS, ATTACHABLE_OPT),
            d("sk_skb/stream_parser", ProgramType.SK_SKB, AttachType.SK_SKB_STREAM_PARSER, ATTACHABLE_OPT),
            d("sk_skb/stream_verdict", ProgramType.SK_SKB, AttachType.SK_SKB_STREAM_VERDICT, ATTACHABLE_OPT),
            d("sk_skb/verdict", ProgramType.SK_SKB, AttachType.SK_SKB_VERDICT, ATTACHABLE_OPT),
            d("sk_skb", ProgramType.SK_SKB, NONE, 0),
            d("sk_msg", ProgramType.SK_MSG, AttachType.SK_MSG_VERDICT, ATTACHABLE_OPT),
            d("lirc_mode2", ProgramType.LIRC_MODE2, AttachType.LIRC_MODE2, ATTACHABLE_OPT),
            d("flow_dissector", ProgramType.FLOW_DISSECTOR, AttachType.FLOW_DISSECTOR, ATTACHABLE_OPT),
            d("cgroup_skb/ingress", ProgramType.CGROUP_SKB, AttachType.CGROUP_INET_INGRESS, ATTACHABLE_OPT),
            d("cgroup_skb/egress", ProgramType.CGROUP_SKB, AttachType.CGROUP_INET_EGRESS, ATTACHABLE_OPT),
            d("cgroup/skb", ProgramType.CGROUP_SKB, NONE, 0),
            d("cgroup/sock_create", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE, ATTACHABLE),
            d("cgroup/sock_release", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_RELEASE, ATTACHABLE),
            d("cgroup/sock", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE, ATTACHABLE_OPT),
            d("cgroup/post_bind4", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET4_POST_BIND, ATTACHABLE),
            d("cgroup/post_bind6", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET6_POST_BIND, ATTACHABLE),
            d("cgroup/bind4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_BIND, ATTACHABLE),
            d("cgroup/bind6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_BIND, ATTACHABLE),
            d("cgroup/connect4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_CONNECT, ATTACHABLE),
            d("cgroup/connect6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_CONNECT, ATTACHABLE),
            d("cgroup/connect_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_CONNECT, ATTACHABLE),
            d("cgroup/sendmsg4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP4_SENDMSG, ATTACHABLE),
            d("cgroup/sendmsg6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP6_SENDMSG, ATTACHABLE),
            d("cgroup/sendmsg_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_SENDMSG, ATTACHABLE),
            d("cgroup/recvmsg4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP4_RECVMSG, ATTACHABLE),
            d("cgroup/recvmsg6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP6_RECVMSG, ATTACHABLE),
            d("cgroup/recvmsg_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_RECVMSG, ATTACHABLE),
            d("cgroup/getpeername4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_GETPEERNAME, ATTACHABLE),
            d("cgroup/getpeername6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_GETPEERNAME, ATTACHABLE),
            d("cgroup/getpeername_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_GETPEERNAME, ATTACHABLE),
            d("cgroup/getsockname4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_GETSOCKNAME, ATTACHABLE),
            d("cgroup/getsockname6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_GETSOCKNAME, ATTACHABLE),
            d("cgroup/getsockname_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_GETSOCKNAME, ATTACHABLE),
            d("cgroup/sysctl", ProgramType.CGROUP_SYSCTL, AttachType.CGROUP_SYSCTL, ATTACHABLE),
            d("cgroup/getsockopt", ProgramType.CGROUP_SOCKOPT, AttachType.CGROUP_GETSOCKOPT, ATTACHABLE),
            d("cgroup/setsockopt", ProgramType.CGROUP_SOCKOPT, AttachType.CGROUP_SETSOCKOPT, ATTACHABLE),
            d("cgroup/dev", ProgramType.CGROUP_DEVICE, AttachType.CGROUP_DEVICE, ATTACHABLE_OPT),
            d("struct_ops+", ProgramType.STRUCT_OPS, NONE, 0),
            d("struct_ops.s+", ProgramType.STRUCT_OPS, NONE, SLEEPABLE),
            d("sk_lookup", ProgramType.SK_LOOKUP, AttachType.SK_LOOKUP, ATTACHABLE),
            d("netfilter", ProgramType.NETFILTER, AttachType.NETFILTER, 0),
            // bpfvm: a CGROUP_STATS map's aggregator; the part after the '/' names the map
            d("cgroup_stats_agg/", ProgramType.CGROUP_STATS_AGG, AttachType.CGROUP_STATS_AGG, ATTACHABLE));

    /** The whole table, in matching order. */
    public static List<SectionDef> all() {
        return DEFS;
    }

    /**
     * The first definition matching {@code section}, with the attach target that follows it. A
     * leading {@code ?} (libbpf: not loaded unless asked for) is ignored: bpfvm loads every program.
     */
    public static Optional<Match> match(String sectionName) {
        String section = sectionName.startsWith("?") ? sectionName.substring(1) : sectionName;
        for (SectionDef d : DEFS) {
            String p = d.pattern();
            if (p.endsWith("+")) {
                String base = p.substring(0, p.length() - 1);
                if (section.equals(base)) {
                    return Optional.of(new Match(d, ""));
                }
                if (section.startsWith(base + "/")) {
                    return Optional.of(new Match(d, section.substring(base.length() + 1)));
                }
            } else if (p.endsWith("/")) {
                if (section.startsWith(p)) {
                    return Optional.of(new Match(d, section.substring(p.length())));
                }
            } else if (section.equals(p)) {
                return Optional.of(new Match(d, ""));
            }
        }
        return Optional.empty();
    }
}
