package dev.bpfvm.kernel.syscall;

import dev.bpfvm.kernel.LoadedProgram;
import dev.bpfvm.kernel.cgroup.Cgroup;
import dev.bpfvm.kernel.iter.CgroupIterator;
import dev.bpfvm.kernel.iter.SeqFile;
import dev.bpfvm.kernel.trace.Attachment;
import dev.bpfvm.vm.spi.BpfMap;
import java.util.List;
import java.util.function.Consumer;

/** The object kinds behind bpf() fds. */
final class Objects {
    private Objects() {}

    static final class MapObject extends Refcounted {
        final BpfMap map;
        final Consumer<MapObject> onFree;

        MapObject(BpfMap map, Consumer<MapObject> onFree) {
            this.map = map;
            this.onFree = onFree;
        }

        @Override
        public String kind() {
            return "map";
        }

        @Override
        public int id() {
            return map.id();
        }

        @Override
        protected void free() {
            onFree.accept(this);
            map.close();
        }
    }

    static final class ProgObject extends Refcounted {
        final LoadedProgram prog;
        final List<MapObject> usedMaps;
        final Consumer<ProgObject> onFree;

        ProgObject(LoadedProgram prog, List<MapObject> usedMaps, Consumer<ProgObject> onFree) {
            this.prog = prog;
            this.usedMaps = List.copyOf(usedMaps);
            this.onFree = onFree;
        }

        @Override
        public String kind() {
            return "prog";
        }

        @Override
        public int id() {
            return prog.id();
        }

        @Override
        protected void free() {
            onFree.accept(this);
            for (MapObject m : usedMaps) {
                m.put();
            }
        }
    }

    static final class LinkObject extends Refcounted {
        final int id;
        final ProgObject prog;
        final Attachment tracing;        // tracing links
        final CgroupIterator iterator;   // iter links
        final Consumer<LinkObject> onFree;
        boolean detached;

        /** Other links (a CGROUP_STATS aggregator): what detach undoes, and the object the link holds; or null. */
        final Runnable onDetach;
        final Refcounted holds;

        LinkObject(int id, ProgObject prog, Attachment tracing, CgroupIterator iterator, Consumer<LinkObject> onFree) {
            this(id, prog, tracing, iterator, null, null, onFree);
        }

        LinkObject(int id, ProgObject prog, Attachment tracing, CgroupIterator iterator, Runnable onDetach,
                   Refcounted holds, Consumer<LinkObject> onFree) {
            this.id = id;
            this.prog = prog;
            this.tracing = tracing;
            this.iterator = iterator;
            this.onDetach = onDetach;
            this.holds = holds;
            this.onFree = onFree;
        }

        @Override
        public String kind() {
            return "link";
        }

        @Override
        public int id() {
            return id;
        }

        synchronized void detach() {
            if (!detached) {
                detached = true;
                if (tracing != null) {
                    tracing.detach();
                }
                if (onDetach != null) {
                    onDetach.run();
                }
            }
        }

        @Override
        protected void free() {
            detach();
            if (iterator != null) {
                iterator.release();
            }
            onFree.accept(this);
            if (holds != null) {
                holds.put();
            }
            prog.put();
        }
    }

    /** An open iterator file (ITER_CREATE, or open of a pinned iterator link). */
    static final class IterFile extends Refcounted {
        final LinkObject link;
        final SeqFile seq;

        IterFile(LinkObject link, SeqFile seq) {
            this.link = link;
            this.seq = seq;
        }

        @Override
        public String kind() {
            return "iter";
        }

        @Override
        public int id() {
            return 0;
        }

        @Override
        protected void free() {
            seq.close();
            link.put();
        }
    }

    /** An open cgroup directory (what LINK_CREATE's target or cgroup_fd names). */
    static final class CgroupDir extends Refcounted {
        final Cgroup cgroup;

        CgroupDir(Cgroup cgroup) {
            this.cgroup = cgroup;
        }

        @Override
        public String kind() {
            return "cgroup";
        }

        @Override
        public int id() {
            return 0;
        }

        @Override
        protected void free() {
            cgroup.release();
        }
    }

    /** A BTF object (BTF_LOAD): its id and the parsed types. */
    static final class BtfObject extends Refcounted {
        final int id;
        final dev.bpfvm.vm.btf.Btf btf;
        final Consumer<BtfObject> onFree;

        BtfObject(int id, dev.bpfvm.vm.btf.Btf btf, Consumer<BtfObject> onFree) {
            this.id = id;
            this.btf = btf;
            this.onFree = onFree;
        }

        @Override
        public String kind() {
            return "btf";
        }

        @Override
        public int id() {
            return id;
        }

        @Override
        protected void free() {
            onFree.accept(this);
        }
    }
}
