package dev.bpfvm.kernel.testrun;

/**
 * What {@code BPF_PROG_TEST_RUN} reports.
 *
 * @param retval     the program's return value as Linux reports it (the low 32 bits, unsigned)
 * @param dataOut    {@code data_out}: the packet after the run (empty for types without data)
 * @param ctxOut     {@code ctx_out} (for SYSCALL programs: the context as copied back into ctx_in), or empty
 * @param durationNs average wall time per run in nanoseconds, measured in the process over the
 *                   second half of the {@code repeat} runs (the first half, rounded down, is the
 *                   warm-up; a single run is timed cold)
 * @param executed   instructions executed by the last run (bpfvm's addition)
 */
public record TestRunResult(long retval, byte[] dataOut, byte[] ctxOut, long durationNs, long executed) {
    public TestRunResult {
        dataOut = dataOut == null ? new byte[0] : dataOut;
        ctxOut = ctxOut == null ? new byte[0] : ctxOut;
    }

    /** The same result with other outputs (data_out and ctx_out are filled in after the run). */
    public TestRunResult withOutputs(byte[] data, byte[] ctx) {
        return new TestRunResult(retval, data, ctx, durationNs, executed);
    }
}
