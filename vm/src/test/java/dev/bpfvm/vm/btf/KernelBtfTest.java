package dev.bpfvm.vm.btf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.btf.BtfType.Func;
import dev.bpfvm.vm.btf.BtfType.FuncProto;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class KernelBtfTest {
    @Test
    void layoutsOfTheEmulatedObjects() {
        assertThat(KernelBtf.offsetOf("cgroup", "self")).isEqualTo(0);
        assertThat(KernelBtf.offsetOf("cgroup", "self.parent")).isEqualTo(72);
        assertThat(KernelBtf.offsetOf("cgroup", "level")).isEqualTo(96);
        assertThat(KernelBtf.offsetOf("cgroup", "kn")).isEqualTo(136);
        assertThat(KernelBtf.offsetOf("cgroup", "ancestors")).isEqualTo(KernelBtf.sizeOf("cgroup"));
        assertThat(KernelBtf.sizeOf("cgroup")).isEqualTo(272);
        assertThat(KernelBtf.offsetOf("kernfs_node", "parent")).isEqualTo(8);
        assertThat(KernelBtf.offsetOf("kernfs_node", "__parent")).isEqualTo(8);
        assertThat(KernelBtf.offsetOf("kernfs_node", "id")).isEqualTo(32);
        assertThat(KernelBtf.offsetOf("task_struct", "pid")).isEqualTo(40);
        assertThat(KernelBtf.offsetOf("task_struct", "comm")).isEqualTo(152);
        assertThat(KernelBtf.offsetOf("task_struct", "cgroups")).isEqualTo(168);
        assertThat(KernelBtf.offsetOf("css_set", "dfl_cgrp")).isEqualTo(112);
        assertThat(KernelBtf.offsetOf("bpf_iter__cgroup", "cgroup")).isEqualTo(8);
        assertThat(KernelBtf.offsetOf("bpf_iter_meta", "seq_num")).isEqualTo(16);
        assertThatThrownBy(() -> KernelBtf.offsetOf("cgroup", "nope")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no field nope in struct cgroup");
    }

    @Test
    void uapiContextsHaveTheirUapiLayouts() {
        assertThat(KernelBtf.sizeOf("__sk_buff")).isEqualTo(192);
        assertThat(KernelBtf.offsetOf("__sk_buff", "data")).isEqualTo(76);
        assertThat(KernelBtf.offsetOf("__sk_buff", "data_end")).isEqualTo(80);
        assertThat(KernelBtf.offsetOf("__sk_buff", "tstamp")).isEqualTo(152);
        assertThat(KernelBtf.offsetOf("__sk_buff", "hwtstamp")).isEqualTo(184);
        assertThat(KernelBtf.sizeOf("xdp_md")).isEqualTo(24);
        assertThat(KernelBtf.sizeOf("pt_regs")).isEqualTo(168);
        assertThat(KernelBtf.offsetOf("pt_regs", "di")).isEqualTo(112);
        assertThat(KernelBtf.sizeOf("bpf_sock_addr")).isEqualTo(72);
        assertThat(KernelBtf.offsetOf("trace_event_raw_cgroup_migrate", "pid")).isEqualTo(24);
    }

    @Test
    void kfuncsAndAttachPointsHavePrototypes() {
        Btf btf = KernelBtf.get();
        for (String k : KernelBtf.kfuncs()) {
            assertThat(KernelBtf.funcId(k)).as(k).isPositive();
        }
        int id = KernelBtf.funcId("cgroup_rstat_updated");
        FuncProto proto = (FuncProto) btf.type(((Func) btf.type(id)).type());
        assertThat(proto.params()).extracting(BtfType.Param::name).containsExactly("cgrp", "cpu");
        assertThat(btf.typeName(proto.params().get(0).type())).isEqualTo("struct cgroup *");
        assertThat(KernelBtf.funcId("bpf_rstat_flush")).isPositive();
        assertThat(KernelBtf.funcId("no_such_function")).isEqualTo(-1);
        assertThat(btf.find(BtfKind.TYPEDEF, "btf_trace_cgroup_attach_task")).isPositive();
    }

    @Test
    void itEncodesAndParsesBack() {
        Btf btf = KernelBtf.get();
        assertThat(Btf.parse("kernel", btf.encode()).types()).isEqualTo(btf.types());
        assertThat(Arrays.equals(Btf.parse("kernel", btf.encode()).encode(), btf.encode())).isTrue();
    }
}
