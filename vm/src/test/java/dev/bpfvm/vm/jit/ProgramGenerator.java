package dev.bpfvm.vm.jit;

import static dev.bpfvm.vm.isa.Opcodes.*;

import dev.bpfvm.vm.isa.Insn;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random BPF programs for differential testing, from a seed: a main function and up to three
 * subprograms over every opcode — ALU 32/64 with edge-case immediates, signed division, movsx,
 * byte swaps, loads/stores/atomics in and out of bounds of the stack and of the world's regions
 * ({@link FuzzWorld}), 64- and 32-bit jumps forward and backward (loops end by the budget), local
 * calls, helpers, callbacks, tail calls, callx, kfuncs, LD_ABS/LD_IND, ld_imm64 function
 * pointers, and now and then a malformed instruction or a wild jump.
 *
 * <p>Register use keeps the programs interesting: the prologue copies the region pointers to r6
 * (buffer), r7 (elements), r8 (read-only) and r9 (stack), which ALU instructions rarely touch.
 */
final class ProgramGenerator {
    private final SplittableRandom rnd;
    private final int maxBody;
    private int loopPercent;

    /** One instruction to be, made once every function's slots are known. */
    private interface Item {
        int slots();

        Insn make(int pc, Layout layout);
    }

    /** Where things ended up. */
    private static final class Layout {
        int[] fnStart;
        int[] fnSlots;
        List<List<Integer>> itemPcs = new ArrayList<>();
        int total;
    }

    ProgramGenerator(long seed, int maxBody) {
        this.rnd = new SplittableRandom(seed);
        this.maxBody = maxBody;
    }

    List<Insn> generate() {
        loopPercent = rnd.nextInt(4) == 0 ? 20 : 3;   // a quarter of the programs are mostly loops
        int functions = 1 + rnd.nextInt(4);
        List<List<Item>> fns = new ArrayList<>();
        for (int f = 0; f < functions; f++) {
            fns.add(function(f, functions));
        }
        Layout layout = new Layout();
        layout.fnStart = new int[functions];
        layout.fnSlots = new int[functions];
        int pc = 0;
        for (int f = 0; f < functions; f++) {
            layout.fnStart[f] = pc;
            List<Integer> pcs = new ArrayList<>();
            for (Item it : fns.get(f)) {
                pcs.add(pc);
                pc += it.slots();
            }
            layout.itemPcs.add(pcs);
            layout.fnSlots[f] = pc - layout.fnStart[f];
        }
        layout.total = pc;
        List<Insn> out = new ArrayList<>();
        for (int f = 0; f < functions; f++) {
            List<Item> items = fns.get(f);
            for (int k = 0; k < items.size(); k++) {
                out.add(items.get(k).make(layout.itemPcs.get(f).get(k), layout));
            }
        }
        return out;
    }

    /** The prologue, one to three {@link #loopBlock()}s with a few instructions between, exit. */
    List<Insn> generateLoops() {
        List<Insn> out = new ArrayList<>();
        out.add(new Insn(ALU64 | MOV | X, 6, 1, 0, 0));
        out.add(new Insn(ALU64 | MOV | X, 7, 2, 0, 0));
        out.add(new Insn(ALU64 | MOV | X, 8, 3, 0, 0));
        out.add(new Insn(ALU64 | MOV | X, 9, 10, 0, 0));
        int loops = 1 + rnd.nextInt(3);
        for (int k = 0; k < loops; k++) {
            if (rnd.nextBoolean()) {
                out.add(alu());
            }
            out.addAll(loopBlock());
        }
        out.add(new Insn(EXIT_INSN, 0, 0, 0, 0));
        return out;
    }

    // ---------------- random values ----------------

    private int imm() {
        switch (rnd.nextInt(6)) {
            case 0: return rnd.nextInt(33) - 16;
            case 1: {
                int[] edge = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 31, 32, 63, 64, 0xff, 0xffff, -2};
                return edge[rnd.nextInt(edge.length)];
            }
            case 2: return rnd.nextInt(256);
            default: return rnd.nextInt();
        }
    }

    private int scratchReg() {
        return rnd.nextInt(10) < 9 ? rnd.nextInt(6) : 6 + rnd.nextInt(4);
    }

    private int anyReg() {
        return rnd.nextInt(11);
    }

    private static Item fixed(Insn i) {
        return new Item() {
            public int slots() {
                return i.slots();
            }

            public Insn make(int pc, Layout l) {
                return i;
            }
        };
    }

    /** A jump-like item whose offset is computed from the layout. */
    private interface Target {
        int pick(int pc, Layout l);
    }

    private Item jumpItem(int slots, java.util.function.BiFunction<Integer, Integer, Insn> make, Target target) {
        return new Item() {
            public int slots() {
                return slots;
            }

            public Insn make(int pc, Layout l) {
                return make.apply(pc, target.pick(pc, l));
            }
        };
    }

    /** A target inside function f: usually an instruction start, forward more often than back. */
    private Target jumpTarget(int f) {
        int roll = rnd.nextInt(100);
        double where = rnd.nextDouble();
        boolean back = rnd.nextInt(100) < 25;
        return (pc, l) -> {
            if (roll < 2) {
                return pc + 1 + (rnd.nextInt(2) == 0 ? -l.total - 3 : l.total + 3);   // out of range
            }
            if (roll < 4) {
                return l.fnStart[f] + (int) (where * l.fnSlots[f]);                    // any slot, maybe mid-lddw
            }
            List<Integer> pcs = l.itemPcs.get(f);
            int idx = pcs.indexOf(pc);
            if (back && idx > 0) {
                return pcs.get((int) (where * idx));
            }
            int remaining = pcs.size() - idx - 1;
            return remaining <= 0 ? pc + 1 : pcs.get(idx + 1 + (int) (where * remaining));
        };
    }

    // ---------------- functions ----------------

    private List<Item> function(int f, int functions) {
        List<Item> items = new ArrayList<>();
        if (f == 0) {
            items.add(fixed(new Insn(ALU64 | MOV | X, 6, 1, 0, 0)));
            items.add(fixed(new Insn(ALU64 | MOV | X, 7, 2, 0, 0)));
            items.add(fixed(new Insn(ALU64 | MOV | X, 8, 3, 0, 0)));
            items.add(fixed(new Insn(ALU64 | MOV | X, 9, 10, 0, 0)));
        }
        int n = 1 + rnd.nextInt(maxBody);
        for (int k = 0; k < n; k++) {
            if (rnd.nextInt(100) < 2) {
                // callx through a function pointer just loaded
                int g = rnd.nextInt(functions);
                int reg = rnd.nextInt(6);
                items.add(jumpItem(2, (pc, to) -> Insn.lddw(reg, PSEUDO_FUNC, (long) (to - pc - 1)),
                        (pc, l) -> l.fnStart[g]));
                items.add(fixed(new Insn(CALLX, reg, 0, 0, 0)));
                continue;
            }
            if (rnd.nextInt(100) < loopPercent) {
                for (Insn i : loopBlock()) {
                    items.add(fixed(i));
                }
                continue;
            }
            items.add(randomItem(f, functions));
        }
        if (rnd.nextInt(20) != 0) {
            items.add(fixed(new Insn(EXIT_INSN, 0, 0, 0, 0)));   // else it may fall into the next function or off the end
        }
        return items;
    }

    private Item randomItem(int f, int functions) {
        int roll = rnd.nextInt(1000);
        if (roll < 330) {
            return fixed(alu());
        }
        if (roll < 480) {
            return fixed(memory());
        }
        if (roll < 520) {
            return fixed(atomic());
        }
        if (roll < 640) {
            return condJump(f);
        }
        if (roll < 660) {
            Target t = jumpTarget(f);
            return rnd.nextBoolean()
                    ? jumpItem(1, (pc, to) -> new Insn(JA64, 0, 0, clampOff(to - pc - 1), 0), t)
                    : jumpItem(1, (pc, to) -> new Insn(GOTOL, 0, 0, 0, to - pc - 1), t);
        }
        if (roll < 700) {
            long v = rnd.nextInt(3) == 0 ? rnd.nextLong() : imm();
            return fixed(Insn.lddw(scratchReg(), 0, v));
        }
        if (roll < 720) {
            int g = rnd.nextInt(functions);
            int dst = rnd.nextInt(4) == 0 ? scratchReg() : 1;
            return jumpItem(2, (pc, to) -> Insn.lddw(dst, PSEUDO_FUNC, (long) (to - pc - 1)),
                    (pc, l) -> l.fnStart[g]);
        }
        if (roll < 800) {
            return fixed(helperCall());
        }
        if (roll < 850 && functions > 1) {
            int g = 1 + rnd.nextInt(functions - 1);
            return jumpItem(1, (pc, to) -> new Insn(CALL_IMM, 0, PSEUDO_CALL, 0, to - pc - 1),
                    rnd.nextInt(30) == 0 ? jumpTarget(f) : (pc, l) -> l.fnStart[g]);
        }
        if (roll < 860) {
            return fixed(new Insn(CALLX, rnd.nextInt(6), 0, 0, 0));
        }
        if (roll < 885) {
            return fixed(new Insn(CALL_IMM, 0, PSEUDO_KFUNC_CALL, 0, rnd.nextInt(10) == 0 ? 78 : FuzzWorld.KFUNC));
        }
        if (roll < 905) {
            int size = new int[] {W, H, B}[rnd.nextInt(3)];
            return rnd.nextBoolean()
                    ? fixed(new Insn(LD | ABS | size, 0, 0, 0, rnd.nextInt(70) - 2))
                    : fixed(new Insn(LD | IND | size, 0, scratchReg(), 0, rnd.nextInt(70) - 2));
        }
        if (roll < 925) {
            return fixed(new Insn(EXIT_INSN, 0, 0, 0, 0));
        }
        if (roll < 935) {
            return fixed(malformed());
        }
        return fixed(alu());
    }

    private static int clampOff(int off) {
        return Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, off));
    }

    private Insn alu() {
        boolean is64 = rnd.nextBoolean();
        int cls = is64 ? ALU64 : ALU;
        int[] ops = {ADD, SUB, MUL, DIV, OR, AND, LSH, RSH, NEG, MOD, XOR, MOV, ARSH, END};
        int op = ops[rnd.nextInt(ops.length)];
        int dst = scratchReg();
        if (op == NEG) {
            return new Insn(cls | NEG | K, dst, 0, 0, 0);
        }
        if (op == END) {
            int bits = new int[] {16, 32, 64}[rnd.nextInt(3)];
            if (is64) {
                return new Insn(ALU64 | END | K, dst, 0, 0, bits);
            }
            return new Insn(ALU | END | (rnd.nextBoolean() ? TO_LE : TO_BE), dst, 0, 0, bits);
        }
        boolean reg = rnd.nextBoolean();
        int off = 0;
        if (op == DIV || op == MOD) {
            off = rnd.nextInt(2);
        } else if (op == MOV && reg && rnd.nextInt(3) == 0) {
            off = is64 ? new int[] {8, 16, 32}[rnd.nextInt(3)] : new int[] {8, 16}[rnd.nextInt(2)];
        }
        if (reg) {
            return new Insn(cls | op | X, dst, anyReg(), off, 0);
        }
        int imm = imm();
        if (dst >= 6 && (op == ADD || op == SUB)) {
            imm = rnd.nextInt(17) - 8;   // keep pointer registers pointers, mostly
        }
        return new Insn(cls | op | K, dst, 0, off, imm);
    }

    /** A base register for a load (r8 is read-only, fine to read). */
    private int loadBase() {
        int r = rnd.nextInt(20);
        return r < 18 ? 6 + r % 5 : rnd.nextInt(6);
    }

    /** A base register for a store: rarely the read-only r8. */
    private int storeBase() {
        int r = rnd.nextInt(40);
        if (r < 36) {
            return new int[] {6, 7, 9, 10}[r % 4];
        }
        return r < 38 ? 8 : rnd.nextInt(6);
    }

    /** Mostly in bounds (and inside one element for r7), sometimes anywhere nearby. */
    private int offsetFor(int base, int bytes) {
        if (rnd.nextInt(12) == 0) {
            return rnd.nextInt(12) == 0 ? rnd.nextInt(2001) - 1000 : rnd.nextInt(80) - 8;
        }
        switch (base) {
            case 10: return -bytes - rnd.nextInt(513 - bytes);
            case 9: return -bytes - rnd.nextInt(80);
            case 8: return rnd.nextInt(33 - bytes);
            case 7: return 16 * rnd.nextInt(4) + rnd.nextInt(13 - bytes);
            default: return rnd.nextInt(65 - bytes);
        }
    }

    private Insn memory() {
        int size = new int[] {W, H, B, DW}[rnd.nextInt(4)];
        int bytes = sizeBytes(size);
        switch (rnd.nextInt(4)) {
            case 0:
            case 1: {
                int base = loadBase();
                boolean sx = size != DW && rnd.nextInt(3) == 0;
                return new Insn(LDX | (sx ? MEMSX : MEM) | size, scratchReg(), base, offsetFor(base, bytes), 0);
            }
            case 2: {
                int base = storeBase();
                return new Insn(ST | MEM | size, base, 0, offsetFor(base, bytes), imm());
            }
            default: {
                int base = storeBase();
                return new Insn(STX | MEM | size, base, anyReg(), offsetFor(base, bytes), 0);
            }
        }
    }

    private Insn atomic() {
        int[] ops = {ATOMIC_ADD, ATOMIC_ADD | FETCH, ATOMIC_OR, ATOMIC_OR | FETCH, ATOMIC_AND, ATOMIC_AND | FETCH,
                     ATOMIC_XOR, ATOMIC_XOR | FETCH, ATOMIC_XCHG, ATOMIC_CMPXCHG};
        int op = ops[rnd.nextInt(ops.length)];
        int base = new int[] {6, 7, 9, 10, 10, 8}[rnd.nextInt(6)];
        int off = base == 10 || base == 9 ? -8 * (1 + rnd.nextInt(8)) : base == 7 ? 16 * rnd.nextInt(4) : (rnd.nextInt(9) - 1) * 4;
        int src = (op & FETCH) != 0 && op != ATOMIC_CMPXCHG ? scratchReg() : anyReg();
        return new Insn(STX | ATOMIC | (rnd.nextBoolean() ? DW : W), base, src, off, op);
    }

    private Item condJump(int f) {
        int[] ops = {JEQ, JGT, JGE, JSET, JNE, JSGT, JSGE, JLT, JLE, JSLT, JSLE};
        int op = ops[rnd.nextInt(ops.length)];
        int cls = rnd.nextBoolean() ? JMP : JMP32;
        boolean reg = rnd.nextBoolean();
        int dst = anyReg();
        int src = anyReg();
        int imm = imm();
        return jumpItem(1, (pc, to) -> reg
                ? new Insn(cls | op | X, dst, src, clampOff(to - pc - 1), 0)
                : new Insn(cls | op | K, dst, 0, clampOff(to - pc - 1), imm), jumpTarget(f));
    }

    private Insn helperCall() {
        int roll = rnd.nextInt(100);
        int id;
        if (roll < 35) {
            id = FuzzWorld.HELPER_ADD;
        } else if (roll < 55) {
            id = FuzzWorld.HELPER_FAULT;
        } else if (roll < 80) {
            id = FuzzWorld.HELPER_CALLBACK;
        } else if (roll < 95) {
            id = FuzzWorld.HELPER_TAIL_CALL;
        } else {
            id = rnd.nextInt(3) != 0 ? FuzzWorld.HELPER_ADD : rnd.nextBoolean() ? 999 : -3;
        }
        return new Insn(CALL_IMM, 0, PSEUDO_CALL_HELPER, 0, id);
    }

    /** An instruction the interpreter refuses when it reaches it. */
    private Insn malformed() {
        switch (rnd.nextInt(5)) {
            case 0: return new Insn(0xff, 0, 0, 0, 0);                       // unknown opcode
            case 1: return new Insn(ALU64 | MOV | K, 10, 0, 0, 1);           // writes r10
            case 2: return new Insn(ALU64 | ADD | X, 1, 11, 0, 0);           // no r11
            case 3: return new Insn(ALU64 | ADD | K, 1, 3, 0, 1);            // reserved src
            default: return new Insn(EXIT_INSN, 0, 0, 0, 7);                 // reserved imm
        }
    }

    /**
     * A loop of the shape the compiler versions ({@link LoopAnalysis}): an induction register
     * stepping by a constant or a register, addresses computed from a region pointer plus it,
     * accesses running in and out of bounds, forward jumps and exits inside, the test at the
     * header or at the latch; random ALU instructions may spoil any of it.
     */
    private List<Insn> loopBlock() {
        List<Insn> b = new ArrayList<>();
        int iv = rnd.nextInt(6);
        int stepReg = (iv + 1 + rnd.nextInt(5)) % 6;
        boolean regStep = rnd.nextInt(4) == 0;
        int roll0 = rnd.nextInt(10);
        int base = roll0 < 5 ? 6 : roll0 < 7 ? 9 : roll0 < 9 ? 7 : 8;   // buffer, stack, elements, read-only
        int[] steps = {1, 1, 1, 2, 4, 8, -1, -4, 3, 0};
        int step = base == 7 && rnd.nextInt(4) != 0 ? 16 : steps[rnd.nextInt(steps.length)];
        int init = rnd.nextInt(8) == 0 ? rnd.nextInt(80) - 8 : step < 0 ? 24 + rnd.nextInt(40) : rnd.nextInt(8);
        b.add(new Insn(ALU64 | MOV | K, iv, 0, 0, init));
        if (regStep) {
            b.add(new Insn(ALU64 | MOV | K, stepReg, 0, 0, step));
        }
        int header = b.size();
        List<int[]> fixups = new ArrayList<>();   // {index, target index; -1 = after the loop}
        int bound = rnd.nextInt(72) - 4;
        if (rnd.nextBoolean()) {
            int[] ops = {JGE, JGT, JSGE, JEQ, JSGT};
            fixups.add(new int[] {b.size(), -1});
            b.add(new Insn(JMP | ops[rnd.nextInt(ops.length)] | K, iv, 0, 0, bound));
        }
        int n = 1 + rnd.nextInt(6);
        for (int k = 0; k < n; k++) {
            int roll = rnd.nextInt(100);
            if (roll < 50) {
                int r = rnd.nextInt(5) == 0 ? new int[] {6, 7, 8, 9}[rnd.nextInt(4)] : base;
                int a = rnd.nextInt(6);
                if (a == iv) {
                    a = (a + 1) % 6;
                }
                b.add(new Insn(ALU64 | MOV | X, a, r, 0, 0));
                b.add(new Insn(ALU64 | ADD | X, a, iv, 0, 0));
                if (rnd.nextInt(4) == 0) {
                    b.add(new Insn(ALU64 | (rnd.nextBoolean() ? ADD : SUB) | K, a, 0, 0, rnd.nextInt(9)));
                }
                int size = new int[] {W, H, B, DW, B, B}[rnd.nextInt(6)];
                int bytes = sizeBytes(size);
                int off = r == 9 ? -bytes - rnd.nextInt(120) : r == 7 ? rnd.nextInt(13 - bytes) : rnd.nextInt(8);
                int kind = r == 8 && rnd.nextInt(4) != 0 ? 0 : rnd.nextInt(3);
                switch (kind) {
                    case 0:
                        b.add(new Insn(LDX | (rnd.nextInt(4) == 0 && size != DW ? MEMSX : MEM) | size,
                                scratchReg(), a, off, 0));
                        break;
                    case 1:
                        b.add(new Insn(ST | MEM | size, a, 0, off, imm()));
                        break;
                    default:
                        b.add(new Insn(STX | MEM | size, a, anyReg(), off, 0));
                        break;
                }
            } else if (roll < 75) {
                b.add(alu());
            } else if (roll < 84) {
                fixups.add(new int[] {b.size(), rnd.nextInt(3) == 0 ? -1 : -2});   // -2: later in the body
                int[] ops = {JEQ, JNE, JGT, JSET, JSLT};
                b.add(new Insn(JMP | ops[rnd.nextInt(ops.length)] | K, scratchReg(), 0, 0, imm()));
            } else if (roll < 87) {
                // a "continue": another back-edge, the induction register stepped as at the latch
                Insn stepIt = regStep ? new Insn(ALU64 | ADD | X, iv, stepReg, 0, 0) : new Insn(ALU64 | ADD | K, iv, 0, 0, step);
                Insn unstep = regStep ? new Insn(ALU64 | SUB | X, iv, stepReg, 0, 0) : new Insn(ALU64 | SUB | K, iv, 0, 0, step);
                b.add(stepIt);
                int[] ops = {JEQ, JNE, JGT, JSET, JSLT};
                b.add(new Insn(JMP | ops[rnd.nextInt(ops.length)] | K, scratchReg(), 0, header - b.size() - 1, imm()));
                b.add(unstep);
            } else if (roll < 90) {
                // the shape of an inlined map lookup (helper #1, key on the stack): FuzzWorld's
                // helper #1 is no map lookup, so the fast copy leaves for the general one here
                b.add(new Insn(ALU64 | MOV | X, 2, 10, 0, 0));
                b.add(new Insn(ALU64 | ADD | K, 2, 0, 0, -4 - 4 * rnd.nextInt(4)));
                b.add(new Insn(CALL_IMM, 0, PSEUDO_CALL_HELPER, 0, FuzzWorld.HELPER_ADD));
            } else if (roll < 92) {
                b.add(new Insn(EXIT_INSN, 0, 0, 0, 0));
            } else {
                b.add(memory());
            }
        }
        b.add(regStep ? new Insn(ALU64 | ADD | X, iv, stepReg, 0, 0) : new Insn(ALU64 | ADD | K, iv, 0, 0, step));
        int latch = b.size();
        if (rnd.nextBoolean()) {
            b.add(new Insn(JA64, 0, 0, header - latch - 1, 0));
        } else {
            int[] ops = {JLT, JNE, JSLE, JLE, JSLT};
            b.add(new Insn(JMP | ops[rnd.nextInt(ops.length)] | K, iv, 0, header - latch - 1, bound));
        }
        int after = b.size();
        for (int[] fx : fixups) {
            int at = fx[0];
            int target = fx[1] == -1 || at + 1 >= latch ? after : at + 1 + rnd.nextInt(latch - at);
            Insn j = b.get(at);
            b.set(at, new Insn(j.opcode(), j.dst(), j.src(), target - at - 1, j.imm()));
        }
        return b;
    }
}
