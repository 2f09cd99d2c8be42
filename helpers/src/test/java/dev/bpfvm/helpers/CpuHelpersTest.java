package dev.bpfvm.helpers;

import static dev.bpfvm.helpers.Rig.call;
import static dev.bpfvm.helpers.Rig.exit;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.isa.Insn;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpuHelpersTest {
    private final Rig rig = new Rig();
    private final Program prandom = new Program("p", List.of(call(7), exit()));

    private long[] draw(ExecContext c, int n) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = c.run(prandom, 0, 0, 0, 0, 0);
        }
        return out;
    }

    @Test
    void prandomIsSplitMix64PerCpuFromTheDefaultSeed() {
        // expected values computed independently from the documented algorithm
        assertThat(draw(rig.ctx, 3)).containsExactly(3793791033L, 1853398634L, 113532184L);
        ExecContext cpu1 = rig.rt.newContext(1);
        assertThat(draw(cpu1, 3)).containsExactly(3220144176L, 1599417572L, 1882415043L);
    }

    @Test
    void cpusHaveTheirOwnSequences() {
        ExecContext cpu1 = rig.rt.newContext(1);
        long a = draw(rig.ctx, 1)[0];
        draw(cpu1, 5);                                  // CPU 1 drawing does not move CPU 0
        assertThat(a).isEqualTo(3793791033L);
        assertThat(draw(rig.ctx, 1)[0]).isEqualTo(1853398634L);
    }

    @Test
    void seedIsSettableAndRestartsTheSequences() {
        draw(rig.ctx, 4);
        Prandom.of(rig.rt).seed(42);
        assertThat(draw(rig.ctx, 3)).containsExactly(2560311059L, 688764095L, 714673126L);
        assertThat(draw(rig.rt.newContext(1), 3)).containsExactly(4150160534L, 1123885916L, 1384111576L);
        Prandom.of(rig.rt).seed(42);
        assertThat(draw(rig.ctx, 1)[0]).isEqualTo(2560311059L);
    }

    @Test
    void eachRuntimeHasItsOwnGenerator() {
        BpfRuntime other = new BpfRuntime(Helpers.defaultRegistry(), Helpers.defaultKfuncs(), 2);
        draw(rig.ctx, 10);
        assertThat(Prandom.of(other)).isNotSameAs(Prandom.of(rig.rt));
        assertThat(draw(other.newContext(0), 1)[0]).isEqualTo(3793791033L);
    }

    @Test
    void valuesAreZeroExtendedU32() {
        long[] many = draw(rig.ctx, 200);
        assertThat(java.util.Arrays.stream(many).min().getAsLong()).isGreaterThanOrEqualTo(0);
        assertThat(java.util.Arrays.stream(many).max().getAsLong()).isLessThanOrEqualTo(0xffffffffL);
        assertThat(java.util.Arrays.stream(many).distinct().count()).isEqualTo(200);
        assertThat(java.util.Arrays.stream(many).filter(v -> v > 0x7fffffffL).count()).isBetween(70L, 130L);
    }

    @Test
    void processorIdIsTheContextsCpuAndTheNumaNodeIsZero() {
        assertThat(rig.run(call(8), exit())).isEqualTo(0);
        rig.ctx.cpu(3);
        assertThat(rig.run(call(8), exit())).isEqualTo(3);
        assertThat(rig.run(call(42), exit())).isEqualTo(0);
        // both in one program: cpu * 10 + node
        assertThat(rig.run(call(8), new Insn(0x27, 0, 0, 0, 10), Rig.movReg(6, 0), call(42),
                Rig.addReg(0, 6), exit())).isEqualTo(30);
    }
}
