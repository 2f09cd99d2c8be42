package dev.bpfvm.vm.jit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.asm.Assembler;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.isa.Insn;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Loops the compiler versions ({@link LoopAnalysis}): the fast copy must end, fault and count
 * exactly where the interpreter does, whether a window, the budget or the loop's own test ends
 * it. Run in the {@link FuzzWorld} (r1 = 64-byte buffer, r2 = 4 elements of 12 usable bytes
 * every 16, r3 = read-only 32 bytes).
 */
class JitLoopTest {
    private static final EmitOptions[] CONFIGS = {
        EmitOptions.DEFAULT, EmitOptions.NO_LOOPS, EmitOptions.CHECKED_ONLY, new EmitOptions(true, true, 600)};

    private static void same(String asm, long budget, String expected) {
        List<Insn> insns = Assembler.assemble(asm);
        FuzzWorld ref = new FuzzWorld(budget, 1);
        Program interpreted = FuzzWorld.program("loop", insns, null);
        FuzzWorld.Outcome first = ref.run(interpreted, 5, 6);
        FuzzWorld.Outcome second = ref.run(interpreted, 5, 6);   // on the memory the first left
        assertThat(first.result()).startsWith(expected);
        for (EmitOptions o : CONFIGS) {
            FuzzWorld w = new FuzzWorld(budget, 1);
            Program p = FuzzWorld.program("loop", insns, o);
            assertThat(w.run(p, 5, 6)).as(o.toString()).isEqualTo(first);
            assertThat(w.run(p, 5, 6)).as(o.toString()).isEqualTo(second);
        }
    }

    @Test
    void copyLoopRunsOffTheBufferAndFaultsAtTheAccess() {
        same("""
                mov r4, 0
                loop:
                mov r5, r1
                add r5, r4
                ldxb r0, [r5+0]
                add r5, 32
                stxb [r5+0], r0
                add r4, 1
                jlt r4, 40, loop
                exit
                """, 100_000, "fault EFAULT pc=5");
    }

    @Test
    void copyLoopEndsByItsOwnTest() {
        same("""
                mov r4, 0
                loop:
                jge r4, 32, done
                mov r5, r1
                add r5, r4
                ldxb r0, [r5+0]
                add r5, 32
                stxb [r5+0], r0
                add r4, 1
                ja loop
                done:
                mov r0, r4
                exit
                """, 100_000, "r0=0x20");
    }

    @Test
    void budgetEndsTheLoopInTheMiddle() {
        same("""
                mov r0, 0
                mov r4, 0
                loop:
                mov r5, r1
                add r5, r4
                ldxb r6, [r5+0]
                add r0, r6
                add r4, 1
                and r4, 63
                ja loop
                """, 1000, "fault ELOOP pc=8");
    }

    @Test
    void budgetEndsALoopWithAConstantStride() {
        same("""
                mov r0, 0
                loop:
                add r0, 3
                ldxb r6, [r1+5]
                jne r6, 0, +1
                add r0, 1
                ja loop
                """, 777, "fault ELOOP pc=5");
    }

    @Test
    void descendingWordLoop() {
        same("""
                mov r4, 56
                mov r0, 0
                loop:
                mov r5, r1
                add r5, r4
                ldxdw r6, [r5+0]
                xor r0, r6
                stxw [r5+4], r0
                sub r4, 8
                jsge r4, -8, loop
                exit
                """, 100_000, "fault EFAULT pc=4");
    }

    @Test
    void strideInARegisterOverElements() {
        same("""
                mov r0, 0
                mov r7, 16
                mov r4, r2
                loop:
                ldxw r6, [r4+8]
                add r0, r6
                stw [r4+0], 9
                add r4, r7
                jne r0, 0, loop
                exit
                """, 100_000, "fault EFAULT pc=3");
    }

    @Test
    void storeIntoReadOnlyRegionFaultsOnTheFirstIteration() {
        same("""
                mov r4, 0
                loop:
                mov r5, r3
                add r5, r4
                ldxb r0, [r5+0]
                stxb [r5+0], r0
                add r4, 1
                ja loop
                """, 10_000, "fault EFAULT pc=4");
    }

    @Test
    void branchesInsideTheBodyAndAVaryingRegister() {
        same("""
                mov r0, 0
                mov r4, 0
                mov r8, 0
                loop:
                jge r4, 64, done
                mov r5, r1
                add r5, r4
                ldxb r6, [r5+0]
                jset r6, 1, odd
                add r8, 2              # r8 varies: its accesses stay checked
                ja next
                odd:
                add r0, r6
                next:
                mov r9, r1
                add r9, r8
                stxb [r9+0], r6
                add r4, 1
                ja loop
                done:
                mov r0, r8
                exit
                """, 100_000, "");
    }

    @Test
    void nestedLoopsWithAnExitInside() {
        same("""
                mov r0, 0
                mov r3, 2
                outer:
                jge r3, 64, done
                mov r4, r1
                add r4, r3
                ldxb r5, [r4+0]
                jne r5, 0, next
                add r0, 1
                mov r8, r3
                mul r8, r3
                mark:
                jge r8, 64, next
                mov r4, r1
                add r4, r8
                stb [r4+0], 1
                jeq r8, 49, leave
                add r8, r3
                ja mark
                next:
                add r3, 1
                ja outer
                leave:
                mov r0, r8
                exit
                done:
                exit
                """, 100_000, "");
    }

    @Test
    void sievePrimesBelow64() {
        same("""
                mov r6, r1
                mov r7, 64
                mov r3, 0
                clear:
                jge r3, r7, cleared
                mov r4, r6
                add r4, r3
                stb [r4+0], 0
                add r3, 1
                ja clear
                cleared:
                mov r0, 0
                mov r3, 2
                outer:
                jge r3, r7, done
                mov r4, r6
                add r4, r3
                ldxb r5, [r4+0]
                jne r5, 0, next
                add r0, 1
                mov r8, r3
                mul r8, r3
                mark:
                jge r8, r7, next
                mov r4, r6
                add r4, r8
                stb [r4+0], 1
                add r8, r3
                ja mark
                next:
                add r3, 1
                ja outer
                done:
                exit
                """, 100_000, "r0=0x12");
    }

    @Test
    void selfLoopStopsAtTheBudget() {
        same("""
                mov r0, 1
                loop:
                jne r0, 0, loop
                exit
                """, 500, "fault ELOOP pc=1");
    }

    /** Fuzz seed 26535: a jump inside the loop into the second half of an ld_imm64. */
    @Test
    void jumpIntoAnLdImm64InsideALoop() {
        same("""
                mov r4, 0
                loop:
                jeq r4, 3, +1
                lddw r5, 2
                add r4, 1
                jlt r4, 10, loop
                exit
                """, 1000, "fault EINVAL pc=3");
    }

    /** clang's rotated loop, entered in the middle; its test is a JMP32 at the latch. */
    @Test
    void rotatedLoopEnteredInTheMiddle() {
        same("""
                mov r0, 0
                mov r3, r1
                add r3, 32
                mov r4, 0
                ja body
                again:
                mov r0, 0
                jeq r5, 0, out
                add r4, 1
                jlt r4, 40, body
                out:
                exit
                body:
                mov r5, r1
                add r5, r4
                mov r0, r3
                add r0, r4
                ldxb r0, [r0+0]
                ldxb r5, [r5+0]
                jeq32 r5, r0, again
                sub r5, r0
                mov r0, r5
                ja out
                """, 100_000, "");
    }

    /** clang's word copy: r2 is set from the induction register r5 at the end of each iteration. */
    @Test
    void registerCopiedFromTheInductionRegister() {
        same("""
                mov r5, 0
                mov r2, 0
                mov r6, 0
                loop:
                mov r7, r1
                add r7, r2
                add r7, 32
                mov r0, r1
                add r0, r2
                ldxdw r0, [r0+0]
                stxdw [r7+0], r0
                add r0, r6
                add r5, 8
                mov r7, r2
                add r7, 16
                mov r2, r5
                mov r6, r0
                jgt r7, 40, +1
                ja loop
                exit
                """, 100_000, "");
    }
}
