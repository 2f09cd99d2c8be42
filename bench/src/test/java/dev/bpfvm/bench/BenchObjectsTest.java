package dev.bpfvm.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.bench.BenchObjects.BenchObject;
import dev.bpfvm.kernel.load.BpfObject;
import dev.bpfvm.kernel.load.BpfProgram;
import dev.bpfvm.kernel.load.MapView;
import dev.bpfvm.kernel.testrun.TestRunOptions;
import dev.bpfvm.kernel.testrun.TestRunResult;
import dev.bpfvm.testprogs.TestObjects;
import dev.bpfvm.vm.jit.JitCompiler;
import dev.bpfvm.vm.exec.Tier;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * Each clang-compiled benchmark object computes, in the interpreter and compiled, exactly what
 * its Java baseline computes, run after run: r0, the memory, the map, the executed count.
 */
class BenchObjectsTest {
    /** r0 of the first run, and the instructions one run executes. */
    private static final Map<String, long[]> EXPECTED = Map.of(
            "primes", new long[] {1229, 524_773},
            "log2", new long[] {32_951, 30_565},
            "memcpy", new long[] {0x8b2c024a372924aeL, 57_381},
            "strcmp", new long[] {144, 45_063},
            "switch", new long[] {0xa699bdb9c9042865L, 125_601},
            // flow hash 0x37caf6c7; 99 TCP, 49 UDP, 34 other, 19 malformed frames
            "parser", new long[] {0x37caf6c763312213L, 25_141},
            // a 4096-byte histogram: the sum of the counters after each increment
            "maplookup", new long[] {36_918, 69_640});

    private static void same(String name) {
        same(name, BenchObjects.byName(name).baseline().get());
    }

    /** Three runs in each tier and in Java; returns the interpreter's and the JIT's VM. */
    private static BenchVm[] same(String name, ToLongFunction<byte[]> java) {
        BenchObject o = BenchObjects.byName(name);
        BenchVm interp = o.vm(Tier.INTERPRETER);
        BenchVm jit = o.vm(Tier.JIT);
        byte[] javaMem = o.input().get();
        long[] expected = EXPECTED.get(name);
        for (int i = 0; i < 3; i++) {
            long r0 = java.applyAsLong(javaMem);
            if (i == 0) {
                assertThat(r0).isEqualTo(expected[0]);
            }
            assertThat(interp.run()).isEqualTo(r0);
            assertThat(interp.lastTier()).isEqualTo(Tier.INTERPRETER);
            assertThat(jit.run()).isEqualTo(r0);
            assertThat(jit.lastTier()).isEqualTo(Tier.JIT);
            assertThat(interp.executed()).isEqualTo(expected[1]);
            assertThat(jit.executed()).isEqualTo(interp.executed());
        }
        assertThat(memory(interp)).isEqualTo(javaMem);
        assertThat(memory(jit)).isEqualTo(javaMem);
        return new BenchVm[] {interp, jit};
    }

    private static byte[] memory(BenchVm vm) {
        return vm.ctx.memory().regionAt(vm.r1).data();
    }

    @Test
    void primes() {
        same("primes");
    }

    @Test
    void log2() {
        same("log2");
    }

    @Test
    void memcpy() {
        same("memcpy");
    }

    @Test
    void strcmp() {
        same("strcmp");
    }

    @Test
    void switchDispatch() {
        same("switch");
    }

    @Test
    void parser() {
        same("parser");
    }

    @Test
    void maplookup() {
        BenchObjects.MapLookups java = new BenchObjects.MapLookups();
        BenchVm[] vms = same("maplookup", java::run);
        long total = 0;
        for (int key = 0; key < 256; key++) {
            total += java.count(key);
            for (BenchVm vm : vms) {
                assertThat(vm.object.map("histogram").lookupLong(key)).hasValue(java.count(key));
            }
        }
        assertThat(total).isEqualTo(3 * BenchObjects.MAPLOOKUP_SIZE);
    }

    /**
     * parser_xdp.c, the parser as a proper XDP program: verified when loaded (as Linux's
     * verifier accepts it), then test-run on every frame of the parser's capture in both tiers,
     * counting and hashing in its map exactly what the Java parse_frame does.
     */
    @Test
    void parserXdpIsVerifiedAndCountsWhatTheBaselineCounts() {
        for (Tier tier : new Tier[] {Tier.INTERPRETER, Tier.JIT}) {
            try (BpfObject obj = BpfObject.open("bench_parser_xdp.o", TestObjects.bytes("bench_parser_xdp.o"))) {
                BpfProgram prog = obj.program("parse_xdp");
                if (tier == Tier.JIT) {
                    prog.program().installCompiledCode(JitCompiler.compile(prog.program()));
                }
                long[] count = new long[4];
                int[] hash = {0};
                int frames = 0;
                for (byte[] f : BenchObjects.parserFrames()) {
                    if (f.length < 14) {
                        continue; // a test run needs an Ethernet header's worth of data
                    }
                    int kind = BenchObjects.parseFrame(f, 0, f.length, hash);
                    count[kind]++;
                    frames++;
                    TestRunResult r = prog.testRun(TestRunOptions.data(f));
                    assertThat(r.retval()).isEqualTo(kind == BenchObjects.FRAME_BAD ? 1 : 2); // XDP_DROP, XDP_PASS
                    assertThat(prog.program().tier()).isEqualTo(tier);
                }
                // the 200 frames (not the cut-short record after them), 5 of them shorter than an Ethernet header
                assertThat(frames).isEqualTo(195);
                assertThat(count).containsExactly(99, 49, 34, 13);
                MapView stats = obj.map("parser_stats");
                for (int k = 0; k < 4; k++) {
                    assertThat(stats.lookupLong(k)).hasValue(count[k]);
                }
                assertThat(stats.lookupLong(4)).hasValue(hash[0] & 0xffffffffL);
            }
        }
    }

    @Test
    void theCommittedInputsAreTheGeneratedOnes() {
        for (BenchObject o : BenchObjects.ALL) {
            assertThat(TestObjects.bytes(o.memFile())).as(o.memFile()).isEqualTo(o.input().get());
        }
    }

    @Test
    void everyProgramRunsTenThousandToAMillionInstructions() {
        assertThat(EXPECTED.keySet()).containsExactlyInAnyOrderElementsOf(
                BenchObjects.ALL.stream().map(BenchObject::name).toList());
        for (long[] e : EXPECTED.values()) {
            assertThat(e[1]).isBetween(10_000L, 1_000_000L);
        }
    }
}
