package dev.bpfvm.cli;

import dev.bpfvm.vm.asm.Disassembler;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.SourceLine;
import dev.bpfvm.vm.exec.TraceSink;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.Opcodes;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.HelperSpec;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The step trace of {@code test-run --trace --source}: each executed instruction preceded by its
 * C line when the line changes ({@code ; text @ file.c:NN}), followed by the registers it
 * changed, the memory it read or wrote (region kind and offset; stack slots as {@code fp-N}),
 * and for helper calls the call with its arguments decoded and its result. Pointers print as
 * {@code kind(name)+offset}, small numbers in decimal.
 */
final class SourceTrace implements TraceSink {
    private final PrintStream err;
    private final BpfRuntime rt;
    private final Disassembler.Symbols symbols;
    private long[] before = new long[11];
    private SourceLine lastLine;

    /**
     * @param symbols names of helpers and kfuncs; an ld_imm64 of a map prints as the map's
     *                region ({@code map(counts)+0}), not its id, so traces do not depend on
     *                what else the process loaded
     */
    SourceTrace(PrintStream err, BpfRuntime rt, Disassembler.Symbols symbols) {
        this.err = err;
        this.rt = rt;
        this.symbols = new Disassembler.Symbols() {
            @Override
            public String helperName(int id) {
                return symbols.helperName(id);
            }

            @Override
            public String kfuncName(int imm) {
                return symbols.kfuncName(imm);
            }

            @Override
            public String ldImm64(Insn insn) {
                if (insn.src() != Opcodes.PSEUDO_MAP_FD && insn.src() != Opcodes.PSEUDO_MAP_VALUE) {
                    return symbols.ldImm64(insn);
                }
                return rt.memory().regionAt(insn.imm64()) != null ? where(insn.imm64(), 0) : symbols.ldImm64(insn);
            }
        };
    }

    @Override
    public void printk(String line) {
        err.println("bpf_trace_printk: " + line);
    }

    @Override
    public void enter(Program program, int pc, long[] regs) {
        before = regs.clone();
        lastLine = null;
        StringBuilder sb = new StringBuilder("; enter ").append(program.name());
        if (pc != 0) {
            sb.append(" at insn ").append(pc);
        }
        sb.append(':');
        for (int r = 1; r <= 10; r++) {
            if (regs[r] != 0) {
                sb.append(" R").append(r).append('=').append(value(regs[r], regs[10]));
            }
        }
        err.println(sb);
    }

    @Override
    public void step(Program program, int pc, Insn insn, long[] regs) {
        SourceLine line = program.sourceLine(pc);
        if (line != null && (lastLine == null || line.line() != lastLine.line() || !line.file().equals(lastLine.file()))) {
            String text = line.text() == null ? "" : line.text().strip();
            err.println(text.isEmpty() ? "; @ " + line : "; " + text + " @ " + line);
            lastLine = line;
        }
        StringBuilder sb = new StringBuilder(Disassembler.kernelLine(pc, insn, symbols));
        List<String> changed = new ArrayList<>();
        for (int r = 0; r < 11; r++) {
            if (regs[r] != before[r]) {
                changed.add("R" + r + "=" + value(regs[r], regs[10]));
            }
        }
        if (!changed.isEmpty()) {
            sb.append(" ; ").append(String.join(" ", changed));
        }
        String mem = memory(insn, regs);
        if (mem != null) {
            sb.append(" ; ").append(mem);
        }
        if (insn.isHelperCall()) {
            sb.append(" ; ").append(helperCall(insn.imm(), regs[0]));
        }
        err.println(sb);
        System.arraycopy(regs, 0, before, 0, 11);
    }

    /** The memory an instruction read or wrote, from the registers before it; null for none. */
    private String memory(Insn insn, long[] after) {
        int op = insn.opcode();
        int cls = op & 0x07;
        int mode = op & 0xe0;
        int size = switch (op & 0x18) {
            case 0x00 -> 4;
            case 0x08 -> 2;
            case 0x10 -> 1;
            default -> 8;
        };
        if (cls == 0x00 && (mode == 0x20 || mode == 0x40)) {         // LD_ABS, LD_IND: the skb's data
            long off = mode == 0x20 ? insn.imm() : (int) before[insn.src()] + (long) insn.imm();
            return "read " + size + " at skb data+" + off + " = " + after[0];
        }
        boolean mem = mode == 0x60 || mode == 0x80;                    // BPF_MEM, BPF_MEMSX
        if (cls == 0x01 && mem) {                                      // LDX
            return "read " + size + " at " + where(before[insn.src()] + insn.off()) + " = "
                    + value(after[insn.dst()], after[10]);
        }
        if (cls == 0x02 && mode == 0x60) {                             // ST
            return "wrote " + size + " at " + where(before[insn.dst()] + insn.off()) + " = " + insn.imm();
        }
        if (cls == 0x03 && mode == 0x60) {                             // STX
            return "wrote " + size + " at " + where(before[insn.dst()] + insn.off()) + " = "
                    + value(before[insn.src()] & mask(size), before[10]);
        }
        if (cls == 0x03 && mode == 0xc0) {                             // atomic read-modify-write
            return "read and wrote " + size + " at " + where(before[insn.dst()] + insn.off());
        }
        return null;
    }

    private static long mask(int size) {
        return size == 8 ? -1L : (1L << (8 * size)) - 1;
    }

    /** {@code bpf_map_lookup_elem(map(counts)+0, fp-4) = map_value(counts)+0}. */
    private String helperCall(int id, long r0) {
        HelperSpec h = rt.helpers().byId(id);
        int n = h == null ? 5 : h.proto().args().size();
        StringBuilder sb = new StringBuilder(h == null ? "helper#" + id : h.name()).append('(');
        for (int i = 1; i <= n; i++) {
            if (i > 1) {
                sb.append(", ");
            }
            sb.append(value(before[i], before[10]));
        }
        return sb.append(") = ").append(value(r0, before[10])).toString();
    }

    /** A register value: a pointer as {@code where}, NULL-looking pointers as numbers. */
    private String value(long v, long fp) {
        if ((v >>> 32) != 0 && rt.memory().regionAt(v) != null) {
            return where(v, fp);
        }
        return v >= Integer.MIN_VALUE && v <= 0xffffffffL ? Long.toString(v) : "0x" + Long.toHexString(v);
    }

    private String where(long address) {
        return where(address, before[10]);
    }

    /** {@code fp-4} for the current stack frame, else {@code kind(name)+offset}. */
    private String where(long address, long fp) {
        Region r = rt.memory().regionAt(address);
        if (r == null) {
            return "0x" + Long.toHexString(address);
        }
        if (r.kind() == Region.Kind.STACK && (fp >>> 32) == (address >>> 32)) {
            long d = address - fp;
            return d == 0 ? "fp" : d < 0 ? "fp" + d : "fp+" + d;
        }
        int off = (int) address;
        String name = r.name();
        return r.kind().label() + (name == null || name.isEmpty() ? "" : "(" + name + ")")
                + (off < 0 ? Integer.toString(off) : "+" + off);
    }
}
