package dev.bpfvm.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.exec.Tier;
import java.util.zip.Adler32;
import org.junit.jupiter.api.Test;

/** The benchmarked programs compute what their Java baselines compute, run after run. */
class BenchProgramsTest {
    @Test
    void sieveCountsThePrimesBelow8192() {
        BenchVm vm = new BenchVm("sieve", BenchPrograms.SIEVE, new byte[BenchPrograms.SIEVE_SIZE], Tier.INTERPRETER);
        assertThat(vm.run()).isEqualTo(1028);
        assertThat(vm.run()).isEqualTo(1028);
        assertThat(vm.ctx.executed()).isEqualTo(193_006);
        assertThat(BenchPrograms.sieve(new byte[BenchPrograms.SIEVE_SIZE])).isEqualTo(1028);
    }

    @Test
    void adler32MatchesTheJdk() {
        byte[] input = BenchPrograms.checksumInput();
        Adler32 jdk = new Adler32();
        jdk.update(input);
        BenchVm vm = new BenchVm("adler32", BenchPrograms.ADLER32, input, Tier.INTERPRETER);
        assertThat(vm.run()).isEqualTo(jdk.getValue());
        assertThat(vm.ctx.executed()).isEqualTo(40_968);
        assertThat(BenchPrograms.adler32(input)).isEqualTo(jdk.getValue());
    }

    @Test
    void copyMovesTheFirstHalfIntoTheSecond() {
        byte[] mem = BenchPrograms.copyInput();
        BenchVm vm = new BenchVm("copy", BenchPrograms.COPY, mem, Tier.INTERPRETER);
        assertThat(vm.run()).isEqualTo(BenchPrograms.COPY_SIZE);
        assertThat(vm.ctx.executed()).isEqualTo(32_774);
        byte[] expected = BenchPrograms.copyInput();
        assertThat(BenchPrograms.copy(expected)).isEqualTo(BenchPrograms.COPY_SIZE);
        assertThat(mem).isEqualTo(expected);
    }
}
