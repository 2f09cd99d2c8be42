package dev.bpfvm.vm.object;

import java.util.Locale;

/**
 * Program types by the kernel's {@code enum bpf_prog_type} names (without {@code BPF_PROG_TYPE_}) and numbers.
 * {@link #CGROUP_STATS_AGG} is a bpfvm extension with a number outside Linux's range.
 */
public enum ProgramType {
    UNSPEC(0), SOCKET_FILTER(1), KPROBE(2), SCHED_CLS(3), SCHED_ACT(4), TRACEPOINT(5), XDP(6),
    PERF_EVENT(7), CGROUP_SKB(8), CGROUP_SOCK(9), LWT_IN(10), LWT_OUT(11), LWT_XMIT(12),
    SOCK_OPS(13), SK_SKB(14), CGROUP_DEVICE(15), SK_MSG(16), RAW_TRACEPOINT(17),
    CGROUP_SOCK_ADDR(18), LWT_SEG6LOCAL(19), LIRC_MODE2(20), SK_REUSEPORT(21),
    FLOW_DISSECTOR(22), CGROUP_SYSCTL(23), RAW_TRACEPOINT_WRITABLE(24), CGROUP_SOCKOPT(25),
    TRACING(26), STRUCT_OPS(27), EXT(28), LSM(29), SK_LOOKUP(30), SYSCALL(31), NETFILTER(32),
    /** bpfvm: the aggregator of a CGROUP_STATS map ({@code SEC("cgroup_stats_agg/MAP")}), combining a child's value into its parent's. */
    CGROUP_STATS_AGG(0x1000);

    private final int value;

    ProgramType(int value) {
        this.value = value;
    }

    /** The kernel's number. */
    public int value() {
        return value;
    }

    /** E.g. {@code BPF_PROG_TYPE_SCHED_CLS}. */
    public String kernelName() {
        return "BPF_PROG_TYPE_" + name();
    }

    /** The lower-case name bpftool prints, e.g. {@code sched_cls}. */
    public String bpftoolName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ProgramType of(int value) {
        for (ProgramType t : values()) {
            if (t.value == value) {
                return t;
            }
        }
        return null;
    }
}
