package dev.bpfvm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.kernel.cgroup.Cgroup;
import dev.bpfvm.vm.object.AttachType;
import org.junit.jupiter.api.Test;

class KernelKfuncsTest extends KernelTesting {
    @Test
    void cgroupFromIdAncestorAndTaskFromPidTakeReferences() {
        kernel.mkdir("/sys/fs/cgroup/a");
        Cgroup b = kernel.mkdir("/sys/fs/cgroup/a/b");
        kernel.spawn(42, "x", 0, 0, "/sys/fs/cgroup/a/b");
        // r6 = bpf_cgroup_from_id(3); r7 = bpf_cgroup_ancestor(r6, 1); r8 = bpf_task_from_pid(42)
        // record(r6->kn->id, r7->kn->id, r8->pid, bpf_cgroup_from_id(99)); release all
        LoadedProgram p = tracing("k", AttachType.TRACE_FENTRY, "cgroup_mkdir", """
                mov r1, 3
                call kfunc bpf_cgroup_from_id
                mov r6, r0
                mov r1, r6
                mov r2, 1
                call kfunc bpf_cgroup_ancestor
                mov r7, r0
                mov r1, 42
                call kfunc bpf_task_from_pid
                mov r8, r0
                mov r1, 99
                call kfunc bpf_cgroup_from_id
                mov r4, r0
                ldxdw r1, [r6+{cgroup.kn}]
                ldxdw r1, [r1+{kernfs_node.id}]
                ldxdw r2, [r7+{cgroup.kn}]
                ldxdw r2, [r2+{kernfs_node.id}]
                ldxw r3, [r8+{task_struct.pid}]
                call kfunc record
                mov r1, r6
                call kfunc bpf_cgroup_release
                mov r1, r8
                call kfunc bpf_task_release
                mov r0, 0
                exit
                """);
        kernel.cpus().run(0, null, p, 0);
        assertThat(records()).hasSize(1);
        assertThat(records().get(0)).startsWith(3, 2, 42, 0);
        // r7 (the ancestor) was not released: a holds one extra reference
        assertThat(kernel.cgroup("/sys/fs/cgroup/a").refs()).isEqualTo(2);
        assertThat(b.refs()).isEqualTo(1);
        assertThat(kernel.task(42).freed()).isFalse();
    }
}
