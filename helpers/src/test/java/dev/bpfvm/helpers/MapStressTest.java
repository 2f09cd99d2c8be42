package dev.bpfvm.helpers;

import static dev.bpfvm.helpers.Bpf.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.maps.Maps;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.KfuncRegistry;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Several virtual CPUs on several JVM threads run programs against the same maps at once: every
 * update and atomic add must land (counts are exact). The suite runs 8 threads x 20,000 runs to
 * stay fast; {@code -Dbpfvm.stress.runs=1000000} runs the full 8 x 10^6.
 */
class MapStressTest {
    static final int THREADS = 8;
    static final int RUNS = Integer.getInteger("bpfvm.stress.runs", 20_000) / 160 * 160;

    final BpfRuntime rt = new BpfRuntime(MapHelpers.register(new HelperRegistry()), new KfuncRegistry(), THREADS);

    BpfMap map(MapType t, int k, int v, int max) {
        return Maps.create(MapAttr.builder(t, k, v, max).name("stress").build(), rt);
    }

    static long u64At(byte[] b, int off) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(off);
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    /** Runs {@code body(thread, ctx)} on THREADS threads, each on its own virtual CPU, started together. */
    void parallel(java.util.function.BiConsumer<Integer, ExecContext> body) throws Exception {
        CyclicBarrier start = new CyclicBarrier(THREADS);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int id = t;
            ts.add(new Thread(() -> {
                try {
                    ExecContext ctx = rt.newContext(id);
                    start.await();
                    body.accept(id, ctx);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "cpu" + t));
        }
        ts.forEach(Thread::start);
        for (Thread t : ts) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError("a thread failed", failure.get());
        }
    }

    /**
     * key = r6 (u64 at r10-8); v = lookup(map, key); if (!v) { update(map, key, &zero, BPF_NOEXIST);
     * v = lookup(map, key) } ; lock *v += 1; return 0
     */
    static Insn[] lookupOrInitAndAdd(BpfMap m) {
        return new Insn[] {
            stxDw(R10, -8, R1),                    // key from r1
            stDw(R10, -16, 0),                     // zero value
            ldImm64(R1, m.address()), movReg(R2, R10), addImm(R2, -8),
            call(MapHelpers.BPF_FUNC_map_lookup_elem),
            jneImm(R0, 0, 16),                     // found: to the add
            ldImm64(R1, m.address()), movReg(R2, R10), addImm(R2, -8),
            movReg(R3, R10), addImm(R3, -16), movImm(R4, 1),
            call(MapHelpers.BPF_FUNC_map_update_elem),
            ldImm64(R1, m.address()), movReg(R2, R10), addImm(R2, -8),
            call(MapHelpers.BPF_FUNC_map_lookup_elem),
            jneImm(R0, 0, 2),
            movImm(R0, -1),                        // gone again (an LRU evicted it): count nothing
            exit(),
            movImm(R1, 1),
            atomicAdd64(R0, 0, R1),
            movImm(R0, 0),
            exit(),
        };
    }

    @Test
    void arrayAtomicAddsFromEveryCpu() throws Exception {
        BpfMap m = map(MapType.ARRAY, 4, 8, 4);
        Program p = new Program("add", List.of(
                stxW(R10, -4, R1),
                ldImm64(R1, m.address()), movReg(R2, R10), addImm(R2, -4),
                call(MapHelpers.BPF_FUNC_map_lookup_elem),
                jeqImm(R0, 0, 2),
                movImm(R1, 1), atomicAdd64(R0, 0, R1),
                exit()));
        parallel((t, ctx) -> {
            for (int i = 0; i < RUNS; i++) {
                ctx.run(p, i & 3, 0, 0, 0, 0);
            }
        });
        long total = 0;
        for (int k = 0; k < 4; k++) {
            long v = u64At(m.lookup(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(k).array()), 0);
            assertThat(v).isEqualTo((long) THREADS * RUNS / 4);
            total += v;
        }
        assertThat(total).isEqualTo((long) THREADS * RUNS);
    }

    @Test
    void hashInsertsAndAddsOnSharedAndPrivateKeys() throws Exception {
        int privateKeys = 2_000;
        BpfMap m = map(MapType.HASH, 8, 8, THREADS * privateKeys + 16);
        Program p = new Program("hash_add", List.of(lookupOrInitAndAdd(m)));
        parallel((t, ctx) -> {
            for (int i = 0; i < RUNS; i++) {
                // shared keys 0..15 race on creation; private keys are created by one thread each
                long key = (i & 1) == 0 ? (i / 2) % 16 : 1_000_000L * (t + 1) + (i / 2) % privateKeys;
                ctx.run(p, key, 0, 0, 0, 0);
            }
        });
        long shared = 0;
        for (int k = 0; k < 16; k++) {
            shared += u64At(m.lookup(u64(k)), 0);
        }
        assertThat(shared).isEqualTo((long) THREADS * RUNS / 2);
        for (int t = 0; t < THREADS; t++) {
            for (int j = 0; j < privateKeys; j++) {
                long expect = (RUNS / 2) / privateKeys + (j < (RUNS / 2) % privateKeys ? 1 : 0);
                assertThat(u64At(m.lookup(u64(1_000_000L * (t + 1) + j)), 0)).isEqualTo(expect);
            }
        }
        assertThat(m.lookupBatch(null, Integer.MAX_VALUE, 0, 0, false).count()).isEqualTo(16 + THREADS * privateKeys);
    }

    @Test
    void percpuHashCountsPerCpuWithoutLocks() throws Exception {
        BpfMap m = map(MapType.PERCPU_HASH, 8, 8, 64);
        Program p = new Program("percpu_add", List.of(lookupOrInitAndAdd(m)));
        parallel((t, ctx) -> {
            for (int i = 0; i < RUNS; i++) {
                ctx.run(p, i % 32, 0, 0, 0, 0);
            }
        });
        long total = 0;
        for (int k = 0; k < 32; k++) {
            byte[] all = m.lookup(u64(k));
            for (int cpu = 0; cpu < THREADS; cpu++) {
                long v = u64At(all, cpu * 8);
                assertThat(v).isEqualTo(RUNS / 32);       // each CPU counted its own runs
                total += v;
            }
        }
        assertThat(total).isEqualTo((long) THREADS * RUNS);
    }

    @Test
    void lookupsNeverMissLiveKeysWhileOthersInsertAndDelete() throws Exception {
        BpfMap m = map(MapType.HASH, 8, 8, 100 + THREADS / 2 * (RUNS / 2 + 1));
        for (int k = 0; k < 100; k++) {
            m.update(u64(k), u64(k), BpfMap.BPF_ANY);
        }
        // readers: programs looking up keys 0..99 (always present) must always find them
        Program reader = new Program("reader", List.of(
                stxDw(R10, -8, R1),
                ldImm64(R1, m.address()), movReg(R2, R10), addImm(R2, -8),
                call(MapHelpers.BPF_FUNC_map_lookup_elem),
                jeqImm(R0, 0, 2),
                ldxDw(R0, R0, 0),
                exit(),
                movImm(R0, -1),
                exit()));
        parallel((t, ctx) -> {
            if (t < THREADS / 2) {
                for (int i = 0; i < RUNS; i++) {
                    long k = i % 100;
                    long got = ctx.run(reader, k, 0, 0, 0, 0);
                    if (got != k) {
                        throw new AssertionError("lookup of key " + k + " returned " + got);
                    }
                }
            } else {
                // writers: grow the table (rebuilds) and churn with deletes
                long base = 1_000 + 10_000_000L * t;
                for (int i = 0; i < RUNS; i++) {
                    m.update(u64(base + i), u64(i), BpfMap.BPF_NOEXIST);
                    if (i % 2 == 1) {
                        m.delete(u64(base + i - 1));
                    }
                }
            }
        });
        assertThat(m.lookupBatch(null, Integer.MAX_VALUE, 0, 0, false).count()).isEqualTo(100 + THREADS / 2 * RUNS / 2);
    }

    @Test
    void lruStaysWithinCapacityUnderConcurrentInserts() throws Exception {
        BpfMap m = map(MapType.LRU_HASH, 8, 8, 1_000);
        Program p = new Program("lru_add", List.of(lookupOrInitAndAdd(m)));
        parallel((t, ctx) -> {
            for (int i = 0; i < RUNS / 4; i++) {
                ctx.run(p, (long) t * RUNS + i, 0, 0, 0, 0);
            }
        });
        assertThat(m.lookupBatch(null, Integer.MAX_VALUE, 0, 0, false).count()).isEqualTo(1_000);
    }
}
