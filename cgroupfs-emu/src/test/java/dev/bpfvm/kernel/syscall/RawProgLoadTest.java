package dev.bpfvm.kernel.syscall;

import static dev.bpfvm.vm.asm.Asm.*;
import static dev.bpfvm.vm.asm.Reg.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.kernel.cgroup.Task;
import dev.bpfvm.kernel.security.Capability;
import dev.bpfvm.kernel.testrun.TestRunOptions;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** BPF_PROG_LOAD of raw instructions: fds resolved, the verifier run with the caller's privileges, the log buffer. */
class RawProgLoadTest {
    private final EmulatedKernel kernel = new EmulatedKernel(2);
    private final Bpf bpf = kernel.bpf();
    private final BpfProcess root = bpf.process(EmulatedKernel.INIT_PID);

    private static Bpf.RawProgLoad socket(List<Insn> insns, int logLevel, int logSize) {
        return new Bpf.RawProgLoad("raw", ProgramType.SOCKET_FILTER, AttachType.NONE, "", insns, "GPL", 0,
                logLevel, logSize);
    }

    /** Looks up key 0 of the map with this fd and adds 5 to its u64 value; returns 0. */
    private static List<Insn> bump(int fd) {
        return program(
                stw(R10, -4, 0),
                mov64(R2, R10),
                add64(R2, -4),
                ldMapFd(R1, fd),
                call(1),
                jeq(R0, 0, 3),
                ldxdw(R1, R0, 0),
                add64(R1, 5),
                stxdw(R0, 0, R1),
                mov64(R0, 0),
                exit());
    }

    private int arrayMap(BpfProcess p) {
        return bpf.mapCreate(p, MapAttr.builder(MapType.ARRAY, 4, 8, 1).name("vals").build());
    }

    private static KernelException failure(Runnable r) {
        try {
            r.run();
        } catch (KernelException e) {
            return e;
        }
        throw new AssertionError("expected a KernelException");
    }

    @Test
    void mapFdIsResolvedVerifiedAndLinked() {
        int map = arrayMap(root);
        Bpf.ProgLoadResult r = bpf.progLoad(root, socket(bump(map), 1, 4096));
        assertThat(r.fd()).isEqualTo(map + 1);
        assertThat(r.log()).startsWith("processed 12 insns (limit 1000000)");
        assertThat(r.logTrueSize()).isEqualTo(r.log().length() + 1);
        bpf.progTestRun(root, r.fd(), TestRunOptions.data(new byte[14]));
        bpf.progTestRun(root, r.fd(), TestRunOptions.data(new byte[14]));
        assertThat(bpf.mapLookupElem(root, map, new byte[4], 0)).containsExactly(10, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void badFdIsRejectedAsLinuxDoes() {
        ProgLoadRejectedException e = (ProgLoadRejectedException) failure(
                () -> bpf.progLoad(root, socket(bump(42), 1, 4096)));
        assertThat(e.errno()).isEqualTo(Errno.EBADF);
        assertThat(e.logBuffer()).contains("fd 42 is not pointing to valid bpf_map");
        assertThat(root.fds()).isEmpty();
    }

    @Test
    void unprivilegedCallerGetsTheUnprivilegedVerifier() {
        kernel.sysctlUnprivilegedBpfDisabled(0);
        Task t = kernel.spawn(200, "user", 1000, 1000, "/sys/fs/cgroup");
        BpfProcess user = bpf.process(t.pid());
        kernel.actAs(t.pid());
        List<Insn> leak = program(mov64(R0, R10), exit());
        ProgLoadRejectedException e = (ProgLoadRejectedException) failure(
                () -> bpf.progLoad(user, socket(leak, 1, 4096)));
        assertThat(e.errno()).isEqualTo(Errno.EACCES);
        assertThat(e.rejection().verifierMessage()).isEqualTo("R0 leaks addr as return value");
        kernel.actAs(EmulatedKernel.INIT_PID);
        assertThat(bpf.progLoad(root, socket(leak, 0, 0)).log()).isEmpty();
    }

    @Test
    void capBpfAloneExploresSpeculativePaths() {
        Task t = kernel.spawn(201, "bpfonly", 1000, 1000, "/sys/fs/cgroup");
        kernel.privileges().setCaps(t, Set.of(Capability.CAP_BPF));
        BpfProcess p = bpf.process(t.pid());
        kernel.actAs(t.pid());
        List<Insn> spec = program(
                mov64(R1, 0),
                jne(R1, 0, 2),
                mov64(R0, 0),
                exit(),
                ldxdw(R0, R1, 0),
                exit());
        ProgLoadRejectedException e = (ProgLoadRejectedException) failure(() -> bpf.progLoad(p, socket(spec, 1, 4096)));
        assertThat(e.rejection().verifierMessage()).isEqualTo("R1 invalid mem access 'scalar'");
        assertThat(e.logBuffer()).contains("1: (55) if r1 != 0x0 goto pc+2 4: R1_w=scalar() R10=fp0\n");
        kernel.actAs(EmulatedKernel.INIT_PID);
        assertThat(bpf.progLoad(root, socket(spec, 1, 4096)).fd()).isPositive();
    }

    @Test
    void smallLogBufferKeepsTheTailAndIsEnospc() {
        int map = arrayMap(root);
        KernelException e = failure(() -> bpf.progLoad(root, socket(bump(map), 2, 128)));
        assertThat(e.errno()).isEqualTo(Errno.ENOSPC);
        List<Integer> before = root.fds();
        assertThat(before).containsExactly(map);
        ProgLoadRejectedException rej = (ProgLoadRejectedException) failure(
                () -> bpf.progLoad(root, socket(bump(42), 2, 128)));
        assertThat(rej.errno()).isEqualTo(Errno.ENOSPC);
        assertThat(rej.logBuffer()).hasSize(127).endsWith("mark_read 0\n");
        assertThat(Bpf.logBuffer("abcdef", 4)).isEqualTo("def");
        assertThat(Bpf.logBuffer("abc", 4)).isEqualTo("abc");
    }

    @Test
    void invalidLogAttributesAreEinval() {
        assertThat(failure(() -> bpf.progLoad(root, socket(program(mov64(R0, 0), exit()), 1, 0))).errno())
                .isEqualTo(Errno.EINVAL);
        assertThat(failure(() -> bpf.progLoad(root, socket(program(mov64(R0, 0), exit()), 3, 4096))).errno())
                .isEqualTo(Errno.EINVAL);
    }
}
