package dev.bpfvm.kernel;

import static dev.bpfvm.kernel.KernelTesting.errno;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.kernel.syscall.Bpf;
import dev.bpfvm.kernel.syscall.BpfProcess;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.asm.Assembler;
import dev.bpfvm.vm.btf.BtfBuilder;
import dev.bpfvm.vm.btf.BtfType;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import org.junit.jupiter.api.Test;

/** BPF_PROG_ATTACH / PROG_DETACH / PROG_QUERY on cgroups (kernel/bpf/cgroup.c's rules) and BPF_BTF_LOAD. */
class CgroupAttachAndBtfLoadTest {
    private final EmulatedKernel kernel = new EmulatedKernel(2);
    private final Bpf bpf = kernel.bpf();
    private final BpfProcess p = bpf.process(EmulatedKernel.INIT_PID);

    private int prog(ProgramType t, AttachType at) {
        return bpf.progLoad(p, new Bpf.ProgLoad("p", t, at, "", false,
                new Program("p", Assembler.assemble("mov r0, 1\nexit", Assembler.Options.defaults())), null));
    }

    private int id(int fd) {
        return bpf.objGetInfoByFd(p, fd).id();
    }

    @Test
    void singleOverrideAndMultiAttachAsCgroupBpf() {
        kernel.mkdir("/sys/fs/cgroup/a");
        kernel.mkdir("/sys/fs/cgroup/a/b");
        int a = bpf.openCgroup(p, "/sys/fs/cgroup/a");
        int b = bpf.openCgroup(p, "/sys/fs/cgroup/a/b");
        int s1 = prog(ProgramType.CGROUP_SKB, AttachType.NONE);
        int s2 = prog(ProgramType.CGROUP_SKB, AttachType.NONE);
        AttachType in = AttachType.CGROUP_INET_INGRESS;
        bpf.progAttach(p, a, s1, in, 0);
        // without flags a second attach replaces the first
        bpf.progAttach(p, a, s2, in, 0);
        assertThat(bpf.progQuery(p, a, in)).containsExactly(0, id(s2));
        // a program attached without BPF_F_ALLOW_OVERRIDE forbids attaching below it
        assertThat(errno(() -> bpf.progAttach(p, b, s1, in, 0))).isEqualTo(Errno.EPERM);
        // other flags than those in use on the cgroup: EPERM
        assertThat(errno(() -> bpf.progAttach(p, a, s1, in, Bpf.BPF_F_ALLOW_MULTI))).isEqualTo(Errno.EPERM);
        bpf.progDetach(p, a, 0, in);
        assertThat(errno(() -> bpf.progDetach(p, a, 0, in))).isEqualTo(Errno.ENOENT);
        bpf.progAttach(p, a, s1, in, Bpf.BPF_F_ALLOW_OVERRIDE);
        bpf.progAttach(p, b, s2, in, 0);
        assertThat(bpf.progQuery(p, b, in)).containsExactly(0, id(s2));
        // multi lists: each program once, detach names the program
        AttachType out = AttachType.CGROUP_INET_EGRESS;
        bpf.progAttach(p, a, s1, out, Bpf.BPF_F_ALLOW_MULTI);
        bpf.progAttach(p, a, s2, out, Bpf.BPF_F_ALLOW_MULTI);
        assertThat(errno(() -> bpf.progAttach(p, a, s2, out, Bpf.BPF_F_ALLOW_MULTI))).isEqualTo(Errno.EEXIST);
        assertThat(bpf.progQuery(p, a, out)).containsExactly(Bpf.BPF_F_ALLOW_MULTI, id(s1), id(s2));
        bpf.progAttach(p, b, s1, out, Bpf.BPF_F_ALLOW_MULTI);
        assertThat(errno(() -> bpf.progDetach(p, a, 0, out))).isEqualTo(Errno.EINVAL);
        bpf.progDetach(p, a, s1, out);
        assertThat(errno(() -> bpf.progDetach(p, a, s1, out))).isEqualTo(Errno.ENOENT);
        assertThat(bpf.progQuery(p, a, out)).containsExactly(Bpf.BPF_F_ALLOW_MULTI, id(s2));
    }

    @Test
    void wrongTypesAndFlagsAreEinvalAndRmdirReleasesThePrograms() {
        kernel.mkdir("/sys/fs/cgroup/a");
        int a = bpf.openCgroup(p, "/sys/fs/cgroup/a");
        int skb = prog(ProgramType.CGROUP_SKB, AttachType.NONE);
        int sock = prog(ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE);
        assertThat(errno(() -> bpf.progAttach(p, a, skb, AttachType.XDP, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> bpf.progAttach(p, a, skb, AttachType.CGROUP_INET_SOCK_CREATE, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> bpf.progAttach(p, a, sock, AttachType.CGROUP_INET_SOCK_RELEASE, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> bpf.progAttach(p, a, skb, AttachType.CGROUP_INET_INGRESS, 4))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> bpf.progAttach(p, skb, skb, AttachType.CGROUP_INET_INGRESS, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> bpf.progAttach(p, a, 99, AttachType.CGROUP_INET_INGRESS, 0))).isEqualTo(Errno.EBADF);
        bpf.progAttach(p, a, sock, AttachType.CGROUP_INET_SOCK_CREATE, 0);
        int sockId = id(sock);
        bpf.close(p, sock);
        assertThat(bpf.progIds()).contains(sockId);
        bpf.close(p, a);
        kernel.rmdir("/sys/fs/cgroup/a");
        assertThat(bpf.progIds()).doesNotContain(sockId).contains(id(skb));
    }

    @Test
    void btfLoadParsesAndValidatesTheBlob() {
        BtfBuilder b = new BtfBuilder("t");
        int i = b.add(new BtfType.Int("int", 4, BtfType.Int.SIGNED, 0, 32));
        b.add(new BtfType.Ptr(i));
        int fd = bpf.btfLoad(p, b.build().encode());
        assertThat(bpf.btf(p, fd).types()).hasSize(3);
        assertThat(bpf.btfIds()).containsExactly(1);
        assertThat(errno(() -> bpf.btfLoad(p, new byte[] {1, 2, 3}))).isEqualTo(Errno.EINVAL);
        bpf.close(p, fd);
        assertThat(bpf.btfIds()).isEmpty();
    }
}
