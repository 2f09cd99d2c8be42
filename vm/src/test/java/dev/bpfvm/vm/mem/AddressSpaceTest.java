package dev.bpfvm.vm.mem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class AddressSpaceTest {
    private final AddressSpace mem = new AddressSpace();

    private Region region(Region.Kind kind, int size) {
        return mem.register(Region.of(kind, kind.label(), new byte[size]).build());
    }

    @Test
    void addressesEncodeIndexAndOffset() {
        Region a = region(Region.Kind.MEMORY, 16);
        Region b = region(Region.Kind.STACK, 16);
        assertThat(a.index()).isEqualTo(1);
        assertThat(b.index()).isEqualTo(2);
        assertThat(a.address(5)).isEqualTo(0x1_0000_0005L);
        assertThat(mem.regionAt(b.address(15))).isSameAs(b);
        assertThat(mem.regionAt(0)).isNull();
        assertThat(mem.regionAt(0x7_0000_0000L)).isNull();
    }

    @Test
    void littleEndianAtAnyAlignment() {
        Region r = region(Region.Kind.MEMORY, 16);
        mem.store(r.address(3), 8, 0x1122334455667788L);
        assertThat(r.data()[3]).isEqualTo((byte) 0x88);
        assertThat(r.data()[10]).isEqualTo((byte) 0x11);
        assertThat(mem.load(r.address(3), 4)).isEqualTo(0x55667788L);
        assertThat(mem.load(r.address(7), 2)).isEqualTo(0x3344L);
        mem.store(r.address(0), 4, -1);
        assertThat(mem.load(r.address(0), 4)).isEqualTo(0xffffffffL);   // zero-extended
        assertThat(mem.load(r.address(0), 1)).isEqualTo(0xffL);
    }

    @Test
    void outOfBoundsAndNullFaultWithEfault() {
        Region r = region(Region.Kind.MEMORY, 8);
        assertThatThrownBy(() -> mem.load(r.address(5), 4))
                .isInstanceOf(BpfException.class)
                .hasMessage("invalid memory read of 4 bytes at 0x100000005: out of bounds of mem 'mem' (8 bytes) at offset 5")
                .extracting(e -> ((BpfException) e).errno()).isEqualTo(Errno.EFAULT);
        assertThatThrownBy(() -> mem.store(r.address(0) - 1, 1, 0))
                .hasMessage("invalid memory write of 1 byte at 0xffffffff: out of bounds of mem 'mem' (8 bytes) at offset -1");
        Region second = region(Region.Kind.STACK, 8);
        assertThatThrownBy(() -> mem.load(second.address(0) - 8, 8))
                .hasMessage("invalid memory read of 8 bytes at 0x1fffffff8: out of bounds of stack 'stack' (8 bytes) at offset -8");
        assertThatThrownBy(() -> mem.load(0, 8))
                .hasMessage("invalid memory read of 8 bytes at 0x0: not a pointer");
        assertThatThrownBy(() -> mem.load(0x9_0000_0000L, 1))
                .hasMessage("invalid memory read of 1 byte at 0x900000000: no such region");
    }

    @Test
    void readOnlyRegionRefusesWritesButReads() {
        Region ro = mem.register(Region.of(Region.Kind.GLOBAL, ".rodata", new byte[] {7, 0, 0, 0}).readOnly().build());
        assertThat(mem.load(ro.address(), 4)).isEqualTo(7);
        assertThatThrownBy(() -> mem.store(ro.address(), 4, 1))
                .hasMessage("invalid memory write of 4 bytes at 0x100000000: global '.rodata' (4 bytes) is read-only");
        assertThat(ro.data()[0]).isEqualTo((byte) 7);
    }

    @Test
    void elementLayoutKeepsAccessesInsideOneValue() {
        // three values of 12 bytes, stored every 16 bytes (as an ARRAY map rounds to 8)
        Region arr = mem.register(Region.of(Region.Kind.MAP_VALUE, "counts", new byte[48]).elements(16, 12).build());
        mem.store(arr.address(16 + 8), 4, 99);
        assertThat(mem.load(arr.address(24), 4)).isEqualTo(99);
        assertThatThrownBy(() -> mem.load(arr.address(16 + 8), 8))
                .hasMessage("invalid memory read of 8 bytes at 0x100000018: crosses an element of map_value 'counts' (48 bytes) (element 1, offset 8, element size 12)");
        assertThatThrownBy(() -> mem.store(arr.address(12), 1, 0))
                .hasMessageContaining("element 0, offset 12");
    }

    @Test
    void subRegionOfALargerArray() {
        byte[] slab = new byte[64];
        Region r = mem.register(Region.of(Region.Kind.MAP_VALUE, "v", slab, 32, 8).build());
        mem.store(r.address(0), 8, -2);
        assertThat(slab[32]).isEqualTo((byte) 0xfe);
        assertThatThrownBy(() -> mem.load(r.address(8), 1)).isInstanceOf(BpfException.class);
    }

    @Test
    void hooksClaimSomeAccesses() {
        RegionHooks hooks = new RegionHooks() {
            @Override
            public boolean handlesLoad(int offset, int size) {
                return offset == 4;
            }

            @Override
            public long load(Region region, int offset, int size) {
                return 0xabcdef0123L;
            }

            @Override
            public boolean store(Region region, int offset, int size, long value) {
                if (offset == 0) {
                    throw new BpfException(Errno.EACCES, "field is read-only");
                }
                return false;
            }
        };
        Region ctx = mem.register(Region.of(Region.Kind.CTX, "__sk_buff", new byte[8]).hooks(hooks).build());
        assertThat(mem.load(ctx.address(4), 4)).isEqualTo(0xabcdef0123L);
        assertThat(mem.load(ctx.address(0), 4)).isZero();
        assertThatThrownBy(() -> mem.store(ctx.address(0), 4, 1)).hasMessage("field is read-only");
        mem.store(ctx.address(4), 2, 0x55);
        assertThat(ctx.data()[4]).isEqualTo((byte) 0x55);
    }

    @Test
    void atomicsReturnOldValuesBothWidths() {
        Region r = region(Region.Kind.MEMORY, 16);
        mem.store(r.address(0), 8, 10);
        assertThat(mem.atomic(r.address(0), 8, 0x01, 5)).isEqualTo(10);       // fetch add
        assertThat(mem.load(r.address(0), 8)).isEqualTo(15);
        assertThat(mem.atomic(r.address(0), 8, 0x40, 0x100)).isEqualTo(15);   // or
        assertThat(mem.atomic(r.address(0), 8, 0x50, 0x10f)).isEqualTo(0x10f); // and
        assertThat(mem.atomic(r.address(0), 8, 0xa0, 0xff)).isEqualTo(0x10f); // xor
        assertThat(mem.load(r.address(0), 8)).isEqualTo(0x1f0);
        assertThat(mem.atomic(r.address(0), 8, 0xe1, -1)).isEqualTo(0x1f0);   // xchg
        assertThat(mem.load(r.address(0), 8)).isEqualTo(-1);
        mem.store(r.address(8), 4, 0xfffffffe);
        assertThat(mem.atomic(r.address(8), 4, 0x01, 3)).isEqualTo(0xfffffffeL);
        assertThat(mem.load(r.address(8), 4)).isEqualTo(1);
        assertThat(mem.cmpxchg(r.address(8), 4, 1, 7)).isEqualTo(1);          // success
        assertThat(mem.cmpxchg(r.address(8), 4, 1, 9)).isEqualTo(7);          // failure
        assertThat(mem.load(r.address(8), 4)).isEqualTo(7);
    }

    @Test
    void misalignedAtomicsStillWork() {
        Region r = region(Region.Kind.MEMORY, 16);
        mem.store(r.address(3), 8, 40);
        assertThat(mem.atomic(r.address(3), 8, 0x01, 2)).isEqualTo(40);
        assertThat(mem.cmpxchg(r.address(3), 8, 42, 1)).isEqualTo(42);
        assertThat(mem.load(r.address(3), 8)).isEqualTo(1);
    }

    @Test
    void concurrentAtomicAddsLoseNothing() throws InterruptedException {
        Region r = region(Region.Kind.MAP_VALUE, 8);
        int threads = 4;
        int perThread = 50_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    mem.atomic(r.address(), 8, 0x00, 1);
                }
            });
            th.start();
            ts.add(th);
        }
        start.countDown();
        for (Thread th : ts) {
            th.join();
        }
        assertThat(mem.load(r.address(), 8)).isEqualTo((long) threads * perThread);
    }

    @Test
    void unregisteredRegionFaultsAndIndexIsReusedOnlyLater() {
        Region r = region(Region.Kind.CTX, 8);
        long addr = r.address();
        mem.unregister(r);
        assertThatThrownBy(() -> mem.load(addr, 1)).hasMessageContaining("no such region");
        Region next = region(Region.Kind.CTX, 8);
        assertThat(next.index()).isNotEqualTo(1);
    }

    @Test
    void checkedCopiesForHelpers() {
        Region r = region(Region.Kind.MEMORY, 8);
        mem.write(r.address(2), new byte[] {1, 2, 3}, 0, 3);
        assertThat(mem.read(r.address(1), 4)).containsExactly(0, 1, 2, 3);
        assertThatThrownBy(() -> mem.read(r.address(6), 4)).isInstanceOf(BpfException.class);
        assertThat(mem.require(r.address(0), 8, true)).isSameAs(r);
    }
}
