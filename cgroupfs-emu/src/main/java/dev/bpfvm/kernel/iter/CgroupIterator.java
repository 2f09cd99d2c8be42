package dev.bpfvm.kernel.iter;

import dev.bpfvm.kernel.Cpus;
import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.kernel.LoadedProgram;
import dev.bpfvm.kernel.cgroup.Cgroup;
import dev.bpfvm.kernel.cgroup.Task;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.btf.KernelBtf;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * A cgroup iterator link ({@code iter/cgroup} with a start cgroup and an order). Each
 * {@link #open} is a new seq_file session whose reads run the program once per cgroup with a
 * {@code struct bpf_iter__cgroup} context, then once with {@code cgroup == NULL}. A program
 * returning non-zero ends the walk after that cgroup. As in Linux, the walk cannot continue
 * across reads: a walk cut short by a full buffer makes the next read fail with EOPNOTSUPP.
 * The link holds a reference on its start cgroup.
 */
public final class CgroupIterator {
    private static final AtomicLong SESSIONS = new AtomicLong();
    private static final int CTX_META = KernelBtf.offsetOf("bpf_iter__cgroup", "meta");
    private static final int CTX_CGROUP = KernelBtf.offsetOf("bpf_iter__cgroup", "cgroup");
    private static final int CTX_SIZE = KernelBtf.sizeOf("bpf_iter__cgroup");
    private static final int META_SEQ = KernelBtf.offsetOf("bpf_iter_meta", "seq");
    private static final int META_SESSION = KernelBtf.offsetOf("bpf_iter_meta", "session_id");
    private static final int META_SEQ_NUM = KernelBtf.offsetOf("bpf_iter_meta", "seq_num");
    private static final int META_SIZE = KernelBtf.sizeOf("bpf_iter_meta");

    private final AddressSpace memory;
    private final Cpus cpus;
    private final IntSupplier cpu;
    private final Supplier<Task> current;
    private final LoadedProgram program;
    private final Cgroup start;
    private final CgroupIterOrder order;
    private boolean released;

    public CgroupIterator(AddressSpace memory, Cpus cpus, IntSupplier cpu, Supplier<Task> current,
                          LoadedProgram program, Cgroup start, CgroupIterOrder order) {
        if (order == CgroupIterOrder.UNSPEC) {
            order = CgroupIterOrder.DESCENDANTS_PRE;
        }
        if (!start.tryAcquire()) {
            throw new KernelException(Errno.ENOENT, start + " is gone");
        }
        this.memory = memory;
        this.cpus = cpus;
        this.cpu = cpu;
        this.current = current;
        this.program = program;
        this.start = start;
        this.order = order;
    }

    public LoadedProgram program() {
        return program;
    }

    public Cgroup start() {
        return start;
    }

    public CgroupIterOrder order() {
        return order;
    }

    /** Drops the link's reference on its cgroup; idempotent. */
    public synchronized void release() {
        if (!released) {
            released = true;
            start.release();
        }
    }

    /** The cgroups a walk visits, in order (live ones only). */
    public List<Cgroup> walk() {
        List<Cgroup> out = new ArrayList<>();
        switch (order) {
            case SELF_ONLY:
                out.add(start);
                break;
            case ANCESTORS_UP:
                for (Cgroup c = start; c != null; c = c.parent()) {
                    out.add(c);
                }
                break;
            case DESCENDANTS_POST:
                post(start, out);
                break;
            default:
                pre(start, out);
        }
        return out;
    }

    private static void pre(Cgroup c, List<Cgroup> out) {
        out.add(c);
        for (Cgroup ch : c.children()) {
            pre(ch, out);
        }
    }

    private static void post(Cgroup c, List<Cgroup> out) {
        for (Cgroup ch : c.children()) {
            post(ch, out);
        }
        out.add(c);
    }

    /** A new reading session (the file an ITER_CREATE fd or a pinned link's open gives). */
    public SeqFile open() {
        synchronized (this) {
            if (released) {
                throw new KernelException(Errno.ENOENT, "the iterator link is gone");
            }
        }
        return new SeqFile(memory, new Walk(), SESSIONS.incrementAndGet());
    }

    /** Opens, reads to the end as {@code cat} does, closes: the output. */
    public byte[] cat() {
        try (SeqFile f = open()) {
            return f.readAll(SeqFile.CAT_READ_SIZE);
        }
    }

    private final class Walk implements SeqFile.Source {
        List<Cgroup> list;
        int at;
        boolean terminate;
        boolean visitedAll;

        @Override
        public Object start(SeqFile seq, long pos) {
            if (pos > 0) {
                if (visitedAll) {
                    return null;
                }
                throw new KernelException(Errno.EOPNOTSUPP, "a cgroup iterator cannot continue across reads");
            }
            terminate = false;
            visitedAll = false;
            list = walk();
            at = 0;
            return list.isEmpty() ? null : list.get(0);
        }

        @Override
        public Object next(SeqFile seq, Object p) {
            if (terminate || ++at >= list.size()) {
                return null;
            }
            return list.get(at);
        }

        @Override
        public int show(SeqFile seq, Object p, boolean inStop) {
            Cgroup c = (Cgroup) p;
            if (c != null && !c.online()) {
                return 0;
            }
            if (seq.doneStop()) {
                return 0;
            }
            byte[] mem = new byte[CTX_SIZE + META_SIZE];
            Region r = memory.register(Region.of(Region.Kind.CTX, "bpf_iter__cgroup", mem).readOnly().build());
            try {
                AddressSpace.put(mem, CTX_META, 8, r.address(CTX_SIZE));
                AddressSpace.put(mem, CTX_CGROUP, 8, c == null ? 0 : c.address());
                AddressSpace.put(mem, CTX_SIZE + META_SEQ, 8, seq.address());
                AddressSpace.put(mem, CTX_SIZE + META_SESSION, 8, seq.sessionId());
                AddressSpace.put(mem, CTX_SIZE + META_SEQ_NUM, 8, seq.seqNum());
                long ret = cpus.run(cpu.getAsInt(), current.get(), program, r.address(0));
                if (ret != 0) {
                    terminate = true;
                }
            } finally {
                memory.unregister(r);
            }
            return 0;
        }

        @Override
        public void stop(SeqFile seq, Object p) {
            if (p == null) {
                show(seq, null, true);
                visitedAll = true;
            }
        }
    }
}
