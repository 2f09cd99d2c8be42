package dev.bpfvm.verifier;

import java.util.Arrays;

/**
 * Dynptrs on the stack ({@code struct bpf_dynptr}, two slots): creation over uninitialized
 * slots, the initialized-dynptr checks of the helpers that use one, release of ring buffer
 * dynptrs (a reference, like the record they hold) and the destruction of a dynptr its slots
 * are overwritten (process_dynptr_func and friends, 6.12).
 */
final class DynptrCheck {
    static final int NR_SLOTS = 2;

    /** How a helper argument uses its dynptr (the kernel's MEM_UNINIT / OBJ_RELEASE / MEM_RDONLY). */
    enum Use { CREATE, RELEASE, USE }

    /** What a helper's dynptr argument is: its use and the dynptr kind it requires (null: any). */
    record Arg(Use use, String kind) {}

    private final Env env;
    private final Checker checker;
    private final CallCheck calls;

    DynptrCheck(Env env, Checker checker, CallCheck calls) {
        this.env = env;
        this.checker = checker;
        this.calls = calls;
    }

    /** The dynptr argument of the helper {@code func} (short name) at {@code arg}. */
    static Arg helperArg(String func) {
        switch (func) {
            case "dynptr_from_mem":
                return new Arg(Use.CREATE, "local");
            case "ringbuf_reserve_dynptr":
                return new Arg(Use.CREATE, "ringbuf");
            case "ringbuf_submit_dynptr":
            case "ringbuf_discard_dynptr":
                return new Arg(Use.RELEASE, "ringbuf");
            default:
                return new Arg(Use.USE, null);
        }
    }

    /** stack_slot_obj_get_spi for dynptrs: the first (higher) slot, -1 after logging why not, MIN_VALUE out of the stack. */
    private int spi(RegState reg) {
        if (!reg.varOff.isConst()) {
            env.verbose("dynptr has to be at a constant offset\n");
            return -1;
        }
        long off = reg.off + reg.varOff.value();
        if (off % 8 != 0) {
            env.verbose("cannot pass in dynptr at an offset=" + off + "\n");
            return -1;
        }
        int spi = (int) ((-off - 1) / 8);
        if (off >= 0 || spi + 1 < NR_SLOTS) {
            env.verbose("cannot pass in dynptr at an offset=" + off + "\n");
            return -1;
        }
        FuncState f = env.funcOf(reg);
        if (spi - NR_SLOTS + 1 < 0 || spi >= f.stack.size()) {
            return Integer.MIN_VALUE;
        }
        return spi;
    }

    /** The dynptr's first slot, which holds its id, reference and kind. */
    private StackSlot first(FuncState f, int spi) {
        return f.stack.get(spi);
    }

    /**
     * A helper's dynptr argument in R{@code regno}; returns the dynptr's first slot for {@link Use#USE}
     * (its id and reference go to slices), else null.
     */
    StackSlot processArg(int regno, Arg arg) {
        RegState reg = env.reg(regno);
        if (reg.type != RegType.PTR_TO_STACK) {
            throw env.fail("arg#" + (regno - 1) + " expected pointer to stack or const struct bpf_dynptr");
        }
        if (arg.use() == Use.RELEASE) {
            int spi = spi(reg);
            if (spi < 0 || first(env.funcOf(reg), spi).spilled.refObjId == 0) {
                throw env.fail("arg " + regno + " is an unacquired reference");
            }
        }
        if (arg.use() == Use.CREATE) {
            int spi = spi(reg);
            if (spi == -1) {
                throw env.fail("Dynptr has to be an uninitialized dynptr");
            }
            for (int i = 0; i < NR_SLOTS * 8; i += 8) {
                checker.mem.access(regno, i, 8, true, -1, false, false, checker);
            }
            reg = env.reg(regno);
            FuncState f = env.funcOf(reg);
            spi = spi(reg);
            destroyIfDynptr(f, spi);
            destroyIfDynptr(f, spi - 1);
            int id = env.newId();
            int ref = arg.kind().equals("ringbuf") ? calls.acquireRef() : 0;
            for (int i = 0; i < NR_SLOTS; i++) {
                StackSlot s = f.stack.get(spi - i);
                s.spilled.markPointer(RegType.PTR_TO_STACK, 0);
                s.spilled.written = true;
                s.spilled.id = id;
                s.spilled.refObjId = ref;
                s.clearSpecial();
                s.dynptrKind = arg.kind();
                s.dynptrFirst = i == 0;
                Arrays.fill(s.types, StackSlot.DYNPTR);
                env.markStackScratched(spi - i);
            }
            return null;
        }
        int spi = spi(reg);
        FuncState f = env.funcOf(reg);
        boolean ok = spi >= 0 && first(f, spi).dynptrFirst;
        for (int i = 0; ok && i < NR_SLOTS; i++) {
            for (byte t : f.stack.get(spi - i).types) {
                if (t != StackSlot.DYNPTR) {
                    ok = false;
                }
            }
        }
        if (!ok) {
            throw env.fail("Expected an initialized dynptr as arg #" + regno);
        }
        StackSlot s = first(f, spi);
        if (arg.kind() != null && !arg.kind().equals(s.dynptrKind)) {
            throw env.fail("Expected a dynptr of type " + arg.kind() + " as arg #" + regno);
        }
        if (arg.use() == Use.RELEASE) {
            release(f, spi);
            return null;
        }
        return s;
    }

    /** unmark_stack_slots_dynptr: a released ring buffer dynptr, its clones and its slices die. */
    private void release(FuncState f, int spi) {
        int ref = first(f, spi).spilled.refObjId;
        calls.releaseRef(ref);
        for (int i = 1; i < f.stack.size(); i++) {
            StackSlot s = f.stack.get(i);
            if (s.types[0] == StackSlot.DYNPTR && s.dynptrFirst && s.spilled.refObjId == ref) {
                invalidate(f, i);
            }
        }
        invalidate(f, spi);
    }

    private void invalidate(FuncState f, int spi) {
        for (int i = 0; i < NR_SLOTS; i++) {
            StackSlot s = f.stack.get(spi - i);
            Arrays.fill(s.types, StackSlot.INVALID);
            s.spilled.markNotInit();
            s.spilled.written = true;
            s.clearSpecial();
            env.markStackScratched(spi - i);
        }
    }

    /**
     * destroy_if_dynptr_stack_slot: a write into a dynptr's slot destroys the whole dynptr and
     * the slices taken from it, unless it holds a reference.
     */
    void destroyIfDynptr(FuncState f, int spi) {
        if (spi < 0 || spi >= f.stack.size() || f.stack.get(spi).types[0] != StackSlot.DYNPTR) {
            return;
        }
        if (!f.stack.get(spi).dynptrFirst) {
            spi++;
        }
        if (spi >= f.stack.size()) {
            return;
        }
        StackSlot s = f.stack.get(spi);
        if (s.spilled.refObjId != 0) {
            throw env.fail("cannot overwrite referenced dynptr");
        }
        int id = s.spilled.id;
        for (int i = 0; i < NR_SLOTS; i++) {
            StackSlot t = f.stack.get(spi - i);
            Arrays.fill(t.types, StackSlot.INVALID);
            t.spilled.markNotInit();
            t.spilled.written = true;
            t.clearSpecial();
            env.markStackScratched(spi - i);
        }
        env.cur.forEachReg(r -> {
            if (r.type == RegType.PTR_TO_MEM && r.dynptrId == id && id != 0) {
                env.markInvalid(r);
            }
        });
    }
}
