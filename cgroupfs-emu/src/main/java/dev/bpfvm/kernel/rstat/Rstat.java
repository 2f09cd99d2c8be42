package dev.bpfvm.kernel.rstat;

import dev.bpfvm.kernel.Cpus;
import dev.bpfvm.kernel.cgroup.Cgroup;
import dev.bpfvm.kernel.cgroup.Task;
import dev.bpfvm.kernel.trace.Tracing;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.btf.KernelBtf;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.ArgType;
import dev.bpfvm.vm.spi.KfuncRegistry;
import dev.bpfvm.vm.spi.KfuncSpec;
import dev.bpfvm.vm.spi.RetType;
import dev.bpfvm.vm.spi.TaskView;
import java.util.ArrayList;
import java.util.List;

/**
 * cgroup rstat: per-CPU "updated" trees, as Linux's {@code cgroup_rstat_updated} and
 * {@code cgroup_rstat_flush} keep them. Marking a cgroup updated on a CPU links it (and each
 * ancestor not yet linked) into its parent's per-CPU list of updated children; a flush of a
 * cgroup pops, per CPU, the updated subtree under it, children before parents, calls the
 * {@code fentry/bpf_rstat_flush(cgrp, parent, cpu)} programs for each cgroup popped, and
 * leaves the marks cleared. Work is proportional to the updated cgroups, never to the tree.
 *
 * <p>The per-CPU links live in a small node made on a cgroup's first update.
 */
public final class Rstat {
    /** A cgroup's per-CPU links: {@code next} in its parent's list (the parent ends a list; the root points at itself), and the head of its own list. */
    static final class Node {
        final Cgroup[] next;
        final Cgroup[] children;

        Node(int cpus) {
            next = new Cgroup[cpus];
            children = new Cgroup[cpus];
        }
    }

    /**
     * A subsystem's per-cgroup flush, as Linux's {@code css_rstat_flush} callbacks: called for
     * each popped cgroup, children before parents, once per CPU it was updated on.
     */
    public interface Flusher {
        void flush(Cgroup cgrp, Cgroup parent, int cpu);
    }

    private final int cpus;
    private final Tracing tracing;
    private final List<Flusher> flushers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private long flushed;

    public Rstat(int cpus, Tracing tracing) {
        this.cpus = cpus;
        this.tracing = tracing;
    }

    private Node node(Cgroup c) {
        Object n = c.rstatNode();
        if (n == null) {
            n = new Node(cpus);
            c.rstatNode(n);
        }
        return (Node) n;
    }

    /** {@code cgroup_rstat_updated(cgrp, cpu)}: marks {@code cgrp} updated on {@code cpu}. */
    public synchronized void updated(Cgroup cgrp, int cpu) {
        if (cpu < 0 || cpu >= cpus) {
            return;
        }
        for (Cgroup c = cgrp; ; ) {
            Node n = node(c);
            if (n.next[cpu] != null) {
                return;
            }
            Cgroup p = c.parent();
            if (p == null) {
                n.next[cpu] = c;
                return;
            }
            Node pn = node(p);
            n.next[cpu] = pn.children[cpu] == null ? p : pn.children[cpu];
            pn.children[cpu] = c;
            c = p;
        }
    }

    /** Adds a flush callback run by every later flush. */
    public void addFlusher(Flusher f) {
        flushers.add(f);
    }

    /** Removes a flush callback (a closed map's). */
    public void removeFlusher(Flusher f) {
        flushers.remove(f);
    }

    /** Whether {@code c} is marked updated on {@code cpu}. */
    public synchronized boolean isUpdated(Cgroup c, int cpu) {
        Object n = c.rstatNode();
        return n != null && ((Node) n).next[cpu] != null;
    }

    /** Cgroups visited by flushes so far (for tests and benchmarks). */
    public synchronized long flushedCount() {
        return flushed;
    }

    /**
     * The updated subtree under {@code root} on {@code cpu}, children first, removed from the
     * updated lists ({@code cgroup_rstat_updated_list}).
     */
    synchronized List<Cgroup> pop(Cgroup root, int cpu) {
        List<Cgroup> out = new ArrayList<>();
        Object o = root.rstatNode();
        if (o == null || ((Node) o).next[cpu] == null) {
            return out;
        }
        Cgroup p = root.parent();
        Node rn = (Node) o;
        if (p != null) {
            // unlink root from its parent's list
            Node pn = node(p);
            Cgroup prev = null;
            for (Cgroup c = pn.children[cpu]; c != p && c != null; c = node(c).next[cpu]) {
                if (c == root) {
                    Cgroup after = rn.next[cpu];
                    if (prev == null) {
                        pn.children[cpu] = after == p ? null : after;
                    } else {
                        node(prev).next[cpu] = after;
                    }
                    break;
                }
                prev = c;
            }
        }
        collect(root, cpu, out);
        return out;
    }

    private void collect(Cgroup c, int cpu, List<Cgroup> out) {
        Node n = node(c);
        Cgroup child = n.children[cpu];
        n.children[cpu] = null;
        while (child != null && child != c) {
            Node cn = node(child);
            Cgroup next = cn.next[cpu];
            collect(child, cpu, out);
            child = next;
        }
        n.next[cpu] = null;
        out.add(c);
    }

    /**
     * {@code cgroup_rstat_flush(cgrp)}: for every CPU, pops the updated subtree under
     * {@code cgrp} and runs the {@code bpf_rstat_flush} programs for each cgroup in it,
     * children first; they run on {@code runCpu} with {@code task} current.
     */
    public void flush(Cgroup cgrp, int runCpu, Task task) {
        for (int cpu = 0; cpu < cpus; cpu++) {
            List<Cgroup> list;
            synchronized (this) {
                list = pop(cgrp, cpu);
                flushed += list.size();
            }
            for (Flusher f : flushers) {
                for (Cgroup c : list) {
                    f.flush(c, c.parent(), cpu);
                }
            }
            tracing.rstatFlush(runCpu, task, list, cpu);
        }
    }

    // ---------------------------------------------------------------- kfuncs

    /** Registers {@code cgroup_rstat_updated/flush} and {@code css_rstat_updated/flush} with the kernel BTF's ids. */
    public void registerKfuncs(KfuncRegistry r) {
        HelperProto updatedProto = new HelperProto(RetType.VOID, List.of(ArgType.PTR_TO_BTF_ID, ArgType.ANYTHING), false, false);
        HelperProto flushProto = new HelperProto(RetType.VOID, List.of(ArgType.PTR_TO_BTF_ID), false, true);
        r.register(new KfuncSpec("cgroup_rstat_updated", KernelBtf.funcId("cgroup_rstat_updated"), 0, updatedProto,
                (ctx, a, b, c, d, e) -> kfuncUpdated(ctx, a, b, "cgroup_rstat_updated")));
        r.register(new KfuncSpec("css_rstat_updated", KernelBtf.funcId("css_rstat_updated"), 0, updatedProto,
                (ctx, a, b, c, d, e) -> kfuncUpdated(ctx, a, b, "css_rstat_updated")));
        r.register(new KfuncSpec("cgroup_rstat_flush", KernelBtf.funcId("cgroup_rstat_flush"), KfuncSpec.KF_SLEEPABLE,
                flushProto, (ctx, a, b, c, d, e) -> kfuncFlush(ctx, a, "cgroup_rstat_flush")));
        r.register(new KfuncSpec("css_rstat_flush", KernelBtf.funcId("css_rstat_flush"), KfuncSpec.KF_SLEEPABLE,
                flushProto, (ctx, a, b, c, d, e) -> kfuncFlush(ctx, a, "css_rstat_flush")));
    }

    private static Cgroup cgroupAt(ExecContext ctx, long addr, String kfunc) {
        Region r = ctx.memory().regionAt(addr);
        if (r == null || !(r.owner() instanceof Cgroup c) || addr != c.address()) {
            throw new BpfException(Errno.EFAULT, kfunc + ": 0x" + Long.toHexString(addr) + " is not a cgroup");
        }
        return c;
    }

    private long kfuncUpdated(ExecContext ctx, long cgrp, long cpu, String name) {
        updated(cgroupAt(ctx, cgrp, name), (int) cpu);
        return 0;
    }

    private long kfuncFlush(ExecContext ctx, long cgrp, String name) {
        Cpus.Running running = ctx.attachment(Cpus.Running.class);
        if (running != null && !running.program().sleepable()) {
            throw new BpfException(Errno.EINVAL, "sleepable kfunc " + name + " called from non-sleepable program "
                    + running.program().name());
        }
        Cgroup c = cgroupAt(ctx, cgrp, name);
        TaskView t = ctx.attachment(TaskView.class);
        flush(c, ctx.cpu(), t instanceof Task task ? task : null);
        return 0;
    }
}
