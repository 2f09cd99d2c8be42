package dev.bpfvm.kernel;

import static dev.bpfvm.kernel.KernelTesting.errno;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.kernel.syscall.Bpf;
import dev.bpfvm.kernel.syscall.BpfProcess;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import org.junit.jupiter.api.Test;

/**
 * Map fd modes as Linux: BPF_F_RDONLY / BPF_F_WRONLY at MAP_CREATE (map_flags), OBJ_GET
 * (file_flags) and MAP_GET_FD_BY_ID (open_flags) make an fd read-only / write-only, and the
 * element commands check it (map_get_sys_perms: EPERM; a frozen map is not writable).
 */
class MapFdModesTest {
    private final EmulatedKernel kernel = new EmulatedKernel(2);
    private final Bpf bpf = kernel.bpf();
    private final BpfProcess p = bpf.process(EmulatedKernel.INIT_PID);
    private static final byte[] KEY = {1, 0, 0, 0};
    private static final byte[] VALUE = {7, 0, 0, 0};

    private int create(int flags) {
        return bpf.mapCreate(p, MapAttr.builder(MapType.HASH, 4, 4, 4).flags(flags).build());
    }

    /** "L U D N F": lookup, update, delete, get_next_key, freeze; Y or P (EPERM). Freeze last. */
    private String ops(int fd) {
        StringBuilder sb = new StringBuilder();
        for (Runnable r : new Runnable[] {
                () -> bpf.mapLookupElem(p, fd, KEY, 0),
                () -> bpf.mapUpdateElem(p, fd, KEY, VALUE, 0),
                () -> bpf.mapDeleteElem(p, fd, KEY),
                () -> bpf.mapGetNextKey(p, fd, null)}) {
            Errno e = errno(r);
            sb.append(e == Errno.EPERM ? 'P' : 'Y');
        }
        return sb.toString();
    }

    @Test
    void theFlagsOfMapCreateSetTheModeOfItsFd() {
        int rw = create(0);
        bpf.mapUpdateElem(p, rw, KEY, VALUE, 0);
        int ro = create(MapAttr.BPF_F_RDONLY);
        int wo = create(MapAttr.BPF_F_WRONLY);
        assertThat(bpf.fdMode(p, rw)).isEqualTo(Bpf.FMODE_READ | Bpf.FMODE_WRITE);
        assertThat(bpf.fdMode(p, ro)).isEqualTo(Bpf.FMODE_READ);
        assertThat(bpf.fdMode(p, wo)).isEqualTo(Bpf.FMODE_WRITE);
        // lookup/next-key need read; update/delete write (ENOENT etc. count as passing the check)
        assertThat(ops(rw)).isEqualTo("YYYY");
        assertThat(ops(ro)).isEqualTo("YPPY");
        assertThat(ops(wo)).isEqualTo("PYYP");
        assertThat(errno(() -> bpf.mapFreeze(p, ro))).isEqualTo(Errno.EPERM);
        int ids = bpf.mapIds().size();
        assertThat(errno(() -> create(MapAttr.BPF_F_RDONLY | MapAttr.BPF_F_WRONLY))).isEqualTo(Errno.EINVAL);
        assertThat(bpf.mapIds()).hasSize(ids);
    }

    @Test
    void theProgramSideFlagsLeaveTheFdReadWrite() {
        int ro = create(MapAttr.BPF_F_RDONLY_PROG);
        int wo = create(MapAttr.BPF_F_WRONLY_PROG);
        assertThat(bpf.fdMode(p, ro)).isEqualTo(Bpf.FMODE_READ | Bpf.FMODE_WRITE);
        assertThat(ops(ro)).isEqualTo("YYYY");
        assertThat(ops(wo)).isEqualTo("YYYY");
        // both program-side flags: the map type refuses them (bpf_map_flags_access_ok)
        assertThat(errno(() -> create(MapAttr.BPF_F_RDONLY_PROG | MapAttr.BPF_F_WRONLY_PROG))).isEqualTo(Errno.EINVAL);
    }

    @Test
    void objGetAndGetFdByIdOpenWithTheModeAsked() {
        int fd = create(0);
        bpf.mapUpdateElem(p, fd, KEY, VALUE, 0);
        bpf.objPin(p, fd, "/sys/fs/bpf/m");
        int ro = bpf.objGet(p, "/sys/fs/bpf/m", MapAttr.BPF_F_RDONLY);
        int wo = bpf.objGet(p, "/sys/fs/bpf/m", MapAttr.BPF_F_WRONLY);
        assertThat(ops(ro)).isEqualTo("YPPY");
        assertThat(ops(wo)).isEqualTo("PYYP");
        int id = bpf.objGetInfoByFd(p, fd).id();
        assertThat(ops(bpf.mapGetFdById(p, id, MapAttr.BPF_F_RDONLY))).isEqualTo("YPPY");
        assertThat(ops(bpf.mapGetFdById(p, id))).isEqualTo("YYYY");
        // other flags (BPF_F_PATH_FD is not modelled) and both: EINVAL
        assertThat(errno(() -> bpf.objGet(p, "/sys/fs/bpf/m", MapAttr.BPF_F_RDONLY | MapAttr.BPF_F_WRONLY)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> bpf.objGet(p, "/sys/fs/bpf/m", MapAttr.BPF_F_PATH_FD))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> bpf.mapGetFdById(p, id, MapAttr.BPF_F_MMAPABLE))).isEqualTo(Errno.EINVAL);
        // closing an fd forgets its mode: the next fd with that number is read-write
        bpf.close(p, ro);
        assertThat(bpf.fdMode(p, bpf.objGet(p, "/sys/fs/bpf/m"))).isEqualTo(Bpf.FMODE_READ | Bpf.FMODE_WRITE);
    }

    @Test
    void aFrozenMapHasNoWritePermissionAndAFdOfAProgramOrLinkIgnoresOrRefusesTheFlags() {
        int fd = create(0);
        bpf.mapFreeze(p, fd);
        assertThat(ops(fd)).isEqualTo("YPPY");
        // freezing again: the write permission is gone first (EPERM, not EBUSY)
        assertThat(errno(() -> bpf.mapFreeze(p, fd))).isEqualTo(Errno.EPERM);
        int prog = bpf.progLoad(p, new Bpf.ProgLoad("t", dev.bpfvm.vm.object.ProgramType.TRACING,
                dev.bpfvm.vm.object.AttachType.TRACE_FENTRY, "cgroup_mkdir", false,
                new dev.bpfvm.vm.exec.Program("t", dev.bpfvm.vm.asm.Assembler.assemble("mov r0, 0\nexit",
                        dev.bpfvm.vm.asm.Assembler.Options.defaults())), null));
        bpf.objPin(p, prog, "/sys/fs/bpf/prog");
        assertThat(bpf.fdMode(p, bpf.objGet(p, "/sys/fs/bpf/prog", MapAttr.BPF_F_RDONLY)))
                .isEqualTo(Bpf.FMODE_READ | Bpf.FMODE_WRITE);
        int link = bpf.attachAuto(p, prog, Bpf.LinkOpts.NONE);
        bpf.objPin(p, link, "/sys/fs/bpf/link");
        assertThat(errno(() -> bpf.objGet(p, "/sys/fs/bpf/link", MapAttr.BPF_F_RDONLY))).isEqualTo(Errno.EINVAL);
        assertThat(bpf.objGet(p, "/sys/fs/bpf/link")).isPositive();
    }
}
