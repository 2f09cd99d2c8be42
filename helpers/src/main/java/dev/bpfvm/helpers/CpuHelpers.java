package dev.bpfvm.helpers;

import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.RetType;

/**
 * Helpers about the virtual CPU a program runs on: {@code bpf_get_prandom_u32} (#7, the
 * runtime's {@link Prandom}, per CPU), {@code bpf_get_smp_processor_id} (#8, the context's
 * CPU) and {@code bpf_get_numa_node_id} (#42, always 0: the emulated machine has one NUMA
 * node).
 */
public final class CpuHelpers {
    public static final int BPF_GET_PRANDOM_U32 = 7;
    public static final int BPF_GET_SMP_PROCESSOR_ID = 8;
    public static final int BPF_GET_NUMA_NODE_ID = 42;

    public static final HelperSpec GET_PRANDOM_U32 = new HelperSpec(BPF_GET_PRANDOM_U32, "bpf_get_prandom_u32",
            HelperProto.of(RetType.INTEGER), CpuHelpers::prandom);
    public static final HelperSpec GET_SMP_PROCESSOR_ID = new HelperSpec(BPF_GET_SMP_PROCESSOR_ID,
            "bpf_get_smp_processor_id", HelperProto.of(RetType.INTEGER), CpuHelpers::processorId);
    public static final HelperSpec GET_NUMA_NODE_ID = new HelperSpec(BPF_GET_NUMA_NODE_ID, "bpf_get_numa_node_id",
            HelperProto.of(RetType.INTEGER), CpuHelpers::numaNode);

    private CpuHelpers() {}

    /** Registers these helpers (replacing any with the same numbers); returns the registry. */
    public static HelperRegistry register(HelperRegistry registry) {
        registry.register(GET_PRANDOM_U32);
        registry.register(GET_SMP_PROCESSOR_ID);
        registry.register(GET_NUMA_NODE_ID);
        return registry;
    }

    /** {@code u32 bpf_get_prandom_u32(void)}, zero-extended. */
    static long prandom(ExecContext ctx, long r1, long r2, long r3, long r4, long r5) {
        return Prandom.of(ctx.runtime()).next(ctx.cpu()) & 0xffffffffL;
    }

    static long processorId(ExecContext ctx, long r1, long r2, long r3, long r4, long r5) {
        return ctx.cpu();
    }

    static long numaNode(ExecContext ctx, long r1, long r2, long r3, long r4, long r5) {
        return 0;
    }
}
