package dev.bpfvm.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.spi.HelperRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class InterpreterSmokeTest {
    private final BpfRuntime rt = new BpfRuntime(new HelperRegistry());
    private final ExecContext ctx = rt.newContext(0);

    @Test
    void movAndExit() {
        Program p = new Program("t", List.of(new Insn(0xb7, 0, 0, 0, 42), new Insn(0x95, 0, 0, 0, 0)));
        assertThat(ctx.run(p, 0, 0, 0, 0, 0)).isEqualTo(42);
    }

    @Test
    void stackStoreLoad() {
        Program p = new Program("t", List.of(
                new Insn(0x7a, 10, 0, -8, -5),          // *(u64 *)(r10 -8) = -5
                new Insn(0x79, 0, 10, -8, 0),           // r0 = *(u64 *)(r10 -8)
                new Insn(0x95, 0, 0, 0, 0)));
        assertThat(ctx.run(p, 0, 0, 0, 0, 0)).isEqualTo(-5L);
    }

    @Test
    void loadBelowStackFaultsWithPc() {
        Program p = new Program("t", List.of(
                new Insn(0xb7, 0, 0, 0, 0),
                new Insn(0x79, 0, 10, 8, 0),            // past the top of the stack
                new Insn(0x95, 0, 0, 0, 0)));
        assertThatThrownBy(() -> ctx.run(p, 0, 0, 0, 0, 0))
                .isInstanceOf(BpfException.class)
                .hasMessage("program t: insn 1: invalid memory read of 8 bytes at 0x%x: out of bounds of stack 'stack' (4096 bytes) at offset 4104",
                        ctx.stackRegion().address(4104));
    }

    @Test
    void infiniteLoopHitsBudget() {
        rt.budget(1000);
        Program p = new Program("t", List.of(new Insn(0x05, 0, 0, -1, 0), new Insn(0x95, 0, 0, 0, 0)));
        assertThatThrownBy(() -> ctx.run(p, 0, 0, 0, 0, 0))
                .isInstanceOf(BpfException.class)
                .hasMessageContaining("insn 0: instruction budget of 1000 exhausted");
        assertThat(ctx.executed()).isEqualTo(1001);
    }
}
