package dev.bpfvm.vm.jit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.asm.Assembler;
import dev.bpfvm.vm.cases.IsaCase;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.Tier;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.RetType;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of {@code src/test/resources/isa/*.bpftest} compiled: the stated result, and
 * exactly the interpreter's outcome, executed count and memory, with the fast paths and with
 * the checked paths only.
 */
class JitIsaCasesTest {
    /** What one run did. */
    private record Run(String outcome, long executed, byte[] mem, Tier tier) {}

    private static Run run(IsaCase c, EmitOptions options) {
        HelperRegistry helpers = new HelperRegistry();
        helpers.register(new HelperSpec(5, "bpf_ktime_get_ns", HelperProto.of(RetType.INTEGER),
                (ctx, a, b, d, e, f) -> ctx.runtime().nanoTime()));
        BpfRuntime rt = new BpfRuntime(helpers).clock(() -> 1_000_000L);
        if (c.budget() != null) {
            rt.budget(c.budget());
        }
        ExecContext ctx = rt.newContext(0);
        byte[] mem = c.mem() != null ? c.mem().clone() : new byte[0];
        long r1 = 0;
        long r2 = 0;
        if (c.mem() != null) {
            r1 = rt.memory().register(Region.of(Region.Kind.MEMORY, "mem", mem).build()).address();
            r2 = mem.length;
        }
        Program p = new Program(c.name(), Assembler.assemble(c.asm()));
        if (options != null) {
            p.installCompiledCode(JitCompiler.compile(p, options));
        }
        String outcome;
        try {
            outcome = "0x" + Long.toHexString(ctx.run(p, r1, r2, 0, 0, 0));
        } catch (BpfException e) {
            outcome = e.errno() + " insn " + e.pc() + ": " + e.reason();
        }
        return new Run(outcome, ctx.executed(), mem, ctx.lastTier());
    }

    private static void check(IsaCase c, String outcome) {
        if (c.result() != null) {
            assertThat(outcome).as(c.toString()).isEqualTo("0x" + Long.toHexString(c.result()));
        } else {
            assertThat(c.errorMatches(outcome)).as(c + ": got '" + outcome + "', want '" + c.error() + "'").isTrue();
        }
    }

    @TestFactory
    Stream<DynamicTest> compiledAgreesWithTheInterpreter() {
        return IsaCase.all().stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> {
            Run interpreted = run(c, null);
            check(c, interpreted.outcome());
            for (EmitOptions options : new EmitOptions[] {EmitOptions.DEFAULT, EmitOptions.CHECKED_ONLY}) {
                Run compiled = run(c, options);
                assertThat(compiled.tier()).isEqualTo(Tier.JIT);
                check(c, compiled.outcome());
                assertThat(compiled.outcome()).as(c + " " + options).isEqualTo(interpreted.outcome());
                assertThat(compiled.executed()).as(c + " executed, " + options).isEqualTo(interpreted.executed());
                assertThat(Arrays.equals(compiled.mem(), interpreted.mem())).as(c + " memory, " + options).isTrue();
            }
        }));
    }
}
