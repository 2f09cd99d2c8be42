package dev.bpfvm.kernel.syscall;

import dev.bpfvm.kernel.Cpus;
import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.kernel.LoadedProgram;
import dev.bpfvm.kernel.iter.CgroupIterOrder;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.spi.ArgType;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.RetType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code bpf_sys_bpf} (#166) and {@code bpf_sys_close} (#168): bpf() commands from a program.
 * Linux offers them to SYSCALL programs only, which run in the caller's process; bpfvm also
 * offers them to sleepable tracing programs (seed Idea II) and runs the command as the process
 * that loaded the program (its fd table and credentials), since the task that caused the event
 * (an unprivileged user's mkdir) holds no fds and no privileges. Commands: OBJ_GET, LINK_CREATE
 * (iterator info read from {@code iter_info}), OBJ_PIN (also into a cgroup directory, as
 * {@code cgroup.bpf_*}). A call from a non-sleepable program faults with EINVAL (the verifier
 * refuses it in Linux); a refused command returns its negative errno.
 */
public final class SysBpf {
    public static final int BPF_FUNC_SYS_BPF = 166;
    public static final int BPF_FUNC_SYS_CLOSE = 168;
    static final int MAX_PATH = 4096;

    private final Bpf bpf;

    private SysBpf(Bpf bpf) {
        this.bpf = bpf;
    }

    static void register(Bpf bpf, EmulatedKernel kernel) {
        SysBpf s = new SysBpf(bpf);
        kernel.runtime().helpers().register(new HelperSpec(BPF_FUNC_SYS_BPF, "bpf_sys_bpf",
                new HelperProto(RetType.INTEGER, List.of(ArgType.ANYTHING, ArgType.PTR_TO_RDONLY_MEM, ArgType.CONST_SIZE), false, true),
                s::sysBpf));
        kernel.runtime().helpers().register(new HelperSpec(BPF_FUNC_SYS_CLOSE, "bpf_sys_close",
                new HelperProto(RetType.INTEGER, List.of(ArgType.ANYTHING), false, true), s::sysClose));
    }

    private BpfProcess caller(ExecContext ctx, String helper) {
        Cpus.Running running = ctx.attachment(Cpus.Running.class);
        if (running == null) {
            throw new BpfException(Errno.EINVAL, helper + " called outside a kernel-run program");
        }
        LoadedProgram lp = running.program();
        if (!lp.sleepable() && lp.type() != ProgramType.SYSCALL) {
            throw new BpfException(Errno.EINVAL, helper + " called from non-sleepable program " + lp.name());
        }
        BpfProcess p = bpf.loader(lp.id());
        if (p == null) {
            throw new BpfException(Errno.EINVAL, helper + ": program " + lp.name() + " was not loaded through bpf()");
        }
        return p;
    }

    private static String string(AddressSpace mem, long addr) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < MAX_PATH; i++) {
            int c = (int) mem.load(addr + i, 1);
            if (c == 0) {
                return b.toString(StandardCharsets.UTF_8);
            }
            b.write(c);
        }
        throw new KernelException(Errno.ENAMETOOLONG, "path longer than " + MAX_PATH);
    }

    long sysBpf(ExecContext ctx, long cmd, long attr, long size, long r4, long r5) {
        BpfProcess p = caller(ctx, "bpf_sys_bpf");
        AddressSpace mem = ctx.memory();
        try {
            switch ((int) cmd) {
                case 7: { // BPF_OBJ_GET: pathname, bpf_fd, file_flags
                    int fileFlags = size >= 16 ? (int) mem.load(attr + 12, 4) : 0;
                    return bpf.objGet(p, string(mem, mem.load(attr, 8)), fileFlags);
                }
                case 6: { // BPF_OBJ_PIN
                    String path = string(mem, mem.load(attr, 8));
                    int fd = (int) mem.load(attr + 8, 4);
                    if (path.startsWith(EmulatedKernel.CGROUP_MOUNT + "/")) {
                        bpf.objPinInCgroup(p, fd, path, path.substring(0, path.lastIndexOf('/')));
                    } else {
                        bpf.objPin(p, fd, path);
                    }
                    return 0;
                }
                case 28: { // BPF_LINK_CREATE: prog_fd, target_fd, attach_type, flags, iter_info, iter_info_len
                    int progFd = (int) mem.load(attr, 4);
                    AttachType at = AttachType.of((int) mem.load(attr + 8, 4));
                    long info = mem.load(attr + 16, 8);
                    long infoLen = mem.load(attr + 24, 4);
                    Bpf.LinkOpts opts = Bpf.LinkOpts.NONE;
                    if (info != 0) {
                        if (infoLen < 16) {
                            return Errno.EINVAL.negative();
                        }
                        // union bpf_iter_link_info.cgroup: order, cgroup_fd, cgroup_id
                        opts = Bpf.LinkOpts.cgroupIter((int) mem.load(info + 4, 4), mem.load(info + 8, 8),
                                CgroupIterOrder.of((int) mem.load(info, 4)));
                    }
                    if (at == null) {
                        return Errno.EINVAL.negative();
                    }
                    return bpf.linkCreate(p, progFd, at, opts);
                }
                default:
                    return Errno.EINVAL.negative();
            }
        } catch (KernelException e) {
            return e.errno().negative();
        } catch (BpfException e) {
            // an unreadable attr, path or iter_info: the copy from the program's memory fails
            return Errno.EFAULT.negative();
        }
    }

    long sysClose(ExecContext ctx, long fd, long r2, long r3, long r4, long r5) {
        BpfProcess p = caller(ctx, "bpf_sys_close");
        try {
            bpf.close(p, (int) fd);
            return 0;
        } catch (KernelException e) {
            return e.errno().negative();
        }
    }
}
