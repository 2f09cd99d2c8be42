package dev.bpfvm.verifier;

import static dev.bpfvm.vm.spi.ArgType.*;

import dev.bpfvm.vm.spi.ArgType;
import dev.bpfvm.vm.spi.HelperFunction;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.KfuncRegistry;
import dev.bpfvm.vm.spi.KfuncSpec;
import dev.bpfvm.vm.spi.RetType;
import java.util.List;

/**
 * Test fixture: helper and kfunc prototypes as Linux declares them (bpf_func_proto), for
 * programs in verifier tests. The helpers module provides the real registry.
 */
final class TestHelpers {
    private TestHelpers() {}

    private static final HelperFunction NOP = (ctx, a, b, c, d, e) -> 0;

    private static HelperSpec h(int id, String name, RetType ret, ArgType... args) {
        return new HelperSpec(id, "bpf_" + name, new HelperProto(ret, List.of(args), false, false), NOP);
    }

    private static HelperSpec gpl(int id, String name, RetType ret, ArgType... args) {
        return new HelperSpec(id, "bpf_" + name, new HelperProto(ret, List.of(args), true, false), NOP);
    }

    private static HelperSpec sleepy(int id, String name, RetType ret, ArgType... args) {
        return new HelperSpec(id, "bpf_" + name, new HelperProto(ret, List.of(args), true, true), NOP);
    }

    static HelperRegistry helpers() {
        HelperRegistry r = new HelperRegistry();
        r.register(h(1, "map_lookup_elem", RetType.PTR_TO_MAP_VALUE_OR_NULL, CONST_MAP_PTR, PTR_TO_MAP_KEY));
        r.register(h(2, "map_update_elem", RetType.INTEGER, CONST_MAP_PTR, PTR_TO_MAP_KEY, PTR_TO_MAP_VALUE, ANYTHING));
        r.register(h(3, "map_delete_elem", RetType.INTEGER, CONST_MAP_PTR, PTR_TO_MAP_KEY));
        r.register(h(5, "ktime_get_ns", RetType.INTEGER));
        r.register(gpl(6, "trace_printk", RetType.INTEGER, PTR_TO_RDONLY_MEM, CONST_SIZE));
        r.register(h(7, "get_prandom_u32", RetType.INTEGER));
        r.register(h(8, "get_smp_processor_id", RetType.INTEGER));
        r.register(h(12, "tail_call", RetType.VOID, PTR_TO_CTX, CONST_MAP_PTR, ANYTHING));
        r.register(h(14, "get_current_pid_tgid", RetType.INTEGER));
        r.register(h(16, "get_current_comm", RetType.INTEGER, PTR_TO_UNINIT_MEM, CONST_SIZE));
        r.register(h(23, "redirect", RetType.INTEGER, ANYTHING, ANYTHING));
        r.register(gpl(25, "perf_event_output", RetType.INTEGER, PTR_TO_CTX, CONST_MAP_PTR, ANYTHING,
                PTR_TO_RDONLY_MEM, CONST_SIZE_OR_ZERO));
        r.register(h(26, "skb_load_bytes", RetType.INTEGER, PTR_TO_CTX, ANYTHING, PTR_TO_UNINIT_MEM, CONST_SIZE));
        r.register(h(28, "csum_diff", RetType.INTEGER, PTR_TO_MEM_OR_NULL, CONST_SIZE_OR_ZERO, PTR_TO_MEM_OR_NULL,
                CONST_SIZE_OR_ZERO, ANYTHING));
        r.register(h(44, "xdp_adjust_head", RetType.INTEGER, PTR_TO_CTX, ANYTHING));
        r.register(gpl(67, "get_stack", RetType.INTEGER, PTR_TO_CTX, PTR_TO_UNINIT_MEM, CONST_SIZE_OR_ZERO, ANYTHING));
        r.register(h(80, "get_current_cgroup_id", RetType.INTEGER));
        r.register(h(81, "get_local_storage", RetType.PTR_TO_MAP_VALUE, CONST_MAP_PTR, ANYTHING));
        r.register(h(84, "sk_lookup_tcp", RetType.PTR_TO_SOCKET_OR_NULL, PTR_TO_CTX, PTR_TO_MEM, CONST_SIZE, ANYTHING,
                ANYTHING));
        r.register(h(86, "sk_release", RetType.INTEGER, PTR_TO_SOCKET));
        r.register(h(87, "map_push_elem", RetType.INTEGER, CONST_MAP_PTR, PTR_TO_MAP_VALUE, ANYTHING));
        r.register(h(88, "map_pop_elem", RetType.INTEGER, CONST_MAP_PTR, PTR_TO_UNINIT_MAP_VALUE));
        r.register(h(89, "map_peek_elem", RetType.INTEGER, CONST_MAP_PTR, PTR_TO_UNINIT_MAP_VALUE));
        r.register(h(93, "spin_lock", RetType.VOID, PTR_TO_SPIN_LOCK));
        r.register(h(94, "spin_unlock", RetType.VOID, PTR_TO_SPIN_LOCK));
        r.register(gpl(113, "probe_read_kernel", RetType.INTEGER, PTR_TO_UNINIT_MEM, CONST_SIZE_OR_ZERO, ANYTHING));
        r.register(gpl(115, "probe_read_kernel_str", RetType.INTEGER, PTR_TO_UNINIT_MEM, CONST_SIZE_OR_ZERO, ANYTHING));
        r.register(h(125, "ktime_get_boot_ns", RetType.INTEGER));
        r.register(h(130, "ringbuf_output", RetType.INTEGER, CONST_MAP_PTR, PTR_TO_RDONLY_MEM, CONST_SIZE_OR_ZERO,
                ANYTHING));
        r.register(h(131, "ringbuf_reserve", RetType.PTR_TO_ALLOC_MEM_OR_NULL, CONST_MAP_PTR, CONST_ALLOC_SIZE_OR_ZERO,
                ANYTHING));
        r.register(h(132, "ringbuf_submit", RetType.VOID, PTR_TO_ALLOC_MEM, ANYTHING));
        r.register(h(133, "ringbuf_discard", RetType.VOID, PTR_TO_ALLOC_MEM, ANYTHING));
        r.register(gpl(158, "get_current_task_btf", RetType.PTR_TO_BTF_ID));
        r.register(gpl(35, "get_current_task", RetType.INTEGER));
        r.register(h(164, "for_each_map_elem", RetType.INTEGER, CONST_MAP_PTR, PTR_TO_FUNC, PTR_TO_STACK_OR_NULL,
                ANYTHING));
        r.register(h(181, "loop", RetType.INTEGER, ANYTHING, PTR_TO_FUNC, PTR_TO_STACK_OR_NULL, ANYTHING));
        r.register(sleepy(148, "copy_from_user", RetType.INTEGER, PTR_TO_UNINIT_MEM, CONST_SIZE_OR_ZERO, ANYTHING));
        // bpfvm's helper of the CGROUP_STATS map (dev.bpfvm.kernel.statsmap.CgroupStatsMap.UPDATE)
        r.register(h(0x1000, "cgroup_stats_update", RetType.INTEGER, CONST_MAP_PTR, PTR_TO_BTF_ID, ANYTHING, ANYTHING));
        r.register(h(160, "ktime_get_coarse_ns", RetType.INTEGER));
        return KernelOnlyHelpers.with(r);
    }

    static final int KF_TASK_ACQUIRE = 100;
    static final int KF_TASK_RELEASE = 101;
    static final int KF_RCU_LOCK = 102;
    static final int KF_RCU_UNLOCK = 103;
    static final int KF_SLEEPY = 104;
    static final int KF_TASK_FROM_PID = 105;
    static final int KF_CGROUP_FROM_ID = 106;

    static KfuncRegistry kfuncs() {
        KfuncRegistry k = new KfuncRegistry();
        k.register(new KfuncSpec("bpf_task_acquire", KF_TASK_ACQUIRE,
                KfuncSpec.KF_ACQUIRE | KfuncSpec.KF_RCU | KfuncSpec.KF_RET_NULL,
                HelperProto.of(RetType.PTR_TO_BTF_ID, PTR_TO_BTF_ID), NOP));
        k.register(new KfuncSpec("bpf_task_release", KF_TASK_RELEASE, KfuncSpec.KF_RELEASE,
                HelperProto.of(RetType.VOID, PTR_TO_BTF_ID), NOP));
        k.register(new KfuncSpec("bpf_rcu_read_lock", KF_RCU_LOCK, 0, HelperProto.of(RetType.VOID), NOP));
        k.register(new KfuncSpec("bpf_rcu_read_unlock", KF_RCU_UNLOCK, 0, HelperProto.of(RetType.VOID), NOP));
        k.register(new KfuncSpec("bpf_sleepy", KF_SLEEPY, KfuncSpec.KF_SLEEPABLE, HelperProto.of(RetType.INTEGER), NOP));
        k.register(new KfuncSpec("bpf_task_from_pid", KF_TASK_FROM_PID, KfuncSpec.KF_ACQUIRE | KfuncSpec.KF_RET_NULL,
                HelperProto.of(RetType.PTR_TO_BTF_ID, ANYTHING), NOP));
        k.register(new KfuncSpec("bpf_cgroup_from_id", KF_CGROUP_FROM_ID, KfuncSpec.KF_ACQUIRE | KfuncSpec.KF_RET_NULL,
                HelperProto.of(RetType.PTR_TO_BTF_ID, ANYTHING), NOP));
        return k;
    }
}
