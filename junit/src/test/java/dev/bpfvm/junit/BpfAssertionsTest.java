package dev.bpfvm.junit;

import static dev.bpfvm.junit.BpfAssertions.assertThat;
import static dev.bpfvm.junit.BpfAssertions.assertThatRun;
import static dev.bpfvm.junit.BpfAssertions.catchThrowableOfType;

import dev.bpfvm.kernel.load.BpfProgram;
import dev.bpfvm.kernel.load.MapView;
import dev.bpfvm.kernel.testrun.TestRunOptions;
import dev.bpfvm.verifier.VerifierResult;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Deliberately failing assertions, and their messages exactly; and the passing forms. */
@BpfTest
@BpfObjectFile("counter.o")
class BpfAssertionsTest {
    static final String COUNTS = "map \"counts\" (hash, 2 entries):\n"
            + "  41 00 00 00 -> 02 00 00 00 00 00 00 00\n"
            + "  07 00 00 00 -> 01 00 00 00 00 00 00 00";

    static final String UNCHECKED_LOG = "verifier log (last 12 of 14 lines):\n"
            + "  0: (b4) w1 = 0                        ; R1_w=0\n"
            + "  ; __u32 key = 0; @ unchecked.c:34\n"
            + "  1: (63) *(u32 *)(r10 -4) = r1         ; R1_w=0 R10=fp0 fp-8=0000????\n"
            + "  2: (bf) r2 = r10                      ; R2_w=fp0 R10=fp0\n"
            + "  3: (07) r2 += -4                      ; R2_w=fp-4\n"
            + "  ; __u64 *v = bpf_map_lookup_elem(&counts, &key); @ unchecked.c:35\n"
            + "  4: (18) r1 = map[id:1]                ; R1_w=map_ptr(map=counts,ks=4,vs=8)\n"
            + "  6: (85) call bpf_map_lookup_elem#1    ; R0_w=map_value_or_null(id=1,map=counts,ks=4,vs=8)\n"
            + "  ; *v += 1; @ unchecked.c:36\n"
            + "  7: (79) r1 = *(u64 *)(r0 +0)\n"
            + "  R0 invalid mem access 'map_value_or_null'\n"
            + "  processed 7 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0";

    static final String RUN_END = "the run of count ended at insn 27:\n"
            + "   ; bpf_map_update_elem(&counts, &key, &one, BPF_ANY); @ counter.c:26\n"
            + "   24: (b7) r4 = 0\n"
            + "   25: (85) call bpf_map_update_elem#2\n"
            + "   26: (b4) w0 = 2\n"
            + "   ; } @ counter.c:28\n"
            + "-> 27: (95) exit";

    static String failure(Runnable assertion) {
        AssertionError e = catchThrowableOfType(AssertionError.class, assertion::run);
        assertThat(e).as("the assertion should have failed").isNotNull();
        return e.getMessage();
    }

    private BpfProgram count;

    @BeforeEach
    void setUp(@BpfProgramName("count") BpfProgram count) {
        this.count = count;
    }

    @Test
    void aWrongMapValueShowsTheExpectedAndActualEntryAndTheMap(@BpfMapName("counts") MapView counts) {
        count.testRun(TestRunOptions.data(BpfExtensionTest.frame(0x41)));
        count.testRun(TestRunOptions.data(BpfExtensionTest.frame(0x41)));
        count.testRun(TestRunOptions.data(BpfExtensionTest.frame(7)));

        assertThat(failure(() -> assertThat(counts).containsEntry(0x41, 3))).isEqualTo(
                "Expected map \"counts\" to contain key 41 00 00 00 (65) with value 03 00 00 00 00 00 00 00 (3)\n"
                + "- expected 03 00 00 00 00 00 00 00 (3)\n"
                + "+ actual   02 00 00 00 00 00 00 00 (2)\n" + COUNTS);
        assertThat(failure(() -> assertThat(counts).containsEntry(9, 1))).isEqualTo(
                "Expected map \"counts\" to contain key 09 00 00 00 (9) with value 01 00 00 00 00 00 00 00 (1)\n"
                + "- expected 01 00 00 00 00 00 00 00 (1)\n"
                + "+ actual   (no entry)\n" + COUNTS);
        assertThat(failure(() -> assertThat(counts).doesNotContainKey(7))).isEqualTo(
                "Expected map \"counts\" not to contain key 07 00 00 00 (7), but it maps to "
                + "01 00 00 00 00 00 00 00 (1)\n" + COUNTS);
        assertThat(failure(() -> assertThat(counts).hasSize(1))).isEqualTo(
                "Expected map \"counts\" to have 1 entries, but it has 2\n" + COUNTS);
    }

    @Test
    void aWrongRetvalShowsTheCodeWhereTheRunEnded() {
        TestRunOptions zeros = TestRunOptions.data(new byte[14]);
        assertThat(failure(() -> assertThatRun(count, zeros).hasRetval(1)))
                .isEqualTo("Expected retval 1, but was 2\n" + RUN_END);
        assertThat(failure(() -> assertThatRun(count, zeros).hasDataOut("01"))).isEqualTo(
                "Expected data_out to be 1 bytes, got 14; first difference at byte 0\n"
                + "- expected 01\n"
                + "+ actual   00 00 00 00 00 00 00 00 00 00 00 00 00 00\n" + RUN_END);
        assertThat(failure(() -> assertThat(count.testRun(zeros)).hasRetval(1)))
                .isEqualTo("Expected retval 1, but was 2");
        assertThatRun(count, zeros).hasRetval(2).hasDataOut("0000 0000 0000 0000 0000 0000 0000");
    }

    @Test
    void aRejectionIsAssertedByMessageAndSourceLine() {
        VerifierResult bad = BpfVerification.verify(getClass(), "unchecked.o", "count_unchecked");
        assertThat(bad).isRejectedWith("invalid mem access 'map_value_or_null'").atSourceLine("unchecked.c", 36);

        assertThat(failure(() -> assertThat(bad).isAccepted())).isEqualTo(
                "Expected the program to be accepted, but the verifier rejected it: "
                + "R0 invalid mem access 'map_value_or_null' (insn 7, unchecked.c:36)\n" + UNCHECKED_LOG);
        assertThat(failure(() -> assertThat(bad).isRejectedWith("invalid access to map value"))).isEqualTo(
                "Expected a rejection with \"invalid access to map value\", but it was rejected with: "
                + "R0 invalid mem access 'map_value_or_null' (insn 7, unchecked.c:36)\n" + UNCHECKED_LOG);
        assertThat(failure(() -> assertThat(bad).isRejectedWith("invalid mem access").atSourceLine("unchecked.c", 35)))
                .isEqualTo("Expected the rejection at unchecked.c:35, but it is at unchecked.c:36 (insn 7, unchecked.c:36)\n"
                        + UNCHECKED_LOG);
    }

    @Test
    void anAcceptedProgram() {
        VerifierResult good = BpfVerification.verify(count);
        assertThat(good).isAccepted();
        assertThat(failure(() -> assertThat(good).isRejectedWith("R0 invalid mem access"))).isEqualTo(
                "Expected a rejection with \"R0 invalid mem access\", but the program was accepted (processed 29 insns "
                + "(limit 1000000) max_states_per_insn 0 total_states 2 peak_states 2 mark_read 0)");
    }

    @Test
    void hexArgumentsAreChecked() {
        assertThat(catchThrowableOfType(IllegalArgumentException.class,
                () -> assertThatRun(count, TestRunOptions.data(new byte[14])).hasDataOut("0g")))
                .hasMessage("not hex bytes: \"0g\"");
    }
}
