package dev.bpfvm.kernel.testrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.kernel.load.BpfObject;
import dev.bpfvm.kernel.load.LoadOptions;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.asm.Assembler;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import org.junit.jupiter.api.Test;

/** Context rules and packet helpers on assembled programs (the C programs are tested in testprogs). */
class TestRunTest {
    private final BpfRuntime rt = BpfObject.newRuntime(LoadOptions.defaults());

    private TestRunResult run(String asm, ProgramType type, TestRunOptions o) {
        Program p = new Program("p", Assembler.assemble(asm));
        return TestRun.run(rt, p, type, AttachType.NONE, "", o);
    }

    private static byte[] frame(int len) {
        byte[] f = new byte[len];
        for (int i = 0; i < len; i++) {
            f[i] = (byte) i;
        }
        f[12] = 0x08;
        f[13] = 0x00;
        return f;
    }

    private static final String WRITE_PACKET = "ldxw %r2, [%r1+76]\nstb [%r2], 0x77\nmov %r0, 0\nexit";

    @Test
    void tcWritesThePacketDirectly() {
        TestRunResult r = run(WRITE_PACKET, ProgramType.SCHED_CLS, TestRunOptions.data(frame(20)));
        assertThat(r.dataOut()[0]).isEqualTo((byte) 0x77);
    }

    @Test
    void cgroupSkbAndSocketFilterPacketsAreReadOnly() {
        for (ProgramType t : new ProgramType[] {ProgramType.CGROUP_SKB, ProgramType.SOCKET_FILTER}) {
            assertThatThrownBy(() -> run(WRITE_PACKET, t, TestRunOptions.data(frame(20))))
                    .isInstanceOf(BpfException.class)
                    .hasMessageContaining("is read-only");
        }
    }

    @Test
    void lenAndDataPointersFollowTheProgramKind() {
        String len = "ldxw %r0, [%r1+0]\nexit";
        assertThat(run(len, ProgramType.SOCKET_FILTER, TestRunOptions.data(frame(60))).retval()).isEqualTo(46);
        assertThat(run(len, ProgramType.SCHED_CLS, TestRunOptions.data(frame(60))).retval()).isEqualTo(60);
        String span = "ldxw %r2, [%r1+76]\nldxw %r0, [%r1+80]\nsub %r0, %r2\nexit";
        assertThat(run(span, ProgramType.CGROUP_SKB, TestRunOptions.data(frame(60))).retval()).isEqualTo(46);
        String first = "ldxw %r2, [%r1+76]\nldxb %r0, [%r2]\nexit";
        assertThat(run(first, ProgramType.CGROUP_SKB, TestRunOptions.data(frame(60))).retval()).isEqualTo(14);
        assertThat(run(first, ProgramType.SCHED_ACT, TestRunOptions.data(frame(60))).retval()).isEqualTo(0);
    }

    @Test
    void narrowLoadsOfLen() {
        assertThat(run("ldxb %r0, [%r1+0]\nexit", ProgramType.SCHED_CLS, TestRunOptions.data(frame(300))).retval())
                .isEqualTo(300 & 0xff);
        assertThat(run("ldxh %r0, [%r1+0]\nexit", ProgramType.SCHED_CLS, TestRunOptions.data(frame(300))).retval())
                .isEqualTo(300);
    }

    @Test
    void l4CsumReplaceLeavesAZeroChecksumWithMangled0() {
        // frame bytes 40..41 hold the checksum; flags = BPF_F_MARK_MANGLED_0 | 2
        String asm = "mov %r2, 40\nmov %r3, 0x1234\nmov %r4, 0x1235\nmov %r5, 0x22\ncall 11\nexit";
        byte[] f = frame(60);
        f[40] = 0;
        f[41] = 0;
        TestRunResult r = run(asm, ProgramType.SCHED_CLS, TestRunOptions.data(f));
        assertThat(r.retval()).isZero();
        assertThat(r.dataOut()[40]).isZero();
        assertThat(r.dataOut()[41]).isZero();
        f[40] = 0x10;                                                 // sum 0x0010: +1 in one's complement -> 0x000f
        TestRunResult r2 = run(asm, ProgramType.SCHED_CLS, TestRunOptions.data(f));
        assertThat(r2.dataOut()[40]).isEqualTo((byte) 0x0f);
        assertThat(r2.dataOut()[41]).isZero();
    }

    @Test
    void protocolIsInNetworkByteOrder() {
        String proto = "ldxw %r0, [%r1+16]\nexit";
        assertThat(run(proto, ProgramType.SCHED_CLS, TestRunOptions.data(frame(20))).retval()).isEqualTo(0x0008);
        byte[] llc = frame(20);
        llc[12] = 0;
        llc[13] = 20;
        assertThat(run(proto, ProgramType.SCHED_CLS, TestRunOptions.data(llc)).retval()).isEqualTo(0x0400);
    }

    @Test
    void socketFilterCannotWriteMarkButTcCan() {
        String mark = "stw [%r1+8], 5\nmov %r0, 0\nexit";
        assertThatThrownBy(() -> run(mark, ProgramType.SOCKET_FILTER, TestRunOptions.data(frame(20))))
                .isInstanceOf(BpfException.class)
                .hasMessageContaining("invalid bpf_context access off=8 size=4");
        TestRunResult r = run(mark, ProgramType.SCHED_CLS, TestRunOptions.data(frame(20)));
        assertThat(r.ctxOut()[8]).isEqualTo((byte) 5);
    }

    @Test
    void legacyLoadsReadBigEndianFromSkbData() {
        String ld = "mov %r6, %r1\nldabsh 0\nexit";
        assertThat(run(ld, ProgramType.SOCKET_FILTER, TestRunOptions.data(frame(20))).retval()).isEqualTo(0x0e0f);
        String out = "mov %r6, %r1\nldabsb 100\nmov %r0, 9\nexit";
        assertThat(run(out, ProgramType.SOCKET_FILTER, TestRunOptions.data(frame(20))).retval()).isZero();
    }

    @Test
    void skbLoadAndStoreBytes() {
        // store 0xaabb at offset 2, then load 4 bytes from offset 0 into the stack and return them
        String asm = String.join("\n",
                "mov %r6, %r1",
                "sth [%r10-8], 0xbbaa",
                "mov %r2, 2", "mov %r3, %r10", "add %r3, -8", "mov %r4, 2", "mov %r5, 0",
                "call 9",
                "mov %r1, %r6", "mov %r2, 0", "mov %r3, %r10", "add %r3, -16", "mov %r4, 4",
                "call 26",
                "ldxw %r0, [%r10-16]",
                "exit");
        TestRunResult r = run(asm, ProgramType.SCHED_CLS, TestRunOptions.data(frame(20)));
        assertThat(r.retval()).isEqualTo(0xbbaa0100L);
        assertThat(r.dataOut()[2]).isEqualTo((byte) 0xaa);
        String beyond = String.join("\n",
                "mov %r2, 18", "mov %r3, %r10", "add %r3, -8", "mov %r4, 4", "call 26", "exit");
        assertThat(run(beyond, ProgramType.SCHED_CLS, TestRunOptions.data(frame(20))).retval())
                .isEqualTo(-14L & 0xffffffffL);
        String badFlags = String.join("\n",
                "mov %r2, 0", "mov %r3, %r10", "add %r3, -8", "mov %r4, 1", "mov %r5, 4", "call 9", "exit");
        assertThat(run(badFlags, ProgramType.SCHED_CLS, TestRunOptions.data(frame(20))).retval())
                .isEqualTo(-22L & 0xffffffffL);
    }

    @Test
    void csumDiffSumsNegatedFromAndTo() {
        // from = 0x00000001, to = 0x00000003: ~1 + 3 = 0xfffffffe + 3 -> 0x00000001 + carry = 2
        String asm = String.join("\n",
                "stw [%r10-8], 1", "stw [%r10-4], 3",
                "mov %r1, %r10", "add %r1, -8", "mov %r2, 4",
                "mov %r3, %r10", "add %r3, -4", "mov %r4, 4", "mov %r5, 0",
                "call 28", "exit");
        assertThat(run(asm, ProgramType.SCHED_CLS, TestRunOptions.data(frame(20))).retval()).isEqualTo(2);
        String odd = String.join("\n",
                "mov %r1, %r10", "add %r1, -8", "mov %r2, 3", "mov %r3, 0", "mov %r4, 0", "mov %r5, 0",
                "call 28", "exit");
        assertThat(run(odd, ProgramType.SCHED_CLS, TestRunOptions.data(frame(20))).retval())
                .isEqualTo(-22L & 0xffffffffL);
    }

    @Test
    void checksumArithmetic() {
        // RFC 1624 example: HC = 0xdd2f, m = 0x5555 -> m' = 0x3285 gives HC' = 0x0000
        assertThat(Checksum.replace4(0xdd2f, 0x5555, 0x3285)).isEqualTo(0x0000);
        assertThat(Checksum.fold(0x0001fffeL)).isEqualTo(0x0000);
        assertThat(Checksum.add32(0xffffffffL, 1)).isEqualTo(1);
    }

    @Test
    void xdpAdjustTailLimits() {
        String grow = "mov %r2, 4000\ncall 65\nexit";
        assertThat(run(grow, ProgramType.XDP, TestRunOptions.data(frame(60))).retval()).isEqualTo(-22L & 0xffffffffL);
        String shrink = "mov %r2, -47\ncall 65\nexit";
        assertThat(run(shrink, ProgramType.XDP, TestRunOptions.data(frame(60))).retval()).isEqualTo(-22L & 0xffffffffL);
        String grow8 = "mov %r2, 8\ncall 65\nexit";
        TestRunResult r = run(grow8, ProgramType.XDP, TestRunOptions.data(frame(60)));
        assertThat(r.retval()).isZero();
        assertThat(r.dataOut()).hasSize(68);
        assertThat(r.dataOut()[67]).isZero();
    }

    @Test
    void xdpHeadroomIs256Bytes() {
        // adjust_head may grow into the headroom down to sizeof(struct xdp_frame) = 40 bytes
        String ok = "mov %r2, -216\ncall 44\nexit";
        assertThat(run(ok, ProgramType.XDP, TestRunOptions.data(frame(60))).retval()).isZero();
        String tooFar = "mov %r2, -217\ncall 44\nexit";
        assertThat(run(tooFar, ProgramType.XDP, TestRunOptions.data(frame(60))).retval())
                .isEqualTo(-22L & 0xffffffffL);
    }

    @Test
    void typesWithoutTestRunAreNotSupported() {
        assertThatThrownBy(() -> run("mov %r0, 0\nexit", ProgramType.CGROUP_SOCK, TestRunOptions.defaults()))
                .isInstanceOf(TestRunException.class)
                .satisfies(e -> assertThat(((TestRunException) e).errno()).isEqualTo(Errno.ENOTSUPP));
    }

    @Test
    void iteratorsAreNotTestRun() {
        Program p = new Program("it", Assembler.assemble("mov %r0, 0\nexit"));
        assertThatThrownBy(() -> TestRun.run(rt, p, ProgramType.TRACING, AttachType.TRACE_ITER, "cgroup",
                TestRunOptions.defaults()))
                .isInstanceOf(TestRunException.class)
                .hasMessage("program it: test run: iterator programs run when their iterator is read, not by test"
                        + " runs (ENOTSUPP)");
    }

    @Test
    void retvalIsTheLow32BitsUnsigned() {
        assertThat(run("lddw %r0, 0x1ffffffff\nexit", ProgramType.SYSCALL, TestRunOptions.defaults()).retval())
                .isEqualTo(0xffffffffL);
    }

    @Test
    void regionsAreFreedAfterTheRun() {
        TestRunResult r = run("mov %r0, %r1\nrsh %r0, 32\nexit", ProgramType.SCHED_CLS, TestRunOptions.data(frame(20)));
        assertThat(r.retval()).isNotZero();                          // the context's region index
        assertThat(rt.memory().regionAt(r.retval() << 32)).isNull();
    }

    /**
     * A tc program whose first run marks the packet and spins 2 million times (about 4 million
     * instructions); every later run sees the mark and returns at once.
     */
    private static final String HEAVY_FIRST_RUN = """
            ldxw %r1, [%r1+76]
            ldxb %r2, [%r1+0]
            jne %r2, 0, light
            stb [%r1+0], 1
            mov %r3, 0
            spin:
            add %r3, 1
            jlt %r3, 2000000, spin
            light:
            mov %r0, %r2
            exit
            """;

    @Test
    void durationIsTimedOverTheSecondHalfOfTheRuns() {
        TestRunResult cold = run(HEAVY_FIRST_RUN, ProgramType.SCHED_CLS, TestRunOptions.data(frame(20)));
        assertThat(cold.retval()).isZero();
        assertThat(cold.dataOut()[0]).isEqualTo((byte) 1);
        // two runs: the heavy one warms up, the light one is timed
        TestRunResult two = run(HEAVY_FIRST_RUN, ProgramType.SCHED_CLS, TestRunOptions.data(frame(20)).withRepeat(2));
        assertThat(two.retval()).isEqualTo(1);
        assertThat(two.executed()).isEqualTo(5);
        assertThat(two.durationNs()).isLessThan(cold.durationNs() / 10);
        // three runs: one warms up, two are timed
        TestRunResult three = run(HEAVY_FIRST_RUN, ProgramType.SCHED_CLS, TestRunOptions.data(frame(20)).withRepeat(3));
        assertThat(three.durationNs()).isLessThan(cold.durationNs() / 10);
    }
}
