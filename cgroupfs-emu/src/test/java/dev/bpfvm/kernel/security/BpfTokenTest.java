package dev.bpfvm.kernel.security;

import static dev.bpfvm.kernel.KernelTesting.errno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.kernel.cgroup.Task;
import dev.bpfvm.kernel.syscall.Bpf;
import dev.bpfvm.kernel.syscall.BpfCmd;
import dev.bpfvm.kernel.syscall.BpfProcess;
import dev.bpfvm.kernel.syscall.BpfToken;
import dev.bpfvm.kernel.syscall.BpfToken.Delegation;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.asm.Assembler;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BpfTokenTest {
    private static final String CTR = "/run/ctr/bpf";
    private final EmulatedKernel k = new EmulatedKernel(2);
    private final Bpf bpf = k.bpf();
    private final BpfProcess root;
    private final BpfProcess user;
    private final BpfProcess other;

    BpfTokenTest() {
        k.privileges();
        root = bpf.process(EmulatedKernel.INIT_PID);
        Task u = k.spawn(100, "ctr", 1000, 1000, "/sys/fs/cgroup");
        Task o = k.spawn(101, "other", 1001, 1001, "/sys/fs/cgroup");
        user = bpf.process(u.pid());
        other = bpf.process(o.pid());
    }

    private static MapAttr map(MapType t) {
        return MapAttr.builder(t, 4, 4, 4).build();
    }

    private static Bpf.ProgLoad prog(ProgramType t, AttachType at, String to) {
        return new Bpf.ProgLoad("p", t, at, to, false,
                new Program("p", Assembler.assemble("mov r0, 0\nexit", Assembler.Options.defaults())), null);
    }

    private int tokenOf(BpfProcess p, String options) {
        k.actAs(EmulatedKernel.INIT_PID);
        bpf.mountBpffs(root, CTR, 1000, Delegation.parse(options));
        k.actAs(p.pid());
        return bpf.tokenCreate(p, CTR);
    }

    @Test
    void aTokenGrantsItsOwnerTheDelegatedMapTypesOnly() {
        int tok = tokenOf(user, "delegate_cmds=map_create,delegate_maps=lru_hash:sockmap");
        assertThat(tok).isEqualTo(3);
        assertThat(bpf.token(user, tok).userNsOwner()).isEqualTo(1000);
        assertThat(errno(() -> bpf.mapCreate(user, map(MapType.LRU_HASH)))).isEqualTo(Errno.EPERM);
        assertThat(bpf.mapCreate(user, map(MapType.LRU_HASH), tok)).isEqualTo(4);
        // SOCKMAP passes the check (needs CAP_NET_ADMIN, which the token gives), then bpfvm has no such map
        assertThat(errno(() -> bpf.mapCreate(user, map(MapType.SOCKMAP)))).isEqualTo(Errno.EPERM);
        assertThat(errno(() -> bpf.mapCreate(user, map(MapType.SOCKMAP), tok))).isEqualTo(Errno.EINVAL);
        // not delegated: the token is ignored and the caller's own capabilities decide
        assertThat(errno(() -> bpf.mapCreate(user, map(MapType.QUEUE), tok))).isEqualTo(Errno.EPERM);
        // PROG_LOAD not delegated
        assertThat(errno(() -> bpf.progLoad(user, prog(ProgramType.XDP, AttachType.NONE, ""), tok))).isEqualTo(Errno.EPERM);
        assertThat(user.fds()).containsExactly(3, 4);
    }

    @Test
    void programTypeAndExpectedAttachTypeMustBothBeDelegated() {
        int tok = tokenOf(user, "delegate_cmds=prog_load,delegate_progs=xdp:tracing,delegate_attachs=trace_fexit:cgroup_inet_ingress");
        // XDP has no expected attach type: the kernel sees 0, BPF_CGROUP_INET_INGRESS
        assertThat(errno(() -> bpf.progLoad(user, prog(ProgramType.XDP, AttachType.NONE, ""), tok))).isNull();
        assertThat(errno(() -> bpf.progLoad(user, prog(ProgramType.TRACING, AttachType.TRACE_FEXIT, "cgroup_mkdir"), tok)))
                .isNull();
        assertThat(errno(() -> bpf.progLoad(user, prog(ProgramType.TRACING, AttachType.TRACE_FENTRY, "cgroup_mkdir"), tok)))
                .isEqualTo(Errno.EPERM);
        assertThat(errno(() -> bpf.progLoad(user, prog(ProgramType.KPROBE, AttachType.NONE, ""), tok))).isEqualTo(Errno.EPERM);
        assertThat(errno(() -> bpf.progLoad(user, prog(ProgramType.XDP, AttachType.NONE, "")))).isEqualTo(Errno.EPERM);
    }

    @Test
    void aTokenPassesTheUnprivilegedBpfDisabledRule() {
        k.sysctlUnprivilegedBpfDisabled(2);
        int tok = tokenOf(user, "delegate_cmds=map_create,delegate_maps=hash");
        assertThat(errno(() -> bpf.mapCreate(user, map(MapType.HASH)))).isEqualTo(Errno.EPERM);
        assertThat(errno(() -> bpf.mapCreate(user, map(MapType.HASH), tok))).isNull();
    }

    @Test
    void tokenCreateFollowsLinuxsOrderOfErrors() {
        k.actAs(EmulatedKernel.INIT_PID);
        // the host bpffs delegates nothing
        assertThat(errno(() -> bpf.tokenCreate(root, "/sys/fs/bpf"))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> bpf.tokenCreate(root, "/run/none"))).isEqualTo(Errno.EINVAL);
        bpf.mountBpffs(root, "/run/empty", 1000, Delegation.parse("delegate_maps=any"));
        bpf.mountBpffs(root, "/run/host", 0, Delegation.parse("delegate_cmds=any"));
        bpf.mountBpffs(root, CTR, 1000, Delegation.parse("delegate_cmds=any"));
        assertThat(errno(() -> bpf.tokenCreate(root, "/run/empty"))).isEqualTo(Errno.ENOENT);
        // the initial user namespace: EPERM without CAP_BPF, else EOPNOTSUPP
        assertThat(errno(() -> bpf.tokenCreate(root, "/run/host"))).isEqualTo(Errno.EOPNOTSUPP);
        k.actAs(other.pid());
        assertThat(errno(() -> bpf.tokenCreate(other, "/run/host"))).isEqualTo(Errno.EPERM);
        // another user namespace than the caller's
        assertThat(errno(() -> bpf.tokenCreate(other, CTR))).isEqualTo(Errno.EPERM);
        k.actAs(EmulatedKernel.INIT_PID);
        assertThat(errno(() -> bpf.tokenCreate(root, CTR))).isEqualTo(Errno.EPERM);
        k.actAs(user.pid());
        assertThat(bpf.tokenCreate(user, CTR)).isEqualTo(3);
        assertThat(root.fds()).isEmpty();
        assertThat(other.fds()).isEmpty();
    }

    @Test
    void onlyCapSysAdminMountsAndAMountPointIsTakenOnce() {
        Delegation any = Delegation.parse("delegate_cmds=any");
        k.actAs(user.pid());
        assertThat(errno(() -> bpf.mountBpffs(user, CTR, 1000, any))).isEqualTo(Errno.EPERM);
        k.actAs(EmulatedKernel.INIT_PID);
        bpf.mountBpffs(root, CTR, 1000, any);
        assertThat(errno(() -> bpf.mountBpffs(root, CTR, 1000, any))).isEqualTo(Errno.EBUSY);
        assertThat(errno(() -> bpf.mountBpffs(root, "/sys/fs/bpf", 1000, any))).isEqualTo(Errno.EBUSY);
        assertThat(errno(() -> bpf.mountBpffs(root, "run/x", 1000, any))).isEqualTo(Errno.EINVAL);
        assertThat(bpf.bpffsUserNsOwner(CTR)).isEqualTo(1000);
        assertThat(bpf.bpffsUserNsOwner("/run/x")).isEqualTo(-1);
    }

    @Test
    void aTokenFdMustBeATokenAndCloses() {
        int tok = tokenOf(user, "delegate_cmds=map_create,delegate_maps=any");
        assertThat(errno(() -> bpf.mapCreate(user, map(MapType.HASH), 99))).isEqualTo(Errno.EBADF);
        int m = bpf.mapCreate(user, map(MapType.HASH), tok);
        assertThat(errno(() -> bpf.mapCreate(user, map(MapType.HASH), m))).isEqualTo(Errno.EINVAL);
        BpfToken t = bpf.token(user, tok);
        bpf.close(user, tok);
        assertThat(t.freed()).isTrue();
        assertThat(errno(() -> bpf.mapCreate(user, map(MapType.LRU_HASH), tok))).isEqualTo(Errno.EBADF);
    }

    @Test
    void delegationOptionsParseAsBpffsMountOptions() {
        Delegation d = Delegation.parse("delegate_cmds=MAP_CREATE:prog_load, delegate_progs=xdp,delegate_attachs=any");
        assertThat(d.cmds()).containsExactlyInAnyOrder(BpfCmd.MAP_CREATE, BpfCmd.PROG_LOAD);
        assertThat(d.maps()).isEmpty();
        assertThat(d.progs()).containsExactly(ProgramType.XDP);
        assertThat(d.attachs()).contains(AttachType.TRACE_FENTRY).doesNotContain(AttachType.NONE);
        assertThat(Delegation.parse("").cmds()).isEqualTo(Set.of());
        assertThatThrownBy(() -> Delegation.parse("delegate_foo=any"))
                .isInstanceOf(KernelException.class).hasMessage("EINVAL: bpf: unknown mount option 'delegate_foo'");
        assertThatThrownBy(() -> Delegation.parse("delegate_maps=hash:nosuch"))
                .isInstanceOf(KernelException.class).hasMessage("EINVAL: bpf: delegate_maps: unknown name 'nosuch'");
    }
}
