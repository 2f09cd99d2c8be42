package dev.bpfvm.testprogs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.kernel.cgroup.Task;
import dev.bpfvm.kernel.security.Capability;
import dev.bpfvm.kernel.syscall.Bpf;
import dev.bpfvm.kernel.syscall.BpfProcess;
import dev.bpfvm.vm.Errno;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * idea3_acl.o's map and program hooks, verified and run: names are read from the kernel objects
 * (map->name, prog->aux->name, truncated to 15 characters as Linux's), and a denial in the middle
 * of an object load leaves nothing behind.
 */
class Idea3AclTest {
    private final EmulatedKernel kernel = new EmulatedKernel(2);
    private final Bpf bpf = kernel.bpf();
    private final BpfProcess root = bpf.process(EmulatedKernel.INIT_PID);
    private final Bpf.LoadedObject acl = bpf.objectLoad(root, "idea3_acl.o", TestObjects.bytes("idea3_acl.o"));

    private static Errno errno(Runnable r) {
        try {
            r.run();
            return null;
        } catch (KernelException e) {
            return e.errno();
        }
    }

    private static byte[] objKey(int uid, String name) {
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(uid);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        b.put(n, 0, Math.min(15, n.length));
        return b.array();
    }

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    private void protect(int uid, String name, int modes) {
        bpf.mapUpdateElem(root, acl.mapFds().get("obj_acl"), objKey(uid, name), u32(modes), 0);
    }

    private static Bpf.ProgLoad socketFilter(String name) {
        return new Bpf.ProgLoad(name, dev.bpfvm.vm.object.ProgramType.SOCKET_FILTER, dev.bpfvm.vm.object.AttachType.NONE,
                "", false, new dev.bpfvm.vm.exec.Program(name, dev.bpfvm.vm.asm.Assembler.assemble("mov r0, 0\nexit",
                        dev.bpfvm.vm.asm.Assembler.Options.defaults())), null);
    }

    private BpfProcess user(int pid, int uid, Set<Capability> caps) {
        Task t = kernel.spawn(pid, "u" + uid, uid, uid, "/sys/fs/cgroup");
        kernel.privileges().setCaps(t, caps);
        return bpf.process(pid);
    }

    @Test
    void aMapTheAclRefusesFailsTheWholeObjectLoadAndLeavesNothing() {
        bpf.attachAuto(root, acl.progFds().get("map_acl"), Bpf.LinkOpts.NONE);
        // "percpu_attach_counters" is "percpu_attach_c" in map->name
        protect(-1, "percpu_attach_counters", 0);
        BpfProcess carol = user(200, 1000, Set.of(Capability.CAP_BPF, Capability.CAP_PERFMON));
        List<Integer> maps = bpf.mapIds();
        List<Integer> progs = bpf.progIds();
        kernel.actAs(200);
        assertThat(errno(() -> bpf.objectLoad(carol, "cgroup_stats.o", TestObjects.bytes("cgroup_stats.o"))))
                .isEqualTo(Errno.EPERM);
        assertThat(bpf.mapIds()).isEqualTo(maps);
        assertThat(bpf.progIds()).isEqualTo(progs);
        assertThat(carol.fds()).isEmpty();
        // allowed read-write for carol: the same load succeeds
        kernel.actAs(EmulatedKernel.INIT_PID);
        protect(1000, "percpu_attach_counters", 3);
        kernel.actAs(200);
        Bpf.LoadedObject o = bpf.objectLoad(carol, "cgroup_stats.o", TestObjects.bytes("cgroup_stats.o"));
        assertThat(o.mapFds()).containsKeys("percpu_attach_counters", "attach_counters");
        // root is never restricted
        kernel.actAs(EmulatedKernel.INIT_PID);
        bpf.objectLoad(root, "cgroup_stats.o", TestObjects.bytes("cgroup_stats.o"));
    }

    @Test
    void programFdsFollowTheAclByName() {
        bpf.attachAuto(root, acl.progFds().get("prog_acl"), Bpf.LinkOpts.NONE);
        bpf.objPin(root, acl.progFds().get("token_cmd_acl"), "/sys/fs/bpf/tca");
        kernel.chmod("/sys/fs/bpf/tca", 0666);
        // "token_cmd_acl" fits in 15 characters
        protect(-1, "token_cmd_acl", 0);
        protect(1001, "token_cmd_acl", 1);
        BpfProcess carol = user(200, 1000, Set.of());
        BpfProcess dave = user(201, 1001, Set.of());
        kernel.actAs(200);
        assertThat(errno(() -> bpf.objGet(carol, "/sys/fs/bpf/tca"))).isEqualTo(Errno.EPERM);
        kernel.actAs(201);
        assertThat(bpf.objGet(dave, "/sys/fs/bpf/tca")).isEqualTo(3);
        // programs carol loads herself (socket filters need no capability) pass by their names
        kernel.actAs(200);
        assertThat(bpf.progLoad(carol, socketFilter("mine"))).isEqualTo(3);
        assertThat(errno(() -> bpf.progLoad(carol, socketFilter("token_cmd_acl")))).isEqualTo(Errno.EPERM);
        assertThat(carol.fds()).containsExactly(3);
    }
}
