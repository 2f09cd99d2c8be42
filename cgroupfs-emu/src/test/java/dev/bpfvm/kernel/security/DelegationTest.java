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

    private int hashMap(dev.bpfvm.kernel.syscall.BpfProcess p) {
        return k.bpf().mapCreate(p, dev.bpfvm.vm.spi.MapAttr.builder(dev.bpfvm.vm.spi.MapType.HASH, 4, 4, 4).build());
    }

    @Test
    void theStickyBpffsRootLetsOnlyTheOwnerOfAPinOrOfTheDirectoryUnlinkIt() {
        var bpf = k.bpf();
        k.spawn(200, "alice", 1000, 1000, "/sys/fs/cgroup");
        k.spawn(201, "bob", 1001, 1001, "/sys/fs/cgroup");
        k.actAs(200);
        var alice = bpf.process(200);
        int fd = hashMap(alice);
        bpf.objPin(alice, fd, "/sys/fs/bpf/a1");
        bpf.objPin(alice, fd, "/sys/fs/bpf/a2");
        k.bpffsMkdir("/sys/fs/bpf/adir");
        bpf.objPin(alice, fd, "/sys/fs/bpf/adir/x");
        k.chmod("/sys/fs/bpf/adir", 0777);
        k.actAs(201);
        // bob may write the 1777 root, but it is sticky and a1 is alice's: EPERM (check_sticky)
        errno(Errno.EPERM, () -> k.bpffsUnlink("/sys/fs/bpf/a1"));
        // adir is 0777 without the sticky bit: anyone who may write it may unlink in it
        k.bpffsUnlink("/sys/fs/bpf/adir/x");
        errno(Errno.ENOENT, () -> k.bpffsUnlink("/sys/fs/bpf/adir/x"));
        k.actAs(200);
        k.chmod("/sys/fs/bpf/adir", 01777);
        bpf.objPin(alice, fd, "/sys/fs/bpf/adir/y");
        k.actAs(201);
        errno(Errno.EPERM, () -> k.bpffsUnlink("/sys/fs/bpf/adir/y"));
        // bob's own pin in alice's sticky directory: the file's owner may
        int bfd = hashMap(bpf.process(201));
        bpf.objPin(bpf.process(201), bfd, "/sys/fs/bpf/adir/b");
        k.bpffsUnlink("/sys/fs/bpf/adir/b");
        // the directory's owner may remove anyone's file in it
        bpf.objPin(bpf.process(201), bfd, "/sys/fs/bpf/adir/b");
        k.actAs(200);
        k.bpffsUnlink("/sys/fs/bpf/adir/b");
        k.bpffsUnlink("/sys/fs/bpf/a1");
        // a 0755 directory: no write permission for others, EACCES before the sticky rule
        k.chmod("/sys/fs/bpf/adir", 0755);
        k.actAs(201);
        errno(Errno.EACCES, () -> k.bpffsUnlink("/sys/fs/bpf/adir/y"));
        k.actAs(1);
        k.bpffsUnlink("/sys/fs/bpf/a2");
        assertThat(bpf.bpffs().list("/sys/fs/bpf")).containsExactly("adir");
    }

    @Test
    void theUmaskShapesNewPinsAndDirectories() {
        var bpf = k.bpf();
        k.spawn(200, "alice", 1000, 1000, "/sys/fs/cgroup");
        k.actAs(200);
        var alice = bpf.process(200);
        int fd = hashMap(alice);
        k.bpffsMkdir("/sys/fs/bpf/d022");
        bpf.objPin(alice, fd, "/sys/fs/bpf/p022");
        privs.setUmask(k.task(200), 077);
        k.bpffsMkdir("/sys/fs/bpf/d077");
        privs.setUmask(k.task(200), 0);
        k.bpffsMkdir("/sys/fs/bpf/d000");
        bpf.objPin(alice, fd, "/sys/fs/bpf/p000");
        privs.setUmask(k.task(200), 0266);
        bpf.objPin(alice, fd, "/sys/fs/bpf/p266");
        assertThat(privs.umask(k.task(201 - 1))).isEqualTo(0266);
        assertThat(k.fileModes().inode("/sys/fs/bpf/d022").toString()).isEqualTo("0755 1000:1000");
        assertThat(k.fileModes().inode("/sys/fs/bpf/d077").toString()).isEqualTo("0700 1000:1000");
        assertThat(k.fileModes().inode("/sys/fs/bpf/d000").toString()).isEqualTo("0777 1000:1000");
        assertThat(k.fileModes().inode("/sys/fs/bpf/p022").toString()).isEqualTo("0600 1000:1000");
        assertThat(k.fileModes().inode("/sys/fs/bpf/p000").toString()).isEqualTo("0600 1000:1000");
        assertThat(k.fileModes().inode("/sys/fs/bpf/p266").toString()).isEqualTo("0400 1000:1000");
        // cgroup directories too (cgroup_mkdir gets mkdir's mode less the umask); their files stay 0644
        k.actAs(1);
        privs.setUmask(k.task(1), 027);
        k.mkdir("/sys/fs/cgroup/g");
        assertThat(k.fileModes().inode("/sys/fs/cgroup/g").toString()).isEqualTo("0750 0:0");
        assertThat(k.fileModes().inode("/sys/fs/cgroup/g/cgroup.procs").toString()).isEqualTo("0644 0:0");
    }

    @Test
    void supplementaryGroupsGetTheGroupBits() {
        var bpf = k.bpf();
        int fd = hashMap(bpf.process(1));
        bpf.objPin(bpf.process(1), fd, "/sys/fs/bpf/shared");
        k.chown("/sys/fs/bpf/shared", 0, 500);
        k.chmod("/sys/fs/bpf/shared", 0660);
        k.spawn(200, "alice", 1000, 1000, "/sys/fs/cgroup");
        k.spawn(201, "bob", 1001, 1001, "/sys/fs/cgroup");
        privs.setGroups(k.task(200), java.util.Set.of(500, 600));
        k.actAs(200);
        assertThat(bpf.objGet(bpf.process(200), "/sys/fs/bpf/shared")).isEqualTo(3);
        k.actAs(201);
        errno(Errno.EACCES, () -> bpf.objGet(bpf.process(201), "/sys/fs/bpf/shared"));
        assertThat(privs.inGroup(k.task(201), 1001)).isTrue();
        assertThat(privs.inGroup(k.task(201), 500)).isFalse();
    }
}
