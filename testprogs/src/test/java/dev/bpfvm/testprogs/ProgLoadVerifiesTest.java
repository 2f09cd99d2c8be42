package dev.bpfvm.testprogs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.load.ProgramVerifier;
import dev.bpfvm.kernel.syscall.Bpf;
import dev.bpfvm.kernel.syscall.BpfProcess;
import dev.bpfvm.kernel.syscall.ProgLoadRejectedException;
import dev.bpfvm.verifier.VerifierOptions;
import dev.bpfvm.vm.Errno;
import org.junit.jupiter.api.Test;

/** The emulated kernel's object load runs the verifier, failing with Linux's errno and the log. */
class ProgLoadVerifiesTest {
    private final EmulatedKernel kernel = new EmulatedKernel();
    private final Bpf bpf = kernel.bpf();
    private final BpfProcess proc = bpf.process(EmulatedKernel.INIT_PID);

    @Test
    void aRejectedProgramFailsTheLoadWithTheVerifiersErrnoAndLog() {
        assertThatThrownBy(() -> bpf.objectLoad(proc, "core.o", TestObjects.bytes("core.o")))
                .isInstanceOfSatisfying(ProgLoadRejectedException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                    assertThat(e.rejection().program()).isEqualTo("core_iter");
                    assertThat(e.log()).contains("At program exit the register R0 has smin=0 smax=4294967295 "
                            + "should have been in [0, 1]\n");
                })
                .hasMessageStartingWith("EINVAL: core.o: program core_iter: rejected at insn ")
                .hasMessageEndingWith(": At program exit the register R0 has smin=0 smax=4294967295 "
                        + "should have been in [0, 1]");
        assertThat(bpf.progIds()).isEmpty();
        assertThat(kernel.programs()).isEmpty();
    }

    @Test
    void anUnprivilegedLoadOfATypeNeedingCapBpfIsEperm() {
        kernel.verifier(ProgramVerifier.kernel(VerifierOptions.defaults().withUnprivileged(true)));
        assertThatThrownBy(() -> bpf.objectLoad(proc, "testrun.o", TestObjects.bytes("testrun.o")))
                .isInstanceOfSatisfying(ProgLoadRejectedException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EPERM); // as bpf_prog_load without CAP_BPF
                    assertThat(e.rejection().program()).isEqualTo("tc_rewrite");
                    assertThat(e.log()).startsWith("program type BPF_PROG_TYPE_SCHED_CLS requires CAP_BPF\n");
                });
        assertThat(kernel.programs()).isEmpty();
    }

    @Test
    void theAcceptingHookLoadsWhatTheVerifierRejects() {
        kernel.verifier(ProgramVerifier.ACCEPT);
        Bpf.LoadedObject o = bpf.objectLoad(proc, "core.o", TestObjects.bytes("core.o"));
        assertThat(o.progFds()).containsKey("core_iter");
        kernel.verifier(null);
        assertThat(kernel.verifier()).isSameAs(ProgramVerifier.KERNEL);
    }
}
