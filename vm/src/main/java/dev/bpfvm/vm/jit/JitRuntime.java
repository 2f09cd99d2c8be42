package dev.bpfvm.vm.jit;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.CompiledCode;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Interpreter;
import dev.bpfvm.vm.exec.LegacyPacket;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.SourceLine;
import dev.bpfvm.vm.exec.Tiering;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.HelperSpec;

/**
 * The static methods compiled code calls for everything that is not a few inline JVM
 * instructions: faults (built here so that generated code is just {@code invokestatic; athrow}),
 * callx, tail calls, legacy packet loads, frames handed to the interpreter. Messages and order of
 * checks are the interpreter's, so faults are identical.
 */
final class JitRuntime {
    private JitRuntime() {}

    // ---------------- faults ----------------

    /** Names the slot, program and source line, as the interpreter's catch does. */
    static BpfException decorate(BpfException e, int pc, Program p) {
        SourceLine line = p.sourceLine(pc);
        return e.atPc(pc).in(p.name(), line == null ? null : line.toString());
    }

    /**
     * Handler of a throwing call site (memory access, helper, kfunc): the interpreter's catch and
     * finally in one — stores the executed count, decorates a BPF fault, passes anything else.
     */
    static Throwable fault(Throwable t, int pc, Program p, JitState s, long executed) {
        s.ctx.executed(executed);
        return t instanceof BpfException ? decorate((BpfException) t, pc, p) : t;
    }

    private static BpfException error(JitState s, long executed, int pc, Program p, Errno errno, String why) {
        s.ctx.executed(executed);
        return decorate(new BpfException(errno, why), pc, p);
    }

    static BpfException invalid(JitState s, long executed, int pc, Program p) {
        String why = p.invalidReason(pc);
        return error(s, executed, pc, p, Errno.EINVAL, why != null ? why : "invalid instruction");
    }

    static BpfException outOfRange(JitState s, long executed, int pc, Program p, int target) {
        return error(s, executed, pc, p, Errno.EINVAL, "jump out of range to insn " + target);
    }

    static BpfException budget(JitState s, long executed, int pc, Program p) {
        return error(s, executed, pc, p, Errno.ELOOP, "instruction budget of " + s.ctx.runBudget()
                + " exhausted (infinite loop?)");
    }

    static BpfException tooDeep(JitState s, long executed, int pc, Program p) {
        return error(s, executed, pc, p, Errno.E2BIG, "call stack too deep: more than "
                + ExecContext.MAX_FRAMES + " frames");
    }

    static BpfException unknownHelper(JitState s, long executed, int pc, Program p, long id) {
        return error(s, executed, pc, p, Errno.EINVAL, "call to unknown helper #" + id);
    }

    static BpfException unknownKfunc(JitState s, long executed, int pc, Program p, int btfId) {
        return error(s, executed, pc, p, Errno.EINVAL, "call to unknown kfunc (btf id " + btfId + ")");
    }

    // ---------------- calls ----------------

    /**
     * callx: a function pointer into this program (a local call) or a helper number. The
     * executed count is already in the context. Leaves r1-r5 of the callee (or the unchanged
     * arguments of a helper) in the state; sets {@code tailDone} if a helper's tail call ran.
     */
    static long callx(JitState s, JitCode code, long target, int pc, int depth, long r0, long r1, long r2,
                      long r3, long r4, long r5, long r6, long r7, long r8, long r9) {
        ExecContext ctx = s.ctx;
        Program prog = code.program();
        Region r = s.mem.regionAt(target);
        if (r != null && r.kind() == Region.Kind.CODE) {
            long executed = ctx.executed();
            if (r.owner() != prog) {
                throw error(s, executed, pc, prog, Errno.EINVAL, "callx to a function of another program");
            }
            int callee = AddressSpace.offsetOf(target);
            if (depth + 1 >= ExecContext.MAX_FRAMES) {
                throw tooDeep(s, executed, pc, prog);
            }
            if (callee < 0 || callee >= prog.slotCount()) {
                throw outOfRange(s, executed, pc, prog, callee);
            }
            return code.dispatch(s, callee, depth + 1, r0, r1, r2, r3, r4, r5, r6, r7, r8, r9);
        }
        long executed = ctx.executed();
        HelperSpec h = s.helpers.byId(target);
        if (h == null) {
            throw unknownHelper(s, executed, pc, prog, target);
        }
        ctx.depth(depth);
        long ret;
        try {
            ret = h.fn().call(ctx, r1, r2, r3, r4, r5);
        } catch (BpfException e) {
            ctx.executed(executed);
            throw decorate(e, pc, prog);
        } catch (RuntimeException | Error e) {
            ctx.executed(executed);
            throw e;
        }
        s.out1 = r1;
        s.out2 = r2;
        s.out3 = r3;
        s.out4 = r4;
        s.out5 = r5;
        Program t = ctx.takeTailCall();
        if (t != null) {
            ret = tailCall(t, s, pc, prog, depth, ret, r1, r2, r3, r4, r5, r6, r7, r8, r9);
            s.tailDone = true;
        }
        return ret;
    }

    /**
     * Continues the current frame in {@code target} from slot 0 with the registers as they are
     * (bpf_tail_call succeeded), and returns that frame's r0. As in the interpreter, the budget
     * is checked first, and a fault right there names the target program with the call's slot.
     */
    static long tailCall(Program target, JitState s, int pc, Program from, int depth, long r0, long r1, long r2,
                         long r3, long r4, long r5, long r6, long r7, long r8, long r9) {
        ExecContext ctx = s.ctx;
        long executed = ctx.executed();
        if (executed > ctx.runBudget()) {
            throw budget(s, executed, pc, target);
        }
        if (target.slotCount() == 0) {
            throw outOfRange(s, executed, pc, target, 0);
        }
        CompiledCode cc = target.compiledCode();
        if (cc == null) {
            Tiering t = ctx.runtime().tiering();
            long runs = target.recordInterpretedRun();
            if (t != null) {
                t.interpreting(target, runs);
                cc = target.compiledCode();
            }
        }
        if (cc instanceof JitCode) {
            return ((JitCode) cc).dispatch(s, 0, depth, r0, r1, r2, r3, r4, r5, r6, r7, r8, r9);
        }
        return interpret(s, target, 0, depth, r0, r1, r2, r3, r4, r5, r6, r7, r8, r9);
    }

    /** Runs one frame in the interpreter (a slot without a compiled function, an interpreted tail-call target). */
    static long interpret(JitState s, Program p, int pc, int depth, long r0, long r1, long r2, long r3, long r4,
                          long r5, long r6, long r7, long r8, long r9) {
        long[] regs = {r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, 0};
        if (!Interpreter.runFrame(p, s.ctx, pc, depth, regs)) {
            throw LegacyExit.INSTANCE;
        }
        s.out1 = regs[1];
        s.out2 = regs[2];
        s.out3 = regs[3];
        s.out4 = regs[4];
        s.out5 = regs[5];
        return regs[0];
    }

    // ---------------- legacy packet loads ----------------

    /** LD_ABS/LD_IND: the big-endian value, or the end of the program (out of range). */
    static long legacyLoad(JitState s, long r6, long index, int opcode, int imm) {
        Region ctxRegion = s.mem.regionAt(r6);
        if (ctxRegion == null || !(ctxRegion.owner() instanceof LegacyPacket)) {
            throw new BpfException(Errno.EINVAL, "LD_ABS/LD_IND need a socket buffer context in r6");
        }
        LegacyPacket skb = (LegacyPacket) ctxRegion.owner();
        int size = switch (opcode & 0x18) {
            case 0x00 -> 4;
            case 0x08 -> 2;
            default -> 1;
        };
        long offset = (opcode & 0xe0) == 0x40 ? (int) index + (long) imm : imm;
        long v = skb.loadBigEndian(offset, size);
        if (v < 0) {
            throw LegacyExit.INSTANCE;
        }
        return v;
    }
}
