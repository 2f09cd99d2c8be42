package dev.bpfvm.bench;

import dev.bpfvm.helpers.MapHelpers;
import dev.bpfvm.maps.Maps;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.KfuncRegistry;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Map operations: lookups and updates per second called from Java (the helper's body, as a
 * helper call does it) and from a BPF program run by the interpreter (one op = one run of a
 * program that does one lookup), plus {@link Memory}: heap bytes per element.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MapBench {
    static final int ENTRIES = 100_000;
    static final int KEYS = 1024;          // keys cycled through by the lookups (power of two)

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    /** The maps, shared by all benchmark threads. */
    @State(Scope.Benchmark)
    public static class Maps_ {
        final BpfRuntime rt = new BpfRuntime(MapHelpers.register(new HelperRegistry()), new KfuncRegistry(), 4);
        BpfMap array;
        BpfMap hash;
        BpfMap percpuHash;

        @Setup
        public void setUp() {
            array = Maps.create(MapAttr.builder(MapType.ARRAY, 4, 16, ENTRIES).name("array").build(), rt);
            hash = Maps.create(MapAttr.builder(MapType.HASH, 8, 16, ENTRIES).name("hash").build(), rt);
            percpuHash = Maps.create(MapAttr.builder(MapType.PERCPU_HASH, 8, 8, ENTRIES).name("percpu").build(), rt);
            byte[] v16 = new byte[16];
            byte[] vPercpu = new byte[8 * rt.cpus()];
            for (int i = 0; i < ENTRIES; i++) {
                hash.update(u64(key(i)), v16, BpfMap.BPF_ANY);
                percpuHash.update(u64(key(i)), vPercpu, BpfMap.BPF_ANY);
            }
        }

        /** Spread-out keys, so the hash sees realistic bits. */
        static long key(int i) {
            return i * 0x9e3779b97f4a7c15L;
        }
    }

    /** One thread's context, keys laid out in BPF memory, and the lookup programs. */
    @State(Scope.Thread)
    public static class Cpu {
        ExecContext ctx;
        Region arrayKeys;
        Region hashKeys;
        Region value;
        Program arrayProg;
        Program hashProg;
        int i;

        @Setup(Level.Trial)
        public void setUp(Maps_ m) {
            ctx = m.rt.newContext(0);
            byte[] ak = new byte[KEYS * 4];
            byte[] hk = new byte[KEYS * 8];
            for (int k = 0; k < KEYS; k++) {
                System.arraycopy(u32(k * (ENTRIES / KEYS)), 0, ak, k * 4, 4);
                System.arraycopy(u64(Maps_.key(k * (ENTRIES / KEYS))), 0, hk, k * 8, 8);
            }
            arrayKeys = m.rt.memory().register(Region.of(Region.Kind.MEMORY, "akeys", ak).build());
            hashKeys = m.rt.memory().register(Region.of(Region.Kind.MEMORY, "hkeys", hk).build());
            value = m.rt.memory().register(Region.of(Region.Kind.MEMORY, "value", new byte[16]).build());
            arrayProg = lookupProgram(m.array);
            hashProg = lookupProgram(m.hash);
        }

        /** r0 = lookup(map, r1) != NULL */
        static Program lookupProgram(BpfMap map) {
            return new Program("lookup", List.of(
                    new Insn(0xbf, 2, 1, 0, 0),                   // r2 = r1 (key address)
                    Insn.lddw(1, 0, map.address()),               // r1 = map
                    new Insn(0x85, 0, 0, 0, MapHelpers.BPF_FUNC_map_lookup_elem),
                    new Insn(0x15, 0, 0, 1, 0),                   // if r0 == 0 goto +1
                    new Insn(0xb7, 0, 0, 0, 1),                   // r0 = 1
                    new Insn(0x95, 0, 0, 0, 0)));
        }

        long nextArrayKey() {
            return arrayKeys.address((i++ & (KEYS - 1)) * 4);
        }

        long nextHashKey() {
            return hashKeys.address((i++ & (KEYS - 1)) * 8);
        }
    }

    @Benchmark
    public long arrayLookupJava(Maps_ m, Cpu c) {
        return m.array.lookupElem(c.ctx, c.nextArrayKey());
    }

    @Benchmark
    public long hashLookupJava(Maps_ m, Cpu c) {
        return m.hash.lookupElem(c.ctx, c.nextHashKey());
    }

    @Benchmark
    public long percpuHashLookupJava(Maps_ m, Cpu c) {
        return m.percpuHash.lookupElem(c.ctx, c.nextHashKey());
    }

    @Benchmark
    public long arrayUpdateJava(Maps_ m, Cpu c) {
        return m.array.updateElem(c.ctx, c.nextArrayKey(), c.value.address(), BpfMap.BPF_ANY);
    }

    @Benchmark
    public long hashUpdateJava(Maps_ m, Cpu c) {
        return m.hash.updateElem(c.ctx, c.nextHashKey(), c.value.address(), BpfMap.BPF_EXIST);
    }

    @Benchmark
    public long arrayLookupProgram(Cpu c) {
        return c.ctx.run(c.arrayProg, c.nextArrayKey(), 0, 0, 0, 0);
    }

    @Benchmark
    public long hashLookupProgram(Cpu c) {
        return c.ctx.run(c.hashProg, c.nextHashKey(), 0, 0, 0, 0);
    }

    /**
     * Heap bytes per element (heap after GC / elements) of maps with 10^6 elements: HASH with
     * 8-byte keys and 16-byte values, PERCPU_HASH with 8-byte keys and 8-byte values on 4 CPUs,
     * ARRAY of 16-byte values. Reported as the aux counters {@code hashBytesPerEntry}, ...
     */
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 0)
    @Measurement(iterations = 1)
    @Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
    public static class Memory {
        static final int N = 1_000_000;

        @State(Scope.Thread)
        @AuxCounters(AuxCounters.Type.EVENTS)
        public static class HashResult {
            public double hashBytesPerEntry;
        }

        @State(Scope.Thread)
        @AuxCounters(AuxCounters.Type.EVENTS)
        public static class PercpuHashResult {
            public double percpuHashBytesPerEntry;
        }

        @State(Scope.Thread)
        @AuxCounters(AuxCounters.Type.EVENTS)
        public static class ArrayResult {
            public double arrayBytesPerEntry;
        }

        static long usedHeap() {
            Runtime r = Runtime.getRuntime();
            for (int i = 0; i < 4; i++) {
                System.gc();
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return r.totalMemory() - r.freeMemory();
        }

        static double bytesPerEntry(BpfRuntime rt, MapType type, int keySize, int valueSize, boolean fill) {
            long before = usedHeap();
            BpfMap m = Maps.create(MapAttr.builder(type, keySize, valueSize, N).name("mem").build(), rt);
            if (fill) {
                byte[] key = new byte[keySize];
                byte[] value = new byte[m.userValueSize()];
                ByteBuffer kb = ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < N; i++) {
                    kb.putLong(0, Maps_.key(i));
                    m.update(key, value, BpfMap.BPF_NOEXIST);
                }
            }
            long after = usedHeap();
            double perEntry = (after - before) / (double) N;
            m.close();
            return perEntry;
        }

        @Benchmark
        public void hash(HashResult r) {
            BpfRuntime rt = new BpfRuntime(new HelperRegistry(), new KfuncRegistry(), 4);
            r.hashBytesPerEntry = bytesPerEntry(rt, MapType.HASH, 8, 16, true);
        }

        @Benchmark
        public void percpuHash(PercpuHashResult r) {
            BpfRuntime rt = new BpfRuntime(new HelperRegistry(), new KfuncRegistry(), 4);
            r.percpuHashBytesPerEntry = bytesPerEntry(rt, MapType.PERCPU_HASH, 8, 8, true);
        }

        @Benchmark
        public void array(ArrayResult r) {
            BpfRuntime rt = new BpfRuntime(new HelperRegistry(), new KfuncRegistry(), 4);
            r.arrayBytesPerEntry = bytesPerEntry(rt, MapType.ARRAY, 4, 16, false);
        }
    }
}
