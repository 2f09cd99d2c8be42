package dev.bpfvm.maps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.util.List;
import org.junit.jupiter.api.Test;

class RingBufPerfTest extends MapTesting {

    RingBufMap ring(int size) {
        return (RingBufMap) create(MapType.RINGBUF, 0, 0, size);
    }

    @Test
    void reserveWriteSubmitConsume() {
        RingBufMap rb = ring(4096);
        long s = rb.reserve(cpu0, 12, 0);
        assertThat(s).isNotZero();
        mem.store(s, 8, 0x0807060504030201L);
        mem.store(s + 8, 4, 0x0c0b0a09);
        assertThatThrownBy(() -> mem.store(s + 12, 1, 0)).isInstanceOf(BpfException.class);  // exactly 12 bytes
        assertThat(rb.poll()).isNull();                           // still reserved
        assertThat(rb.query(RingBufMap.BPF_RB_PROD_POS)).isEqualTo(24);   // 8 header + 12 rounded to 8
        rb.submit(cpu0, s, 0, false);
        assertThat(rb.poll()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        assertThat(rb.query(RingBufMap.BPF_RB_CONS_POS)).isEqualTo(24);
        assertThat(rb.query(RingBufMap.BPF_RB_AVAIL_DATA)).isZero();
        assertThat(rb.query(RingBufMap.BPF_RB_RING_SIZE)).isEqualTo(4096);
        assertThat(rb.query(9)).isZero();
        // the record is gone from the address space: a second submit faults
        assertThatThrownBy(() -> rb.submit(cpu0, s, 0, false)).isInstanceOf(BpfException.class)
                .hasMessageContaining("not a reserved record");
    }

    @Test
    void discardedRecordsAreSkippedAndOrderIsKept() {
        RingBufMap rb = ring(4096);
        long a = rb.reserve(cpu0, 4, 0);
        long b = rb.reserve(cpu0, 4, 0);
        long c = rb.reserve(cpu0, 4, 0);
        mem.store(a, 4, 1);
        mem.store(c, 4, 3);
        rb.submit(cpu0, c, 0, false);
        assertThat(rb.poll()).isNull();          // a is still reserved and comes first
        rb.submit(cpu0, a, 0, false);
        rb.submit(cpu0, b, 0, true);
        List<byte[]> got = rb.drain();
        assertThat(got).hasSize(2);
        assertThat(u32At(got.get(0), 0)).isEqualTo(1);
        assertThat(u32At(got.get(1), 0)).isEqualTo(3);
    }

    @Test
    void fullRingRefusesAndWrapsAround() {
        RingBufMap rb = ring(4096);
        assertThat(rb.reserve(cpu0, 4096, 0)).isZero();           // record + header > ring
        assertThat(rb.reserve(cpu0, 4088, 0)).isZero();           // needs exactly the ring: refused (> mask)
        long big = rb.reserve(cpu0, 4000, 0);
        assertThat(big).isNotZero();
        assertThat(rb.reserve(cpu0, 100, 0)).isZero();            // no room
        assertThat(rb.output(cpu0, putU64(0, 1), 100, 0)).isEqualTo(-11);   // EAGAIN
        rb.submit(cpu0, big, 0, false);
        assertThat(rb.drain()).hasSize(1);
        // the next record starts at 4008 and runs over the end of the ring
        long w = rb.reserve(cpu0, 200, 0);
        assertThat(w).isNotZero();
        for (int i = 0; i < 200; i += 8) {
            mem.store(w + i, 8, i);
        }
        rb.submit(cpu0, w, 0, false);
        byte[] got = rb.poll();
        assertThat(got).hasSize(200);
        assertThat(u64At(got, 192)).isEqualTo(192);
        assertThat(rb.reserve(cpu0, 8, 1)).isZero();             // flags must be 0
    }

    @Test
    void outputCopiesAndChecksFlags() {
        RingBufMap rb = ring(4096);
        assertThat(rb.output(cpu0, put(0, new byte[] {9, 8, 7}), 3, 0)).isZero();
        assertThat(rb.output(cpu0, put(0, new byte[] {9, 8, 7}), 3, 4)).isEqualTo(-22);
        assertThat(rb.output(cpu0, put(0, new byte[] {1}), 0, RingBufMap.BPF_RB_NO_WAKEUP)).isZero();
        assertThat(rb.drain()).satisfiesExactly(s -> assertThat(s).containsExactly(9, 8, 7), s -> assertThat(s).isEmpty());
    }

    @Test
    void wakeupsFollowTheFlags() {
        RingBufMap rb = ring(4096);
        rb.output(cpu0, putU64(0, 1), 8, 0);                               // consumer waits at this record
        assertThat(rb.wakeups()).isEqualTo(1);
        rb.output(cpu0, putU64(0, 1), 8, 0);                               // consumer is behind: no wakeup
        assertThat(rb.wakeups()).isEqualTo(1);
        rb.output(cpu0, putU64(0, 1), 8, RingBufMap.BPF_RB_FORCE_WAKEUP);
        assertThat(rb.wakeups()).isEqualTo(2);
        rb.drain();
        rb.output(cpu0, putU64(0, 1), 8, RingBufMap.BPF_RB_NO_WAKEUP);
        assertThat(rb.wakeups()).isEqualTo(2);
    }

    @Test
    void ringbufCreateChecksAndUserOps() {
        assertErrno(() -> create(MapType.RINGBUF, 0, 0, 4095), Errno.EINVAL);
        assertErrno(() -> create(MapType.RINGBUF, 0, 0, 3 * 4096), Errno.EINVAL);
        assertErrno(() -> create(MapType.RINGBUF, 4, 0, 4096), Errno.EINVAL);
        assertErrno(() -> create(MapType.RINGBUF, 0, 8, 4096), Errno.EINVAL);
        assertErrno(() -> create(MapAttr.builder(MapType.RINGBUF, 0, 0, 4096).flags(MapAttr.BPF_F_NO_PREALLOC)), Errno.EINVAL);
        BpfMap rb = ring(8192);
        assertErrno(() -> rb.lookup(null), Errno.ENOTSUPP);
        assertErrno(() -> rb.update(null, new byte[0], 0), Errno.ENOTSUPP);
        assertErrno(() -> rb.delete(null), Errno.ENOTSUPP);
        assertErrno(() -> rb.nextKey(null), Errno.ENOTSUPP);
    }

    PerfEventArrayMap perf(int max) {
        return (PerfEventArrayMap) create(MapType.PERF_EVENT_ARRAY, 4, 4, max);
    }

    @Test
    void perfOutputGoesToThisCpusStreamPadded() {
        PerfEventArrayMap p = perf(4);
        PerfEventStream[] s = p.openPerCpu();
        assertThat(s).hasSize(4);
        assertThat(p.output(cpu1, PerfEventArrayMap.BPF_F_CURRENT_CPU, put(0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}), 8)).isZero();
        assertThat(s[0].pending()).isZero();
        assertThat(s[1].poll()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0);  // raw size 12
        assertThat(p.output(cpu1, 1, put(0, new byte[] {1, 2, 3, 4}), 4)).isZero();
        assertThat(s[1].poll()).containsExactly(1, 2, 3, 4);
        assertThat(p.output(cpu1, 0, put(0, new byte[] {1}), 1)).isEqualTo(-95);      // another CPU's event
        assertThat(p.output(cpu1, 4, put(0, new byte[] {1}), 1)).isEqualTo(-7);       // no slot 4
        assertThat(p.output(cpu1, 1L << 32, put(0, new byte[] {1}), 1)).isEqualTo(-22);
        p.clear(1);
        assertThat(p.output(cpu1, PerfEventArrayMap.BPF_F_CURRENT_CPU, put(0, new byte[] {1}), 1)).isEqualTo(-2);
    }

    @Test
    void fullPerfBuffersLoseSamples() {
        PerfEventArrayMap p = perf(1);
        PerfEventStream s = p.open(0, 0, 64);
        long data = put(0, new byte[20]);
        assertThat(p.output(cpu0, 0, data, 20)).isZero();       // 12 + 20 = 32
        assertThat(p.output(cpu0, 0, data, 20)).isZero();       // 64
        assertThat(p.output(cpu0, 0, data, 20)).isEqualTo(-28); // ENOSPC
        assertThat(s.lost()).isEqualTo(1);
        assertThat(s.drain()).hasSize(2);
        assertThat(p.output(cpu0, 0, data, 20)).isZero();
    }

    @Test
    void perfArrayUserSide() {
        PerfEventArrayMap p = perf(2);
        assertErrno(() -> p.update(u32(0), u32(3), 0), Errno.EBADF);
        assertErrno(() -> p.update(u32(0), u32(3), 1), Errno.EINVAL);
        assertErrno(() -> p.update(u32(2), u32(3), 0), Errno.E2BIG);
        assertErrno(() -> p.delete(u32(0)), Errno.ENOENT);
        assertErrno(() -> p.delete(u32(2)), Errno.E2BIG);
        p.open(0, 0, 4096);
        assertErrno(() -> p.lookup(u32(0)), Errno.ENOTSUPP);
        p.delete(u32(0));
        assertThat(p.stream(0)).isNull();
        assertThat(p.nextKey(null)).isEqualTo(u32(0));
        assertThat(p.nextKey(u32(0))).isEqualTo(u32(1));
        assertErrno(() -> p.nextKey(u32(1)), Errno.ENOENT);
        assertErrno(() -> create(MapAttr.builder(MapType.PERF_EVENT_ARRAY, 4, 8, 2)), Errno.EINVAL);
        assertErrno(() -> create(MapAttr.builder(MapType.PERF_EVENT_ARRAY, 4, 4, 2).flags(MapAttr.BPF_F_RDONLY_PROG)), Errno.EINVAL);
        assertThat(create(MapAttr.builder(MapType.PERF_EVENT_ARRAY, 4, 4, 2).flags(MapAttr.BPF_F_PRESERVE_ELEMS))).isNotNull();
    }
}
