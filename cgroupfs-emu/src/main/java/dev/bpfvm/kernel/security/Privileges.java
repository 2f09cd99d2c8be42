package dev.bpfvm.kernel.security;

import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.kernel.cgroup.Task;
import dev.bpfvm.vm.Errno;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Who may do what: the capability set of each task (effective set; by default uid 0 has all
 * and everyone else none, as after a plain login), its supplementary groups and umask, and the
 * sysctl {@code kernel.unprivileged_bpf_disabled}. One per {@code EmulatedKernel}.
 */
public final class Privileges {
    private final Map<Integer, Set<Capability>> caps = new HashMap<>();
    private final Map<Integer, Set<Integer>> groups = new HashMap<>();
    private final Map<Integer, Integer> umasks = new HashMap<>();
    private volatile int unprivilegedBpfDisabled;

    /** The task's capabilities: as set by {@link #setCaps}, else all for uid 0, none otherwise. */
    public synchronized Set<Capability> caps(Task t) {
        Set<Capability> s = caps.get(t.pid());
        if (s != null) {
            return EnumSet.copyOf(s.isEmpty() ? EnumSet.noneOf(Capability.class) : s);
        }
        return t.uid() == 0 ? EnumSet.allOf(Capability.class) : EnumSet.noneOf(Capability.class);
    }

    public synchronized void setCaps(Task t, Set<Capability> set) {
        caps.put(t.pid(), set.isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(set));
    }

    /** Linux's {@code capable(cap)}: the task holds exactly {@code cap}. */
    public boolean capable(Task t, Capability cap) {
        return caps(t).contains(cap);
    }

    /**
     * Linux's {@code bpf_token_capable(NULL, cap)} (kernel/bpf/token.c, bpf_ns_capable):
     * {@code cap}, or CAP_SYS_ADMIN which stands in for every other BPF-related capability.
     */
    public boolean bpfCapable(Task t, Capability cap) {
        Set<Capability> s = caps(t);
        return s.contains(cap) || (cap != Capability.CAP_SYS_ADMIN && s.contains(Capability.CAP_SYS_ADMIN));
    }

    /** The task's supplementary groups (in_group_p counts them with its gid); none by default. */
    public synchronized Set<Integer> groups(Task t) {
        Set<Integer> g = groups.get(t.pid());
        return g == null ? Set.of() : Set.copyOf(g);
    }

    public synchronized void setGroups(Task t, Set<Integer> gids) {
        groups.put(t.pid(), Set.copyOf(gids));
    }

    /** Whether the task is in group {@code gid}: its own gid or a supplementary group (in_group_p). */
    public boolean inGroup(Task t, int gid) {
        return t.gid() == gid || groups(t).contains(gid);
    }

    /** The task's umask (default 022, as a login shell's). */
    public synchronized int umask(Task t) {
        return umasks.getOrDefault(t.pid(), 022);
    }

    /** umask(2): only the permission bits count ({@code & 0777}). */
    public synchronized void setUmask(Task t, int mask) {
        umasks.put(t.pid(), mask & 0777);
    }

    public int unprivilegedBpfDisabled() {
        return unprivilegedBpfDisabled;
    }

    /**
     * Writes {@code kernel.unprivileged_bpf_disabled} as {@code bpf_unpriv_handler} does: EPERM
     * without CAP_SYS_ADMIN; EINVAL outside 0..2; once 1 (locked) only 1 may be written (EPERM).
     */
    public synchronized void setUnprivilegedBpfDisabled(Task writer, int value) {
        if (!capable(writer, Capability.CAP_SYS_ADMIN)) {
            throw new KernelException(Errno.EPERM, "writing kernel.unprivileged_bpf_disabled needs CAP_SYS_ADMIN");
        }
        if (value < 0 || value > 2) {
            throw new KernelException(Errno.EINVAL, "kernel.unprivileged_bpf_disabled must be 0, 1 or 2, not " + value);
        }
        if (unprivilegedBpfDisabled == 1 && value != 1) {
            throw new KernelException(Errno.EPERM, "kernel.unprivileged_bpf_disabled is 1 (locked until reboot)");
        }
        unprivilegedBpfDisabled = value;
    }
}
