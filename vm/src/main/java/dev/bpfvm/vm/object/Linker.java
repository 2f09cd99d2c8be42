package dev.bpfvm.vm.object;

import dev.bpfvm.vm.btf.Btf;
import dev.bpfvm.vm.btf.BtfException;
import dev.bpfvm.vm.btf.CoreRelocator;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.SourceLine;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.InsnCodec;
import dev.bpfvm.vm.isa.Opcodes;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Turns a {@link ProgramSpec} into an executable {@link Program}: applies CO-RE relocations
 * against the kernel's BTF, and fills every symbolic reference with what the
 * {@link SymbolResolver} says. The {@code ld_imm64} instructions keep their {@code src}
 * ({@code BPF_PSEUDO_MAP_FD}, {@code BPF_PSEUDO_MAP_VALUE}, {@code BPF_PSEUDO_BTF_ID}) so that
 * the verifier and disassembler still see what they load, but their 64-bit immediate becomes
 * the address; kfunc calls get the kfunc's BTF id in {@code imm} ({@code src} = 2).
 *
 * <p>What cannot be resolved is poisoned, as libbpf does, when that is what libbpf does: an
 * unresolved CO-RE field access, or a call of a missing {@code __weak} kfunc, becomes
 * {@code call 0xbad2310} (two for an {@code ld_imm64}), which fails only if executed, naming
 * what was missing. Everything else that cannot be resolved is a {@link RelocationException}.
 *
 * <p>One linker serves one object (it caches CO-RE candidates); it is not thread-safe.
 */
public final class Linker {
    /** The helper id libbpf writes into a poisoned instruction ({@code 0xbad2310}). */
    public static final int POISON_HELPER_ID = 0xbad2310;

    private final ObjectSpec object;
    private final SymbolResolver resolver;
    private final Btf kernelBtf;
    private final CoreRelocator core;

    /** {@code kernelBtf} is the target of CO-RE relocations (usually {@code dev.bpfvm.vm.btf.KernelBtf.get()}). */
    public Linker(ObjectSpec object, SymbolResolver resolver, Btf kernelBtf) {
        this.object = object;
        this.resolver = resolver;
        this.kernelBtf = kernelBtf;
        this.core = object.btf() != null && kernelBtf != null ? new CoreRelocator(object.btf(), kernelBtf) : null;
    }

    /** Every program of the object, linked, in the object's order. */
    public java.util.LinkedHashMap<String, LinkedProgram> linkAll() {
        java.util.LinkedHashMap<String, LinkedProgram> out = new java.util.LinkedHashMap<>();
        for (ProgramSpec p : object.programs()) {
            out.put(p.name(), link(p));
        }
        return out;
    }

    public LinkedProgram link(String program) {
        ProgramSpec p = object.program(program);
        if (p == null) {
            throw new RelocationException(object.name(), null, -1, null, "no program named '" + program + "'");
        }
        return link(p);
    }

    public LinkedProgram link(ProgramSpec prog) {
        Insn[] slots = prog.slots();
        TreeMap<Integer, String> poisoned = new TreeMap<>();
        TreeMap<Integer, CoreRelocator.Result> coreResults = new TreeMap<>();
        for (Map.Entry<Integer, Reloc> e : prog.relocs().entrySet()) {
            int pc = e.getKey();
            Reloc r = e.getValue();
            Insn insn = slots[pc];
            if (r instanceof Reloc.MapRef m) {
                checkLddw(prog, pc, insn, r);
                if (object.map(m.map()) == null) {
                    throw error(prog, pc, "relocation against unknown map '" + m.map() + "'");
                }
                slots[pc] = Insn.lddw(insn.dst(), Opcodes.PSEUDO_MAP_FD, resolver.mapAddress(m.map()));
            } else if (r instanceof Reloc.DataRef d) {
                checkLddw(prog, pc, insn, r);
                MapSpec map = object.map(d.map());
                if (map == null) {
                    throw error(prog, pc, "relocation against unknown data section '" + d.map() + "'");
                }
                if (d.offset() < 0 || d.offset() > map.valueSize()) {
                    throw error(prog, pc, "offset " + d.offset() + " outside '" + d.map() + "' (" + map.valueSize()
                            + " bytes)");
                }
                slots[pc] = Insn.lddw(insn.dst(), Opcodes.PSEUDO_MAP_VALUE,
                        resolver.mapValueAddress(d.map()) + d.offset());
            } else if (r instanceof Reloc.KsymRef k) {
                checkLddw(prog, pc, insn, r);
                slots[pc] = Insn.lddw(insn.dst(), k.typed() ? Opcodes.PSEUDO_BTF_ID : 0, ksymValue(prog, pc, k));
            } else if (r instanceof Reloc.KfuncCall k) {
                if (insn.opcode() != Opcodes.CALL_IMM) {
                    throw error(prog, pc, "kfunc relocation on a non-call instruction");
                }
                OptionalInt id = resolver.kfuncBtfId(k.name());
                if (id.isPresent()) {
                    slots[pc] = new Insn(Opcodes.CALL_IMM, 0, Opcodes.PSEUDO_KFUNC_CALL, 0, id.getAsInt());
                } else if (k.weak()) {
                    slots[pc] = new Insn(Opcodes.CALL_IMM, 0, Opcodes.PSEUDO_KFUNC_CALL, 0, 0);
                    poisoned.put(pc, "call to unresolved weak kfunc '" + k.name() + "' (it does not exist in this kernel)");
                } else {
                    throw error(prog, pc, "extern (func ksym) '" + k.name() + "': not found in kernel BTF");
                }
            } else if (r instanceof Reloc.CoreRef c) {
                applyCore(prog, pc, slots, c, poisoned, coreResults);
            }
        }
        Program program = new Program(prog.name(), InsnCodec.fromSlots(slots), prog::sourceLine, poisoned::get);
        return new LinkedProgram(prog, program, prog.relocs(), coreResults, poisoned);
    }

    private long ksymValue(ProgramSpec prog, int pc, Reloc.KsymRef k) {
        ExternSpec ext = object.extern(k.name());
        if (ext != null && ext.kind() == ExternSpec.Kind.KFUNC) {
            OptionalInt id = resolver.kfuncBtfId(k.name());
            if (id.isPresent()) {
                return id.getAsInt();
            }
        } else {
            OptionalLong a = resolver.ksymAddress(k.name());
            if (a.isPresent()) {
                return a.getAsLong();
            }
        }
        if (k.weak()) {
            return 0;
        }
        throw error(prog, pc, "extern (ksym) '" + k.name() + "': not found in kernel");
    }

    private void checkLddw(ProgramSpec prog, int pc, Insn insn, Reloc r) {
        if (insn == null || !insn.isLddw()) {
            throw error(prog, pc, r.describe() + " relocation on an instruction that is not ld_imm64");
        }
    }

    private RelocationException error(ProgramSpec prog, int pc, String what) {
        SourceLine line = prog.sourceLine(pc);
        return new RelocationException(object.name(), prog.name(), pc, line == null ? null : line.toString(), what);
    }

    private void applyCore(ProgramSpec prog, int pc, Insn[] slots, Reloc.CoreRef c, Map<Integer, String> poisoned,
                           Map<Integer, CoreRelocator.Result> results) {
        if (core == null) {
            throw error(prog, pc, "CO-RE relocation " + c.localSpec() + " but "
                    + (object.btf() == null ? "the object has no BTF" : "no kernel BTF was given"));
        }
        CoreRelocator.Result res;
        try {
            res = core.resolve(c.relo());
        } catch (BtfException e) {
            throw error(prog, pc, e.detail());
        }
        results.put(pc, res);
        Insn insn = slots[pc];
        if (res.poison()) {
            poison(pc, slots, poisoned, "unresolved CO-RE relocation " + res.localSpec().describe() + ": " + res.reason());
            return;
        }
        long orig = res.origValue();
        long neu = res.newValue();
        String where = "CO-RE " + res.localSpec().describe() + ": ";
        int cls = insn.cls();
        if (cls == Opcodes.ALU || cls == Opcodes.ALU64) {
            if (Opcodes.source(insn.opcode()) != Opcodes.K) {
                throw error(prog, pc, where + "unexpected ALU instruction with a register source");
            }
            if (res.validate() && insn.imm() != (int) orig) {
                throw error(prog, pc, where + "unexpected insn #" + pc + " (ALU/ALU64) value: got " + insn.imm()
                        + ", exp " + orig + " -> " + neu);
            }
            slots[pc] = insn.withImm((int) neu);
        } else if (cls == Opcodes.LDX || cls == Opcodes.ST || cls == Opcodes.STX) {
            if (res.validate() && insn.off() != orig) {
                throw error(prog, pc, where + "unexpected insn #" + pc + " (LDX/ST/STX) value: got " + insn.off()
                        + ", exp " + orig + " -> " + neu);
            }
            if (neu > Short.MAX_VALUE) {
                throw error(prog, pc, where + "insn #" + pc + " (LDX/ST/STX) value too big: " + neu);
            }
            if (res.failMemSizeAdjust()) {
                poison(pc, slots, poisoned, "unresolved CO-RE relocation " + res.localSpec().describe()
                        + ": accesses the field incorrectly (size " + res.origSize() + " in the program, "
                        + res.newSize() + " in the kernel)");
                return;
            }
            Insn patched = insn.withOff((int) neu);
            if (res.newSize() != res.origSize()) {
                int bytes = Opcodes.sizeBytes(Opcodes.size(insn.opcode()));
                if (bytes != res.origSize()) {
                    throw error(prog, pc, where + "unexpected mem size: got " + bytes + ", exp " + res.origSize());
                }
                int code = sizeCode(res.newSize());
                if (code < 0) {
                    throw error(prog, pc, where + "invalid new mem size: " + res.newSize());
                }
                patched = new Insn(Opcodes.mode(insn.opcode()) | code | cls, patched.dst(), patched.src(),
                        patched.off(), patched.imm());
            }
            slots[pc] = patched;
        } else if (insn.isLddw()) {
            if (insn.src() != 0 || insn.off() != 0) {
                throw error(prog, pc, where + "insn #" + pc + " (LDIMM64) has unexpected form");
            }
            if (res.validate() && !res.isOrigValue(insn.imm64())) {
                throw error(prog, pc, where + "unexpected insn #" + pc + " (LDIMM64) value: got " + insn.imm64()
                        + ", exp " + orig + " -> " + neu);
            }
            slots[pc] = insn.withImm64(neu);
        } else {
            throw error(prog, pc, where + "trying to relocate unrecognized insn #" + pc + ", code:0x"
                    + Integer.toHexString(insn.opcode()));
        }
    }

    private static int sizeCode(int bytes) {
        switch (bytes) {
            case 1: return Opcodes.B;
            case 2: return Opcodes.H;
            case 4: return Opcodes.W;
            case 8: return Opcodes.DW;
            default: return -1;
        }
    }

    /** libbpf's poisoning: {@code call 0xbad2310}, twice for an ld_imm64 so the slot count stays. */
    private static void poison(int pc, Insn[] slots, Map<Integer, String> poisoned, String why) {
        Insn call = new Insn(Opcodes.CALL_IMM, 0, 0, 0, POISON_HELPER_ID);
        boolean wide = slots[pc].isLddw();
        slots[pc] = call;
        poisoned.put(pc, why);
        if (wide) {
            slots[pc + 1] = call;
            poisoned.put(pc + 1, why);
        }
    }
}
