package dev.bpfvm.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.kernel.iter.CgroupIterOrder;
import dev.bpfvm.kernel.syscall.Bpf;
import dev.bpfvm.kernel.syscall.BpfProcess;
import dev.bpfvm.kernel.testrun.TestRunOptions;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The errno of each bpf() command's failure cases, with state unchanged afterwards. */
class BpfErrnosTest extends KernelTesting {
    private final Bpf bpf = kernel.bpf();
    private final BpfProcess proc = bpf.process(EmulatedKernel.INIT_PID);

    private static void errno(Errno want, Executable e) {
        assertThatThrownBy(e::execute).isInstanceOfSatisfying(KernelException.class,
                x -> assertThat(x.errno()).isEqualTo(want));
    }

    private int tracing(String to, AttachType at) {
        return bpf.progLoad(proc, new Bpf.ProgLoad("t", ProgramType.TRACING, at, to, false,
                assemble("t", "mov r0, 0\nexit"), null));
    }

    private int iter() {
        return bpf.progLoad(proc, new Bpf.ProgLoad("it", ProgramType.TRACING, AttachType.TRACE_ITER, "cgroup", false,
                assemble("it", "mov r0, 0\nexit"), null));
    }

    @Test
    void mapCommands() {
        int m = bpf.mapCreate(proc, MapAttr.builder(MapType.HASH, 4, 4, 1).build());
        int p = tracing("cgroup_mkdir", AttachType.TRACE_FENTRY);
        byte[] k1 = {1, 0, 0, 0};
        byte[] k2 = {2, 0, 0, 0};
        errno(Errno.EINVAL, () -> bpf.mapLookupElem(proc, p, k1, 0));          // not a map
        errno(Errno.EBADF, () -> bpf.mapUpdateElem(proc, 99, k1, k1, 0));
        errno(Errno.ENOENT, () -> bpf.mapUpdateElem(proc, m, k1, k1, 2));     // BPF_EXIST, missing
        bpf.mapUpdateElem(proc, m, k1, k1, 0);
        errno(Errno.E2BIG, () -> bpf.mapUpdateElem(proc, m, k2, k2, 0));      // full
        errno(Errno.ENOENT, () -> bpf.mapDeleteElem(proc, m, k2));
        errno(Errno.ENOENT, () -> bpf.mapGetNextKey(proc, m, k1));
        bpf.mapFreeze(proc, m);
        errno(Errno.EPERM, () -> bpf.mapFreeze(proc, m));
        errno(Errno.EPERM, () -> bpf.mapDeleteElem(proc, m, k1));
        assertThat(bpf.mapLookupElem(proc, m, k1, 0)).containsExactly(k1);
        errno(Errno.EINVAL, () -> bpf.mapCreate(proc, MapAttr.builder(MapType.ARRAY, 4, 4, 0).build()));
        assertThat(bpf.mapIds()).hasSize(1);
    }

    @Test
    void progLoadAndTestRun() {
        errno(Errno.EBADF, () -> bpf.progLoad(proc, new Bpf.ProgLoad("x", ProgramType.SOCKET_FILTER, AttachType.NONE,
                "", false, assemble("x", "mov r0, 0\nexit"), new int[] {42})));
        errno(Errno.EINVAL, () -> bpf.objectLoad(proc, "junk.o", new byte[] {1, 2, 3}));
        assertThat(bpf.progIds()).isEmpty();
        assertThat(kernel.programs()).isEmpty();
        int it = iter();
        errno(Errno.ENOTSUPP, () -> bpf.progTestRun(proc, it, TestRunOptions.defaults()));
    }

    @Test
    void pinAndGet() {
        int m = bpf.mapCreate(proc, MapAttr.builder(MapType.ARRAY, 4, 4, 1).build());
        int cg = bpf.openCgroup(proc, "/sys/fs/cgroup");
        errno(Errno.EPERM, () -> bpf.objPin(proc, m, "/tmp/m"));
        errno(Errno.EINVAL, () -> bpf.objPin(proc, cg, "/sys/fs/bpf/cg"));
        errno(Errno.EPERM, () -> bpf.bpffs().mkdir("/tmp/d"));
        errno(Errno.ENOENT, () -> bpf.objGet(proc, "/sys/fs/bpf/none"));
        errno(Errno.EACCES, () -> bpf.objGet(proc, "/sys/fs/bpf"));
        errno(Errno.EACCES, () -> bpf.objGet(proc, "/tmp/m"));
        bpf.objPin(proc, m, "/sys/fs/bpf/m");
        errno(Errno.ENOTDIR, () -> bpf.objPin(proc, m, "/sys/fs/bpf/m/x"));
        errno(Errno.EINVAL, () -> kernel.cat("/sys/fs/bpf/m"));
        errno(Errno.ENOENT, () -> bpf.bpffs().unlink("/sys/fs/bpf/none"));
        errno(Errno.EBUSY, () -> bpf.bpffs().unlink("/sys/fs/bpf"));
        assertThat(bpf.bpffs().list("/sys/fs/bpf")).containsExactly("m");
    }

    @Test
    void linkCommands() {
        int m = bpf.mapCreate(proc, MapAttr.builder(MapType.ARRAY, 4, 4, 1).build());
        int fentry = tracing("cgroup_mkdir", AttachType.TRACE_FENTRY);
        int unknown = tracing("do_sys_open", AttachType.TRACE_FENTRY);
        int it = iter();
        int cg = bpf.openCgroup(proc, "/sys/fs/cgroup");
        errno(Errno.EINVAL, () -> bpf.linkCreate(proc, m, AttachType.TRACE_FENTRY, Bpf.LinkOpts.NONE));
        errno(Errno.EINVAL, () -> bpf.linkCreate(proc, fentry, AttachType.TRACE_FEXIT, Bpf.LinkOpts.NONE));
        errno(Errno.ENOENT, () -> bpf.linkCreate(proc, unknown, AttachType.TRACE_FENTRY, Bpf.LinkOpts.NONE));
        errno(Errno.ENOENT, () -> bpf.linkCreate(proc, it, AttachType.TRACE_ITER,
                Bpf.LinkOpts.cgroupIter(0, 77, CgroupIterOrder.SELF_ONLY)));
        errno(Errno.EINVAL, () -> bpf.linkCreate(proc, it, AttachType.TRACE_ITER,
                Bpf.LinkOpts.cgroupIter(cg, 1, CgroupIterOrder.SELF_ONLY)));
        errno(Errno.EINVAL, () -> bpf.linkCreate(proc, it, AttachType.TRACE_ITER,
                Bpf.LinkOpts.cgroupIter(m, 0, CgroupIterOrder.SELF_ONLY)));
        errno(Errno.EINVAL, () -> CgroupIterOrder.of(9));
        errno(Errno.ENOENT, () -> bpf.openCgroup(proc, "/sys/fs/cgroup/none"));
        assertThat(bpf.linkIds()).isEmpty();
        int l = bpf.linkCreate(proc, fentry, AttachType.TRACE_FENTRY, Bpf.LinkOpts.NONE);
        errno(Errno.EINVAL, () -> bpf.iterCreate(proc, l));
        errno(Errno.EINVAL, () -> bpf.linkDetach(proc, m));
        errno(Errno.EINVAL, () -> bpf.objGetInfoByFd(proc, cg));
        errno(Errno.EBADF, () -> bpf.objGetInfoByFd(proc, 99));
        errno(Errno.EINVAL, () -> bpf.read(proc, l, 10));
        // by id: a root cgroup iterator
        int il = bpf.linkCreate(proc, it, AttachType.TRACE_ITER, Bpf.LinkOpts.cgroupIter(0, 1, CgroupIterOrder.SELF_ONLY));
        assertThat(bpf.linkIds()).hasSize(2);
        bpf.close(proc, il);
        assertThat(bpf.linkIds()).hasSize(1);
    }
}
