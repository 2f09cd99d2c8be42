package dev.bpfvm.verifier;

import static dev.bpfvm.vm.isa.Opcodes.*;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.Opcodes;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.KfuncSpec;
import dev.bpfvm.vm.spi.MapType;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The static passes before path exploration, in {@code bpf_check}'s order: subprogram
 * discovery, jump ranges per subprogram, {@code ld_imm64} resolution and opcode validity, the
 * control-flow DFS (unreachable code, back-edges for unprivileged programs), and register
 * liveness for state pruning.
 */
final class Cfg {
    private static final int MAX_SUBPROGS = 256;
    /** BPF_MAX_VAR_OFF. */
    static final int MAX_VAR_OFF = 1 << 29;

    private final Env env;

    Cfg(Env env) {
        this.env = env;
    }

    void run() {
        addSubprogs();
        checkSubprogs();
        checkBtfFunc();
        checkAttach();
        resolveLdImm64();
        checkCfg();
        computeLiveness();
    }

    /**
     * Encodings the ISA defines but Linux 6.12's instruction table (bpf_opcode_in_insntable)
     * lacks: callx, and call/exit in the JMP32 class.
     */
    private static boolean inKernelInsnTable(int code) {
        return code != 0x8d && code != 0x86 && code != 0x96 && code != 0x8e && code != 0x9e;
    }

    /** check_attach_btf_id: the sleepable flag must fit the program type. */
    private void checkAttach() {
        env.insnIdx = 0;
        if (env.type.kernelType().equals("BPF_PROG_TYPE_SYSCALL")) {
            if (!env.opts.sleepable()) {
                throw env.fail("Syscall programs can only be sleepable");
            }
            return;
        }
        if (env.opts.sleepable() && !env.type.sleepableAllowed()) {
            throw env.fail("Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable");
        }
    }

    private static boolean isPseudoFunc(Insn i) {
        return i.opcode() == LDDW && i.src() == PSEUDO_FUNC;
    }

    private void addSubprog(int off) {
        if (off >= env.len || off < 0) {
            throw env.fail("call to invalid destination");
        }
        if (env.findSubprog(off) >= 0) {
            return;
        }
        if (env.subprogs.size() >= MAX_SUBPROGS) {
            throw env.fail(Errno.E2BIG, "too many subprograms");
        }
        Env.Subprog s = new Env.Subprog();
        s.start = off;
        env.subprogs.add(s);
        env.subprogs.sort((a, b) -> Integer.compare(a.start, b.start));
    }

    /** add_subprog_and_kfunc. */
    private void addSubprogs() {
        addSubprog(0);
        for (int pc = 0; pc < env.len; pc++) {
            Insn i = env.insn(pc);
            boolean call = i.opcode() == CALL_IMM && i.src() == PSEUDO_CALL;
            boolean kfunc = i.opcode() == CALL_IMM && i.src() == PSEUDO_KFUNC_CALL;
            if (!isPseudoFunc(i) && !call && !kfunc) {
                continue;
            }
            if (!env.bpfCapable) {
                env.insnIdx = pc;
                throw env.fail(Errno.EPERM,
                        "loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN");
            }
            env.insnIdx = pc;
            if (isPseudoFunc(i) || call) {
                addSubprog(pc + i.imm() + 1);
            } else {
                addKfunc(i);
            }
        }
        for (int k = 0; k < env.subprogs.size(); k++) {
            Env.Subprog s = env.subprogs.get(k);
            s.end = k + 1 < env.subprogs.size() ? env.subprogs.get(k + 1).start : env.len;
            s.name = "func#" + k;
            for (FuncInfo fi : env.input.funcInfo()) {
                if (fi.insnOff() == s.start) {
                    s.name = fi.name();
                    s.global = fi.global() && k > 0;
                    s.args = s.global ? fi.args() : null;
                }
            }
        }
        if (env.log.level2()) {
            for (int k = 0; k < env.subprogs.size(); k++) {
                env.verbose("func#" + k + " @" + env.subprogs.get(k).start + "\n");
            }
        }
    }

    private void addKfunc(Insn i) {
        if (i.imm() == 0 && i.off() == 0) {
            return;
        }
        if (!env.opts.gplCompatible()) {
            throw env.fail("cannot call kernel function from non-GPL compatible program");
        }
        if (i.off() < 0) {
            throw env.fail("negative offset disallowed for kernel module function call");
        }
        if (i.off() > 0) {
            throw env.fail(Errno.EINVAL, "kfunc offset > 0 without fd_array is invalid");
        }
        if (env.input.kfuncs().byBtfId(i.imm()) == null && kernelFuncName(env, i.imm()) == null) {
            throw env.fail("kernel btf_id " + Integer.toUnsignedString(i.imm()) + " is not a function");
        }
    }

    /** The name of the kernel BTF FUNC with this id, or null when the id is no function. */
    static String kernelFuncName(Env env, int btfId) {
        dev.bpfvm.vm.btf.Btf btf = env.input.kernelTypes().btf();
        if (btfId <= 0 || btfId >= btf.count()) {
            return null;
        }
        return btf.type(btfId) instanceof dev.bpfvm.vm.btf.BtfType.Func f ? f.name() : null;
    }

    /** check_subprogs: jumps stay inside their subprogram; each ends with exit or jmp. */
    private void checkSubprogs() {
        int cur = 0;
        int start = env.subprogs.get(0).start;
        int end = env.subprogs.get(0).end;
        for (int pc = 0; pc < env.len; pc++) {
            Insn i = env.insn(pc);
            int code = i.opcode();
            if (code == CALL_IMM && i.src() == 0 && isHelper(i.imm(), "tail_call")) {
                env.subprogs.get(cur).hasTailCall = true;
            }
            if (cls(code) == LD && (mode(code) == ABS || mode(code) == IND)) {
                env.subprogs.get(cur).hasLdAbs = true;
            }
            if (isJump(code) && op(code) != EXIT && op(code) != CALL) {
                int target = code == GOTOL ? pc + i.imm() + 1 : pc + i.off() + 1;
                if (target < start || target >= end) {
                    env.insnIdx = pc;
                    throw env.fail("jump out of range from insn " + pc + " to " + target);
                }
            }
            if (pc == end - 1) {
                if (code != EXIT_INSN && code != GOTOL && code != JA64) {
                    env.insnIdx = pc;
                    throw env.fail("last insn is not an exit or jmp");
                }
                cur++;
                if (cur < env.subprogs.size()) {
                    start = env.subprogs.get(cur).start;
                    end = env.subprogs.get(cur).end;
                }
            }
        }
    }

    /**
     * check_btf_func: a subprogram (not the main program) whose BTF prototype does not return
     * an integer or enum may not use LD_ABS/LD_IND, whose failure returns 0 from it, nor tail
     * calls. Without BTF func info (check_abnormal_return) no subprogram may use them at all.
     */
    private void checkBtfFunc() {
        if (env.input.funcInfo().isEmpty()) {
            for (int k = 1; k < env.subprogs.size(); k++) {
                Env.Subprog s = env.subprogs.get(k);
                env.insnIdx = s.start;
                if (s.hasLdAbs) {
                    throw env.fail("LD_ABS is not allowed in subprogs without BTF");
                }
                if (s.hasTailCall) {
                    throw env.fail("tail_call is not allowed in subprogs without BTF");
                }
            }
            return;
        }
        for (FuncInfo fi : env.input.funcInfo()) {
            if (fi.insnOff() == 0 || fi.scalarReturn()) {
                continue;
            }
            for (Env.Subprog s : env.subprogs) {
                if (s.start != fi.insnOff()) {
                    continue;
                }
                env.insnIdx = s.start;
                if (s.hasLdAbs) {
                    throw env.fail("LD_ABS is only allowed in functions that return 'int'.");
                }
                if (s.hasTailCall) {
                    throw env.fail("tail_call is only allowed in functions that return 'int'.");
                }
            }
        }
    }

    private boolean isHelper(int id, String shortName) {
        HelperSpec h = env.input.helpers().byId(id);
        return h != null && HelperAvailability.shortName(h).equals(shortName);
    }

    /** resolve_pseudo_ldimm64: maps behind ld_imm64, and opcode validity of every instruction. */
    private void resolveLdImm64() {
        for (int pc = 0; pc < env.len; pc++) {
            if (env.isSecondHalf(pc)) {
                continue;
            }
            Insn i = env.insn(pc);
            env.insnIdx = pc;
            int code = i.opcode();
            if (cls(code) == LDX && ((mode(code) != MEM && mode(code) != MEMSX) || i.imm() != 0)) {
                throw env.fail("BPF_LDX uses reserved fields");
            }
            if (code == LDDW) {
                resolveOne(pc, i);
                continue;
            }
            if (!Opcodes.isValid(code) || !inKernelInsnTable(code)) {
                throw env.fail(String.format("unknown opcode %02x", code));
            }
        }
    }

    private void resolveOne(int pc, Insn i) {
        int src = i.src();
        if (src == 0 || src == PSEUDO_FUNC) {
            return;
        }
        if (src == PSEUDO_BTF_ID) {
            env.aux[pc].ksym = resolveKsym(pc, i);
            return;
        }
        switch (src) {
            case PSEUDO_MAP_VALUE:
            case PSEUDO_MAP_IDX_VALUE:
                break;
            case PSEUDO_MAP_FD:
            case PSEUDO_MAP_IDX:
                if (i.imm2() == 0 || !env.input.maps().kernelEncoding()) {
                    break;
                }
                throw env.fail("unrecognized bpf_ld_imm64 insn");
            default:
                throw env.fail("unrecognized bpf_ld_imm64 insn");
        }
        MapInfo map = env.input.maps().resolve(pc, i);
        if (map == null) {
            throw env.fail(Errno.EBADF, "fd " + i.imm() + " is not pointing to valid bpf_map");
        }
        checkMapProgCompatibility(map);
        Env.Aux a = env.aux[pc];
        a.map = map;
        if (src == PSEUDO_MAP_VALUE || src == PSEUDO_MAP_IDX_VALUE) {
            long off = env.input.maps().valueOffset(pc, i);
            if (off >= MAX_VAR_OFF) {
                throw env.fail("direct value offset of " + off + " is not allowed");
            }
            if (!directValueAccess(map)) {
                throw env.fail("no direct value access support for this map type");
            }
            if (off >= map.valueSize()) {
                throw env.fail("invalid access to map value pointer, value_size=" + map.valueSize() + " off=" + off);
            }
            a.mapOff = (int) off;
        }
    }

    /** check_pseudo_btf_id: the kernel variable or function a BPF_PSEUDO_BTF_ID ld_imm64 names. */
    private KernelSymbol resolveKsym(int pc, Insn i) {
        KernelSymbol ks = env.input.maps().kernelSymbol(pc, i);
        if (ks != null) {
            return ks;
        }
        dev.bpfvm.vm.btf.Btf btf = env.input.kernelTypes().btf();
        int id = i.imm();
        if (id <= 0 || id >= btf.count()) {
            throw env.fail("ldimm64 insn specifies invalid btf_id " + id + ".");
        }
        dev.bpfvm.vm.btf.BtfType t = btf.type(id);
        if (t instanceof dev.bpfvm.vm.btf.BtfType.Func f) {
            return KernelSymbol.function(f.name());
        }
        if (!(t instanceof dev.bpfvm.vm.btf.BtfType.Var v)) {
            throw env.fail("pseudo btf_id " + id + " in ldimm64 isn't KIND_VAR or KIND_FUNC");
        }
        KernelType struct = env.input.kernelTypes().struct(v.type());
        if (struct != null) {
            return KernelSymbol.structVariable(v.name(), struct, false);
        }
        try {
            return KernelSymbol.variable(v.name(), btf.size(v.type()));
        } catch (RuntimeException e) {
            throw env.fail("ldimm64 unable to resolve the size of type '" + btf.typeName(v.type()) + "': -22");
        }
    }

    /** Maps with map_direct_value_addr: single-element arrays (global data sections). */
    static boolean directValueAccess(MapInfo map) {
        return (map.type() == MapType.ARRAY || map.type() == MapType.ARENA) && map.maxEntries() == 1;
    }

    private void checkMapProgCompatibility(MapInfo map) {
        String kt = env.type.kernelType();
        boolean tracingType = kt.equals("BPF_PROG_TYPE_KPROBE") || kt.equals("BPF_PROG_TYPE_TRACEPOINT")
                || kt.equals("BPF_PROG_TYPE_PERF_EVENT") || kt.equals("BPF_PROG_TYPE_RAW_TRACEPOINT");
        if (map.spinLockOffset() >= 0) {
            if (kt.equals("BPF_PROG_TYPE_SOCKET_FILTER")) {
                throw env.fail("socket filter progs cannot use bpf_spin_lock yet");
            }
            if (tracingType) {
                throw env.fail("tracing progs cannot use bpf_spin_lock yet");
            }
        }
        if (map.timerOffset() >= 0 && tracingType) {
            throw env.fail("tracing progs cannot use bpf_timer yet");
        }
        if (map.type() == MapType.STRUCT_OPS) {
            throw env.fail("bpf_struct_ops map cannot be used in prog");
        }
        if (env.opts.sleepable()) {
            switch (map.type()) {
                case HASH: case LRU_HASH: case ARRAY: case PERCPU_HASH: case PERCPU_ARRAY:
                case LRU_PERCPU_HASH: case ARRAY_OF_MAPS: case HASH_OF_MAPS: case RINGBUF:
                case USER_RINGBUF: case INODE_STORAGE: case SK_STORAGE: case TASK_STORAGE:
                case CGRP_STORAGE: case QUEUE: case STACK: case ARENA: case CGROUP_STATS:
                    break;
                default:
                    throw env.fail("Sleepable programs can only use array, hash, ringbuf and local storage maps");
            }
        }
    }

    // ---- check_cfg ----

    private static final int DISCOVERED = 0x10;
    private static final int EXPLORED = 0x20;
    private static final int FALLTHROUGH = 1;
    private static final int BRANCH = 2;
    private static final int DONE = 0;
    private static final int KEEP = 1;

    private int[] state;
    private Deque<Integer> stack;

    private int pushInsn(int t, int w, int e) {
        if (e == FALLTHROUGH && state[t] >= (DISCOVERED | FALLTHROUGH)) {
            return DONE;
        }
        if (e == BRANCH && state[t] >= (DISCOVERED | BRANCH)) {
            return DONE;
        }
        if (w < 0 || w >= env.len) {
            env.insnIdx = t;
            env.log.lineInfo(t, t + ": ");
            throw env.fail("jump out of range from insn " + t + " to " + w);
        }
        if (e == BRANCH) {
            env.aux[w].prunePoint = true;
            env.aux[w].jmpPoint = true;
        }
        if (state[w] == 0) {
            state[t] = DISCOVERED | e;
            state[w] = DISCOVERED;
            stack.push(w);
            return KEEP;
        } else if ((state[w] & 0xf0) == DISCOVERED) {
            if (env.bpfCapable) {
                return DONE;
            }
            env.insnIdx = t;
            env.log.lineInfo(t, t + ": ");
            env.log.lineInfo(w, w + ": ");
            throw env.fail("back-edge from insn " + t + " to " + w);
        } else if (state[w] == EXPLORED) {
            state[t] = DISCOVERED | e;
        }
        return DONE;
    }

    private int visitCall(int t, boolean visitCallee) {
        Insn i = env.insn(t);
        int sz = i.isLddw() ? 2 : 1;
        int ret = pushInsn(t, t + sz, FALLTHROUGH);
        if (ret != DONE) {
            return ret;
        }
        env.aux[t + sz].prunePoint = true;
        env.aux[t + sz].jmpPoint = true;
        if (visitCallee) {
            env.aux[t].prunePoint = true;
            ret = pushInsn(t, t + i.imm() + 1, BRANCH);
        }
        return ret;
    }

    private int visit(int t) {
        Insn i = env.insn(t);
        int code = i.opcode();
        if (isPseudoFunc(i)) {
            return visitCall(t, true);
        }
        if (cls(code) != JMP && cls(code) != JMP32) {
            int sz = i.isLddw() ? 2 : 1;
            return pushInsn(t, t + sz, FALLTHROUGH);
        }
        switch (op(code)) {
            case EXIT:
                return DONE;
            case CALL: {
                if (i.src() == 0 && isHelper(i.imm(), "timer_set_callback")) {
                    env.aux[t].prunePoint = true;
                }
                if (i.src() == 0 && isSyncCallbackHelper(i.imm())) {
                    env.aux[t].callsCallback = true;
                    env.aux[t].forceCheckpoint = true;
                    env.aux[t].prunePoint = true;
                    env.aux[t].jmpPoint = true;
                }
                if (i.src() == PSEUDO_KFUNC_CALL) {
                    KfuncSpec k = env.input.kfuncs().byBtfId(i.imm());
                    if (k != null && (k.flags() & KfuncSpec.KF_ITER_NEXT) != 0) {
                        env.aux[t].prunePoint = true;
                        env.aux[t].forceCheckpoint = true;
                        env.aux[t].iterNext = true;
                    }
                }
                return visitCall(t, i.src() == PSEUDO_CALL);
            }
            case JA: {
                int off = cls(code) == JMP ? i.off() : i.imm();
                int ret = pushInsn(t, t + off + 1, FALLTHROUGH);
                if (ret != DONE) {
                    return ret;
                }
                env.aux[t + off + 1].prunePoint = true;
                env.aux[t + off + 1].jmpPoint = true;
                return ret;
            }
            default: {
                env.aux[t].prunePoint = true;
                if (code == MAY_GOTO) {
                    env.aux[t].forceCheckpoint = true;
                }
                int ret = pushInsn(t, t + 1, FALLTHROUGH);
                if (ret != DONE) {
                    return ret;
                }
                return pushInsn(t, t + i.off() + 1, BRANCH);
            }
        }
    }

    boolean isSyncCallbackHelper(int id) {
        HelperSpec h = env.input.helpers().byId(id);
        if (h == null) {
            return false;
        }
        String n = HelperAvailability.shortName(h);
        return n.equals("for_each_map_elem") || n.equals("find_vma") || n.equals("loop")
                || n.equals("user_ringbuf_drain");
    }

    private void checkCfg() {
        state = new int[env.len];
        stack = new ArrayDeque<>();
        state[0] = DISCOVERED;
        stack.push(0);
        while (!stack.isEmpty()) {
            int t = stack.peek();
            int ret = visit(t);
            if (ret == DONE) {
                state[t] = EXPLORED;
                stack.pop();
            }
        }
        for (int pc = 0; pc < env.len; pc++) {
            Insn i = env.insn(pc);
            if (state[pc] != EXPLORED) {
                env.insnIdx = pc;
                throw env.fail("unreachable insn " + pc);
            }
            if (i.isLddw()) {
                if (pc + 1 < env.len && state[pc + 1] != 0) {
                    env.insnIdx = pc;
                    throw env.fail("jump into the middle of ldimm64 insn " + pc);
                }
                pc++;
            }
        }
    }

    // ---- static register liveness ----

    private static final int ARGS = 0b111110;
    private static final int CALLER_SAVED = 0b111111;

    private int use(Insn i) {
        int code = i.opcode();
        int d = bit(i.dst());
        int s = bit(i.src());
        switch (cls(code)) {
            case ALU:
            case ALU64: {
                int o = op(code);
                if (o == MOV) {
                    return source(code) == X ? s : 0;
                }
                if (o == NEG || o == END) {
                    return d;
                }
                return d | (source(code) == X ? s : 0);
            }
            case LDX:
                return s;
            case ST:
                return d;
            case STX:
                if (mode(code) == ATOMIC && i.imm() == ATOMIC_CMPXCHG) {
                    return d | s | 1;
                }
                return d | s;
            case LD:
                if (code == LDDW) {
                    return 0;
                }
                return bit(6) | (mode(code) == IND ? s : 0);
            default: {
                int o = op(code);
                if (code == EXIT_INSN) {
                    return 1;
                }
                if (o == CALL) {
                    return ARGS;
                }
                if (o == JA) {
                    return 0;
                }
                return d | (source(code) == X ? s : 0);
            }
        }
    }

    private int def(Insn i) {
        int code = i.opcode();
        switch (cls(code)) {
            case ALU:
            case ALU64:
            case LDX:
                return bit(i.dst());
            case STX:
                if (mode(code) == ATOMIC && (i.imm() & FETCH) != 0) {
                    return i.imm() == ATOMIC_CMPXCHG ? 1 : bit(i.src());
                }
                return 0;
            case LD:
                if (code == LDDW) {
                    return bit(i.dst());
                }
                return CALLER_SAVED;
            case ST:
                return 0;
            default:
                if (op(code) == CALL) {
                    return CALLER_SAVED;
                }
                return 0;
        }
    }

    private static int bit(int reg) {
        return reg < 10 ? 1 << reg : 0;
    }

    private int[] successors(int pc) {
        Insn i = env.insn(pc);
        int code = i.opcode();
        if (i.isLddw()) {
            return pc + 2 < env.len ? new int[] {pc + 2} : new int[0];
        }
        if (cls(code) == JMP || cls(code) == JMP32) {
            switch (op(code)) {
                case EXIT:
                    return new int[0];
                case CALL:
                    return pc + 1 < env.len ? new int[] {pc + 1} : new int[0];
                case JA:
                    return new int[] {pc + (cls(code) == JMP ? i.off() : i.imm()) + 1};
                default:
                    return new int[] {pc + 1, pc + i.off() + 1};
            }
        }
        return pc + 1 < env.len ? new int[] {pc + 1} : new int[0];
    }

    private void computeLiveness() {
        int n = env.len;
        int[] uses = new int[n];
        int[] defs = new int[n];
        int[][] succ = new int[n][];
        for (int pc = 0; pc < n; pc++) {
            if (env.isSecondHalf(pc)) {
                succ[pc] = new int[0];
                continue;
            }
            Insn i = env.insn(pc);
            uses[pc] = use(i);
            defs[pc] = def(i);
            succ[pc] = successors(pc);
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int pc = n - 1; pc >= 0; pc--) {
                int out = 0;
                for (int s : succ[pc]) {
                    if (s >= 0 && s < n) {
                        out |= env.aux[s].liveIn;
                    }
                }
                int in = uses[pc] | (out & ~defs[pc]);
                if (in != env.aux[pc].liveIn) {
                    env.aux[pc].liveIn = in;
                    changed = true;
                }
            }
        }
    }
}
