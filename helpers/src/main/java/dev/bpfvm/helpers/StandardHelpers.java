package dev.bpfvm.helpers;

import dev.bpfvm.helpers.format.BpfFormat;
import dev.bpfvm.helpers.format.BpfFormatException;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.spi.ArgType;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.RetType;
import java.util.List;

/**
 * The helpers every program type may call that need no map and no kernel object: for now
 * {@code bpf_ktime_get_ns} (#5) and {@code bpf_trace_printk} (#6). Map helpers are in
 * {@code MapHelpers}.
 */
public final class StandardHelpers {
    public static final int BPF_KTIME_GET_NS = 5;
    public static final int BPF_TRACE_PRINTK = 6;

    /** Linux's {@code MAX_TRACE_PRINTK_VARARGS}. */
    public static final int MAX_TRACE_PRINTK_VARARGS = 3;

    public static final HelperSpec KTIME_GET_NS = new HelperSpec(BPF_KTIME_GET_NS, "bpf_ktime_get_ns",
            HelperProto.of(RetType.INTEGER), StandardHelpers::ktimeGetNs);

    /** {@code .gpl_only = true}, arg1 {@code ARG_PTR_TO_MEM | MEM_RDONLY}, arg2 {@code ARG_CONST_SIZE}. */
    public static final HelperSpec TRACE_PRINTK = new HelperSpec(BPF_TRACE_PRINTK, "bpf_trace_printk",
            new HelperProto(RetType.INTEGER, List.of(ArgType.PTR_TO_RDONLY_MEM, ArgType.CONST_SIZE), true, false),
            StandardHelpers::tracePrintk);

    private StandardHelpers() {}

    /** Registers these helpers (replacing any with the same numbers); returns the registry. */
    public static HelperRegistry register(HelperRegistry registry) {
        registry.register(KTIME_GET_NS);
        registry.register(TRACE_PRINTK);
        return registry;
    }

    /** {@code u64 bpf_ktime_get_ns(void)}: the runtime's monotonic clock. */
    static long ktimeGetNs(ExecContext ctx, long r1, long r2, long r3, long r4, long r5) {
        return ctx.runtime().nanoTime();
    }

    /**
     * {@code long bpf_trace_printk(const char *fmt, u32 fmt_size, ...)}: formats up to three
     * arguments as Linux does, hands the line (without a trailing newline) to the context's
     * trace sink, and returns the length of the formatted text (as {@code bstr_printf} counts
     * it: the full length even where the 1024-byte buffer cut it), or {@code -EINVAL} for a
     * bad format. {@code fmt} must point to {@code fmt_size} readable bytes (which the
     * verifier would guarantee); otherwise the call faults.
     */
    static long tracePrintk(ExecContext ctx, long fmt, long fmtSize, long a1, long a2, long a3) {
        int size = (int) fmtSize;   // u32
        byte[] f = ctx.memory().read(fmt, size);
        BpfFormat prepared;
        try {
            prepared = BpfFormat.prepare(f, new long[] {a1, a2, a3}, ctx.memory());
        } catch (BpfFormatException e) {
            return e.errno().negative();
        }
        BpfFormat.Output out = prepared.print(BpfFormat.MAX_BUF);
        String line = out.text();
        if (line.endsWith("\n")) {
            line = line.substring(0, line.length() - 1);
        }
        ctx.trace().printk(line);
        return out.length();
    }
}
