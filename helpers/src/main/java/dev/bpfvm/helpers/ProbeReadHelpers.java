package dev.bpfvm.helpers;

import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.spi.ArgType;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.RetType;
import java.util.List;

/**
 * The {@code bpf_probe_read*} helpers: copies from any address that never fault. All take
 * {@code (void *dst, u32 size, const void *unsafe_ptr)} and are GPL-only.
 *
 * <ul>
 *   <li>{@code bpf_probe_read_kernel} (#113), {@code bpf_probe_read_user} (#112) and the legacy
 *       {@code bpf_probe_read} (#4) copy {@code size} bytes and return 0; when any source byte
 *       is unreadable they zero-fill {@code dst} and return {@code -EFAULT}.</li>
 *   <li>{@code bpf_probe_read_kernel_str} (#115), {@code bpf_probe_read_user_str} (#114) and
 *       {@code bpf_probe_read_str} (#45) copy a NUL-terminated string, at most {@code size}
 *       bytes with its NUL (a longer one is cut to {@code size - 1} bytes and a NUL), leave
 *       the rest of {@code dst} alone, and return the bytes written, NUL included (an empty
 *       string gives 1); on an unreadable byte they zero-fill {@code dst} and return
 *       {@code -EFAULT}.</li>
 *   <li>{@code size == 0} copies nothing and returns 0.</li>
 * </ul>
 *
 * bpfvm has one address space, so the user and kernel variants read the same memory. Linux on
 * x86-64 answers {@code -ERANGE} instead of {@code -EFAULT} when {@code bpf_probe_read_kernel}
 * is given a user-space address such as NULL; bpfvm has no user range and always says
 * {@code -EFAULT}.
 */
public final class ProbeReadHelpers {
    public static final int BPF_PROBE_READ = 4;
    public static final int BPF_PROBE_READ_STR = 45;
    public static final int BPF_PROBE_READ_USER = 112;
    public static final int BPF_PROBE_READ_KERNEL = 113;
    public static final int BPF_PROBE_READ_USER_STR = 114;
    public static final int BPF_PROBE_READ_KERNEL_STR = 115;

    /** {@code .gpl_only = true}, {@code ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE_OR_ZERO, ARG_ANYTHING}. */
    public static final HelperProto PROTO = new HelperProto(RetType.INTEGER,
            List.of(ArgType.PTR_TO_UNINIT_MEM, ArgType.CONST_SIZE_OR_ZERO, ArgType.ANYTHING), true, false);

    public static final HelperSpec PROBE_READ =
            new HelperSpec(BPF_PROBE_READ, "bpf_probe_read", PROTO, ProbeReadHelpers::probeRead);
    public static final HelperSpec PROBE_READ_STR =
            new HelperSpec(BPF_PROBE_READ_STR, "bpf_probe_read_str", PROTO, ProbeReadHelpers::probeReadStr);
    public static final HelperSpec PROBE_READ_USER =
            new HelperSpec(BPF_PROBE_READ_USER, "bpf_probe_read_user", PROTO, ProbeReadHelpers::probeRead);
    public static final HelperSpec PROBE_READ_KERNEL =
            new HelperSpec(BPF_PROBE_READ_KERNEL, "bpf_probe_read_kernel", PROTO, ProbeReadHelpers::probeRead);
    public static final HelperSpec PROBE_READ_USER_STR = new HelperSpec(BPF_PROBE_READ_USER_STR,
            "bpf_probe_read_user_str", PROTO, ProbeReadHelpers::probeReadStr);
    public static final HelperSpec PROBE_READ_KERNEL_STR = new HelperSpec(BPF_PROBE_READ_KERNEL_STR,
            "bpf_probe_read_kernel_str", PROTO, ProbeReadHelpers::probeReadStr);

    private ProbeReadHelpers() {}

    /** Registers these helpers (replacing any with the same numbers); returns the registry. */
    public static HelperRegistry register(HelperRegistry registry) {
        registry.register(PROBE_READ);
        registry.register(PROBE_READ_STR);
        registry.register(PROBE_READ_USER);
        registry.register(PROBE_READ_KERNEL);
        registry.register(PROBE_READ_USER_STR);
        registry.register(PROBE_READ_KERNEL_STR);
        return registry;
    }

    static long probeRead(ExecContext ctx, long dst, long size, long src, long r4, long r5) {
        return ProbeMemory.copy(ctx.memory(), dst, src, size & 0xffffffffL);
    }

    static long probeReadStr(ExecContext ctx, long dst, long size, long src, long r4, long r5) {
        return ProbeMemory.copyString(ctx.memory(), dst, src, size & 0xffffffffL);
    }
}
