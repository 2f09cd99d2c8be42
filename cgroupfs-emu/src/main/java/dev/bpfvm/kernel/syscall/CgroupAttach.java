package dev.bpfvm.kernel.syscall;

import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.kernel.cgroup.Cgroup;
import dev.bpfvm.kernel.syscall.Objects.ProgObject;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The programs attached to cgroups with BPF_PROG_ATTACH (kernel/bpf/cgroup.c's
 * {@code cgroup->bpf.progs[atype]} and {@code flags[atype]}): per cgroup and attach type a list
 * and its flags (0, BPF_F_ALLOW_OVERRIDE, BPF_F_ALLOW_MULTI). Bookkeeping only: the emulated
 * kernel has no sockets, devices or sysctls, so these programs never run.
 */
final class CgroupAttach {
    static final int BPF_F_ALLOW_OVERRIDE = 1;
    static final int BPF_F_ALLOW_MULTI = 2;
    static final int BPF_F_REPLACE = 4;
    /** BPF_CGROUP_MAX_PROGS. */
    static final int MAX_PROGS = 64;

    private record Slot(List<ProgObject> progs, int[] flags) {}

    private final Map<Cgroup, Map<AttachType, Slot>> attached = new IdentityHashMap<>();

    /** attach_type_to_prog_type for the cgroup attach types; null for the others. */
    static ProgramType progTypeOf(AttachType at) {
        switch (at) {
            case CGROUP_INET_INGRESS: case CGROUP_INET_EGRESS:
                return ProgramType.CGROUP_SKB;
            case CGROUP_INET_SOCK_CREATE: case CGROUP_INET_SOCK_RELEASE: case CGROUP_INET4_POST_BIND:
            case CGROUP_INET6_POST_BIND:
                return ProgramType.CGROUP_SOCK;
            case CGROUP_INET4_BIND: case CGROUP_INET6_BIND: case CGROUP_INET4_CONNECT: case CGROUP_INET6_CONNECT:
            case CGROUP_UNIX_CONNECT: case CGROUP_INET4_GETPEERNAME: case CGROUP_INET6_GETPEERNAME:
            case CGROUP_UNIX_GETPEERNAME: case CGROUP_INET4_GETSOCKNAME: case CGROUP_INET6_GETSOCKNAME:
            case CGROUP_UNIX_GETSOCKNAME: case CGROUP_UDP4_SENDMSG: case CGROUP_UDP6_SENDMSG:
            case CGROUP_UNIX_SENDMSG: case CGROUP_UDP4_RECVMSG: case CGROUP_UDP6_RECVMSG: case CGROUP_UNIX_RECVMSG:
                return ProgramType.CGROUP_SOCK_ADDR;
            case CGROUP_SOCK_OPS:
                return ProgramType.SOCK_OPS;
            case CGROUP_DEVICE:
                return ProgramType.CGROUP_DEVICE;
            case CGROUP_SYSCTL:
                return ProgramType.CGROUP_SYSCTL;
            case CGROUP_GETSOCKOPT: case CGROUP_SETSOCKOPT:
                return ProgramType.CGROUP_SOCKOPT;
            case LSM_CGROUP:
                return ProgramType.LSM;
            default:
                return null;
        }
    }

    private static int count(Cgroup c, Map<Cgroup, Map<AttachType, Slot>> m, AttachType at) {
        Map<AttachType, Slot> s = m.get(c);
        Slot slot = s == null ? null : s.get(at);
        return slot == null ? 0 : slot.progs().size();
    }

    private int flags(Cgroup c, AttachType at) {
        Map<AttachType, Slot> s = attached.get(c);
        Slot slot = s == null ? null : s.get(at);
        return slot == null ? 0 : slot.flags()[0];
    }

    /** hierarchy_allows_attach: the nearest ancestor with a program must allow override or multi. */
    private boolean hierarchyAllows(Cgroup c, AttachType at) {
        for (Cgroup p = c.parent(); p != null; p = p.parent()) {
            int f = flags(p, at);
            if ((f & BPF_F_ALLOW_MULTI) != 0) {
                return true;
            }
            if (count(p, attached, at) == 1) {
                return (f & BPF_F_ALLOW_OVERRIDE) != 0;
            }
        }
        return true;
    }

    /**
     * __cgroup_bpf_attach without links and BPF_F_REPLACE: EPERM when an ancestor's program does
     * not allow overriding, or the cgroup's programs of this type were attached with other
     * flags; EEXIST for a program already in a multi list; E2BIG past 64. Without ALLOW_MULTI
     * the program replaces the one attached. Returns the replaced program (to release) or null;
     * takes no reference itself (the caller's becomes the list's).
     */
    synchronized ProgObject attach(Cgroup c, AttachType at, ProgObject prog, int flags) {
        if (!hierarchyAllows(c, at)) {
            throw new KernelException(Errno.EPERM, "an ancestor of " + c.path() + " has a " + at.kernelName()
                    + " program that does not allow overriding");
        }
        Map<AttachType, Slot> s = attached.computeIfAbsent(c, k -> new HashMap<>());
        Slot slot = s.get(at);
        if (slot != null && !slot.progs().isEmpty() && slot.flags()[0] != flags) {
            throw new KernelException(Errno.EPERM, c.path() + " has " + at.kernelName() + " programs attached with flags "
                    + slot.flags()[0] + ", not " + flags);
        }
        if (slot == null) {
            slot = new Slot(new ArrayList<>(), new int[1]);
            s.put(at, slot);
        }
        ProgObject old = null;
        if ((flags & BPF_F_ALLOW_MULTI) != 0) {
            if (slot.progs().contains(prog)) {
                throw new KernelException(Errno.EEXIST, "program " + prog.id() + " is already attached to " + c.path());
            }
            if (slot.progs().size() >= MAX_PROGS) {
                throw new KernelException(Errno.E2BIG, c.path() + " has " + MAX_PROGS + " " + at.kernelName() + " programs");
            }
            slot.progs().add(prog);
        } else if (slot.progs().isEmpty()) {
            slot.progs().add(prog);
        } else {
            old = slot.progs().set(0, prog);
        }
        slot.flags()[0] = flags;
        return old;
    }

    /**
     * cgroup_bpf_detach: ENOENT when nothing (or not {@code prog}) is attached; in a multi list
     * the program must be named (EINVAL). Returns the detached program (to release).
     */
    synchronized ProgObject detach(Cgroup c, AttachType at, ProgObject prog) {
        Map<AttachType, Slot> s = attached.get(c);
        Slot slot = s == null ? null : s.get(at);
        if (slot == null || slot.progs().isEmpty()) {
            throw new KernelException(Errno.ENOENT, "no " + at.kernelName() + " program attached to " + c.path());
        }
        ProgObject found;
        if ((slot.flags()[0] & BPF_F_ALLOW_MULTI) != 0) {
            if (prog == null) {
                throw new KernelException(Errno.EINVAL, c.path() + " has multi-attached " + at.kernelName()
                        + " programs: name the one to detach");
            }
            if (!slot.progs().contains(prog)) {
                throw new KernelException(Errno.ENOENT, "program " + prog.id() + " is not attached to " + c.path());
            }
            found = prog;
        } else {
            found = slot.progs().get(0);
            if (prog != null && prog != found) {
                throw new KernelException(Errno.ENOENT, "program " + prog.id() + " is not attached to " + c.path());
            }
        }
        slot.progs().remove(found);
        if (slot.progs().isEmpty()) {
            slot.flags()[0] = 0;
        }
        return found;
    }

    /** BPF_PROG_QUERY's answer: the flags and the ids of the programs attached to the cgroup itself. */
    synchronized int[] query(Cgroup c, AttachType at) {
        Map<AttachType, Slot> s = attached.get(c);
        Slot slot = s == null ? null : s.get(at);
        if (slot == null) {
            return new int[] {0};
        }
        int[] out = new int[slot.progs().size() + 1];
        out[0] = slot.flags()[0];
        for (int i = 0; i < slot.progs().size(); i++) {
            out[i + 1] = slot.progs().get(i).id();
        }
        return out;
    }

    /** Drops everything attached to a removed cgroup; returns the programs to release. */
    synchronized List<ProgObject> removed(Cgroup c) {
        Map<AttachType, Slot> s = attached.remove(c);
        List<ProgObject> out = new ArrayList<>();
        if (s != null) {
            for (Slot slot : s.values()) {
                out.addAll(slot.progs());
            }
        }
        return out;
    }
}
