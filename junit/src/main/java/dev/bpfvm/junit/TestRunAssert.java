package dev.bpfvm.junit;

import dev.bpfvm.kernel.testrun.TestRunResult;
import dev.bpfvm.vm.asm.Disassembler;
import dev.bpfvm.vm.exec.Program;
import java.util.Arrays;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on a {@code BPF_PROG_TEST_RUN} result. Made by
 * {@link BpfAssertions#assertThatRun}, a failure also shows the disassembly (with source lines)
 * around the instruction where the run ended.
 */
public final class TestRunAssert extends AbstractAssert<TestRunAssert, TestRunResult> {
    /** Slots shown either side of the last executed instruction. */
    static final int RADIUS = 4;

    private final Program program;
    private final Disassembler.Symbols symbols;
    private final int lastPc;

    TestRunAssert(TestRunResult actual, Program program, int lastPc, Disassembler.Symbols symbols) {
        super(actual, TestRunAssert.class);
        this.program = program;
        this.lastPc = lastPc;
        this.symbols = symbols;
    }

    /** The program returned {@code retval} (compared as the kernel reports it, a u32). */
    public TestRunAssert hasRetval(long retval) {
        isNotNull();
        if (actual.retval() != retval) {
            failWithMessage("%s", "Expected retval " + retval + ", but was " + actual.retval() + context());
        }
        return this;
    }

    /** {@code data_out} is exactly these bytes ({@code "0102ff"}, spaces or colons allowed). */
    public TestRunAssert hasDataOut(String hex) {
        isNotNull();
        byte[] expected = Hex.parse(hex);
        byte[] got = actual.dataOut();
        if (!Arrays.equals(expected, got)) {
            int at = Arrays.mismatch(expected, got);
            failWithMessage("%s", "Expected data_out to be " + expected.length + " bytes, got " + got.length
                    + "; first difference at byte " + at + "\n- expected " + Hex.of(expected) + "\n+ actual   "
                    + Hex.of(got) + context());
        }
        return this;
    }

    private String context() {
        if (program == null || lastPc < 0) {
            return "";
        }
        return "\nthe run of " + program.name() + " ended at insn " + lastPc + ":\n"
                + ProgramListing.around(program, lastPc, RADIUS, symbols).stripTrailing();
    }
}
