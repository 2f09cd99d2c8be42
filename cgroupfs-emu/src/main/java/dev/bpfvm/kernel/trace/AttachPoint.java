package dev.bpfvm.kernel.trace;

import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.vm.Errno;
import java.util.List;

/**
 * Something a tracing program attaches to: a classic tracepoint ({@code cgroup:cgroup_mkdir},
 * ctx = the trace record), a raw or BTF tracepoint ({@code cgroup_mkdir}, ctx = the
 * arguments), or the entry or exit of a kernel function (fentry/fexit, ctx = the arguments).
 */
public record AttachPoint(Kind kind, String name) {
    public enum Kind { TRACEPOINT, RAW_TP, TP_BTF, FENTRY, FEXIT, LSM }

    /** The tracepoints of the emulated kernel (category cgroup). */
    public static final List<String> TRACEPOINTS = List.of("cgroup_mkdir", "cgroup_rmdir", "cgroup_attach_task");
    /** The functions fentry/fexit may attach to. */
    public static final List<String> FUNCTIONS = List.of(
            "cgroup_mkdir", "cgroup_rmdir", "cgroup_attach_task", "bpf_rstat_flush");

    /** The LSM hooks {@code lsm/} programs may attach to: security_bpf and the hooks on bpf objects and tokens. */
    public static final List<String> LSM_HOOKS = List.of("bpf", "bpf_map", "bpf_prog", "bpf_map_create", "bpf_prog_load",
            "bpf_token_create", "bpf_token_cmd", "bpf_token_capable");

    public AttachPoint {
        List<String> known = kind == Kind.FENTRY || kind == Kind.FEXIT ? FUNCTIONS
                : kind == Kind.LSM ? LSM_HOOKS : TRACEPOINTS;
        if (!known.contains(name)) {
            throw new KernelException(Errno.ENOENT, "no " + kind.name().toLowerCase() + " attach point " + name);
        }
    }

    /**
     * Parses a libbpf section name: {@code tracepoint/cgroup/cgroup_mkdir}, {@code tp/cgroup/X},
     * {@code raw_tp/X}, {@code raw_tracepoint/X}, {@code tp_btf/X}, {@code fentry/F},
     * {@code fexit/F} (with or without {@code .s}). The category of a tp_btf/raw_tp name
     * ({@code cgroup:X}) is allowed and dropped.
     */
    public static AttachPoint parse(String section) {
        int slash = section.indexOf('/');
        if (slash < 0) {
            throw new KernelException(Errno.EINVAL, "no attach target in '" + section + "'");
        }
        String prefix = section.substring(0, slash);
        String rest = section.substring(slash + 1);
        if (prefix.endsWith(".s")) {
            prefix = prefix.substring(0, prefix.length() - 2);
        }
        switch (prefix) {
            case "tracepoint":
            case "tp": {
                int s = rest.indexOf('/');
                String cat = s < 0 ? "" : rest.substring(0, s);
                if (!cat.equals("cgroup")) {
                    throw new KernelException(Errno.ENOENT, "no tracepoint " + rest);
                }
                return new AttachPoint(Kind.TRACEPOINT, rest.substring(s + 1));
            }
            case "raw_tp":
            case "raw_tracepoint":
                return new AttachPoint(Kind.RAW_TP, dropCategory(rest));
            case "tp_btf":
                return new AttachPoint(Kind.TP_BTF, dropCategory(rest));
            case "fentry":
                return new AttachPoint(Kind.FENTRY, rest);
            case "fexit":
                return new AttachPoint(Kind.FEXIT, rest);
            default:
                throw new KernelException(Errno.EINVAL, "'" + section + "' is not a tracing attach point");
        }
    }

    private static String dropCategory(String s) {
        int c = s.indexOf(':');
        return c < 0 ? s : s.substring(c + 1);
    }

    @Override
    public String toString() {
        switch (kind) {
            case TRACEPOINT: return "tracepoint/cgroup/" + name;
            case RAW_TP: return "raw_tp/" + name;
            case TP_BTF: return "tp_btf/" + name;
            case FENTRY: return "fentry/" + name;
            case LSM: return "lsm/" + name;
            default: return "fexit/" + name;
        }
    }
}
