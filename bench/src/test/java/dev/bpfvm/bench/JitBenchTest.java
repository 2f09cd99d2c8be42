package dev.bpfvm.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.exec.Tier;
import dev.bpfvm.vm.isa.Insn;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Interpreter, JIT and Java baseline compute the same result and leave the same memory, run after run. */
class JitBenchTest {
    private static void same(String name, List<Insn> insns, Supplier<byte[]> input, Function<byte[], Long> java,
                             long expected) {
        byte[] interpMem = input.get();
        byte[] jitMem = input.get();
        byte[] javaMem = input.get();
        BenchVm interp = new BenchVm(name, insns, interpMem, Tier.INTERPRETER);
        BenchVm jit = new BenchVm(name, insns, jitMem, Tier.JIT);
        for (int i = 0; i < 3; i++) {
            assertThat(interp.run()).isEqualTo(expected);
            assertThat(jit.run()).isEqualTo(expected);
            assertThat(jit.ctx.lastTier()).isEqualTo(Tier.JIT);
            assertThat(jit.ctx.executed()).isEqualTo(interp.ctx.executed());
            assertThat(java.apply(javaMem)).isEqualTo(expected);
        }
        assertThat(jitMem).isEqualTo(interpMem).isEqualTo(javaMem);
    }

    @Test
    void sieve() {
        same("sieve", BenchPrograms.SIEVE, () -> new byte[BenchPrograms.SIEVE_SIZE], BenchPrograms::sieve, 1028);
    }

    @Test
    void adler32() {
        same("adler32", BenchPrograms.ADLER32, BenchPrograms::checksumInput, BenchPrograms::adler32,
                BenchPrograms.adler32(BenchPrograms.checksumInput()));
    }

    @Test
    void copy() {
        same("copy", BenchPrograms.COPY, BenchPrograms::copyInput, BenchPrograms::copy, BenchPrograms.COPY_SIZE);
    }

    @Test
    void strcmp() {
        byte[] in = BenchPrograms.strcmpInput();
        long expected = (in[BenchPrograms.STRCMP_SIZE - 1] & 0xff) - (in[2 * BenchPrograms.STRCMP_SIZE - 1] & 0xff);
        assertThat(expected).isNotZero();
        same("strcmp", BenchPrograms.STRCMP, BenchPrograms::strcmpInput, BenchPrograms::strcmp, expected);
    }

    @Test
    void switchDispatch() {
        long expected = BenchPrograms.dispatch(BenchPrograms.switchInput());
        assertThat(expected).isNotZero();
        same("switch", BenchPrograms.SWITCH, BenchPrograms::switchInput, BenchPrograms::dispatch, expected);
    }
}
