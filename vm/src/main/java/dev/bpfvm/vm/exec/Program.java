package dev.bpfvm.vm.exec;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.InsnCheck;
import dev.bpfvm.vm.isa.InsnCodec;
import dev.bpfvm.vm.mem.Region;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Executable code: a linked instruction stream (main function first, subprograms after it),
 * with map and function references already resolved to addresses, plus what errors need
 * (program name, source lines).
 *
 * <p>Function pointers ({@code ld_imm64} src=4, callbacks of {@code bpf_loop}) are addresses in
 * the program's code region: {@code codeRegion.address(pc)}.
 */
public final class Program {
    private final String name;
    private final Insn[] slots;
    private final List<Insn> insns;
    private final IntFunction<SourceLine> lines;
    // Pre-decoded form for the interpreter: opcode | dst << 8 | src << 12 | (off & 0xffff) << 16.
    final int[] code;
    final long[] imms;
    private final String[] invalid;
    private volatile Region codeRegion;
    // tiering: compiled code (swapped in atomically), interpreted runs so far, why the tier is what it is
    private volatile CompiledCode compiled;
    private long interpretedRuns;
    private volatile String tierNote;

    public Program(String name, List<Insn> insns, IntFunction<SourceLine> lines) {
        this(name, insns, lines, null);
    }

    /**
     * With poisoned instructions: where {@code poisoned} gives a reason for a slot, that
     * instruction fails with that reason when it is executed (and only then), as the loader
     * does for an unresolvable CO-RE relocation or a missing weak kfunc.
     */
    public Program(String name, List<Insn> insns, IntFunction<SourceLine> lines, IntFunction<String> poisoned) {
        this.name = name;
        this.insns = List.copyOf(insns);
        this.slots = InsnCodec.toSlots(this.insns);
        this.lines = lines != null ? lines : pc -> null;
        this.code = new int[slots.length];
        this.imms = new long[slots.length];
        this.invalid = new String[slots.length];
        for (int pc = 0; pc < slots.length; pc++) {
            Insn i = slots[pc];
            if (i == null) {
                // second half of ld_imm64: executing it is an error (opcode 0 hits the default case)
                invalid[pc] = "jump into the middle of ldimm64 insn " + (pc - 1);
                continue;
            }
            String poison = poisoned != null ? poisoned.apply(pc) : null;
            if (poison != null) {
                invalid[pc] = poison;
                continue;
            }
            String why = InsnCheck.check(i);
            if (why != null) {
                invalid[pc] = why;
                continue;
            }
            code[pc] = i.opcode() | i.dst() << 8 | i.src() << 12 | (i.off() & 0xffff) << 16;
            imms[pc] = i.isLddw() ? i.imm64() : i.imm();
        }
    }

    public Program(String name, List<Insn> insns) {
        this(name, insns, null);
    }

    public static Program of(String name, byte[] bytes) {
        return new Program(name, InsnCodec.decode(bytes));
    }

    public String name() {
        return name;
    }

    /** Instructions by slot; the second slot of an ld_imm64 is null. */
    public Insn insnAt(int pc) {
        return pc >= 0 && pc < slots.length ? slots[pc] : null;
    }

    public int slotCount() {
        return slots.length;
    }

    public List<Insn> insns() {
        return insns;
    }

    /** The source line of slot {@code pc}, or null. */
    public SourceLine sourceLine(int pc) {
        return lines.apply(pc);
    }

    /** Why the instruction at {@code pc} cannot execute, or null if it is well-formed. */
    public String invalidReason(int pc) {
        return pc >= 0 && pc < invalid.length ? invalid[pc] : "jump out of range to insn " + pc;
    }

    BpfException invalid(int pc) {
        String why = invalidReason(pc);
        return new BpfException(Errno.EINVAL, why != null ? why : "invalid instruction");
    }

    /** Attaches this program's code region (for function pointers); set once by the runtime. */
    Region codeRegion(BpfRuntime rt) {
        Region r = codeRegion;
        if (r == null) {
            synchronized (this) {
                r = codeRegion;
                if (r == null) {
                    r = rt.memory().register(Region.handle(Region.Kind.CODE, name, this).build());
                    codeRegion = r;
                }
            }
        }
        return r;
    }

    /** The address of slot {@code pc} in this program's code region (a function pointer). */
    public long functionAddress(BpfRuntime rt, int pc) {
        return codeRegion(rt).address(pc);
    }

    /** The installed compiled code, or null while the program is interpreted. */
    public CompiledCode compiledCode() {
        return compiled;
    }

    /**
     * Installs compiled code; runs that start from now on use it (runs in progress finish in
     * the tier they started in).
     */
    public void installCompiledCode(CompiledCode code) {
        this.compiled = code;
    }

    /** The tier the next run of this program uses (the interpreter while tracing steps). */
    public Tier tier() {
        return compiled != null ? Tier.JIT : Tier.INTERPRETER;
    }

    /** Counts one interpreted run and returns the count so far (a hint for tiering, not exact under races). */
    public long recordInterpretedRun() {
        return ++interpretedRuns;
    }

    /** Interpreted runs so far. */
    public long interpretedRuns() {
        return interpretedRuns;
    }

    /** Why this program runs in its tier (e.g. why it could not be compiled), or null. */
    public String tierNote() {
        return tierNote;
    }

    public void tierNote(String note) {
        this.tierNote = note;
    }

    @Override
    public String toString() {
        return "program " + name + " (" + slots.length + " insns)";
    }
}
