package dev.bpfvm.verifier;

import java.util.Set;

/**
 * Which program types may call which kfuncs: the kfunc id sets Linux 6.12 registers per
 * program type ({@code register_btf_kfunc_id_set}). The generic set (object and reference
 * kfuncs) serves tracing, tc, xdp, struct_ops, syscall and cgroup_skb programs; the common set
 * (RCU, dynptrs, iterators, casts) every type; rstat kfuncs only tracing. Kfuncs Linux does not
 * know (bpfvm extensions) are allowed everywhere.
 */
final class KfuncAvailability {
    private KfuncAvailability() {}

    static final Set<String> GENERIC = Set.of(
            "bpf_obj_new_impl", "bpf_percpu_obj_new_impl", "bpf_obj_drop_impl", "bpf_percpu_obj_drop_impl",
            "bpf_refcount_acquire_impl", "bpf_list_push_front_impl", "bpf_list_push_back_impl",
            "bpf_list_pop_front", "bpf_list_pop_back", "bpf_task_acquire", "bpf_task_release",
            "bpf_rbtree_remove", "bpf_rbtree_add_impl", "bpf_rbtree_first", "bpf_cgroup_acquire",
            "bpf_cgroup_release", "bpf_cgroup_ancestor", "bpf_cgroup_from_id", "bpf_task_under_cgroup",
            "bpf_task_get_cgroup1", "bpf_task_from_pid", "bpf_throw", "bpf_send_signal_task");

    static final Set<String> COMMON = Set.of(
            "bpf_cast_to_kern_ctx", "bpf_rdonly_cast", "bpf_rcu_read_lock", "bpf_rcu_read_unlock",
            "bpf_dynptr_slice", "bpf_dynptr_slice_rdwr", "bpf_iter_num_new", "bpf_iter_num_next",
            "bpf_iter_num_destroy", "bpf_iter_task_vma_new", "bpf_iter_task_vma_next",
            "bpf_iter_task_vma_destroy", "bpf_iter_css_task_new", "bpf_iter_css_task_next",
            "bpf_iter_css_task_destroy", "bpf_iter_css_new", "bpf_iter_css_next", "bpf_iter_css_destroy",
            "bpf_iter_task_new", "bpf_iter_task_next", "bpf_iter_task_destroy", "bpf_dynptr_adjust",
            "bpf_dynptr_is_null", "bpf_dynptr_is_rdonly", "bpf_dynptr_size", "bpf_dynptr_clone",
            "bpf_modify_return_test_tp", "bpf_wq_init", "bpf_wq_set_callback_impl", "bpf_wq_start",
            "bpf_preempt_disable", "bpf_preempt_enable", "bpf_iter_bits_new", "bpf_iter_bits_next",
            "bpf_iter_bits_destroy", "bpf_copy_from_user_str", "bpf_get_kmem_cache");

    static final Set<String> RSTAT = Set.of("cgroup_rstat_updated", "cgroup_rstat_flush");

    /** The kernel's kfunc hook of a program type (bpf_prog_type_to_kfunc_hook), as a name. */
    static String hook(String kernelType) {
        switch (kernelType) {
            case "BPF_PROG_TYPE_TRACING":
            case "BPF_PROG_TYPE_TRACEPOINT":
            case "BPF_PROG_TYPE_PERF_EVENT":
            case "BPF_PROG_TYPE_LSM":
                return "tracing";
            case "BPF_PROG_TYPE_CGROUP_SKB":
            case "BPF_PROG_TYPE_CGROUP_SOCK":
            case "BPF_PROG_TYPE_CGROUP_DEVICE":
            case "BPF_PROG_TYPE_CGROUP_SOCK_ADDR":
            case "BPF_PROG_TYPE_CGROUP_SOCKOPT":
            case "BPF_PROG_TYPE_CGROUP_SYSCTL":
                return "cgroup";
            default:
                return kernelType;
        }
    }

    /** The hooks the generic set is registered for (tracing, tc, xdp, struct_ops, syscall, cgroup). */
    private static final Set<String> GENERIC_HOOKS = Set.of("tracing", "BPF_PROG_TYPE_SCHED_CLS",
            "BPF_PROG_TYPE_XDP", "BPF_PROG_TYPE_STRUCT_OPS", "BPF_PROG_TYPE_SYSCALL", "cgroup");

    static boolean allowed(String kfunc, String kernelType) {
        if (GENERIC.contains(kfunc)) {
            return GENERIC_HOOKS.contains(hook(kernelType));
        }
        if (RSTAT.contains(kfunc)) {
            return hook(kernelType).equals("tracing");
        }
        return true;
    }
}
