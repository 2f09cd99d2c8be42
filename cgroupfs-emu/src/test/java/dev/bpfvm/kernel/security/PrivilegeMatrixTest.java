package dev.bpfvm.kernel.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.kernel.cgroup.Task;
import dev.bpfvm.kernel.syscall.Bpf;
import dev.bpfvm.kernel.syscall.BpfProcess;
import dev.bpfvm.kernel.syscall.BpfToken;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.asm.Assembler;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every command x user kind x {@code kernel.unprivileged_bpf_disabled} against Linux's rule
 * table (kernel/bpf/syscall.c, 6.9+). Columns: root, CAP_BPF, CAP_BPF+CAP_PERFMON,
 * CAP_BPF+CAP_NET_ADMIN, CAP_SYS_ADMIN only, unprivileged (all non-root uids). Cells: Y allowed
 * (the permission check passed), P EPERM, A EACCES. Rows marked {@code +token} pass a BPF token:
 * each non-root user has one from a bpffs of its own user namespace delegating MAP_CREATE,
 * PROG_LOAD and BTF_LOAD, maps hash and lru_hash, programs xdp and tracing, every attach type; root has none
 * (no tokens in the initial user namespace) and runs without.
 */
class PrivilegeMatrixTest {
    private static final String[] KINDS = {"", "CAP_BPF", "CAP_BPF,CAP_PERFMON", "CAP_BPF,CAP_NET_ADMIN", "CAP_SYS_ADMIN", ""};

    private interface Op {
        void run(Bpf bpf, BpfProcess p, int uid);
    }

    /** command -> {row with sysctl 0, row with sysctl 1, row with sysctl 2}. */
    private static final Map<String, String[]> TABLE = new LinkedHashMap<>();

    static {
        // map_create: "unprivileged" map types; the sysctl rule (disabled && !CAP_BPF -> EPERM) comes first
        TABLE.put("MAP_CREATE hash", new String[] {"YYYYYY", "YYYYYP", "YYYYYP"});
        TABLE.put("MAP_CREATE array", new String[] {"YYYYYY", "YYYYYP", "YYYYYP"});
        // map_create: LRU_HASH, QUEUE, TASK_STORAGE... need bpf_token_capable(CAP_BPF) (SYS_ADMIN stands in)
        TABLE.put("MAP_CREATE lru_hash", new String[] {"YYYYYP", "YYYYYP", "YYYYYP"});
        // map_create: SOCKMAP, DEVMAP, XSKMAP... need CAP_NET_ADMIN
        TABLE.put("MAP_CREATE sockmap", new String[] {"YPPYYP", "YPPYYP", "YPPYYP"});
        // bpf_prog_load: without CAP_BPF only SOCKET_FILTER and CGROUP_SKB
        TABLE.put("PROG_LOAD socket_filter", new String[] {"YYYYYY", "YYYYYP", "YYYYYP"});
        TABLE.put("PROG_LOAD cgroup_skb", new String[] {"YYYYYY", "YYYYYP", "YYYYYP"});
        // SK_REUSEPORT: "equivalent to SOCKET_FILTER, need CAP_BPF only"
        TABLE.put("PROG_LOAD sk_reuseport", new String[] {"YYYYYP", "YYYYYP", "YYYYYP"});
        // is_net_admin_prog_type: CAP_BPF and CAP_NET_ADMIN
        TABLE.put("PROG_LOAD xdp", new String[] {"YPPYYP", "YPPYYP", "YPPYYP"});
        // is_perfmon_prog_type: CAP_BPF and CAP_PERFMON
        TABLE.put("PROG_LOAD tracing", new String[] {"YPYPYP", "YPYPYP", "YPYPYP"});
        TABLE.put("PROG_LOAD kprobe", new String[] {"YPYPYP", "YPYPYP", "YPYPYP"});
        // bpf_obj_get_next_id / *_get_fd_by_id: capable(CAP_SYS_ADMIN), whatever the sysctl
        TABLE.put("PROG_GET_NEXT_ID", new String[] {"YPPPYP", "YPPPYP", "YPPPYP"});
        TABLE.put("MAP_GET_FD_BY_ID", new String[] {"YPPPYP", "YPPPYP", "YPPPYP"});
        TABLE.put("LINK_GET_NEXT_ID", new String[] {"YPPPYP", "YPPPYP", "YPPPYP"});
        // bpf_obj_get: path permission MAY_READ|MAY_WRITE on the pin (0600 root); only uid 0 overrides (DAC)
        TABLE.put("OBJ_GET private pin", new String[] {"YAAAAA", "YAAAAA", "YAAAAA"});
        TABLE.put("OBJ_GET shared pin (0666)", new String[] {"YYYYYY", "YYYYYY", "YYYYYY"});
        // bpf_obj_pin: write+search on the parent: bpffs root is 1777, a root mkdir 0755
        TABLE.put("OBJ_PIN /sys/fs/bpf", new String[] {"YYYYYY", "YYYYYY", "YYYYYY"});
        TABLE.put("OBJ_PIN /sys/fs/bpf/rootdir", new String[] {"YAAAAA", "YAAAAA", "YAAAAA"});
        // the commands on an fd already held check nothing more, even with the sysctl set
        TABLE.put("OBJ_GET_INFO_BY_FD", new String[] {"YYYYYY", "YYYYYY", "YYYYYY"});
        TABLE.put("MAP_LOOKUP_ELEM", new String[] {"YYYYYY", "YYYYYY", "YYYYYY"});
        // link_create checks no capability: whoever holds a program fd (here from a 0666 pin) may attach it
        TABLE.put("LINK_CREATE fentry (prog fd held)", new String[] {"YYYYYY", "YYYYYY", "YYYYYY"});
        // bpf_token_capable(token, cap): a delegated type passes the sysctl rule and every capability check
        TABLE.put("MAP_CREATE hash +token", new String[] {"YYYYYY", "YYYYYY", "YYYYYY"});
        TABLE.put("MAP_CREATE lru_hash +token", new String[] {"YYYYYY", "YYYYYY", "YYYYYY"});
        TABLE.put("PROG_LOAD xdp +token", new String[] {"YYYYYY", "YYYYYY", "YYYYYY"});
        TABLE.put("PROG_LOAD tracing +token", new String[] {"YYYYYY", "YYYYYY", "YYYYYY"});
        // a type the token does not delegate: the token is ignored, as the rows without one
        TABLE.put("MAP_CREATE array +token (array not delegated)", new String[] {"YYYYYY", "YYYYYP", "YYYYYP"});
        TABLE.put("MAP_CREATE queue +token (not delegated)", new String[] {"YYYYYP", "YYYYYP", "YYYYYP"});
        TABLE.put("PROG_LOAD kprobe +token (not delegated)", new String[] {"YPYPYP", "YPYPYP", "YPYPYP"});
        // bpf_btf_load: bpf_token_capable(token, CAP_BPF), no sysctl rule; the tokens delegate btf_load
        TABLE.put("BTF_LOAD", new String[] {"YYYYYP", "YYYYYP", "YYYYYP"});
        TABLE.put("BTF_LOAD +token", new String[] {"YYYYYY", "YYYYYY", "YYYYYY"});
        // bpf_obj_get: path_permission(ACC_MODE(file_flags)) on a root-owned 0644 pin
        TABLE.put("OBJ_GET 0644 pin read-write", new String[] {"YAAAAA", "YAAAAA", "YAAAAA"});
        TABLE.put("OBJ_GET 0644 pin BPF_F_RDONLY", new String[] {"YYYYYY", "YYYYYY", "YYYYYY"});
        TABLE.put("OBJ_GET 0644 pin BPF_F_WRONLY", new String[] {"YAAAAA", "YAAAAA", "YAAAAA"});
        // element commands check the fd's mode (map_get_sys_perms: FMODE_CAN_READ / FMODE_CAN_WRITE), root too
        TABLE.put("MAP_UPDATE_ELEM on a BPF_F_RDONLY fd", new String[] {"PPPPPP", "PPPPPP", "PPPPPP"});
        TABLE.put("MAP_LOOKUP_ELEM on a BPF_F_WRONLY fd", new String[] {"PPPPPP", "PPPPPP", "PPPPPP"});
        TABLE.put("MAP_LOOKUP_ELEM on a BPF_F_RDONLY fd", new String[] {"YYYYYY", "YYYYYY", "YYYYYY"});
        // bpf_map_get_fd_by_id: capable(CAP_SYS_ADMIN) whatever open_flags asks
        TABLE.put("MAP_GET_FD_BY_ID BPF_F_RDONLY", new String[] {"YPPPYP", "YPPPYP", "YPPPYP"});
        // bpf_prog_attach_check_attach_type: cg-skb programs (loadable unprivileged) need bpf_net_capable()
        // at attach; other cgroup types needed CAP_NET_ADMIN to load and check nothing more
        TABLE.put("PROG_ATTACH cgroup_skb (prog fd held)", new String[] {"YPPYYP", "YPPYYP", "YPPYYP"});
        TABLE.put("PROG_ATTACH cgroup_sock (prog fd held)", new String[] {"YYYYYY", "YYYYYY", "YYYYYY"});
        // bpf_prog_detach: no capability check
        TABLE.put("PROG_DETACH cgroup_sock", new String[] {"YYYYYY", "YYYYYY", "YYYYYY"});
        // bpf_prog_query: bpf_net_capable()
        TABLE.put("PROG_QUERY cgroup", new String[] {"YPPYYP", "YPPYYP", "YPPYYP"});
    }

    private static Program code(String name) {
        return new Program(name, Assembler.assemble("mov r0, 0\nexit", Assembler.Options.defaults()));
    }

    private static Bpf.ProgLoad prog(ProgramType t, AttachType at, String to) {
        return new Bpf.ProgLoad("p", t, at, to, false, code("p"), null);
    }

    /** The fd each user got of the shared pin, set up before the checks. */
    private final Map<Integer, Integer> sharedFd = new LinkedHashMap<>();
    /** The fd each user got of the shared (0666) pinned fentry program. */
    private final Map<Integer, Integer> sharedProgFd = new LinkedHashMap<>();

    private Map<String, Op> ops() {
        Map<String, Op> ops = new LinkedHashMap<>();
        ops.put("MAP_CREATE hash", (b, p, u) -> b.mapCreate(p, MapAttr.builder(MapType.HASH, 4, 4, 4).build()));
        ops.put("MAP_CREATE array", (b, p, u) -> b.mapCreate(p, MapAttr.builder(MapType.ARRAY, 4, 4, 4).build()));
        ops.put("MAP_CREATE lru_hash", (b, p, u) -> b.mapCreate(p, MapAttr.builder(MapType.LRU_HASH, 4, 4, 4).build()));
        ops.put("MAP_CREATE sockmap", (b, p, u) -> b.mapCreate(p, MapAttr.builder(MapType.SOCKMAP, 4, 4, 4).build()));
        ops.put("PROG_LOAD socket_filter", (b, p, u) -> b.progLoad(p, prog(ProgramType.SOCKET_FILTER, AttachType.NONE, "")));
        ops.put("PROG_LOAD cgroup_skb", (b, p, u) -> b.progLoad(p, prog(ProgramType.CGROUP_SKB, AttachType.NONE, "")));
        ops.put("PROG_LOAD sk_reuseport", (b, p, u) -> b.progLoad(p, prog(ProgramType.SK_REUSEPORT, AttachType.NONE, "")));
        ops.put("PROG_LOAD xdp", (b, p, u) -> b.progLoad(p, prog(ProgramType.XDP, AttachType.NONE, "")));
        ops.put("PROG_LOAD tracing", (b, p, u) -> b.progLoad(p, prog(ProgramType.TRACING, AttachType.TRACE_FENTRY, "cgroup_mkdir")));
        ops.put("PROG_LOAD kprobe", (b, p, u) -> b.progLoad(p, prog(ProgramType.KPROBE, AttachType.NONE, "")));
        ops.put("PROG_GET_NEXT_ID", (b, p, u) -> b.progGetNextId(p, 0));
        ops.put("MAP_GET_FD_BY_ID", (b, p, u) -> b.mapGetFdById(p, 1));
        ops.put("LINK_GET_NEXT_ID", (b, p, u) -> b.linkGetNextId(p, 0));
        ops.put("OBJ_GET private pin", (b, p, u) -> b.objGet(p, "/sys/fs/bpf/private"));
        ops.put("OBJ_GET shared pin (0666)", (b, p, u) -> b.objGet(p, "/sys/fs/bpf/shared"));
        ops.put("OBJ_PIN /sys/fs/bpf", (b, p, u) -> b.objPin(p, sharedFd.get(p.pid()), "/sys/fs/bpf/u" + p.pid()));
        ops.put("OBJ_PIN /sys/fs/bpf/rootdir", (b, p, u) -> b.objPin(p, sharedFd.get(p.pid()), "/sys/fs/bpf/rootdir/u" + p.pid()));
        ops.put("OBJ_GET_INFO_BY_FD", (b, p, u) -> b.objGetInfoByFd(p, sharedFd.get(p.pid())));
        ops.put("MAP_LOOKUP_ELEM", (b, p, u) -> b.mapLookupElem(p, sharedFd.get(p.pid()), new byte[4], 0));
        ops.put("LINK_CREATE fentry (prog fd held)", (b, p, u) -> b.linkCreate(p, sharedProgFd.get(p.pid()),
                AttachType.TRACE_FENTRY, Bpf.LinkOpts.NONE));
        ops.put("MAP_CREATE hash +token", (b, p, u) -> b.mapCreate(p, MapAttr.builder(MapType.HASH, 4, 4, 4).build(), tok(p)));
        ops.put("MAP_CREATE lru_hash +token", (b, p, u) -> b.mapCreate(p, MapAttr.builder(MapType.LRU_HASH, 4, 4, 4).build(), tok(p)));
        ops.put("PROG_LOAD xdp +token", (b, p, u) -> b.progLoad(p, prog(ProgramType.XDP, AttachType.NONE, ""), tok(p)));
        ops.put("PROG_LOAD tracing +token", (b, p, u) -> b.progLoad(p,
                prog(ProgramType.TRACING, AttachType.TRACE_FENTRY, "cgroup_mkdir"), tok(p)));
        ops.put("MAP_CREATE array +token (array not delegated)", (b, p, u) -> b.mapCreate(p,
                MapAttr.builder(MapType.ARRAY, 4, 4, 4).build(), tok(p)));
        ops.put("MAP_CREATE queue +token (not delegated)", (b, p, u) -> b.mapCreate(p,
                MapAttr.builder(MapType.QUEUE, 0, 4, 4).build(), tok(p)));
        ops.put("PROG_LOAD kprobe +token (not delegated)", (b, p, u) -> b.progLoad(p,
                prog(ProgramType.KPROBE, AttachType.NONE, ""), tok(p)));
        ops.put("BTF_LOAD", (b, p, u) -> b.btfLoad(p, BTF));
        ops.put("BTF_LOAD +token", (b, p, u) -> b.btfLoad(p, BTF, tok(p)));
        ops.put("OBJ_GET 0644 pin read-write", (b, p, u) -> b.objGet(p, "/sys/fs/bpf/ro"));
        ops.put("OBJ_GET 0644 pin BPF_F_RDONLY", (b, p, u) -> b.objGet(p, "/sys/fs/bpf/ro", MapAttr.BPF_F_RDONLY));
        ops.put("OBJ_GET 0644 pin BPF_F_WRONLY", (b, p, u) -> b.objGet(p, "/sys/fs/bpf/ro", MapAttr.BPF_F_WRONLY));
        ops.put("MAP_UPDATE_ELEM on a BPF_F_RDONLY fd", (b, p, u) -> b.mapUpdateElem(p, roFd.get(p.pid()),
                new byte[4], new byte[4], 0));
        ops.put("MAP_LOOKUP_ELEM on a BPF_F_WRONLY fd", (b, p, u) -> b.mapLookupElem(p, woFd.get(p.pid()), new byte[4], 0));
        ops.put("MAP_LOOKUP_ELEM on a BPF_F_RDONLY fd", (b, p, u) -> b.mapLookupElem(p, roFd.get(p.pid()), new byte[4], 0));
        ops.put("MAP_GET_FD_BY_ID BPF_F_RDONLY", (b, p, u) -> b.mapGetFdById(p, 1, MapAttr.BPF_F_RDONLY));
        ops.put("PROG_ATTACH cgroup_skb (prog fd held)", (b, p, u) -> b.progAttach(p, cgroupFd.get(p.pid()),
                skbFd.get(p.pid()), AttachType.CGROUP_INET_INGRESS, 0));
        ops.put("PROG_ATTACH cgroup_sock (prog fd held)", (b, p, u) -> b.progAttach(p, cgroupFd.get(p.pid()),
                sockFd.get(p.pid()), AttachType.CGROUP_INET_SOCK_CREATE, 0));
        ops.put("PROG_DETACH cgroup_sock", (b, p, u) -> b.progDetach(p, cgroupFd.get(p.pid()), 0,
                AttachType.CGROUP_INET_SOCK_CREATE));
        ops.put("PROG_QUERY cgroup", (b, p, u) -> b.progQuery(p, cgroupFd.get(p.pid()), AttachType.CGROUP_INET_INGRESS));
        return ops;
    }

    /** A valid raw BTF blob: one int type. */
    private static final byte[] BTF;

    static {
        dev.bpfvm.vm.btf.BtfBuilder bb = new dev.bpfvm.vm.btf.BtfBuilder("matrix");
        bb.add(new dev.bpfvm.vm.btf.BtfType.Int("int", 4, dev.bpfvm.vm.btf.BtfType.Int.SIGNED, 0, 32));
        BTF = bb.build().encode();
    }

    /** Per process: a BPF_F_RDONLY fd of the 0644 pin, a BPF_F_WRONLY fd of the shared pin, fds of a
     * cgroup_skb and a cgroup_sock program (from 0666 pins) and of the process's own cgroup. */
    private final Map<Integer, Integer> roFd = new LinkedHashMap<>();
    private final Map<Integer, Integer> woFd = new LinkedHashMap<>();
    private final Map<Integer, Integer> skbFd = new LinkedHashMap<>();
    private final Map<Integer, Integer> sockFd = new LinkedHashMap<>();
    private final Map<Integer, Integer> cgroupFd = new LinkedHashMap<>();

    private void fdsOf(EmulatedKernel k, Bpf bpf, BpfProcess p) {
        roFd.put(p.pid(), bpf.objGet(p, "/sys/fs/bpf/ro", MapAttr.BPF_F_RDONLY));
        woFd.put(p.pid(), bpf.objGet(p, "/sys/fs/bpf/shared", MapAttr.BPF_F_WRONLY));
        skbFd.put(p.pid(), bpf.objGet(p, "/sys/fs/bpf/skb"));
        sockFd.put(p.pid(), bpf.objGet(p, "/sys/fs/bpf/sock"));
        cgroupFd.put(p.pid(), bpf.openCgroup(p, "/sys/fs/cgroup/m" + p.pid()));
    }

    /** Each process's token fd (0: none). */
    private final Map<Integer, Integer> tokenFd = new LinkedHashMap<>();

    private int tok(BpfProcess p) {
        return tokenFd.getOrDefault(p.pid(), 0);
    }

    private static char outcome(Runnable r) {
        try {
            r.run();
            return 'Y';
        } catch (KernelException e) {
            if (e.errno() == Errno.EPERM) {
                return 'P';
            }
            if (e.errno() == Errno.EACCES) {
                return 'A';
            }
            return 'Y'; // refused later, for a reason that is not a permission (e.g. ENOENT, EINVAL)
        }
    }

    private Map<String, String> run(int sysctl) {
        EmulatedKernel k = new EmulatedKernel(2);
        Privileges privs = k.privileges();
        Bpf bpf = k.bpf();
        BpfProcess root = bpf.process(EmulatedKernel.INIT_PID);
        int fd = bpf.mapCreate(root, MapAttr.builder(MapType.ARRAY, 4, 4, 1).build());
        bpf.objPin(root, fd, "/sys/fs/bpf/private");
        bpf.objPin(root, fd, "/sys/fs/bpf/shared");
        k.chmod("/sys/fs/bpf/shared", 0666);
        int prog = bpf.progLoad(root, prog(ProgramType.TRACING, AttachType.TRACE_FENTRY, "cgroup_mkdir"));
        bpf.objPin(root, prog, "/sys/fs/bpf/sharedprog");
        k.chmod("/sys/fs/bpf/sharedprog", 0666);
        sharedProgFd.clear();
        sharedProgFd.put(EmulatedKernel.INIT_PID, prog);
        k.bpffsMkdir("/sys/fs/bpf/rootdir");
        bpf.objPin(root, fd, "/sys/fs/bpf/ro");
        k.chmod("/sys/fs/bpf/ro", 0644);
        int skb = bpf.progLoad(root, prog(ProgramType.CGROUP_SKB, AttachType.NONE, ""));
        bpf.objPin(root, skb, "/sys/fs/bpf/skb");
        k.chmod("/sys/fs/bpf/skb", 0666);
        int sock = bpf.progLoad(root, prog(ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE, ""));
        bpf.objPin(root, sock, "/sys/fs/bpf/sock");
        k.chmod("/sys/fs/bpf/sock", 0666);
        roFd.clear();
        woFd.clear();
        skbFd.clear();
        sockFd.clear();
        cgroupFd.clear();
        for (int i = 0; i < KINDS.length; i++) {
            k.mkdir("/sys/fs/cgroup/m" + (i == 0 ? EmulatedKernel.INIT_PID : 100 + i));
        }
        fdsOf(k, bpf, root);
        List<BpfProcess> procs = new ArrayList<>();
        procs.add(root);
        sharedFd.clear();
        sharedFd.put(EmulatedKernel.INIT_PID, fd);
        for (int i = 1; i < KINDS.length; i++) {
            Task t = k.spawn(100 + i, "user" + i, 1000 + i, 1000 + i, "/sys/fs/cgroup");
            privs.setCaps(t, Capability.parseList(KINDS[i]));
            BpfProcess p = bpf.process(t.pid());
            k.actAs(t.pid());
            sharedFd.put(t.pid(), bpf.objGet(p, "/sys/fs/bpf/shared"));
            sharedProgFd.put(t.pid(), bpf.objGet(p, "/sys/fs/bpf/sharedprog"));
            fdsOf(k, bpf, p);
            procs.add(p);
        }
        tokenFd.clear();
        for (BpfProcess p : procs.subList(1, procs.size())) {
            k.actAs(EmulatedKernel.INIT_PID);
            int uid = k.task(p.pid()).uid();
            bpf.mountBpffs(root, "/run/user/" + uid + "/bpf", uid, BpfToken.Delegation.parse("delegate_cmds=map_create:prog_load:btf_load,"
                    + "delegate_maps=hash:lru_hash,delegate_progs=xdp:tracing,delegate_attachs=any"));
            k.actAs(p.pid());
            tokenFd.put(p.pid(), bpf.tokenCreate(p, "/run/user/" + uid + "/bpf"));
        }
        k.actAs(EmulatedKernel.INIT_PID);
        k.sysctlUnprivilegedBpfDisabled(sysctl);
        Map<String, String> got = new LinkedHashMap<>();
        for (Map.Entry<String, Op> e : ops().entrySet()) {
            StringBuilder row = new StringBuilder();
            for (BpfProcess p : procs) {
                k.actAs(p.pid());
                row.append(outcome(() -> e.getValue().run(bpf, p, 0)));
            }
            got.put(e.getKey(), row.toString());
        }
        return got;
    }

    @Test
    void everyCommandForEveryUserKindAndSysctlValueFollowsLinuxsTable() {
        for (int sysctl = 0; sysctl <= 2; sysctl++) {
            Map<String, String> want = new LinkedHashMap<>();
            for (Map.Entry<String, String[]> e : TABLE.entrySet()) {
                want.put(e.getKey(), e.getValue()[sysctl]);
            }
            assertThat(run(sysctl)).as("kernel.unprivileged_bpf_disabled=" + sysctl).containsExactlyEntriesOf(want);
        }
    }
}
