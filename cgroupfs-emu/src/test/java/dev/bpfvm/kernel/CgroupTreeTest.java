package dev.bpfvm.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.kernel.cgroup.Cgroup;
import dev.bpfvm.kernel.cgroup.Task;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.btf.KernelBtf;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.object.AttachType;
import org.junit.jupiter.api.Test;

class CgroupTreeTest extends KernelTesting {
    private final AddressSpace mem = kernel.runtime().memory();

    private static Errno errnoOf(Runnable r) {
        try {
            r.run();
        } catch (KernelException e) {
            return e.errno();
        }
        throw new AssertionError("no error");
    }

    @Test
    void idsStartAtOneAndIncrease() {
        assertThat(kernel.cgroup("/sys/fs/cgroup").id()).isEqualTo(1);
        assertThat(kernel.mkdir("/sys/fs/cgroup/a").id()).isEqualTo(2);
        assertThat(kernel.mkdir("/sys/fs/cgroup/a/b").id()).isEqualTo(3);
        assertThat(kernel.mkdir("/sys/fs/cgroup/c").id()).isEqualTo(4);
        kernel.rmdir("/sys/fs/cgroup/c");
        assertThat(kernel.mkdir("/sys/fs/cgroup/c").id()).isEqualTo(5);
        assertThat(kernel.cgroup("/sys/fs/cgroup/a/b").path()).isEqualTo("/a/b");
        assertThat(kernel.cgroup("/sys/fs/cgroup/a/b").level()).isEqualTo(2);
        assertThat(kernel.read("/sys/fs/cgroup/cgroup.stat")).isEqualTo("nr_descendants 3\nnr_dying_descendants 0\n");
    }

    @Test
    void mkdirAndRmdirErrnosChangeNothing() {
        kernel.mkdir("/sys/fs/cgroup/a");
        kernel.mkdir("/sys/fs/cgroup/a/b");
        kernel.spawn(100, "worker", 1000, 1000, "/sys/fs/cgroup/a/b");
        assertThat(errnoOf(() -> kernel.mkdir("/sys/fs/cgroup/a"))).isEqualTo(Errno.EEXIST);
        assertThat(errnoOf(() -> kernel.mkdir("/sys/fs/cgroup/a/cgroup.procs"))).isEqualTo(Errno.EEXIST);
        assertThat(errnoOf(() -> kernel.mkdir("/sys/fs/cgroup/x/y"))).isEqualTo(Errno.ENOENT);
        assertThat(errnoOf(() -> kernel.mkdir("/sys/fs/cgroup/" + "n".repeat(256)))).isEqualTo(Errno.ENAMETOOLONG);
        assertThat(errnoOf(() -> kernel.mkdir("/tmp/a"))).isEqualTo(Errno.ENOENT);
        assertThat(errnoOf(() -> kernel.rmdir("/sys/fs/cgroup/a"))).isEqualTo(Errno.EBUSY);
        assertThat(errnoOf(() -> kernel.rmdir("/sys/fs/cgroup/a/b"))).isEqualTo(Errno.EBUSY);
        assertThat(errnoOf(() -> kernel.rmdir("/sys/fs/cgroup/nope"))).isEqualTo(Errno.ENOENT);
        assertThat(errnoOf(() -> kernel.rmdir("/sys/fs/cgroup"))).isEqualTo(Errno.EBUSY);
        assertThat(kernel.cgroups().size()).isEqualTo(3);
        assertThat(kernel.mkdir("/sys/fs/cgroup/d").id()).isEqualTo(4);
        // move the task out, then b and a can go
        kernel.write("/sys/fs/cgroup/cgroup.procs", "100\n");
        kernel.rmdir("/sys/fs/cgroup/a/b");
        kernel.rmdir("/sys/fs/cgroup/a");
        assertThat(kernel.cgroups().size()).isEqualTo(2);
    }

    @Test
    void cgroupProcsMigratesTheThreadGroup() {
        kernel.mkdir("/sys/fs/cgroup/a");
        kernel.mkdir("/sys/fs/cgroup/b");
        kernel.spawn(100, "web", 1000, 100, "/sys/fs/cgroup/a");
        kernel.cgroups().spawn(101, 100, 1000, 100, "web-worker", kernel.cgroup("/sys/fs/cgroup/a"));
        kernel.spawn(200, "db", 0, 0, "/sys/fs/cgroup/a");
        assertThat(kernel.read("/sys/fs/cgroup/a/cgroup.procs")).isEqualTo("100\n200\n");
        assertThat(kernel.read("/sys/fs/cgroup/a/cgroup.threads")).isEqualTo("100\n101\n200\n");
        kernel.write("/sys/fs/cgroup/b/cgroup.procs", "101");
        assertThat(kernel.read("/sys/fs/cgroup/a/cgroup.procs")).isEqualTo("200\n");
        assertThat(kernel.read("/sys/fs/cgroup/b/cgroup.threads")).isEqualTo("100\n101\n");
        kernel.write("/sys/fs/cgroup/a/cgroup.threads", "101");
        assertThat(kernel.read("/sys/fs/cgroup/b/cgroup.threads")).isEqualTo("100\n");
        assertThat(kernel.read("/sys/fs/cgroup/b/cgroup.events")).isEqualTo("populated 1\nfrozen 0\n");
        assertThat(errnoOf(() -> kernel.write("/sys/fs/cgroup/b/cgroup.procs", "999"))).isEqualTo(Errno.ESRCH);
        assertThat(errnoOf(() -> kernel.write("/sys/fs/cgroup/b/cgroup.procs", "x"))).isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> kernel.read("/sys/fs/cgroup/b/nope"))).isEqualTo(Errno.ENOENT);
        assertThat(errnoOf(() -> kernel.spawn(100, "dup", 0, 0, "/sys/fs/cgroup"))).isEqualTo(Errno.EEXIST);
        Task t = kernel.task(100);
        assertThat(t.cgroupId()).isEqualTo(3);
        assertThat(t.cgroupLevel()).isEqualTo(1);
        assertThat(t.cgroupAncestorId(0)).isEqualTo(1);
        assertThat(t.cgroupAncestorId(1)).isEqualTo(3);
    }

    @Test
    void kernelObjectsAreLaidOutByTheKernelBtf() {
        kernel.mkdir("/sys/fs/cgroup/a");
        Cgroup b = kernel.mkdir("/sys/fs/cgroup/a/b");
        Task t = kernel.spawn(42, "a-very-long-command-name", 7, 8, "/sys/fs/cgroup/a/b");
        long cg = b.address();
        long kn = mem.load(cg + KernelBtf.offsetOf("cgroup", "kn"), 8);
        assertThat(mem.load(kn + KernelBtf.offsetOf("kernfs_node", "id"), 8)).isEqualTo(3);
        long name = mem.load(kn + KernelBtf.offsetOf("kernfs_node", "name"), 8);
        assertThat(new String(mem.read(name, 2))).isEqualTo("b\0");
        long parentKn = mem.load(kn + KernelBtf.offsetOf("kernfs_node", "parent"), 8);
        assertThat(mem.load(parentKn + KernelBtf.offsetOf("kernfs_node", "id"), 8)).isEqualTo(2);
        long parentCss = mem.load(cg + KernelBtf.offsetOf("cgroup", "self.parent"), 8);
        long parentCg = mem.load(parentCss + KernelBtf.offsetOf("cgroup_subsys_state", "cgroup"), 8);
        assertThat(parentCg).isEqualTo(kernel.cgroup("/sys/fs/cgroup/a").address());
        assertThat(mem.load(cg + KernelBtf.offsetOf("cgroup", "level"), 4)).isEqualTo(2);
        long anc = cg + KernelBtf.offsetOf("cgroup", "ancestors");
        assertThat(mem.load(anc, 8)).isEqualTo(kernel.cgroups().root().address());
        assertThat(mem.load(anc + 16, 8)).isEqualTo(cg);
        long task = t.address();
        assertThat(mem.load(task + KernelBtf.offsetOf("task_struct", "pid"), 4)).isEqualTo(42);
        assertThat(new String(mem.read(task + KernelBtf.offsetOf("task_struct", "comm"), 16))).isEqualTo("a-very-long-com\0");
        long cset = mem.load(task + KernelBtf.offsetOf("task_struct", "cgroups"), 8);
        assertThat(mem.load(cset + KernelBtf.offsetOf("css_set", "dfl_cgrp"), 8)).isEqualTo(cg);
        long cred = mem.load(task + KernelBtf.offsetOf("task_struct", "cred"), 8);
        assertThat(mem.load(cred + KernelBtf.offsetOf("cred", "uid"), 4)).isEqualTo(7);
        assertThat(mem.load(cred + KernelBtf.offsetOf("cred", "gid"), 4)).isEqualTo(8);
    }

    @Test
    void aProgramFollowsTaskCgroupsDflCgrpKnId() {
        kernel.mkdir("/sys/fs/cgroup/a");
        kernel.spawn(42, "x", 0, 0, "/sys/fs/cgroup/a");
        LoadedProgram p = tracing("walk", AttachType.TRACE_FENTRY, "cgroup_mkdir", """
                call bpf_get_current_task_btf
                ldxdw r1, [r0+{task_struct.cgroups}]
                ldxdw r1, [r1+{css_set.dfl_cgrp}]
                ldxdw r1, [r1+{cgroup.kn}]
                ldxdw r1, [r1+{kernfs_node.id}]
                ldxw r2, [r0+{task_struct.pid}]
                call kfunc record
                mov r0, 0
                exit
                """);
        kernel.cpus().run(2, kernel.task(42), p, 0);
        assertThat(records()).hasSize(1);
        assertThat(records().get(0)).startsWith(2, 42, 0, 0, 0, 2, 42);
    }

    @Test
    void removedCgroupIsFreedWhenTheLastReferenceGoes() {
        Cgroup a = kernel.mkdir("/sys/fs/cgroup/a");
        Cgroup b = kernel.mkdir("/sys/fs/cgroup/b");
        long addr = a.address();
        assertThat(a.tryAcquire()).isTrue();   // a program's reference
        kernel.rmdir("/sys/fs/cgroup/a");
        assertThat(a.online()).isFalse();
        assertThat(mem.regionAt(addr)).isNotNull();
        assertThat(kernel.cgroups().byId(2)).isSameAs(a);
        a.release();
        assertThat(a.freed()).isTrue();
        assertThat(mem.regionAt(addr)).isNull();
        assertThat(a.tryAcquire()).isFalse();
        assertThat(kernel.cgroups().byId(2)).isNull();
        kernel.rmdir("/sys/fs/cgroup/b");
        assertThat(b.freed()).isTrue();
    }

    @Test
    void fileSecurityHookSeesActorOpAndPath() {
        java.util.List<String> seen = new java.util.ArrayList<>();
        kernel.spawn(500, "user", 1000, 1000, "/sys/fs/cgroup");
        kernel.fileSecurity((actor, op, path) -> {
            seen.add(actor.uid() + " " + op + " " + path);
            if (actor.uid() != 0 && op.equals("mkdir")) {
                throw new KernelException(Errno.EACCES, "uid " + actor.uid() + " may not create " + path);
            }
        });
        kernel.mkdir("/sys/fs/cgroup/a");
        kernel.actAs(500);
        assertThat(errnoOf(() -> kernel.mkdir("/sys/fs/cgroup/b"))).isEqualTo(Errno.EACCES);
        assertThat(kernel.read("/sys/fs/cgroup/a/cgroup.procs")).isEqualTo("");
        assertThat(seen).containsExactly("0 mkdir /sys/fs/cgroup/a", "1000 mkdir /sys/fs/cgroup/b",
                "1000 read /sys/fs/cgroup/a/cgroup.procs");
        assertThat(kernel.cgroups().size()).isEqualTo(2);
    }
}
