package dev.bpfvm.helpers;

import static dev.bpfvm.helpers.Bpf.*;
import static dev.bpfvm.vm.spi.BpfMap.BPF_ANY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.maps.ArrayOfMapsMap;
import dev.bpfvm.maps.LocalStorage;
import dev.bpfvm.maps.LocalStorageMap;
import dev.bpfvm.maps.StorageOwner;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.maps.Maps;
import dev.bpfvm.maps.PerfEventArrayMap;
import dev.bpfvm.maps.PerfEventStream;
import dev.bpfvm.maps.ProgArrayMap;
import dev.bpfvm.maps.RingBufMap;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.KfuncRegistry;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import dev.bpfvm.vm.spi.RetType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The map helpers, called by real BPF programs run by the interpreter. */
class MapHelpersTest {
    final HelperRegistry helpers = MapHelpers.register(new HelperRegistry());
    final BpfRuntime rt = new BpfRuntime(helpers, new KfuncRegistry(), 4);
    final ExecContext ctx = rt.newContext(1);

    BpfMap map(MapType t, int k, int v, int max) {
        return Maps.create(MapAttr.builder(t, k, v, max).name("m").build(), rt);
    }

    long run(Insn... insns) {
        return ctx.run(new Program("p", List.of(insns)), 0, 0, 0, 0, 0);
    }

    static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static long u64At(byte[] b, int off) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(off);
    }

    /** key (u32 at r10-4) = k; r0 = lookup(map, key); if r0 == 0 return -1; lock *r0 += 5; return *r0 */
    static Insn[] countProgram(BpfMap m, int k) {
        return new Insn[] {
            stW(R10, -4, k),
            ldImm64(R1, m.address()),
            movReg(R2, R10), addImm(R2, -4),
            call(MapHelpers.BPF_FUNC_map_lookup_elem),
            jneImm(R0, 0, 2),
            movImm(R0, -1),
            exit(),
            movImm(R1, 5),
            atomicAdd64(R0, 0, R1),
            ldxDw(R0, R0, 0),
            exit(),
        };
    }

    @Test
    void registersTheKernelNumbersAndNames() {
        assertThat(helpers.byId(1).name()).isEqualTo("bpf_map_lookup_elem");
        assertThat(helpers.byId(1).proto().ret()).isEqualTo(RetType.PTR_TO_MAP_VALUE_OR_NULL);
        assertThat(helpers.byId(2).name()).isEqualTo("bpf_map_update_elem");
        assertThat(helpers.byId(3).name()).isEqualTo("bpf_map_delete_elem");
        assertThat(helpers.byId(87).name()).isEqualTo("bpf_map_push_elem");
        assertThat(helpers.byId(88).name()).isEqualTo("bpf_map_pop_elem");
        assertThat(helpers.byId(89).name()).isEqualTo("bpf_map_peek_elem");
        assertThat(helpers.byId(93).name()).isEqualTo("bpf_spin_lock");
        assertThat(helpers.byId(94).name()).isEqualTo("bpf_spin_unlock");
        assertThat(helpers.byId(164).name()).isEqualTo("bpf_for_each_map_elem");
        assertThat(helpers.byId(195).name()).isEqualTo("bpf_map_lookup_percpu_elem");
        assertThat(helpers.byName("bpf_map_update_elem").proto().args()).hasSize(4);
    }

    @Test
    void lookupReturnsTheLiveValueAndAtomicAddsLand() {
        BpfMap m = map(MapType.ARRAY, 4, 8, 4);
        assertThat(run(countProgram(m, 2))).isEqualTo(5);
        assertThat(run(countProgram(m, 2))).isEqualTo(10);
        assertThat(u64At(m.lookup(u32(2)), 0)).isEqualTo(10);
        assertThat(run(countProgram(m, 4))).isEqualTo(-1);   // out of range: NULL
    }

    @Test
    void percpuArrayCountsPerCpu() {
        BpfMap m = map(MapType.PERCPU_ARRAY, 4, 8, 1);
        run(countProgram(m, 0));
        ctx.cpu(3);
        run(countProgram(m, 0));
        run(countProgram(m, 0));
        byte[] all = m.lookup(u32(0));
        assertThat(u64At(all, 8)).isEqualTo(5);
        assertThat(u64At(all, 24)).isEqualTo(10);
        assertThat(u64At(all, 0)).isZero();
    }

    /** update(map, key=k, value=v, flags) then return its result. */
    static Insn[] updateProgram(BpfMap m, int k, int v, int flags) {
        return new Insn[] {
            stW(R10, -4, k),
            stDw(R10, -16, v),
            ldImm64(R1, m.address()),
            movReg(R2, R10), addImm(R2, -4),
            movReg(R3, R10), addImm(R3, -16),
            movImm(R4, flags),
            call(MapHelpers.BPF_FUNC_map_update_elem),
            exit(),
        };
    }

    static Insn[] deleteProgram(BpfMap m, int k) {
        return new Insn[] {
            stW(R10, -4, k),
            ldImm64(R1, m.address()),
            movReg(R2, R10), addImm(R2, -4),
            call(MapHelpers.BPF_FUNC_map_delete_elem),
            exit(),
        };
    }

    @Test
    void updateAndDeleteReturnKernelErrnos() {
        BpfMap m = map(MapType.HASH, 4, 8, 1);
        assertThat(run(updateProgram(m, 7, 70, 2))).isEqualTo(-2);       // BPF_EXIST, missing
        assertThat(run(updateProgram(m, 7, 70, 1))).isZero();            // BPF_NOEXIST
        assertThat(run(updateProgram(m, 7, 71, 1))).isEqualTo(-17);
        assertThat(run(updateProgram(m, 8, 80, 0))).isEqualTo(-7);       // full
        assertThat(run(updateProgram(m, 7, 72, 9))).isEqualTo(-22);
        assertThat(u64At(m.lookup(u32(7)), 0)).isEqualTo(70);
        assertThat(run(countProgram(m, 7))).isEqualTo(75);
        assertThat(run(deleteProgram(m, 7))).isZero();
        assertThat(run(deleteProgram(m, 7))).isEqualTo(-2);
        assertThat(run(countProgram(m, 7))).isEqualTo(-1);
    }

    @Test
    void forEachVisitsElementsAndStopsWhenTheCallbackReturnsOne() {
        BpfMap m = map(MapType.HASH, 4, 8, 16);
        for (int i = 1; i <= 5; i++) {
            m.update(u32(i), u64(i * 100), BPF_ANY);
        }
        // main: *(u64*)(r10-8) = 0 (sum); r0 = for_each(map, cb, r10-8, 0); r0 = r0 * 1000000 + sum
        // cb(map, key, value, ctx): *ctx += *value + *key; return *key == stopAt
        Insn[] prog = {
            stDw(R10, -8, 0),
            ldImm64(R1, m.address()),
            ldFunc(R2, 11),                      // slots 3-4; callback at slot 3 + 11 + 1 = 15
            movReg(R3, R10), addImm(R3, -8),
            movImm(R4, 0),
            call(MapHelpers.BPF_FUNC_for_each_map_elem),
            new Insn(0x27, R0, 0, 0, 1_000_000),  // r0 *= 1000000
            ldxDw(R1, R10, -8),
            addReg(R0, R1),
            exit(),
            exit(), exit(),                      // padding (slots 13, 14)
            // callback at slot 15
            ldxDw(R5, R3, 0),
            ldxW(R6, R2, 0),
            addReg(R5, R6),
            ldxDw(R6, R4, 0),
            addReg(R5, R6),
            stxDw(R4, 0, R5),
            movImm(R0, 0),
            ldxW(R6, R2, 0),
            jneImm(R6, 3, 1),
            movImm(R0, 1),
            exit(),
        };
        long r = run(prog);
        long visited = r / 1_000_000;
        long sum = r % 1_000_000;
        // ids are allocated in insertion order, so iteration visits keys 1, 2, 3 and stops at 3
        assertThat(visited).isEqualTo(3);
        assertThat(sum).isEqualTo(100 + 1 + 200 + 2 + 300 + 3);
    }

    @Test
    void forEachOverAnArrayPassesIndexKeysAndCountsAll() {
        BpfMap m = map(MapType.ARRAY, 4, 8, 6);
        for (int i = 0; i < 6; i++) {
            m.update(u32(i), u64(i + 1), BPF_ANY);
        }
        Insn[] prog = {
            stDw(R10, -8, 0),
            ldImm64(R1, m.address()),
            ldFunc(R2, 11),
            movReg(R3, R10), addImm(R3, -8),
            movImm(R4, 0),
            call(MapHelpers.BPF_FUNC_for_each_map_elem),
            new Insn(0x27, R0, 0, 0, 1_000_000),
            ldxDw(R1, R10, -8),
            addReg(R0, R1),
            exit(),
            exit(), exit(),
            // callback: *ctx += *value * 10 + *key; return 0
            ldxDw(R5, R3, 0),
            new Insn(0x27, R5, 0, 0, 10),
            ldxW(R6, R2, 0),
            addReg(R5, R6),
            ldxDw(R6, R4, 0),
            addReg(R5, R6),
            stxDw(R4, 0, R5),
            movImm(R0, 0),
            exit(),
        };
        assertThat(run(prog)).isEqualTo(6 * 1_000_000L + (21 * 10 + 15));
    }

    @Test
    void forEachCallbacksCannotWriteHashKeys() {
        BpfMap m = map(MapType.HASH, 4, 8, 4);
        m.update(u32(1), u64(1), BPF_ANY);
        Insn[] prog = {
            ldImm64(R1, m.address()),
            ldFunc(R2, 5),                       // slots 2-3: callback at 2 + 5 + 1 = 8
            movImm(R3, 0),
            movImm(R4, 0),
            call(MapHelpers.BPF_FUNC_for_each_map_elem),
            exit(),
            // callback at slot 8: *(u32 *)key = 0
            stW(R2, 0, 0),
            movImm(R0, 0),
            exit(),
        };
        assertThatThrownBy(() -> run(prog)).isInstanceOf(BpfException.class)
                .hasMessageContaining("read-only");
    }

    @Test
    void forEachRefusesFlags() {
        BpfMap m = map(MapType.ARRAY, 4, 8, 1);
        Insn[] prog = {
            ldImm64(R1, m.address()),
            ldFunc(R2, 6),
            movImm(R3, 0),
            movImm(R4, 1),
            call(MapHelpers.BPF_FUNC_for_each_map_elem),
            exit(),
            exit(),
            movImm(R0, 0),
            exit(),
        };
        assertThat(run(prog)).isEqualTo(-22);
    }

    @Test
    void lookupPercpuElemReadsAnotherCpusValue() {
        BpfMap m = map(MapType.PERCPU_HASH, 4, 8, 4);
        byte[] all = new byte[32];
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 10).putLong(8, 11).putLong(16, 12).putLong(24, 13);
        m.update(u32(9), all, BPF_ANY);
        Insn[] prog = {
            stW(R10, -4, 9),
            ldImm64(R1, m.address()),
            movReg(R2, R10), addImm(R2, -4),
            movImm(R3, 2),
            call(MapHelpers.BPF_FUNC_map_lookup_percpu_elem),
            jneImm(R0, 0, 2),
            movImm(R0, -1),
            exit(),
            ldxDw(R0, R0, 0),
            exit(),
        };
        assertThat(run(prog)).isEqualTo(12);
    }

    @Test
    void spinLockHelpersGuardTheValue() throws Exception {
        BpfMap m = Maps.create(MapAttr.builder(MapType.ARRAY, 4, 16, 1).name("locked").spinLock(0).build(), rt);
        // value = { lock @0, counter @8 }: lock; counter = counter + 1 (not atomic); unlock
        Insn[] prog = {
            stW(R10, -4, 0),
            ldImm64(R1, m.address()),
            movReg(R2, R10), addImm(R2, -4),
            call(MapHelpers.BPF_FUNC_map_lookup_elem),
            jneImm(R0, 0, 1),
            exit(),
            movReg(R6, R0),
            movReg(R1, R6),
            call(MapHelpers.BPF_FUNC_spin_lock),
            ldxDw(R7, R6, 8),
            addImm(R7, 1),
            stxDw(R6, 8, R7),
            movReg(R1, R6),
            call(MapHelpers.BPF_FUNC_spin_unlock),
            movImm(R0, 0),
            exit(),
        };
        Program p = new Program("locked", List.of(prog));
        int threads = 4;
        int runs = 20_000;
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int cpu = t;
            ts.add(new Thread(() -> {
                ExecContext c = rt.newContext(cpu);
                for (int i = 0; i < runs; i++) {
                    c.run(p, 0, 0, 0, 0, 0);
                }
            }));
        }
        ts.forEach(Thread::start);
        for (Thread t : ts) {
            t.join();
        }
        assertThat(u64At(m.lookup(u32(0)), 8)).isEqualTo((long) threads * runs);
    }

    @Test
    void pushPopAndPeekThroughPrograms() {
        BpfMap q = map(MapType.STACK, 0, 8, 4);
        // push(map, &v, 0) with v = 7 then v = 8; pop into r10-16; peek into r10-24; return pop*10 + peek
        Insn[] prog = {
            stDw(R10, -8, 7),
            ldImm64(R1, q.address()), movReg(R2, R10), addImm(R2, -8), movImm(R3, 0),
            call(MapHelpers.BPF_FUNC_map_push_elem),
            stDw(R10, -8, 8),
            ldImm64(R1, q.address()), movReg(R2, R10), addImm(R2, -8), movImm(R3, 0),
            call(MapHelpers.BPF_FUNC_map_push_elem),
            ldImm64(R1, q.address()), movReg(R2, R10), addImm(R2, -16),
            call(MapHelpers.BPF_FUNC_map_pop_elem),
            ldImm64(R1, q.address()), movReg(R2, R10), addImm(R2, -24),
            call(MapHelpers.BPF_FUNC_map_peek_elem),
            ldxDw(R0, R10, -16),
            new Insn(0x27, R0, 0, 0, 10),
            ldxDw(R1, R10, -24),
            addReg(R0, R1),
            exit(),
        };
        assertThat(run(prog)).isEqualTo(87);
        assertThat(u64At(q.lookupAndDelete(null, 0), 0)).isEqualTo(7);
    }

    @Test
    void tailCallsJumpThroughTheProgArrayAndFallThroughOnEmptySlots() {
        ProgArrayMap pa = (ProgArrayMap) map(MapType.PROG_ARRAY, 4, 4, 4);
        Program target = new Program("target", List.of(addImm(R6, 100), movReg(R0, R6), exit()));
        pa.set(1, target);
        // r6 = 1; tail_call(ctx, pa, idx); r0 = r6 + 1000 (only when the tail call fell through)
        java.util.function.IntFunction<Insn[]> prog = idx -> new Insn[] {
            movImm(R6, 1),
            ldImm64(R2, pa.address()),
            movImm(R3, idx),
            call(MapHelpers.BPF_FUNC_tail_call),
            movReg(R0, R6), addImm(R0, 1000),
            exit(),
        };
        assertThat(run(prog.apply(1))).isEqualTo(101);
        assertThat(run(prog.apply(2))).isEqualTo(1001);     // empty slot: falls through
        assertThat(run(prog.apply(9))).isEqualTo(1001);     // out of range
        assertThat(run(prog.apply(-1))).isEqualTo(1001);
    }

    @Test
    void tailCallsStopAfter33() {
        ProgArrayMap pa = (ProgArrayMap) map(MapType.PROG_ARRAY, 4, 4, 1);
        // each entry adds 1 to r6 and tail-calls slot 0 (itself); when refused, returns r6
        Program self = new Program("self", List.of(
                addImm(R6, 1), ldImm64(R2, pa.address()), movImm(R3, 0),
                call(MapHelpers.BPF_FUNC_tail_call), movReg(R0, R6), exit()));
        pa.set(0, self);
        assertThat(ctx.run(self, 0, 0, 0, 0, 0)).isEqualTo(34);
    }

    @Test
    void ringbufReserveSubmitDiscardOutputAndQueryFromPrograms() {
        RingBufMap rb = (RingBufMap) map(MapType.RINGBUF, 0, 0, 4096);
        // s = reserve(rb, 8, 0); if !s return -1; *s = 0x1234; submit(s); s2 = reserve(rb, 16, 0); discard(s2);
        // *(r10-8) = 0x55; output(rb, r10-8, 8, 0); return query(rb, BPF_RB_PROD_POS)
        Insn[] prog = {
            ldImm64(R1, rb.address()), movImm(R2, 8), movImm(R3, 0),
            call(MapHelpers.BPF_FUNC_ringbuf_reserve),
            jneImm(R0, 0, 2), movImm(R0, -1), exit(),
            movImm(R1, 0x1234), stxDw(R0, 0, R1),
            movReg(R1, R0), movImm(R2, 0),
            call(MapHelpers.BPF_FUNC_ringbuf_submit),
            ldImm64(R1, rb.address()), movImm(R2, 16), movImm(R3, 0),
            call(MapHelpers.BPF_FUNC_ringbuf_reserve),
            jneImm(R0, 0, 2), movImm(R0, -2), exit(),
            movReg(R1, R0), movImm(R2, 0),
            call(MapHelpers.BPF_FUNC_ringbuf_discard),
            stDw(R10, -8, 0x55),
            ldImm64(R1, rb.address()), movReg(R2, R10), addImm(R2, -8), movImm(R3, 8), movImm(R4, 0),
            call(MapHelpers.BPF_FUNC_ringbuf_output),
            jeqImm(R0, 0, 1), exit(),
            ldImm64(R1, rb.address()), movImm(R2, RingBufMap.BPF_RB_PROD_POS),
            call(MapHelpers.BPF_FUNC_ringbuf_query),
            exit(),
        };
        assertThat(run(prog)).isEqualTo(16 + 24 + 16);
        List<byte[]> got = rb.drain();
        assertThat(got).hasSize(2);
        assertThat(u64At(got.get(0), 0)).isEqualTo(0x1234);
        assertThat(u64At(got.get(1), 0)).isEqualTo(0x55);
    }

    @Test
    void ringbufDynptrReserveWriteSubmitAndAFailedReserve() {
        DynptrHelpers.register(helpers);
        RingBufMap rb = (RingBufMap) map(MapType.RINGBUF, 0, 0, 4096);
        // reserve_dynptr(rb, 8, 0, fp-16); *(fp-24) = 0x77; dynptr_write(fp-16, 0, fp-24, 8, 0); submit_dynptr(fp-16)
        // then reserve_dynptr(rb, 8192, 0, fp-16) fails: discard_dynptr of the NULL dynptr; return its error
        Insn[] prog = {
            ldImm64(R1, rb.address()), movImm(R2, 8), movImm(R3, 0), movReg(R4, R10), addImm(R4, -16),
            call(DynptrHelpers.BPF_FUNC_ringbuf_reserve_dynptr),
            stDw(R10, -24, 0x77),
            movReg(R1, R10), addImm(R1, -16), movImm(R2, 0), movReg(R3, R10), addImm(R3, -24), movImm(R4, 8),
            movImm(R5, 0),
            call(DynptrHelpers.BPF_FUNC_dynptr_write),
            movReg(R1, R10), addImm(R1, -16), movImm(R2, 0),
            call(DynptrHelpers.BPF_FUNC_ringbuf_submit_dynptr),
            ldImm64(R1, rb.address()), movImm(R2, 8192), movImm(R3, 0), movReg(R4, R10), addImm(R4, -16),
            call(DynptrHelpers.BPF_FUNC_ringbuf_reserve_dynptr),
            movReg(R6, R0),
            movReg(R1, R10), addImm(R1, -16), movImm(R2, 0),
            call(DynptrHelpers.BPF_FUNC_ringbuf_discard_dynptr),
            movReg(R0, R6),
            exit(),
        };
        assertThat(run(prog)).isEqualTo(-12);                  // -ENOMEM
        List<byte[]> got = rb.drain();
        assertThat(got).hasSize(1);
        assertThat(u64At(got.get(0), 0)).isEqualTo(0x77);
    }

    @Test
    void writingPastAReservationFaults() {
        RingBufMap rb = (RingBufMap) map(MapType.RINGBUF, 0, 0, 4096);
        Insn[] prog = {
            ldImm64(R1, rb.address()), movImm(R2, 4), movImm(R3, 0),
            call(MapHelpers.BPF_FUNC_ringbuf_reserve),
            stDw(R0, 0, 1),                      // 8 bytes into a 4-byte record
            exit(),
        };
        assertThatThrownBy(() -> run(prog)).isInstanceOf(BpfException.class)
                .extracting(e -> ((BpfException) e).errno()).isEqualTo(Errno.EFAULT);
    }

    @Test
    void perfEventOutputFromAProgram() {
        PerfEventArrayMap pm = (PerfEventArrayMap) map(MapType.PERF_EVENT_ARRAY, 4, 4, 4);
        PerfEventStream[] streams = pm.openPerCpu();
        Insn[] prog = {
            stDw(R10, -8, 0x77),
            ldImm64(R2, pm.address()),
            ldImm64(R3, PerfEventArrayMap.BPF_F_CURRENT_CPU),
            movReg(R4, R10), addImm(R4, -8),
            movImm(R5, 8),
            call(MapHelpers.BPF_FUNC_perf_event_output),
            exit(),
        };
        assertThat(helpers.byId(25).proto().gplOnly()).isTrue();
        assertThat(run(prog)).isZero();
        assertThat(streams[1].drain()).singleElement().satisfies(b -> assertThat(u64At(b, 0)).isEqualTo(0x77));
        assertThat(streams[0].pending()).isZero();
    }

    @Test
    void mapInMapLookupGivesAMapUsableByHelpers() {
        BpfMap template = map(MapType.ARRAY, 4, 8, 2);
        ArrayOfMapsMap outer = (ArrayOfMapsMap) Maps.create(
                MapAttr.builder(MapType.ARRAY_OF_MAPS, 4, 4, 2).name("outer").innerMap(template).build(), rt);
        BpfMap inner = map(MapType.ARRAY, 4, 8, 2);
        inner.update(u32(1), u64(41), BPF_ANY);
        outer.set(0, inner);
        // m = lookup(outer, 0); v = lookup(m, 1); return *v + 1
        Insn[] prog = {
            stW(R10, -4, 0),
            ldImm64(R1, outer.address()), movReg(R2, R10), addImm(R2, -4),
            call(MapHelpers.BPF_FUNC_map_lookup_elem),
            jneImm(R0, 0, 2), movImm(R0, -1), exit(),
            stW(R10, -4, 1),
            movReg(R1, R0), movReg(R2, R10), addImm(R2, -4),
            call(MapHelpers.BPF_FUNC_map_lookup_elem),
            jneImm(R0, 0, 2), movImm(R0, -2), exit(),
            ldxDw(R0, R0, 0), addImm(R0, 1),
            exit(),
        };
        assertThat(run(prog)).isEqualTo(42);
    }

    static final class Cgroup implements StorageOwner {
        final LocalStorage storage = new LocalStorage();

        @Override
        public LocalStorage localStorage() {
            return storage;
        }

        @Override
        public MapType storageType() {
            return MapType.CGRP_STORAGE;
        }
    }

    @Test
    void cgroupStorageGetAndDeleteFromPrograms() {
        LocalStorageMap st = (LocalStorageMap) Maps.create(MapAttr.builder(MapType.CGRP_STORAGE, 4, 8, 0)
                .name("cg_st").flags(MapAttr.BPF_F_NO_PREALLOC).btf(1, 2).build(), rt);
        Cgroup cg = new Cgroup();
        Region obj = rt.memory().register(Region.of(Region.Kind.KERNEL_OBJECT, "cgroup", new byte[64]).owner(cg).build());
        Insn[] count = {
            ldImm64(R1, st.address()), ldImm64(R2, obj.address()), movImm(R3, 0),
            movImm(R4, (int) LocalStorageMap.BPF_LOCAL_STORAGE_GET_F_CREATE),
            call(MapHelpers.BPF_FUNC_cgrp_storage_get),
            jneImm(R0, 0, 2), movImm(R0, -1), exit(),
            movImm(R1, 1), atomicAdd64(R0, 0, R1), ldxDw(R0, R0, 0),
            exit(),
        };
        Insn[] delete = {
            ldImm64(R1, st.address()), ldImm64(R2, obj.address()),
            call(MapHelpers.BPF_FUNC_cgrp_storage_delete),
            exit(),
        };
        Insn[] deleteNull = {
            ldImm64(R1, st.address()), movImm(R2, 0),
            call(MapHelpers.BPF_FUNC_cgrp_storage_delete),
            exit(),
        };
        assertThat(run(count)).isEqualTo(1);
        assertThat(run(count)).isEqualTo(2);
        assertThat(u64At(st.lookup(cg, 0), 0)).isEqualTo(2);
        assertThat(run(delete)).isZero();
        assertThat(run(delete)).isEqualTo(-2);
        assertThat(run(deleteNull)).isEqualTo(-22);
        assertThat(run(count)).isEqualTo(1);
        cg.storage.release();                     // the cgroup goes away
        assertThat(run(count)).isEqualTo(-1);
        assertThat(helpers.byId(156).name()).isEqualTo("bpf_task_storage_get");
        assertThat(helpers.byId(157).name()).isEqualTo("bpf_task_storage_delete");
        assertThat(helpers.byId(211).name()).isEqualTo("bpf_cgrp_storage_delete");
    }

    @Test
    void aNonMapArgumentFaults() {
        Insn[] prog = {
            movImm(R1, 1234),
            movReg(R2, R10),
            call(MapHelpers.BPF_FUNC_map_lookup_elem),
            exit(),
        };
        assertThatThrownBy(() -> run(prog)).isInstanceOf(BpfException.class)
                .hasMessageContaining("is not a map")
                .extracting(e -> ((BpfException) e).errno()).isEqualTo(Errno.EFAULT);
    }

    @Test
    void helperSpecsAreAllMapHelpers() {
        List<String> names = new ArrayList<>();
        for (HelperSpec s : helpers.all()) {
            names.add(s.name());
        }
        assertThat(names).allMatch(n -> n.startsWith("bpf_"));
        assertThat(Arrays.asList(1, 2, 3)).allMatch(i -> helpers.byId(i) != null);
    }
}
