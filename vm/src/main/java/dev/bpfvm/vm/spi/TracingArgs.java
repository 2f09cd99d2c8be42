package dev.bpfvm.vm.spi;

import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;

/**
 * The context of a BTF tracing program (fentry, fexit, fmod_ret, tp_btf, raw tracepoints):
 * an array of u64 arguments, laid out as Linux's BPF trampoline lays out its stack, so that the
 * helpers that Linux inlines as loads around {@code ctx} read the same words here:
 *
 * <pre>
 *   region offset  0: u64 func_ip          ctx[-2]  (bpf_get_func_ip)
 *   region offset  8: u64 nr_args          ctx[-1]  (bpf_get_func_arg_cnt, bounds of bpf_get_func_arg)
 *   region offset 16: u64 args[nr_args]    ctx[0..nr_args-1]   &lt;- r1 (ctx) points here
 *   then            : u64 retval           ctx[nr_args]        (bpf_get_func_ret; fexit/fmod_ret)
 * </pre>
 *
 * The region is read-only (tracing programs cannot write their context), of kind {@code CTX},
 * and its owner is this object, which tells {@code bpf_get_func_ret} whether the program sees a
 * return value (fexit and fmod_ret do; others get {@code -EOPNOTSUPP}, as the verifier arranges
 * in Linux). The return slot exists in every layout (zero when there is no return value).
 *
 * <p>Whoever runs a tracing program (test-run with {@code ctx_in}, the emulated kernel firing
 * fentry/fexit) creates one, passes {@link #ctx()} as r1, and unregisters {@link #region()}
 * when done.
 */
public final class TracingArgs {
    /** Linux's {@code MAX_BPF_FUNC_ARGS}. */
    public static final int MAX_ARGS = 12;
    public static final int FUNC_IP_OFFSET = 0;
    public static final int NR_ARGS_OFFSET = 8;
    public static final int ARGS_OFFSET = 16;

    private final Region region;
    private final int count;
    private final boolean returnValue;

    private TracingArgs(AddressSpace memory, String name, long funcIp, long[] args, boolean returnValue, long retval) {
        if (args.length > MAX_ARGS) {
            throw new IllegalArgumentException("at most " + MAX_ARGS + " arguments: " + args.length);
        }
        this.count = args.length;
        this.returnValue = returnValue;
        byte[] data = new byte[ARGS_OFFSET + 8 * (args.length + 1)];
        AddressSpace.put(data, FUNC_IP_OFFSET, 8, funcIp);
        AddressSpace.put(data, NR_ARGS_OFFSET, 8, args.length);
        for (int i = 0; i < args.length; i++) {
            AddressSpace.put(data, ARGS_OFFSET + 8 * i, 8, args[i]);
        }
        AddressSpace.put(data, ARGS_OFFSET + 8 * args.length, 8, retval);
        this.region = memory.register(Region.of(Region.Kind.CTX, name, data).readOnly().owner(this).build());
    }

    /** The context of a program that sees arguments only (fentry, tp_btf, raw tracepoint). */
    public static TracingArgs entry(AddressSpace memory, String name, long funcIp, long... args) {
        return new TracingArgs(memory, name, funcIp, args, false, 0);
    }

    /** The context of a program that also sees the traced function's return value (fexit, fmod_ret). */
    public static TracingArgs exit(AddressSpace memory, String name, long funcIp, long retval, long... args) {
        return new TracingArgs(memory, name, funcIp, args, true, retval);
    }

    /** The TracingArgs whose region holds {@code ctx}, or null. */
    public static TracingArgs at(AddressSpace memory, long ctx) {
        Region r = memory.regionAt(ctx);
        return r != null && r.owner() instanceof TracingArgs t ? t : null;
    }

    /** What the program gets in r1: the address of the first argument. */
    public long ctx() {
        return region.address(ARGS_OFFSET);
    }

    public Region region() {
        return region;
    }

    public int count() {
        return count;
    }

    public long arg(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("argument " + i + " of " + count);
        }
        return AddressSpace.get(region.data(), region.base() + ARGS_OFFSET + 8 * i, 8);
    }

    /** Whether the program sees a return value (fexit, fmod_ret). */
    public boolean hasReturnValue() {
        return returnValue;
    }

    public long returnValue() {
        return AddressSpace.get(region.data(), region.base() + ARGS_OFFSET + 8 * count, 8);
    }

    /** Sets the return value slot (fmod_ret programs chain through it). */
    public void returnValue(long v) {
        AddressSpace.put(region.data(), region.base() + ARGS_OFFSET + 8 * count, 8, v);
    }
}
