package dev.bpfvm.helpers;

import dev.bpfvm.vm.asm.Assembler;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.KfuncSpec;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A runtime with every helper and generic kfunc, one context on CPU 0, a 1 KiB test memory
 * region, and a few instruction makers, for running helpers through real BPF programs.
 */
final class Rig {
    final BpfRuntime rt = new BpfRuntime(Helpers.defaultRegistry(), Helpers.defaultKfuncs(), 4);
    final ExecContext ctx = rt.newContext(0);
    final byte[] mem = new byte[1024];
    final Region region = rt.memory().register(Region.of(Region.Kind.MEMORY, "mem", mem).build());

    /** The BPF address of byte {@code off} of the test memory. */
    long addr(int off) {
        return region.address(off);
    }

    /** Puts a C string (with its NUL) at {@code off}; returns its address. */
    long cstr(int off, String s) {
        byte[] b = (s + "\0").getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, mem, off, b.length);
        return addr(off);
    }

    long u64(int off) {
        long v = 0;
        for (int k = 7; k >= 0; k--) {
            v = v << 8 | (mem[off + k] & 0xff);
        }
        return v;
    }

    void u64(int off, long v) {
        for (int k = 0; k < 8; k++) {
            mem[off + k] = (byte) (v >>> (8 * k));
        }
    }

    /**
     * Runs assembler text (ubpf syntax; {@code call bpf_NAME} for helpers, {@code call runtime
     * NAME} for kfuncs) with {@code r1} set.
     */
    long asm(long r1, String text) {
        Assembler.Options names = Assembler.Options.defaults()
                .withHelpers(n -> {
                    HelperSpec h = rt.helpers().byName(n);
                    return h == null ? null : h.id();
                })
                .withKfuncs(n -> {
                    KfuncSpec k = rt.kfuncs().byName(n);
                    return k == null ? null : k.btfId();
                });
        return ctx.run(new Program("p", Assembler.assemble(text, names)), r1, 0, 0, 0, 0);
    }

    long run(Insn... insns) {
        return ctx.run(new Program("p", List.of(insns)), 0, 0, 0, 0, 0);
    }

    long runWith(long r1, Insn... insns) {
        return ctx.run(new Program("p", List.of(insns)), r1, 0, 0, 0, 0);
    }

    /** {@code dst = imm}: a mov for 32-bit values, an ld_imm64 otherwise. */
    static Insn mov(int dst, long imm) {
        return imm == (int) imm ? new Insn(0xb7, dst, 0, 0, (int) imm) : Insn.lddw(dst, 0, imm);
    }

    static Insn movReg(int dst, int src) {
        return new Insn(0xbf, dst, src, 0, 0);
    }

    static Insn add(int dst, int imm) {
        return new Insn(0x07, dst, 0, 0, imm);
    }

    static Insn addReg(int dst, int src) {
        return new Insn(0x0f, dst, src, 0, 0);
    }

    static Insn call(int helper) {
        return new Insn(0x85, 0, 0, 0, helper);
    }

    static Insn kfunc(int btfId) {
        return new Insn(0x85, 0, 2, 0, btfId);
    }

    /** {@code dst = *(u64 *)(src + off)}. */
    static Insn ldx64(int dst, int src, int off) {
        return new Insn(0x79, dst, src, off, 0);
    }

    /** {@code *(u64 *)(dst + off) = src}. */
    static Insn stx64(int dst, int src, int off) {
        return new Insn(0x7b, dst, src, off, 0);
    }

    /** {@code dst = r10 + off}, as two instructions. */
    static Insn[] stackPtr(int dst, int off) {
        return new Insn[] {movReg(dst, 10), add(dst, off)};
    }

    /** Flattens instructions and arrays of them into one program body. */
    static Insn[] prog(Object... parts) {
        java.util.List<Insn> out = new java.util.ArrayList<>();
        for (Object o : parts) {
            if (o instanceof Insn i) {
                out.add(i);
            } else {
                out.addAll(java.util.List.of((Insn[]) o));
            }
        }
        return out.toArray(new Insn[0]);
    }

    static Insn exit() {
        return new Insn(0x95, 0, 0, 0, 0);
    }
}
