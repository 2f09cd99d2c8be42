package dev.bpfvm.verifier;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.SourceLine;
import dev.bpfvm.vm.isa.Insn;
import java.util.ArrayList;
import java.util.List;

/**
 * One verification's environment ({@code struct bpf_verifier_env}): input, privileges, the
 * log, per-instruction side data, the current state and counters. Shared by the checkers.
 */
final class Env {
    /** A rejection: the message is already in the log. */
    static final class Reject extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final Errno errno;
        final String line;

        Reject(Errno errno, String line) {
            super(line, null, false, false);
            this.errno = errno;
            this.line = line;
        }
    }

    /** Per-subprogram facts ({@code struct bpf_subprog_info}). */
    static final class Subprog {
        int start;
        int end;
        int stackDepth;
        boolean hasTailCall;
        boolean hasLdAbs;
        boolean isCallback;
        boolean isAsyncCallback;
        String name;
        boolean global;
        boolean changesPktData;
        /** A global function's arguments from BTF; null verifies it like a static one. */
        java.util.List<FuncInfo.FuncArg> args;
        /** A global function some verified code calls (it must then be verified itself). */
        boolean called;
        boolean verified;

        /** Verified apart and assumed valid at call sites. */
        boolean separate() {
            return global && args != null;
        }
    }

    /** Per-instruction facts ({@code struct bpf_insn_aux_data}). */
    static final class Aux {
        boolean prunePoint;
        boolean jmpPoint;
        boolean forceCheckpoint;
        boolean callsCallback;
        /** Registers R0-R9 possibly read before written from here, as a bit mask. */
        int liveIn;
        MapInfo map;
        int mapOff;
        /** For a helper call taking a map (record_func_map): the map it was called with. */
        MapInfo mapPtr;
        /** The call saw different maps on different paths (bpf_map_ptr_poisoned). */
        boolean mapPtrPoisoned;
        /** The map was created without CAP_PERFMON (bpf_map_ptr_unpriv): tail calls get masked. */
        boolean mapPtrUnpriv;
        /** For a BPF_PSEUDO_BTF_ID ld_imm64: the kernel symbol. */
        KernelSymbol ksym;
        /** The pointer type first seen by this load/store (save_aux_ptr_type). */
        RegType ptrType;
        int ptrFlags;
        boolean seen;
    }

    private dev.bpfvm.vm.asm.Disassembler.Symbols symbols;

    /**
     * The right-hand side of a map {@code ld_imm64} in the log (printed at {@link #insnIdx}).
     * Linux prints the map's kernel address there, or {@code 0x0} without allow_ptr_leaks; we
     * print {@code 0x0} the same way, and instead of an address bpftool's {@code map[id:N]}
     * ({@code map[id:N][0]+OFF} for a value address). Null (the raw imm) for other ld_imm64s.
     */
    private String mapLdImm64(dev.bpfvm.vm.isa.Insn insn) {
        int src = insn.src();
        boolean value = src == dev.bpfvm.vm.isa.Opcodes.PSEUDO_MAP_VALUE
                || src == dev.bpfvm.vm.isa.Opcodes.PSEUDO_MAP_IDX_VALUE;
        if (!value && src != dev.bpfvm.vm.isa.Opcodes.PSEUDO_MAP_FD && src != dev.bpfvm.vm.isa.Opcodes.PSEUDO_MAP_IDX) {
            return null;
        }
        if (!allowPtrLeaks) {
            return "0x0";
        }
        int pc = printPc >= 0 ? printPc : insnIdx;
        MapInfo m = pc >= 0 && pc < aux.length ? aux[pc].map : null;
        if (m == null || m.id() <= 0) {
            return null;
        }
        return value ? "map[id:" + m.id() + "][0]+" + aux[pc].mapOff : "map[id:" + m.id() + "]";
    }

    /** The instruction at {@code pc} as the log prints it (after {@code N: }). */
    String printInsn(int pc) {
        printPc = pc;
        try {
            return opts.printer().print(pc, insn(pc), symbols());
        } finally {
            printPc = -1;
        }
    }

    /** The instruction being printed when it is not the current one (for map ids in ld_imm64s). */
    private int printPc = -1;

    /** Names for the log's instruction lines: the kernel's helper names, kfunc names from BTF. */
    dev.bpfvm.vm.asm.Disassembler.Symbols symbols() {
        if (symbols == null) {
            symbols = new dev.bpfvm.vm.asm.Disassembler.Symbols() {
                @Override
                public String helperName(int id) {
                    String n = HelperNames.name(id);
                    if (n.equals("unknown")) {
                        dev.bpfvm.vm.spi.HelperSpec h = input.helpers().byId(id);
                        return h != null ? h.name() : null;
                    }
                    return n;
                }

                @Override
                public String kfuncName(int imm) {
                    dev.bpfvm.vm.spi.KfuncSpec k = input.kfuncs().byBtfId(imm);
                    return k != null ? k.name() : Cfg.kernelFuncName(Env.this, imm);
                }

                @Override
                public String ldImm64(dev.bpfvm.vm.isa.Insn insn) {
                    return mapLdImm64(insn);
                }
            };
        }
        return symbols;
    }

    final VerifierInput input;
    final Program prog;
    final int len;
    final VerifierOptions opts;
    final ProgramTypeRules type;
    final VerifierLog log;
    /** Records instruction visits for {@link Verifier#trace}; null when not tracing. */
    VisitRecorder visits;

    // privileges, as bpf_check derives them from capabilities
    final boolean allowPtrLeaks;
    final boolean allowUninitStack;
    final boolean bypassSpecV1;
    final boolean bypassSpecV4;
    final boolean bpfCapable;
    /** explore_alu_limits: a register offset was sanitized, so pruning compares scalars exactly. */
    boolean exploreAluLimits;
    final boolean strictAlignment;

    final Aux[] aux;
    final List<Subprog> subprogs = new ArrayList<>();

    VerifierState cur;
    int insnIdx;
    int prevInsnIdx = -1;
    /** Precision tracking of the running check. */
    Precision precision;
    int idGen;

    // statistics
    int insnProcessed;
    int jmpsProcessed;
    int prevJmpsProcessed;
    int prevInsnProcessed;
    int totalStates;
    int peakStates;
    int maxStatesPerInsn;

    /** Registers and stack slots touched since the state was last printed. */
    int scratchedRegs;
    long scratchedStack;

    /** The instruction a rejection refers to. */
    int errorInsn = -1;

    Env(VerifierInput input) {
        this.input = input;
        this.prog = input.program();
        this.len = prog.slotCount();
        this.opts = input.options();
        this.type = input.programType();
        this.log = new VerifierLog(Math.max(opts.logLevel(), 0), prog);
        boolean priv = !opts.unprivileged();
        boolean perfmon = priv && opts.perfmon();
        this.allowPtrLeaks = perfmon;
        this.allowUninitStack = perfmon;
        this.bypassSpecV1 = perfmon;
        this.bypassSpecV4 = perfmon;
        this.bpfCapable = priv;
        boolean strict = opts.strictAlignment();
        if (opts.anyAlignment()) {
            strict = false;
        }
        this.strictAlignment = strict;
        this.aux = new Aux[Math.max(len, 0)];
        for (int i = 0; i < len; i++) {
            aux[i] = new Aux();
        }
    }

    /** The instruction at a slot; the second slot of an ld_imm64 reads as opcode 0. */
    Insn insn(int pc) {
        Insn i = prog.insnAt(pc);
        return i != null ? i : SECOND_HALF;
    }

    private static final Insn SECOND_HALF = new Insn(0, 0, 0, 0, 0);

    boolean isSecondHalf(int pc) {
        return pc > 0 && pc < len && prog.insnAt(pc) == null;
    }

    SourceLine sourceLine(int pc) {
        try {
            return prog.sourceLine(pc);
        } catch (RuntimeException e) {
            return null;
        }
    }

    // ---- logging and rejection ----

    void verbose(String s) {
        log.append(s);
    }

    /** Logs {@code msg} as an error line and rejects with EINVAL. */
    Reject fail(String msg) {
        return fail(Errno.EINVAL, msg);
    }

    Reject fail(Errno errno, String msg) {
        log.appendError(msg + "\n");
        if (errorInsn < 0) {
            errorInsn = insnIdx;
        }
        return new Reject(errno, msg);
    }

    /** A line of error context logged before the final error line (at every level). */
    void note(String line) {
        log.appendError(line + "\n");
    }

    /** EACCES rejection, the kernel's usual errno for unsafe accesses. */
    Reject deny(String msg) {
        return fail(Errno.EACCES, msg);
    }

    // ---- state access ----

    RegState[] regs() {
        return cur.regs();
    }

    RegState reg(int regno) {
        return cur.regs()[regno];
    }

    FuncState curFunc() {
        return cur.cur();
    }

    /** The frame a stack pointer points into. */
    FuncState funcOf(RegState r) {
        return cur.frames[r.frameno];
    }

    void markRegScratched(int regno) {
        scratchedRegs |= 1 << regno;
    }

    void markStackScratched(int spi) {
        if (spi >= 0 && spi < 64) {
            scratchedStack |= 1L << spi;
        }
    }

    void markAllScratched() {
        scratchedRegs = ~0;
        scratchedStack = ~0L;
    }

    void markClean() {
        scratchedRegs = 0;
        scratchedStack = 0;
    }

    boolean stateScratched() {
        return scratchedRegs != 0 || scratchedStack != 0;
    }

    int newId() {
        return ++idGen;
    }

    /** assign_scalar_id_before_mov: a scalar about to be copied gets an id linking the copies. */
    void assignScalarIdBeforeMov(RegState src) {
        if (src.type != RegType.SCALAR_VALUE) {
            return;
        }
        if ((src.id & RegState.ADD_CONST) != 0) {
            // a register already linked with a delta cannot take another one
            src.id = 0;
            src.off = 0;
        }
        if (src.id == 0 && !src.varOff.isConst()) {
            src.id = newId();
        }
    }

    Subprog subprogOf(FuncState f) {
        return subprogs.get(f.subprogno);
    }

    /** Index of the subprogram starting exactly at {@code off}, or -1. */
    int findSubprog(int off) {
        for (int i = 0; i < subprogs.size(); i++) {
            if (subprogs.get(i).start == off) {
                return i;
            }
        }
        return -1;
    }

    /** Index of the subprogram containing {@code off}. */
    int containingSubprog(int off) {
        int found = 0;
        for (int i = 0; i < subprogs.size(); i++) {
            if (subprogs.get(i).start <= off) {
                found = i;
            }
        }
        return found;
    }

    /** An unknown scalar as the kernel marks it (precise for unprivileged programs). */
    void markUnknown(RegState r) {
        r.markUnknown(!bpfCapable);
    }

    /** Invalidates a register that lost its meaning (mark_reg_invalid). */
    void markInvalid(RegState r) {
        if (!allowPtrLeaks) {
            r.markNotInit();
        } else {
            markUnknown(r);
        }
    }
}
