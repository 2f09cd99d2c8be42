package dev.bpfvm.vm.exec;

import static dev.bpfvm.vm.asm.Asm.call;
import static dev.bpfvm.vm.asm.Asm.callLocal;
import static dev.bpfvm.vm.asm.Asm.exit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
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
import org.junit.jupiter.api.Test;

/** Calls, frames, callbacks, tail calls, legacy loads and faults of the interpreter. */
class ExecutionTest {
    private final HelperRegistry helpers = new HelperRegistry();
    private final KfuncRegistry kfuncs = new KfuncRegistry();
    private final BpfRuntime rt = new BpfRuntime(helpers, kfuncs, 4);
    private final ExecContext ctx = rt.newContext(2);

    private static Insn mov(int dst, int imm) {
        return Asm.mov64(Reg.of(dst), imm);
    }

    private static Insn addReg(int dst, int src) {
        return Asm.add64(Reg.of(dst), Reg.of(src));
    }

    private long run(List<Insn> insns) {
        return ctx.run(new Program("p", insns), 0, 0, 0, 0, 0);
    }

    @Test
    void localCallPassesArgsAndRestoresCalleeSavedRegistersAndFrame() {
        List<Insn> p = List.of(
                mov(1, 10), mov(2, 20), mov(6, 6), mov(9, 9),
                new Insn(0x7a, 10, 0, -8, 111),        // caller's *(u64 *)(r10-8) = 111
                callLocal(5),                          // -> slot 5 + 5 + 1 = 11
                new Insn(0x79, 3, 10, -8, 0),          // r3 = caller's slot, still 111
                addReg(0, 6), addReg(0, 9), addReg(0, 3), // r0 = 30 + 6 + 9 + 111
                exit(),
                // callee at slot 11: clobbers r6-r9 and its own frame
                mov(0, 0), addReg(0, 1), addReg(0, 2), mov(6, 100), mov(9, 100),
                new Insn(0x7a, 10, 0, -8, 222),
                exit());
        assertThat(run(p)).isEqualTo(156);
    }

    @Test
    void calleeSeesItsOwnFramePointer() {
        List<Insn> p = List.of(
                callLocal(2),
                exit(),
                exit(),     // padding, never reached
                new Insn(0xbf, 0, 10, 0, 0),   // r0 = r10 of frame 1
                exit());
        assertThat(run(p)).isEqualTo(ctx.framePointer(1));
        assertThat(ctx.framePointer(0) - ctx.framePointer(1)).isEqualTo(512);
    }

    @Test
    void ninthFrameIsTooDeep() {
        // slot 0 calls itself forever: frames 0..7 are fine, the 8th call fails
        List<Insn> p = List.of(callLocal(-1), exit());
        assertThatThrownBy(() -> run(p))
                .isInstanceOf(BpfException.class)
                .hasMessage("program p: insn 0: call stack too deep: more than 8 frames")
                .extracting(e -> ((BpfException) e).errno()).isEqualTo(Errno.E2BIG);
    }

    @Test
    void helperCallsByNumberAndUnknownHelperFaults() {
        helpers.register(new HelperSpec(5, "bpf_ktime_get_ns", HelperProto.of(RetType.INTEGER),
                (c, a, b, d, e, f) -> 123456789L));
        assertThat(run(List.of(call(5), exit()))).isEqualTo(123456789L);
        assertThatThrownBy(() -> run(List.of(mov(0, 0), call(999), exit())))
                .hasMessage("program p: insn 1: call to unknown helper #999");
    }

    @Test
    void helperSeesCpuArgumentsAndDepth() {
        helpers.register(new HelperSpec(7, "probe", HelperProto.of(RetType.INTEGER),
                (c, a, b, d, e, f) -> c.cpu() * 1000 + c.depth() * 100 + a + b + d + e + f));
        List<Insn> p = List.of(
                callLocal(1), exit(),
                mov(1, 1), mov(2, 2), mov(3, 3), mov(4, 4), mov(5, 5), call(7), exit());
        assertThat(run(p)).isEqualTo(2000 + 100 + 15);
    }

    @Test
    void callxCallsAHelperByRegisterValue() {
        helpers.register(new HelperSpec(5, "bpf_ktime_get_ns", HelperProto.of(RetType.INTEGER),
                (c, a, b, d, e, f) -> 2));
        assertThat(run(List.of(mov(2, 5), new Insn(0x8d, 2, 0, 0, 0), exit()))).isEqualTo(2);
    }

    @Test
    void functionPointersCallxAndCallbacks() {
        // helper 100 calls its r1 callback with (i, r2) for i = 0..2 and sums the results
        helpers.register(new HelperSpec(100, "loop3", HelperProto.of(RetType.INTEGER),
                (c, fn, arg, x, y, z) -> {
                    long sum = 0;
                    for (int i = 0; i < 3; i++) {
                        sum += c.callFunction(fn, i, arg, 0, 0, 0);
                    }
                    return sum;
                }));
        List<Insn> p = List.of(
                Insn.lddw(1, 4, 10),                   // slots 0-1: r1 = &fn (0 + 10 + 1 = 11)
                mov(2, 10),                            // 2
                call(100),                             // 3: r0 = (0+10) + (1+10) + (2+10) = 33
                new Insn(0xbf, 6, 0, 0, 0),            // 4: r6 = 33
                Insn.lddw(3, 4, 5),                    // slots 5-6: r3 = &fn (5 + 5 + 1 = 11)
                mov(1, 100),                           // 7
                new Insn(0x8d, 3, 0, 0, 0),            // 8: callx r3 with r1 = 100, r2 = 10
                addReg(0, 6),                          // 9: r0 = 110 + 33
                exit(),                                // 10
                new Insn(0xbf, 0, 1, 0, 0),            // 11: fn: r0 = r1 + r2
                addReg(0, 2),                          // 12
                exit());                               // 13
        assertThat(run(p)).isEqualTo(143);
        // 9 instructions of the main function, 3 per callback run (3 from the helper + the callx)
        assertThat(ctx.executed()).isEqualTo(9 + 4 * 3);
    }

    @Test
    void callbackFaultsNameTheCallbackInstruction() {
        helpers.register(new HelperSpec(100, "cb", HelperProto.of(RetType.INTEGER),
                (c, fn, a, b, d, e) -> c.callFunction(fn, 0, 0, 0, 0, 0)));
        List<Insn> p = List.of(
                Insn.lddw(1, 4, 3),                    // fn = slot 0 + 3 + 1 = 4
                call(100),                             // 2
                exit(),                                // 3
                new Insn(0x79, 0, 1, 0, 0),            // 4: r0 = *(u64 *)(r1 + 0) with r1 = 0
                exit());
        assertThatThrownBy(() -> run(p))
                .hasMessage("program p: insn 4: invalid memory read of 8 bytes at 0x0: not a pointer");
    }

    @Test
    void callFunctionRejectsNonFunctions() {
        helpers.register(new HelperSpec(100, "cb", HelperProto.of(RetType.INTEGER),
                (c, fn, a, b, d, e) -> c.callFunction(fn, 0, 0, 0, 0, 0)));
        assertThatThrownBy(() -> run(List.of(mov(1, 12), call(100), exit())))
                .hasMessage("program p: insn 1: 0xc is not a function pointer");
    }

    @Test
    void tailCallsReplaceTheProgramAtMost33Times() {
        Program[] target = new Program[1];
        helpers.register(new HelperSpec(12, "bpf_tail_call", HelperProto.of(RetType.INTEGER),
                (c, a, b, d, e, f) -> c.requestTailCall(target[0]) ? 0 : -Errno.ENOENT.value()));
        // the target counts its entries in r6's memory slot: r7 += 1 per entry is lost across
        // tail calls? No: registers survive, so r7 counts entries.
        target[0] = new Program("tail", List.of(
                new Insn(0x07, 7, 0, 0, 1),            // r7 += 1
                call(12),                              // tail-call itself; falls through when exhausted
                new Insn(0xbf, 0, 7, 0, 0),            // r0 = r7
                exit()));
        Program entry = new Program("entry", List.of(mov(7, 0), call(12), mov(0, -1), exit()));
        // entry tail-calls into target (1), target into itself 32 more times, then falls through
        assertThat(ctx.run(entry, 0, 0, 0, 0, 0)).isEqualTo(33);
    }

    @Test
    void kfuncCallsByBtfId() {
        kfuncs.register(new KfuncSpec("bpf_rcu_read_lock", 77, 0, HelperProto.of(RetType.VOID),
                (c, a, b, d, e, f) -> 5));
        assertThat(run(List.of(new Insn(0x85, 0, 2, 0, 77), exit()))).isEqualTo(5);
        assertThatThrownBy(() -> run(List.of(new Insn(0x85, 0, 2, 0, 78), exit())))
                .hasMessage("program p: insn 0: call to unknown kfunc (btf id 78)");
    }

    @Test
    void legacyPacketLoadsAreBigEndianAndEndTheProgramWhenOutOfRange() {
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
        Program absH = new Program("p", List.of(
                new Insn(0xbf, 6, 1, 0, 0),            // r6 = ctx
                new Insn(0x28, 0, 0, 0, 2),            // r0 = ntohs(*(u16 *)skb[2])
                exit()));
        assertThat(ctx.run(absH, ctxRegion.address(), 0, 0, 0, 0)).isEqualTo(0x1234);
        Program indB = new Program("p", List.of(
                new Insn(0xbf, 6, 1, 0, 0), mov(2, 3),
                new Insn(0x50, 0, 2, 0, 1),            // r0 = skb[r2 + 1]
                exit()));
        assertThat(ctx.run(indB, ctxRegion.address(), 0, 0, 0, 0)).isEqualTo(0xab);
        Program outOfRange = new Program("p", List.of(
                new Insn(0xbf, 6, 1, 0, 0), mov(0, 7),
                new Insn(0x20, 0, 0, 0, 4),            // 4-byte load at 4: out of range
                mov(0, 99), exit()));
        assertThat(ctx.run(outOfRange, ctxRegion.address(), 0, 0, 0, 0)).isZero();
    }

    @Test
    void invalidInstructionsFaultOnlyWhenReached() {
        List<Insn> p = List.of(
                new Insn(0x05, 0, 0, 1, 0),            // goto +1
                new Insn(0xff, 0, 0, 0, 0),            // junk, skipped
                mov(0, 3), exit());
        assertThat(run(p)).isEqualTo(3);
        assertThatThrownBy(() -> run(List.of(new Insn(0xff, 0, 0, 0, 0), exit())))
                .hasMessage("program p: insn 0: unknown opcode ff");
        assertThatThrownBy(() -> run(List.of(new Insn(0xb7, 10, 0, 0, 1), exit())))
                .hasMessage("program p: insn 0: frame pointer is read only");
        assertThatThrownBy(() -> run(List.of(new Insn(0xbf, 0, 11, 0, 0), exit())))
                .hasMessage("program p: insn 0: R11 is invalid");
    }

    @Test
    void jumpsOutOfRangeOrIntoLddwFault() {
        assertThatThrownBy(() -> run(List.of(new Insn(0x05, 0, 0, 5, 0), exit())))
                .hasMessage("program p: insn 0: jump out of range to insn 6");
        assertThatThrownBy(() -> run(List.of(new Insn(0x05, 0, 0, 1, 0), Insn.lddw(0, 0, 1), exit())))
                .hasMessage("program p: insn 2: jump into the middle of ldimm64 insn 1");
        assertThatThrownBy(() -> run(List.of(mov(0, 1))))
                .hasMessage("program p: insn 0: jump out of range to insn 1");
    }

    @Test
    void sourceLinesAppearInFaults() {
        Program p = new Program("counter", List.of(mov(1, 0), new Insn(0x61, 0, 1, 0, 0), exit()),
                pc -> pc == 1 ? new SourceLine("/src/counter.bpf.c", 42, 5, "return *p;") : null);
        assertThatThrownBy(() -> ctx.run(p, 0, 0, 0, 0, 0))
                .hasMessage("program counter: insn 1 (counter.bpf.c:42): invalid memory read of 4 bytes at 0x0: not a pointer")
                .satisfies(e -> {
                    BpfException b = (BpfException) e;
                    assertThat(b.pc()).isEqualTo(1);
                    assertThat(b.program()).isEqualTo("counter");
                    assertThat(b.sourceLine()).isEqualTo("counter.bpf.c:42");
                });
    }

    @Test
    void budgetIsCheckedAtCallsToo() {
        rt.budget(5);
        helpers.register(new HelperSpec(5, "x", HelperProto.of(RetType.INTEGER), (c, a, b, d, e, f) -> 0));
        // six straight-line instructions then a call: the check at the call fails
        assertThatThrownBy(() -> run(List.of(mov(0, 0), mov(0, 0), mov(0, 0), mov(0, 0), mov(0, 0), call(5), exit())))
                .hasMessage("program p: insn 5: instruction budget of 5 exhausted (infinite loop?)");
        // straight-line code past the budget without back-edges or calls completes
        assertThat(run(List.of(mov(0, 0), mov(0, 0), mov(0, 0), mov(0, 0), mov(0, 0), mov(0, 9), exit()))).isEqualTo(9);
        assertThat(ctx.executed()).isEqualTo(7);
    }

    @Test
    void tracerSeesEveryStep() {
        List<String> steps = new ArrayList<>();
        ctx.trace(new TraceSink() {
            @Override
            public void step(Program program, int pc, Insn insn, long[] regs) {
                steps.add(pc + ":" + regs[0]);
            }
        }, true);
        run(List.of(mov(0, 4), new Insn(0x07, 0, 0, 0, 1), exit()));
        assertThat(steps).containsExactly("0:4", "1:5", "2:5");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = Region.Kind.class, names = {"CTX", "PACKET", "MAP_VALUE", "GLOBAL", "MEMORY", "KERNEL_OBJECT", "RINGBUF"})
    void outOfBoundsInEveryRegionKindFaultsAtTheInstruction(Region.Kind kind) {
        Region r = rt.memory().register(Region.of(kind, "obj", new byte[16]).build());
        Program load = new Program("p", List.of(new Insn(0x79, 0, 1, 12, 0), exit()));
        assertThatThrownBy(() -> ctx.run(load, r.address(), 0, 0, 0, 0))
                .hasMessage("program p: insn 0: invalid memory read of 8 bytes at 0x%x: out of bounds of %s 'obj' (16 bytes) at offset 12",
                        r.address(12), kind.label());
        Program store = new Program("p", List.of(mov(0, 0), new Insn(0x62, 1, 0, 16, 1), exit()));
        assertThatThrownBy(() -> ctx.run(store, r.address(), 0, 0, 0, 0))
                .hasMessage("program p: insn 1: invalid memory write of 4 bytes at 0x%x: out of bounds of %s 'obj' (16 bytes) at offset 16",
                        r.address(16), kind.label());
        Program below = new Program("p", List.of(new Insn(0x71, 0, 1, -1, 0), exit()));
        assertThatThrownBy(() -> ctx.run(below, r.address(), 0, 0, 0, 0))
                .hasMessageEndingWith("out of bounds of %s 'obj' (16 bytes) at offset -1", kind.label());
        Program ok = new Program("p", List.of(new Insn(0x62, 1, 0, 12, 7), new Insn(0x61, 0, 1, 12, 0), exit()));
        assertThat(ctx.run(ok, r.address(), 0, 0, 0, 0)).isEqualTo(7);
    }

    @Test
    void contextRejectsNestedRunsAndBadCpus() {
        assertThatThrownBy(() -> rt.newContext(4)).isInstanceOf(IllegalArgumentException.class);
        helpers.register(new HelperSpec(9, "reenter", HelperProto.of(RetType.INTEGER),
                (c, a, b, d, e, f) -> c.run(new Program("x", List.of(exit())), 0, 0, 0, 0, 0)));
        assertThatThrownBy(() -> run(List.of(call(9), exit()))).isInstanceOf(IllegalStateException.class);
    }

    private static Insn mayGoto(int off) {
        return new Insn(0xe5, 0, 0, off, 0);
    }

    @Test
    void mayGotoFallsThroughBpfMaxLoopsTimesThenJumps() {
        List<Insn> p = List.of(
                mov(0, 0),
                mayGoto(2),                          // exhausted: -> exit
                new Insn(0x07, 0, 0, 0, 1),          // r0 += 1
                new Insn(0x05, 0, 0, -3, 0),         // goto may_goto
                exit());
        assertThat(run(p)).isEqualTo(8 * 1024 * 1024);
    }

    @Test
    void mayGotoCounterIsPerCall() {
        List<Insn> p = List.of(
                mayGoto(1),                          // 0: exhaust this frame's counter
                new Insn(0x05, 0, 0, -2, 0),         // 1: goto 0
                callLocal(6),                        // 2: -> 9, whose counter is fresh
                new Insn(0xbf, 6, 0, 0, 0),          // 3: r6 = r0
                new Insn(0x27, 6, 0, 0, 10),         // 4: r6 *= 10
                mayGoto(1),                          // 5: still exhausted here: -> 7
                new Insn(0x07, 6, 0, 0, 5),          // 6: r6 += 5
                new Insn(0xbf, 0, 6, 0, 0),          // 7: r0 = r6
                exit(),                              // 8
                mayGoto(2),                          // 9: fresh: falls through
                mov(0, 1),
                exit(),
                mov(0, 2),
                exit());
        assertThat(run(p)).isEqualTo(10);
    }
}
