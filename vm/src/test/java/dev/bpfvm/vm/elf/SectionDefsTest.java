package dev.bpfvm.vm.elf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import org.junit.jupiter.api.Test;

class SectionDefsTest {
    private static String m(String sec) {
        return SectionDefs.match(sec).map(x -> x.def().type() + " " + x.def().attachType() + " '" + x.attachTo() + "' "
                + x.def().flags()).orElse("none");
    }

    @Test
    void libbpfNames() {
        assertThat(m("socket")).isEqualTo("SOCKET_FILTER NONE '' 0");
        assertThat(m("tc")).isEqualTo("SCHED_CLS NONE '' 0");
        assertThat(m("classifier")).isEqualTo("SCHED_CLS NONE '' 0");
        assertThat(m("tc/ingress")).isEqualTo("SCHED_CLS TCX_INGRESS '' 0");
        assertThat(m("xdp")).isEqualTo("XDP XDP '' " + SectionDefs.ATTACHABLE_OPT);
        assertThat(m("xdp.frags")).isEqualTo("XDP XDP '' " + SectionDefs.XDP_FRAGS);
        assertThat(m("cgroup_skb/ingress")).isEqualTo("CGROUP_SKB CGROUP_INET_INGRESS '' " + SectionDefs.ATTACHABLE_OPT);
        assertThat(m("cgroup_skb/egress")).isEqualTo("CGROUP_SKB CGROUP_INET_EGRESS '' " + SectionDefs.ATTACHABLE_OPT);
        assertThat(m("kprobe/do_sys_open")).isEqualTo("KPROBE NONE 'do_sys_open' 0");
        assertThat(m("kprobe")).isEqualTo("KPROBE NONE '' 0");
        assertThat(m("kretprobe/x")).isEqualTo("KPROBE NONE 'x' 0");
        assertThat(m("tracepoint/cgroup/cgroup_mkdir")).isEqualTo("TRACEPOINT NONE 'cgroup/cgroup_mkdir' 0");
        assertThat(m("tp/sched/sched_switch")).isEqualTo("TRACEPOINT NONE 'sched/sched_switch' 0");
        assertThat(m("raw_tp/sched_switch")).isEqualTo("RAW_TRACEPOINT NONE 'sched_switch' 0");
        assertThat(m("tp_btf/cgroup_mkdir")).isEqualTo("TRACING TRACE_RAW_TP 'cgroup_mkdir' " + SectionDefs.ATTACH_BTF);
        assertThat(m("fentry/cgroup_attach_task")).isEqualTo("TRACING TRACE_FENTRY 'cgroup_attach_task' " + SectionDefs.ATTACH_BTF);
        assertThat(m("fexit/f")).isEqualTo("TRACING TRACE_FEXIT 'f' " + SectionDefs.ATTACH_BTF);
        assertThat(m("fmod_ret/f")).isEqualTo("TRACING MODIFY_RETURN 'f' " + SectionDefs.ATTACH_BTF);
        assertThat(m("fentry.s/f")).isEqualTo("TRACING TRACE_FENTRY 'f' " + (SectionDefs.ATTACH_BTF | SectionDefs.SLEEPABLE));
        assertThat(m("lsm/file_open")).isEqualTo("LSM LSM_MAC 'file_open' " + SectionDefs.ATTACH_BTF);
        assertThat(m("lsm.s/file_open")).isEqualTo("LSM LSM_MAC 'file_open' " + (SectionDefs.ATTACH_BTF | SectionDefs.SLEEPABLE));
        assertThat(m("iter/cgroup")).isEqualTo("TRACING TRACE_ITER 'cgroup' " + SectionDefs.ATTACH_BTF);
        assertThat(m("iter.s/cgroup")).isEqualTo("TRACING TRACE_ITER 'cgroup' " + (SectionDefs.ATTACH_BTF | SectionDefs.SLEEPABLE));
        assertThat(m("syscall")).isEqualTo("SYSCALL NONE '' " + SectionDefs.SLEEPABLE);
        assertThat(m("?raw_tp")).isEqualTo("RAW_TRACEPOINT NONE '' 0");
        assertThat(m("?tp_btf/task_newtask")).isEqualTo("TRACING TRACE_RAW_TP 'task_newtask' " + SectionDefs.ATTACH_BTF);
        assertThat(m("??raw_tp")).isEqualTo("none");
        assertThat(m("struct_ops/init")).isEqualTo("STRUCT_OPS NONE 'init' 0");
        assertThat(m("struct_ops.s/init")).isEqualTo("STRUCT_OPS NONE 'init' " + SectionDefs.SLEEPABLE);
        assertThat(m("cgroup/connect4")).isEqualTo("CGROUP_SOCK_ADDR CGROUP_INET4_CONNECT '' " + SectionDefs.ATTACHABLE);
        assertThat(m("sk_reuseport/migrate")).isEqualTo("SK_REUSEPORT SK_REUSEPORT_SELECT_OR_MIGRATE '' " + SectionDefs.ATTACHABLE);
    }

    @Test
    void nonMatches() {
        assertThat(m("kprobex")).isEqualTo("none");
        assertThat(m("socket/x")).isEqualTo("none");
        assertThat(m("xdp/other")).isEqualTo("none");
        assertThat(m("")).isEqualTo("none");
        assertThat(m("fentry.")).isEqualTo("none");
    }

    @Test
    void enumsCarryKernelNamesAndNumbers() {
        assertThat(ProgramType.TRACING.value()).isEqualTo(26);
        assertThat(ProgramType.TRACING.kernelName()).isEqualTo("BPF_PROG_TYPE_TRACING");
        assertThat(ProgramType.SCHED_CLS.bpftoolName()).isEqualTo("sched_cls");
        assertThat(ProgramType.of(32)).isEqualTo(ProgramType.NETFILTER);
        assertThat(ProgramType.of(33)).isNull();
        assertThat(AttachType.TRACE_ITER.value()).isEqualTo(28);
        assertThat(AttachType.TRACE_ITER.kernelName()).isEqualTo("BPF_TRACE_ITER");
        assertThat(AttachType.NONE.value()).isEqualTo(0);
        assertThat(AttachType.of(57)).isEqualTo(AttachType.TRACE_UPROBE_SESSION);
        assertThat(AttachType.of(0)).isEqualTo(AttachType.CGROUP_INET_INGRESS);
    }
}
