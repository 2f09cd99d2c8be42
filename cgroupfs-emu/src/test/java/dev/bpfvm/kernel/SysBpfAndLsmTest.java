package dev.bpfvm.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.kernel.syscall.Bpf;
import dev.bpfvm.kernel.syscall.BpfProcess;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import org.junit.jupiter.api.Test;

/** bpf_sys_bpf's sleepable rule and the lsm/bpf hook's verdicts. */
class SysBpfAndLsmTest extends KernelTesting {
    private final Bpf bpf = kernel.bpf();
    private final BpfProcess proc = bpf.process(EmulatedKernel.INIT_PID);

    /** r1 = cmd 7 (OBJ_GET) with a zeroed 16-byte attr on the stack: a NULL pathname. */
    private static final String SYS_BPF_OBJ_GET = """
            mov r1, 0
            stxdw [r10-16], r1
            stxdw [r10-8], r1
            mov r1, 7
            mov r2, r10
            add r2, -16
            mov r3, 16
            call bpf_sys_bpf
            mov r1, r0
            call kfunc record
            mov r0, 0
            exit
            """;

    private int load(String name, boolean sleepable, String text) {
        return bpf.progLoad(proc, new Bpf.ProgLoad(name, ProgramType.TRACING, AttachType.TRACE_RAW_TP, "cgroup_mkdir",
                sleepable, assemble(name, text), null));
    }

    @Test
    void sysBpfFaultsInANonSleepableProgramAndReturnsTheErrnoInASleepableOne() {
        bpf.attachAuto(proc, load("plain", false, SYS_BPF_OBJ_GET), Bpf.LinkOpts.NONE);
        kernel.mkdir("/sys/fs/cgroup/a");
        assertThat(kernel.tracing().faults()).hasSize(1);
        assertThat(kernel.tracing().faults().get(0).errno()).isEqualTo(Errno.EINVAL);
        assertThat(records()).isEmpty();

        bpf.attachAuto(proc, load("sleepy", true, SYS_BPF_OBJ_GET), Bpf.LinkOpts.NONE);
        kernel.mkdir("/sys/fs/cgroup/b");
        // the NULL pathname cannot be copied: -EFAULT, returned to the program; only "plain" faults, again
        assertThat(column(0)).containsExactly(-14L);
        assertThat(kernel.tracing().faults()).hasSize(2);
    }

    @Test
    void lsmBpfDeniesWithItsReturnValueBeforeTheCommandRuns() {
        int lsm = bpf.progLoad(proc, new Bpf.ProgLoad("deny", ProgramType.LSM, AttachType.LSM_MAC, "bpf", false,
                assemble("deny", """
                        ldxdw r2, [r1+0]
                        mov r0, 0
                        jne r2, 0, +1
                        mov r0, -16
                        exit
                        """), null));
        int link = bpf.attachAuto(proc, lsm, Bpf.LinkOpts.NONE);
        // cmd 0 = MAP_CREATE is refused with the program's -EBUSY; nothing is created
        int maps = bpf.mapIds().size();
        assertThatThrownBy(() -> bpf.mapCreate(proc, MapAttr.builder(MapType.HASH, 4, 4, 4).build()))
                .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBUSY));
        assertThat(bpf.mapIds()).hasSize(maps);
        assertThat(bpf.progGetNextId(proc, 0)).isEqualTo(1);
        bpf.linkDetach(proc, link);
        assertThat(bpf.mapCreate(proc, MapAttr.builder(MapType.HASH, 4, 4, 4).build())).isEqualTo(5);
    }

    @Test
    void lsmBpfReadsTheAttrFields() {
        // deny MAP_CREATE of map_type 9 (LRU_HASH) and LINK_CREATE whose prog_fd is 3; attr size is 128
        int lsm = bpf.progLoad(proc, new Bpf.ProgLoad("types", ProgramType.LSM, AttachType.LSM_MAC, "bpf", false,
                assemble("types", """
                        ldxdw r2, [r1+8]
                        ldxdw r5, [r1+16]
                        mov r0, -22
                        jne r5, 128, +7
                        ldxdw r4, [r1+0]
                        ldxw r3, [r2+0]
                        mov r0, 0
                        jne r4, 0, +1
                        jeq r3, 9, +2
                        jne r4, 28, +2
                        jne r3, 3, +1
                        mov r0, -1
                        exit
                        """), null));
        bpf.attachAuto(proc, lsm, Bpf.LinkOpts.NONE);
        assertThat(bpf.mapCreate(proc, MapAttr.builder(MapType.HASH, 4, 4, 4).build())).isEqualTo(5);
        assertThatThrownBy(() -> bpf.mapCreate(proc, MapAttr.builder(MapType.LRU_HASH, 4, 4, 4).build()))
                .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPERM));
        int prog = bpf.progLoad(proc, new Bpf.ProgLoad("t", ProgramType.TRACING, AttachType.TRACE_FENTRY, "cgroup_mkdir",
                false, assemble("t", "mov r0, 0\nexit"), null));
        assertThat(prog).isEqualTo(6);
        bpf.attachAuto(proc, prog, Bpf.LinkOpts.NONE);
        assertThatThrownBy(() -> bpf.attachAuto(proc, lsm, Bpf.LinkOpts.NONE))
                .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPERM));
        assertThat(bpf.linkIds()).hasSize(2);
    }
}
