package dev.bpfvm.verifier;

import static dev.bpfvm.vm.isa.Opcodes.*;

import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.spi.MapType;

/**
 * Loads, stores and atomics ({@code check_mem_access}): bounds against map values, keys,
 * memory regions and packet ranges, context fields per program type, kernel objects through
 * BTF, and the stack with its slot types and register spills.
 */
final class MemCheck {
    private static final int REG_SIZE = 8;
    private static final int MAX_STACK = 512;

    private final Env env;

    MemCheck(Env env) {
        this.env = env;
    }

    private boolean isPointerValue(int regno) {
        return !env.allowPtrLeaks && env.reg(regno).type != RegType.SCALAR_VALUE;
    }

    // ---- alignment ----

    void checkAlignment(RegState reg, int off, int size, boolean strictOnce) {
        boolean strict = env.strictAlignment || strictOnce;
        String desc = "";
        switch (reg.type) {
            case PTR_TO_PACKET:
            case PTR_TO_PACKET_META: {
                if (!strict || size == 1) {
                    return;
                }
                Tnum regOff = reg.varOff.add(Tnum.constant(2 + reg.off + off));
                if (!regOff.isAligned(size)) {
                    throw env.deny("misaligned packet access off 2+" + reg.varOff + "+" + reg.off + "+" + off
                            + " size " + size);
                }
                return;
            }
            case PTR_TO_FLOW_KEYS: desc = "flow keys "; break;
            case PTR_TO_MAP_KEY: desc = "key "; break;
            case PTR_TO_MAP_VALUE: desc = "value "; break;
            case PTR_TO_CTX: desc = "context "; break;
            case PTR_TO_STACK:
                desc = "stack ";
                strict = true;
                break;
            case PTR_TO_SOCKET: desc = "sock "; break;
            case PTR_TO_SOCK_COMMON: desc = "sock_common "; break;
            case PTR_TO_TCP_SOCK: desc = "tcp_sock "; break;
            case PTR_TO_XDP_SOCK: desc = "xdp_sock "; break;
            default: break;
        }
        if (!strict || size == 1) {
            return;
        }
        Tnum regOff = reg.varOff.add(Tnum.constant((long) reg.off + off));
        if (!regOff.isAligned(size)) {
            throw env.deny("misaligned " + desc + "access off " + reg.varOff + "+" + reg.off + "+" + off + " size " + size);
        }
    }

    // ---- bounded regions ----

    private String memAccessError(int regno, int off, int size, long memSize) {
        RegState reg = env.reg(regno);
        switch (reg.type) {
            case PTR_TO_MAP_KEY:
                return "invalid access to map key, key_size=" + memSize + " off=" + off + " size=" + size;
            case PTR_TO_MAP_VALUE:
                return "invalid access to map value, value_size=" + memSize + " off=" + off + " size=" + size;
            case PTR_TO_PACKET:
            case PTR_TO_PACKET_META:
            case PTR_TO_PACKET_END:
                return "invalid access to packet, off=" + off + " size=" + size + ", R" + regno + "(id=" + reg.id
                        + ",off=" + off + ",r=" + memSize + ")";
            default:
                return "invalid access to memory, mem_size=" + memSize + " off=" + off + " size=" + size;
        }
    }

    /** __check_mem_access: null when fine, else the error line. */
    private String memAccess(int regno, int off, int size, long memSize, boolean zeroSizeAllowed) {
        boolean sizeOk = size > 0 || (size == 0 && zeroSizeAllowed);
        if (off >= 0 && sizeOk && (long) off + size <= memSize) {
            return null;
        }
        return memAccessError(regno, off, size, memSize);
    }

    /** check_mem_region_access: every offset the register may hold must be in [0, memSize). */
    void checkMemRegion(int regno, int off, int size, long memSize, boolean zeroSizeAllowed) {
        RegState reg = env.reg(regno);
        if (reg.smin < 0 && (reg.smin == Long.MIN_VALUE || off + reg.smin != (int) (off + reg.smin)
                || reg.smin + off < 0)) {
            throw env.deny("R" + regno + " min value is negative, either use unsigned index or do a if (index >=0) check.");
        }
        String err = memAccess(regno, (int) (reg.smin + off), size, memSize, zeroSizeAllowed);
        if (err != null) {
            env.note(err);
            throw env.deny("R" + regno + " min value is outside of the allowed memory range");
        }
        if (Long.compareUnsigned(reg.umax, Cfg.MAX_VAR_OFF) >= 0) {
            throw env.deny("R" + regno + " unbounded memory access, make sure to bounds check any such access");
        }
        err = memAccess(regno, (int) (reg.umax + off), size, memSize, zeroSizeAllowed);
        if (err != null) {
            env.note(err);
            throw env.deny("R" + regno + " max value is outside of the allowed memory range");
        }
    }

    void checkMapAccessType(int regno, int off, int size, boolean write) {
        MapInfo map = env.reg(regno).map;
        // bpfvm's CGROUP_STATS values are read-only to programs, as a BPF_F_RDONLY_PROG map's
        if (write && ((map.flags() & MapInfo.BPF_F_RDONLY_PROG) != 0 || map.type() == MapType.CGROUP_STATS)) {
            throw env.deny("write into map forbidden, value_size=" + map.valueSize() + " off=" + off + " size=" + size);
        }
        if (!write && (map.flags() & MapInfo.BPF_F_WRONLY_PROG) != 0) {
            throw env.deny("read from map forbidden, value_size=" + map.valueSize() + " off=" + off + " size=" + size);
        }
    }

    /** check_map_access: value bounds, and no direct access to special fields. */
    void checkMapAccess(int regno, int off, int size, boolean zeroSizeAllowed, boolean byHelper) {
        RegState reg = env.reg(regno);
        MapInfo map = reg.map;
        checkMemRegion(regno, off, size, map.valueSize(), zeroSizeAllowed);
        checkField(reg, off, size, map.spinLockOffset(), 4, "bpf_spin_lock");
        checkField(reg, off, size, map.timerOffset(), 16, "bpf_timer");
    }

    private void checkField(RegState reg, int off, int size, int fieldOff, int fieldSize, String name) {
        if (fieldOff < 0) {
            return;
        }
        if (reg.smin + off < fieldOff + fieldSize && fieldOff < reg.umax + off + size) {
            throw env.deny(name + " cannot be accessed directly by load/store");
        }
    }

    void checkPacketAccess(int regno, int off, int size, boolean zeroSizeAllowed) {
        RegState reg = env.reg(regno);
        if (reg.smin < 0) {
            throw env.deny("R" + regno + " min value is negative, either use unsigned index or do a if (index >=0) check.");
        }
        String err = reg.range < 0 ? "" : memAccess(regno, off, size, reg.range, zeroSizeAllowed);
        if (err != null) {
            if (!err.isEmpty()) {
                env.note(err);
            }
            throw env.deny("R" + regno + " offset is outside of the packet");
        }
    }

    /** check_ptr_off_reg: a pointer that must be used unmodified. */
    void checkPtrOffReg(RegState reg, int regno, boolean fixedOffOk) {
        if (reg.off < 0) {
            throw env.deny("negative offset " + StatePrinter.typeStr(reg) + " ptr R" + regno + " off=" + reg.off
                    + " disallowed");
        }
        if (!fixedOffOk && reg.off != 0) {
            throw env.deny("dereference of modified " + StatePrinter.typeStr(reg) + " ptr R" + regno + " off="
                    + reg.off + " disallowed");
        }
        if (!reg.varOff.isConst() || reg.varOff.value() != 0) {
            throw env.deny("variable " + StatePrinter.typeStr(reg) + " access var_off=" + reg.varOff + " disallowed");
        }
    }

    // ---- the dispatcher ----

    /**
     * check_mem_access: {@code size} bytes at {@code regno + off}; a read puts the value in
     * {@code valueRegno} (-1 for none), a write stores it from there (-1 for an immediate).
     */
    void access(int regno, int off, int size, boolean write, int valueRegno, boolean strictOnce, boolean ldsx,
            Checker c) {
        RegState[] regs = env.regs();
        RegState reg = regs[regno];
        checkAlignment(reg, off, size, strictOnce);
        off += reg.off;
        boolean read = !write;
        switch (reg.type) {
            case PTR_TO_MAP_KEY:
                if (write) {
                    throw env.deny("write to change key R" + regno + " not allowed");
                }
                checkMemRegion(regno, off, size, reg.map.keySize(), false);
                if (valueRegno >= 0) {
                    env.markUnknown(regs[valueRegno]);
                }
                break;
            case PTR_TO_MAP_VALUE: {
                if (reg.maybeNull()) {
                    throw env.deny("R" + regno + " invalid mem access '" + StatePrinter.typeStr(reg) + "'");
                }
                if (write && valueRegno >= 0 && isPointerValue(valueRegno)) {
                    throw env.deny("R" + valueRegno + " leaks addr into map");
                }
                checkMapAccessType(regno, off, size, write);
                checkMapAccess(regno, off, size, false, false);
                if (read && valueRegno >= 0) {
                    MapInfo map = reg.map;
                    byte[] frozen = map.frozenValue();
                    if (reg.varOff.isConst() && frozen != null && (map.flags() & MapInfo.BPF_F_RDONLY_PROG) != 0
                            && Cfg.directValueAccess(map)) {
                        int mapOff = (int) (off + reg.varOff.value());
                        long v = readLe(frozen, mapOff, size, ldsx);
                        regs[valueRegno].type = RegType.SCALAR_VALUE;
                        regs[valueRegno].flags = 0;
                        regs[valueRegno].markKnown(v);
                    } else {
                        env.markUnknown(regs[valueRegno]);
                    }
                }
                break;
            }
            case PTR_TO_MEM: {
                boolean rdonly = (reg.flags & RegState.RDONLY) != 0;
                if (reg.maybeNull()) {
                    throw env.deny("R" + regno + " invalid mem access '" + StatePrinter.typeStr(reg) + "'");
                }
                if (write && rdonly) {
                    throw env.deny("R" + regno + " cannot write into " + StatePrinter.typeStr(reg));
                }
                if (write && valueRegno >= 0 && isPointerValue(valueRegno)) {
                    throw env.deny("R" + valueRegno + " leaks addr into mem");
                }
                checkMemRegion(regno, off, size, Integer.toUnsignedLong(reg.memSize), false);
                if (valueRegno >= 0 && (read || rdonly)) {
                    env.markUnknown(regs[valueRegno]);
                }
                break;
            }
            case PTR_TO_CTX: {
                if (reg.maybeNull()) {
                    throw env.deny("R" + regno + " invalid mem access '" + StatePrinter.typeStr(reg) + "'");
                }
                if (write && valueRegno >= 0 && isPointerValue(valueRegno)) {
                    throw env.deny("R" + valueRegno + " leaks addr into ctx");
                }
                checkPtrOffReg(reg, regno, false);
                ContextAccess ca = env.type.contextAccess(off, size, write, ldsx, env.bpfCapable);
                if (ca == null) {
                    env.log.lineInfo(env.insnIdx, "; ");
                    throw env.deny("invalid bpf_context access off=" + off + " size=" + size);
                }
                if (read && valueRegno >= 0) {
                    RegState v = regs[valueRegno];
                    if (ca.type() == RegType.SCALAR_VALUE) {
                        env.markUnknown(v);
                    } else {
                        v.markKnownZero();
                        if ((ca.flags() & RegState.MAYBE_NULL) != 0) {
                            v.id = env.newId();
                        }
                        v.btf = ca.btf();
                        v.type = ca.type();
                        v.flags = ca.flags();
                        if (ca.type() == RegType.PTR_TO_MEM) {
                            v.memSize = ca.memSize();
                        }
                    }
                }
                break;
            }
            case PTR_TO_STACK:
                checkStackAccessWithinBounds(regno, off, size, false, write);
                if (read) {
                    checkStackRead(regno, off, size, valueRegno);
                } else {
                    checkStackWrite(regno, off, size, valueRegno);
                }
                break;
            case PTR_TO_PACKET:
            case PTR_TO_PACKET_META:
                if (write && !env.type.packetWrite()) {
                    throw env.deny("cannot write into packet");
                }
                if (write && valueRegno >= 0 && isPointerValue(valueRegno)) {
                    throw env.deny("R" + valueRegno + " leaks addr into packet");
                }
                checkPacketAccess(regno, off, size, false);
                if (read && valueRegno >= 0) {
                    env.markUnknown(regs[valueRegno]);
                }
                break;
            case PTR_TO_FLOW_KEYS:
                if (write && valueRegno >= 0 && isPointerValue(valueRegno)) {
                    throw env.deny("R" + valueRegno + " leaks addr into flow keys");
                }
                checkPtrOffReg(reg, regno, false);
                if (off < 0 || (long) off + size > FLOW_KEYS_SIZE) {
                    throw env.deny("invalid access to flow keys off=" + off + " size=" + size);
                }
                if (read && valueRegno >= 0) {
                    env.markUnknown(regs[valueRegno]);
                }
                break;
            case PTR_TO_SOCKET:
            case PTR_TO_SOCK_COMMON:
            case PTR_TO_TCP_SOCK:
            case PTR_TO_XDP_SOCK:
                if (reg.maybeNull()) {
                    throw env.deny("R" + regno + " invalid mem access '" + StatePrinter.typeStr(reg) + "'");
                }
                if (write) {
                    throw env.deny("R" + regno + " cannot write into " + StatePrinter.typeStr(reg));
                }
                if (reg.smin < 0) {
                    throw env.deny("R" + regno
                            + " min value is negative, either use unsigned index or do a if (index >=0) check.");
                }
                if (!sockAccessValid(reg.type, off, size)) {
                    throw env.deny("R" + regno + " invalid " + StatePrinter.typeStr(reg) + " access off=" + off
                            + " size=" + size);
                }
                if (valueRegno >= 0) {
                    env.markUnknown(regs[valueRegno]);
                }
                break;
            case PTR_TO_BTF_ID:
                if (reg.maybeNull()) {
                    throw env.deny("R" + regno + " invalid mem access '" + StatePrinter.typeStr(reg) + "'");
                }
                checkPtrToBtfAccess(regno, off, size, write, valueRegno);
                break;
            case CONST_PTR_TO_MAP: {
                String tname = mapStructName(reg.map);
                if (tname == null) {
                    throw env.deny("map_ptr access not supported for map type " + reg.map.type().value());
                }
                if (!env.allowPtrLeaks) {
                    throw env.deny("'struct " + tname + "' access is allowed only to CAP_PERFMON and CAP_SYS_ADMIN");
                }
                if (off < 0) {
                    throw env.deny("R" + regno + " is " + tname + " invalid negative access: off=" + off);
                }
                if (write) {
                    throw env.deny("only read from " + tname + " is supported");
                }
                if (valueRegno >= 0) {
                    env.markUnknown(regs[valueRegno]);
                }
                break;
            }
            default:
                throw env.deny("R" + regno + " invalid mem access '" + StatePrinter.typeStr(reg) + "'");
        }
        if (size < REG_SIZE && valueRegno >= 0 && read && regs[valueRegno].type == RegType.SCALAR_VALUE) {
            if (!ldsx) {
                ScalarBounds.coerceToSize(regs[valueRegno], size);
            } else {
                ScalarBounds.coerceToSizeSx(regs[valueRegno], size);
            }
        }
    }

    /** {@code sizeof(struct bpf_flow_keys)}. */
    static final int FLOW_KEYS_SIZE = 56;

    /** The kernel struct behind a map type ({@code map->ops->map_btf_id}), or null for none. */
    static String mapStructName(MapInfo map) {
        if (map == null) {
            return null;
        }
        switch (map.type()) {
            case HASH: case PERCPU_HASH: case LRU_HASH: case LRU_PERCPU_HASH: case HASH_OF_MAPS:
                return "bpf_htab";
            case ARRAY: case PERCPU_ARRAY: case PROG_ARRAY: case PERF_EVENT_ARRAY: case CGROUP_ARRAY:
            case ARRAY_OF_MAPS:
                return "bpf_array";
            case STACK_TRACE:
                return "bpf_stack_map";
            case LPM_TRIE:
                return "lpm_trie";
            case DEVMAP: case DEVMAP_HASH:
                return "bpf_dtab";
            case SOCKMAP:
                return "bpf_stab";
            case SOCKHASH:
                return "bpf_shtab";
            case CPUMAP:
                return "bpf_cpu_map";
            case XSKMAP:
                return "xsk_map";
            case CGROUP_STORAGE: case PERCPU_CGROUP_STORAGE:
                return "bpf_cgroup_storage_map";
            case REUSEPORT_SOCKARRAY:
                return "reuseport_array";
            case QUEUE: case STACK:
                return "bpf_queue_stack";
            case SK_STORAGE: case INODE_STORAGE: case TASK_STORAGE: case CGRP_STORAGE:
                return "bpf_local_storage_map";
            case STRUCT_OPS:
                return "bpf_struct_ops_map";
            case RINGBUF: case USER_RINGBUF:
                return "bpf_ringbuf_map";
            case BLOOM_FILTER:
                return "bpf_bloom_filter";
            case ARENA:
                return "bpf_arena";
            default:
                return null;
        }
    }

    private static long readLe(byte[] b, int off, int size, boolean signed) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            int idx = off + i;
            v = (v << 8) | (idx >= 0 && idx < b.length ? b[idx] & 0xff : 0);
        }
        if (signed && size < 8) {
            int shift = 64 - size * 8;
            v = (v << shift) >> shift;
        }
        return v;
    }

    private void checkPtrToBtfAccess(int regno, int off, int size, boolean write, int valueRegno) {
        RegState reg = env.reg(regno);
        KernelType t = reg.btf;
        String tname = t != null ? t.name() : "?";
        if (!env.allowPtrLeaks) {
            throw env.deny("'struct " + tname + "' access is allowed only to CAP_PERFMON and CAP_SYS_ADMIN");
        }
        if (off < 0) {
            throw env.deny("R" + regno + " is ptr_" + tname + " invalid negative access: off=" + off);
        }
        if (!reg.varOff.isConst() || reg.varOff.value() != 0) {
            throw env.deny("R" + regno + " is ptr_" + tname + " invalid variable offset: off=" + off + ", var_off="
                    + reg.varOff);
        }
        if ((reg.flags & RegState.USER) != 0) {
            throw env.deny("R" + regno + " is ptr_" + tname + " access user memory: off=" + off);
        }
        if ((reg.flags & RegState.PERCPU) != 0) {
            throw env.deny("R" + regno + " is ptr_" + tname + " access percpu memory: off=" + off);
        }
        if (t == null) {
            throw env.deny("R" + regno + " is ptr_ without BTF type information");
        }
        if (write) {
            throw env.deny("only read is supported");
        }
        if ((long) off + size > t.size()) {
            throw env.deny("access beyond struct " + tname + " at off " + off + " size " + size);
        }
        if (valueRegno < 0) {
            return;
        }
        RegState v = env.reg(valueRegno);
        KernelType.Member m = t.memberAt(off, size);
        if (m != null && m.pointee() != null && size == 8 && off == m.offset()) {
            int flags = walkedPointerFlags(reg, m.trust());
            v.markKnownZero();
            v.type = RegType.PTR_TO_BTF_ID;
            v.flags = flags;
            v.btf = m.pointee();
            if ((flags & RegState.MAYBE_NULL) != 0) {
                v.id = env.newId();
            }
        } else {
            env.markUnknown(v);
        }
    }

    /** in_rcu_cs: inside bpf_rcu_read_lock(), a spin lock region, or any non-sleepable program. */
    boolean inRcuCs() {
        return env.cur.activeRcuLock || env.cur.activeLockPtr != null || !env.opts.sleepable();
    }

    /**
     * The type flags of a pointer loaded from a pointer member of a PTR_TO_BTF_ID object
     * (check_ptr_to_btf_access): untrusted stays untrusted; from a trusted or RCU object only
     * the allowlisted members inherit trust, the rest become plain (deprecated) pointers inside
     * an RCU critical section and untrusted outside it.
     */
    private int walkedPointerFlags(RegState base, KernelType.Trust trust) {
        if ((base.flags & RegState.UNTRUSTED) != 0) {
            return RegState.UNTRUSTED;
        }
        boolean rcuBase = (base.flags & RegState.RCU) != 0;
        if (!BranchLogic.isTrusted(base) && !rcuBase) {
            return 0;
        }
        switch (trust) {
            case TRUSTED:
                return RegState.TRUSTED;
            case TRUSTED_OR_NULL:
                return RegState.TRUSTED | RegState.MAYBE_NULL;
            default:
                break;
        }
        if (inRcuCs() && !base.maybeNull()) {
            switch (trust) {
                case RCU:
                    return RegState.RCU;
                case RCU_OR_NULL:
                    return RegState.RCU | RegState.MAYBE_NULL;
                default:
                    return 0;
            }
        }
        return RegState.UNTRUSTED;
    }

    // ---- stack ----

    /** check_stack_access_within_bounds: the access fits in the 512-byte frame. */
    void checkStackAccessWithinBounds(int regno, int off, int size, boolean byHelper, boolean write) {
        RegState reg = env.reg(regno);
        FuncState state = env.funcOf(reg);
        String extra = byHelper ? " indirect access to" : write ? " write to" : " read from";
        long minOff;
        long maxOff;
        if (reg.varOff.isConst()) {
            minOff = reg.varOff.value() + off;
            maxOff = minOff + size;
        } else {
            if (reg.smax >= Cfg.MAX_VAR_OFF || reg.smin <= -Cfg.MAX_VAR_OFF) {
                throw env.deny("invalid unbounded variable-offset" + extra + " stack R" + regno);
            }
            minOff = reg.smin + off;
            maxOff = reg.smax + off + size;
        }
        int minValid = (write || byHelper || env.allowUninitStack) ? -MAX_STACK : -state.allocatedStack();
        boolean bad = minOff < minValid || minOff > -1 || maxOff > 0 || size < 0;
        if (bad) {
            if (reg.varOff.isConst()) {
                throw env.deny("invalid" + extra + " stack R" + regno + " off=" + off + " size=" + size);
            }
            throw env.deny("invalid variable-offset" + extra + " stack R" + regno + " var_off=" + reg.varOff
                    + " off=" + off + " size=" + size);
        }
        growStack(state, (int) ((-minOff + 7) / 8 * 8));
    }

    void growStack(FuncState state, int size) {
        if (state.allocatedStack() >= size) {
            return;
        }
        state.growStack(size);
        Env.Subprog sp = env.subprogs.get(state.subprogno);
        if (sp.stackDepth < state.allocatedStack()) {
            sp.stackDepth = state.allocatedStack();
        }
    }

    private void checkStackRead(int ptrRegno, int off, int size, int dstRegno) {
        RegState reg = env.reg(ptrRegno);
        FuncState state = env.funcOf(reg);
        boolean varOff = !reg.varOff.isConst();
        if (dstRegno < 0 && varOff) {
            throw env.deny("variable offset stack pointer cannot be passed into helper function; var_off="
                    + reg.varOff + " off=" + off + " size=" + size);
        }
        if (!varOff) {
            readFixed(state, (int) (off + reg.varOff.value()), size, dstRegno);
        } else {
            checkStackRangeInitialized(ptrRegno, off, size, false, false, false);
            long minOff = reg.smin + off;
            long maxOff = reg.smax + off;
            markRegStackRead(state, (int) minOff, (int) (maxOff + size), dstRegno);
        }
    }

    private static int spiOf(int off) {
        return (-off - 1) / REG_SIZE;
    }

    /** check_stack_read_fixed_off. */
    private void readFixed(FuncState state, int off, int size, int dstRegno) {
        FuncState cur = env.curFunc();
        int slot = -off - 1;
        int spi = slot / REG_SIZE;
        StackSlot ss = state.stack.get(spi);
        byte[] stype = ss.types;
        RegState reg = ss.spilled;
        env.markStackScratched(spi);
        if (ss.isSpill()) {
            int spillSize = 1;
            for (int i = REG_SIZE - 1; i > 0 && stype[i - 1] == StackSlot.SPILL; i--) {
                spillSize++;
            }
            if (size != REG_SIZE || spillSize != REG_SIZE) {
                if (reg.type != RegType.SCALAR_VALUE) {
                    env.log.lineInfo(env.insnIdx, "; ");
                    throw env.deny("invalid size of register fill");
                }
                if (dstRegno < 0) {
                    return;
                }
                RegState dst = cur.regs[dstRegno];
                if (size <= spillSize && off % REG_SIZE == 0) {
                    dst.assign(reg);
                    if (64 - Long.numberOfLeadingZeros(reg.umax) > size * 8) {
                        dst.id = 0;
                    }
                    env.precision.stackAccess(state.frameno, spi);
                } else {
                    int spillCnt = 0;
                    int zeroCnt = 0;
                    for (int i = 0; i < size; i++) {
                        byte t = stype[(slot - i) % REG_SIZE];
                        if (t == StackSlot.SPILL) {
                            spillCnt++;
                            continue;
                        }
                        if (t == StackSlot.MISC) {
                            continue;
                        }
                        if (t == StackSlot.ZERO) {
                            zeroCnt++;
                            continue;
                        }
                        if (t == StackSlot.INVALID && env.allowUninitStack) {
                            continue;
                        }
                        throw env.deny("invalid read from stack off " + off + "+" + i + " size " + size);
                    }
                    if (spillCnt == size && reg.varOff.equalsConst(0)) {
                        dst.markConstZero();
                    } else if (zeroCnt == size) {
                        dst.markConstZero();
                    } else {
                        env.markUnknown(dst);
                    }
                }
                dst.written = true;
            } else if (dstRegno >= 0) {
                RegState dst = cur.regs[dstRegno];
                dst.assign(reg);
                dst.written = true;
                env.precision.stackAccess(state.frameno, spi);
            } else if (!env.allowPtrLeaks && reg.type != RegType.SCALAR_VALUE) {
                throw env.deny("leaking pointer from stack off " + off);
            }
        } else {
            for (int i = 0; i < size; i++) {
                byte t = stype[(slot - i) % REG_SIZE];
                if (t == StackSlot.MISC || t == StackSlot.ZERO) {
                    continue;
                }
                if (t == StackSlot.INVALID && env.allowUninitStack) {
                    continue;
                }
                throw env.deny("invalid read from stack off " + off + "+" + i + " size " + size);
            }
            if (dstRegno >= 0) {
                markRegStackRead(state, off, off + size, dstRegno);
            }
        }
    }

    /** A register read from plain stack bytes: zero if they are all STACK_ZERO, else unknown. */
    private void markRegStackRead(FuncState ptrState, int minOff, int maxOff, int dstRegno) {
        RegState dst = env.curFunc().regs[dstRegno];
        int zeros = 0;
        for (int i = minOff; i < maxOff; i++) {
            int slot = -i - 1;
            int spi = slot / REG_SIZE;
            env.markStackScratched(spi);
            if (ptrState.stack.get(spi).types[slot % REG_SIZE] != StackSlot.ZERO) {
                break;
            }
            zeros++;
        }
        if (zeros == maxOff - minOff) {
            dst.markConstZero();
            dst.precise = !env.bpfCapable;
        } else {
            env.markUnknown(dst);
        }
        dst.written = true;
    }

    private void checkStackWrite(int ptrRegno, int off, int size, int valueRegno) {
        RegState reg = env.reg(ptrRegno);
        FuncState state = env.funcOf(reg);
        if (reg.varOff.isConst()) {
            writeFixed(state, (int) (off + reg.varOff.value()), size, valueRegno);
        } else {
            writeVarOff(state, ptrRegno, off, size, valueRegno);
        }
    }

    private boolean isStMem() {
        Insn i = env.insn(env.insnIdx);
        return cls(i.opcode()) == ST && mode(i.opcode()) == MEM;
    }

    private static boolean spillable(RegType t) {
        switch (t) {
            case PTR_TO_MAP_VALUE:
            case PTR_TO_STACK:
            case PTR_TO_CTX:
            case PTR_TO_PACKET:
            case PTR_TO_PACKET_META:
            case PTR_TO_PACKET_END:
            case PTR_TO_FLOW_KEYS:
            case CONST_PTR_TO_MAP:
            case PTR_TO_SOCKET:
            case PTR_TO_SOCK_COMMON:
            case PTR_TO_TCP_SOCK:
            case PTR_TO_XDP_SOCK:
            case PTR_TO_BTF_ID:
            case PTR_TO_BUF:
            case PTR_TO_MEM:
            case PTR_TO_FUNC:
            case PTR_TO_MAP_KEY:
                return true;
            default:
                return false;
        }
    }

    /** check_stack_write_fixed_off. */
    private void writeFixed(FuncState state, int off, int size, int valueRegno) {
        int slot = -off - 1;
        int spi = slot / REG_SIZE;
        StackSlot ss = state.stack.get(spi);
        FuncState cur = env.curFunc();
        if (!env.allowPtrLeaks && ss.isSpill() && !ss.isSpilledScalar() && size != REG_SIZE) {
            throw env.deny("attempt to corrupt spilled pointer on stack");
        }
        RegState reg = valueRegno >= 0 ? cur.regs[valueRegno] : null;
        env.markStackScratched(spi);
        if (reg != null && off % REG_SIZE == 0 && reg.type == RegType.SCALAR_VALUE && env.bpfCapable) {
            boolean fits = 64 - Long.numberOfLeadingZeros(reg.umax) <= 8 * size;
            if (fits) {
                env.assignScalarIdBeforeMov(reg);
            }
            saveRegisterState(ss, reg, size);
            if (!fits) {
                ss.spilled.id = 0;
            }
            env.precision.stackAccess(state.frameno, spi);
        } else if (reg == null && off % REG_SIZE == 0 && isStMem() && env.bpfCapable) {
            RegState tmp = new RegState();
            tmp.markConst(env.insn(env.insnIdx).imm());
            saveRegisterState(ss, tmp, size);
            env.precision.stackAccess(state.frameno, spi);
        } else if (reg != null && spillable(reg.type)) {
            if (size != REG_SIZE) {
                env.log.lineInfo(env.insnIdx, "; ");
                throw env.deny("invalid size of register spill");
            }
            if (state != cur && reg.type == RegType.PTR_TO_STACK) {
                throw env.fail("cannot spill pointers to stack into stack frame of the caller");
            }
            saveRegisterState(ss, reg, size);
            env.precision.stackAccess(state.frameno, spi);
        } else {
            byte type = StackSlot.MISC;
            ss.spilled.type = RegType.NOT_INIT;
            if (ss.isSpill()) {
                for (int i = 0; i < REG_SIZE; i++) {
                    if (ss.types[i] != StackSlot.INVALID) {
                        ss.types[i] = StackSlot.MISC;
                    }
                }
            }
            if (size == REG_SIZE) {
                ss.spilled.written = true;
            }
            if ((reg != null && reg.isNull()) || (reg == null && isStMem() && env.insn(env.insnIdx).imm() == 0)) {
                type = StackSlot.ZERO;
            }
            for (int i = 0; i < size; i++) {
                ss.types[(slot - i) % REG_SIZE] = type;
            }
        }
    }

    private static void saveRegisterState(StackSlot ss, RegState reg, int size) {
        ss.spilled.assign(reg);
        if (size == REG_SIZE) {
            ss.spilled.written = true;
        }
        int i;
        for (i = REG_SIZE; i > REG_SIZE - size; i--) {
            ss.types[i - 1] = StackSlot.SPILL;
        }
        for (; i > 0; i--) {
            byte t = ss.types[i - 1];
            if (t != StackSlot.ZERO && t != StackSlot.INVALID) {
                ss.types[i - 1] = StackSlot.MISC;
            }
        }
    }

    /** check_stack_write_var_off: every slot the write may touch loses its spill. */
    private void writeVarOff(FuncState state, int ptrRegno, int off, int size, int valueRegno) {
        RegState ptr = env.reg(ptrRegno);
        long minOff = ptr.smin + off;
        long maxOff = ptr.smax + off + size;
        RegState value = valueRegno >= 0 ? env.reg(valueRegno) : null;
        // only a register holding zero keeps STACK_ZERO bytes (check_stack_write_var_off)
        boolean writingZero = value != null && value.isNull();
        for (long i = minOff; i < maxOff; i++) {
            int slot = (int) (-i - 1);
            int spi = slot / REG_SIZE;
            StackSlot ss = state.stack.get(spi);
            int idx = slot % REG_SIZE;
            byte t = ss.types[idx];
            env.markStackScratched(spi);
            if (!env.allowPtrLeaks && t != StackSlot.MISC && t != StackSlot.ZERO) {
                throw env.deny("spilled ptr in range of var-offset stack write; insn " + env.insnIdx + ", ptr off: " + i);
            }
            if (writingZero && t == StackSlot.SPILL && ss.isSpilledScalar() && ss.spilled.varOff.equalsConst(0)) {
                continue;
            }
            ss.spilled.type = RegType.NOT_INIT;
            byte newType = StackSlot.MISC;
            if (writingZero && t == StackSlot.ZERO) {
                newType = StackSlot.ZERO;
            }
            if (t == StackSlot.INVALID && !env.allowUninitStack) {
                throw env.deny("uninit stack in range of var-offset write prohibited for !root; insn " + env.insnIdx
                        + ", off: " + i);
            }
            ss.types[idx] = newType;
        }
    }

    /**
     * check_stack_range_initialized: stack memory a helper (or a variable-offset load) reads.
     * {@code rawMode} means the helper only writes it.
     */
    void checkStackRangeInitialized(int regno, int off, int accessSize, boolean zeroSizeAllowed, boolean byHelper,
            boolean rawMode) {
        RegState reg = env.reg(regno);
        FuncState state = env.funcOf(reg);
        String extra = byHelper ? " indirect" : "";
        if (accessSize == 0 && !zeroSizeAllowed) {
            throw env.deny("invalid zero-sized read");
        }
        checkStackAccessWithinBounds(regno, off, accessSize, byHelper, byHelper);
        long minOff;
        long maxOff;
        if (reg.varOff.isConst()) {
            minOff = reg.varOff.value() + off;
            maxOff = minOff;
        } else {
            if (!env.bypassSpecV1) {
                throw env.deny("R" + regno + extra + " variable offset stack access prohibited for !root, var_off="
                        + reg.varOff);
            }
            rawMode = false;
            minOff = reg.smin + off;
            maxOff = reg.smax + off;
        }
        if (rawMode) {
            return;
        }
        for (long i = minOff; i < maxOff + accessSize; i++) {
            int slot = (int) (-i - 1);
            int spi = slot / REG_SIZE;
            if (spi >= state.stack.size()) {
                throw env.fail(dev.bpfvm.vm.Errno.EFAULT, "verifier bug: allocated_stack too small");
            }
            StackSlot ss = state.stack.get(spi);
            int idx = slot % REG_SIZE;
            byte t = ss.types[idx];
            if (t == StackSlot.MISC) {
                continue;
            }
            if (t == StackSlot.ZERO || (t == StackSlot.INVALID && env.allowUninitStack)) {
                if (byHelper) {
                    ss.types[idx] = StackSlot.MISC;
                }
                continue;
            }
            if (ss.isSpill() && (ss.spilled.type == RegType.SCALAR_VALUE || env.allowPtrLeaks)) {
                if (byHelper) {
                    env.markUnknown(ss.spilled);
                    for (int j = 0; j < REG_SIZE; j++) {
                        if (ss.types[j] != StackSlot.INVALID) {
                            ss.types[j] = StackSlot.MISC;
                        }
                    }
                }
                continue;
            }
            if (reg.varOff.isConst()) {
                throw env.deny("invalid" + extra + " read from stack R" + regno + " off " + minOff + "+" + (i - minOff)
                        + " size " + accessSize);
            }
            throw env.deny("invalid" + extra + " read from stack R" + regno + " var_off " + reg.varOff + "+"
                    + (i - minOff) + " size " + accessSize);
        }
    }

    // ---- atomics ----

    void atomic(Insn insn, Checker c) {
        int size = sizeBytes(size(insn.opcode()));
        if (size != 4 && size != 8) {
            throw env.fail("invalid atomic operand size");
        }
        c.checkRegArg(insn.src(), Checker.Op.SRC);
        c.checkRegArg(insn.dst(), Checker.Op.SRC);
        if (insn.imm() == ATOMIC_CMPXCHG) {
            c.checkRegArg(0, Checker.Op.SRC);
            if (isPointerValue(0)) {
                throw env.deny("R0 leaks addr into mem");
            }
        }
        if (isPointerValue(insn.src())) {
            throw env.deny("R" + insn.src() + " leaks addr into mem");
        }
        RegState dst = env.reg(insn.dst());
        if (dst.type == RegType.PTR_TO_CTX || dst.type.isPacket() || dst.type == RegType.PTR_TO_FLOW_KEYS
                || dst.type.isSocket()) {
            throw env.deny("BPF_ATOMIC stores into R" + insn.dst() + " " + StatePrinter.typeStr(dst)
                    + " is not allowed");
        }
        int loadReg = -1;
        if ((insn.imm() & FETCH) != 0) {
            loadReg = insn.imm() == ATOMIC_CMPXCHG ? 0 : insn.src();
            c.checkRegArg(loadReg, Checker.Op.DST);
        }
        access(insn.dst(), insn.off(), size, false, -1, true, false, c);
        if (loadReg >= 0) {
            access(insn.dst(), insn.off(), size, false, loadReg, true, false, c);
        }
        access(insn.dst(), insn.off(), size, true, -1, true, false, c);
    }

    /** struct bpf_sock: sizeof, and the offsets of the fields with special rules. */
    private static final int BPF_SOCK_SIZE = 80;
    private static final int SOCK_TYPE = 8;
    private static final int SOCK_PRIORITY_END = 24;
    private static final int SOCK_DST_PORT = 48;
    private static final int SOCK_DST_IP4 = 52;

    /** The kernel's bpf_sock_common/bpf_sock/bpf_tcp_sock/bpf_xdp_sock_is_valid_access. */
    static boolean sockAccessValid(RegType type, int off, int size) {
        switch (type) {
            case PTR_TO_SOCK_COMMON:
                // type, protocol, mark, priority are not in sock_common
                return !(off >= SOCK_TYPE && off < SOCK_PRIORITY_END) && sockValid(off, size);
            case PTR_TO_SOCKET:
                return sockValid(off, size);
            case PTR_TO_TCP_SOCK:
                if (off < 0 || off >= 112 || off % size != 0) {
                    return false;
                }
                return off == 80 || off == 88 ? size == 8 : size == 4;   // bytes_received, bytes_acked are __u64
            case PTR_TO_XDP_SOCK:
                return off >= 0 && off < 4 && off % size == 0 && size == 4;
            default:
                return false;
        }
    }

    private static boolean sockValid(int off, int size) {
        if (off < 0 || off >= BPF_SOCK_SIZE || off % size != 0) {
            return false;
        }
        boolean narrowOk = size <= 4 && (size & (size - 1)) == 0;
        if (off == 4 || off == 8 || off == 12 || off == 44 || off == 72 || off == 76   // family type protocol
                || (off >= 24 && off < 44) || (off >= SOCK_DST_IP4 && off < 72)) {   // src_port state rx_queue, ips
            return narrowOk;
        }
        if (off >= SOCK_DST_PORT && off < SOCK_DST_PORT + 2) {
            int fieldSize = size == 4 ? 4 : 2;
            return size <= fieldSize && (size & (size - 1)) == 0;
        }
        if (off >= SOCK_DST_PORT + 2 && off < SOCK_DST_IP4) {
            return false;
        }
        return size == 4;
    }
}
