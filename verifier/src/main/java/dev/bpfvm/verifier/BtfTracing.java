package dev.bpfvm.verifier;

import dev.bpfvm.vm.btf.Btf;
import dev.bpfvm.vm.btf.BtfKind;
import dev.bpfvm.vm.btf.BtfType;
import dev.bpfvm.vm.spi.HelperSpec;
import java.util.List;

/**
 * {@code BPF_PROG_TYPE_TRACING} and {@code BPF_PROG_TYPE_LSM} programs whose context is typed
 * by the kernel BTF of their attach point ({@code btf_ctx_access}): u64 argument slots, where
 * an argument that points to a struct loads as a trusted {@code PTR_TO_BTF_ID}, and for
 * fexit/fmod_ret/lsm the slot after the last argument holds the return value. Iterators
 * ({@code iter/T}) take {@code struct bpf_iter__T}: a trusted {@code meta} and the object,
 * which may be NULL. An attach point the BTF does not have falls back to untyped u64 slots.
 */
final class BtfTracing implements ProgramTypeRules {
    /** Linux 6.12's bpf_lsm_disabled_hooks: a program may not attach to them. */
    static final java.util.Set<String> LSM_DISABLED_HOOKS = java.util.Set.of("vm_enough_memory",
            "inode_need_killpriv", "inode_getsecurity", "inode_listsecurity", "inode_copy_up_xattr", "getselfattr",
            "getprocattr", "setprocattr", "key_getsecurity", "audit_rule_match", "xfrm_decode_session",
            "ismaclabel");

    /** bool_lsm_hooks: may return 0 or 1 (used when the kernel BTF does not have the hook). */
    static final java.util.Set<String> LSM_BOOL_HOOKS = java.util.Set.of("xfrm_state_pol_flow_match",
            "audit_rule_known", "inode_xattr_skipcap");

    /** The void LSM hooks of 6.12's lsm_hook_defs.h: any return value (when the kernel BTF lacks the hook). */
    static final java.util.Set<String> LSM_VOID_HOOKS = java.util.Set.of("bprm_committing_creds",
            "bprm_committed_creds", "sb_delete", "sb_free_security", "sb_free_mnt_opts", "path_post_mknod",
            "inode_free_security", "inode_free_security_rcu", "inode_post_create_tmpfile", "inode_post_setattr",
            "inode_post_setxattr", "inode_post_removexattr", "inode_post_set_acl", "inode_post_remove_acl",
            "inode_getsecid", "file_release", "file_free_security", "backing_file_free", "file_set_fowner",
            "task_free", "cred_free", "cred_transfer", "cred_getsecid", "current_getsecid_subj",
            "task_getsecid_obj", "task_to_inode", "ipc_getsecid", "msg_msg_free_security",
            "msg_queue_free_security", "shm_free_security", "sem_free_security", "d_instantiate",
            "release_secctx", "inode_invalidate_secctx", "sk_free_security", "sk_clone_security", "sk_getsecid",
            "sock_graft", "inet_csk_clone", "inet_conn_established", "secmark_refcount_inc",
            "secmark_refcount_dec", "req_classify_flow", "sctp_sk_clone", "xfrm_policy_free_security",
            "xfrm_state_free_security", "key_post_create_or_update", "audit_rule_free", "bpf_map_free",
            "bpf_prog_free", "bpf_token_free", "initramfs_populated", "bdev_free_security");

    /** The attach flavour, i.e. the SEC() prefix family. */
    enum Kind {
        TP_BTF("tp_btf", "BPF_PROG_TYPE_TRACING"),
        FENTRY("fentry", "BPF_PROG_TYPE_TRACING"),
        FEXIT("fexit", "BPF_PROG_TYPE_TRACING"),
        FMOD_RET("fmod_ret", "BPF_PROG_TYPE_TRACING"),
        LSM("lsm", "BPF_PROG_TYPE_LSM"),
        ITER("iter", "BPF_PROG_TYPE_TRACING");

        final String prefix;
        final String kernelType;

        Kind(String prefix, String kernelType) {
            this.prefix = prefix;
            this.kernelType = kernelType;
        }
    }

    /** MAX_ERRNO: LSM hooks returning int may return 0 or a negative errno. */
    private static final int MAX_ERRNO = 4095;

    private final Kind kind;
    private final String target;
    private final KernelTypes types;
    /** Argument type ids (after the tracepoint's leading {@code void *}), or null without BTF. */
    private final List<BtfType.Param> params;
    /** The attach point's return type id (0 = void); -1 without BTF. */
    private final int returnType;
    /** For iterators: {@code struct bpf_iter__T}, or null. */
    private final KernelType iterCtx;

    BtfTracing(Kind kind, String target, KernelTypes types) {
        this.kind = kind;
        this.target = target;
        this.types = types;
        Btf btf = types.btf();
        BtfType.FuncProto proto = null;
        KernelType iter = null;
        if (kind == Kind.ITER) {
            iter = types.struct("bpf_iter__" + target);
        } else if (kind == Kind.TP_BTF) {
            int id = btf.find(BtfKind.TYPEDEF, "btf_trace_" + target);
            if (id > 0 && btf.resolved(id) instanceof BtfType.Ptr p
                    && btf.resolved(p.type()) instanceof BtfType.FuncProto fp && !fp.params().isEmpty()) {
                proto = new BtfType.FuncProto(0, fp.params().subList(1, fp.params().size()));
            }
        } else {
            String fn = kind == Kind.LSM ? "bpf_lsm_" + target : target;
            int id = btf.find(BtfKind.FUNC, fn);
            if (id > 0 && btf.type(id) instanceof BtfType.Func f && btf.resolved(f.type()) instanceof BtfType.FuncProto fp) {
                proto = fp;
            }
        }
        this.iterCtx = iter;
        this.params = proto != null ? proto.params() : null;
        this.returnType = proto != null ? proto.returnType() : -1;
    }

    @Override
    public String name() {
        return kind.prefix + "/" + target;
    }

    @Override
    public String kernelType() {
        return kind.kernelType;
    }

    @Override
    public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
        if (off < 0 || off >= ProgramTypes.TRACING_CTX_SIZE || write || off % size != 0) {
            return null;
        }
        if (kind == Kind.ITER) {
            return iterAccess(off, size);
        }
        if (params == null) {
            return ContextAccess.SCALAR;
        }
        if (off % 8 != 0) {
            return null;
        }
        int arg = off / 8;
        int nr = params.size();
        int typeId;
        if (arg < nr) {
            typeId = params.get(arg).type();
        } else if (arg == nr && (kind == Kind.FEXIT || kind == Kind.FMOD_RET || kind == Kind.LSM)) {
            typeId = returnType;
        } else {
            return null;
        }
        if (typeId == 0) {
            return null;
        }
        KernelType pointee = types.pointee(typeId);
        if (pointee == null) {
            return ContextAccess.SCALAR;
        }
        if (size != 8) {
            return null;
        }
        int flags = RegState.TRUSTED;
        if (arg < nr && params.get(arg).name().endsWith("__nullable")) {
            flags |= RegState.MAYBE_NULL;
        }
        if (arg == nr) {
            flags = 0;
        }
        return ContextAccess.btf(pointee, flags);
    }

    /** {@code struct bpf_iter__T}: meta at 0 (trusted), the object at 8 (trusted or NULL). */
    private ContextAccess iterAccess(int off, int size) {
        if (size != 8 || off % 8 != 0) {
            return null;
        }
        if (off == 0) {
            KernelType meta = types.struct("bpf_iter_meta");
            return meta != null ? ContextAccess.btf(meta, RegState.TRUSTED) : null;
        }
        if (off == 8) {
            KernelType obj = null;
            if (iterCtx != null) {
                KernelType.Member m = iterCtx.memberAt(8, 8);
                obj = m != null ? m.pointee() : null;
            }
            if (obj == null) {
                obj = types.struct(target.equals("task") ? "task_struct" : target);
            }
            return obj != null ? ContextAccess.btf(obj, RegState.TRUSTED | RegState.MAYBE_NULL) : null;
        }
        return null;
    }

    @Override
    public int[] returnRange() {
        switch (kind) {
            case FENTRY:
            case FEXIT:
                return new int[] {0, 0};
            case ITER:
                return new int[] {0, 1};
            case LSM:
                if (returnType == 0 || (returnType < 0 && LSM_VOID_HOOKS.contains(target))) {
                    return null;
                }
                if (returnType < 0 && LSM_BOOL_HOOKS.contains(target)) {
                    return new int[] {0, 1};
                }
                if (returnType > 0 && types.btf().resolved(returnType) instanceof BtfType.Int i && i.isBool()) {
                    return new int[] {0, 1};
                }
                return new int[] {-MAX_ERRNO, 0};
            default:
                return null;
        }
    }

    @Override
    public boolean helperAllowed(HelperSpec h, boolean privileged) {
        return HelperAvailability.allowed(h, privileged, HelperAvailability.TRACING,
                HelperAvailability.BASE_BPF_CAPABLE, HelperAvailability.BASE_PERFMON);
    }

    @Override
    public boolean sleepableAllowed() {
        return kind != Kind.TP_BTF;
    }

    @Override
    public boolean isTracing() {
        return true;
    }

    @Override
    public String toString() {
        return name() + " (" + kind.kernelType + ")";
    }
}
