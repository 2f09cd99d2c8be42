package dev.bpfvm.helpers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.maps.Maps;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.asm.Assembler;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.Tier;
import dev.bpfvm.vm.jit.JitCompiler;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.KfuncRegistry;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * The JIT's inlined {@code bpf_map_lookup_elem} of arrays (Linux's {@code map_gen_lookup}):
 * every case runs the same program interpreted and compiled, in two runtimes built alike, and
 * needs the same r0, executed count, map contents and fault.
 */
class InlineLookupJitTest {
    /**
     * For i in [0, r2): key = i * r3 (u32 at r10-4); v = lookup(r1, &key); if v: *v += 1 and
     * sum += *v, else sum += 1000. Returns sum.
     */
    static final String LOOP = String.join("\n",
            "mov r6, r1",
            "mov r7, r2",
            "mov r8, r3",
            "mov r9, 0",
            "mov r5, 0",
            "loop:",
            "jge r9, r7, done",
            "mov r1, r9",
            "mul r1, r8",
            "stxw [r10-4], r1",
            "mov r2, r10",
            "add r2, -4",
            "mov r1, r6",
            "stxdw [r10-16], r5",
            "call 1",
            "ldxdw r5, [r10-16]",
            "add r9, 1",
            "jeq r0, 0, miss",
            "ldxdw r1, [r0]",
            "add r1, 1",
            "stxdw [r0], r1",
            "add r5, r1",
            "ja loop",
            "miss:",
            "add r5, 1000",
            "ja loop",
            "done:",
            "mov r0, r5",
            "exit");

    /** One runtime with the map helpers and a program in one tier. */
    static final class World {
        final HelperRegistry helpers = MapHelpers.register(new HelperRegistry());
        final BpfRuntime rt = new BpfRuntime(helpers, new KfuncRegistry(), 4);
        final ExecContext ctx = rt.newContext(2);
        final Program prog = new Program("lookups", Assembler.assemble(LOOP));

        World(Tier tier) {
            if (tier == Tier.JIT) {
                dev.bpfvm.vm.jit.JitCode code = JitCompiler.compile(prog);
                assertThat(code.stats().versionedLoops()).isEqualTo(1);
                prog.installCompiledCode(code);
            }
        }

        BpfMap map(MapType type, int max) {
            return Maps.create(MapAttr.builder(type, 4, 8, max).name("counts").build(), rt);
        }

        long run(BpfMap m, long n, long mul) {
            return ctx.run(prog, m.address(), n, mul, 0, 0);
        }
    }

    static long u64(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    @Test
    void arrayLookupsInAndOutOfRangeAgree() {
        World interp = new World(Tier.INTERPRETER);
        World jit = new World(Tier.JIT);
        BpfMap a = interp.map(MapType.ARRAY, 64);
        BpfMap b = jit.map(MapType.ARRAY, 64);
        for (int run = 0; run < 3; run++) {
            // keys 0, 3, ..., 297: 22 in range, 78 beyond max_entries
            long r = interp.run(a, 100, 3);
            assertThat(jit.run(b, 100, 3)).isEqualTo(r);
            assertThat(jit.ctx.executed()).isEqualTo(interp.ctx.executed());
            assertThat(jit.ctx.lastTier()).isEqualTo(Tier.JIT);
        }
        // third run: each of the 22 counters went 1, 2, 3
        assertThat(interp.run(a, 0, 3)).isZero();
        assertThat(u64(b.lookup(u32(21)))).isEqualTo(3);
        assertThat(u64(b.lookup(u32(63)))).isEqualTo(3);
        assertThat(u64(b.lookup(u32(1)))).isZero();
        for (int k = 0; k < 64; k++) {
            assertThat(b.lookup(u32(k))).isEqualTo(a.lookup(u32(k)));
        }
        // a key of 0xffffffff (u32) is out of range, not a negative index
        assertThat(jit.run(b, 2, 0xffffffffL)).isEqualTo(interp.run(a, 2, 0xffffffffL)).isEqualTo(4 + 1000);
    }

    @Test
    void perCpuArrayUsesTheRunsCpu() {
        World interp = new World(Tier.INTERPRETER);
        World jit = new World(Tier.JIT);
        BpfMap a = interp.map(MapType.PERCPU_ARRAY, 8);
        BpfMap b = jit.map(MapType.PERCPU_ARRAY, 8);
        for (int run = 0; run < 2; run++) {
            assertThat(jit.run(b, 8, 1)).isEqualTo(interp.run(a, 8, 1));
        }
        byte[] all = b.lookup(u32(5));   // CPUs 0..3, 8 bytes each: only CPU 2 counted
        assertThat(all).isEqualTo(a.lookup(u32(5)));
        ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new long[] {bb.getLong(0), bb.getLong(8), bb.getLong(16), bb.getLong(24)})
                .containsExactly(0, 0, 2, 0);
    }

    @Test
    void otherMapsAtTheSameSiteCallTheHelper() {
        World interp = new World(Tier.INTERPRETER);
        World jit = new World(Tier.JIT);
        BpfMap a1 = interp.map(MapType.ARRAY, 16);
        BpfMap b1 = jit.map(MapType.ARRAY, 16);
        BpfMap a2 = interp.map(MapType.ARRAY, 4);
        BpfMap b2 = jit.map(MapType.ARRAY, 4);
        BpfMap ah = interp.map(MapType.HASH, 16);
        BpfMap bh = jit.map(MapType.HASH, 16);
        ah.update(u32(2), new byte[8], BpfMap.BPF_ANY);
        bh.update(u32(2), new byte[8], BpfMap.BPF_ANY);
        for (int run = 0; run < 3; run++) {
            assertThat(jit.run(b1, 10, 1)).isEqualTo(interp.run(a1, 10, 1));
            assertThat(jit.run(b2, 10, 1)).isEqualTo(interp.run(a2, 10, 1));
            assertThat(jit.run(bh, 10, 1)).isEqualTo(interp.run(ah, 10, 1));
            assertThat(jit.ctx.executed()).isEqualTo(interp.ctx.executed());
        }
        assertThat(u64(bh.lookup(u32(2)))).isEqualTo(3);
        assertThat(u64(b2.lookup(u32(3)))).isEqualTo(3);
        // a fourth run: the 4 counters of b2 go to 4, six keys miss
        assertThat(jit.run(b2, 10, 1)).isEqualTo(interp.run(a2, 10, 1)).isEqualTo(4 * 4 + 6 * 1000);
    }

    @Test
    void aClosedMapFaultsAsInTheInterpreter() {
        World interp = new World(Tier.INTERPRETER);
        World jit = new World(Tier.JIT);
        BpfMap a = interp.map(MapType.ARRAY, 8);
        BpfMap b = jit.map(MapType.ARRAY, 8);
        assertThat(jit.run(b, 4, 1)).isEqualTo(interp.run(a, 4, 1));
        long aAddr = a.address();
        long bAddr = b.address();
        a.close();
        b.close();
        Throwable i = org.assertj.core.api.Assertions.catchThrowable(() -> interp.ctx.run(interp.prog, aAddr, 4, 1, 0, 0));
        Throwable j = org.assertj.core.api.Assertions.catchThrowable(() -> jit.ctx.run(jit.prog, bAddr, 4, 1, 0, 0));
        assertThat(i).isInstanceOf(BpfException.class);
        assertThat(j).isInstanceOf(BpfException.class).hasMessage(i.getMessage());
        assertThat(((BpfException) j).pc()).isEqualTo(((BpfException) i).pc()).isEqualTo(13);
        assertThat(jit.ctx.executed()).isEqualTo(interp.ctx.executed());
    }

    @Test
    void aReplacedHelperIsCalled() {
        World interp = new World(Tier.INTERPRETER);
        World jit = new World(Tier.JIT);
        BpfMap a = interp.map(MapType.ARRAY, 8);
        BpfMap b = jit.map(MapType.ARRAY, 8);
        assertThat(jit.run(b, 8, 1)).isEqualTo(interp.run(a, 8, 1)).isEqualTo(8);
        // a stand-in #1 that always misses: every iteration takes the "miss" branch
        for (World w : new World[] {interp, jit}) {
            HelperSpec real = w.helpers.byId(1);
            w.helpers.register(new HelperSpec(1, real.name(), real.proto(), (c, r1, r2, r3, r4, r5) -> 0));
        }
        assertThat(jit.run(b, 8, 1)).isEqualTo(interp.run(a, 8, 1)).isEqualTo(8000);
        assertThat(jit.ctx.executed()).isEqualTo(interp.ctx.executed());
    }

    @Test
    void aKeyNotOnTheStackAtAConstantOffsetIsNotInlined() {
        // r2 = r10 + r3 (unknown at compile time): the helper reads the key
        String prog = String.join("\n",
                "mov r6, r1",
                "stw [r10-8], 5",
                "mov r2, r10",
                "add r2, r3",
                "call 1",
                "jeq r0, 0, out",
                "ldxdw r1, [r0]",
                "add r1, 7",
                "stxdw [r0], r1",
                "mov r0, r1",
                "out:",
                "exit");
        for (Tier tier : Tier.values()) {
            World w = new World(Tier.INTERPRETER);
            Program p = new Program("stack_key", Assembler.assemble(prog));
            if (tier == Tier.JIT) {
                p.installCompiledCode(JitCompiler.compile(p));
            }
            BpfMap m = w.map(MapType.ARRAY, 8);
            assertThat(w.ctx.run(p, m.address(), 0, -8, 0, 0)).isEqualTo(7);
            assertThat(w.ctx.run(p, m.address(), 0, -8, 0, 0)).isEqualTo(14);
            assertThat(w.ctx.lastTier()).isEqualTo(tier);
            assertThatThrownBy(() -> w.ctx.run(p, m.address(), 0, 8, 0, 0))
                    .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.pc()).isEqualTo(4));
        }
    }

    /**
     * Two maps at one site, by the parity of i: r1 = r6 + (i & 1) * r8 (r8 = the distance of the
     * second map's handle): the versioned loop's fast copy leaves for the general copy at every
     * odd i (the site learned the even map), and must count exactly.
     */
    static final String ALTERNATING = String.join("\n",
            "mov r6, r1",
            "mov r7, r2",
            "mov r8, r3",
            "sub r8, r1",
            "mov r9, 0",
            "stdw [r10-16], 0",
            "loop:",
            "jge r9, r7, done",
            "mov r1, r9",
            "and r1, 7",
            "stxw [r10-4], r1",
            "mov r2, r10",
            "add r2, -4",
            "mov r1, r9",
            "and r1, 1",
            "mul r1, r8",
            "add r1, r6",
            "call 1",
            "add r9, 1",
            "jeq r0, 0, loop",
            "ldxdw r1, [r0]",
            "add r1, 1",
            "stxdw [r0], r1",
            "ldxdw r2, [r10-16]",
            "add r2, r1",
            "stxdw [r10-16], r2",
            "ja loop",
            "done:",
            "ldxdw r0, [r10-16]",
            "exit");

    @Test
    void alternatingMapsInAVersionedLoopAgree() {
        for (long n : new long[] {0, 1, 2, 5, 64, 1001}) {
            World interp = new World(Tier.INTERPRETER);
            World jit = new World(Tier.JIT);
            Program pi = new Program("alternating", Assembler.assemble(ALTERNATING));
            Program pj = new Program("alternating", Assembler.assemble(ALTERNATING));
            dev.bpfvm.vm.jit.JitCode code = JitCompiler.compile(pj);
            assertThat(code.stats().versionedLoops()).isEqualTo(1);   // with its two back-edges and the call
            pj.installCompiledCode(code);
            BpfMap a1 = interp.map(MapType.ARRAY, 6);
            BpfMap a2 = interp.map(MapType.ARRAY, 6);
            BpfMap b1 = jit.map(MapType.ARRAY, 6);
            BpfMap b2 = jit.map(MapType.ARRAY, 6);
            for (int run = 0; run < 2; run++) {
                long r = interp.ctx.run(pi, a1.address(), n, a2.address(), 0, 0);
                assertThat(jit.ctx.run(pj, b1.address(), n, b2.address(), 0, 0)).as("n=%d", n).isEqualTo(r);
                assertThat(jit.ctx.executed()).isEqualTo(interp.ctx.executed());
            }
            for (int k = 0; k < 6; k++) {
                assertThat(b1.lookup(u32(k))).isEqualTo(a1.lookup(u32(k)));
                assertThat(b2.lookup(u32(k))).isEqualTo(a2.lookup(u32(k)));
            }
        }
        // 1001 iterations, keys i & 7: even i hit map 1 at keys 0, 2, 4 (6 is out of range)
        World w = new World(Tier.JIT);
        Program p = new Program("alternating", Assembler.assemble(ALTERNATING));
        p.installCompiledCode(JitCompiler.compile(p));
        BpfMap m1 = w.map(MapType.ARRAY, 6);
        BpfMap m2 = w.map(MapType.ARRAY, 6);
        w.ctx.run(p, m1.address(), 1001, m2.address(), 0, 0);
        assertThat(u64(m1.lookup(u32(0)))).isEqualTo(126);   // i = 0, 8, ..., 1000
        assertThat(u64(m2.lookup(u32(1)))).isEqualTo(125);   // i = 1, 9, ..., 993
        assertThat(u64(m2.lookup(u32(5)))).isEqualTo(125);
        assertThat(u64(m1.lookup(u32(1)))).isZero();
    }

    @Test
    void theBudgetRunsOutInTheMiddleOfAVersionedLoopAsInTheInterpreter() {
        for (long budget : new long[] {50, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 5000, 5003}) {
            World interp = new World(Tier.INTERPRETER);
            World jit = new World(Tier.JIT);
            interp.rt.budget(budget);
            jit.rt.budget(budget);
            BpfMap a = interp.map(MapType.ARRAY, 64);
            BpfMap b = jit.map(MapType.ARRAY, 64);
            Throwable i = org.assertj.core.api.Assertions.catchThrowable(() -> interp.run(a, 1_000_000, 1));
            Throwable j = org.assertj.core.api.Assertions.catchThrowable(() -> jit.run(b, 1_000_000, 1));
            assertThat(i).isInstanceOf(BpfException.class);
            assertThat(j).as("budget %d", budget).isInstanceOf(BpfException.class).hasMessage(i.getMessage());
            assertThat(((BpfException) j).pc()).isEqualTo(((BpfException) i).pc());
            assertThat(jit.ctx.executed()).isEqualTo(interp.ctx.executed());
            for (int k = 0; k < 64; k++) {
                assertThat(b.lookup(u32(k))).isEqualTo(a.lookup(u32(k)));
            }
        }
    }
}
