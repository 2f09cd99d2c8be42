package dev.bpfvm.helpers;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.spi.ArgType;
import dev.bpfvm.vm.spi.AttachCookie;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.RetType;
import dev.bpfvm.vm.spi.TracingArgs;

/**
 * Helpers of tracing programs: {@code bpf_get_attach_cookie} (#174), {@code bpf_get_func_arg}
 * (#183), {@code bpf_get_func_ret} (#184) and {@code bpf_get_func_arg_cnt} (#185).
 *
 * <p>The last three read the u64 argument array {@code ctx} as Linux's inlined versions do:
 * the argument count is the word before it ({@code ctx[-1]}), the return value the word after
 * the arguments ({@code ctx[nr_args]}); {@link TracingArgs} lays a context out that way. These
 * reads are ordinary memory accesses: on a context that is not such an array they fault (the
 * verifier allows the helpers only in tracing programs). {@code bpf_get_func_ret} returns
 * {@code -EOPNOTSUPP} unless the context is a {@link TracingArgs} with a return value (fexit,
 * fmod_ret), as Linux's verifier patches it for other attach types.
 */
public final class TracingHelpers {
    public static final int BPF_GET_ATTACH_COOKIE = 174;
    public static final int BPF_GET_FUNC_ARG = 183;
    public static final int BPF_GET_FUNC_RET = 184;
    public static final int BPF_GET_FUNC_ARG_CNT = 185;

    /** {@code ARG_PTR_TO_CTX}. */
    public static final HelperSpec GET_ATTACH_COOKIE = new HelperSpec(BPF_GET_ATTACH_COOKIE,
            "bpf_get_attach_cookie", HelperProto.of(RetType.INTEGER, ArgType.PTR_TO_CTX), TracingHelpers::attachCookie);
    /** {@code ARG_PTR_TO_CTX, ARG_ANYTHING, ARG_PTR_TO_FIXED_SIZE_MEM | MEM_UNINIT (u64)}. */
    public static final HelperSpec GET_FUNC_ARG = new HelperSpec(BPF_GET_FUNC_ARG, "bpf_get_func_arg",
            HelperProto.of(RetType.INTEGER, ArgType.PTR_TO_CTX, ArgType.ANYTHING, ArgType.PTR_TO_LONG),
            TracingHelpers::funcArg);
    /** {@code ARG_PTR_TO_CTX, ARG_PTR_TO_FIXED_SIZE_MEM | MEM_UNINIT (u64)}. */
    public static final HelperSpec GET_FUNC_RET = new HelperSpec(BPF_GET_FUNC_RET, "bpf_get_func_ret",
            HelperProto.of(RetType.INTEGER, ArgType.PTR_TO_CTX, ArgType.PTR_TO_LONG), TracingHelpers::funcRet);
    /** {@code ARG_PTR_TO_CTX}. */
    public static final HelperSpec GET_FUNC_ARG_CNT = new HelperSpec(BPF_GET_FUNC_ARG_CNT, "bpf_get_func_arg_cnt",
            HelperProto.of(RetType.INTEGER, ArgType.PTR_TO_CTX), TracingHelpers::funcArgCnt);

    private TracingHelpers() {}

    /** Registers these helpers (replacing any with the same numbers); returns the registry. */
    public static HelperRegistry register(HelperRegistry registry) {
        registry.register(GET_ATTACH_COOKIE);
        registry.register(GET_FUNC_ARG);
        registry.register(GET_FUNC_RET);
        registry.register(GET_FUNC_ARG_CNT);
        return registry;
    }

    /** {@code u64 bpf_get_attach_cookie(void *ctx)}: the run's {@link AttachCookie}, or 0. */
    static long attachCookie(ExecContext ctx, long c, long r2, long r3, long r4, long r5) {
        AttachCookie cookie = ctx.attachment(AttachCookie.class);
        return cookie == null ? 0 : cookie.value();
    }

    /**
     * {@code long bpf_get_func_arg(void *ctx, u32 n, u64 *value)}: stores argument {@code n}
     * and returns 0, or returns {@code -EINVAL} (storing nothing) when {@code n >= nr_args}.
     */
    static long funcArg(ExecContext ctx, long c, long n, long value, long r4, long r5) {
        AddressSpace mem = ctx.memory();
        long count = mem.load(c - 8, 8);
        long i = n & 0xffffffffL;
        if (Long.compareUnsigned(i, count) >= 0) {
            return Errno.EINVAL.negative();
        }
        mem.store(value, 8, mem.load(c + 8 * i, 8));
        return 0;
    }

    /** {@code long bpf_get_func_ret(void *ctx, u64 *value)}: stores the return value, returns 0. */
    static long funcRet(ExecContext ctx, long c, long value, long r3, long r4, long r5) {
        AddressSpace mem = ctx.memory();
        TracingArgs t = TracingArgs.at(mem, c);
        if (t == null || !t.hasReturnValue()) {
            return Errno.EOPNOTSUPP.negative();
        }
        long count = mem.load(c - 8, 8);
        mem.store(value, 8, mem.load(c + 8 * count, 8));
        return 0;
    }

    /** {@code long bpf_get_func_arg_cnt(void *ctx)}: {@code nr_args}. */
    static long funcArgCnt(ExecContext ctx, long c, long r2, long r3, long r4, long r5) {
        return ctx.memory().load(c - 8, 8);
    }
}
