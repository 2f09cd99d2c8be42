package dev.bpfvm.vm.jit;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.LegacyPacket;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.KfuncRegistry;
import dev.bpfvm.vm.spi.KfuncSpec;
import dev.bpfvm.vm.spi.RetType;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A fresh, deterministic runtime for one differential run: a 64-byte buffer (r1, also a socket
 * buffer for LD_ABS/LD_IND), a region of 4 elements of 12 usable bytes every 16 (r2), a
 * read-only region (r3), and helpers and a kfunc that exercise the call paths: plain, faulting,
 * callbacks, tail calls.
 */
final class FuzzWorld {
    static final int HELPER_ADD = 1;
    static final int HELPER_FAULT = 2;
    static final int HELPER_CALLBACK = 3;
    static final int HELPER_TAIL_CALL = 12;
    static final int KFUNC = 77;

    final HelperRegistry helpers = new HelperRegistry();
    final KfuncRegistry kfuncs = new KfuncRegistry();
    final BpfRuntime rt = new BpfRuntime(helpers, kfuncs, 2);
    final ExecContext ctx = rt.newContext(1);
    final byte[] bufBytes = new byte[64];
    final byte[] elemBytes = new byte[64];
    final byte[] roBytes = new byte[32];
    final Region buf;
    final Region elems;
    final Region ro;
    Program tailTarget;

    FuzzWorld(long budget, long seed) {
        rt.budget(budget);
        for (int i = 0; i < bufBytes.length; i++) {
            bufBytes[i] = (byte) (seed * 31 + i * 17);
            elemBytes[i] = (byte) (seed * 7 + i * 5);
        }
        for (int i = 0; i < roBytes.length; i++) {
            roBytes[i] = (byte) (i * 3 + 1);
        }
        LegacyPacket packet = (offset, size) -> {
            if (offset < 0 || offset + size > bufBytes.length) {
                return -1;
            }
            long v = 0;
            for (int i = 0; i < size; i++) {
                v = v << 8 | (bufBytes[(int) offset + i] & 0xff);
            }
            return v;
        };
        buf = rt.memory().register(Region.of(Region.Kind.MEMORY, "buf", bufBytes).owner(packet).build());
        elems = rt.memory().register(Region.of(Region.Kind.MAP_VALUE, "elems", elemBytes).elements(16, 12).build());
        ro = rt.memory().register(Region.of(Region.Kind.GLOBAL, "ro", roBytes).readOnly().build());
        helpers.register(new HelperSpec(HELPER_ADD, "add", HelperProto.of(RetType.INTEGER),
                (c, a, b, d, e, f) -> a + 3 * b + c.depth()));
        helpers.register(new HelperSpec(HELPER_FAULT, "fault_on_zero", HelperProto.of(RetType.INTEGER),
                (c, a, b, d, e, f) -> {
                    if (a == 0) {
                        throw new BpfException(Errno.EINVAL, "fault_on_zero: r1 is 0");
                    }
                    return a ^ b;
                }));
        helpers.register(new HelperSpec(HELPER_CALLBACK, "callback", HelperProto.of(RetType.INTEGER),
                (c, fn, arg, n, e, f) -> {
                    long sum = 0;
                    for (int i = 0; i < (n & 3); i++) {
                        sum = sum * 7 + c.callFunction(fn, i, arg, sum, 0, 0);
                    }
                    return sum;
                }));
        helpers.register(new HelperSpec(HELPER_TAIL_CALL, "bpf_tail_call", HelperProto.of(RetType.INTEGER),
                (c, a, b, d, e, f) -> tailTarget != null && c.requestTailCall(tailTarget) ? 0 : -Errno.ENOENT.value()));
        kfuncs.register(new KfuncSpec("kf", KFUNC, 0, HelperProto.of(RetType.INTEGER),
                (c, a, b, d, e, f) -> a * 5 - b));
    }

    /** What a run did, for comparison across tiers. */
    record Outcome(String result, long executed, String memory) {
        @Override
        public String toString() {
            return result + "\n  executed " + executed + "\n  memory " + memory;
        }
    }

    static String describe(Throwable t) {
        if (t instanceof BpfException b) {
            return "fault " + b.errno() + " pc=" + b.pc() + " program=" + b.program() + " line=" + b.sourceLine()
                    + ": " + b.getMessage();
        }
        return "exception " + t.getClass().getName() + ": " + t.getMessage();
    }

    Outcome run(Program p, long r4, long r5) {
        String result;
        try {
            result = "r0=0x" + Long.toHexString(ctx.run(p, buf.address(), elems.address(), ro.address(), r4, r5));
        } catch (BpfException | IllegalStateException | IllegalArgumentException e) {
            result = describe(e);
        }
        HexFormat hex = HexFormat.of();
        String memory = "buf " + hex.formatHex(bufBytes) + " elems " + hex.formatHex(elemBytes)
                + " stack " + Integer.toHexString(Arrays.hashCode(ctx.stackRegion().data()));
        return new Outcome(result, ctx.executed(), memory);
    }

    /** Makes a program of the given instructions, compiled if {@code options} is not null. */
    static Program program(String name, List<Insn> insns, EmitOptions options) {
        Program p = new Program(name, insns, pc -> pc % 5 == 0 ? new dev.bpfvm.vm.exec.SourceLine("/src/" + name + ".c", pc + 100, 1, "") : null);
        if (options != null) {
            p.installCompiledCode(JitCompiler.compile(p, options));
        }
        return p;
    }
}
