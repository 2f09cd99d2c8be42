package dev.bpfvm.testprogs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.kernel.load.BpfObject;
import dev.bpfvm.kernel.testrun.TestRunOptions;
import dev.bpfvm.vm.exec.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/** loops.c: iterator and may_goto loops, verified at load and run through BPF_PROG_TEST_RUN. */
@ParameterizedClass
@ValueSource(strings = {"loops.o", "loops.v2.o", "loops.v4.o"})
class LoopsTest {
    @Parameter
    String object;

    private BpfObject obj;

    @BeforeEach
    void open() {
        obj = TestRunObjects.open(object);
    }

    @AfterEach
    void close() {
        obj.close();
    }

    private long run(String prog) {
        return obj.program(prog).testRun(TestRunOptions.defaults()).retval();
    }

    @Test
    void numIteratorRunsOverTheRange() {
        assertThat(run("sum_range")).isEqualTo(31 * 32 / 2);
        assertThat(run("count_times")).isEqualTo(7);
    }

    @Test
    void bitsIteratorYieldsEachSetBit() {
        assertThat(run("sum_bits")).isEqualTo(0 + 2 + 5 + 7 + 64 + 3);
    }

    @Test
    void mayGotoLoopsEndWhenTheBudgetIsSpentOrTheirConditionHolds() {
        assertThat(run("until_budget")).isEqualTo(8 * 1024 * 1024 + 1);
        assertThat(run("bounded_scan")).isEqualTo(0xffffffffL);
        assertThat(obj.program("until_budget").program().tier())
                .isEqualTo(Tier.INTERPRETER);
    }
}
