package dev.bpfvm.helpers;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.spi.ArgType;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.RetType;

/** {@code bpf_loop} (#181): a bounded loop whose body is a BPF callback. */
public final class LoopHelpers {
    public static final int BPF_LOOP = 181;
    /** Linux's {@code BPF_MAX_LOOPS}: 8 Mi iterations. */
    public static final long BPF_MAX_LOOPS = 8L * 1024 * 1024;

    /** {@code ARG_ANYTHING, ARG_PTR_TO_FUNC, ARG_PTR_TO_STACK_OR_NULL, ARG_ANYTHING}. */
    public static final HelperSpec LOOP = new HelperSpec(BPF_LOOP, "bpf_loop",
            HelperProto.of(RetType.INTEGER, ArgType.ANYTHING, ArgType.PTR_TO_FUNC, ArgType.PTR_TO_STACK_OR_NULL,
                    ArgType.ANYTHING),
            LoopHelpers::loop);

    private LoopHelpers() {}

    /** Registers this helper (replacing any with the same number); returns the registry. */
    public static HelperRegistry register(HelperRegistry registry) {
        registry.register(LOOP);
        return registry;
    }

    /**
     * {@code long bpf_loop(u32 nr_loops, void *callback_fn, void *callback_ctx, u64 flags)}:
     * calls {@code callback_fn(i, callback_ctx)} for {@code i = 0 .. nr_loops - 1} (in a new
     * frame, via {@link ExecContext#callFunction}); a non-zero return stops the loop after
     * that iteration. Returns the number of iterations made; {@code -EINVAL} for non-zero
     * flags, {@code -E2BIG} above {@link #BPF_MAX_LOOPS} iterations (both checked before any
     * call, flags first). Faults of the callback are the program's faults.
     */
    static long loop(ExecContext ctx, long nrLoops, long callbackFn, long callbackCtx, long flags, long r5) {
        if (flags != 0) {
            return Errno.EINVAL.negative();
        }
        long n = nrLoops & 0xffffffffL;
        if (n > BPF_MAX_LOOPS) {
            return Errno.E2BIG.negative();
        }
        for (long i = 0; i < n; i++) {
            long ret = ctx.callFunction(callbackFn, i, callbackCtx, 0, 0, 0);
            if (ret != 0) {
                return i + 1;
            }
        }
        return n;
    }
}
