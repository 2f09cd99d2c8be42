package dev.bpfvm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.kernel.cgroup.Task;
import dev.bpfvm.kernel.syscall.Bpf;
import dev.bpfvm.kernel.syscall.BpfProcess;
import dev.bpfvm.kernel.syscall.BpfToken;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The BPF LSM hooks on bpf objects and tokens: where they run, the kernel objects they see
 * (laid out by KernelBtf) and what a denial does.
 */
class BpfLsmHooksTest extends KernelTesting {
    private final Bpf bpf = kernel.bpf();
    private final BpfProcess root = bpf.process(EmulatedKernel.INIT_PID);

    /** Loads an lsm/HOOK program and attaches it; returns the program fd. */
    private int lsm(String hook, String text) {
        int fd = bpf.progLoad(root, new Bpf.ProgLoad(hook, ProgramType.LSM, AttachType.LSM_MAC, hook, false,
                assemble(hook, text), null));
        bpf.attachAuto(root, fd, Bpf.LinkOpts.NONE);
        return fd;
    }

    private static MapAttr map(MapType t, String name, int flags) {
        return MapAttr.builder(t, 4, 4, 4).name(name).flags(flags).build();
    }

    /** Little-endian bytes of a short name, as the first 8 bytes of a char[16] read as u64. */
    private static long name8(String s) {
        long v = 0;
        for (int i = s.length() - 1; i >= 0; i--) {
            v = v << 8 | s.charAt(i);
        }
        return v;
    }

    @Test
    void bpfMapSeesTheMapAndTheFmodeOfEveryNewFdAndItsDenialMakesNone() {
        // records map_type, id, fmode, name[0..8], map_flags; denies LRU_HASH maps with -EACCES
        lsm("bpf_map", """
                ldxdw r6, [r1+0]
                ldxdw r7, [r1+8]
                ldxw r1, [r6+{bpf_map.map_type}]
                ldxw r2, [r6+{bpf_map.id}]
                mov r3, r7
                ldxdw r4, [r6+{bpf_map.name}]
                ldxw r5, [r6+{bpf_map.map_flags}]
                call kfunc record
                mov r0, 0
                ldxw r1, [r6+{bpf_map.map_type}]
                jne r1, 9, +1
                mov r0, -13
                exit
                """);
        int h = bpf.mapCreate(root, map(MapType.HASH, "h", 0));
        int id = bpf.objGetInfoByFd(root, h).id();
        assertThat(records()).hasSize(1);
        assertThat(records().get(0)).startsWith(1, id, 3, name8("h"), 0);

        List<Integer> ids = bpf.mapIds();
        assertThat(errno(() -> bpf.mapCreate(root, map(MapType.LRU_HASH, "lru", 0)))).isEqualTo(Errno.EACCES);
        assertThat(bpf.mapIds()).isEqualTo(ids);
        assertThat(bpf.process(EmulatedKernel.INIT_PID).fds()).doesNotContain(h + 1);

        // BPF_F_RDONLY / BPF_F_WRONLY at MAP_CREATE: FMODE_READ / FMODE_WRITE
        bpf.mapCreate(root, map(MapType.HASH, "ro", MapAttr.BPF_F_RDONLY));
        bpf.mapCreate(root, map(MapType.HASH, "wo", MapAttr.BPF_F_WRONLY));
        assertThat(column(2).subList(2, 4)).containsExactly(1L, 2L);
        assertThat(column(4).subList(2, 4)).containsExactly((long) MapAttr.BPF_F_RDONLY, (long) MapAttr.BPF_F_WRONLY);

        // OBJ_GET and MAP_GET_FD_BY_ID run it too, with the mode asked for
        bpf.objPin(root, h, "/sys/fs/bpf/h");
        bpf.objGet(root, "/sys/fs/bpf/h");
        bpf.objGet(root, "/sys/fs/bpf/h", MapAttr.BPF_F_RDONLY);
        bpf.objGet(root, "/sys/fs/bpf/h", MapAttr.BPF_F_WRONLY);
        bpf.mapGetFdById(root, id, MapAttr.BPF_F_RDONLY);
        assertThat(column(2).subList(4, 8)).containsExactly(3L, 1L, 2L, 1L);
        assertThat(column(1).subList(4, 8)).containsExactly((long) id, (long) id, (long) id, (long) id);
        // both flags: EINVAL before any fd or hook
        assertThat(errno(() -> bpf.objGet(root, "/sys/fs/bpf/h", MapAttr.BPF_F_RDONLY | MapAttr.BPF_F_WRONLY)))
                .isEqualTo(Errno.EINVAL);
        assertThat(records()).hasSize(8);
    }

    private static final String RECORD_PROG = """
            ldxdw r6, [r1+0]
            ldxdw r7, [r6+{bpf_prog.aux}]
            ldxw r1, [r7+{bpf_prog_aux.id}]
            ldxw r2, [r6+{bpf_prog.type}]
            ldxw r3, [r6+{bpf_prog.expected_attach_type}]
            ldxdw r4, [r7+{bpf_prog_aux.name}]
            ldxb r5, [r7+{bpf_prog_aux.sleepable}]
            call kfunc record
            mov r0, 0
            exit
            """;

    @Test
    void bpfProgLoadSeesTheProgramBeforeItHasAnIdAndBpfProgWhenItGetsItsFd() {
        int load = bpf.progLoad(root, new Bpf.ProgLoad("bpf_prog_load", ProgramType.LSM, AttachType.LSM_MAC,
                "bpf_prog_load", false, assemble("l", RECORD_PROG), null));
        int fd = bpf.progLoad(root, new Bpf.ProgLoad("bpf_prog", ProgramType.LSM, AttachType.LSM_MAC,
                "bpf_prog", false, assemble("p", RECORD_PROG), null));
        bpf.attachAuto(root, load, Bpf.LinkOpts.NONE);
        bpf.attachAuto(root, fd, Bpf.LinkOpts.NONE);
        int t = bpf.progLoad(root, new Bpf.ProgLoad("tp", ProgramType.TRACING, AttachType.TRACE_RAW_TP, "cgroup_mkdir",
                true, assemble("tp", "mov r0, 0\nexit"), null));
        int id = bpf.objGetInfoByFd(root, t).id();
        // PROG_LOAD: bpf_prog_load (aux->id 0), then bpf_prog (the id); type 26 TRACING, 23 BPF_TRACE_RAW_TP
        assertThat(records()).hasSize(2);
        assertThat(records().get(0)).startsWith(0, 26, 23, name8("tp"), 1);
        assertThat(records().get(1)).startsWith(id, 26, 23, name8("tp"), 1);
        // OBJ_GET and PROG_GET_FD_BY_ID: bpf_prog only
        bpf.objPin(root, t, "/sys/fs/bpf/tp");
        bpf.objGet(root, "/sys/fs/bpf/tp");
        bpf.progGetFdById(root, id);
        assertThat(column(0).subList(2, 4)).containsExactly((long) id, (long) id);
    }

    @Test
    void aDenialAtBpfProgUnloadsTheNewProgramAndRefusesFdsOfOldOnes() {
        int deny = bpf.progLoad(root, new Bpf.ProgLoad("deny", ProgramType.LSM, AttachType.LSM_MAC, "bpf_prog", false,
                assemble("deny", "mov r0, -1\nexit"), null));
        bpf.attachAuto(root, deny, Bpf.LinkOpts.NONE);
        List<Integer> ids = bpf.progIds();
        Bpf.ProgLoad p = new Bpf.ProgLoad("p", ProgramType.SOCKET_FILTER, AttachType.NONE, "", false,
                assemble("p", "mov r0, 0\nexit"), null);
        assertThat(errno(() -> bpf.progLoad(root, p))).isEqualTo(Errno.EPERM);
        assertThat(bpf.progIds()).isEqualTo(ids);
        assertThat(kernel.programs()).hasSize(ids.size());
        // the same hook refuses fds of existing programs: PROG_GET_FD_BY_ID
        int denyId = bpf.objGetInfoByFd(root, deny).id();
        assertThat(errno(() -> bpf.progGetFdById(root, denyId))).isEqualTo(Errno.EPERM);

    }

    @Test
    void aDenialAtBpfProgLoadLoadsNothingAndReturnsItsErrno() {
        lsm("bpf_prog_load", "mov r0, -16\nexit");
        List<Integer> ids = bpf.progIds();
        Bpf.ProgLoad p = new Bpf.ProgLoad("p", ProgramType.SOCKET_FILTER, AttachType.NONE, "", false,
                assemble("p", "mov r0, 0\nexit"), null);
        assertThat(errno(() -> bpf.progLoad(root, p))).isEqualTo(Errno.EBUSY);
        assertThat(bpf.progIds()).isEqualTo(ids);
    }

    @Test
    void bpfMapCreateSeesTheTokenOnlyWhenTheCommandUsesIt() {
        kernel.privileges();
        Task u = kernel.spawn(100, "ctr", 1000, 1000, "/sys/fs/cgroup");
        BpfProcess user = bpf.process(u.pid());
        bpf.mountBpffs(root, "/run/ctr/bpf", 1000, BpfToken.Delegation.parse(
                "delegate_cmds=map_create,delegate_maps=lru_hash:hash"));
        kernel.actAs(u.pid());
        int tok = bpf.tokenCreate(user, "/run/ctr/bpf");
        kernel.actAs(EmulatedKernel.INIT_PID);
        // records token (0 or not), token->allowed_maps, token->userns->owner.val
        lsm("bpf_map_create", """
                ldxdw r6, [r1+16]
                mov r1, r6
                mov r2, 0
                mov r3, 0
                jeq r6, 0, +3
                ldxdw r2, [r6+{bpf_token.allowed_maps}]
                ldxdw r3, [r6+{bpf_token.userns}]
                ldxw r3, [r3+{user_namespace.owner}]
                call kfunc record
                mov r0, 0
                exit
                """);
        kernel.actAs(u.pid());
        bpf.mapCreate(user, map(MapType.LRU_HASH, "a", 0), tok);
        // array is not delegated: the token is ignored (NULL), array needs no capability
        bpf.mapCreate(user, map(MapType.ARRAY, "b", 0), tok);
        bpf.mapCreate(user, map(MapType.HASH, "c", 0));
        assertThat(column(0).get(0)).isNotZero();
        assertThat(column(0).subList(1, 3)).containsExactly(0L, 0L);
        assertThat(records().get(0)).startsWith(column(0).get(0), 1L << 1 | 1L << 9, 1000);
    }

    @Test
    void tokenHooksTakeTheTokensPowerAwayButNotTheCallersOwn() {
        kernel.privileges();
        Task u = kernel.spawn(100, "ctr", 1000, 1000, "/sys/fs/cgroup");
        BpfProcess user = bpf.process(u.pid());
        bpf.mountBpffs(root, "/run/ctr/bpf", 1000, BpfToken.Delegation.parse(
                "delegate_cmds=map_create:prog_load,delegate_maps=lru_hash,delegate_progs=tracing,delegate_attachs=any"));
        // bpf_token_create: -EACCES; records token->allowed_cmds
        int create = lsm("bpf_token_create", """
                ldxdw r6, [r1+0]
                ldxdw r1, [r6+{bpf_token.allowed_cmds}]
                call kfunc record
                mov r0, -13
                exit
                """);
        kernel.actAs(u.pid());
        assertThat(errno(() -> bpf.tokenCreate(user, "/run/ctr/bpf"))).isEqualTo(Errno.EACCES);
        assertThat(column(0)).containsExactly(1L << 0 | 1L << 5);
        assertThat(user.fds()).isEmpty();
        kernel.actAs(EmulatedKernel.INIT_PID);
        bpf.close(root, create);
        bpf.linkDetach(root, root.fds().get(root.fds().size() - 1));
        kernel.actAs(u.pid());
        int tok = bpf.tokenCreate(user, "/run/ctr/bpf");
        assertThat(bpf.mapCreate(user, map(MapType.LRU_HASH, "a", 0), tok)).isPositive();

        // bpf_token_cmd: refuse MAP_CREATE (0); the token is ignored and uid 1000 has no CAP_BPF
        kernel.actAs(EmulatedKernel.INIT_PID);
        int cmd = lsm("bpf_token_cmd", """
                ldxdw r7, [r1+8]
                mov r1, r7
                call kfunc record
                mov r0, 0
                jne r7, 0, +1
                mov r0, -1
                exit
                """);
        kernel.actAs(u.pid());
        records.clear();
        assertThat(errno(() -> bpf.mapCreate(user, map(MapType.LRU_HASH, "b", 0), tok))).isEqualTo(Errno.EPERM);
        Bpf.ProgLoad tracing = new Bpf.ProgLoad("t", ProgramType.TRACING, AttachType.TRACE_FENTRY, "cgroup_mkdir",
                false, assemble("t", "mov r0, 0\nexit"), null);
        assertThat(bpf.progLoad(user, tracing, tok)).isPositive();
        assertThat(column(0)).containsExactly(0L, 5L);
        // without a token the hook does not run
        assertThat(errno(() -> bpf.mapCreate(user, map(MapType.LRU_HASH, "c", 0)))).isEqualTo(Errno.EPERM);
        assertThat(records()).hasSize(2);
        kernel.actAs(EmulatedKernel.INIT_PID);
        bpf.linkDetach(root, root.fds().get(root.fds().size() - 1));
        bpf.close(root, cmd);

        // bpf_token_capable: refuse CAP_PERFMON (38): the tracing program needs it, CAP_BPF still passes
        lsm("bpf_token_capable", """
                ldxdw r7, [r1+8]
                mov r1, r7
                call kfunc record
                mov r0, 0
                jne r7, 38, +1
                mov r0, -1
                exit
                """);
        kernel.actAs(u.pid());
        records.clear();
        assertThat(errno(() -> bpf.progLoad(user, tracing, tok))).isEqualTo(Errno.EPERM);
        assertThat(column(0)).containsExactly(39L, 38L);
        assertThat(bpf.mapCreate(user, map(MapType.LRU_HASH, "d", 0), tok)).isPositive();
        // root's own capabilities need no token and run no token hook
        kernel.actAs(EmulatedKernel.INIT_PID);
        records.clear();
        assertThat(bpf.progLoad(root, tracing)).isPositive();
        assertThat(records()).isEmpty();
    }
}
