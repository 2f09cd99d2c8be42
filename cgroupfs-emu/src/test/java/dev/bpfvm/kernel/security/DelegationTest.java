package dev.bpfvm.kernel.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.vm.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** File modes, chown/chmod, the sysctl's lock and cgroup v2 delegation. */
class DelegationTest {
    private final EmulatedKernel k = new EmulatedKernel(2);
    private final Privileges privs = k.privileges();

    private static void errno(Errno want, Executable e) {
        assertThatThrownBy(e::execute).isInstanceOfSatisfying(KernelException.class,
                x -> assertThat(x.errno()).isEqualTo(want));
    }

    @Test
    void sysctlNeedsSysAdminAndOneLocksIt() {
        k.spawn(200, "alice", 1000, 1000, "/sys/fs/cgroup");
        k.actAs(200);
        errno(Errno.EPERM, () -> k.sysctlUnprivilegedBpfDisabled(1));
        k.actAs(1);
        errno(Errno.EINVAL, () -> k.sysctlUnprivilegedBpfDisabled(3));
        k.sysctlUnprivilegedBpfDisabled(2);
        k.sysctlUnprivilegedBpfDisabled(0);
        assertThat(privs.unprivilegedBpfDisabled()).isEqualTo(0);
        k.sysctlUnprivilegedBpfDisabled(1);
        errno(Errno.EPERM, () -> k.sysctlUnprivilegedBpfDisabled(0));
        errno(Errno.EPERM, () -> k.sysctlUnprivilegedBpfDisabled(2));
        k.sysctlUnprivilegedBpfDisabled(1);
        assertThat(privs.unprivilegedBpfDisabled()).isEqualTo(1);
    }

    @Test
    void aDelegatedSubtreeLetsItsOwnerMakeChildrenAndMoveItsTasksWithinIt() {
        k.mkdir("/sys/fs/cgroup/user");
        k.mkdir("/sys/fs/cgroup/user/alice");
        k.mkdir("/sys/fs/cgroup/other");
        k.spawn(200, "alice", 1000, 1000, "/sys/fs/cgroup/user/alice");
        k.actAs(200);
        // before delegation: a root-owned 0755 directory
        errno(Errno.EACCES, () -> k.mkdir("/sys/fs/cgroup/user/alice/a"));
        k.actAs(1);
        k.chown("/sys/fs/cgroup/user/alice", 1000, 1000);
        k.chown("/sys/fs/cgroup/user/alice/cgroup.procs", 1000, 1000);
        k.chown("/sys/fs/cgroup/user/alice/cgroup.subtree_control", 1000, 1000);
        assertThat(k.fileModes().inode("/sys/fs/cgroup/user/alice").toString()).isEqualTo("0755 1000:1000");
        k.actAs(200);
        errno(Errno.EPERM, () -> k.chown("/sys/fs/cgroup/user/alice", 1001, 1001));
        k.mkdir("/sys/fs/cgroup/user/alice/a");
        k.mkdir("/sys/fs/cgroup/user/alice/a/b");
        // the creator owns the new cgroup and its interface files (cgroup_kn_set_ugid)
        assertThat(k.fileModes().inode("/sys/fs/cgroup/user/alice/a/cgroup.procs").toString()).isEqualTo("0644 1000:1000");
        // common ancestor user/alice: its cgroup.procs is alice's
        k.write("/sys/fs/cgroup/user/alice/a/b/cgroup.procs", "200");
        assertThat(k.task(200).cgroup().path()).isEqualTo("/user/alice/a/b");
        k.write("/sys/fs/cgroup/user/alice/cgroup.procs", "200");
        // out of the subtree: dst not writable
        errno(Errno.EACCES, () -> k.write("/sys/fs/cgroup/other/cgroup.procs", "200"));
        errno(Errno.EACCES, () -> k.mkdir("/sys/fs/cgroup/other/x"));
        k.actAs(1);
        k.chown("/sys/fs/cgroup/other/cgroup.procs", 1000, 1000);
        k.actAs(200);
        // dst writable now, but the common ancestor (the root) is not
        errno(Errno.EACCES, () -> k.write("/sys/fs/cgroup/other/cgroup.procs", "200"));
        assertThat(k.task(200).cgroup().path()).isEqualTo("/user/alice");
        k.rmdir("/sys/fs/cgroup/user/alice/a/b");
        k.chmod("/sys/fs/cgroup/user/alice/a", 0700);
        k.spawn(201, "bob", 1001, 1001, "/sys/fs/cgroup/other");
        k.actAs(201);
        errno(Errno.EACCES, () -> k.read("/sys/fs/cgroup/user/alice/a/cgroup.procs"));
        assertThat(k.read("/sys/fs/cgroup/user/alice/cgroup.procs")).isEqualTo("200\n");
        errno(Errno.EPERM, () -> k.chmod("/sys/fs/cgroup/user/alice/cgroup.procs", 0666));
        errno(Errno.ENOENT, () -> k.chmod("/sys/fs/cgroup/nope", 0666));
    }

    @Test
    void pinsBelongToTheirPinnerWithMode0600() {
        var bpf = k.bpf();
        k.spawn(200, "alice", 1000, 1000, "/sys/fs/cgroup");
        var alice = bpf.process(200);
        k.actAs(200);
        int fd = bpf.mapCreate(alice, dev.bpfvm.vm.spi.MapAttr.builder(dev.bpfvm.vm.spi.MapType.HASH, 4, 4, 4).build());
        bpf.objPin(alice, fd, "/sys/fs/bpf/mine");
        assertThat(k.fileModes().inode("/sys/fs/bpf/mine").toString()).isEqualTo("0600 1000:1000");
        assertThat(bpf.objGet(alice, "/sys/fs/bpf/mine")).isEqualTo(4);
        k.spawn(201, "bob", 1001, 1001, "/sys/fs/cgroup");
        k.actAs(201);
        errno(Errno.EACCES, () -> bpf.objGet(bpf.process(201), "/sys/fs/bpf/mine"));
        k.actAs(200);
        k.chmod("/sys/fs/bpf/mine", 0644);
        k.actAs(201);
        // OBJ_GET without flags opens read-write
        errno(Errno.EACCES, () -> bpf.objGet(bpf.process(201), "/sys/fs/bpf/mine"));
        errno(Errno.EACCES, () -> k.bpffsMkdir("/sys/fs/bpf/mine/x"));
    }
}
