package dev.bpfvm.verifier;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.spi.ArgType;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.KfuncSpec;
import dev.bpfvm.vm.spi.MapType;
import dev.bpfvm.vm.spi.RetType;
import java.util.List;

/**
 * Calls and returns: helper calls checked against their prototypes, kfunc calls with their
 * KF_* flags, bpf-to-bpf calls and callbacks, reference tracking, spin locks, and the return
 * value rules at exit.
 */
final class CallCheck {
    /** BPF_MAX_VAR_SIZ. */
    private static final long MAX_VAR_SIZ = 1L << 29;
    private static final int MAX_ERRNO = 4095;
    /** nr_cpu_ids: bpfvm's default number of virtual CPUs. */
    static final int NR_CPUS = 4;

    private final Env env;
    private final Checker checker;

    CallCheck(Env env, Checker checker) {
        this.env = env;
        this.checker = checker;
    }

    /** What the argument checks found out about a call (bpf_call_arg_meta). */
    private static final class Meta {
        String func;
        int funcId;
        MapInfo map;
        int mapUid;
        boolean rawMode;
        int accessSize;
        int regno;
        int releaseRegno;
        int refObjId;
        long msizeMaxValue;
        int memSize;
        int subprogno = -1;
    }

    boolean isHelper(int id, String shortName) {
        HelperSpec h = env.input.helpers().byId(id);
        if (h != null) {
            return HelperAvailability.shortName(h).equals(shortName);
        }
        return HelperNames.name(id).equals("bpf_" + shortName);
    }

    private static String typeStr(RegType t, int flags) {
        return StatePrinter.typeStr(t, flags);
    }

    // ---- argument types ----

    private record Allowed(RegType type, int flags) {}

    private static final List<Allowed> MEM_TYPES = List.of(
            new Allowed(RegType.PTR_TO_STACK, 0), new Allowed(RegType.PTR_TO_PACKET, 0),
            new Allowed(RegType.PTR_TO_PACKET_META, 0), new Allowed(RegType.PTR_TO_MAP_KEY, 0),
            new Allowed(RegType.PTR_TO_MAP_VALUE, 0), new Allowed(RegType.PTR_TO_MEM, 0),
            new Allowed(RegType.PTR_TO_MEM, RegState.RINGBUF), new Allowed(RegType.PTR_TO_BUF, 0),
            new Allowed(RegType.PTR_TO_BTF_ID, RegState.TRUSTED));

    private static List<Allowed> compatible(ArgType a) {
        switch (a) {
            case PTR_TO_MAP_KEY:
            case PTR_TO_MAP_VALUE:
            case PTR_TO_MAP_VALUE_OR_NULL:
            case PTR_TO_UNINIT_MAP_VALUE:
            case PTR_TO_MEM:
            case PTR_TO_MEM_OR_NULL:
            case PTR_TO_UNINIT_MEM:
            case PTR_TO_RDONLY_MEM:
            case PTR_TO_LONG:
            case PTR_TO_INT:
                return MEM_TYPES;
            case CONST_SIZE:
            case CONST_SIZE_OR_ZERO:
            case CONST_ALLOC_SIZE_OR_ZERO:
                return List.of(new Allowed(RegType.SCALAR_VALUE, 0));
            case CONST_MAP_PTR:
                return List.of(new Allowed(RegType.CONST_PTR_TO_MAP, 0));
            case PTR_TO_CTX:
            case PTR_TO_CTX_OR_NULL:
                return List.of(new Allowed(RegType.PTR_TO_CTX, 0));
            case PTR_TO_SOCKET:
                return List.of(new Allowed(RegType.PTR_TO_SOCKET, 0));
            case PTR_TO_BTF_ID:
            case PTR_TO_BTF_ID_OR_NULL:
                return List.of(new Allowed(RegType.PTR_TO_BTF_ID, 0), new Allowed(RegType.PTR_TO_BTF_ID, RegState.TRUSTED),
                        new Allowed(RegType.PTR_TO_BTF_ID, RegState.RCU));
            case PTR_TO_SPIN_LOCK:
                return List.of(new Allowed(RegType.PTR_TO_MAP_VALUE, 0),
                        new Allowed(RegType.PTR_TO_BTF_ID, RegState.ALLOC));
            case PTR_TO_ALLOC_MEM:
                return List.of(new Allowed(RegType.PTR_TO_MEM, RegState.RINGBUF));
            case PTR_TO_PERCPU_BTF_ID:
                return List.of(new Allowed(RegType.PTR_TO_BTF_ID, RegState.PERCPU));
            case PTR_TO_FUNC:
                return List.of(new Allowed(RegType.PTR_TO_FUNC, 0));
            case PTR_TO_STACK:
            case PTR_TO_STACK_OR_NULL:
                return List.of(new Allowed(RegType.PTR_TO_STACK, 0));
            case PTR_TO_CONST_STR:
            case PTR_TO_TIMER:
                return List.of(new Allowed(RegType.PTR_TO_MAP_VALUE, 0));
            case PTR_TO_DYNPTR:
                return List.of(new Allowed(RegType.PTR_TO_STACK, 0));
            default:
                return null;
        }
    }

    private static boolean mayBeNull(ArgType a) {
        switch (a) {
            case PTR_TO_MAP_VALUE_OR_NULL:
            case PTR_TO_MEM_OR_NULL:
            case PTR_TO_CTX_OR_NULL:
            case PTR_TO_STACK_OR_NULL:
            case PTR_TO_BTF_ID_OR_NULL:
                return true;
            default:
                return false;
        }
    }

    private static boolean readOnlyArg(ArgType a) {
        return a == ArgType.PTR_TO_RDONLY_MEM;
    }

    private boolean isRelease(ArgType a, Meta meta) {
        if (a == ArgType.PTR_TO_ALLOC_MEM) {
            return meta.func.equals("ringbuf_submit") || meta.func.equals("ringbuf_discard");
        }
        return meta.func.equals("sk_release") && (a == ArgType.PTR_TO_SOCKET || a == ArgType.PTR_TO_BTF_ID);
    }

    /** ARG_PTR_TO_BTF_ID_SOCK_COMMON: what the socket helpers below accept. */
    private static final List<Allowed> BTF_ID_SOCK_COMMON = List.of(new Allowed(RegType.PTR_TO_SOCK_COMMON, 0),
            new Allowed(RegType.PTR_TO_SOCKET, 0), new Allowed(RegType.PTR_TO_TCP_SOCK, 0),
            new Allowed(RegType.PTR_TO_XDP_SOCK, 0), new Allowed(RegType.PTR_TO_BTF_ID, 0),
            new Allowed(RegType.PTR_TO_BTF_ID, RegState.TRUSTED));

    /** Helpers whose socket argument Linux declares ARG_PTR_TO_BTF_ID_SOCK_COMMON. */
    private static final java.util.Set<String> SOCK_COMMON_HELPERS = java.util.Set.of("sk_release",
            "skc_to_tcp6_sock", "skc_to_tcp_sock", "skc_to_tcp_timewait_sock", "skc_to_tcp_request_sock",
            "skc_to_udp6_sock", "skc_to_unix_sock", "skc_to_mptcp_sock", "sk_cgroup_id", "sk_ancestor_cgroup_id");

    /**
     * bpfvm's {@code bpf_cgroup_stats_update} takes its cgroup as Linux's kfuncs with
     * KF_TRUSTED_ARGS / KF_RCU do: a trusted or RCU {@code struct cgroup *}, never a walked one.
     */
    private static final List<Allowed> BTF_ID_TRUSTED_OR_RCU = List.of(new Allowed(RegType.PTR_TO_BTF_ID, RegState.TRUSTED),
            new Allowed(RegType.PTR_TO_BTF_ID, RegState.RCU));

    /** The kernel struct a bpfvm helper's PTR_TO_BTF_ID argument points to (its arg_btf_id), or null. */
    private static String argBtfStruct(String func, ArgType arg) {
        return func.equals(HelperAvailability.CGROUP_STATS_UPDATE) && arg == ArgType.PTR_TO_BTF_ID ? "cgroup" : null;
    }

    /** Helpers whose Linux proto has {@code .pkt_access = true}: the only ones packet pointers may be passed to. */
    private static final java.util.Set<String> PKT_ACCESS = java.util.Set.of("csum_diff", "map_delete_elem",
            "map_lookup_elem", "map_lookup_percpu_elem", "map_push_elem", "map_update_elem", "sk_lookup_tcp",
            "sk_lookup_udp", "skc_lookup_tcp", "tcp_check_syncookie", "tcp_gen_syncookie",
            "tcp_raw_check_syncookie_ipv4", "tcp_raw_check_syncookie_ipv6", "tcp_raw_gen_syncookie_ipv4",
            "tcp_raw_gen_syncookie_ipv6");

    /** ARG_PTR_TO_SOCK_COMMON: the kernel's sock_types. */
    private static final List<Allowed> SOCK_COMMON = List.of(new Allowed(RegType.PTR_TO_SOCK_COMMON, 0),
            new Allowed(RegType.PTR_TO_SOCKET, 0), new Allowed(RegType.PTR_TO_TCP_SOCK, 0),
            new Allowed(RegType.PTR_TO_XDP_SOCK, 0));

    /** Helpers whose socket argument Linux declares ARG_PTR_TO_SOCK_COMMON. */
    private static final java.util.Set<String> PLAIN_SOCK_COMMON_HELPERS = java.util.Set.of("sk_fullsock",
            "tcp_sock", "get_listener_sock");

    private void checkRegType(int regno, ArgType arg, Meta meta) {
        RegState reg = env.reg(regno);
        List<Allowed> ok = arg == ArgType.PTR_TO_SOCKET && SOCK_COMMON_HELPERS.contains(meta.func)
                ? BTF_ID_SOCK_COMMON
                : argBtfStruct(meta.func, arg) != null ? BTF_ID_TRUSTED_OR_RCU
                : arg == ArgType.PTR_TO_SOCKET && PLAIN_SOCK_COMMON_HELPERS.contains(meta.func) ? SOCK_COMMON
                : compatible(arg);
        if (ok == null) {
            throw env.fail(Errno.EFAULT, "verifier internal error: unsupported arg type " + arg);
        }
        int flags = reg.flags;
        if (readOnlyArg(arg)) {
            flags &= ~RegState.RDONLY;
        }
        if (mayBeNull(arg)) {
            flags &= ~RegState.MAYBE_NULL;
        }
        for (Allowed a : ok) {
            if (a.type() == reg.type && a.flags() == flags) {
                if (reg.type == RegType.PTR_TO_BTF_ID && ok == MEM_TYPES && !readOnlyArg(arg)) {
                    throw env.deny("bpf_" + meta.func + "() may write into memory pointed by R" + regno + " type="
                            + StatePrinter.typeStr(reg));
                }
                String want = argBtfStruct(meta.func, arg);
                if (want != null && (reg.btf == null || !reg.btf.name().equals(want))) {
                    throw env.deny("R" + regno + " is of type " + (reg.btf == null ? "" : reg.btf.name()) + " but "
                            + want + " is expected");
                }
                return;
            }
        }
        StringBuilder sb = new StringBuilder("R" + regno + " type=" + StatePrinter.typeStr(reg) + " expected=");
        for (int j = 0; j < ok.size(); j++) {
            if (j > 0) {
                sb.append(", ");
            }
            sb.append(typeStr(ok.get(j).type(), ok.get(j).flags()));
        }
        throw env.deny(sb.toString());
    }

    private void checkArgRegOff(RegState reg, int regno, boolean release) {
        if (release) {
            if (reg.off != 0) {
                throw env.fail("R" + regno + " must have zero offset when passed to release func or trusted arg to kfunc");
            }
            checker.mem.checkPtrOffReg(reg, regno, false);
            return;
        }
        switch (reg.type) {
            case PTR_TO_STACK:
            case PTR_TO_PACKET:
            case PTR_TO_PACKET_META:
            case PTR_TO_MAP_KEY:
            case PTR_TO_MAP_VALUE:
            case PTR_TO_MEM:
            case PTR_TO_BUF:
            case SCALAR_VALUE:
                return;
            case PTR_TO_BTF_ID:
                checker.mem.checkPtrOffReg(reg, regno, true);
                return;
            default:
                checker.mem.checkPtrOffReg(reg, regno, false);
        }
    }

    /** check_helper_mem_access: a helper reads or writes {@code size} bytes behind regno. */
    private void helperMemAccess(int regno, long size, boolean write, boolean zeroSizeAllowed, Meta meta) {
        RegState reg = env.reg(regno);
        int sz = (int) size;
        switch (reg.type) {
            case PTR_TO_PACKET:
            case PTR_TO_PACKET_META:
                checker.mem.checkPacketAccess(regno, reg.off, sz, zeroSizeAllowed);
                return;
            case PTR_TO_MAP_KEY:
                if (write) {
                    throw env.deny("R" + regno + " cannot write into " + StatePrinter.typeStr(reg));
                }
                checker.mem.checkMemRegion(regno, reg.off, sz, reg.map.keySize(), false);
                return;
            case PTR_TO_MAP_VALUE:
                checker.mem.checkMapAccessType(regno, reg.off, sz, write);
                checker.mem.checkMapAccess(regno, reg.off, sz, zeroSizeAllowed, true);
                return;
            case PTR_TO_MEM:
                if ((reg.flags & RegState.RDONLY) != 0 && write) {
                    throw env.deny("R" + regno + " cannot write into " + StatePrinter.typeStr(reg));
                }
                checker.mem.checkMemRegion(regno, reg.off, sz, Integer.toUnsignedLong(reg.memSize), zeroSizeAllowed);
                return;
            case PTR_TO_STACK:
                checker.mem.checkStackRangeInitialized(regno, reg.off, sz, zeroSizeAllowed, true,
                        meta != null && meta.rawMode);
                if (meta != null && meta.rawMode && reg.varOff.isConst()) {
                    meta.accessSize = sz;
                    meta.regno = regno;
                }
                return;
            case PTR_TO_CTX:
                if (!env.type.contextIsConverted()) {
                    if (sz == 0) {
                        if (zeroSizeAllowed) {
                            return;
                        }
                        throw env.deny("invalid zero-sized read");
                    }
                    checker.mem.access(regno, sz - 1, 1, write, -1, false, false, checker);
                    return;
                }
                break;
            default:
                break;
        }
        if (zeroSizeAllowed && sz == 0 && reg.isNull()) {
            return;
        }
        throw env.deny("R" + regno + " type=" + StatePrinter.typeStr(reg) + " expected=fp");
    }

    private void checkMemSizeReg(RegState reg, int regno, boolean write, boolean zeroSizeAllowed, Meta meta) {
        meta.msizeMaxValue = reg.umax;
        Meta m = reg.varOff.isConst() ? meta : null;
        if (reg.smin < 0) {
            throw env.deny("R" + regno + " min value is negative, either use unsigned or 'var &= const'");
        }
        if (reg.umin == 0 && !zeroSizeAllowed) {
            throw env.deny("R" + regno + " invalid zero-sized read: u64=[" + reg.umin + "," + reg.umax + "]");
        }
        if (Long.compareUnsigned(reg.umax, MAX_VAR_SIZ) >= 0) {
            throw env.deny("R" + regno + " unbounded memory access, use 'var &= const' or 'if (var < const)'");
        }
        helperMemAccess(regno - 1, reg.umax, write, zeroSizeAllowed, m);
        env.precision.markReg(regno);
    }

    private void checkFuncArg(int arg, Meta meta, HelperProto proto) {
        int regno = 1 + arg;
        ArgType at = arg < proto.args().size() ? proto.args().get(arg) : ArgType.DONTCARE;
        if (at == ArgType.DONTCARE) {
            return;
        }
        checker.checkRegArg(regno, Checker.Op.SRC);
        RegState reg = env.reg(regno);
        if (at == ArgType.ANYTHING) {
            if (checker.isPointerValue(reg)) {
                throw env.deny("R" + regno + " leaks addr into helper function");
            }
            return;
        }
        if (reg.type.isPacket() && (!env.type.packetRead() || !PKT_ACCESS.contains(meta.func))) {
            throw env.deny("helper access to the packet is not allowed");
        }
        boolean release = isRelease(at, meta);
        if (!(reg.isNull() && mayBeNull(at))) {
            checkRegType(regno, at, meta);
            checkArgRegOff(reg, regno, release);
        }
        if (release) {
            if (reg.refObjId == 0 && !reg.isNull()) {
                throw env.fail("R" + regno + " must be referenced when passed to release function");
            }
            meta.releaseRegno = regno;
        }
        if (reg.refObjId != 0) {
            if (meta.refObjId != 0) {
                throw env.fail(Errno.EFAULT, "verifier internal error: more than one arg with ref_obj_id R" + regno
                        + " " + reg.refObjId + " " + meta.refObjId);
            }
            meta.refObjId = reg.refObjId;
        }
        switch (at) {
            case CONST_MAP_PTR:
                if (meta.map != null && (meta.map != reg.map || meta.mapUid != reg.mapUid)) {
                    throw env.fail("timer pointer in R1 map_uid=" + meta.mapUid + " doesn't match map pointer in R2 map_uid="
                            + reg.mapUid);
                }
                meta.map = reg.map;
                meta.mapUid = reg.mapUid;
                break;
            case PTR_TO_MAP_KEY:
                if (meta.map == null) {
                    throw env.deny("invalid map_ptr to access map->key");
                }
                helperMemAccess(regno, meta.map.keySize(), false, false, null);
                break;
            case PTR_TO_MAP_VALUE:
            case PTR_TO_MAP_VALUE_OR_NULL:
            case PTR_TO_UNINIT_MAP_VALUE:
                if (mayBeNull(at) && reg.isNull()) {
                    return;
                }
                if (meta.map == null) {
                    throw env.deny("invalid map_ptr to access map->value");
                }
                meta.rawMode = at == ArgType.PTR_TO_UNINIT_MAP_VALUE;
                helperMemAccess(regno, meta.map.valueSize(), meta.rawMode, false, meta);
                break;
            case PTR_TO_SPIN_LOCK:
                processSpinLock(regno, meta.func.equals("spin_lock"));
                break;
            case PTR_TO_TIMER:
                processTimer(regno, meta);
                break;
            case PTR_TO_FUNC:
                meta.subprogno = reg.subprogno;
                break;
            case PTR_TO_MEM:
            case PTR_TO_MEM_OR_NULL:
            case PTR_TO_RDONLY_MEM:
                meta.rawMode = false;
                break;
            case PTR_TO_UNINIT_MEM:
                meta.rawMode = true;
                break;
            case PTR_TO_LONG:
            case PTR_TO_INT: {
                int size = at == ArgType.PTR_TO_LONG ? 8 : 4;
                meta.rawMode = true;
                helperMemAccess(regno, size, true, false, meta);
                // ARG_PTR_TO_FIXED_SIZE_MEM | MEM_ALIGNED
                checker.mem.checkAlignment(reg, 0, size, true);
                break;
            }
            case CONST_SIZE:
            case CONST_SIZE_OR_ZERO: {
                ArgType prev = arg > 0 ? proto.args().get(arg - 1) : ArgType.DONTCARE;
                boolean write = prev == ArgType.PTR_TO_UNINIT_MEM;
                checkMemSizeReg(reg, regno, write, at == ArgType.CONST_SIZE_OR_ZERO, meta);
                break;
            }
            case CONST_ALLOC_SIZE_OR_ZERO:
                if (!reg.varOff.isConst()) {
                    throw env.deny("R" + regno + " is not a known constant'");
                }
                meta.memSize = (int) reg.varOff.value();
                env.precision.markReg(regno);
                break;
            case PTR_TO_CONST_STR:
                checkConstStr(reg, regno);
                break;
            case PTR_TO_DYNPTR:
                throw env.fail("dynptr arguments are not supported by bpfvm's verifier");
            default:
                break;
        }
    }

    private void checkConstStr(RegState reg, int regno) {
        MapInfo map = reg.map;
        if ((map.flags() & MapInfo.BPF_F_RDONLY_PROG) == 0 || map.frozenValue() == null) {
            throw env.deny("R" + regno + " does not point to a readonly map'");
        }
        if (!reg.varOff.isConst()) {
            throw env.deny("R" + regno + " is not a constant address'");
        }
        if (!Cfg.directValueAccess(map)) {
            throw env.deny("no direct value access support for this map type");
        }
        checker.mem.checkMapAccess(regno, reg.off, map.valueSize() - reg.off, false, true);
        int off = (int) (reg.off + reg.varOff.value());
        byte[] v = map.frozenValue();
        for (int i = off; i < v.length; i++) {
            if (v[i] == 0) {
                return;
            }
        }
        throw env.fail("string is not zero-terminated");
    }

    private void processSpinLock(int regno, boolean lock) {
        RegState reg = env.reg(regno);
        VerifierState cur = env.cur;
        if (!reg.varOff.isConst()) {
            throw env.fail("R" + regno + " doesn't have constant offset. bpf_spin_lock has to be at the constant offset");
        }
        MapInfo map = reg.map;
        if (map == null) {
            throw env.fail("local 'kptr' has no valid bpf_spin_lock");
        }
        if (!map.hasBtf()) {
            throw env.fail("map '" + map.name() + "' has to have BTF in order to use bpf_spin_lock");
        }
        if (map.spinLockOffset() < 0) {
            throw env.fail("map '" + map.name() + "' has no valid bpf_spin_lock");
        }
        long at = reg.varOff.value() + reg.off;
        if (map.spinLockOffset() != at) {
            throw env.fail("off " + at + " doesn't point to 'struct bpf_spin_lock' that is at " + map.spinLockOffset());
        }
        if (lock) {
            if (cur.activeLockPtr != null) {
                throw env.fail("Locking two bpf_spin_locks are not allowed");
            }
            cur.activeLockPtr = map;
            cur.activeLockId = reg.id;
        } else {
            if (cur.activeLockPtr == null) {
                throw env.fail("bpf_spin_unlock without taking a lock");
            }
            if (cur.activeLockPtr != map || cur.activeLockId != reg.id) {
                throw env.fail("bpf_spin_unlock of different lock");
            }
            cur.activeLockPtr = null;
            cur.activeLockId = 0;
        }
    }

    private void processTimer(int regno, Meta meta) {
        RegState reg = env.reg(regno);
        MapInfo map = reg.map;
        if (!reg.varOff.isConst()) {
            throw env.fail("R" + regno + " doesn't have constant offset. bpf_timer has to be at the constant offset");
        }
        if (!map.hasBtf()) {
            throw env.fail("map '" + map.name() + "' has to have BTF in order to use bpf_timer");
        }
        if (map.timerOffset() < 0) {
            throw env.fail("map '" + map.name() + "' has no valid bpf_timer");
        }
        long at = reg.varOff.value() + reg.off;
        if (map.timerOffset() != at) {
            throw env.fail("off " + at + " doesn't point to 'struct bpf_timer' that is at " + map.timerOffset());
        }
        meta.mapUid = reg.mapUid;
        meta.map = map;
    }

    // ---- references ----

    private int acquireReference() {
        int id = env.newId();
        FuncState f = env.curFunc();
        env.cur.refs.add(new VerifierState.Ref(id, env.insnIdx, f.inCallbackFn ? f.frameno : 0));
        return id;
    }

    /** release_reference: drops the reference and invalidates every copy of the pointer. */
    private boolean releaseReference(int refObjId) {
        boolean found = env.cur.refs.removeIf(r -> r.id() == refObjId);
        if (!found) {
            return false;
        }
        VerifierState vs = env.cur;
        for (int f = 0; f <= vs.curframe; f++) {
            FuncState fs = vs.frames[f];
            for (RegState r : fs.regs) {
                if (r.refObjId == refObjId) {
                    env.markInvalid(r);
                }
            }
            for (StackSlot s : fs.stack) {
                if (s.isSpill() && s.spilled.refObjId == refObjId) {
                    env.markInvalid(s.spilled);
                }
            }
        }
        return true;
    }

    /** Logs "Unreleased reference" for every reference the current function must have released. */
    boolean logUnreleased() {
        FuncState f = env.curFunc();
        boolean any = false;
        for (VerifierState.Ref r : env.cur.refs) {
            if (f.inCallbackFn && r.callbackFrame() != f.frameno) {
                continue;
            }
            env.note("Unreleased reference id=" + r.id() + " alloc_insn=" + r.insnIdx());
            any = true;
        }
        return any;
    }

    /** check_reference_leak at a program (or callback) exit. */
    void checkReferenceLeak() {
        FuncState f = env.curFunc();
        if (f.frameno != 0 && !f.inCallbackFn) {
            return;
        }
        VerifierState.Ref last = null;
        for (VerifierState.Ref r : env.cur.refs) {
            if (f.inCallbackFn && r.callbackFrame() != f.frameno) {
                continue;
            }
            if (last != null) {
                env.note("Unreleased reference id=" + last.id() + " alloc_insn=" + last.insnIdx());
            }
            last = r;
        }
        if (last != null) {
            throw env.fail("Unreleased reference id=" + last.id() + " alloc_insn=" + last.insnIdx());
        }
    }

    private void clearAllPktPointers() {
        VerifierState vs = env.cur;
        for (int f = 0; f <= vs.curframe; f++) {
            FuncState fs = vs.frames[f];
            for (RegState r : fs.regs) {
                if (r.type.isPacketAny()) {
                    env.markInvalid(r);
                }
            }
            for (StackSlot s : fs.stack) {
                if (s.isSpill() && s.spilled.type.isPacketAny()) {
                    env.markInvalid(s.spilled);
                }
            }
        }
    }

    // ---- helper calls ----

    void helperCall(Insn insn) {
        int funcId = insn.imm();
        if (funcId < 0 || (funcId >= HelperNames.MAX_ID && env.input.helpers().byId(funcId) == null)) {
            throw env.fail("invalid func " + HelperNames.name(funcId) + "#" + funcId);
        }
        HelperSpec spec = env.input.helpers().byId(funcId);
        if (spec == null) {
            // a helper Linux has but this runtime does not implement
            throw env.fail("unknown func " + HelperNames.name(funcId) + "#" + funcId);
        }
        boolean perfmonOnly = env.bpfCapable && !env.allowPtrLeaks && !env.type.isTracing()
                && HelperAvailability.BASE_PERFMON.contains(HelperAvailability.shortName(spec));
        if (!env.type.helperAllowed(spec, env.bpfCapable) || perfmonOnly) {
            throw env.fail("program of this type cannot use helper " + spec.name() + "#" + funcId);
        }
        HelperProto proto = spec.proto();
        if (!env.opts.gplCompatible() && proto.gplOnly()) {
            throw env.fail("cannot call GPL-restricted function from non-GPL compatible program");
        }
        if (!env.opts.sleepable() && proto.sleepable()) {
            throw env.fail("helper call might sleep in a non-sleepable prog");
        }
        Meta meta = new Meta();
        meta.func = HelperAvailability.shortName(spec);
        meta.funcId = funcId;
        if (env.cur.activeRcuLock && proto.sleepable()) {
            throw env.fail("sleepable helper " + spec.name() + "#" + funcId + " in rcu_read_lock region");
        }
        for (int i = 0; i < 5; i++) {
            checkFuncArg(i, meta, proto);
        }
        recordFuncMap(meta);
        for (int i = 0; i < meta.accessSize; i++) {
            checker.mem.access(meta.regno, i, 1, true, -1, false, false, checker);
        }
        RegState[] regs = env.regs();
        if (meta.releaseRegno != 0) {
            boolean ok;
            if (meta.refObjId != 0) {
                ok = releaseReference(meta.refObjId);
            } else {
                ok = regs[meta.releaseRegno].isNull();
            }
            if (!ok) {
                throw env.fail("func " + spec.name() + "#" + funcId + " reference has not been acquired before");
            }
        }
        switch (meta.func) {
            case "tail_call":
                if (logUnreleased()) {
                    throw env.fail("tail_call would lead to reference leak");
                }
                break;
            case "get_local_storage":
                if (!regs[2].isNull()) {
                    throw env.fail("get_local_storage() doesn't support non-zero flags");
                }
                break;
            case "for_each_map_elem":
                pushCallback(insn, meta, CallbackKind.FOR_EACH);
                break;
            case "timer_set_callback":
                pushCallback(insn, meta, CallbackKind.TIMER);
                break;
            case "find_vma":
                pushCallback(insn, meta, CallbackKind.FIND_VMA);
                break;
            case "loop":
                if (Long.compareUnsigned(env.curFunc().callbackDepth, regs[1].umax) < 0) {
                    pushCallback(insn, meta, CallbackKind.LOOP);
                } else {
                    env.curFunc().callbackDepth = 0;
                    if (env.log.level2()) {
                        env.verbose("frame" + env.cur.curframe + " bpf_loop iteration limit reached\n");
                    }
                }
                break;
            default:
                break;
        }
        checker.clobberCallerSaved();
        RegState r0 = regs[0];
        setReturn(r0, proto.ret(), meta, spec.name(), funcId);
        if (r0.maybeNull()) {
            r0.id = env.newId();
        }
        if (isPtrCast(meta.func)) {
            r0.refObjId = meta.refObjId;
        } else if (isAcquire(meta)) {
            int id = acquireReference();
            r0.id = id;
            r0.refObjId = id;
        }
        refineRetval(r0, proto.ret(), meta);
        checkMapFuncCompatibility(meta.map, meta.func, spec.name(), funcId);
        if (HelperAvailability.CHANGES_PKT_DATA.contains(meta.func)) {
            clearAllPktPointers();
        }
    }

    private static boolean isPtrCast(String f) {
        return f.equals("tcp_sock") || f.equals("sk_fullsock") || f.startsWith("skc_to_");
    }

    private static boolean isAcquire(Meta meta) {
        switch (meta.func) {
            case "sk_lookup_tcp":
            case "sk_lookup_udp":
            case "skc_lookup_tcp":
            case "ringbuf_reserve":
            case "kptr_xchg":
                return true;
            case "map_lookup_elem":
                return meta.map != null && (meta.map.type() == MapType.SOCKMAP || meta.map.type() == MapType.SOCKHASH);
            default:
                return false;
        }
    }

    private void setReturn(RegState r0, RetType ret, Meta meta, String name, int funcId) {
        switch (ret) {
            case INTEGER:
                env.markUnknown(r0);
                break;
            case VOID:
                r0.type = RegType.NOT_INIT;
                break;
            case PTR_TO_MAP_VALUE:
            case PTR_TO_MAP_VALUE_OR_NULL:
                r0.markKnownZero();
                if (meta.map == null) {
                    throw env.fail("kernel subsystem misconfigured verifier");
                }
                r0.map = meta.map;
                r0.mapUid = meta.mapUid;
                r0.type = RegType.PTR_TO_MAP_VALUE;
                r0.flags = ret == RetType.PTR_TO_MAP_VALUE_OR_NULL ? RegState.MAYBE_NULL : 0;
                if (ret == RetType.PTR_TO_MAP_VALUE && meta.map.spinLockOffset() >= 0) {
                    r0.id = env.newId();
                }
                break;
            case PTR_TO_SOCKET_OR_NULL:
                // RET_PTR_TO_TCP_SOCK_OR_NULL and RET_PTR_TO_SOCK_COMMON_OR_NULL are not in vm.spi
                r0.markPointer(meta.func.equals("tcp_sock") ? RegType.PTR_TO_TCP_SOCK
                        : meta.func.equals("skc_lookup_tcp") ? RegType.PTR_TO_SOCK_COMMON : RegType.PTR_TO_SOCKET,
                        RegState.MAYBE_NULL);
                break;
            case PTR_TO_MEM_OR_NULL:
                r0.markPointer(RegType.PTR_TO_MEM, RegState.MAYBE_NULL);
                r0.memSize = meta.memSize;
                break;
            case PTR_TO_ALLOC_MEM_OR_NULL:
                r0.markPointer(RegType.PTR_TO_MEM, RegState.MAYBE_NULL | RegState.RINGBUF);
                r0.memSize = meta.memSize;
                break;
            case PTR_TO_BTF_ID:
            case PTR_TO_BTF_ID_OR_NULL:
                r0.markPointer(RegType.PTR_TO_BTF_ID, ret == RetType.PTR_TO_BTF_ID_OR_NULL ? RegState.MAYBE_NULL : 0);
                r0.btf = kernelStruct(retStruct(meta.func));
                if (ret == RetType.PTR_TO_BTF_ID && meta.func.equals("get_current_task_btf")) {
                    // the kernel's proto says RET_PTR_TO_BTF_ID_TRUSTED; vm.spi has no such variant
                    r0.flags |= RegState.TRUSTED;
                }
                break;
            case PTR_TO_MEM_OR_BTF_ID:
                r0.markPointer(RegType.PTR_TO_MEM, RegState.RDONLY);
                r0.memSize = 0;
                break;
            default:
                throw env.fail("unknown return type " + ret + " of func " + name + "#" + funcId);
        }
    }

    /** The kernel struct of this name from the kernel BTF, or an empty placeholder. */
    private KernelType kernelStruct(String name) {
        KernelType t = env.input.kernelTypes().struct(name);
        return t != null ? t : KernelType.of(name, 0, List.of());
    }

    /** The struct parameter {@code arg} of a kfunc points to, from its BTF prototype, or null. */
    private KernelType kfuncParamStruct(String kfunc, int arg) {
        dev.bpfvm.vm.btf.Btf btf = env.input.kernelTypes().btf();
        int id = btf.find(dev.bpfvm.vm.btf.BtfKind.FUNC, kfunc);
        if (id > 0 && btf.type(id) instanceof dev.bpfvm.vm.btf.BtfType.Func f
                && btf.resolved(f.type()) instanceof dev.bpfvm.vm.btf.BtfType.FuncProto p
                && arg < p.params().size()) {
            return env.input.kernelTypes().pointee(p.params().get(arg).type());
        }
        return null;
    }

    /** A struct made only of scalars (recursively), which kfuncs may take as plain memory. */
    private static boolean scalarStruct(KernelType t) {
        for (KernelType.Member m : t.members()) {
            if (m.pointee() != null) {
                return false;
            }
        }
        return !t.members().isEmpty();
    }

    /** The struct a kfunc returns a pointer to, from its BTF prototype. */
    private KernelType kfuncReturnStruct(String kfunc) {
        dev.bpfvm.vm.btf.Btf btf = env.input.kernelTypes().btf();
        int id = btf.find(dev.bpfvm.vm.btf.BtfKind.FUNC, kfunc);
        if (id > 0 && btf.type(id) instanceof dev.bpfvm.vm.btf.BtfType.Func f
                && btf.resolved(f.type()) instanceof dev.bpfvm.vm.btf.BtfType.FuncProto p) {
            KernelType t = env.input.kernelTypes().pointee(p.returnType());
            if (t != null) {
                return t;
            }
        }
        return KernelType.of("", 0, List.of());
    }

    private static String retStruct(String func) {
        switch (func) {
            case "get_current_task_btf":
                return "task_struct";
            case "sock_from_file":
                return "socket";
            case "skc_to_tcp_sock":
            case "tcp_sock":
                return "tcp_sock";
            default:
                return func;
        }
    }

    private void refineRetval(RegState r0, RetType ret, Meta meta) {
        if (ret != RetType.INTEGER) {
            return;
        }
        switch (meta.func) {
            case "get_stack":
            case "get_task_stack":
            case "probe_read_str":
            case "probe_read_kernel_str":
            case "probe_read_user_str":
                r0.smax = meta.msizeMaxValue;
                r0.s32max = (int) meta.msizeMaxValue;
                r0.smin = -MAX_ERRNO;
                r0.s32min = -MAX_ERRNO;
                ScalarBounds.sync(r0);
                break;
            case "get_smp_processor_id":
                r0.umax = NR_CPUS - 1;
                r0.u32max = NR_CPUS - 1;
                r0.smax = NR_CPUS - 1;
                r0.s32max = NR_CPUS - 1;
                r0.umin = 0;
                r0.u32min = 0;
                r0.smin = 0;
                r0.s32min = 0;
                ScalarBounds.sync(r0);
                break;
            default:
                break;
        }
        checker.sanityCheck(r0, "retval");
    }

    private void recordFuncMap(Meta meta) {
        switch (meta.func) {
            case "tail_call":
            case "map_lookup_elem":
            case "map_update_elem":
            case "map_delete_elem":
            case "map_push_elem":
            case "map_pop_elem":
            case "map_peek_elem":
            case "for_each_map_elem":
            case "redirect_map":
            case "map_lookup_percpu_elem":
                break;
            default:
                return;
        }
        if (meta.map == null) {
            throw env.fail("kernel subsystem misconfigured verifier");
        }
        if ((meta.map.flags() & MapInfo.BPF_F_RDONLY_PROG) != 0
                && (meta.func.equals("map_delete_elem") || meta.func.equals("map_update_elem")
                        || meta.func.equals("map_push_elem") || meta.func.equals("map_pop_elem"))) {
            throw env.deny("write into map forbidden");
        }
        // bpf_map_ptr_store: the maps are taken as created with the loader's privileges
        Env.Aux aux = env.aux[env.insnIdx];
        if (aux.mapPtr == null) {
            aux.mapPtr = meta.map;
            aux.mapPtrUnpriv = !env.bypassSpecV1;
        } else if (aux.mapPtr != meta.map) {
            aux.mapPtr = meta.map;
            aux.mapPtrUnpriv = !env.bypassSpecV1;
            aux.mapPtrPoisoned = true;
        }
        // record_func_key: Linux 6.12 reports a tail call through another map type this way,
        // before check_map_func_compatibility would
        if (meta.func.equals("tail_call") && meta.map.type() != MapType.PROG_ARRAY) {
            throw env.fail("kernel subsystem misconfigured verifier");
        }
        if (meta.func.equals("tail_call")) {
            RegState key = env.reg(3);
            if (key.type == RegType.SCALAR_VALUE && key.varOff.isConst()
                    && Long.compareUnsigned(key.varOff.value(), meta.map.maxEntries()) < 0) {
                env.precision.markReg(3);
            }
        }
    }

    private void checkMapFuncCompatibility(MapInfo map, String f, String name, int funcId) {
        if (map == null) {
            return;
        }
        MapType t = map.type();
        boolean ok = true;
        switch (t) {
            case PROG_ARRAY:
                ok = f.equals("tail_call");
                break;
            case PERF_EVENT_ARRAY:
                ok = f.equals("perf_event_read") || f.equals("perf_event_output") || f.equals("skb_output")
                        || f.equals("perf_event_read_value") || f.equals("xdp_output");
                break;
            case RINGBUF:
                ok = f.startsWith("ringbuf_");
                break;
            case USER_RINGBUF:
                ok = f.equals("user_ringbuf_drain");
                break;
            case STACK_TRACE:
                ok = f.equals("get_stackid");
                break;
            case CGROUP_ARRAY:
                ok = f.equals("skb_under_cgroup") || f.equals("current_task_under_cgroup");
                break;
            case CGROUP_STORAGE:
            case PERCPU_CGROUP_STORAGE:
                ok = f.equals("get_local_storage");
                break;
            case DEVMAP:
            case DEVMAP_HASH:
            case XSKMAP:
                ok = f.equals("redirect_map") || f.equals("map_lookup_elem");
                break;
            case CPUMAP:
                ok = f.equals("redirect_map");
                break;
            case ARRAY_OF_MAPS:
            case HASH_OF_MAPS:
                ok = f.equals("map_lookup_elem");
                break;
            case QUEUE:
            case STACK:
                ok = f.equals("map_peek_elem") || f.equals("map_pop_elem") || f.equals("map_push_elem");
                break;
            case SK_STORAGE:
                ok = f.equals("sk_storage_get") || f.equals("sk_storage_delete") || f.equals("kptr_xchg");
                break;
            case INODE_STORAGE:
                ok = f.equals("inode_storage_get") || f.equals("inode_storage_delete") || f.equals("kptr_xchg");
                break;
            case TASK_STORAGE:
                ok = f.equals("task_storage_get") || f.equals("task_storage_delete") || f.equals("kptr_xchg");
                break;
            case CGRP_STORAGE:
                ok = f.equals("cgrp_storage_get") || f.equals("cgrp_storage_delete") || f.equals("kptr_xchg");
                break;
            case BLOOM_FILTER:
                ok = f.equals("map_peek_elem") || f.equals("map_push_elem");
                break;
            case CGROUP_STATS:
                // bpfvm: read by lookup (a read-only value), written only by its helper
                ok = f.equals("map_lookup_elem") || f.equals(HelperAvailability.CGROUP_STATS_UPDATE);
                break;
            default:
                break;
        }
        if (ok) {
            switch (f) {
                case "tail_call":
                    ok = t == MapType.PROG_ARRAY;
                    break;
                case "perf_event_read":
                case "perf_event_output":
                case "perf_event_read_value":
                case "skb_output":
                case "xdp_output":
                    ok = t == MapType.PERF_EVENT_ARRAY;
                    break;
                case "ringbuf_output":
                case "ringbuf_reserve":
                case "ringbuf_query":
                    ok = t == MapType.RINGBUF;
                    break;
                case "get_stackid":
                    ok = t == MapType.STACK_TRACE;
                    break;
                case "get_local_storage":
                    ok = t == MapType.CGROUP_STORAGE || t == MapType.PERCPU_CGROUP_STORAGE;
                    break;
                case "map_pop_elem":
                    ok = t == MapType.QUEUE || t == MapType.STACK;
                    break;
                case "map_peek_elem":
                case "map_push_elem":
                    ok = t == MapType.QUEUE || t == MapType.STACK || t == MapType.BLOOM_FILTER;
                    break;
                case "map_lookup_percpu_elem":
                    ok = t == MapType.PERCPU_ARRAY || t == MapType.PERCPU_HASH || t == MapType.LRU_PERCPU_HASH;
                    break;
                case "cgrp_storage_get":
                case "cgrp_storage_delete":
                    ok = t == MapType.CGRP_STORAGE;
                    break;
                case "task_storage_get":
                case "task_storage_delete":
                    ok = t == MapType.TASK_STORAGE;
                    break;
                case HelperAvailability.CGROUP_STATS_UPDATE:
                    ok = t == MapType.CGROUP_STATS;
                    break;
                default:
                    break;
            }
        }
        if (!ok) {
            throw env.fail("cannot pass map_type " + t.value() + " into func " + name + "#" + funcId);
        }
    }

    // ---- callbacks ----

    private enum CallbackKind { FOR_EACH, LOOP, FIND_VMA, TIMER }

    private void pushCallback(Insn insn, Meta meta, CallbackKind kind) {
        int subprog = meta.subprogno;
        if (subprog < 0 || subprog >= env.subprogs.size()) {
            throw env.fail(Errno.EFAULT, "verifier bug: callback subprog not found");
        }
        Env.Subprog sp = env.subprogs.get(subprog);
        sp.isCallback = true;
        FuncState caller = env.curFunc();
        if (kind == CallbackKind.TIMER) {
            sp.isAsyncCallback = true;
            VerifierState st = new VerifierState();
            FuncState f = new FuncState();
            initFuncState(f, FuncState.MAIN_CALLSITE, 0, subprog);
            st.frames[0] = f;
            st.curframe = 0;
            MapInfo map = caller.regs[1].map;
            setMapCallbackRegs(f, map, true);
            f.inAsyncCallbackFn = true;
            f.callbackRetMin = 0;
            f.callbackRetMax = 1;
            VerifierState saved = env.cur;
            env.cur = st;
            checker.pushStack(sp.start, env.insnIdx, false);
            env.cur = saved;
            return;
        }
        if (kind == CallbackKind.FOR_EACH) {
            MapInfo m = caller.regs[1].map;
            if (m == null || !forEachSupported(m.type())) {
                throw env.fail(Errno.ENOTSUPP, "callback function not allowed for map");
            }
        }
        VerifierState cb = checker.pushStack(sp.start, env.insnIdx, false);
        FuncState callerCopy = cb.frames[cb.curframe];
        FuncState callee = setupFuncEntry(cb, subprog, env.insnIdx);
        switch (kind) {
            case FOR_EACH:
                callee.regs[1].copyFrom(callerCopy.regs[1]);
                callee.regs[2].markPointer(RegType.PTR_TO_MAP_KEY, 0);
                callee.regs[2].map = callerCopy.regs[1].map;
                callee.regs[3].markPointer(RegType.PTR_TO_MAP_VALUE, 0);
                callee.regs[3].map = callerCopy.regs[1].map;
                callee.regs[4].copyFrom(callerCopy.regs[3]);
                callee.regs[5].markNotInit();
                break;
            case LOOP:
                env.markUnknown(callee.regs[1]);
                callee.regs[2].copyFrom(callerCopy.regs[3]);
                callee.regs[3].markNotInit();
                callee.regs[4].markNotInit();
                callee.regs[5].markNotInit();
                break;
            case FIND_VMA:
                callee.regs[1].copyFrom(callerCopy.regs[1]);
                callee.regs[2].markPointer(RegType.PTR_TO_BTF_ID, 0);
                callee.regs[2].btf = KernelType.of("vm_area_struct", 0, List.of());
                callee.regs[3].copyFrom(callerCopy.regs[4]);
                callee.regs[4].markNotInit();
                callee.regs[5].markNotInit();
                break;
            default:
                break;
        }
        callee.inCallbackFn = true;
        callee.callbackRetMin = 0;
        callee.callbackRetMax = 1;
        cb.callbackUnrollDepth++;
        cb.frames[cb.curframe - 1].callbackDepth++;
        caller.callbackDepth = 0;
    }

    private static boolean forEachSupported(MapType t) {
        switch (t) {
            case HASH:
            case PERCPU_HASH:
            case LRU_HASH:
            case LRU_PERCPU_HASH:
            case ARRAY:
            case PERCPU_ARRAY:
            case TASK_STORAGE:
            case CGRP_STORAGE:
            case INODE_STORAGE:
            case SK_STORAGE:
                return true;
            default:
                return false;
        }
    }

    private static void setMapCallbackRegs(FuncState callee, MapInfo map, boolean constMap) {
        callee.regs[1].markPointer(RegType.CONST_PTR_TO_MAP, 0);
        callee.regs[1].map = map;
        callee.regs[2].markPointer(RegType.PTR_TO_MAP_KEY, 0);
        callee.regs[2].map = map;
        callee.regs[3].markPointer(RegType.PTR_TO_MAP_VALUE, 0);
        callee.regs[3].map = map;
        callee.regs[4].markNotInit();
        callee.regs[5].markNotInit();
    }

    void initFuncState(FuncState f, int callsite, int frameno, int subprog) {
        f.callsite = callsite;
        f.frameno = frameno;
        f.subprogno = subprog;
        f.callbackRetMin = 0;
        f.callbackRetMax = 0;
        for (RegState r : f.regs) {
            r.markNotInit();
            r.written = false;
        }
        f.regs[10].markPointer(RegType.PTR_TO_STACK, 0);
        f.regs[10].frameno = frameno;
        env.markAllScratched();
    }

    /** setup_func_entry: a new frame for {@code subprog} on top of {@code state}. */
    private FuncState setupFuncEntry(VerifierState state, int subprog, int callsite) {
        if (state.curframe + 1 >= VerifierState.MAX_CALL_FRAMES) {
            throw env.fail(Errno.E2BIG, "the call stack of " + (state.curframe + 2) + " frames is too deep");
        }
        FuncState callee = new FuncState();
        initFuncState(callee, callsite, state.curframe + 1, subprog);
        state.frames[state.curframe + 1] = callee;
        state.curframe++;
        return callee;
    }

    /** A bpf-to-bpf call: continue in a new frame at the callee. */
    void funcCall(Insn insn) {
        int target = env.insnIdx + insn.imm() + 1;
        int subprog = env.findSubprog(target);
        if (subprog < 0) {
            throw env.fail(Errno.EFAULT, "verifier bug. No program starts at insn " + target);
        }
        if (env.subprogs.get(subprog).separate()) {
            globalCall(subprog);
            return;
        }
        VerifierState state = env.cur;
        FuncState caller = state.cur();
        FuncState callee = setupFuncEntry(state, subprog, env.insnIdx);
        for (int i = 1; i <= 5; i++) {
            callee.regs[i].copyFrom(caller.regs[i]);
        }
        for (int i = 0; i <= 5; i++) {
            caller.regs[i].markNotInit();
            caller.regs[i].written = true;
        }
        env.insnIdx = env.subprogs.get(subprog).start - 1;
        if (env.log.traces()) {
            env.verbose("caller:\n");
            checker.printState(state, caller, true);
            env.verbose("callee:\n");
            checker.printState(state, callee, true);
        }
    }

    /**
     * A call of a global function: its arguments must match its BTF prototype; the function
     * itself is verified apart (once), and here it returns an unknown scalar.
     */
    private void globalCall(int subprog) {
        Env.Subprog sp = env.subprogs.get(subprog);
        VerifierState state = env.cur;
        FuncState caller = state.cur();
        boolean bad = false;
        try {
            checkGlobalArgs(sp);
        } catch (Env.Reject r) {
            bad = true;
        }
        if (state.activeLockPtr != null) {
            throw env.fail("global function calls are not allowed while holding a lock,\nuse static function instead");
        }
        if (bad) {
            throw env.fail("Caller passes invalid args into func#" + subprog + " ('" + sp.name + "')");
        }
        if (env.log.traces()) {
            env.verbose("Func#" + subprog + " ('" + sp.name + "') is global and assumed valid.\n");
        }
        sp.called = true;
        if (changesPktData(subprog, new boolean[env.subprogs.size()])) {
            clearAllPktPointers();
        }
        for (int i = 1; i <= 5; i++) {
            caller.regs[i].markNotInit();
            caller.regs[i].written = true;
        }
        env.markUnknown(caller.regs[0]);
        caller.regs[0].written = true;
    }

    /**
     * Whether a subprogram, or one it calls, calls a helper that changes packet data (the
     * kernel's {@code changes_pkt_data} of a subprogram): a global function's caller then loses
     * its packet pointers.
     */
    private boolean changesPktData(int idx, boolean[] seen) {
        if (seen[idx]) {
            return false;
        }
        seen[idx] = true;
        Env.Subprog sp = env.subprogs.get(idx);
        for (int pc = sp.start; pc < sp.end; pc++) {
            if (env.isSecondHalf(pc)) {
                continue;
            }
            Insn insn = env.insn(pc);
            if (insn.isLocalCall()) {
                int callee = env.findSubprog(pc + insn.imm() + 1);
                if (callee >= 0 && changesPktData(callee, seen)) {
                    return true;
                }
            } else if (insn.isHelperCall()
                    && HelperAvailability.CHANGES_PKT_DATA.contains(HelperNames.name(insn.imm()).substring(4))) {
                return true;
            }
        }
        return false;
    }

    /** btf_check_func_arg_match: each argument register fits the prototype. */
    private void checkGlobalArgs(Env.Subprog sp) {
        for (int i = 0; i < sp.args.size(); i++) {
            int regno = i + 1;
            RegState reg = env.reg(regno);
            FuncInfo.FuncArg arg = sp.args.get(i);
            switch (arg.kind()) {
                case SCALAR:
                    if (reg.type != RegType.SCALAR_VALUE) {
                        throw env.fail("R" + regno + " is not a scalar");
                    }
                    break;
                case CTX:
                    checkArgRegOff(reg, regno, false);
                    if (reg.type != RegType.PTR_TO_CTX) {
                        throw env.fail("arg#" + i + " expects pointer to ctx");
                    }
                    break;
                case MEM:
                    if (reg.isNull()) {
                        break;
                    }
                    checkArgRegOff(reg, regno, false);
                    if (reg.maybeNull() && !arg.nullable()) {
                        throw env.fail("arg#" + i + " is expected to be non-NULL");
                    }
                    if (reg.maybeNull()) {
                        // check_mem_reg checks the not-NULL case
                        int saved = reg.flags;
                        reg.flags &= ~RegState.MAYBE_NULL;
                        try {
                            helperMemAccess(regno, arg.memSize(), false, true, null);
                            helperMemAccess(regno, arg.memSize(), true, true, null);
                        } finally {
                            reg.flags = saved;
                        }
                    } else {
                        helperMemAccess(regno, arg.memSize(), false, true, null);
                        helperMemAccess(regno, arg.memSize(), true, true, null);
                    }
                    break;
                default:
                    break;
            }
        }
    }

    /** The argument registers a global function starts its own verification with. */
    void initGlobalArgs(FuncState f, Env.Subprog sp) {
        for (int i = 0; i < sp.args.size(); i++) {
            RegState r = f.regs[i + 1];
            FuncInfo.FuncArg arg = sp.args.get(i);
            switch (arg.kind()) {
                case CTX:
                    r.markPointer(RegType.PTR_TO_CTX, 0);
                    break;
                case MEM:
                    r.markPointer(RegType.PTR_TO_MEM, arg.nullable() ? RegState.MAYBE_NULL : 0);
                    r.memSize = arg.memSize();
                    if (arg.nullable()) {
                        r.id = env.newId();
                    }
                    break;
                default:
                    env.markUnknown(r);
                    break;
            }
        }
    }

    /** prepare_func_exit: back to the caller (or to the callback-calling helper). */
    void prepareFuncExit() {
        VerifierState state = env.cur;
        FuncState callee = state.cur();
        RegState r0 = callee.regs[0];
        checker.checkRegArg(0, Checker.Op.SRC);
        if (r0.type == RegType.PTR_TO_STACK) {
            throw env.fail("cannot return stack pointer to the caller");
        }
        FuncState caller = state.frames[state.curframe - 1];
        if (callee.inCallbackFn) {
            if (r0.type != RegType.SCALAR_VALUE) {
                throw env.deny("R0 not a scalar value");
            }
            env.precision.markReg(0);
            if (!(callee.callbackRetMin <= r0.smin && r0.smax <= callee.callbackRetMax)) {
                throw invalidScalar(r0, callee.callbackRetMin, callee.callbackRetMax, "At callback return", "R0");
            }
        } else {
            caller.regs[0].copyFrom(r0);
        }
        boolean inCallback = callee.inCallbackFn;
        env.insnIdx = inCallback ? callee.callsite : callee.callsite + 1;
        if (env.log.traces()) {
            env.verbose("returning from callee:\n");
            checker.printState(state, callee, true);
            env.verbose("to caller at " + env.insnIdx + ":\n");
            checker.printState(state, caller, true);
        }
        state.frames[state.curframe] = null;
        state.curframe--;
        if (inCallback) {
            VerifierState prev = checker.findPrevEntry(state, env.insnIdx);
            if (prev != null) {
                checker.widenImpreciseScalars(prev, state);
            }
        }
    }

    Env.Reject invalidScalar(RegState reg, int min, int max, String ctx, String regName) {
        StringBuilder sb = new StringBuilder(ctx + " the register " + regName + " has");
        boolean unknown = true;
        if (reg.smin > Long.MIN_VALUE) {
            sb.append(" smin=").append(reg.smin);
            unknown = false;
        }
        if (reg.smax < Long.MAX_VALUE) {
            sb.append(" smax=").append(reg.smax);
            unknown = false;
        }
        if (unknown) {
            sb.append(" unknown scalar value");
        }
        sb.append(" should have been in [").append(min).append(", ").append(max).append(']');
        return env.fail(sb.toString());
    }

    /** check_return_code at the main program's exit. */
    void checkReturnCode() {
        checker.checkRegArg(0, Checker.Op.SRC);
        RegState r0 = env.reg(0);
        if (env.cur.frames[0].subprogno != 0) {
            // a global function verified apart returns a scalar to whoever calls it
            if (r0.type != RegType.SCALAR_VALUE) {
                throw env.fail("At subprogram exit the register R0 is not a scalar value ("
                        + StatePrinter.typeStr(r0) + ")");
            }
            return;
        }
        if (checker.isPointerValue(r0)) {
            throw env.deny("R0 leaks addr as return value");
        }
        FuncState frame = env.cur.frames[0];
        String exitCtx = "At program exit";
        int[] range;
        if (frame.inAsyncCallbackFn) {
            exitCtx = "At async callback return";
            range = new int[] {0, 0};
        } else {
            range = env.type.returnRange();
            if (range == null) {
                return;
            }
        }
        if (r0.type != RegType.SCALAR_VALUE) {
            throw env.fail(exitCtx + " the register R0 is not a known value (" + StatePrinter.typeStr(r0) + ")");
        }
        env.precision.markReg(0);
        if (!(range[0] <= r0.smin && r0.smax <= range[1])) {
            throw invalidScalar(r0, range[0], range[1], exitCtx, "R0");
        }
    }

    // ---- kfunc calls ----

    void kfuncCall(Insn insn) {
        KfuncSpec spec = env.input.kfuncs().byBtfId(insn.imm());
        if (spec == null) {
            String known = Cfg.kernelFuncName(env, insn.imm());
            if (known != null) {
                throw env.fail("calling kernel function " + known + " is not allowed");
            }
            throw env.fail("kernel btf_id " + Integer.toUnsignedString(insn.imm()) + " is not a function");
        }
        String name = spec.name();
        if (!KfuncAvailability.allowed(name, env.type.kernelType())) {
            throw env.fail("calling kernel function " + name + " is not allowed");
        }
        int flags = spec.flags();
        if ((flags & KfuncSpec.KF_SLEEPABLE) != 0 && !env.opts.sleepable()) {
            throw env.fail("program must be sleepable to call sleepable kfunc " + name);
        }
        if (env.cur.activeRcuLock && (flags & KfuncSpec.KF_SLEEPABLE) != 0) {
            throw env.fail("kernel func " + name + " is sleepable within rcu_read_lock region");
        }
        if (name.equals("bpf_rcu_read_lock")) {
            if (env.cur.activeRcuLock) {
                throw env.fail("nested rcu read lock (kernel function " + name + ")");
            }
            env.cur.activeRcuLock = true;
        } else if (name.equals("bpf_rcu_read_unlock")) {
            if (!env.cur.activeRcuLock) {
                throw env.fail("unmatched rcu read unlock (kernel function " + name + ")");
            }
            env.cur.activeRcuLock = false;
            // pointers valid only inside the RCU critical section become untrusted
            env.cur.forEachReg(r -> {
                if (r.type == RegType.PTR_TO_BTF_ID && (r.flags & RegState.RCU) != 0) {
                    r.flags &= ~(RegState.RCU | RegState.MAYBE_NULL);
                    r.flags |= RegState.UNTRUSTED;
                }
            });
        }
        HelperProto proto = spec.proto();
        Meta meta = new Meta();
        meta.func = name.startsWith("bpf_") ? name.substring(4) : name;
        int releaseRegno = 0;
        int refObjId = 0;
        for (int i = 0; i < proto.args().size(); i++) {
            int regno = i + 1;
            ArgType at = proto.args().get(i);
            if (at == ArgType.DONTCARE) {
                continue;
            }
            checker.checkRegArg(regno, Checker.Op.SRC);
            RegState reg = env.reg(regno);
            if (at == ArgType.ANYTHING) {
                if (reg.isPointer()) {
                    throw env.fail("R" + regno + " is not a scalar");
                }
                continue;
            }
            if (at == ArgType.PTR_TO_BTF_ID || at == ArgType.PTR_TO_BTF_ID_OR_NULL) {
                if (reg.isNull() && at == ArgType.PTR_TO_BTF_ID_OR_NULL) {
                    continue;
                }
                boolean trustedNeeded = (flags & (KfuncSpec.KF_TRUSTED_ARGS | KfuncSpec.KF_RELEASE)) != 0;
                boolean rcuArgs = (flags & KfuncSpec.KF_RCU) != 0;
                if ((trustedNeeded || rcuArgs) && (reg.isNull() || reg.maybeNull())
                        && at != ArgType.PTR_TO_BTF_ID_OR_NULL) {
                    throw env.fail("Possibly NULL pointer passed to trusted arg" + i);
                }
                KernelType want = kfuncParamStruct(name, i);
                if (reg.type != RegType.PTR_TO_BTF_ID && !reg.type.isSocket()) {
                    if (want != null && !scalarStruct(want)) {
                        throw env.fail("arg#" + i + " pointer type STRUCT " + want.name()
                                + " must point to scalar, or struct with scalar");
                    }
                    throw env.fail("arg#" + i + " expected pointer to btf or socket");
                }
                if (want != null && reg.type == RegType.PTR_TO_BTF_ID && reg.btf != null
                        && !reg.btf.name().isEmpty() && !reg.btf.name().equals(want.name())) {
                    throw env.fail("kernel function " + name + " args#" + i + " expected pointer to STRUCT "
                            + want.name() + " but R" + regno + " has a pointer to STRUCT " + reg.btf.name());
                }
                if (reg.maybeNull() && at != ArgType.PTR_TO_BTF_ID_OR_NULL) {
                    throw env.fail("arg#" + i + " is " + StatePrinter.typeStr(reg) + " expected ptr_ or socket");
                }
                if (trustedNeeded && !BranchLogic.isTrusted(reg)
                        && !((flags & KfuncSpec.KF_RCU) != 0 && (reg.flags & RegState.RCU) != 0)) {
                    throw env.fail("R" + regno + " must be referenced or trusted");
                }
                if ((flags & KfuncSpec.KF_RELEASE) != 0 && releaseRegno == 0) {
                    if (reg.refObjId == 0) {
                        throw env.fail("release kernel function " + name + " expects refcounted PTR_TO_BTF_ID");
                    }
                    if (reg.off != 0) {
                        throw env.fail("R" + regno
                                + " must have zero offset when passed to release func or trusted arg to kfunc");
                    }
                    releaseRegno = regno;
                    refObjId = reg.refObjId;
                }
                continue;
            }
            checkFuncArg(i, meta, proto);
        }
        if (releaseRegno != 0 && !releaseReference(refObjId)) {
            throw env.fail("kernel function " + name + " args#" + (releaseRegno - 1)
                    + " reference has not been acquired before");
        }
        checker.clobberCallerSaved();
        RegState r0 = env.reg(0);
        RetType ret = proto.ret();
        if (ret == RetType.PTR_TO_BTF_ID || ret == RetType.PTR_TO_BTF_ID_OR_NULL) {
            int f = RegState.TRUSTED;
            r0.markPointer(RegType.PTR_TO_BTF_ID, 0);
            r0.btf = kfuncReturnStruct(name);
            if ((flags & KfuncSpec.KF_RET_NULL) != 0 || ret == RetType.PTR_TO_BTF_ID_OR_NULL) {
                r0.flags |= RegState.MAYBE_NULL;
                r0.id = env.newId();
            }
            if ((flags & KfuncSpec.KF_ACQUIRE) == 0) {
                r0.flags |= f;
            }
        } else {
            setReturn(r0, ret, meta, name, insn.imm());
            if ((flags & KfuncSpec.KF_RET_NULL) != 0 && r0.isPointer()) {
                r0.flags |= RegState.MAYBE_NULL;
                r0.id = env.newId();
            }
        }
        if ((flags & KfuncSpec.KF_ACQUIRE) != 0 && r0.isPointer()) {
            int id = acquireReference();
            if (r0.maybeNull()) {
                r0.id = id;
            }
            r0.refObjId = id;
        }
    }
}
