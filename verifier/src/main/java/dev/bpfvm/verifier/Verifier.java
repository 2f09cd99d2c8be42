package dev.bpfvm.verifier;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.SourceLine;
import java.util.ArrayList;
import java.util.List;

/**
 * The verifier: decides whether Linux 6.12 would load a program, and explains a rejection in
 * the kernel's words, with the kernel's log format.
 *
 * <pre>{@code
 * VerifierResult r = Verifier.verify(VerifierInput.builder(program, ProgramTypes.XDP)
 *         .helpers(helpers).maps(maps).build());
 * if (!r.accepted()) System.out.println(r.log());
 * }</pre>
 *
 * Verification never throws for a bad program; only {@link #verifyOrThrow} turns a rejection
 * into a {@link VerifierException}.
 */
public final class Verifier {
    /** BPF_COMPLEXITY_LIMIT_INSNS. */
    public static final int COMPLEXITY_LIMIT_INSNS = 1_000_000;
    /** BPF_MAXINSNS: the size limit for unprivileged programs. */
    public static final int MAX_INSNS_UNPRIV = 4096;
    private static final int MAX_STACK = 512;

    private Verifier() {}

    /** Verifies; a rejection is a result, not an exception. */
    public static VerifierResult verify(VerifierInput input) {
        return verify(new Env(input));
    }

    /**
     * Verifies and records every instruction visit: the path structure of all of them, and the state of
     * the first and the last {@code keepStates} visits (the others have a null state). For the log to be
     * aligned with the visits ({@link VerifierVisit#logPos()}), verify at log level 2.
     */
    public static VerifierTrace trace(VerifierInput input, int keepStates) {
        if (keepStates < 1) {
            throw new IllegalArgumentException("keepStates must be positive: " + keepStates);
        }
        Env env = new Env(input);
        env.visits = new VisitRecorder(keepStates);
        VerifierResult r = verify(env);
        List<String> insns = new ArrayList<>();
        List<SourceLine> sources = new ArrayList<>();
        for (int pc = 0; pc < env.len; pc++) {
            if (env.isSecondHalf(pc)) {
                insns.add(null);
            } else {
                String text;
                try {
                    text = env.opts.printer().print(pc, env.insn(pc), env.symbols());
                } catch (RuntimeException e) {
                    text = "(invalid instruction)";
                }
                insns.add(text);
            }
            sources.add(env.sourceLine(pc));
        }
        return new VerifierTrace(r, env.visits.visits, insns, sources);
    }

    private static VerifierResult verify(Env env) {
        Errno errno = null;
        String message = null;
        try {
            run(env);
        } catch (Env.Reject r) {
            errno = r.errno;
            message = r.line;
        } catch (RuntimeException e) {
            // a bug of ours must not escape as a foreign exception: report it as the kernel
            // reports its own internal errors
            errno = Errno.EFAULT;
            message = "verifier internal error: " + e;
            env.log.appendError(message + "\n");
        }
        boolean accepted = message == null;
        StringBuilder log = new StringBuilder(env.log.text());
        List<Integer> depths = new ArrayList<>();
        for (Env.Subprog s : env.subprogs) {
            depths.add(s.stackDepth);
        }
        VerifierResult res0 = new VerifierResult(accepted, "", message, errno, env.insnProcessed,
                env.maxStatesPerInsn, env.totalStates, env.peakStates, 0, accepted ? -1 : env.errorInsn,
                null, depths);
        log.append(res0.statsLine()).append('\n');
        SourceLine line = null;
        if (!accepted && env.errorInsn >= 0) {
            line = env.sourceLine(env.errorInsn);
        }
        return new VerifierResult(accepted, log.toString(), message, errno, env.insnProcessed, env.maxStatesPerInsn,
                env.totalStates, env.peakStates, 0, accepted ? -1 : env.errorInsn, line, depths);
    }

    /** Verifies and throws {@link VerifierException} on rejection. */
    public static VerifierResult verifyOrThrow(VerifierInput input) {
        VerifierResult r = verify(input);
        if (!r.accepted()) {
            throw r.toException(input.program().name());
        }
        return r;
    }

    private static void run(Env env) {
        if (env.len == 0) {
            throw env.fail(Errno.E2BIG, "program has no instructions");
        }
        if (!env.bpfCapable && env.len > MAX_INSNS_UNPRIV) {
            throw env.fail(Errno.E2BIG, "program of " + env.len + " insns exceeds the unprivileged limit of "
                    + MAX_INSNS_UNPRIV);
        }
        if (!env.bpfCapable && !env.type.unprivilegedAllowed()) {
            throw env.fail(Errno.EPERM, "program type " + env.type.kernelType() + " requires CAP_BPF");
        }
        if (env.bpfCapable && !env.allowPtrLeaks && env.type.isTracing()) {
            throw env.fail(Errno.EPERM, "program type " + env.type.kernelType() + " requires CAP_PERFMON");
        }
        new Cfg(env).run();
        Checker checker = new Checker(env);
        doCheckMain(env, checker);
        doCheckSubprogs(env);
        checkMaxStackDepth(env);
        miscFixups(env);
    }

    /**
     * The checks of do_misc_fixups, which rewrites the verified program: a tail call that saw
     * different prog arrays on different paths cannot get its Spectre index masking when the
     * maps were created without CAP_PERFMON.
     */
    private static void miscFixups(Env env) {
        for (int pc = 0; pc < env.len; pc++) {
            dev.bpfvm.vm.isa.Insn insn = env.prog.insnAt(pc);
            Env.Aux a = env.aux[pc];
            if (insn != null && insn.opcode() == dev.bpfvm.vm.isa.Opcodes.CALL_IMM && insn.src() == 0
                    && HelperNames.name(insn.imm()).equals("bpf_tail_call") && a.mapPtrPoisoned && a.mapPtrUnpriv) {
                env.insnIdx = pc;
                throw env.fail("tail_call abusing map_ptr");
            }
        }
    }

    /**
     * do_check_subprogs: every global function that verified code calls is verified on its
     * own, for any arguments matching its prototype, until no new one is called.
     */
    private static void doCheckSubprogs(Env env) {
        boolean again = true;
        while (again) {
            again = false;
            for (int i = 1; i < env.subprogs.size(); i++) {
                Env.Subprog sp = env.subprogs.get(i);
                if (!sp.separate() || !sp.called || sp.verified) {
                    continue;
                }
                sp.verified = true;
                again = true;
                Checker checker = new Checker(env);
                env.log.resetLineInfo();
                if (env.log.traces()) {
                    env.verbose("Validating " + sp.name + "() func#" + i + "...\n");
                }
                VerifierState state = new VerifierState();
                FuncState f = new FuncState();
                checker.calls.initFuncState(f, FuncState.MAIN_CALLSITE, 0, i);
                state.frames[0] = f;
                state.curframe = 0;
                state.branches = 1;
                checker.calls.initGlobalArgs(f, sp);
                env.cur = state;
                env.insnIdx = sp.start;
                env.prevInsnIdx = -1;
                env.log.prevLogPos = 0;
                state.firstInsnIdx = sp.start;
                checker.doCheck();
                if (!env.log.level2()) {
                    env.log.reset(0);
                }
                if (env.log.traces()) {
                    env.verbose("Func#" + i + " ('" + sp.name + "') is safe for any args that match its prototype\n");
                }
            }
        }
    }

    private static void doCheckMain(Env env, Checker checker) {
        env.log.resetLineInfo();
        VerifierState state = new VerifierState();
        FuncState f = new FuncState();
        checker.calls.initFuncState(f, FuncState.MAIN_CALLSITE, 0, 0);
        state.frames[0] = f;
        state.curframe = 0;
        state.branches = 1;
        int raw = env.type.rawMemory();
        if (raw >= 0) {
            // bpfvm's raw type: r1 = memory of r2 bytes
            f.regs[1].markPointer(RegType.PTR_TO_MEM, 0);
            f.regs[1].memSize = raw;
            f.regs[2].type = RegType.SCALAR_VALUE;
            f.regs[2].markKnown(raw);
        } else {
            f.regs[1].markPointer(RegType.PTR_TO_CTX, 0);
        }
        env.cur = state;
        env.insnIdx = 0;
        checker.doCheck();
        if (!env.log.level2()) {
            env.log.reset(0);
        }
    }

    /** check_max_stack_depth: frames of every call chain fit in 512 bytes together. */
    private static void checkMaxStackDepth(Env env) {
        for (int i = 0; i < env.subprogs.size(); i++) {
            if (i == 0 || env.subprogs.get(i).isAsyncCallback) {
                checkChain(env, i, 0, 0);
            }
        }
    }

    private static int roundedDepth(Env.Subprog s) {
        int d = Math.max(s.stackDepth, 1);
        return (d + 31) / 32 * 32;
    }

    private static void checkChain(Env env, int idx, int depth, int frame) {
        Env.Subprog sp = env.subprogs.get(idx);
        if (idx != 0 && sp.hasTailCall && depth >= 256) {
            throw env.deny("tail_calls are not allowed when call stack of previous frames is " + depth
                    + " bytes. Too large");
        }
        depth += roundedDepth(sp);
        if (depth > MAX_STACK) {
            throw env.deny("combined stack size of " + (frame + 1) + " calls is " + depth + ". Too large");
        }
        // a recursive chain is followed until it is too deep, as Linux does: any recursion is refused
        for (int pc = sp.start; pc < sp.end; pc++) {
            if (env.isSecondHalf(pc)) {
                continue;
            }
            var insn = env.insn(pc);
            boolean call = insn.isLocalCall();
            boolean func = insn.isLddw() && insn.src() == dev.bpfvm.vm.isa.Opcodes.PSEUDO_FUNC;
            if (!call && !func) {
                continue;
            }
            int target = pc + insn.imm() + 1;
            int sidx = env.findSubprog(target);
            if (sidx < 0) {
                continue;
            }
            if (env.subprogs.get(sidx).isAsyncCallback && !call) {
                continue;
            }
            if (frame + 1 >= VerifierState.MAX_CALL_FRAMES) {
                throw env.fail(Errno.E2BIG, "the call stack of " + (frame + 1) + " frames is too deep !");
            }
            checkChain(env, sidx, depth, frame + 1);
        }
    }
}
