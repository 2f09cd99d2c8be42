package dev.bpfvm.vm.jit;

import static dev.bpfvm.vm.asm.Asm.call;
import static dev.bpfvm.vm.asm.Asm.callLocal;
import static dev.bpfvm.vm.asm.Asm.exit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.LegacyPacket;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.SourceLine;
import dev.bpfvm.vm.exec.Tier;
import dev.bpfvm.vm.exec.TraceSink;
import dev.bpfvm.vm.asm.Asm;
import dev.bpfvm.vm.asm.Reg;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.KfuncRegistry;
import dev.bpfvm.vm.spi.KfuncSpec;
import dev.bpfvm.vm.spi.RetType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The interpreter's execution scenarios (calls, frames, callbacks, tail calls, kfuncs, legacy
 * loads, faults, budget) in both tiers: each test runs once with every program interpreted and
 * once with every program compiled before its first run, and expects the very same results.
 */
class JitExecutionTest {
    private final HelperRegistry helpers = new HelperRegistry();
    private final KfuncRegistry kfuncs = new KfuncRegistry();
    private final BpfRuntime rt = new BpfRuntime(helpers, kfuncs, 4);
    private final ExecContext ctx = rt.newContext(2);
    private Tier expected;

    private void tier(TierPolicy policy) {
        Jit.install(rt, JitOptions.of(policy).fallback(InterpreterFallback.FAIL));
        expected = policy == TierPolicy.JIT ? Tier.JIT : Tier.INTERPRETER;
    }

    private static Insn mov(int dst, int imm) {
        return Asm.mov64(Reg.of(dst), imm);
    }

    private static Insn addReg(int dst, int src) {
        return Asm.add64(Reg.of(dst), Reg.of(src));
    }

    private long run(List<Insn> insns) {
        return run(new Program("p", insns), 0);
    }

    private long run(Program p, long r1) {
        try {
            return ctx.run(p, r1, 0, 0, 0, 0);
        } finally {
            assertThat(ctx.lastTier()).isEqualTo(expected);
            assertThat(p.tier()).isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void localCallPassesArgsAndRestoresCalleeSavedRegistersAndFrame(TierPolicy policy) {
        tier(policy);
        List<Insn> p = List.of(
                mov(1, 10), mov(2, 20), mov(6, 6), mov(9, 9),
                new Insn(0x7a, 10, 0, -8, 111),
                callLocal(5),
                new Insn(0x79, 3, 10, -8, 0),
                addReg(0, 6), addReg(0, 9), addReg(0, 3),
                exit(),
                mov(0, 0), addReg(0, 1), addReg(0, 2), mov(6, 100), mov(9, 100),
                new Insn(0x7a, 10, 0, -8, 222),
                exit());
        assertThat(run(p)).isEqualTo(156);
        assertThat(ctx.executed()).isEqualTo(18);
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void calleeSeesCallerRegistersAndCallerSeesCalleeArguments(TierPolicy policy) {
        tier(policy);
        // unverified code may read r0/r6 in a callee and r1-r5 after a call: both tiers share them
        List<Insn> p = List.of(
                mov(0, 5), mov(6, 7), callLocal(3),
                addReg(0, 3),                          // r3 as the callee left it
                exit(),
                exit(),                                // padding
                new Insn(0xbf, 3, 6, 0, 0),            // callee: r3 = r6 (caller's)
                addReg(0, 3),                          // r0 = 5 + 7
                exit());
        assertThat(run(p)).isEqualTo(19);
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void calleeSeesItsOwnFramePointer(TierPolicy policy) {
        tier(policy);
        List<Insn> p = List.of(callLocal(2), exit(), exit(), new Insn(0xbf, 0, 10, 0, 0), exit());
        assertThat(run(p)).isEqualTo(ctx.framePointer(1));
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void ninthFrameIsTooDeep(TierPolicy policy) {
        tier(policy);
        List<Insn> p = List.of(callLocal(-1), exit());
        assertThatThrownBy(() -> run(p))
                .isInstanceOf(BpfException.class)
                .hasMessage("program p: insn 0: call stack too deep: more than 8 frames")
                .extracting(e -> ((BpfException) e).errno()).isEqualTo(Errno.E2BIG);
        assertThat(ctx.executed()).isEqualTo(8);
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void helperCallsByNumberAndUnknownHelperFaults(TierPolicy policy) {
        tier(policy);
        helpers.register(new HelperSpec(5, "bpf_ktime_get_ns", HelperProto.of(RetType.INTEGER),
                (c, a, b, d, e, f) -> 123456789L));
        assertThat(run(List.of(call(5), exit()))).isEqualTo(123456789L);
        assertThatThrownBy(() -> run(List.of(mov(0, 0), call(999), exit())))
                .hasMessage("program p: insn 1: call to unknown helper #999");
        assertThatThrownBy(() -> run(List.of(mov(0, 0), call(-1), exit())))
                .hasMessage("program p: insn 1: call to unknown helper #-1");
        assertThat(ctx.executed()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void helperSeesCpuArgumentsAndDepthAndLeavesArgumentsAlone(TierPolicy policy) {
        tier(policy);
        helpers.register(new HelperSpec(7, "probe", HelperProto.of(RetType.INTEGER),
                (c, a, b, d, e, f) -> c.cpu() * 1000 + c.depth() * 100 + a + b + d + e + f));
        List<Insn> p = List.of(
                callLocal(1), exit(),
                mov(1, 1), mov(2, 2), mov(3, 3), mov(4, 4), mov(5, 5), call(7), addReg(0, 5), exit());
        assertThat(run(p)).isEqualTo(2000 + 100 + 15 + 5);
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void helperFaultsNameTheCallAndKeepTheCountBeforeIt(TierPolicy policy) {
        tier(policy);
        helpers.register(new HelperSpec(8, "refuse", HelperProto.of(RetType.INTEGER), (c, a, b, d, e, f) -> {
            throw new BpfException(Errno.EPERM, "refused");
        }));
        Program p = new Program("h", List.of(mov(0, 0), mov(1, 1), call(8), exit()),
                pc -> new SourceLine("/x/h.c", 10 + pc, 1, ""));
        assertThatThrownBy(() -> run(p, 0))
                .hasMessage("program h: insn 2 (h.c:12): refused")
                .satisfies(e -> assertThat(((BpfException) e).errno()).isEqualTo(Errno.EPERM));
        assertThat(ctx.executed()).isEqualTo(3);
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void callxCallsAHelperByRegisterValue(TierPolicy policy) {
        tier(policy);
        helpers.register(new HelperSpec(5, "bpf_ktime_get_ns", HelperProto.of(RetType.INTEGER),
                (c, a, b, d, e, f) -> 2));
        assertThat(run(List.of(mov(2, 5), new Insn(0x8d, 2, 0, 0, 0), exit()))).isEqualTo(2);
        assertThatThrownBy(() -> run(List.of(mov(2, -7), new Insn(0x8d, 2, 0, 0, 0), exit())))
                .hasMessage("program p: insn 1: call to unknown helper #-7");
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void functionPointersCallxAndCallbacks(TierPolicy policy) {
        tier(policy);
        helpers.register(new HelperSpec(100, "loop3", HelperProto.of(RetType.INTEGER),
                (c, fn, arg, x, y, z) -> {
                    long sum = 0;
                    for (int i = 0; i < 3; i++) {
                        sum += c.callFunction(fn, i, arg, 0, 0, 0);
                    }
                    return sum;
                }));
        List<Insn> p = List.of(
                Insn.lddw(1, 4, 10), mov(2, 10), call(100), new Insn(0xbf, 6, 0, 0, 0),
                Insn.lddw(3, 4, 5), mov(1, 100), new Insn(0x8d, 3, 0, 0, 0), addReg(0, 6), exit(),
                new Insn(0xbf, 0, 1, 0, 0), addReg(0, 2), exit());
        assertThat(run(p)).isEqualTo(143);
        // callbacks count into the run: 9 in the entry, 3 callbacks and one callx of 3 each
        assertThat(ctx.executed()).isEqualTo(9 + 4 * 3);
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void callxIntoTheMiddleOfAFunctionRunsFromThere(TierPolicy policy) {
        tier(policy);
        // a function pointer to slot 7, which no call or ld_imm64 names: the JIT has no
        // function there and hands the frame to the interpreter
        List<Insn> p = List.of(
                Insn.lddw(3, 4, 5),                    // r3 = &slot 6
                new Insn(0x07, 3, 0, 0, 1),            // r3 += 1 -> slot 7
                mov(0, 1),
                new Insn(0x8d, 3, 0, 0, 0),            // callx
                exit(),
                exit(),                                // 6
                mov(0, 40), new Insn(0x07, 0, 0, 0, 2), exit());
        assertThat(run(p)).isEqualTo(42);
        assertThat(ctx.executed()).isEqualTo(8);
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void callbackFaultsNameTheCallbackInstruction(TierPolicy policy) {
        tier(policy);
        helpers.register(new HelperSpec(100, "cb", HelperProto.of(RetType.INTEGER),
                (c, fn, a, b, d, e) -> c.callFunction(fn, 0, 0, 0, 0, 0)));
        List<Insn> p = List.of(Insn.lddw(1, 4, 3), call(100), exit(), new Insn(0x79, 0, 1, 0, 0), exit());
        assertThatThrownBy(() -> run(p))
                .hasMessage("program p: insn 4: invalid memory read of 8 bytes at 0x0: not a pointer");
        assertThat(ctx.executed()).isEqualTo(2);   // the fault in the callback ends the run: the caller's count
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void callFunctionRejectsNonFunctions(TierPolicy policy) {
        tier(policy);
        helpers.register(new HelperSpec(100, "cb", HelperProto.of(RetType.INTEGER),
                (c, fn, a, b, d, e) -> c.callFunction(fn, 0, 0, 0, 0, 0)));
        assertThatThrownBy(() -> run(List.of(mov(1, 12), call(100), exit())))
                .hasMessage("program p: insn 1: 0xc is not a function pointer");
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void tailCallsReplaceTheProgramAtMost33Times(TierPolicy policy) {
        tier(policy);
        Program[] target = new Program[1];
        helpers.register(new HelperSpec(12, "bpf_tail_call", HelperProto.of(RetType.INTEGER),
                (c, a, b, d, e, f) -> c.requestTailCall(target[0]) ? 0 : -Errno.ENOENT.value()));
        target[0] = new Program("tail", List.of(
                new Insn(0x07, 7, 0, 0, 1), call(12), new Insn(0xbf, 0, 7, 0, 0), exit()));
        Program entry = new Program("entry", List.of(mov(7, 0), call(12), mov(0, -1), exit()));
        assertThat(run(entry, 0)).isEqualTo(33);
        assertThat(ctx.executed()).isEqualTo(2 + 33 * 2 + 2);
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void tailCallFromASubprogramReturnsToTheCaller(TierPolicy policy) {
        tier(policy);
        Program[] target = new Program[1];
        helpers.register(new HelperSpec(12, "bpf_tail_call", HelperProto.of(RetType.INTEGER),
                (c, a, b, d, e, f) -> c.requestTailCall(target[0]) ? 0 : -1));
        target[0] = new Program("tail", List.of(mov(0, 30), mov(3, 4), exit()));
        Program entry = new Program("entry", List.of(
                mov(6, 8), callLocal(2), addReg(0, 6), exit(),
                call(12), mov(0, -1), exit()));
        // the tail call replaces the subprogram's frame; its exit returns to the entry's frame
        assertThat(run(entry, 0)).isEqualTo(38);
        assertThat(ctx.executed()).isEqualTo(8);
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void tailCallTargetInterpretedWhileTheCallerIsCompiled(TierPolicy policy) {
        tier(policy);
        Program[] target = new Program[1];
        helpers.register(new HelperSpec(12, "bpf_tail_call", HelperProto.of(RetType.INTEGER),
                (c, a, b, d, e, f) -> c.requestTailCall(target[0]) ? 0 : -1));
        // an empty program cannot be compiled into a function: the JIT hands it to the interpreter
        target[0] = new Program("empty", List.of());
        Program entry = new Program("entry", List.of(mov(0, 1), call(12), exit()));
        assertThatThrownBy(() -> run(entry, 0))
                .hasMessage("program empty: insn 1: jump out of range to insn 0");
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void kfuncCallsByBtfId(TierPolicy policy) {
        tier(policy);
        kfuncs.register(new KfuncSpec("bpf_rcu_read_lock", 77, 0, HelperProto.of(RetType.VOID),
                (c, a, b, d, e, f) -> 5));
        assertThat(run(List.of(new Insn(0x85, 0, 2, 0, 77), exit()))).isEqualTo(5);
        assertThatThrownBy(() -> run(List.of(new Insn(0x85, 0, 2, 0, 78), exit())))
                .hasMessage("program p: insn 0: call to unknown kfunc (btf id 78)");
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void legacyPacketLoadsAreBigEndianAndEndTheProgramWhenOutOfRange(TierPolicy policy) {
        tier(policy);
        byte[] pkt = {0x45, 0x00, 0x12, 0x34, (byte) 0xab};
        LegacyPacket skb = (offset, size) -> {
            if (offset < 0 || offset + size > pkt.length) {
                return -1;
            }
            long v = 0;
            for (int i = 0; i < size; i++) {
                v = v << 8 | (pkt[(int) offset + i] & 0xff);
            }
            return v;
        };
        Region ctxRegion = rt.memory().register(Region.handle(Region.Kind.CTX, "__sk_buff", skb).build());
        Program absH = new Program("p", List.of(new Insn(0xbf, 6, 1, 0, 0), new Insn(0x28, 0, 0, 0, 2), exit()));
        assertThat(run(absH, ctxRegion.address())).isEqualTo(0x1234);
        Program indB = new Program("p", List.of(new Insn(0xbf, 6, 1, 0, 0), mov(2, 3),
                new Insn(0x50, 0, 2, 0, 1), exit()));
        assertThat(run(indB, ctxRegion.address())).isEqualTo(0xab);
        // out of range inside a subprogram ends the whole program, not just the subprogram
        Program outOfRange = new Program("p", List.of(
                new Insn(0xbf, 6, 1, 0, 0), mov(0, 7), callLocal(2), mov(0, 99), exit(),
                new Insn(0x20, 0, 0, 0, 4), exit()));
        assertThat(run(outOfRange, ctxRegion.address())).isZero();
        assertThat(ctx.executed()).isEqualTo(4);
        Program noSkb = new Program("p", List.of(mov(6, 0), new Insn(0x20, 0, 0, 0, 4), exit()));
        assertThatThrownBy(() -> run(noSkb, 0))
                .hasMessage("program p: insn 1: LD_ABS/LD_IND need a socket buffer context in r6");
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void invalidInstructionsFaultOnlyWhenReached(TierPolicy policy) {
        tier(policy);
        assertThat(run(List.of(new Insn(0x05, 0, 0, 1, 0), new Insn(0xff, 0, 0, 0, 0), mov(0, 3), exit())))
                .isEqualTo(3);
        assertThatThrownBy(() -> run(List.of(new Insn(0xff, 0, 0, 0, 0), exit())))
                .hasMessage("program p: insn 0: unknown opcode ff");
        assertThatThrownBy(() -> run(List.of(mov(0, 0), new Insn(0xb7, 10, 0, 0, 1), exit())))
                .hasMessage("program p: insn 1: frame pointer is read only");
        assertThat(ctx.executed()).isEqualTo(2);
        assertThatThrownBy(() -> run(List.of(new Insn(0xbf, 0, 11, 0, 0), exit())))
                .hasMessage("program p: insn 0: R11 is invalid");
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void jumpsOutOfRangeOrIntoLddwFault(TierPolicy policy) {
        tier(policy);
        assertThatThrownBy(() -> run(List.of(new Insn(0x05, 0, 0, 5, 0), exit())))
                .hasMessage("program p: insn 0: jump out of range to insn 6");
        assertThatThrownBy(() -> run(List.of(new Insn(0x05, 0, 0, 1, 0), Insn.lddw(0, 0, 1), exit())))
                .hasMessage("program p: insn 2: jump into the middle of ldimm64 insn 1");
        assertThat(ctx.executed()).isEqualTo(2);
        assertThatThrownBy(() -> run(List.of(mov(0, 1))))
                .hasMessage("program p: insn 0: jump out of range to insn 1");
        assertThat(ctx.executed()).isEqualTo(1);
        assertThatThrownBy(() -> run(List.of(mov(0, 1), new Insn(0x15, 0, 0, -3, 1), exit())))
                .hasMessage("program p: insn 1: jump out of range to insn -1");
        assertThatThrownBy(() -> run(List.of(mov(0, 1), Insn.lddw(1, 0, 5), new Insn(0x15, 0, 0, 0, 1))))
                .hasMessage("program p: insn 3: jump out of range to insn 4");
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void returnPastTheEndFaultsAtTheCall(TierPolicy policy) {
        tier(policy);
        // the call in the last slot returns to slot 4, which does not exist
        List<Insn> p = List.of(mov(0, 1), new Insn(0x05, 0, 0, 1, 0), exit(), callLocal(-2));
        assertThatThrownBy(() -> run(p))
                .hasMessage("program p: insn 3: jump out of range to insn 4");
        assertThat(ctx.executed()).isEqualTo(4);
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void sourceLinesAppearInFaults(TierPolicy policy) {
        tier(policy);
        Program p = new Program("counter", List.of(mov(1, 0), new Insn(0x61, 0, 1, 0, 0), exit()),
                pc -> pc == 1 ? new SourceLine("/src/counter.bpf.c", 42, 5, "return *p;") : null);
        assertThatThrownBy(() -> run(p, 0))
                .hasMessage("program counter: insn 1 (counter.bpf.c:42): invalid memory read of 4 bytes at 0x0: not a pointer")
                .satisfies(e -> {
                    BpfException b = (BpfException) e;
                    assertThat(b.pc()).isEqualTo(1);
                    assertThat(b.program()).isEqualTo("counter");
                    assertThat(b.sourceLine()).isEqualTo("counter.bpf.c:42");
                });
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void budgetIsCheckedAtBackEdgesAndCallsOnly(TierPolicy policy) {
        tier(policy);
        rt.budget(5);
        helpers.register(new HelperSpec(5, "x", HelperProto.of(RetType.INTEGER), (c, a, b, d, e, f) -> 0));
        assertThatThrownBy(() -> run(List.of(mov(0, 0), mov(0, 0), mov(0, 0), mov(0, 0), mov(0, 0), call(5), exit())))
                .hasMessage("program p: insn 5: instruction budget of 5 exhausted (infinite loop?)");
        assertThat(ctx.executed()).isEqualTo(6);
        assertThat(run(List.of(mov(0, 0), mov(0, 0), mov(0, 0), mov(0, 0), mov(0, 0), mov(0, 9), exit()))).isEqualTo(9);
        assertThat(ctx.executed()).isEqualTo(7);
        rt.budget(1000);
        // r1 counts down from 400 in a 3-instruction loop: the back-edge check stops it
        List<Insn> loop = List.of(mov(1, 400), mov(0, 0), new Insn(0x07, 0, 0, 0, 1), new Insn(0x17, 1, 0, 0, 1),
                new Insn(0x55, 1, 0, -3, 0), exit());
        assertThatThrownBy(() -> run(loop))
                .hasMessage("program p: insn 4: instruction budget of 1000 exhausted (infinite loop?)");
        assertThat(ctx.executed()).isEqualTo(1001);
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void tracedRunsAreInterpreted(TierPolicy policy) {
        tier(policy);
        List<String> steps = new ArrayList<>();
        ctx.trace(new TraceSink() {
            @Override
            public void step(Program program, int pc, Insn insn, long[] regs) {
                steps.add(pc + ":" + regs[0]);
            }
        }, true);
        Program p = new Program("p", List.of(mov(0, 4), new Insn(0x07, 0, 0, 0, 1), exit()));
        ctx.run(p, 0, 0, 0, 0, 0);
        assertThat(steps).containsExactly("0:4", "1:5", "2:5");
        assertThat(ctx.lastTier()).isEqualTo(Tier.INTERPRETER);
        assertThat(p.tier()).isEqualTo(expected);
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void outOfBoundsInEveryRegionKindFaultsAtTheInstruction(TierPolicy policy) {
        tier(policy);
        for (Region.Kind kind : List.of(Region.Kind.CTX, Region.Kind.PACKET, Region.Kind.MAP_VALUE,
                Region.Kind.GLOBAL, Region.Kind.MEMORY, Region.Kind.KERNEL_OBJECT, Region.Kind.RINGBUF)) {
            Region r = rt.memory().register(Region.of(kind, "obj", new byte[16]).build());
            Program load = new Program("p", List.of(new Insn(0x79, 0, 1, 12, 0), exit()));
            assertThatThrownBy(() -> run(load, r.address()))
                    .hasMessage("program p: insn 0: invalid memory read of 8 bytes at 0x%x: out of bounds of %s 'obj' (16 bytes) at offset 12",
                            r.address(12), kind.label());
            Program below = new Program("p", List.of(new Insn(0x71, 0, 1, -1, 0), exit()));
            assertThatThrownBy(() -> run(below, r.address()))
                    .hasMessageEndingWith("out of bounds of %s 'obj' (16 bytes) at offset -1", kind.label());
            Program ok = new Program("p", List.of(new Insn(0x62, 1, 0, 12, 7), new Insn(0x61, 0, 1, 12, 0), exit()));
            assertThat(run(ok, r.address())).isEqualTo(7);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void regionsFreedByAHelperFaultAfterTheCall(TierPolicy policy) {
        tier(policy);
        Region[] r = {rt.memory().register(Region.of(Region.Kind.RINGBUF, "record", new byte[16]).build())};
        helpers.register(new HelperSpec(131, "bpf_ringbuf_submit", HelperProto.of(RetType.VOID), (c, a, b, d, e, f) -> {
            c.memory().unregister(r[0]);
            return 0;
        }));
        // the compiled code caches the record's window for r6 in a loop; after the helper the
        // same access must fault, as in the interpreter
        List<Insn> p = List.of(
                new Insn(0xbf, 6, 1, 0, 0), mov(2, 3),
                new Insn(0x7a, 6, 0, 0, 1),            // loop: *(u64 *)(r6 + 0) = 1
                new Insn(0x17, 2, 0, 0, 1),
                new Insn(0x55, 2, 0, -3, 0),
                call(131),
                new Insn(0x79, 0, 6, 0, 0),            // r0 = *(u64 *)(r6 + 0): freed
                exit());
        long address = r[0].address();
        assertThatThrownBy(() -> run(new Program("p", p), address))
                .hasMessage("program p: insn 6: invalid memory read of 8 bytes at 0x%x: no such region", address);
        assertThat(ctx.executed()).isEqualTo(13);
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void aRegionIndexReusedBetweenRunsIsSeenAsTheNewRegion(TierPolicy policy) {
        tier(policy);
        // r0 = *(u64 *)(r1 + 0); *(u8 *)(r1 + 8) = 5: run on a region, then on another one
        // registered at the freed index (compiled code keeps a region's window across runs)
        Program p = new Program("p", List.of(new Insn(0x79, 0, 1, 0, 0), new Insn(0x72, 1, 0, 8, 5), exit()));
        Program read = new Program("read", List.of(new Insn(0x79, 0, 1, 0, 0), exit()));
        byte[] first = new byte[16];
        first[0] = 1;
        Region a = rt.memory().register(Region.of(Region.Kind.MEMORY, "a", first).build());
        long address = a.address();
        assertThat(run(p, address)).isEqualTo(1);
        assertThat(run(p, address)).isEqualTo(1);
        assertThat(first[8]).isEqualTo((byte) 5);
        rt.memory().unregister(a);
        assertThatThrownBy(() -> run(p, address))
                .hasMessage("program p: insn 0: invalid memory read of 8 bytes at 0x%x: no such region", address);
        // the address space reuses an index once more than 256 are free, oldest first
        List<Region> fillers = new java.util.ArrayList<>();
        for (int k = 0; k < 257; k++) {
            fillers.add(rt.memory().register(Region.of(Region.Kind.MEMORY, "f", new byte[8]).build()));
        }
        fillers.forEach(rt.memory()::unregister);
        byte[] second = new byte[16];
        second[0] = 2;
        Region b = rt.memory().register(Region.of(Region.Kind.MEMORY, "b", second).readOnly().build());
        assertThat(b.address()).isEqualTo(address);
        assertThat(run(read, address)).isEqualTo(2);
        assertThatThrownBy(() -> run(p, address))
                .hasMessage("program p: insn 1: invalid memory write of 1 byte at 0x%x: mem 'b' (16 bytes) is read-only",
                        address + 8);
        assertThat(second[8]).isZero();
    }

    @ParameterizedTest
    @EnumSource(value = TierPolicy.class, names = {"INTERP", "JIT"})
    void contextRejectsNestedRuns(TierPolicy policy) {
        tier(policy);
        helpers.register(new HelperSpec(9, "reenter", HelperProto.of(RetType.INTEGER),
                (c, a, b, d, e, f) -> c.run(new Program("x", List.of(exit())), 0, 0, 0, 0, 0)));
        assertThatThrownBy(() -> run(List.of(call(9), exit()))).isInstanceOf(IllegalStateException.class);
    }
}
