package dev.bpfvm.vm.jit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.spi.HelperRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class SmokeScratchTest {
    @Test
    void loop() {
        BpfRuntime rt = new BpfRuntime(new HelperRegistry());
        ExecContext ctx = rt.newContext(0);
        Program p = new Program("t", List.of(
                new Insn(0xb7, 0, 0, 0, 0),
                new Insn(0xb7, 1, 0, 0, 10),
                new Insn(0x0f, 0, 1, 0, 0),
                new Insn(0x7b, 10, 0, -8, 0),
                new Insn(0x79, 0, 10, -8, 0),
                new Insn(0x17, 1, 0, 0, 1),
                new Insn(0x55, 1, 0, -5, 0),
                new Insn(0x95, 0, 0, 0, 0)));
        p.installCompiledCode(JitCompiler.compile(p));
        assertThat(ctx.run(p, 0, 0, 0, 0, 0)).isEqualTo(55);
        assertThat(ctx.executed()).isEqualTo(2 + 10 * 5 + 1);
    }
}
