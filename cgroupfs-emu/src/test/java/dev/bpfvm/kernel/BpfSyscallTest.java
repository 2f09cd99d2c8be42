package dev.bpfvm.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.kernel.cgroup.Cgroup;
import dev.bpfvm.kernel.iter.CgroupIterOrder;
import dev.bpfvm.kernel.syscall.Bpf;
import dev.bpfvm.kernel.syscall.BpfInfo;
import dev.bpfvm.kernel.syscall.BpfProcess;
import dev.bpfvm.kernel.testrun.TestRunOptions;
import dev.bpfvm.maps.LocalStorageMap;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class BpfSyscallTest extends KernelTesting {
    private final Bpf bpf = kernel.bpf();
    private final BpfProcess proc = bpf.process(EmulatedKernel.INIT_PID);

    private static void errno(Errno want, Executable e) {
        assertThatThrownBy(e::execute).isInstanceOfSatisfying(KernelException.class,
                x -> assertThat(x.errno()).isEqualTo(want));
    }

    private static byte[] u32(int v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }

    private int hashMap() {
        return bpf.mapCreate(proc, MapAttr.builder(MapType.HASH, 4, 4, 8).name("counts").build());
    }

    private int prog(String name, ProgramType type, AttachType at, String to, String text, int... maps) {
        return bpf.progLoad(proc, new Bpf.ProgLoad(name, type, at, to, false, assemble(name, text), maps));
    }

    @Test
    void mapCommandsAndTheirErrnos() {
        int fd = hashMap();
        assertThat(fd).isEqualTo(3);
        bpf.mapUpdateElem(proc, fd, u32(1), u32(10), 0);
        bpf.mapUpdateElem(proc, fd, u32(2), u32(20), 0);
        assertThat(bpf.mapLookupElem(proc, fd, u32(2), 0)).containsExactly(u32(20));
        assertThat(bpf.mapGetNextKey(proc, fd, null)).containsExactly(u32(1));
        assertThat(bpf.mapGetNextKey(proc, fd, u32(1))).containsExactly(u32(2));
        errno(Errno.ENOENT, () -> bpf.mapGetNextKey(proc, fd, u32(2)));
        errno(Errno.EEXIST, () -> bpf.mapUpdateElem(proc, fd, u32(1), u32(1), 1 /* BPF_NOEXIST */));
        bpf.mapDeleteElem(proc, fd, u32(1));
        errno(Errno.ENOENT, () -> bpf.mapLookupElem(proc, fd, u32(1), 0));
        errno(Errno.ENOENT, () -> bpf.mapDeleteElem(proc, fd, u32(1)));
        bpf.mapFreeze(proc, fd);
        errno(Errno.EPERM, () -> bpf.mapUpdateElem(proc, fd, u32(3), u32(3), 0));
        errno(Errno.EBADF, () -> bpf.mapLookupElem(proc, 42, u32(1), 0));
        errno(Errno.EINVAL, () -> bpf.mapCreate(proc, MapAttr.builder(MapType.HASH, 0, 4, 8).build()));
        BpfInfo.Map info = (BpfInfo.Map) bpf.objGetInfoByFd(proc, fd);
        assertThat(info.name()).isEqualTo("counts");
        assertThat(info.keySize()).isEqualTo(4);
        assertThat(info.maxEntries()).isEqualTo(8);
        assertThat(info.frozen()).isTrue();
    }

    @Test
    void objectsLiveWhileAnFdPinLinkOrProgramHoldsThem() {
        int mfd = hashMap();
        int mapId = bpf.mapIds().get(0);
        int pfd = prog("p", ProgramType.TRACING, AttachType.TRACE_FENTRY, "cgroup_mkdir", """
                call kfunc record
                mov r0, 0
                exit
                """, mfd);
        int progId = bpf.progIds().get(0);
        bpf.objPin(proc, mfd, "/sys/fs/bpf/counts");
        errno(Errno.EEXIST, () -> bpf.objPin(proc, mfd, "/sys/fs/bpf/counts"));
        errno(Errno.ENOENT, () -> bpf.objPin(proc, mfd, "/sys/fs/bpf/nodir/counts"));
        bpf.close(proc, mfd);
        errno(Errno.EBADF, () -> bpf.close(proc, mfd));
        assertThat(bpf.mapIds()).containsExactly(mapId);
        int again = bpf.objGet(proc, "/sys/fs/bpf/counts");
        assertThat(again).isEqualTo(mfd);   // lowest free fd
        bpf.close(proc, again);
        bpf.bpffs().unlink("/sys/fs/bpf/counts");
        assertThat(bpf.mapIds()).containsExactly(mapId);   // the program still uses it
        int lfd = bpf.linkCreate(proc, pfd, AttachType.TRACE_FENTRY, Bpf.LinkOpts.NONE);
        bpf.close(proc, pfd);
        assertThat(bpf.progIds()).containsExactly(progId);
        kernel.mkdir("/sys/fs/cgroup/a");
        assertThat(records()).hasSize(1);
        BpfInfo.Link li = (BpfInfo.Link) bpf.objGetInfoByFd(proc, lfd);
        assertThat(li).isEqualTo(new BpfInfo.Link(1, "tracing", progId, "fentry/cgroup_mkdir", false));
        bpf.linkDetach(proc, lfd);
        kernel.mkdir("/sys/fs/cgroup/b");
        assertThat(records()).hasSize(1);
        bpf.close(proc, lfd);
        assertThat(bpf.linkIds()).isEmpty();
        assertThat(bpf.progIds()).isEmpty();
        assertThat(bpf.mapIds()).isEmpty();
        assertThat(kernel.programs()).isEmpty();
        errno(Errno.ENOENT, () -> bpf.mapGetFdById(proc, mapId));
        errno(Errno.ENOENT, () -> bpf.progGetNextId(proc, 0));
    }

    @Test
    void idsAndFdsById() {
        int a = hashMap();
        int b = hashMap();
        int first = bpf.mapGetNextId(proc, 0);
        int second = bpf.mapGetNextId(proc, first);
        errno(Errno.ENOENT, () -> bpf.mapGetNextId(proc, second));
        int fd = bpf.mapGetFdById(proc, second);
        assertThat(fd).isEqualTo(5);
        assertThat(bpf.map(proc, fd)).isSameAs(bpf.map(proc, b));
        errno(Errno.EINVAL, () -> bpf.progTestRun(proc, a, TestRunOptions.data(new byte[14])));
        int p = prog("ret7", ProgramType.SOCKET_FILTER, AttachType.NONE, "", "mov r0, 7\nexit");
        assertThat(bpf.progTestRun(proc, p, TestRunOptions.data(new byte[14]).withRepeat(3)).retval()).isEqualTo(7);
        assertThat(bpf.progGetFdById(proc, bpf.progGetNextId(proc, 0))).isEqualTo(7);
        errno(Errno.EINVAL, () -> bpf.linkCreate(proc, p, AttachType.NONE, Bpf.LinkOpts.NONE));
        errno(Errno.ENOENT, () -> bpf.linkGetFdById(proc, 1));
    }

    @Test
    void pinnedCgroupIteratorLinkRunsOnCat() {
        kernel.mkdir("/sys/fs/cgroup/a");
        kernel.mkdir("/sys/fs/cgroup/a/b");
        int pfd = bpf.progLoad(proc, new Bpf.ProgLoad("dump", ProgramType.TRACING, AttachType.TRACE_ITER, "cgroup",
                false, assemble("dump", """
                        ldxdw r7, [r1+{bpf_iter__cgroup.cgroup}]
                        ldxdw r8, [r1+{bpf_iter__cgroup.meta}]
                        jeq r7, 0, +10
                        ldxdw r1, [r8+{bpf_iter_meta.seq}]
                        ldxdw r2, [r7+{cgroup.kn}]
                        ldxdw r2, [r2+{kernfs_node.id}]
                        add r2, 0x30
                        stxb [r10-8], r2
                        mov r2, r10
                        add r2, -8
                        mov r3, 1
                        call bpf_seq_write
                        mov r0, 0
                        exit
                        """), null));
        int cg = bpf.openCgroup(proc, "/sys/fs/cgroup/a");
        int lfd = bpf.linkCreate(proc, pfd, AttachType.TRACE_ITER, Bpf.LinkOpts.cgroupIter(cg, 0, CgroupIterOrder.DESCENDANTS_POST));
        bpf.bpffs().mkdir("/sys/fs/bpf/stats");
        errno(Errno.EEXIST, () -> bpf.bpffs().mkdir("/sys/fs/bpf/stats"));
        bpf.objPin(proc, lfd, "/sys/fs/bpf/stats/a");
        assertThat(kernel.cat("/sys/fs/bpf/stats/a")).isEqualTo("32");
        errno(Errno.EISDIR, () -> kernel.cat("/sys/fs/bpf/stats"));
        errno(Errno.ENOENT, () -> kernel.cat("/sys/fs/bpf/nope"));
        errno(Errno.EOPNOTSUPP, () -> bpf.linkDetach(proc, lfd));
        int it = bpf.iterCreate(proc, lfd);
        assertThat(new String(bpf.read(proc, it, 1), StandardCharsets.UTF_8)).isEqualTo("3");
        // the walk stopped after one cgroup to honour the 1-byte read: it cannot go on (Linux)
        errno(Errno.EOPNOTSUPP, () -> bpf.read(proc, it, 10));
        bpf.close(proc, it);
        int it2 = bpf.iterCreate(proc, lfd);
        assertThat(new String(bpf.read(proc, it2, 10), StandardCharsets.UTF_8)).isEqualTo("32");
        assertThat(bpf.read(proc, it2, 10)).isEmpty();
        bpf.close(proc, it2);
        bpf.close(proc, lfd);
        bpf.close(proc, pfd);
        bpf.close(proc, cg);
        assertThat(kernel.cat("/sys/fs/bpf/stats/a")).isEqualTo("32");
        errno(Errno.ENOTEMPTY, () -> bpf.bpffs().unlink("/sys/fs/bpf/stats"));
        bpf.bpffs().unlink("/sys/fs/bpf/stats/a");
        assertThat(bpf.linkIds()).isEmpty();
        assertThat(bpf.progIds()).isEmpty();
        bpf.bpffs().unlink("/sys/fs/bpf/stats");
        // the link held cgroup a; it is free to go now
        kernel.rmdir("/sys/fs/cgroup/a/b");
        Cgroup a = kernel.cgroup("/sys/fs/cgroup/a");
        kernel.rmdir("/sys/fs/cgroup/a");
        assertThat(a.freed()).isTrue();
    }

    @Test
    void cgroupStorageIsFreedWithItsCgroup() {
        int fd = bpf.mapCreate(proc, MapAttr.builder(MapType.CGRP_STORAGE, 4, 8, 0)
                .flags(MapAttr.BPF_F_NO_PREALLOC).btf(1, 1).name("cg_store").build());
        LocalStorageMap m = (LocalStorageMap) bpf.map(proc, fd);
        Cgroup a = kernel.mkdir("/sys/fs/cgroup/a");
        m.update(a, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, 0);
        assertThat(m.lookup(a, 0)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        kernel.rmdir("/sys/fs/cgroup/a");
        assertThat(a.localStorage().released()).isTrue();
        assertThat(a.localStorage().size()).isZero();
    }
}
