package dev.bpfvm.helpers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.spi.ArgType;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.RetType;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class HelpersTest {
    private final HelperRegistry helpers = Helpers.defaultRegistry();

    @Test
    void everyHelperByItsKernelNumber() {
        Map<Integer, String> byId = new TreeMap<>();
        for (HelperSpec s : helpers.all()) {
            byId.put(s.id(), s.name());
        }
        // numbers from Linux's include/uapi/linux/bpf.h ___BPF_FUNC_MAPPER
        assertThat(byId).containsExactlyEntriesOf(new TreeMap<>(Map.ofEntries(
                Map.entry(1, "bpf_map_lookup_elem"),
                Map.entry(2, "bpf_map_update_elem"),
                Map.entry(3, "bpf_map_delete_elem"),
                Map.entry(12, "bpf_tail_call"),
                Map.entry(25, "bpf_perf_event_output"),
                Map.entry(87, "bpf_map_push_elem"),
                Map.entry(88, "bpf_map_pop_elem"),
                Map.entry(89, "bpf_map_peek_elem"),
                Map.entry(93, "bpf_spin_lock"),
                Map.entry(94, "bpf_spin_unlock"),
                Map.entry(130, "bpf_ringbuf_output"),
                Map.entry(131, "bpf_ringbuf_reserve"),
                Map.entry(132, "bpf_ringbuf_submit"),
                Map.entry(133, "bpf_ringbuf_discard"),
                Map.entry(134, "bpf_ringbuf_query"),
                Map.entry(156, "bpf_task_storage_get"),
                Map.entry(157, "bpf_task_storage_delete"),
                Map.entry(164, "bpf_for_each_map_elem"),
                Map.entry(195, "bpf_map_lookup_percpu_elem"),
                Map.entry(210, "bpf_cgrp_storage_get"),
                Map.entry(211, "bpf_cgrp_storage_delete"),
                Map.entry(4, "bpf_probe_read"),
                Map.entry(5, "bpf_ktime_get_ns"),
                Map.entry(6, "bpf_trace_printk"),
                Map.entry(7, "bpf_get_prandom_u32"),
                Map.entry(8, "bpf_get_smp_processor_id"),
                Map.entry(14, "bpf_get_current_pid_tgid"),
                Map.entry(15, "bpf_get_current_uid_gid"),
                Map.entry(16, "bpf_get_current_comm"),
                Map.entry(35, "bpf_get_current_task"),
                Map.entry(42, "bpf_get_numa_node_id"),
                Map.entry(45, "bpf_probe_read_str"),
                Map.entry(80, "bpf_get_current_cgroup_id"),
                Map.entry(112, "bpf_probe_read_user"),
                Map.entry(113, "bpf_probe_read_kernel"),
                Map.entry(114, "bpf_probe_read_user_str"),
                Map.entry(115, "bpf_probe_read_kernel_str"),
                Map.entry(118, "bpf_jiffies64"),
                Map.entry(123, "bpf_get_current_ancestor_cgroup_id"),
                Map.entry(125, "bpf_ktime_get_boot_ns"),
                Map.entry(158, "bpf_get_current_task_btf"),
                Map.entry(160, "bpf_ktime_get_coarse_ns"),
                Map.entry(165, "bpf_snprintf"),
                Map.entry(174, "bpf_get_attach_cookie"),
                Map.entry(181, "bpf_loop"),
                Map.entry(182, "bpf_strncmp"),
                Map.entry(183, "bpf_get_func_arg"),
                Map.entry(184, "bpf_get_func_ret"),
                Map.entry(185, "bpf_get_func_arg_cnt"),
                Map.entry(197, "bpf_dynptr_from_mem"),
                Map.entry(198, "bpf_ringbuf_reserve_dynptr"),
                Map.entry(199, "bpf_ringbuf_submit_dynptr"),
                Map.entry(200, "bpf_ringbuf_discard_dynptr"),
                Map.entry(201, "bpf_dynptr_read"),
                Map.entry(202, "bpf_dynptr_write"),
                Map.entry(203, "bpf_dynptr_data"))));
        for (HelperSpec s : helpers.all()) {
            assertThat(helpers.byName(s.name())).isSameAs(s);
        }
    }

    private HelperProto proto(String name) {
        return helpers.byName(name).proto();
    }

    @Test
    void prototypesAsTheVerifierNeedsThem() {
        HelperProto probe = new HelperProto(RetType.INTEGER,
                List.of(ArgType.PTR_TO_UNINIT_MEM, ArgType.CONST_SIZE_OR_ZERO, ArgType.ANYTHING), true, false);
        for (String n : List.of("bpf_probe_read", "bpf_probe_read_str", "bpf_probe_read_user",
                "bpf_probe_read_kernel", "bpf_probe_read_user_str", "bpf_probe_read_kernel_str")) {
            assertThat(proto(n)).as(n).isEqualTo(probe);
        }
        for (String n : List.of("bpf_get_prandom_u32", "bpf_get_smp_processor_id", "bpf_get_numa_node_id",
                "bpf_get_current_pid_tgid", "bpf_get_current_uid_gid", "bpf_get_current_cgroup_id",
                "bpf_jiffies64", "bpf_ktime_get_boot_ns", "bpf_ktime_get_coarse_ns")) {
            assertThat(proto(n)).as(n).isEqualTo(HelperProto.of(RetType.INTEGER));
        }
        assertThat(proto("bpf_get_current_comm"))
                .isEqualTo(HelperProto.of(RetType.INTEGER, ArgType.PTR_TO_UNINIT_MEM, ArgType.CONST_SIZE));
        assertThat(proto("bpf_get_current_task")).isEqualTo(new HelperProto(RetType.INTEGER, List.of(), true, false));
        assertThat(proto("bpf_get_current_task_btf"))
                .isEqualTo(new HelperProto(RetType.PTR_TO_BTF_ID, List.of(), true, false));
        assertThat(proto("bpf_get_current_ancestor_cgroup_id"))
                .isEqualTo(HelperProto.of(RetType.INTEGER, ArgType.ANYTHING));
        assertThat(proto("bpf_snprintf")).isEqualTo(new HelperProto(RetType.INTEGER, List.of(
                ArgType.PTR_TO_MEM_OR_NULL, ArgType.CONST_SIZE_OR_ZERO, ArgType.PTR_TO_CONST_STR,
                ArgType.PTR_TO_MEM_OR_NULL, ArgType.CONST_SIZE_OR_ZERO), true, false));
        assertThat(proto("bpf_strncmp")).isEqualTo(HelperProto.of(RetType.INTEGER,
                ArgType.PTR_TO_RDONLY_MEM, ArgType.CONST_SIZE, ArgType.PTR_TO_CONST_STR));
        assertThat(proto("bpf_loop")).isEqualTo(HelperProto.of(RetType.INTEGER,
                ArgType.ANYTHING, ArgType.PTR_TO_FUNC, ArgType.PTR_TO_STACK_OR_NULL, ArgType.ANYTHING));
        assertThat(proto("bpf_get_func_arg"))
                .isEqualTo(HelperProto.of(RetType.INTEGER, ArgType.PTR_TO_CTX, ArgType.ANYTHING, ArgType.PTR_TO_LONG));
        assertThat(proto("bpf_get_func_ret"))
                .isEqualTo(HelperProto.of(RetType.INTEGER, ArgType.PTR_TO_CTX, ArgType.PTR_TO_LONG));
        assertThat(proto("bpf_get_func_arg_cnt")).isEqualTo(HelperProto.of(RetType.INTEGER, ArgType.PTR_TO_CTX));
        assertThat(proto("bpf_get_attach_cookie")).isEqualTo(HelperProto.of(RetType.INTEGER, ArgType.PTR_TO_CTX));
    }

    @Test
    void eachCallGivesAFreshRegistry() {
        HelperRegistry other = Helpers.defaultRegistry();
        assertThat(other).isNotSameAs(helpers);
        other.register(new HelperSpec(7, "bpf_get_prandom_u32", HelperProto.of(RetType.INTEGER),
                (c, a, b, d, e, f) -> 4));
        assertThat(helpers.byId(7)).isSameAs(CpuHelpers.GET_PRANDOM_U32);
        assertThat(Helpers.defaultKfuncs()).isNotSameAs(Helpers.defaultKfuncs());
    }
}
