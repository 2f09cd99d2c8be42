package dev.bpfvm.kernel.security;

import static dev.bpfvm.kernel.security.Capability.CAP_BPF;
import static dev.bpfvm.kernel.security.Capability.CAP_NET_ADMIN;
import static dev.bpfvm.kernel.security.Capability.CAP_PERFMON;
import static dev.bpfvm.kernel.security.Capability.CAP_SYS_ADMIN;

import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.kernel.cgroup.Task;
import dev.bpfvm.kernel.syscall.Bpf;
import dev.bpfvm.kernel.syscall.BpfCmd;
import dev.bpfvm.kernel.syscall.BpfProcess;
import dev.bpfvm.kernel.syscall.BpfSecurity;
import dev.bpfvm.kernel.syscall.BpfToken;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.util.function.IntFunction;

/**
 * Linux's permission checks of {@code bpf()} (kernel/bpf/syscall.c, 6.9+ without a token):
 * <ul>
 * <li>MAP_CREATE: EPERM if {@code unprivileged_bpf_disabled} and not CAP_BPF; then per map
 * type (map_create's switch): unprivileged, CAP_BPF, or CAP_NET_ADMIN.</li>
 * <li>PROG_LOAD: the same sysctl rule; without CAP_BPF only SOCKET_FILTER and CGROUP_SKB;
 * network types need CAP_NET_ADMIN (is_net_admin_prog_type), tracing types CAP_PERFMON
 * (is_perfmon_prog_type).</li>
 * <li>*_GET_FD_BY_ID, *_GET_NEXT_ID, ENABLE_STATS, TASK_FD_QUERY: CAP_SYS_ADMIN.
 * BTF_LOAD: CAP_BPF (a token delegating btf_load gives it). PROG_QUERY: CAP_NET_ADMIN
 * (bpf_net_capable). PROG_ATTACH of a CGROUP_SKB program: CAP_NET_ADMIN; other cgroup
 * programs and PROG_DETACH: nothing more (their load needed CAP_NET_ADMIN).</li>
 * <li>OBJ_PIN: write+search on the parent directory; OBJ_GET: on the pin, read for
 * BPF_F_RDONLY, write for BPF_F_WRONLY, read+write without flags; search on the way: EACCES.</li>
 * <li>Everything else acts on an fd the caller already holds and checks nothing more
 * (LINK_CREATE included: the capability was needed to load the program), except bpfvm's
 * CGROUP_STATS aggregator link, which needs CAP_BPF.</li>
 * </ul>
 * CAP_SYS_ADMIN stands in for CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN ({@code bpf_token_capable}).
 *
 * <p>Tokens ({@link BpfToken}): MAP_CREATE and PROG_LOAD given a token use it only if it
 * delegates the command and the map type (program type and expected attach type); a token
 * that does not is ignored, as Linux does. A usable token makes every capability check of the
 * command ({@code bpf_token_capable(token, cap)}) also pass when the caller holds the
 * capability in the token's user namespace, which a process whose uid owns that namespace
 * does (the model of {@link BpfToken}), and {@code lsm/bpf_token_capable} allows it. BTF_LOAD
 * takes a token too; the ID commands, PROG_QUERY, PROG_ATTACH and LINK_CREATE take none.
 * BPF_TOKEN_CREATE: EPERM unless the caller is in the mount's user namespace with CAP_BPF
 * there, EOPNOTSUPP in the initial namespace. Mounting a delegating bpffs needs CAP_SYS_ADMIN.
 */
public final class LinuxBpfSecurity implements BpfSecurity {
    private final Privileges privileges;
    private final FileModes files;
    private final IntFunction<Task> tasks;
    private final java.util.function.Predicate<String> pinned;

    /**
     * @param tasks  the task of a process's pid
     * @param pinned whether a bpffs path exists (a new pin's owner is recorded only when it does not)
     */
    public LinuxBpfSecurity(Privileges privileges, FileModes files, IntFunction<Task> tasks,
                            java.util.function.Predicate<String> pinned) {
        this(privileges, files, tasks, pinned, (token, cap) -> 0);
    }

    /**
     * @param tokenCapable {@code security_bpf_token_capable(token, cap)}: 0 lets a token give
     *                     the capability (the {@code lsm/bpf_token_capable} programs' verdict)
     */
    public LinuxBpfSecurity(Privileges privileges, FileModes files, IntFunction<Task> tasks,
                            java.util.function.Predicate<String> pinned,
                            java.util.function.ToIntBiFunction<BpfToken, Integer> tokenCapable) {
        this.privileges = privileges;
        this.files = files;
        this.tasks = tasks;
        this.pinned = pinned;
        this.tokenCapable = tokenCapable;
    }

    private final java.util.function.ToIntBiFunction<BpfToken, Integer> tokenCapable;

    /** The capability a map type needs beyond the sysctl rule (null: none), as map_create. */
    public static Capability mapTypeCapability(MapType t) {
        switch (t) {
            case ARRAY: case PERCPU_ARRAY: case PROG_ARRAY: case PERF_EVENT_ARRAY: case CGROUP_ARRAY:
            case ARRAY_OF_MAPS: case HASH: case PERCPU_HASH: case HASH_OF_MAPS: case RINGBUF:
            case USER_RINGBUF: case CGROUP_STORAGE: case PERCPU_CGROUP_STORAGE:
                return null;
            case SOCKMAP: case SOCKHASH: case DEVMAP: case DEVMAP_HASH: case XSKMAP:
                return CAP_NET_ADMIN;
            default:
                // SK/INODE/TASK/CGRP_STORAGE, BLOOM_FILTER, LPM_TRIE, REUSEPORT_SOCKARRAY,
                // STACK_TRACE, QUEUE, STACK, LRU_*, STRUCT_OPS, CPUMAP, ARENA; and our CGROUP_STATS
                return CAP_BPF;
        }
    }

    /** is_net_admin_prog_type. */
    public static boolean netAdminProgType(ProgramType t) {
        switch (t) {
            case SCHED_CLS: case SCHED_ACT: case XDP: case LWT_IN: case LWT_OUT: case LWT_XMIT:
            case LWT_SEG6LOCAL: case SK_SKB: case SK_MSG: case LIRC_MODE2: case FLOW_DISSECTOR:
            case CGROUP_DEVICE: case CGROUP_SOCK: case CGROUP_SOCK_ADDR: case CGROUP_SOCKOPT:
            case CGROUP_SYSCTL: case SOCK_OPS: case EXT:
                return true;
            default:
                return false;
        }
    }

    /** is_perfmon_prog_type. */
    public static boolean perfmonProgType(ProgramType t) {
        switch (t) {
            case KPROBE: case TRACEPOINT: case PERF_EVENT: case RAW_TRACEPOINT: case RAW_TRACEPOINT_WRITABLE:
            case TRACING: case LSM: case STRUCT_OPS: case EXT:
                return true;
            default:
                return false;
        }
    }

    private static KernelException eperm(Task t, BpfCmd cmd, String why) {
        return new KernelException(Errno.EPERM, cmd.kernelName() + " by uid " + t.uid() + " (pid " + t.pid() + "): " + why);
    }

    /**
     * bpf_token_capable(token, cap): in the initial namespace, or in the token's as its owner;
     * with a token, {@code security_bpf_token_capable} must then also allow it.
     */
    private boolean capable(Task t, Capability c, BpfToken token) {
        if (token == null) {
            return privileges.bpfCapable(t, c);
        }
        boolean ns = privileges.bpfCapable(t, c) || (token.userNsOwner() != 0 && t.uid() == token.userNsOwner());
        return ns && tokenCapable.applyAsInt(token, c.value()) == 0;
    }

    private void sysctlRule(Task t, BpfCmd cmd, BpfToken token) {
        int v = privileges.unprivilegedBpfDisabled();
        if (v != 0 && !capable(t, CAP_BPF, token)) {
            throw eperm(t, cmd, "kernel.unprivileged_bpf_disabled=" + v + " and no CAP_BPF");
        }
    }

    private void need(Task t, BpfCmd cmd, Capability c, String what) {
        need(t, cmd, c, what, null);
    }

    private void need(Task t, BpfCmd cmd, Capability c, String what, BpfToken token) {
        if (!capable(t, c, token)) {
            throw eperm(t, cmd, what + " needs " + c.name());
        }
    }

    @Override
    public void check(BpfProcess process, BpfCmd cmd, Object attr) {
        Task t = tasks.apply(process.pid());
        BpfToken token = null;
        if (attr instanceof Bpf.WithToken wt) {
            token = wt.token();
            attr = wt.attr();
            if (!token.allowsCmd(cmd)) {
                token = null;
            }
        }
        switch (cmd) {
            case MAP_CREATE: {
                MapType type = attr instanceof MapAttr a ? a.type() : attr instanceof BpfMap m ? m.type() : null;
                if (token != null && (type == null || !token.delegation().maps().contains(type))) {
                    token = null;
                }
                sysctlRule(t, cmd, token);
                if (type != null) {
                    Capability c = mapTypeCapability(type);
                    if (c != null) {
                        need(t, cmd, c, type.kernelName(), token);
                    }
                }
                break;
            }
            case PROG_LOAD: {
                Bpf.ProgLoad pl = attr instanceof Bpf.ProgLoad x ? x : null;
                // an object file's first check (attr: its name) has no program type yet: the command decides
                if (token != null && pl != null && !token.delegation().allowsProg(pl.type(), pl.expectedAttachType())) {
                    token = null;
                }
                sysctlRule(t, cmd, token);
                if (pl != null) {
                    ProgramType type = pl.type();
                    if (type != ProgramType.SOCKET_FILTER && type != ProgramType.CGROUP_SKB) {
                        need(t, cmd, CAP_BPF, type.kernelName(), token);
                    }
                    if (netAdminProgType(type)) {
                        need(t, cmd, CAP_NET_ADMIN, type.kernelName(), token);
                    }
                    if (perfmonProgType(type)) {
                        need(t, cmd, CAP_PERFMON, type.kernelName(), token);
                    }
                }
                break;
            }
            case LINK_CREATE: {
                // bpfvm: a CGROUP_STATS aggregator runs inside every reader's lookup of the map
                if (attr instanceof Bpf.LinkCreate lc && lc.attachType() == AttachType.CGROUP_STATS_AGG) {
                    need(t, cmd, CAP_BPF, "attaching a CGROUP_STATS aggregator");
                }
                break;
            }
            case TOKEN_CREATE: {
                if (attr instanceof Bpf.MountBpffs m) {
                    if (!privileges.capable(t, CAP_SYS_ADMIN)) {
                        throw eperm(t, cmd, "mounting a bpffs at " + m.path() + " needs CAP_SYS_ADMIN");
                    }
                } else if (attr instanceof BpfToken tk) {
                    int owner = tk.userNsOwner();
                    if (owner != 0 && t.uid() != owner) {
                        throw eperm(t, cmd, "not in the user namespace (of uid " + owner + ") of the bpffs at " + tk.mount());
                    }
                    if (owner == 0 && !privileges.bpfCapable(t, CAP_BPF)) {
                        throw eperm(t, cmd, "no CAP_BPF in the bpffs's user namespace");
                    }
                    if (owner == 0) {
                        throw new KernelException(Errno.EOPNOTSUPP, cmd.kernelName() + " by uid " + t.uid()
                                + ": no tokens in the initial user namespace (bpffs at " + tk.mount() + ")");
                    }
                }
                break;
            }
            case PROG_GET_FD_BY_ID: case MAP_GET_FD_BY_ID: case LINK_GET_FD_BY_ID: case BTF_GET_FD_BY_ID:
            case PROG_GET_NEXT_ID: case MAP_GET_NEXT_ID: case LINK_GET_NEXT_ID: case BTF_GET_NEXT_ID:
            case ENABLE_STATS: case TASK_FD_QUERY:
                if (!privileges.capable(t, CAP_SYS_ADMIN)) {
                    throw eperm(t, cmd, "needs CAP_SYS_ADMIN");
                }
                break;
            case BTF_LOAD:
                // bpf_btf_load: bpf_token_capable(token, CAP_BPF); no sysctl rule
                need(t, cmd, CAP_BPF, "BTF_LOAD", token);
                break;
            case PROG_QUERY:
                need(t, cmd, CAP_NET_ADMIN, "PROG_QUERY");
                break;
            case PROG_ATTACH:
                // bpf_prog_attach_check_attach_type: cgroup_skb programs, which unprivileged users may
                // load, need bpf_net_capable() at attach; the other cgroup types needed CAP_NET_ADMIN to load
                if (attr instanceof Bpf.ProgAttach pa && pa.progType() == ProgramType.CGROUP_SKB) {
                    need(t, cmd, CAP_NET_ADMIN, "attaching a cgroup_skb program");
                }
                break;
            case OBJ_PIN: {
                String path = attr instanceof Bpf.ObjPath op ? op.path() : (String) attr;
                files.checkCreate(t, path);
                if (path.startsWith(FileModes.BPF_MOUNT + "/") && !pinned.test(path)) {
                    files.created(t, path, false);
                }
                break;
            }
            case OBJ_GET: {
                // bpf_obj_do_get: path_permission(ACC_MODE(flags)): read for BPF_F_RDONLY, write for BPF_F_WRONLY, both by default
                Bpf.ObjPath op = attr instanceof Bpf.ObjPath x ? x : new Bpf.ObjPath((String) attr, 0, 0);
                int flags = op.fileFlags();
                int mask = (flags & MapAttr.BPF_F_RDONLY) != 0 ? FileModes.MAY_READ
                        : (flags & MapAttr.BPF_F_WRONLY) != 0 ? FileModes.MAY_WRITE : FileModes.MAY_READ | FileModes.MAY_WRITE;
                files.checkOpen(t, op.path(), mask);
                break;
            }
            default:
                break;
        }
    }
}
