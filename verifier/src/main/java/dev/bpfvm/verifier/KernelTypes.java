package dev.bpfvm.verifier;

import dev.bpfvm.vm.btf.Btf;
import dev.bpfvm.vm.btf.BtfKind;
import dev.bpfvm.vm.btf.BtfType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Kernel structs seen through a BTF (the emulated kernel's, or any vmlinux BTF): each struct
 * becomes a {@link KernelType} whose members are the leaves the verifier can load — scalars
 * and pointers, with anonymous and nested structs, unions and small arrays flattened the way
 * the kernel's {@code btf_struct_walk} descends into them. Pointers to structs are typed,
 * lazily, so self-referencing structs are fine. Which pointer members keep their parent's
 * trust follows the kernel's allowlists ({@code BTF_TYPE_SAFE_*} in verifier.c).
 */
public final class KernelTypes {
    /** Arrays longer than this are not flattened element by element (their bytes read as scalars). */
    private static final int MAX_FLATTENED_ELEMS = 64;
    private static final int MAX_NESTING = 8;

    private final Btf btf;
    private final Map<Integer, KernelType> cache = new HashMap<>();

    public KernelTypes(Btf btf) {
        this.btf = java.util.Objects.requireNonNull(btf);
    }

    private static final class Emulated {
        static final KernelTypes INSTANCE = new KernelTypes(dev.bpfvm.vm.btf.KernelBtf.get());
    }

    /** The emulated kernel's types ({@link dev.bpfvm.vm.btf.KernelBtf}), shared. */
    public static KernelTypes emulated() {
        return Emulated.INSTANCE;
    }

    public Btf btf() {
        return btf;
    }

    /** The struct or union with this BTF id (modifiers and typedefs skipped), or null if it is none. */
    public synchronized KernelType struct(int id) {
        int rid = btf.resolve(id);
        KernelType cached = cache.get(rid);
        if (cached != null) {
            return cached;
        }
        BtfType t = btf.type(rid);
        KernelType k;
        if (t instanceof BtfType.Composite c) {
            k = new Lazy(this, rid, c.name(), (int) c.size());
        } else if (t instanceof BtfType.Fwd f) {
            k = KernelType.of(f.name(), 0, List.of());
        } else {
            return null;
        }
        cache.put(rid, k);
        return k;
    }

    /** The struct (or union) with this name, or null. */
    public KernelType struct(String name) {
        int id = btf.find(BtfKind.STRUCT, name);
        if (id < 0) {
            id = btf.find(BtfKind.UNION, name);
        }
        return id < 0 ? null : struct(id);
    }

    /**
     * For a pointer type id: the struct it points to (modifiers and typedefs skipped), or null
     * when it points to anything else (void, integers, functions).
     */
    public KernelType pointee(int ptrTypeId) {
        BtfType t = btf.resolved(ptrTypeId);
        if (!(t instanceof BtfType.Ptr p)) {
            return null;
        }
        return struct(p.type());
    }

    private List<KernelType.Member> flatten(int id, String structName) {
        List<KernelType.Member> out = new ArrayList<>();
        walk(btf.resolve(id), 0, structName, out, 0);
        out.sort((a, b) -> Integer.compare(a.offset(), b.offset()));
        return List.copyOf(out);
    }

    private void walk(int id, int base, String outer, List<KernelType.Member> out, int depth) {
        BtfType t = btf.type(id);
        if (!(t instanceof BtfType.Composite c) || depth > MAX_NESTING) {
            return;
        }
        for (BtfType.Member m : c.members()) {
            int off = base + m.bitOffset() / 8;
            if (m.bitSize() != 0) {
                int bytes = Math.max(1, (m.bitOffset() % 8 + m.bitSize() + 7) / 8);
                out.add(KernelType.Member.scalar(m.name(), off, bytes));
                continue;
            }
            leaf(m.name(), btf.resolve(m.type()), off, outer, out, depth);
        }
    }

    private void leaf(String name, int rid, int off, String outer, List<KernelType.Member> out, int depth) {
        BtfType mt = btf.type(rid);
        if (mt instanceof BtfType.Composite) {
            walk(rid, off, outer, out, depth + 1);
        } else if (mt instanceof BtfType.Ptr p) {
            KernelType pointee = struct(p.type());
            if (pointee == null) {
                out.add(KernelType.Member.scalar(name, off, 8));
            } else {
                out.add(KernelType.Member.pointer(name, off, pointee, trust(outer, name)));
            }
        } else if (mt instanceof BtfType.Array a) {
            int elemId = btf.resolve(a.elemType());
            long elemSize = btf.size(elemId);
            BtfType et = btf.type(elemId);
            boolean structured = et instanceof BtfType.Ptr || et instanceof BtfType.Composite;
            if (structured && a.count() > 0 && a.count() <= MAX_FLATTENED_ELEMS) {
                for (int i = 0; i < a.count(); i++) {
                    leaf(name, elemId, (int) (off + i * elemSize), outer, out, depth + 1);
                }
            } else if (a.count() > 0) {
                out.add(KernelType.Member.scalar(name, off, (int) Math.min(Integer.MAX_VALUE, elemSize * a.count())));
            }
        } else {
            long size;
            try {
                size = btf.size(rid);
            } catch (RuntimeException e) {
                return;
            }
            out.add(KernelType.Member.scalar(name, off, (int) size));
        }
    }

    /** The kernel's allowlists of pointer members that keep (some of) their parent's trust. */
    static KernelType.Trust trust(String struct, String member) {
        switch (struct + "." + member) {
            case "task_struct.cpus_ptr":
            case "task_struct.cgroups":
            case "task_struct.real_parent":
            case "task_struct.group_leader":
            case "cgroup.kn":
            case "css_set.dfl_cgrp":
            case "cgroup_subsys_state.cgroup":
                return KernelType.Trust.RCU;
            case "mm_struct.exe_file":
            case "mm_struct.owner":
            case "sk_buff.sk":
            case "request_sock.sk":
                return KernelType.Trust.RCU_OR_NULL;
            case "bpf_iter_meta.seq":
            case "bpf_iter__task.meta":
            case "bpf_iter__task.task":
            case "linux_binprm.file":
            case "file.f_inode":
                return KernelType.Trust.TRUSTED;
            case "dentry.d_inode":
            case "socket.sk":
            case "vm_area_struct.vm_mm":
            case "vm_area_struct.vm_file":
                return KernelType.Trust.TRUSTED_OR_NULL;
            default:
                return KernelType.Trust.NONE;
        }
    }

    /** A struct whose members are computed on first use. */
    private static final class Lazy implements KernelType {
        private final KernelTypes owner;
        private final int id;
        private final String name;
        private final int size;
        private volatile List<Member> members;

        Lazy(KernelTypes owner, int id, String name, int size) {
            this.owner = owner;
            this.id = id;
            this.name = name;
            this.size = size;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public List<Member> members() {
            List<Member> m = members;
            if (m == null) {
                synchronized (owner) {
                    m = members;
                    if (m == null) {
                        m = owner.flatten(id, name);
                        members = m;
                    }
                }
            }
            return m;
        }

        @Override
        public String toString() {
            return "struct " + name;
        }
    }
}
