package dev.bpfvm.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.kernel.trace.AttachPoint;
import dev.bpfvm.kernel.trace.Attachment;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import java.util.List;
import org.junit.jupiter.api.Test;

class TracingTest extends KernelTesting {
    /** Records (dst cgroup id, moved pid, threadgroup, 2nd byte of path). */
    private static final String ATTACH_TASK_ARGS = """
            mov r6, r1
            ldxdw r1, [r6+0]
            ldxdw r1, [r1+{cgroup.kn}]
            ldxdw r1, [r1+{kernfs_node.id}]
            ldxdw r2, [r6+16]
            ldxw r2, [r2+{task_struct.pid}]
            ldxdw r3, [r6+24]
            ldxdw r4, [r6+8]
            ldxb r4, [r4+1]
            call kfunc record
            mov r0, 0
            exit
            """;

    @Test
    void tpBtfCgroupAttachTaskFiresPerMovedTaskOnTheEventsCpu() {
        kernel.mkdir("/sys/fs/cgroup/a");
        kernel.spawn(100, "web", 0, 0, "/sys/fs/cgroup");
        kernel.cgroups().spawn(101, 100, 0, 0, "web2", kernel.cgroups().root());
        kernel.attach(tracing("counter", AttachType.TRACE_RAW_TP, "cgroup_attach_task", ATTACH_TASK_ARGS),
                "tp_btf/cgroup_attach_task");
        kernel.cpu(3).write("/sys/fs/cgroup/a/cgroup.procs", "101");
        assertThat(records()).hasSize(2);
        assertThat(records().get(0)).containsExactly(2, 100, 1, 'a', 0, 3, 1);
        assertThat(records().get(1)).containsExactly(2, 101, 1, 'a', 0, 3, 1);
        // already there: no tracepoint
        kernel.write("/sys/fs/cgroup/a/cgroup.procs", "100");
        assertThat(records()).hasSize(2);
    }

    @Test
    void fentryAndFexitSeeTheFunctionArguments() {
        kernel.mkdir("/sys/fs/cgroup/a");
        kernel.spawn(100, "web", 0, 0, "/sys/fs/cgroup");
        String leader = """
                ldxdw r2, [r1+8]
                ldxw r2, [r2+{task_struct.pid}]
                ldxdw r3, [r1+16]
                ldxdw r4, [r1+24]
                ldxdw r1, [r1+0]
                ldxdw r1, [r1+{cgroup.kn}]
                ldxdw r1, [r1+{kernfs_node.id}]
                call kfunc record
                mov r0, 0
                exit
                """;
        kernel.attach(tracing("in", AttachType.TRACE_FENTRY, "cgroup_attach_task", leader), "fentry/cgroup_attach_task");
        kernel.attach(tracing("out", AttachType.TRACE_FEXIT, "cgroup_attach_task", leader), "fexit/cgroup_attach_task");
        kernel.cpu(1).write("/sys/fs/cgroup/a/cgroup.threads", "100");
        assertThat(records()).hasSize(2);
        assertThat(records().get(0)).containsExactly(2, 100, 0, 0, 0, 1, 1);   // fentry: r4 = ctx[3] = retval slot (0)
        assertThat(records().get(1)).containsExactly(2, 100, 0, 0, 0, 1, 1);
    }

    @Test
    void fexitCgroupRmdirSeesEbusyAndTracepointOnlyOnSuccess() {
        kernel.mkdir("/sys/fs/cgroup/a");
        kernel.spawn(100, "web", 0, 0, "/sys/fs/cgroup/a");
        String knAndRet = """
                ldxdw r2, [r1+8]
                ldxdw r1, [r1+0]
                ldxdw r1, [r1+{kernfs_node.id}]
                call kfunc record
                mov r0, 0
                exit
                """;
        kernel.attach(tracing("out", AttachType.TRACE_FEXIT, "cgroup_rmdir", knAndRet), "fexit/cgroup_rmdir");
        kernel.attach(kernel.load("tp", ProgramType.TRACEPOINT, AttachType.NONE, "", false, assemble("tp", """
                ldxdw r1, [r1+{trace_event_raw_cgroup.id}]
                mov r2, 7
                call kfunc record
                mov r0, 0
                exit
                """)), "tracepoint/cgroup/cgroup_rmdir");
        assertThatThrownBy(() -> kernel.rmdir("/sys/fs/cgroup/a"))
                .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBUSY));
        assertThat(records()).hasSize(1);
        assertThat(records().get(0)[0]).isEqualTo(2);
        assertThat(records().get(0)[1]).isEqualTo(-16);
        kernel.write("/sys/fs/cgroup/cgroup.procs", "100");
        kernel.rmdir("/sys/fs/cgroup/a");
        assertThat(column(0)).containsExactly(2L, 2L, 2L);
        assertThat(column(1)).containsExactly(-16L, 7L, 0L);
    }

    @Test
    void classicTracepointRecordHasLevelIdAndPath() {
        kernel.mkdir("/sys/fs/cgroup/a");
        // r1 = id, r2 = level, r3 = path length (data_loc >> 16), r4 = path byte 3, r5 = ent.pid
        kernel.attach(kernel.load("tp", ProgramType.TRACEPOINT, AttachType.NONE, "", false, assemble("tp", """
                mov r6, r1
                ldxw r3, [r6+{trace_event_raw_cgroup.__data_loc_path}]
                mov r4, r3
                and r4, 0xffff
                add r4, r6
                ldxb r4, [r4+3]
                rsh r3, 16
                ldxdw r1, [r6+{trace_event_raw_cgroup.id}]
                ldxw r2, [r6+{trace_event_raw_cgroup.level}]
                ldxw r5, [r6+{trace_event_raw_cgroup.ent.pid}]
                call kfunc record
                mov r0, 0
                exit
                """)), "tp/cgroup/cgroup_mkdir");
        kernel.mkdir("/sys/fs/cgroup/a/bcd");
        assertThat(records()).hasSize(1);
        assertThat(records().get(0)).containsExactly(3, 2, 7, 'b', 1, 0, 1);   // "/a/bcd" + NUL
    }

    @Test
    void firingByHandAndFaultsDoNotFailTheEvent() {
        kernel.mkdir("/sys/fs/cgroup/a");
        kernel.spawn(100, "web", 0, 0, "/sys/fs/cgroup/a");
        Attachment a = kernel.attach(tracing("counter", AttachType.TRACE_RAW_TP, "cgroup_attach_task", ATTACH_TASK_ARGS),
                "tp_btf/cgroup:cgroup_attach_task");
        kernel.cpu(2).fire("cgroup:cgroup_attach_task", "/sys/fs/cgroup/a", 100);
        assertThat(records()).hasSize(1);
        assertThat(records().get(0)).containsExactly(2, 100, 1, 'a', 0, 2, 1);
        a.detach();
        kernel.fire("cgroup_attach_task", "/sys/fs/cgroup/a", 100);
        assertThat(records()).hasSize(1);
        kernel.attach(tracing("bad", AttachType.TRACE_FENTRY, "cgroup_mkdir", """
                ldxdw r0, [r1+800]
                exit
                """), "fentry/cgroup_mkdir");
        kernel.mkdir("/sys/fs/cgroup/b");
        assertThat(kernel.tracing().faults()).hasSize(1);
        assertThat(kernel.tracing().faults().get(0).errno()).isEqualTo(Errno.EFAULT);
        assertThat(kernel.cgroup("/sys/fs/cgroup/b").id()).isEqualTo(3);
    }

    @Test
    void attachChecksPointAndProgramType() {
        LoadedProgram p = tracing("x", AttachType.TRACE_FENTRY, "cgroup_mkdir", "mov r0, 0\nexit");
        assertThatThrownBy(() -> kernel.attach(p, "fentry/do_sys_open"))
                .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
        assertThatThrownBy(() -> kernel.attach(p, "tracepoint/cgroup/cgroup_mkdir"))
                .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThat(AttachPoint.parse("fentry.s/cgroup_mkdir")).isEqualTo(new AttachPoint(AttachPoint.Kind.FENTRY, "cgroup_mkdir"));
        assertThat(kernel.tracing().attached(AttachPoint.parse("fentry/cgroup_mkdir"))).isEqualTo(List.of());
    }
}
