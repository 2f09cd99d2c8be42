package dev.bpfvm.vm.cases;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.asm.Assembler;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.RetType;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Runs every case of {@code src/test/resources/isa/*.bpftest} in the interpreter. */
class IsaCasesTest {

    /** The outcome of a case, in the form the case files state it. */
    public static String outcome(IsaCase c, Program p, BpfRuntime rt) {
        if (c.budget() != null) {
            rt.budget(c.budget());
        }
        ExecContext ctx = rt.newContext(0);
        long r1 = 0;
        long r2 = 0;
        if (c.mem() != null) {
            Region m = rt.memory().register(Region.of(Region.Kind.MEMORY, "mem", c.mem().clone()).build());
            r1 = m.address();
            r2 = c.mem().length;
        }
        try {
            return "0x" + Long.toHexString(ctx.run(p, r1, r2, 0, 0, 0));
        } catch (BpfException e) {
            return e.errno() + " insn " + e.pc() + ": " + e.reason();
        }
    }

    /** A fresh runtime with helper #5 (a fixed clock), as the conformance plugin has. */
    public static BpfRuntime runtime() {
        HelperRegistry helpers = new HelperRegistry();
        helpers.register(new HelperSpec(5, "bpf_ktime_get_ns", HelperProto.of(RetType.INTEGER),
                (ctx, a, b, c, d, e) -> ctx.runtime().nanoTime()));
        return new BpfRuntime(helpers).clock(() -> 1_000_000L);
    }

    public static void check(IsaCase c, String outcome) {
        if (c.result() != null) {
            assertThat(outcome).as(c.toString()).isEqualTo("0x" + Long.toHexString(c.result()));
        } else {
            assertThat(c.errorMatches(outcome)).as(c + ": got '" + outcome + "', want '" + c.error() + "'").isTrue();
        }
    }

    @TestFactory
    Stream<DynamicTest> interpreter() {
        return IsaCase.all().stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> {
            Program p = new Program(c.name(), Assembler.assemble(c.asm()));
            check(c, outcome(c, p, runtime()));
        }));
    }

    @Test
    void everyFileHasCasesAndTheCorpusIsLarge() {
        List<IsaCase> all = IsaCase.all();
        for (String f : IsaCase.FILES) {
            assertThat(all).as(f).anyMatch(c -> c.file().equals(f));
        }
        assertThat(all.size()).isGreaterThanOrEqualTo(100);
    }

    @Test
    void errorPatternsMatchOneHexWordPerStar() {
        IsaCase c = new IsaCase("f", "n", 1, "", null, null, "EFAULT insn 1: read at *: x", null);
        assertThat(c.errorMatches("EFAULT insn 1: read at 0x1f: x")).isTrue();
        assertThat(c.errorMatches("EFAULT insn 1: read at 0x1f: y")).isFalse();
        assertThat(c.errorMatches("EFAULT insn 2: read at 0x1f: x")).isFalse();
    }
}
