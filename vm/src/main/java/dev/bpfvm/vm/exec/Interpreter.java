package dev.bpfvm.vm.exec;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.isa.Opcodes;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.KfuncSpec;

/**
 * The interpreter: a dense switch on the opcode byte over a pre-decoded program, registers in a
 * {@code long[11]}, BPF-to-BPF calls on an explicit frame stack (no Java recursion). The tricky
 * semantics live in {@link Semantics}, shared with the JIT.
 *
 * <p>The instruction budget counts every executed instruction and is checked, as in compiled
 * code, only at backward jumps and at calls, so both tiers stop at the same instruction.
 *
 * <p>The main loop must stay below HotSpot's 8000-byte limit for compiling a method, so rare
 * instructions are handled in separate methods.
 */
public final class Interpreter {
    private Interpreter() {}

    private static final int R0 = 0;

    /** Saved state of a caller frame. */
    private static final class Frames {
        final long[] saved = new long[ExecContext.MAX_FRAMES * 5];   // r6-r10 per frame
        final int[] retPc = new int[ExecContext.MAX_FRAMES];
        final Program[] prog = new Program[ExecContext.MAX_FRAMES];
    }

    /**
     * Runs {@code prog} from slot {@code entryPc} in frame {@code baseDepth} until the exit of
     * that frame. Faults are {@link BpfException}s naming the program, slot and source line.
     */
    static long execute(Program prog, ExecContext ctx, int entryPc, int baseDepth,
                        long r1, long r2, long r3, long r4, long r5) {
        long[] regs = new long[11];
        regs[1] = r1;
        regs[2] = r2;
        regs[3] = r3;
        regs[4] = r4;
        regs[5] = r5;
        return execute(prog, ctx, entryPc, baseDepth, regs);
    }

    /**
     * For compiled code handing a frame to the interpreter (a tail call into an interpreted
     * program, a call to a slot that has no compiled entry): runs {@code prog} from slot
     * {@code pc} as frame {@code depth} with r0-r9 from {@code regs} (r10 is set from the depth)
     * until the exit of that frame; {@code regs} then holds the final registers. The executed
     * count continues from the context's. Returns false if a legacy packet load ended the whole
     * program (r0 = 0), which the caller must propagate.
     */
    public static boolean runFrame(Program prog, ExecContext ctx, int pc, int depth, long[] regs) {
        ctx.legacyExit = false;
        regs[R0] = execute(prog, ctx, pc, depth, regs);
        boolean ended = ctx.legacyExit;
        ctx.legacyExit = false;
        return !ended;
    }

    private static long execute(Program prog, ExecContext ctx, int entryPc, int baseDepth, long[] regs) {
        regs[10] = ctx.framePointer(baseDepth);
        ctx.mayGoto[baseDepth] = Opcodes.MAX_LOOPS;
        Frames frames = null;
        int depth = baseDepth;
        AddressSpace mem = ctx.memory();
        boolean tracing = ctx.tracingSteps();
        long budget = ctx.budgetLeft;
        long executed = ctx.executed;
        int[] code = prog.code;
        long[] imms = prog.imms;
        int pc = entryPc;
        int at = entryPc;
        if (tracing) {
            ctx.trace().enter(prog, entryPc, regs);
        }
        try {
            for (;;) {
                if (pc < 0 || pc >= code.length) {
                    throw new BpfException(Errno.EINVAL, "jump out of range to insn " + pc);
                }
                int c = code[pc];
                int dst = (c >>> 8) & 0xf;
                int src = (c >>> 12) & 0xf;
                int off = c >> 16;
                long imm = imms[pc];
                executed++;
                at = pc;
                switch (c & 0xff) {
                    // ---------------- ALU64 ----------------
                    case 0x07: regs[dst] += imm; break;
                    case 0x0f: regs[dst] += regs[src]; break;
                    case 0x17: regs[dst] -= imm; break;
                    case 0x1f: regs[dst] -= regs[src]; break;
                    case 0x27: regs[dst] *= imm; break;
                    case 0x2f: regs[dst] *= regs[src]; break;
                    case 0x37: regs[dst] = off == 1 ? Semantics.sdiv64(regs[dst], imm) : Semantics.udiv64(regs[dst], imm); break;
                    case 0x3f: regs[dst] = off == 1 ? Semantics.sdiv64(regs[dst], regs[src]) : Semantics.udiv64(regs[dst], regs[src]); break;
                    case 0x47: regs[dst] |= imm; break;
                    case 0x4f: regs[dst] |= regs[src]; break;
                    case 0x57: regs[dst] &= imm; break;
                    case 0x5f: regs[dst] &= regs[src]; break;
                    case 0x67: regs[dst] <<= (imm & 63); break;
                    case 0x6f: regs[dst] <<= (regs[src] & 63); break;
                    case 0x77: regs[dst] >>>= (imm & 63); break;
                    case 0x7f: regs[dst] >>>= (regs[src] & 63); break;
                    case 0x87: regs[dst] = -regs[dst]; break;
                    case 0x97: regs[dst] = off == 1 ? Semantics.smod64(regs[dst], imm) : Semantics.umod64(regs[dst], imm); break;
                    case 0x9f: regs[dst] = off == 1 ? Semantics.smod64(regs[dst], regs[src]) : Semantics.umod64(regs[dst], regs[src]); break;
                    case 0xa7: regs[dst] ^= imm; break;
                    case 0xaf: regs[dst] ^= regs[src]; break;
                    case 0xb7: regs[dst] = imm; break;
                    case 0xbf: regs[dst] = off == 0 ? regs[src] : Semantics.movsx64(regs[src], off); break;
                    case 0xc7: regs[dst] >>= (imm & 63); break;
                    case 0xcf: regs[dst] >>= (regs[src] & 63); break;
                    case 0xd7: regs[dst] = Semantics.bswap(regs[dst], (int) imm); break;
                    // ---------------- ALU32 ----------------
                    case 0x04: regs[dst] = (int) regs[dst] + (int) imm & 0xffffffffL; break;
                    case 0x0c: regs[dst] = (int) regs[dst] + (int) regs[src] & 0xffffffffL; break;
                    case 0x14: regs[dst] = (int) regs[dst] - (int) imm & 0xffffffffL; break;
                    case 0x1c: regs[dst] = (int) regs[dst] - (int) regs[src] & 0xffffffffL; break;
                    case 0x24: regs[dst] = (int) regs[dst] * (int) imm & 0xffffffffL; break;
                    case 0x2c: regs[dst] = (int) regs[dst] * (int) regs[src] & 0xffffffffL; break;
                    case 0x34: regs[dst] = off == 1 ? Semantics.sdiv32(regs[dst], imm) : Semantics.udiv32(regs[dst], imm); break;
                    case 0x3c: regs[dst] = off == 1 ? Semantics.sdiv32(regs[dst], regs[src]) : Semantics.udiv32(regs[dst], regs[src]); break;
                    case 0x44: regs[dst] = ((int) regs[dst] | (int) imm) & 0xffffffffL; break;
                    case 0x4c: regs[dst] = ((int) regs[dst] | (int) regs[src]) & 0xffffffffL; break;
                    case 0x54: regs[dst] = ((int) regs[dst] & (int) imm) & 0xffffffffL; break;
                    case 0x5c: regs[dst] = ((int) regs[dst] & (int) regs[src]) & 0xffffffffL; break;
                    case 0x64: regs[dst] = Semantics.lsh32(regs[dst], imm); break;
                    case 0x6c: regs[dst] = Semantics.lsh32(regs[dst], regs[src]); break;
                    case 0x74: regs[dst] = Semantics.rsh32(regs[dst], imm); break;
                    case 0x7c: regs[dst] = Semantics.rsh32(regs[dst], regs[src]); break;
                    case 0x84: regs[dst] = -(int) regs[dst] & 0xffffffffL; break;
                    case 0x94: regs[dst] = off == 1 ? Semantics.smod32(regs[dst], imm) : Semantics.umod32(regs[dst], imm); break;
                    case 0x9c: regs[dst] = off == 1 ? Semantics.smod32(regs[dst], regs[src]) : Semantics.umod32(regs[dst], regs[src]); break;
                    case 0xa4: regs[dst] = ((int) regs[dst] ^ (int) imm) & 0xffffffffL; break;
                    case 0xac: regs[dst] = ((int) regs[dst] ^ (int) regs[src]) & 0xffffffffL; break;
                    case 0xb4: regs[dst] = imm & 0xffffffffL; break;
                    case 0xbc: regs[dst] = off == 0 ? regs[src] & 0xffffffffL : Semantics.movsx32(regs[src], off); break;
                    case 0xc4: regs[dst] = Semantics.arsh32(regs[dst], imm); break;
                    case 0xcc: regs[dst] = Semantics.arsh32(regs[dst], regs[src]); break;
                    case 0xd4: regs[dst] = Semantics.toLe(regs[dst], (int) imm); break;
                    case 0xdc: regs[dst] = Semantics.bswap(regs[dst], (int) imm); break;
                    // ---------------- loads and stores ----------------
                    case 0x18: regs[dst] = src == 4 ? prog.codeRegion(ctx.runtime()).address(pc + (int) imm + 1) : imm; pc++; break;
                    case 0x61: regs[dst] = mem.load(regs[src] + off, 4); break;
                    case 0x69: regs[dst] = mem.load(regs[src] + off, 2); break;
                    case 0x71: regs[dst] = mem.load(regs[src] + off, 1); break;
                    case 0x79: regs[dst] = mem.load(regs[src] + off, 8); break;
                    case 0x81: regs[dst] = (int) mem.load(regs[src] + off, 4); break;
                    case 0x89: regs[dst] = (short) mem.load(regs[src] + off, 2); break;
                    case 0x91: regs[dst] = (byte) mem.load(regs[src] + off, 1); break;
                    case 0x62: mem.store(regs[dst] + off, 4, imm); break;
                    case 0x6a: mem.store(regs[dst] + off, 2, imm); break;
                    case 0x72: mem.store(regs[dst] + off, 1, imm); break;
                    case 0x7a: mem.store(regs[dst] + off, 8, imm); break;
                    case 0x63: mem.store(regs[dst] + off, 4, regs[src]); break;
                    case 0x6b: mem.store(regs[dst] + off, 2, regs[src]); break;
                    case 0x73: mem.store(regs[dst] + off, 1, regs[src]); break;
                    case 0x7b: mem.store(regs[dst] + off, 8, regs[src]); break;
                    case 0xc3: atomic(mem, regs, dst, src, off, (int) imm, 4); break;
                    case 0xdb: atomic(mem, regs, dst, src, off, (int) imm, 8); break;
                    case 0x20: case 0x28: case 0x30: case 0x40: case 0x48: case 0x50:
                        if (!legacyLoad(mem, regs, c & 0xff, src, (int) imm)) {
                            ctx.legacyExit = true;
                            return 0;   // out of range ends the whole program with r0 = 0
                        }
                        break;
                    // ---------------- JMP ----------------
                    case 0x05: pc += off; break;
                    case 0x15: if (regs[dst] == imm) pc += off; break;
                    case 0x1d: if (regs[dst] == regs[src]) pc += off; break;
                    case 0x25: if (Long.compareUnsigned(regs[dst], imm) > 0) pc += off; break;
                    case 0x2d: if (Long.compareUnsigned(regs[dst], regs[src]) > 0) pc += off; break;
                    case 0x35: if (Long.compareUnsigned(regs[dst], imm) >= 0) pc += off; break;
                    case 0x3d: if (Long.compareUnsigned(regs[dst], regs[src]) >= 0) pc += off; break;
                    case 0x45: if ((regs[dst] & imm) != 0) pc += off; break;
                    case 0x4d: if ((regs[dst] & regs[src]) != 0) pc += off; break;
                    case 0x55: if (regs[dst] != imm) pc += off; break;
                    case 0x5d: if (regs[dst] != regs[src]) pc += off; break;
                    case 0x65: if (regs[dst] > imm) pc += off; break;
                    case 0x6d: if (regs[dst] > regs[src]) pc += off; break;
                    case 0x75: if (regs[dst] >= imm) pc += off; break;
                    case 0x7d: if (regs[dst] >= regs[src]) pc += off; break;
                    case 0xa5: if (Long.compareUnsigned(regs[dst], imm) < 0) pc += off; break;
                    case 0xad: if (Long.compareUnsigned(regs[dst], regs[src]) < 0) pc += off; break;
                    case 0xb5: if (Long.compareUnsigned(regs[dst], imm) <= 0) pc += off; break;
                    case 0xbd: if (Long.compareUnsigned(regs[dst], regs[src]) <= 0) pc += off; break;
                    case 0xc5: if (regs[dst] < imm) pc += off; break;
                    case 0xcd: if (regs[dst] < regs[src]) pc += off; break;
                    case 0xd5: if (regs[dst] <= imm) pc += off; break;
                    case 0xdd: if (regs[dst] <= regs[src]) pc += off; break;
                    // ---------------- JMP32 ----------------
                    case 0x06: pc += (int) imm; break;
                    case 0xe5: if (ctx.mayGoto[depth]-- <= 0) { ctx.mayGoto[depth] = 0; pc += off; } break;
                    case 0x16: case 0x1e: case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x46: case 0x4e:
                    case 0x56: case 0x5e: case 0x66: case 0x6e: case 0x76: case 0x7e: case 0xa6: case 0xae:
                    case 0xb6: case 0xbe: case 0xc6: case 0xce: case 0xd6: case 0xde:
                        if (Semantics.cond32(c & 0xf0, regs[dst], (c & 0x08) != 0 ? regs[src] : imm)) {
                            pc += off;
                        }
                        break;
                    // ---------------- calls and exit ----------------
                    case 0x85:
                    case 0x8d: {
                        if (executed > budget) {
                            throw budgetExhausted(budget);
                        }
                        boolean local;
                        int calleePc = 0;
                        long helperId = 0;
                        if ((c & 0xff) == 0x8d) {
                            long target = regs[dst];
                            Region r = mem.regionAt(target);
                            if (r != null && r.kind() == Region.Kind.CODE) {
                                if (r.owner() != prog) {
                                    throw new BpfException(Errno.EINVAL, "callx to a function of another program");
                                }
                                local = true;
                                calleePc = AddressSpace.offsetOf(target);
                            } else {
                                local = false;
                                helperId = target;
                            }
                        } else if (src == 1) {
                            local = true;
                            calleePc = pc + (int) imm + 1;
                        } else if (src == 0) {
                            local = false;
                            helperId = imm;
                        } else if (src == 2) {
                            ctx.executed = executed;   // callbacks run by the kfunc count on from here
                            regs[R0] = callKfunc(ctx, regs, (int) imm, depth);
                            executed = ctx.executed;
                            break;
                        } else {
                            throw new BpfException(Errno.EINVAL, "invalid call src " + src);
                        }
                        if (!local) {
                            ctx.depth = depth;
                            ctx.executed = executed;   // callbacks run by the helper count on from here
                            regs[R0] = callHelper(ctx, regs, helperId);
                            executed = ctx.executed;
                            Program tail = ctx.tailCallTarget;
                            if (tail != null) {
                                ctx.tailCallTarget = null;
                                ctx.tailCalls++;
                                prog = tail;
                                code = prog.code;
                                imms = prog.imms;
                                pc = -1;
                            }
                            break;
                        }
                        if (depth + 1 >= ExecContext.MAX_FRAMES) {
                            throw new BpfException(Errno.E2BIG, "call stack too deep: more than "
                                    + ExecContext.MAX_FRAMES + " frames");
                        }
                        if (frames == null) {
                            frames = new Frames();
                        }
                        int k = depth - baseDepth;
                        System.arraycopy(regs, 6, frames.saved, k * 5, 5);
                        frames.retPc[k] = pc;
                        frames.prog[k] = prog;
                        depth++;
                        ctx.depth = depth;
                        regs[10] = ctx.framePointer(depth);
                        ctx.mayGoto[depth] = Opcodes.MAX_LOOPS;
                        pc = calleePc - 1;
                        break;
                    }
                    case 0x95: {
                        if (tracing) {
                            ctx.trace().step(prog, at, prog.insnAt(at), regs);
                        }
                        if (depth == baseDepth) {
                            return regs[R0];
                        }
                        depth--;
                        ctx.depth = depth;
                        int k = depth - baseDepth;
                        System.arraycopy(frames.saved, k * 5, regs, 6, 5);
                        at = frames.retPc[k];       // a return past the end faults at the call
                        pc = at + 1;                // a return is not a back-edge: no budget check
                        prog = frames.prog[k];
                        code = prog.code;
                        imms = prog.imms;
                        continue;
                    }
                    default:
                        throw prog.invalid(pc);
                }
                if (pc < at && executed > budget) {
                    throw budgetExhausted(budget);
                }
                if (tracing) {
                    ctx.trace().step(prog, at, prog.insnAt(at), regs);
                }
                pc++;
            }
        } catch (BpfException e) {
            SourceLine line = prog.sourceLine(at);
            throw e.atPc(at).in(prog.name(), line == null ? null : line.toString());
        } finally {
            ctx.executed = executed;
        }
    }

    private static BpfException budgetExhausted(long budget) {
        return new BpfException(Errno.ELOOP, "instruction budget of " + budget
                + " exhausted (infinite loop?)");
    }

    private static void atomic(AddressSpace mem, long[] regs, int dst, int src, int off, int op, int size) {
        long addr = regs[dst] + off;
        if (op == 0xf1) {   // cmpxchg: compare with r0, old value to r0
            regs[R0] = mem.cmpxchg(addr, size, regs[R0], regs[src]);
            return;
        }
        long old = mem.atomic(addr, size, op, regs[src]);
        if ((op & 0x01) != 0) {
            regs[src] = old;
        }
    }

    /** LD_ABS / LD_IND: big-endian packet load into r0; false when out of range (program ends with 0). */
    private static boolean legacyLoad(AddressSpace mem, long[] regs, int opcode, int src, int imm) {
        Region ctxRegion = mem.regionAt(regs[6]);
        if (ctxRegion == null || !(ctxRegion.owner() instanceof LegacyPacket)) {
            throw new BpfException(Errno.EINVAL, "LD_ABS/LD_IND need a socket buffer context in r6");
        }
        LegacyPacket skb = (LegacyPacket) ctxRegion.owner();
        int size = switch (opcode & 0x18) {
            case 0x00 -> 4;
            case 0x08 -> 2;
            default -> 1;
        };
        long offset = (opcode & 0xe0) == 0x40 ? (int) regs[src] + (long) imm : imm;
        long v = skb.loadBigEndian(offset, size);
        if (v < 0) {
            return false;
        }
        regs[R0] = v;
        return true;
    }

    private static long callHelper(ExecContext ctx, long[] regs, long id) {
        HelperSpec h = ctx.runtime().helpers().byId(id);
        if (h == null) {
            throw new BpfException(Errno.EINVAL, "call to unknown helper #" + id);
        }
        return h.fn().call(ctx, regs[1], regs[2], regs[3], regs[4], regs[5]);
    }

    private static long callKfunc(ExecContext ctx, long[] regs, int btfId, int depth) {
        KfuncSpec k = ctx.runtime().kfuncs().byBtfId(btfId);
        if (k == null) {
            throw new BpfException(Errno.EINVAL, "call to unknown kfunc (btf id " + btfId + ")");
        }
        ctx.depth = depth;
        return k.fn().call(ctx, regs[1], regs[2], regs[3], regs[4], regs[5]);
    }
}
