package dev.bpfvm.vm.btf;

import dev.bpfvm.vm.btf.BtfType.Array;
import dev.bpfvm.vm.btf.BtfType.Composite;
import dev.bpfvm.vm.btf.BtfType.Const;
import dev.bpfvm.vm.btf.BtfType.Enum;
import dev.bpfvm.vm.btf.BtfType.EnumValue;
import dev.bpfvm.vm.btf.BtfType.Func;
import dev.bpfvm.vm.btf.BtfType.FuncProto;
import dev.bpfvm.vm.btf.BtfType.Fwd;
import dev.bpfvm.vm.btf.BtfType.Int;
import dev.bpfvm.vm.btf.BtfType.Linkage;
import dev.bpfvm.vm.btf.BtfType.Member;
import dev.bpfvm.vm.btf.BtfType.Param;
import dev.bpfvm.vm.btf.BtfType.Ptr;
import dev.bpfvm.vm.btf.BtfType.Struct;
import dev.bpfvm.vm.btf.BtfType.Typedef;
import dev.bpfvm.vm.btf.BtfType.Union;
import java.util.ArrayList;
import java.util.List;

/**
 * The BTF of bpfvm's emulated kernel: the layouts of the kernel objects it emulates
 * ({@code struct cgroup}, {@code cgroup_subsys_state}, {@code kernfs_node}, {@code task_struct},
 * {@code css_set}, {@code cred}, {@code seq_file}, the iterator contexts), the program contexts
 * with their uapi layouts ({@code __sk_buff}, {@code xdp_md}, {@code bpf_sock},
 * {@code bpf_sock_addr}, {@code pt_regs}), the cgroup tracepoint records, and the functions that
 * programs attach to or call as kfuncs, with their prototypes.
 *
 * <p>Field names are those of a real {@code vmlinux.h}, so CO-RE relocations of programs built
 * against one resolve here; the layouts are bpfvm's own, compact ones (only the fields an
 * emulated object has). The emulated kernel lays its objects out by {@link #offsetOf}, which is
 * the same computation CO-RE does. {@code kernfs_node} has both {@code parent} (up to Linux 6.14)
 * and {@code __parent} (6.15 on) at the same offset, so programs from either era resolve.
 *
 * <p>Built once, immutable, shared.
 */
public final class KernelBtf {
    private KernelBtf() {}

    private static final class Holder {
        static final Btf BTF = new Builder().build();
    }

    /** The kernel BTF. */
    public static Btf get() {
        return Holder.BTF;
    }

    /** The id of the struct (or union) with this name. */
    public static int structId(String name) {
        Btf btf = get();
        int id = btf.find(BtfKind.STRUCT, name);
        if (id < 0) {
            id = btf.find(BtfKind.UNION, name);
        }
        if (id < 0) {
            throw new IllegalArgumentException("no struct " + name + " in the kernel BTF");
        }
        return id;
    }

    /** Size in bytes of {@code struct name}. */
    public static int sizeOf(String struct) {
        return (int) get().size(structId(struct));
    }

    /**
     * Byte offset of a field path in {@code struct name}: {@code "kn"}, {@code "self.parent"},
     * {@code "comm"}; anonymous unions and structs are looked through.
     */
    public static int offsetOf(String struct, String path) {
        Btf btf = get();
        int id = structId(struct);
        long bits = 0;
        for (String part : path.split("\\.")) {
            long[] found = findMember(btf, id, part);
            if (found == null) {
                throw new IllegalArgumentException("no field " + path + " in struct " + struct);
            }
            bits += found[0];
            id = (int) found[1];
        }
        return (int) (bits / 8);
    }

    /** {bit offset, type id} of a named member, searching anonymous members, or null. */
    private static long[] findMember(Btf btf, int id, String name) {
        BtfType t = btf.resolved(id);
        if (!(t instanceof Composite c)) {
            return null;
        }
        for (Member m : c.members()) {
            if (m.name().equals(name)) {
                return new long[] {m.bitOffset(), m.type()};
            }
            if (m.name().isEmpty()) {
                long[] inner = findMember(btf, m.type(), name);
                if (inner != null) {
                    return new long[] {m.bitOffset() + inner[0], inner[1]};
                }
            }
        }
        return null;
    }

    /** The BTF id of a kernel function (kfunc or attach point), or -1. */
    public static int funcId(String name) {
        return get().find(BtfKind.FUNC, name);
    }

    /** Names of the kfuncs this BTF declares (FUNCs tagged as callable from BPF). */
    public static List<String> kfuncs() {
        return KFUNCS;
    }

    private static final List<String> KFUNCS = List.of(
            "bpf_rcu_read_lock", "bpf_rcu_read_unlock", "bpf_cgroup_acquire", "bpf_cgroup_release",
            "bpf_cgroup_ancestor", "bpf_cgroup_from_id", "bpf_task_acquire", "bpf_task_release",
            "bpf_task_from_pid", "bpf_task_get_cgroup1", "cgroup_rstat_updated", "cgroup_rstat_flush",
            "css_rstat_updated", "css_rstat_flush");

    /** {@code enum bpf_cmd} without its {@code BPF_} prefix, in kernel order (value = index). */
    public static final List<String> BPF_CMDS = List.of("MAP_CREATE", "MAP_LOOKUP_ELEM", "MAP_UPDATE_ELEM",
            "MAP_DELETE_ELEM", "MAP_GET_NEXT_KEY", "PROG_LOAD", "OBJ_PIN", "OBJ_GET", "PROG_ATTACH", "PROG_DETACH",
            "PROG_TEST_RUN", "PROG_GET_NEXT_ID", "MAP_GET_NEXT_ID", "PROG_GET_FD_BY_ID", "MAP_GET_FD_BY_ID",
            "OBJ_GET_INFO_BY_FD", "PROG_QUERY", "RAW_TRACEPOINT_OPEN", "BTF_LOAD", "BTF_GET_FD_BY_ID",
            "TASK_FD_QUERY", "MAP_LOOKUP_AND_DELETE_ELEM", "MAP_FREEZE", "BTF_GET_NEXT_ID", "MAP_LOOKUP_BATCH",
            "MAP_LOOKUP_AND_DELETE_BATCH", "MAP_UPDATE_BATCH", "MAP_DELETE_BATCH", "LINK_CREATE", "LINK_UPDATE",
            "LINK_GET_FD_BY_ID", "LINK_GET_NEXT_ID", "ENABLE_STATS", "ITER_CREATE", "LINK_DETACH", "PROG_BIND_MAP",
            "TOKEN_CREATE");

    /** Builds the type table; layouts follow C rules (natural alignment, padding at the end). */
    private static final class Builder {
        final BtfBuilder b = new BtfBuilder("bpfvm kernel BTF");

        int voidPtr;
        int charT;
        int ucharT;
        int shortT;
        int ushortT;
        int intT;
        int uintT;
        int longT;
        int ulongT;
        int llT;
        int ullT;
        int boolT;
        int u8;
        int u16;
        int u32;
        int u64;
        int s32;
        int s64;
        int be16;
        int pidT;
        int umodeT;
        int sizeT;
        int loffT;

        record F(String name, int type, int bits) {
            F(String name, int type) {
                this(name, type, 0);
            }
        }

        static F f(String name, int type) {
            return new F(name, type);
        }

        long size(int id) {
            BtfType t = b.get(id);
            if (t instanceof Int i) {
                return i.size();
            } else if (t instanceof Ptr) {
                return 8;
            } else if (t instanceof Composite c) {
                return c.size();
            } else if (t instanceof BtfType.Enumeration e) {
                return e.size();
            } else if (t instanceof Typedef td) {
                return size(td.type());
            } else if (t instanceof Const c) {
                return size(c.type());
            } else if (t instanceof BtfType.Volatile v) {
                return size(v.type());
            } else if (t instanceof Array a) {
                return a.count() * size(a.elemType());
            }
            throw new IllegalStateException("no size for type " + id + " " + t);
        }

        int align(int id) {
            BtfType t = b.get(id);
            if (t instanceof Int i) {
                return i.size();
            } else if (t instanceof Ptr) {
                return 8;
            } else if (t instanceof Composite c) {
                int a = 1;
                for (Member m : c.members()) {
                    a = Math.max(a, align(m.type()));
                }
                return a;
            } else if (t instanceof BtfType.Enumeration e) {
                return e.size();
            } else if (t instanceof Typedef td) {
                return align(td.type());
            } else if (t instanceof Const c) {
                return align(c.type());
            } else if (t instanceof BtfType.Volatile v) {
                return align(v.type());
            } else if (t instanceof Array a) {
                return align(a.elemType());
            }
            throw new IllegalStateException("no alignment for type " + id + " " + t);
        }

        Struct struct(String name, F... fields) {
            List<Member> ms = new ArrayList<>();
            long off = 0;
            int maxAlign = 1;
            for (F f : fields) {
                int a = align(f.type());
                maxAlign = Math.max(maxAlign, a);
                off = (off + a - 1) / a * a;
                ms.add(new Member(f.name(), f.type(), (int) (off * 8)));
                off += size(f.type());
            }
            off = (off + maxAlign - 1) / maxAlign * maxAlign;
            return new Struct(name, (int) off, ms);
        }

        Union union(String name, F... fields) {
            List<Member> ms = new ArrayList<>();
            long sz = 0;
            int maxAlign = 1;
            for (F f : fields) {
                maxAlign = Math.max(maxAlign, align(f.type()));
                ms.add(new Member(f.name(), f.type(), 0));
                sz = Math.max(sz, size(f.type()));
            }
            sz = (sz + maxAlign - 1) / maxAlign * maxAlign;
            return new Union(name, (int) sz, ms);
        }

        int ptr(int to) {
            return b.add(new Ptr(to));
        }

        int array(int elem, int n) {
            return b.add(new Array(elem, intT, n));
        }

        int cnst(int t) {
            return b.add(new Const(t));
        }

        int fn(String name, int ret, Object... params) {
            List<Param> ps = new ArrayList<>();
            for (int i = 0; i < params.length; i += 2) {
                ps.add(new Param((String) params[i], (Integer) params[i + 1]));
            }
            int proto = b.add(new FuncProto(ret, ps));
            return b.add(new Func(name, proto, Linkage.GLOBAL));
        }

        Btf build() {
            charT = b.add(new Int("char", 1, Int.SIGNED | Int.CHAR, 0, 8));
            ucharT = b.add(new Int("unsigned char", 1, 0, 0, 8));
            shortT = b.add(new Int("short", 2, Int.SIGNED, 0, 16));
            ushortT = b.add(new Int("short unsigned int", 2, 0, 0, 16));
            intT = b.add(new Int("int", 4, Int.SIGNED, 0, 32));
            uintT = b.add(new Int("unsigned int", 4, 0, 0, 32));
            longT = b.add(new Int("long int", 8, Int.SIGNED, 0, 64));
            ulongT = b.add(new Int("long unsigned int", 8, 0, 0, 64));
            llT = b.add(new Int("long long int", 8, Int.SIGNED, 0, 64));
            ullT = b.add(new Int("long long unsigned int", 8, 0, 0, 64));
            int bool0 = b.add(new Int("_Bool", 1, Int.BOOL, 0, 8));
            boolT = b.add(new Typedef("bool", bool0));
            u8 = b.add(new Typedef("__u8", ucharT));
            u16 = b.add(new Typedef("__u16", ushortT));
            u32 = b.add(new Typedef("__u32", uintT));
            u64 = b.add(new Typedef("__u64", ullT));
            s32 = b.add(new Typedef("__s32", intT));
            s64 = b.add(new Typedef("__s64", llT));
            be16 = b.add(new Typedef("__be16", u16));
            int ku8 = b.add(new Typedef("u8", u8));
            int ku16 = b.add(new Typedef("u16", u16));
            int ku32 = b.add(new Typedef("u32", u32));
            int ku64 = b.add(new Typedef("u64", u64));
            b.add(new Typedef("s32", s32));
            b.add(new Typedef("s64", s64));
            pidT = b.add(new Typedef("pid_t", b.add(new Typedef("__kernel_pid_t", intT))));
            umodeT = b.add(new Typedef("umode_t", ushortT));
            sizeT = b.add(new Typedef("size_t", b.add(new Typedef("__kernel_size_t", ulongT))));
            loffT = b.add(new Typedef("loff_t", b.add(new Typedef("__kernel_loff_t", llT))));
            int uidT = b.add(new Typedef("uid_t", b.add(new Typedef("__kernel_uid32_t", uintT))));
            int gidT = b.add(new Typedef("gid_t", b.add(new Typedef("__kernel_gid32_t", uintT))));
            voidPtr = ptr(0);
            int constChar = cnst(charT);
            int constCharPtr = ptr(constChar);
            int charPtr = ptr(charT);

            // forward-declared structs the emulated objects point to
            int cgroupId = b.reserve();
            int cssId = b.reserve();
            int kernfsId = b.reserve();
            int taskId = b.reserve();
            int cssSetId = b.reserve();
            int cgroupRootId = b.reserve();
            int credId = b.reserve();
            int seqFileId = b.reserve();
            int mmFwd = b.add(new Fwd("mm_struct", false));
            int subsysFwd = b.add(new Fwd("cgroup_subsys", false));
            int storageFwd = b.add(new Fwd("bpf_local_storage", false));
            int flowKeysFwd = b.add(new Fwd("bpf_flow_keys", false));
            int sockId = b.reserve();
            int cgroupPtr = ptr(cgroupId);
            int cssPtr = ptr(cssId);
            int kernfsPtr = ptr(kernfsId);
            int taskPtr = ptr(taskId);
            int cssSetPtr = ptr(cssSetId);

            int atomicT = b.add(new Typedef("atomic_t", b.add(struct("", f("counter", intT)))));
            int kuidT = b.add(new Typedef("kuid_t", b.add(struct("", f("val", uidT)))));
            int kgidT = b.add(new Typedef("kgid_t", b.add(struct("", f("val", gidT)))));
            int listHead = b.reserve();
            int listPtr = ptr(listHead);
            b.set(listHead, struct("list_head", f("next", listPtr), f("prev", listPtr)));

            int subsysCount = 12;
            b.add(new Enum("cgroup_subsys_id", 4, false, List.of(
                    new EnumValue("cpuset_cgrp_id", 0), new EnumValue("cpu_cgrp_id", 1),
                    new EnumValue("cpuacct_cgrp_id", 2), new EnumValue("io_cgrp_id", 3),
                    new EnumValue("memory_cgrp_id", 4), new EnumValue("devices_cgrp_id", 5),
                    new EnumValue("freezer_cgrp_id", 6), new EnumValue("net_cls_cgrp_id", 7),
                    new EnumValue("perf_event_cgrp_id", 8), new EnumValue("net_prio_cgrp_id", 9),
                    new EnumValue("hugetlb_cgrp_id", 10), new EnumValue("pids_cgrp_id", 11),
                    new EnumValue("CGROUP_SUBSYS_COUNT", subsysCount))));

            // kernfs_node: parent (<= 6.14) and __parent (>= 6.15) share one slot
            int parentUnion = b.add(union("", f("parent", kernfsPtr), f("__parent", kernfsPtr)));
            b.set(kernfsId, struct("kernfs_node",
                    f("count", atomicT), f("active", atomicT), f("", parentUnion), f("name", constCharPtr),
                    f("hash", uintT), f("flags", ushortT), f("mode", umodeT), f("id", ku64), f("priv", voidPtr)));

            b.set(cssId, struct("cgroup_subsys_state",
                    f("cgroup", cgroupPtr), f("ss", ptr(subsysFwd)), f("sibling", listHead), f("children", listHead),
                    f("id", intT), f("flags", uintT), f("serial_nr", ku64), f("online_cnt", atomicT),
                    f("parent", cssPtr), f("nr_descendants", intT)));

            int cssArray = array(cssPtr, subsysCount);
            b.set(cgroupId, struct("cgroup",
                    f("self", cssId), f("flags", ulongT), f("level", intT), f("max_depth", intT),
                    f("nr_descendants", intT), f("nr_dying_descendants", intT), f("max_descendants", intT),
                    f("nr_populated_csets", intT), f("nr_populated_domain_children", intT),
                    f("nr_populated_threaded_children", intT), f("nr_threaded_children", intT),
                    f("kn", kernfsPtr), f("subtree_control", ku16), f("subtree_ss_mask", ku16),
                    f("subsys", cssArray), f("root", ptr(cgroupRootId)), f("dom_cgrp", cgroupPtr),
                    f("bpf_cgrp_storage", ptr(storageFwd)), f("ancestors", array(cgroupPtr, 0))));

            b.set(cgroupRootId, struct("cgroup_root",
                    f("subsys_mask", uintT), f("hierarchy_id", intT), f("nr_cgrps", atomicT), f("flags", uintT),
                    f("name", array(charT, 64))));

            b.set(cssSetId, struct("css_set",
                    f("subsys", cssArray), f("refcount", atomicT), f("dom_cset", cssSetPtr), f("dfl_cgrp", cgroupPtr),
                    f("nr_tasks", intT), f("tasks", listHead)));

            b.set(credId, struct("cred",
                    f("usage", longT), f("uid", kuidT), f("gid", kgidT), f("suid", kuidT), f("sgid", kgidT),
                    f("euid", kuidT), f("egid", kgidT), f("fsuid", kuidT), f("fsgid", kgidT),
                    f("securebits", uintT)));
            int constCredPtr = ptr(cnst(credId));

            b.set(taskId, struct("task_struct",
                    f("__state", uintT), f("flags", uintT), f("on_cpu", intT), f("prio", intT),
                    f("static_prio", intT), f("normal_prio", intT), f("mm", ptr(mmFwd)), f("exit_code", intT),
                    f("exit_signal", intT), f("pid", pidT), f("tgid", pidT), f("real_parent", taskPtr),
                    f("parent", taskPtr), f("group_leader", taskPtr), f("children", listHead),
                    f("sibling", listHead), f("utime", ku64), f("stime", ku64), f("start_time", ku64),
                    f("start_boottime", ku64), f("real_cred", constCredPtr), f("cred", constCredPtr),
                    f("comm", array(charT, 16)), f("cgroups", cssSetPtr), f("cg_list", listHead),
                    f("bpf_storage", ptr(storageFwd))));

            b.set(seqFileId, struct("seq_file",
                    f("buf", charPtr), f("size", sizeT), f("from", sizeT), f("count", sizeT),
                    f("pad_until", sizeT), f("index", loffT), f("read_pos", loffT), f("poll_event", intT),
                    f("private", voidPtr)));

            int seqPtr = ptr(seqFileId);
            int metaId = b.add(struct("bpf_iter_meta",
                    f("", b.add(union("", f("seq", seqPtr)))), f("session_id", ku64), f("seq_num", ku64)));
            int metaPtr = ptr(metaId);
            b.add(struct("bpf_iter__cgroup",
                    f("", b.add(union("", f("meta", metaPtr)))), f("", b.add(union("", f("cgroup", cgroupPtr))))));
            b.add(struct("bpf_iter__task",
                    f("", b.add(union("", f("meta", metaPtr)))), f("", b.add(union("", f("task", taskPtr))))));

            // program contexts, uapi layouts
            int u32x4 = array(u32, 4);
            b.set(sockId, struct("bpf_sock",
                    f("bound_dev_if", u32), f("family", u32), f("type", u32), f("protocol", u32), f("mark", u32),
                    f("priority", u32), f("src_ip4", u32), f("src_ip6", u32x4), f("src_port", u32),
                    f("dst_port", be16), f("dst_ip4", u32), f("dst_ip6", u32x4), f("state", u32),
                    f("rx_queue_mapping", s32)));
            int sockPtr = ptr(sockId);
            b.add(struct("__sk_buff",
                    f("len", u32), f("pkt_type", u32), f("mark", u32), f("queue_mapping", u32), f("protocol", u32),
                    f("vlan_present", u32), f("vlan_tci", u32), f("vlan_proto", u32), f("priority", u32),
                    f("ingress_ifindex", u32), f("ifindex", u32), f("tc_index", u32), f("cb", array(u32, 5)),
                    f("hash", u32), f("tc_classid", u32), f("data", u32), f("data_end", u32), f("napi_id", u32),
                    f("family", u32), f("remote_ip4", u32), f("local_ip4", u32), f("remote_ip6", u32x4),
                    f("local_ip6", u32x4), f("remote_port", u32), f("local_port", u32), f("data_meta", u32),
                    f("", b.add(union("", f("flow_keys", ptr(flowKeysFwd))))), f("tstamp", u64),
                    f("wire_len", u32), f("gso_segs", u32), f("", b.add(union("", f("sk", sockPtr)))),
                    f("gso_size", u32), f("tstamp_type", u8), f("hwtstamp", u64)));
            b.add(struct("xdp_md",
                    f("data", u32), f("data_end", u32), f("data_meta", u32), f("ingress_ifindex", u32),
                    f("rx_queue_index", u32), f("egress_ifindex", u32)));
            b.add(struct("bpf_sock_addr",
                    f("user_family", u32), f("user_ip4", u32), f("user_ip6", u32x4), f("user_port", u32),
                    f("family", u32), f("type", u32), f("protocol", u32), f("msg_src_ip4", u32),
                    f("msg_src_ip6", u32x4), f("", b.add(union("", f("sk", sockPtr))))));
            b.add(struct("pt_regs",
                    f("r15", ulongT), f("r14", ulongT), f("r13", ulongT), f("r12", ulongT), f("bp", ulongT),
                    f("bx", ulongT), f("r11", ulongT), f("r10", ulongT), f("r9", ulongT), f("r8", ulongT),
                    f("ax", ulongT), f("cx", ulongT), f("dx", ulongT), f("si", ulongT), f("di", ulongT),
                    f("orig_ax", ulongT), f("ip", ulongT),
                    f("", b.add(union("", f("cs", ku16), f("csx", ku64)))), f("flags", ulongT), f("sp", ulongT),
                    f("", b.add(union("", f("ss", ku16), f("ssx", ku64))))));

            // tracepoint records
            int entry = b.add(struct("trace_entry",
                    f("type", ushortT), f("flags", ucharT), f("preempt_count", ucharT), f("pid", intT)));
            int flexChars = array(charT, 0);
            b.add(struct("trace_event_raw_cgroup_root",
                    f("ent", entry), f("root", intT), f("ss_mask", u16), f("__data_loc_name", ku32),
                    f("__data", flexChars)));
            b.add(struct("trace_event_raw_cgroup",
                    f("ent", entry), f("root", intT), f("level", intT), f("id", ku64), f("__data_loc_path", ku32),
                    f("__data", flexChars)));
            b.add(struct("trace_event_raw_cgroup_migrate",
                    f("ent", entry), f("dst_root", intT), f("dst_level", intT), f("dst_id", ku64), f("pid", intT),
                    f("__data_loc_dst_path", ku32), f("__data_loc_comm", ku32), f("__data", flexChars)));

            // raw tracepoint prototypes (tp_btf): typedef void (*btf_trace_X)(void *, args...)
            tracepoint("cgroup_mkdir", cgroupPtr, constCharPtr);
            tracepoint("cgroup_rmdir", cgroupPtr, constCharPtr);
            tracepoint("cgroup_release", cgroupPtr, constCharPtr);
            tracepoint("cgroup_attach_task", cgroupPtr, constCharPtr, taskPtr, boolT);
            tracepoint("cgroup_transfer_tasks", cgroupPtr, constCharPtr, taskPtr, boolT);

            // functions that programs attach to (fentry/fexit)
            fn("cgroup_attach_task", intT, "dst_cgrp", cgroupPtr, "leader", taskPtr, "threadgroup", boolT);
            fn("cgroup_mkdir", intT, "parent_kn", kernfsPtr, "name", constCharPtr, "mode", umodeT);
            fn("cgroup_rmdir", intT, "kn", kernfsPtr);
            fn("bpf_rstat_flush", 0, "cgrp", cgroupPtr, "parent", cgroupPtr, "cpu", intT);

            // the objects of bpf() and the BPF LSM hooks on them (security_bpf*, Linux 6.12 argument lists)
            bpfObjects(kuidT, kgidT, constCharPtr);

            // kfuncs
            fn("bpf_rcu_read_lock", 0);
            fn("bpf_rcu_read_unlock", 0);
            fn("bpf_cgroup_acquire", cgroupPtr, "cgrp", cgroupPtr);
            fn("bpf_cgroup_release", 0, "cgrp", cgroupPtr);
            fn("bpf_cgroup_ancestor", cgroupPtr, "cgrp", cgroupPtr, "level", intT);
            fn("bpf_cgroup_from_id", cgroupPtr, "cgid", ku64);
            fn("bpf_task_acquire", taskPtr, "p", taskPtr);
            fn("bpf_task_release", 0, "p", taskPtr);
            fn("bpf_task_from_pid", taskPtr, "pid", s32);
            fn("bpf_task_get_cgroup1", cgroupPtr, "task", taskPtr, "hierarchy_id", intT);
            fn("cgroup_rstat_updated", 0, "cgrp", cgroupPtr, "cpu", intT);
            fn("cgroup_rstat_flush", 0, "cgrp", cgroupPtr);
            fn("css_rstat_updated", 0, "css", cssPtr, "cpu", intT);
            fn("css_rstat_flush", 0, "css", cssPtr);
            return b.build();
        }

        /** An enum of kernel names and values, 4 bytes unsigned. */
        private int kernelEnum(String name, List<EnumValue> values) {
            return b.add(new Enum(name, 4, false, values));
        }

        /**
         * {@code struct bpf_map}, {@code bpf_prog}, {@code bpf_prog_aux}, {@code bpf_token},
         * {@code user_namespace} with the fields the emulated kernel has (Linux's names, bpfvm's
         * compact layout); {@code union bpf_attr} with the fields the {@code lsm/bpf} hook is given, at
         * their uapi offsets; the {@code bpf_lsm_bpf*} hook prototypes.
         */
        private void bpfObjects(int kuidT, int kgidT, int constCharPtr) {
            List<EnumValue> mapTypes = new ArrayList<>();
            for (dev.bpfvm.vm.spi.MapType t : dev.bpfvm.vm.spi.MapType.values()) {
                mapTypes.add(new EnumValue(t.kernelName(), t.value()));
            }
            int mapTypeT = kernelEnum("bpf_map_type", mapTypes);
            List<EnumValue> progTypes = new ArrayList<>();
            for (dev.bpfvm.vm.object.ProgramType t : dev.bpfvm.vm.object.ProgramType.values()) {
                progTypes.add(new EnumValue(t.kernelName(), t.value()));
            }
            int progTypeT = kernelEnum("bpf_prog_type", progTypes);
            List<EnumValue> attachTypes = new ArrayList<>();
            for (dev.bpfvm.vm.object.AttachType t : dev.bpfvm.vm.object.AttachType.values()) {
                if (t != dev.bpfvm.vm.object.AttachType.NONE) {
                    attachTypes.add(new EnumValue(t.kernelName(), t.value()));
                }
            }
            int attachTypeT = kernelEnum("bpf_attach_type", attachTypes);
            List<EnumValue> cmds = new ArrayList<>();
            for (int i = 0; i < BPF_CMDS.size(); i++) {
                cmds.add(new EnumValue("BPF_" + BPF_CMDS.get(i), i));
            }
            int cmdT = kernelEnum("bpf_cmd", cmds);
            int fmodeT = b.add(new Typedef("fmode_t", uintT));
            int name16 = array(charT, 16);

            int mapId = b.add(struct("bpf_map",
                    f("map_type", mapTypeT), f("key_size", u32), f("value_size", u32), f("max_entries", u32),
                    f("map_extra", u64), f("map_flags", u32), f("id", u32), f("name", name16), f("frozen", boolT)));
            int auxId = b.add(struct("bpf_prog_aux",
                    f("id", u32), f("sleepable", boolT), f("attach_func_name", constCharPtr), f("name", name16)));
            int progId = b.add(struct("bpf_prog",
                    f("pages", u16), f("type", progTypeT), f("expected_attach_type", attachTypeT), f("len", u32),
                    f("aux", ptr(auxId))));
            int userNsId = b.add(struct("user_namespace",
                    f("level", intT), f("owner", kuidT), f("group", kgidT)));
            int tokenId = b.add(struct("bpf_token",
                    f("userns", ptr(userNsId)), f("allowed_cmds", u64), f("allowed_maps", u64),
                    f("allowed_progs", u64), f("allowed_attachs", u64)));
            int pathFwd = b.add(new Fwd("path", false));

            // union bpf_attr: the members of the commands lsm/bpf sees, at their uapi offsets
            int mapCreate = b.add(struct("", f("map_type", u32), f("key_size", u32), f("value_size", u32),
                    f("max_entries", u32), f("map_flags", u32)));
            int progLoad = b.add(struct("", f("prog_type", u32), f("insn_cnt", u32), f("insns", u64),
                    f("license", u64), f("log_level", u32), f("log_size", u32), f("log_buf", u64),
                    f("kern_version", u32), f("prog_flags", u32), f("prog_name", name16), f("prog_ifindex", u32),
                    f("expected_attach_type", u32)));
            int obj = b.add(struct("", f("pathname", u64), f("bpf_fd", u32), f("file_flags", u32)));
            int link = b.add(struct("", f("prog_fd", u32), f("target_fd", u32), f("attach_type", u32),
                    f("flags", u32)));
            int attrId = b.add(union("bpf_attr", f("", mapCreate), f("", progLoad), f("", obj), f("", link)));

            int mapPtr = ptr(mapId);
            int progPtr = ptr(progId);
            int attrPtr = ptr(attrId);
            int tokenPtr = ptr(tokenId);
            int constTokenPtr = ptr(cnst(tokenId));
            fn("bpf_lsm_bpf", intT, "cmd", intT, "attr", attrPtr, "size", uintT);
            fn("bpf_lsm_bpf_map", intT, "map", mapPtr, "fmode", fmodeT);
            fn("bpf_lsm_bpf_prog", intT, "prog", progPtr);
            fn("bpf_lsm_bpf_map_create", intT, "map", mapPtr, "attr", attrPtr, "token", tokenPtr);
            fn("bpf_lsm_bpf_prog_load", intT, "prog", progPtr, "attr", attrPtr, "token", tokenPtr);
            fn("bpf_lsm_bpf_token_create", intT, "token", tokenPtr, "attr", attrPtr, "path", ptr(cnst(pathFwd)));
            fn("bpf_lsm_bpf_token_cmd", intT, "token", constTokenPtr, "cmd", cmdT);
            fn("bpf_lsm_bpf_token_capable", intT, "token", constTokenPtr, "cap", intT);
        }

        private void tracepoint(String name, int... args) {
            List<Param> ps = new ArrayList<>();
            ps.add(new Param("", voidPtr));
            for (int a : args) {
                ps.add(new Param("", a));
            }
            int proto = b.add(new FuncProto(0, ps));
            b.add(new Typedef("btf_trace_" + name, ptr(proto)));
        }
    }
}
