package dev.bpfvm.verifier;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.btf.Btf;
import dev.bpfvm.vm.btf.BtfType;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ExternSpec;
import dev.bpfvm.vm.object.FunctionSpec;
import dev.bpfvm.vm.object.LinkedProgram;
import dev.bpfvm.vm.object.MapSpec;
import dev.bpfvm.vm.object.ObjectSpec;
import dev.bpfvm.vm.object.ProgramSpec;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.object.Reloc;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.KfuncRegistry;
import dev.bpfvm.vm.spi.MapType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * The verifier's view of a program of a loaded object: the loader's {@link ProgramSpec} and
 * {@link LinkedProgram} become a {@link VerifierInput} — program type rules from the section,
 * maps from the object's map specs (spin lock and timer offsets from its BTF, {@code .rodata}
 * contents as frozen constants), map references from the relocation side table, func info,
 * sleepable flag and license.
 */
public final class ObjectPrograms {
    private ObjectPrograms() {}

    /** Licenses the kernel treats as GPL-compatible ({@code license_is_gpl_compatible}). */
    private static final Set<String> GPL_COMPATIBLE = Set.of("GPL", "GPL v2", "GPL and additional rights",
            "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL");

    /** Whether the license string is GPL-compatible as the kernel decides it. */
    public static boolean gplCompatible(String license) {
        return GPL_COMPATIBLE.contains(license);
    }

    /**
     * The verifier input for one linked program. {@code options} supplies the log level,
     * privileges and alignment; sleepable and GPL compatibility come from the program.
     *
     * @throws VerifierException when bpfvm has no model of the program's type
     */
    public static VerifierInput input(ObjectSpec object, LinkedProgram program, HelperRegistry helpers,
            KfuncRegistry kfuncs, VerifierOptions options, KernelTypes kernelTypes) {
        return input(object, program, helpers, kfuncs, options, kernelTypes, null);
    }

    /**
     * {@link #input(ObjectSpec, LinkedProgram, HelperRegistry, KfuncRegistry, VerifierOptions,
     * KernelTypes)} with the ids the object's maps have in a kernel ({@code mapIds}: map name to
     * id, 0 when unknown). A map without one gets the id libbpf's creation order would give it on
     * a fresh kernel: its position in the object's map list, from 1.
     */
    public static VerifierInput input(ObjectSpec object, LinkedProgram program, HelperRegistry helpers,
            KfuncRegistry kfuncs, VerifierOptions options, KernelTypes kernelTypes, ToIntFunction<String> mapIds) {
        ProgramSpec spec = program.spec();
        KernelTypes types = kernelTypes != null ? kernelTypes : KernelTypes.emulated();
        ProgramTypeRules rules = spec.type() == dev.bpfvm.vm.object.ProgramType.CGROUP_STATS_AGG
                ? StatsAggregatorType.of(object, spec) : rules(spec, types);
        if (rules == null) {
            String msg = "program type " + spec.type().kernelName() + " (SEC(\"" + spec.section()
                    + "\")) is not supported by the verifier";
            throw new VerifierException(msg + "\n", msg, Errno.EINVAL, -1, spec.name(), null);
        }
        if (spec.type() == dev.bpfvm.vm.object.ProgramType.LSM && BtfTracing.LSM_DISABLED_HOOKS.contains(spec.attachTo())) {
            String msg = "attach_btf_id points to disabled hook bpf_lsm_" + spec.attachTo();
            throw new VerifierException(msg + "\n", msg, Errno.EINVAL, -1, spec.name(), null);
        }
        VerifierOptions base = options != null ? options : VerifierOptions.defaults();
        VerifierOptions opts = base.withSleepable(spec.sleepable()).withGplCompatible(gplCompatible(spec.license()));
        List<FuncInfo> funcs = new ArrayList<>();
        if (object.hasBtf()) {
            for (FunctionSpec f : spec.functions()) {
                boolean global = f.global() && f.start() != 0;
                List<FuncInfo.FuncArg> args = global ? globalArgs(object.btf(), f.btfId(), rules) : null;
                funcs.add(new FuncInfo(f.start(), f.name(), global, args, scalarReturn(object.btf(), f.btfId())));
            }
        }
        return VerifierInput.builder(program.program(), rules)
                .helpers(helpers)
                .kfuncs(kfuncs)
                .maps(resolver(object, program.relocs(), types, mapIds))
                .funcInfo(funcs)
                .options(opts)
                .kernelTypes(types)
                .build();
    }

    /**
     * Whether a function's BTF prototype returns an integer of at most 8 bytes or an enum once
     * typedefs and modifiers are skipped (check_btf_func's {@code scalar_return}). True when the
     * function has no usable BTF type: nothing is then checked against it.
     */
    static boolean scalarReturn(Btf btf, int funcId) {
        if (btf == null || funcId <= 0 || !(btf.type(funcId) instanceof BtfType.Func f)
                || !(btf.resolved(f.type()) instanceof BtfType.FuncProto proto)) {
            return true;
        }
        BtfType ret = btf.resolved(proto.returnType());
        return ret instanceof BtfType.Int i && i.size() <= 8 || ret instanceof BtfType.Enumeration;
    }

    /**
     * The arguments of a global function from its BTF prototype (btf_prepare_func_args):
     * integers are scalars, a pointer to the program type's context struct is the context,
     * a pointer to anything sized is memory of that size that may be NULL. Null when the
     * prototype has something else; the function is then verified like a static one.
     */
    static List<FuncInfo.FuncArg> globalArgs(Btf btf, int funcId, ProgramTypeRules rules) {
        if (btf == null || funcId <= 0 || !(btf.type(funcId) instanceof BtfType.Func f)
                || !(btf.resolved(f.type()) instanceof BtfType.FuncProto proto) || proto.params().size() > 5) {
            return null;
        }
        List<FuncInfo.FuncArg> out = new ArrayList<>();
        java.util.Set<String>[] tags = argTags(btf, funcId, proto.params().size());
        for (int i = 0; i < proto.params().size(); i++) {
            BtfType.Param p = proto.params().get(i);
            BtfType t = btf.resolved(p.type());
            if (t instanceof BtfType.Int || t instanceof BtfType.Enumeration) {
                out.add(FuncInfo.FuncArg.scalar());
                continue;
            }
            if (!(t instanceof BtfType.Ptr ptr)) {
                return null;
            }
            if (tags[i].contains("arg:ctx")) {
                // __arg_ctx: the context whatever the pointee type (Linux checks it against the
                // program type's accepted context types; bpfvm does not)
                out.add(FuncInfo.FuncArg.ctx());
                continue;
            }
            boolean nullable = !tags[i].contains("arg:nonnull");
            int target = btf.resolve(ptr.type());
            BtfType pt = btf.type(target);
            String ctxName = contextStruct(rules);
            if (pt instanceof BtfType.Composite c && !ctxName.isEmpty() && c.name().equals(ctxName)) {
                out.add(FuncInfo.FuncArg.ctx());
            } else if (pt instanceof BtfType.Void && voidPointerIsContext(rules)) {
                out.add(FuncInfo.FuncArg.ctx());
            } else if (pt instanceof BtfType.Int || pt instanceof BtfType.Enumeration
                    || pt instanceof BtfType.Composite || pt instanceof BtfType.Array) {
                try {
                    out.add(FuncInfo.FuncArg.mem((int) btf.size(target), nullable));
                } catch (RuntimeException e) {
                    return null;
                }
            } else {
                return null;
            }
        }
        return out;
    }

    /** The {@code btf_decl_tag}s on each parameter of a function ({@code __arg_ctx} is "arg:ctx"). */
    @SuppressWarnings("unchecked")
    private static java.util.Set<String>[] argTags(Btf btf, int funcId, int params) {
        java.util.Set<String>[] tags = new java.util.Set[params];
        for (int i = 0; i < params; i++) {
            tags[i] = new java.util.HashSet<>();
        }
        for (BtfType t : btf.types()) {
            if (t instanceof BtfType.DeclTag d && d.type() == funcId && d.componentIdx() >= 0
                    && d.componentIdx() < params) {
                tags[d.componentIdx()].add(d.name());
            }
        }
        return tags;
    }

    /** The uapi struct a program type's context pointer points to. */
    static String contextStruct(ProgramTypeRules rules) {
        switch (rules.kernelType()) {
            case "BPF_PROG_TYPE_SOCKET_FILTER":
            case "BPF_PROG_TYPE_SCHED_CLS":
            case "BPF_PROG_TYPE_SCHED_ACT":
            case "BPF_PROG_TYPE_CGROUP_SKB":
            case "BPF_PROG_TYPE_LWT_IN":
            case "BPF_PROG_TYPE_LWT_OUT":
            case "BPF_PROG_TYPE_LWT_XMIT":
            case "BPF_PROG_TYPE_LWT_SEG6LOCAL":
            case "BPF_PROG_TYPE_SK_SKB":
            case "BPF_PROG_TYPE_FLOW_DISSECTOR":
                return "__sk_buff";
            case "BPF_PROG_TYPE_XDP":
                return "xdp_md";
            case "BPF_PROG_TYPE_CGROUP_SOCK":
                return "bpf_sock";
            case "BPF_PROG_TYPE_CGROUP_SOCK_ADDR":
                return "bpf_sock_addr";
            case "BPF_PROG_TYPE_SOCK_OPS":
                return "bpf_sock_ops";
            case "BPF_PROG_TYPE_SK_MSG":
                return "sk_msg_md";
            case "BPF_PROG_TYPE_CGROUP_DEVICE":
                return "bpf_cgroup_dev_ctx";
            case "BPF_PROG_TYPE_CGROUP_SYSCTL":
                return "bpf_sysctl";
            case "BPF_PROG_TYPE_PERF_EVENT":
                return "bpf_perf_event_data";
            case "BPF_PROG_TYPE_KPROBE":
                return "pt_regs";
            case "BPF_PROG_TYPE_RAW_TRACEPOINT":
                return "bpf_raw_tracepoint_args";
            default:
                return "";
        }
    }

    private static boolean voidPointerIsContext(ProgramTypeRules rules) {
        switch (rules.kernelType()) {
            case "BPF_PROG_TYPE_KPROBE":
            case "BPF_PROG_TYPE_TRACEPOINT":
            case "BPF_PROG_TYPE_RAW_TRACEPOINT":
            case "BPF_PROG_TYPE_PERF_EVENT":
            case "BPF_PROG_TYPE_TRACING":
            case "BPF_PROG_TYPE_LSM":
            case "BPF_PROG_TYPE_SYSCALL":
                return true;
            default:
                return false;
        }
    }

    /** The program type model for a program's section, or null when bpfvm has none. */
    public static ProgramTypeRules rules(ProgramSpec spec, KernelTypes types) {
        return rules(spec.type(), spec.attachType(), spec.attachTo(), types);
    }

    /**
     * The program type model for {@code BPF_PROG_LOAD}'s {@code prog_type}, {@code
     * expected_attach_type} and attach target (a BTF name for tracing and LSM programs), or null.
     */
    public static ProgramTypeRules rules(ProgramType type, AttachType attachType, String attachTo,
            KernelTypes types) {
        ProgramSpecLike spec = new ProgramSpecLike(type, attachType, attachTo);
        switch (spec.type()) {
            case SOCKET_FILTER:
                return ProgramTypes.SOCKET_FILTER;
            case CGROUP_SKB:
                return spec.attachType() == AttachType.CGROUP_INET_EGRESS ? ProgramTypes.CGROUP_SKB_EGRESS
                        : ProgramTypes.CGROUP_SKB_INGRESS;
            case SCHED_CLS:
                return ProgramTypes.SCHED_CLS;
            case SCHED_ACT:
                return ProgramTypes.SCHED_ACT;
            case XDP:
                return ProgramTypes.XDP;
            case KPROBE:
                return ProgramTypes.KPROBE;
            case TRACEPOINT:
                return ProgramTypes.TRACEPOINT;
            case RAW_TRACEPOINT:
            case RAW_TRACEPOINT_WRITABLE:
                return ProgramTypes.RAW_TRACEPOINT;
            case PERF_EVENT:
                return ProgramTypes.PERF_EVENT;
            case SYSCALL:
                return ProgramTypes.SYSCALL;
            case CGROUP_SOCK:
                return ProgramTypes.CGROUP_SOCK;
            case CGROUP_SOCK_ADDR:
                switch (spec.attachType()) {
                    case CGROUP_INET4_BIND:
                    case CGROUP_INET6_BIND:
                        return ProgramTypes.CGROUP_SOCK_ADDR_BIND;
                    case CGROUP_UDP4_RECVMSG:
                    case CGROUP_UDP6_RECVMSG:
                    case CGROUP_UNIX_RECVMSG:
                    case CGROUP_INET4_GETPEERNAME:
                    case CGROUP_INET6_GETPEERNAME:
                    case CGROUP_UNIX_GETPEERNAME:
                    case CGROUP_INET4_GETSOCKNAME:
                    case CGROUP_INET6_GETSOCKNAME:
                    case CGROUP_UNIX_GETSOCKNAME:
                        return ProgramTypes.CGROUP_SOCK_ADDR_ONE;
                    default:
                        return ProgramTypes.CGROUP_SOCK_ADDR;
                }
            case LWT_IN:
                return ProgramTypes.LWT_IN;
            case LWT_OUT:
                return ProgramTypes.LWT_OUT;
            case LWT_XMIT:
                return ProgramTypes.LWT_XMIT;
            case LWT_SEG6LOCAL:
                return ProgramTypes.LWT_SEG6LOCAL;
            case SK_SKB:
                return ProgramTypes.SK_SKB;
            case SK_MSG:
                return ProgramTypes.SK_MSG;
            case SOCK_OPS:
                return ProgramTypes.SOCK_OPS;
            case CGROUP_DEVICE:
                return ProgramTypes.CGROUP_DEVICE;
            case CGROUP_SYSCTL:
                return ProgramTypes.CGROUP_SYSCTL;
            case FLOW_DISSECTOR:
                return ProgramTypes.FLOW_DISSECTOR;
            case LSM:
                return ProgramTypes.btfTracing("lsm", spec.attachTo(), types);
            case TRACING:
                switch (spec.attachType()) {
                    case TRACE_RAW_TP:
                        return ProgramTypes.btfTracing("tp_btf", spec.attachTo(), types);
                    case TRACE_FENTRY:
                        return ProgramTypes.btfTracing("fentry", spec.attachTo(), types);
                    case TRACE_FEXIT:
                        return ProgramTypes.btfTracing("fexit", spec.attachTo(), types);
                    case MODIFY_RETURN:
                        return ProgramTypes.btfTracing("fmod_ret", spec.attachTo(), types);
                    case TRACE_ITER:
                        return ProgramTypes.btfTracing("iter", spec.attachTo(), types);
                    default:
                        return null;
                }
            default:
                return null;
        }
    }

    private record ProgramSpecLike(ProgramType type, AttachType attachType, String attachTo) {}

    /**
     * Resolves each map-referencing {@code ld_imm64} through the relocation side table: a
     * {@link Reloc.MapRef} names a map, a {@link Reloc.DataRef} a global data map and offset.
     */
    static MapResolver resolver(ObjectSpec object, Map<Integer, Reloc> relocs, KernelTypes types,
            ToIntFunction<String> mapIds) {
        Map<String, MapInfo> infos = new HashMap<>();
        int order = 0;
        for (MapSpec m : object.maps()) {
            order++;
            int id = mapIds != null ? mapIds.applyAsInt(m.name()) : 0;
            infos.put(m.name(), mapInfo(m, object.btf(), id > 0 ? id : order));
        }
        return new MapResolver() {
            @Override
            public MapInfo resolve(int pc, Insn insn) {
                Reloc r = relocs.get(pc);
                if (r instanceof Reloc.MapRef m) {
                    return infos.get(m.map());
                }
                if (r instanceof Reloc.DataRef d) {
                    return infos.get(d.map());
                }
                return null;
            }

            @Override
            public long valueOffset(int pc, Insn insn) {
                return relocs.get(pc) instanceof Reloc.DataRef d ? d.offset() : 0;
            }

            @Override
            public boolean kernelEncoding() {
                return false;
            }

            @Override
            public KernelSymbol kernelSymbol(int pc, Insn insn) {
                if (!(relocs.get(pc) instanceof Reloc.KsymRef k)) {
                    return null;
                }
                return ksym(object, k, insn, types);
            }
        };
    }

    /** A typed {@code __ksym} extern as the linked ld_imm64 loads it. */
    private static KernelSymbol ksym(ObjectSpec object, Reloc.KsymRef k, Insn insn, KernelTypes types) {
        if (k.weak() && insn.imm64() == 0) {
            return KernelSymbol.missing(k.name());
        }
        ExternSpec ext = object.extern(k.name());
        if (ext == null || ext.kind() == ExternSpec.Kind.KFUNC) {
            return KernelSymbol.function(k.name());
        }
        Btf btf = object.btf();
        if (btf != null && ext.btfId() > 0 && btf.type(ext.btfId()) instanceof BtfType.Var v) {
            if (btf.resolved(v.type()) instanceof BtfType.Composite c) {
                KernelType kt = types.struct(c.name());
                return KernelSymbol.structVariable(k.name(), kt != null ? kt : new KernelTypes(btf).struct(v.type()),
                        false);
            }
            try {
                return KernelSymbol.variable(k.name(), btf.size(v.type()));
            } catch (RuntimeException e) {
                return KernelSymbol.variable(k.name(), 0);
            }
        }
        return KernelSymbol.variable(k.name(), 0);
    }

    /** The verifier's view of a map spec; {@code btf} is the object's BTF (may be null). */
    public static MapInfo mapInfo(MapSpec m, Btf btf) {
        return mapInfo(m, btf, 0);
    }

    /** {@link #mapInfo(MapSpec, Btf)} for the map with this id ({@code map[id:N]} in the log; 0: none). */
    public static MapInfo mapInfo(MapSpec m, Btf btf, int id) {
        int lock = -1;
        int timer = -1;
        if (btf != null && m.btfValueTypeId() > 0) {
            lock = findStruct(btf, m.btfValueTypeId(), "bpf_spin_lock", 0, 0);
            timer = findStruct(btf, m.btfValueTypeId(), "bpf_timer", 0, 0);
        }
        byte[] frozen = null;
        if (m.frozen() && m.isGlobalData()) {
            frozen = new byte[m.valueSize()];
            byte[] data = m.data();
            if (data != null) {
                System.arraycopy(data, 0, frozen, 0, Math.min(data.length, frozen.length));
            }
        }
        MapInfo inner = m.innerMap() != null ? mapInfo(m.innerMap(), btf) : null;
        int flags = m.flags();
        if (m.frozen() && m.isGlobalData()) {
            flags |= MapInfo.BPF_F_RDONLY_PROG;
        }
        return new LoadedMap(kernelName(m.name()), m.type(), m.keySize(), m.valueSize(), m.maxEntries(), flags,
                lock, timer, m.btfValueTypeId() > 0, frozen, inner, id);
    }

    /** The kernel keeps BPF_OBJ_NAME_LEN - 1 = 15 characters of a map's name. */
    private static String kernelName(String name) {
        return name.length() > 15 ? name.substring(0, 15) : name;
    }

    /** Byte offset of a member of struct type {@code want} inside type {@code id}, or -1. */
    private static int findStruct(Btf btf, int id, String want, int base, int depth) {
        if (depth > 8) {
            return -1;
        }
        BtfType t = btf.resolved(id);
        if (t instanceof BtfType.Struct s && s.name().equals(want)) {
            return base;
        }
        if (t instanceof BtfType.Composite c) {
            for (BtfType.Member mem : c.members()) {
                int found = findStruct(btf, mem.type(), want, base + mem.bitOffset() / 8, depth + 1);
                if (found >= 0) {
                    return found;
                }
            }
        }
        return -1;
    }

    /** A map of a loaded object, as the verifier sees it. */
    record LoadedMap(String name, MapType type, int keySize, int valueSize, int maxEntries, int flags,
            int spinLockOffset, int timerOffset, boolean hasBtf, byte[] frozenValue, MapInfo innerMap, int id)
            implements MapInfo {
        @Override
        public String toString() {
            return "map '" + name + "' (" + type.bpftoolName() + ")";
        }
    }
}
