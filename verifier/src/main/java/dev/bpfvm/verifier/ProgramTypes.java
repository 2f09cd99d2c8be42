package dev.bpfvm.verifier;

import dev.bpfvm.vm.spi.HelperSpec;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Built-in program type models: context layouts from the kernel's uapi structs
 * ({@code struct __sk_buff}, {@code struct xdp_md}, {@code struct pt_regs} on x86-64, tracing
 * argument arrays) with the access rules of each type's {@code is_valid_access}.
 */
public final class ProgramTypes {
    private ProgramTypes() {}

    /** {@code sizeof(struct __sk_buff)}. */
    public static final int SK_BUFF_SIZE = 192;
    /** {@code sizeof(struct xdp_md)}. */
    public static final int XDP_MD_SIZE = 24;
    /** {@code sizeof(struct pt_regs)} on x86-64. */
    public static final int PT_REGS_SIZE = 168;
    /** MAX_BPF_FUNC_ARGS u64 arguments. */
    public static final int TRACING_CTX_SIZE = 12 * 8;
    /** PERF_MAX_TRACE_SIZE. */
    public static final int TRACEPOINT_CTX_SIZE = 8192;

    // struct __sk_buff offsets
    static final int SKB_MARK = 8;
    static final int SKB_QUEUE_MAPPING = 12;
    static final int SKB_PRIORITY = 32;
    static final int SKB_TC_INDEX = 44;
    static final int SKB_CB = 48;
    static final int SKB_CB_END = 68;
    static final int SKB_TC_CLASSID = 72;
    static final int SKB_DATA = 76;
    static final int SKB_DATA_END = 80;
    static final int SKB_FAMILY = 88;
    static final int SKB_REMOTE_IP4 = 92;
    static final int SKB_LOCAL_IP6_END = 132;
    static final int SKB_LOCAL_PORT_END = 140;
    static final int SKB_DATA_META = 140;
    static final int SKB_FLOW_KEYS = 144;
    static final int SKB_TSTAMP = 152;
    static final int SKB_WIRE_LEN = 160;
    static final int SKB_SK = 168;
    static final int SKB_TSTAMP_TYPE = 180;
    static final int SKB_HWTSTAMP = 184;

    // struct xdp_md offsets
    static final int XDP_DATA = 0;
    static final int XDP_DATA_END = 4;
    static final int XDP_DATA_META = 8;
    static final int XDP_EGRESS_IFINDEX = 20;

    private static boolean in(int off, int start, int end) {
        return off >= start && off < end;
    }

    /** bpf_skb_is_valid_access: the checks every __sk_buff program shares. */
    static ContextAccess skbAccess(int off, int size, boolean write, boolean ldsx, RegType result) {
        if (off < 0 || off >= SK_BUFF_SIZE) {
            return null;
        }
        if (off % size != 0) {
            return null;
        }
        if (in(off, SKB_CB, SKB_CB_END)) {
            if (off + size > SKB_CB_END) {
                return null;
            }
        } else if (in(off, SKB_DATA, SKB_DATA + 4) || in(off, SKB_DATA_META, SKB_DATA_META + 4)
                || in(off, SKB_DATA_END, SKB_DATA_END + 4)) {
            if (ldsx || size != 4) {
                return null;
            }
        } else if (in(off, SKB_REMOTE_IP4, SKB_LOCAL_IP6_END)) {
            if (size != 4) {
                return null;
            }
        } else if (in(off, SKB_FLOW_KEYS, SKB_FLOW_KEYS + 8)) {
            return null;
        } else if (in(off, SKB_HWTSTAMP, SKB_HWTSTAMP + 8)) {
            if (write || size != 8) {
                return null;
            }
        } else if (in(off, SKB_TSTAMP, SKB_TSTAMP + 8)) {
            if (size != 8) {
                return null;
            }
        } else if (in(off, SKB_SK, SKB_SK + 8)) {
            if (write || size != 8) {
                return null;
            }
            return new ContextAccess(RegType.PTR_TO_SOCK_COMMON, RegState.MAYBE_NULL, null, 0);
        } else if (off == SKB_TSTAMP_TYPE) {
            return null;
        } else if (in(off, SKB_TSTAMP_TYPE + 1, SKB_HWTSTAMP)) {
            return null;
        } else {
            if (write) {
                if (size != 4) {
                    return null;
                }
            } else if (size > 4 || (size & (size - 1)) != 0) {
                return null;
            }
        }
        return result != null ? ContextAccess.of(result) : ContextAccess.SCALAR;
    }

    private static RegType skbPacketResult(int off) {
        if (in(off, SKB_DATA, SKB_DATA + 4)) {
            return RegType.PTR_TO_PACKET;
        }
        if (in(off, SKB_DATA_META, SKB_DATA_META + 4)) {
            return RegType.PTR_TO_PACKET_META;
        }
        if (in(off, SKB_DATA_END, SKB_DATA_END + 4)) {
            return RegType.PTR_TO_PACKET_END;
        }
        return null;
    }

    private abstract static class Base implements ProgramTypeRules {
        private final String name;
        private final String kernelType;

        Base(String name, String kernelType) {
            this.name = name;
            this.kernelType = kernelType;
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
        public String toString() {
            return name + " (" + kernelType + ")";
        }
    }

    /** {@code BPF_PROG_TYPE_SOCKET_FILTER}: read-only __sk_buff without direct packet access. */
    public static final ProgramTypeRules SOCKET_FILTER = new Base("socket", "BPF_PROG_TYPE_SOCKET_FILTER") {
        @Override
        public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
            if (in(off, SKB_TC_CLASSID, SKB_TC_CLASSID + 4) || in(off, SKB_DATA, SKB_DATA + 4)
                    || in(off, SKB_DATA_META, SKB_DATA_META + 4) || in(off, SKB_DATA_END, SKB_DATA_END + 4)
                    || in(off, SKB_FAMILY, SKB_LOCAL_PORT_END) || in(off, SKB_TSTAMP, SKB_TSTAMP + 8)
                    || in(off, SKB_WIRE_LEN, SKB_WIRE_LEN + 4) || in(off, SKB_HWTSTAMP, SKB_HWTSTAMP + 8)) {
                return null;
            }
            if (write && !in(off, SKB_CB, SKB_CB_END)) {
                return null;
            }
            return skbAccess(off, size, write, ldsx, null);
        }

        @Override
        public boolean helperAllowed(HelperSpec h, boolean privileged) {
            return HelperAvailability.allowed(h, privileged, HelperAvailability.SKB, HelperAvailability.SK_BASE);
        }

        @Override
        public boolean legacyPacketAccess() {
            return true;
        }

        @Override
        public boolean unprivilegedAllowed() {
            return true;
        }
    };

    private static final class CgroupSkb extends Base {
        private final boolean egress;

        CgroupSkb(boolean egress) {
            super(egress ? "cgroup_skb/egress" : "cgroup_skb/ingress", "BPF_PROG_TYPE_CGROUP_SKB");
            this.egress = egress;
        }

        @Override
        public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
            if (in(off, SKB_TC_CLASSID, SKB_TC_CLASSID + 4) || in(off, SKB_DATA_META, SKB_DATA_META + 4)
                    || in(off, SKB_WIRE_LEN, SKB_WIRE_LEN + 4)) {
                return null;
            }
            if ((in(off, SKB_DATA, SKB_DATA + 4) || in(off, SKB_DATA_END, SKB_DATA_END + 4)) && !privileged) {
                return null;
            }
            if (write) {
                boolean ok = in(off, SKB_MARK, SKB_MARK + 4) || in(off, SKB_PRIORITY, SKB_PRIORITY + 4)
                        || in(off, SKB_CB, SKB_CB_END) || (in(off, SKB_TSTAMP, SKB_TSTAMP + 8) && privileged);
                if (!ok) {
                    return null;
                }
            }
            RegType r = in(off, SKB_DATA, SKB_DATA + 4) ? RegType.PTR_TO_PACKET
                    : in(off, SKB_DATA_END, SKB_DATA_END + 4) ? RegType.PTR_TO_PACKET_END : null;
            return skbAccess(off, size, write, ldsx, r);
        }

        @Override
        public int[] returnRange() {
            return egress ? new int[] {0, 3} : new int[] {0, 1};
        }

        @Override
        public boolean helperAllowed(HelperSpec h, boolean privileged) {
            return HelperAvailability.allowed(h, privileged, HelperAvailability.SKB, HelperAvailability.CGROUP_SKB, HelperAvailability.SK_BASE);
        }

        @Override
        public boolean packetRead() {
            return true;
        }

        @Override
        public boolean unprivilegedAllowed() {
            return true;
        }
    }

    public static final ProgramTypeRules CGROUP_SKB_INGRESS = new CgroupSkb(false);
    public static final ProgramTypeRules CGROUP_SKB_EGRESS = new CgroupSkb(true);

    private static final class Tc extends Base {
        Tc(String name, String kernelType) {
            super(name, kernelType);
        }

        @Override
        public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
            if (write) {
                boolean ok = in(off, SKB_MARK, SKB_MARK + 4) || in(off, SKB_TC_INDEX, SKB_TC_INDEX + 4)
                        || in(off, SKB_PRIORITY, SKB_PRIORITY + 4) || in(off, SKB_TC_CLASSID, SKB_TC_CLASSID + 4)
                        || in(off, SKB_CB, SKB_CB_END) || in(off, SKB_TSTAMP, SKB_TSTAMP + 8)
                        || in(off, SKB_QUEUE_MAPPING, SKB_QUEUE_MAPPING + 4);
                if (!ok) {
                    return null;
                }
            }
            if (in(off, SKB_FAMILY, SKB_LOCAL_PORT_END)) {
                return null;
            }
            if (off == SKB_TSTAMP_TYPE && !write) {
                return size == 1 ? ContextAccess.SCALAR : null;
            }
            return skbAccess(off, size, write, ldsx, skbPacketResult(off));
        }

        @Override
        public boolean helperAllowed(HelperSpec h, boolean privileged) {
            return HelperAvailability.allowed(h, privileged, HelperAvailability.SKB, HelperAvailability.TC, HelperAvailability.SK_BASE);
        }

        @Override
        public boolean packetRead() {
            return true;
        }

        @Override
        public boolean packetWrite() {
            return true;
        }

        @Override
        public boolean legacyPacketAccess() {
            return true;
        }
    }

    /** {@code BPF_PROG_TYPE_SCHED_CLS} (tc). */
    public static final ProgramTypeRules SCHED_CLS = new Tc("tc", "BPF_PROG_TYPE_SCHED_CLS");
    /** {@code BPF_PROG_TYPE_SCHED_ACT}. */
    public static final ProgramTypeRules SCHED_ACT = new Tc("action", "BPF_PROG_TYPE_SCHED_ACT");

    /** {@code BPF_PROG_TYPE_XDP}: read-only xdp_md with direct packet read and write. */
    public static final ProgramTypeRules XDP = new Base("xdp", "BPF_PROG_TYPE_XDP") {
        @Override
        public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
            if (off == XDP_EGRESS_IFINDEX) {
                return null;
            }
            if (write) {
                return null;
            }
            boolean pkt = off == XDP_DATA || off == XDP_DATA_END || off == XDP_DATA_META;
            if (pkt && ldsx) {
                return null;
            }
            if (off < 0 || off >= XDP_MD_SIZE || off % size != 0 || size != 4) {
                return null;
            }
            if (off == XDP_DATA) {
                return ContextAccess.of(RegType.PTR_TO_PACKET);
            }
            if (off == XDP_DATA_META) {
                return ContextAccess.of(RegType.PTR_TO_PACKET_META);
            }
            if (off == XDP_DATA_END) {
                return ContextAccess.of(RegType.PTR_TO_PACKET_END);
            }
            return ContextAccess.SCALAR;
        }

        @Override
        public boolean helperAllowed(HelperSpec h, boolean privileged) {
            return HelperAvailability.allowed(h, privileged, HelperAvailability.XDP, HelperAvailability.SK_BASE);
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

    private abstract static class TracingBase extends Base {
        TracingBase(String name, String kernelType) {
            super(name, kernelType);
        }

        @Override
        public boolean helperAllowed(HelperSpec h, boolean privileged) {
            return HelperAvailability.allowed(h, privileged, HelperAvailability.TRACING,
                    HelperAvailability.BASE_BPF_CAPABLE, HelperAvailability.BASE_PERFMON);
        }

        @Override
        public boolean isTracing() {
            return true;
        }
    }

    /** {@code BPF_PROG_TYPE_KPROBE}: read-only struct pt_regs. */
    public static final ProgramTypeRules KPROBE = new TracingBase("kprobe", "BPF_PROG_TYPE_KPROBE") {
        @Override
        public boolean sleepableAllowed() {
            return true; // only for uprobes; the attach point decides
        }

        @Override
        public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
            if (off < 0 || off >= PT_REGS_SIZE || write || off % size != 0 || off + size > PT_REGS_SIZE) {
                return null;
            }
            return ContextAccess.SCALAR;
        }
    };

    /** {@code BPF_PROG_TYPE_TRACEPOINT}: the raw record of a trace event, read-only. */
    public static final ProgramTypeRules TRACEPOINT = new TracingBase("tracepoint", "BPF_PROG_TYPE_TRACEPOINT") {
        @Override
        public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
            if (off < 8 || off >= TRACEPOINT_CTX_SIZE || write || off % size != 0) {
                return null;
            }
            return ContextAccess.SCALAR;
        }
    };

    private static ContextAccess u64Args(int off, int size, boolean write) {
        if (off < 0 || off >= TRACING_CTX_SIZE || write || off % size != 0) {
            return null;
        }
        return ContextAccess.SCALAR;
    }

    /** {@code BPF_PROG_TYPE_RAW_TRACEPOINT}: up to 12 u64 arguments. */
    public static final ProgramTypeRules RAW_TRACEPOINT = new TracingBase("raw_tp", "BPF_PROG_TYPE_RAW_TRACEPOINT") {
        @Override
        public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
            return u64Args(off, size, write);
        }
    };

    /** {@code BPF_PROG_TYPE_TRACING}, {@code tp_btf}: u64 arguments; any return value. */
    public static final ProgramTypeRules TP_BTF = new TracingBase("tp_btf", "BPF_PROG_TYPE_TRACING") {
        @Override
        public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
            return u64Args(off, size, write);
        }
    };

    private static final class Fentry extends TracingBase {
        Fentry(String name) {
            super(name, "BPF_PROG_TYPE_TRACING");
        }

        @Override
        public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
            return u64Args(off, size, write);
        }

        @Override
        public int[] returnRange() {
            return new int[] {0, 0};
        }

        @Override
        public boolean sleepableAllowed() {
            return true;
        }
    }

    /** {@code BPF_PROG_TYPE_TRACING}, {@code fentry}: must return 0. */
    public static final ProgramTypeRules FENTRY = new Fentry("fentry");
    /** {@code BPF_PROG_TYPE_TRACING}, {@code fexit}: must return 0. */
    public static final ProgramTypeRules FEXIT = new Fentry("fexit");

    /** {@code BPF_PROG_TYPE_SYSCALL}: the context is caller memory, read and written as plain memory. */
    public static final ProgramTypeRules SYSCALL = new TracingBase("syscall", "BPF_PROG_TYPE_SYSCALL") {
        @Override
        public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
            if (off < 0 || off >= 0xffff || off % size != 0) {
                return null;
            }
            return ContextAccess.SCALAR;
        }

        @Override
        public boolean contextIsConverted() {
            return false;
        }

        @Override
        public boolean sleepableAllowed() {
            return true;
        }
    };

    /**
     * bpfvm's raw program type, for code with no program type ({@code bpfvm run --verify} of raw
     * code or a {@code .text} function): it starts as ubpf and bpf_conformance programs expect,
     * with r1 a pointer to {@code memSize} bytes of read-write memory ({@code mem(sz=N)}) and r2
     * that length as a known scalar. There is no context; helpers are those of {@code
     * BPF_PROG_TYPE_SYSCALL}; any return value; may sleep. Linux has no such type.
     */
    public static ProgramTypeRules raw(int memSize) {
        if (memSize < 0) {
            throw new IllegalArgumentException("memory size must not be negative: " + memSize);
        }
        return new TracingBase("raw", "bpfvm_raw") {
            @Override
            public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
                return null;
            }

            @Override
            public boolean contextIsConverted() {
                return false;
            }

            @Override
            public boolean sleepableAllowed() {
                return true;
            }

            @Override
            public int rawMemory() {
                return memSize;
            }
        };
    }

    /** {@code struct bpf_iter_meta}. */
    public static final KernelType BPF_ITER_META = KernelType.of("bpf_iter_meta", 24, List.of(
            KernelType.Member.scalar("seq", 0, 8),
            KernelType.Member.scalar("session_id", 8, 8),
            KernelType.Member.scalar("seq_num", 16, 8)));

    /** A minimal {@code struct cgroup}: the fields cgroup iterators commonly read. */
    public static final KernelType CGROUP = KernelType.of("cgroup", 2048, List.of(
            KernelType.Member.scalar("self", 0, 256),
            KernelType.Member.scalar("flags", 256, 8),
            KernelType.Member.scalar("level", 264, 4),
            KernelType.Member.scalar("max_depth", 268, 4),
            KernelType.Member.scalar("nr_descendants", 272, 4),
            KernelType.Member.scalar("kn", 288, 8)));

    /**
     * {@code BPF_PROG_TYPE_TRACING} with {@code BPF_TRACE_ITER} on cgroups ({@code iter/cgroup}),
     * typed by the emulated kernel's BTF.
     */
    public static final ProgramTypeRules CGROUP_ITER = new BtfTracing(BtfTracing.Kind.ITER, "cgroup",
            KernelTypes.emulated());

    // struct bpf_sock (uapi)
    static final int BPF_SOCK_SIZE = 80;
    static final int SOCK_BOUND_DEV_IF = 0;
    static final int SOCK_MARK = 16;
    static final int SOCK_PRIORITY = 20;

    /** {@code BPF_PROG_TYPE_CGROUP_SOCK} ({@code cgroup/sock_create} and friends): struct bpf_sock. */
    public static final ProgramTypeRules CGROUP_SOCK = new Base("cgroup/sock", "BPF_PROG_TYPE_CGROUP_SOCK") {
        @Override
        public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
            if (off < 0 || off + size > BPF_SOCK_SIZE || off % size != 0 || size > 4) {
                return null;
            }
            if (write) {
                boolean ok = off == SOCK_BOUND_DEV_IF || off == SOCK_MARK || off == SOCK_PRIORITY;
                return ok && size == 4 ? ContextAccess.SCALAR : null;
            }
            return ContextAccess.SCALAR;
        }

        @Override
        public int[] returnRange() {
            return new int[] {0, 1};
        }

        @Override
        public boolean helperAllowed(HelperSpec h, boolean privileged) {
            return HelperAvailability.allowed(h, privileged, HelperAvailability.CGROUP, HelperAvailability.SK_BASE);
        }
    };

    // struct bpf_sock_addr (uapi)
    static final int SOCK_ADDR_SIZE = 72;
    static final int SOCK_ADDR_USER_IP4 = 4;
    static final int SOCK_ADDR_USER_IP6 = 8;
    static final int SOCK_ADDR_USER_PORT = 24;
    static final int SOCK_ADDR_MSG_SRC_IP4 = 40;
    static final int SOCK_ADDR_MSG_SRC_IP6_END = 60;
    static final int SOCK_ADDR_SK = 64;

    /** {@code BPF_PROG_TYPE_CGROUP_SOCK_ADDR} ({@code cgroup/connect4} and friends): struct bpf_sock_addr. */
    public static final ProgramTypeRules CGROUP_SOCK_ADDR = sockAddr(0, 1);

    /** {@code cgroup/bind4}, {@code cgroup/bind6}: may also return 2 and 3 (bit 1: skip the port checks). */
    public static final ProgramTypeRules CGROUP_SOCK_ADDR_BIND = sockAddr(0, 3);

    /** {@code cgroup/recvmsg*}, {@code getpeername*}, {@code getsockname*}: must return 1. */
    public static final ProgramTypeRules CGROUP_SOCK_ADDR_ONE = sockAddr(1, 1);

    private static ProgramTypeRules sockAddr(int retMin, int retMax) {
        return new Base("cgroup/sock_addr", "BPF_PROG_TYPE_CGROUP_SOCK_ADDR") {
        @Override
        public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
            if (off < 0 || off + size > SOCK_ADDR_SIZE || off % size != 0) {
                return null;
            }
            if (off == SOCK_ADDR_SK) {
                return !write && size == 8 ? ContextAccess.of(RegType.PTR_TO_SOCKET) : null;
            }
            if (off > SOCK_ADDR_SK - 8 && off < SOCK_ADDR_SK + 8) {
                return null;
            }
            if (write) {
                boolean ok = in(off, SOCK_ADDR_USER_IP4, SOCK_ADDR_USER_PORT + 4)
                        || in(off, SOCK_ADDR_MSG_SRC_IP4, SOCK_ADDR_MSG_SRC_IP6_END);
                return ok && (size == 4 || (size == 8 && in(off, SOCK_ADDR_USER_IP6, SOCK_ADDR_USER_PORT)))
                        ? ContextAccess.SCALAR : null;
            }
            return size <= 4 ? ContextAccess.SCALAR : null;
        }

        @Override
        public int[] returnRange() {
            return new int[] {retMin, retMax};
        }

        @Override
        public boolean helperAllowed(HelperSpec h, boolean privileged) {
            return HelperAvailability.allowed(h, privileged, HelperAvailability.CGROUP,
                    HelperAvailability.SOCK_ADDR, HelperAvailability.SK_BASE);
        }
        };
    }

    /** {@code sizeof(struct bpf_perf_event_data)}: pt_regs, sample_period, addr. */
    static final int PERF_EVENT_DATA_SIZE = PT_REGS_SIZE + 16;

    /** {@code BPF_PROG_TYPE_PERF_EVENT}: struct bpf_perf_event_data, read-only. */
    public static final ProgramTypeRules PERF_EVENT = new TracingBase("perf_event", "BPF_PROG_TYPE_PERF_EVENT") {
        @Override
        public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
            if (off < 0 || off + size > PERF_EVENT_DATA_SIZE || write || off % size != 0) {
                return null;
            }
            if (off >= PT_REGS_SIZE) {
                return ContextAccess.scalar(8);
            }
            return size == 8 ? ContextAccess.SCALAR : null;
        }
    };

    /**
     * The model of a tracing or LSM program attached to {@code target}, typed by the kernel
     * BTF: {@code tp_btf}, {@code fentry}, {@code fexit}, {@code fmod_ret}, {@code lsm} or
     * {@code iter}; null for another prefix.
     */
    public static ProgramTypeRules btfTracing(String prefix, String target, KernelTypes types) {
        for (BtfTracing.Kind k : BtfTracing.Kind.values()) {
            if (k.prefix.equals(prefix)) {
                return new BtfTracing(k, target, types);
            }
        }
        return null;
    }

    /** {@code BPF_PROG_TYPE_LWT_IN}. */
    public static final ProgramTypeRules LWT_IN = NetProgramTypes.LWT_IN;
    /** {@code BPF_PROG_TYPE_LWT_OUT}. */
    public static final ProgramTypeRules LWT_OUT = NetProgramTypes.LWT_OUT;
    /** {@code BPF_PROG_TYPE_LWT_XMIT}: direct packet writes too. */
    public static final ProgramTypeRules LWT_XMIT = NetProgramTypes.LWT_XMIT;
    /** {@code BPF_PROG_TYPE_LWT_SEG6LOCAL}. */
    public static final ProgramTypeRules LWT_SEG6LOCAL = NetProgramTypes.LWT_SEG6LOCAL;
    /** {@code BPF_PROG_TYPE_SK_SKB}. */
    public static final ProgramTypeRules SK_SKB = NetProgramTypes.SK_SKB;
    /** {@code BPF_PROG_TYPE_SK_MSG}. */
    public static final ProgramTypeRules SK_MSG = NetProgramTypes.SK_MSG;
    /** {@code BPF_PROG_TYPE_SOCK_OPS}. */
    public static final ProgramTypeRules SOCK_OPS = NetProgramTypes.SOCK_OPS;
    /** {@code BPF_PROG_TYPE_CGROUP_DEVICE}. */
    public static final ProgramTypeRules CGROUP_DEVICE = NetProgramTypes.CGROUP_DEVICE;
    /** {@code BPF_PROG_TYPE_CGROUP_SYSCTL}. */
    public static final ProgramTypeRules CGROUP_SYSCTL = NetProgramTypes.CGROUP_SYSCTL;
    /** {@code BPF_PROG_TYPE_FLOW_DISSECTOR}. */
    public static final ProgramTypeRules FLOW_DISSECTOR = NetProgramTypes.FLOW_DISSECTOR;

    private static final List<ProgramTypeRules> ALL = List.of(SOCKET_FILTER, CGROUP_SKB_INGRESS,
            CGROUP_SKB_EGRESS, SCHED_CLS, SCHED_ACT, XDP, KPROBE, TRACEPOINT, RAW_TRACEPOINT, TP_BTF,
            FENTRY, FEXIT, SYSCALL, CGROUP_ITER, CGROUP_SOCK, CGROUP_SOCK_ADDR, PERF_EVENT, LWT_IN, LWT_OUT,
            LWT_XMIT, LWT_SEG6LOCAL, SK_SKB, SK_MSG, SOCK_OPS, CGROUP_DEVICE, CGROUP_SYSCTL, FLOW_DISSECTOR);

    public static List<ProgramTypeRules> all() {
        return ALL;
    }

    /**
     * The model for a libbpf {@code SEC()} prefix or a name used in test files: {@code socket},
     * {@code cgroup_skb/ingress}, {@code cgroup_skb/egress}, {@code tc}, {@code classifier},
     * {@code action}, {@code xdp}, {@code kprobe}, {@code kretprobe}, {@code uprobe},
     * {@code tracepoint}, {@code tp}, {@code raw_tp}, {@code raw_tracepoint}, {@code tp_btf},
     * {@code fentry}, {@code fexit}, {@code syscall}, {@code iter/cgroup}, and bpfvm's {@code raw/N}
     * ({@link #raw}, N bytes of memory); null if unknown.
     */
    public static ProgramTypeRules byName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        int slash = n.indexOf('/');
        String head = slash >= 0 ? n.substring(0, slash) : n;
        if (head.endsWith(".s")) {
            head = head.substring(0, head.length() - 2);
        }
        if (slash >= 0 && !head.equals("cgroup_skb") && !head.equals("cgroup")) {
            ProgramTypeRules typed = btfTracing(head, name.substring(slash + 1), KernelTypes.emulated());
            if (typed != null) {
                return typed;
            }
        }
        switch (head) {
            case "raw":
                try {
                    return raw(slash >= 0 ? Integer.parseInt(n.substring(slash + 1)) : 0);
                } catch (IllegalArgumentException e) {
                    return null;
                }
            case "socket":
            case "socket_filter":
                return SOCKET_FILTER;
            case "cgroup_skb":
                return n.endsWith("egress") ? CGROUP_SKB_EGRESS : CGROUP_SKB_INGRESS;
            case "tc":
            case "classifier":
            case "sched_cls":
            case "tcx":
                return SCHED_CLS;
            case "action":
            case "sched_act":
                return SCHED_ACT;
            case "xdp":
                return XDP;
            case "kprobe":
            case "kretprobe":
            case "uprobe":
            case "uretprobe":
            case "ksyscall":
                return KPROBE;
            case "tracepoint":
            case "tp":
                return TRACEPOINT;
            case "raw_tp":
            case "raw_tracepoint":
                return RAW_TRACEPOINT;
            case "tp_btf":
                return TP_BTF;
            case "fentry":
                return FENTRY;
            case "fexit":
                return FEXIT;
            case "syscall":
                return SYSCALL;
            case "iter":
                return n.endsWith("cgroup") ? CGROUP_ITER : null;
            case "lsm":
            case "fmod_ret":
                return btfTracing(head, "", KernelTypes.emulated());
            case "perf_event":
                return PERF_EVENT;
            case "lwt_in":
                return LWT_IN;
            case "lwt_out":
                return LWT_OUT;
            case "lwt_xmit":
                return LWT_XMIT;
            case "lwt_seg6local":
                return LWT_SEG6LOCAL;
            case "sk_skb":
                return SK_SKB;
            case "sk_msg":
                return SK_MSG;
            case "sockops":
                return SOCK_OPS;
            case "flow_dissector":
                return FLOW_DISSECTOR;
            case "cgroup":
                if (n.equals("cgroup/dev")) {
                    return CGROUP_DEVICE;
                }
                if (n.equals("cgroup/sysctl")) {
                    return CGROUP_SYSCTL;
                }
                if (n.startsWith("cgroup/sock") && !n.startsWith("cgroup/sockops") && !n.startsWith("cgroup/sockopt")
                        || n.equals("cgroup/post_bind4") || n.equals("cgroup/post_bind6")) {
                    return CGROUP_SOCK;
                }
                if (n.equals("cgroup/bind4") || n.equals("cgroup/bind6")) {
                    return CGROUP_SOCK_ADDR_BIND;
                }
                if (n.matches("cgroup/(recvmsg|getpeername|getsockname)(4|6|_unix)")) {
                    return CGROUP_SOCK_ADDR_ONE;
                }
                if (n.matches("cgroup/(bind|connect|sendmsg|recvmsg|getpeername|getsockname)(4|6|_unix)")
                        || n.equals("cgroup/connect_unix") || n.equals("cgroup/sendmsg_unix")
                        || n.equals("cgroup/recvmsg_unix")) {
                    return CGROUP_SOCK_ADDR;
                }
                return null;
            default:
                return null;
        }
    }

    /** Names accepted by {@link #byName}, for error messages. */
    public static Set<String> names() {
        return Set.of("socket", "cgroup_skb/ingress", "cgroup_skb/egress", "tc", "action", "xdp", "kprobe",
                "tracepoint", "raw_tp", "tp_btf", "fentry", "fexit", "syscall", "iter/cgroup", "lsm", "fmod_ret",
                "perf_event", "cgroup/sock_create", "cgroup/connect4");
    }
}
