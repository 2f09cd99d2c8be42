package dev.bpfvm.vm.jit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.asm.Assembler;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.isa.Insn;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Programs that once made (or could make) the tiers disagree, in assembler text as the fuzzer
 * prints them, run in the {@link FuzzWorld} (r1 = 64-byte buffer, r2 = 4 elements of 12 usable
 * bytes every 16, r3 = read-only 32 bytes). Each must give the stated outcome in the
 * interpreter and in every compiler configuration.
 */
class JitRegressionTest {
    private static final EmitOptions[] CONFIGS = {
        EmitOptions.DEFAULT, EmitOptions.CHECKED_ONLY, new EmitOptions(true, true, 600)};

    /** Runs the program everywhere; all outcomes must be equal and start with {@code expected}. */
    private static void same(String asm, long budget, String expected) {
        List<Insn> insns = Assembler.assemble(asm);
        FuzzWorld.Outcome reference = new FuzzWorld(budget, 1).run(FuzzWorld.program("reg", insns, null), 5, 6);
        assertThat(reference.result()).startsWith(expected);
        for (EmitOptions o : CONFIGS) {
            FuzzWorld w = new FuzzWorld(budget, 1);
            Program p = FuzzWorld.program("reg", insns, o);
            assertThat(w.run(p, 5, 6)).as(o.toString()).isEqualTo(reference);
        }
    }

    @Test
    void elementWindowsDoNotLetAnAccessRunIntoTheNextElement() {
        same("""
                mov r6, r2
                stxdw [r6+0], r6      # element 0, bytes 0-7
                ldxw r0, [r6+8]       # bytes 8-11: same element
                stw [r6+16], 7        # element 1: a new window
                ldxw r0, [r6+16]
                ldxw r1, [r6+10]      # bytes 10-13 cross into the padding: fault
                exit
                """, 100, "fault EFAULT pc=5");
    }

    @Test
    void readOnlyWindowRefusesStoresAfterLoads() {
        same("""
                ldxdw r0, [r3+0]
                ldxdw r0, [r3+24]
                stb [r3+1], 1
                exit
                """, 100, "fault EFAULT pc=2");
    }

    @Test
    void pointerJustBelowARegionFaultsAgainstThatRegion() {
        same("""
                ldxb r0, [r1+0]
                ldxb r0, [r1-1]
                exit
                """, 100, "fault EFAULT pc=1");
    }

    @Test
    void loopAcrossMethodPiecesCountsAndStopsAtTheBudget() {
        StringBuilder body = new StringBuilder("mov r0, 0\nloop:\n");
        for (int i = 0; i < 60; i++) {
            body.append("add r0, ").append(i).append("\nstxdw [r10-").append(8 * (1 + i % 8)).append("], r0\n");
        }
        body.append("ja loop\nexit\n");
        same(body.toString(), 1000, "fault ELOOP pc=121");
    }

    @Test
    void stackSlotsAtEveryDepth() {
        same("""
                mov r1, 5             # frames 1-6 below the entry's
                call local f
                ldxdw r0, [r10-8]
                exit
                f:
                stxdw [r10-512], r1
                ldxdw r0, [r10-512]
                jeq r1, 0, out
                sub r1, 1
                call local f
                out:
                stxdw [r10-8], r0
                exit
                """, 1000, "r0=0x0");
    }

    /** Fuzz seed 55327: the interpreter named the callee's exit, the JIT the call. */
    @Test
    void callInTheLastSlotReturnsPastTheEnd() {
        same("""
                ja +2
                f:
                mov r0, 3
                exit
                call local f
                """, 1000, "fault EINVAL pc=3");
    }

    @Test
    void jumpIntoTheSecondHalfOfAnLdImm64() {
        same("""
                jeq r5, 6, +1
                lddw r0, 0x1122334455667788
                exit
                """, 100, "fault EINVAL pc=2");
    }

    @Test
    void callbackTailCallAndHelperFaultInOneRun() {
        same("""
                lddw r1, code_addr(cb)
                mov r2, 3
                mov r3, 3
                call 3                # callback helper: cb(i, 3, sum) three times
                mov r6, r0
                mov r1, 0
                call 2                # faults: r1 is 0
                exit
                cb:
                mov r0, r1
                add r0, r2
                exit
                """, 1000, "fault EINVAL pc=");
    }
}
