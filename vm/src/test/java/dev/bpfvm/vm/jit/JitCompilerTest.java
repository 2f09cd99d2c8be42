package dev.bpfvm.vm.jit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.Tier;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.spi.HelperRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Compiling: method sizes and splitting, fallback to the interpreter, tiering policies. */
class JitCompilerTest {
    private final BpfRuntime rt = new BpfRuntime(new HelperRegistry());
    private final ExecContext ctx = rt.newContext(0);

    /**
     * A function of about {@code n} instructions: a loop over the stack mixing ALU and memory
     * work, r0 a checksum. Returns it with the expected r0 computed in Java.
     */
    private static List<Insn> bigFunction(int blocks) {
        List<Insn> p = new ArrayList<>();
        p.add(new Insn(0xb7, 0, 0, 0, 1));                 // r0 = 1
        p.add(new Insn(0xb7, 6, 0, 0, 3));                 // r6 = 3 iterations
        int loop = p.size();
        for (int b = 0; b < blocks; b++) {
            p.add(new Insn(0x27, 0, 0, 0, 31));            // r0 *= 31
            p.add(new Insn(0x07, 0, 0, 0, b));             // r0 += b
            p.add(new Insn(0x7b, 10, 0, -8 * (1 + b % 64), 0));   // *(u64 *)(r10 - 8k) = r0
            p.add(new Insn(0x79, 1, 10, -8 * (1 + (b + 7) % 64), 0));
            p.add(new Insn(0xaf, 0, 1, 0, 0));             // r0 ^= r1
            p.add(new Insn(0x65, 0, 0, 1, 1000));          // if r0 s> 1000 goto +1
            p.add(new Insn(0x07, 0, 0, 0, 3));
        }
        p.add(new Insn(0x17, 6, 0, 0, 1));                 // r6 -= 1
        int back = loop - p.size() - 1;
        p.add(new Insn(0x55, 6, 0, back, 0));              // if r6 != 0 goto loop
        p.add(new Insn(0x95, 0, 0, 0, 0));
        return p;
    }

    @Test
    void largeFunctionsAreSplitIntoMethodsHotSpotCompiles() {
        List<Insn> insns = bigFunction(1500);               // 10,500 instructions
        Program interpreted = new Program("big", insns);
        long expected = ctx.run(interpreted, 0, 0, 0, 0, 0);
        long executed = ctx.executed();
        Program compiled = new Program("big", insns);
        JitCode code = JitCompiler.compile(compiled);
        assertThat(code.stats().functions()).isEqualTo(1);
        assertThat(code.stats().methods()).isGreaterThan(10);
        assertThat(code.stats().maxMethodBytes()).isLessThanOrEqualTo(EmitOptions.DEFAULT_MAX_METHOD_BYTES);
        compiled.installCompiledCode(code);
        ctx.clearStack();
        assertThat(ctx.run(compiled, 0, 0, 0, 0, 0)).isEqualTo(expected);
        assertThat(ctx.executed()).isEqualTo(executed).isEqualTo(29337);
        assertThat(ctx.lastTier()).isEqualTo(Tier.JIT);
    }

    @Test
    void smallFunctionsAreOneMethodEach() {
        Program p = new Program("small", List.of(
                new Insn(0x85, 0, 1, 0, 1), new Insn(0x95, 0, 0, 0, 0),
                new Insn(0xb7, 0, 0, 0, 7), new Insn(0x95, 0, 0, 0, 0)));
        CompileStats s = JitCompiler.compile(p).stats();
        assertThat(s.functions()).isEqualTo(2);
        assertThat(s.methods()).isEqualTo(3);   // and the entry's variant for runs (t0)
        assertThat(s.maxMethodBytes()).isBetween(50, 700);
    }

    @Test
    void whatCannotCompileStaysInterpretedWithTheReason() {
        List<String> warnings = new ArrayList<>();
        EmitOptions tiny = new EmitOptions(true, true, 40);   // no method fits in 40 bytes
        Jit jit = Jit.install(rt, JitOptions.of(TierPolicy.JIT).emit(tiny).warnings(warnings::add));
        Program p = new Program("p", bigFunction(3));
        long r0 = ctx.run(p, 0, 0, 0, 0, 0);
        assertThat(ctx.lastTier()).isEqualTo(Tier.INTERPRETER);
        assertThat(p.tier()).isEqualTo(Tier.INTERPRETER);
        assertThat(p.tierNote()).isEqualTo("interpreted: program p: cannot compile: function at insn 0 does not fit in methods of 40 bytes");
        assertThat(warnings).containsExactly("program p: cannot compile: function at insn 0 does not fit in methods of 40 bytes");
        // not retried on every run
        assertThat(ctx.run(p, 0, 0, 0, 0, 0)).isEqualTo(r0);
        assertThat(warnings).hasSize(1);
        assertThat(jit.compileNow(p)).isFalse();
    }

    @Test
    void programsWithMayGotoStayInterpreted() {
        List<String> warnings = new ArrayList<>();
        Jit.install(rt, JitOptions.of(TierPolicy.JIT).warnings(warnings::add));
        Program p = new Program("p", List.of(
                new Insn(0xb7, 0, 0, 0, 3), new Insn(0xe5, 0, 0, 1, 0), new Insn(0xb7, 0, 0, 0, 4),
                new Insn(0x95, 0, 0, 0, 0)));
        assertThat(ctx.run(p, 0, 0, 0, 0, 0)).isEqualTo(4);
        assertThat(ctx.lastTier()).isEqualTo(Tier.INTERPRETER);
        assertThat(p.tierNote()).isEqualTo(
                "interpreted: program p: cannot compile: may_goto at insn 1 is not compiled (the program stays interpreted)");
    }

    @Test
    void failPolicyMakesTheRunFail() {
        Jit.install(rt, JitOptions.of(TierPolicy.JIT).emit(new EmitOptions(true, true, 40)).fallback(InterpreterFallback.FAIL));
        Program p = new Program("p", bigFunction(3));
        assertThatThrownBy(() -> ctx.run(p, 0, 0, 0, 0, 0))
                .isInstanceOf(JitException.class)
                .hasMessage("program p: cannot compile: function at insn 0 does not fit in methods of 40 bytes");
    }

    @Test
    void silentPolicyOnlyRecords() {
        List<String> warnings = new ArrayList<>();
        Jit.install(rt, JitOptions.of(TierPolicy.JIT).emit(new EmitOptions(true, true, 40))
                .fallback(InterpreterFallback.SILENT).warnings(warnings::add));
        Program p = new Program("p", bigFunction(3));
        ctx.run(p, 0, 0, 0, 0, 0);
        assertThat(warnings).isEmpty();
        assertThat(p.tierNote()).startsWith("interpreted: ");
    }

    @Test
    void interpPolicyNeverCompiles() {
        Jit.install(rt, JitOptions.of(TierPolicy.INTERP).compileAfterRuns(1));
        Program p = new Program("p", bigFunction(2));
        for (int i = 0; i < 5; i++) {
            ctx.run(p, 0, 0, 0, 0, 0);
        }
        assertThat(p.tier()).isEqualTo(Tier.INTERPRETER);
        assertThat(p.interpretedRuns()).isEqualTo(5);
        assertThat(p.tierNote()).isNull();
    }

    @Test
    void jitPolicyCompilesBeforeTheFirstRun() {
        Jit.install(rt, JitOptions.of(TierPolicy.JIT));
        Program p = new Program("p", bigFunction(2));
        ctx.run(p, 0, 0, 0, 0, 0);
        assertThat(ctx.lastTier()).isEqualTo(Tier.JIT);
        assertThat(p.interpretedRuns()).isEqualTo(1);   // counted, then compiled before running
        assertThat(p.tierNote()).matches("compiled: 1 function in 2 methods, largest \\d+ bytes, \\d+ us");
    }

    @Test
    void autoPolicyCompilesInTheBackgroundAfterEnoughRuns() throws InterruptedException {
        Jit jit = Jit.install(rt, JitOptions.of(TierPolicy.AUTO).compileAfterRuns(10));
        Program p = new Program("p", bigFunction(2));
        long r0 = 0;
        for (int i = 0; i < 9; i++) {
            r0 = ctx.run(p, 0, 0, 0, 0, 0);
            assertThat(ctx.lastTier()).isEqualTo(Tier.INTERPRETER);
        }
        ctx.run(p, 0, 0, 0, 0, 0);                       // the 10th run queues the compilation
        assertThat(jit.awaitIdle(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.tier()).isEqualTo(Tier.JIT);
        ctx.clearStack();
        assertThat(ctx.run(p, 0, 0, 0, 0, 0)).isEqualTo(r0);
        assertThat(ctx.lastTier()).isEqualTo(Tier.JIT);
        assertThat(p.interpretedRuns()).isEqualTo(10);
        jit.shutdown();
    }

    @Test
    void autoPolicySwapsCodeInWhileOtherThreadsRunTheProgram() throws Exception {
        Jit jit = Jit.install(rt, JitOptions.of(TierPolicy.AUTO).compileAfterRuns(50));
        List<Insn> insns = bigFunction(40);
        long expected = ctx.run(new Program("ref", insns), 0, 0, 0, 0, 0);
        long executed = ctx.executed();
        Program p = new Program("shared", insns);
        List<Thread> threads = new ArrayList<>();
        List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger compiledRuns = new java.util.concurrent.atomic.AtomicInteger();
        for (int t = 0; t < 3; t++) {
            ExecContext c = rt.newContext(t);
            threads.add(new Thread(() -> {
                for (int i = 0; i < 3000; i++) {
                    c.clearStack();
                    long r0 = c.run(p, 0, 0, 0, 0, 0);
                    if (r0 != expected || c.executed() != executed) {
                        problems.add("run " + i + " in " + c.lastTier() + ": r0 " + r0 + ", executed " + c.executed());
                    }
                    if (c.lastTier() == Tier.JIT) {
                        compiledRuns.incrementAndGet();
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        assertThat(jit.awaitIdle(10, TimeUnit.SECONDS)).isTrue();
        assertThat(problems).isEmpty();
        assertThat(p.tier()).isEqualTo(Tier.JIT);
        assertThat(compiledRuns.get()).isGreaterThan(0);
        jit.shutdown();
    }

    @Test
    void autoPolicyWithFailReportsABackgroundFailureOnTheNextRun() throws InterruptedException {
        Jit jit = Jit.install(rt, JitOptions.of(TierPolicy.AUTO).compileAfterRuns(1)
                .emit(new EmitOptions(true, true, 40)).fallback(InterpreterFallback.FAIL));
        Program p = new Program("p", bigFunction(2));
        ctx.run(p, 0, 0, 0, 0, 0);
        assertThat(jit.awaitIdle(10, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> ctx.run(p, 0, 0, 0, 0, 0)).isInstanceOf(JitException.class);
        jit.shutdown();
    }

    @Test
    void policyNamesParse() {
        assertThat(TierPolicy.parse("interp")).isEqualTo(TierPolicy.INTERP);
        assertThat(TierPolicy.parse("JIT")).isEqualTo(TierPolicy.JIT);
        assertThat(TierPolicy.parse("auto")).isEqualTo(TierPolicy.AUTO);
        assertThatThrownBy(() -> TierPolicy.parse("fast"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown tier 'fast' (expected interp, jit or auto)");
    }
}
