package dev.bpfvm.kernel.testrun;

import dev.bpfvm.vm.exec.TraceSink;
import dev.bpfvm.vm.spi.TaskView;

/**
 * The inputs of one test run, as {@code union bpf_attr.test}: {@code data_in}, {@code ctx_in},
 * {@code repeat}, {@code flags}; plus bpfvm's own: the virtual CPU to run on, a trace sink (printk
 * lines, and with {@code steps} every executed instruction) and the current task helpers report.
 * Immutable; the {@code with} methods return changed copies.
 *
 * @param data   {@code data_in}, or null
 * @param ctx    {@code ctx_in}, or null
 * @param repeat runs (0 means 1, as Linux)
 * @param flags  {@code test.flags}
 * @param cpu    the virtual CPU that runs the program
 * @param trace  where printk output and steps go, or null
 * @param steps  whether every executed instruction is reported to {@code trace}
 * @param task   the current task, or null for none
 */
public record TestRunOptions(byte[] data, byte[] ctx, int repeat, int flags, int cpu, TraceSink trace,
                             boolean steps, TaskView task) {
    /** {@code BPF_F_TEST_RUN_ON_CPU}. */
    public static final int BPF_F_TEST_RUN_ON_CPU = 1;
    /** {@code BPF_F_TEST_XDP_LIVE_FRAMES}. */
    public static final int BPF_F_TEST_XDP_LIVE_FRAMES = 1 << 1;
    /** {@code BPF_F_TEST_SKB_CHECKSUM_COMPLETE}. */
    public static final int BPF_F_TEST_SKB_CHECKSUM_COMPLETE = 1 << 2;

    public TestRunOptions {
        if (repeat < 0) {
            throw new IllegalArgumentException("repeat must be >= 0: " + repeat);
        }
    }

    /** No data, no context, one run on CPU 0. */
    public static TestRunOptions defaults() {
        return new TestRunOptions(null, null, 1, 0, 0, null, false, null);
    }

    /** One run with {@code data_in}. */
    public static TestRunOptions data(byte[] data) {
        return defaults().withData(data);
    }

    /** One run with {@code ctx_in}. */
    public static TestRunOptions ctx(byte[] ctx) {
        return defaults().withCtx(ctx);
    }

    public TestRunOptions withData(byte[] d) {
        return new TestRunOptions(d, ctx, repeat, flags, cpu, trace, steps, task);
    }

    public TestRunOptions withCtx(byte[] c) {
        return new TestRunOptions(data, c, repeat, flags, cpu, trace, steps, task);
    }

    public TestRunOptions withRepeat(int n) {
        return new TestRunOptions(data, ctx, n, flags, cpu, trace, steps, task);
    }

    public TestRunOptions withFlags(int f) {
        return new TestRunOptions(data, ctx, repeat, f, cpu, trace, steps, task);
    }

    public TestRunOptions withCpu(int c) {
        return new TestRunOptions(data, ctx, repeat, flags, c, trace, steps, task);
    }

    public TestRunOptions withTrace(TraceSink sink, boolean everyStep) {
        return new TestRunOptions(data, ctx, repeat, flags, cpu, sink, everyStep, task);
    }

    public TestRunOptions withTask(TaskView t) {
        return new TestRunOptions(data, ctx, repeat, flags, cpu, trace, steps, t);
    }

    /** Runs to do: {@code repeat}, at least 1. */
    public int runs() {
        return Math.max(1, repeat);
    }
}
