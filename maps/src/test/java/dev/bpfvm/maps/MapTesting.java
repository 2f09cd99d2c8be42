package dev.bpfvm.maps;

import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.BpfMapException;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.KfuncRegistry;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.assertj.core.api.ThrowableAssert;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Shared fixtures: a 4-CPU runtime, a scratch region for keys and values, byte helpers. */
class MapTesting {
    final BpfRuntime rt = new BpfRuntime(new HelperRegistry(), new KfuncRegistry(), 4);
    final ExecContext cpu0 = rt.newContext(0);
    final ExecContext cpu1 = rt.newContext(1);
    final byte[] scratchBytes = new byte[4096];
    final Region scratch = rt.memory().register(Region.of(Region.Kind.MEMORY, "scratch", scratchBytes).build());
    final AddressSpace mem = rt.memory();

    BpfMap create(MapType type, int keySize, int valueSize, int maxEntries) {
        return Maps.create(MapAttr.builder(type, keySize, valueSize, maxEntries).name("m").build(), rt);
    }

    BpfMap create(MapAttr.Builder b) {
        return Maps.create(b.build(), rt);
    }

    /** Puts bytes at scratch offset {@code off} and returns their address. */
    long put(int off, byte[] bytes) {
        System.arraycopy(bytes, 0, scratchBytes, off, bytes.length);
        return scratch.address(off);
    }

    long putU32(int off, int v) {
        return put(off, u32(v));
    }

    long putU64(int off, long v) {
        return put(off, u64(v));
    }

    static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] u64s(long... vs) {
        ByteBuffer b = ByteBuffer.allocate(vs.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : vs) {
            b.putLong(v);
        }
        return b.array();
    }

    static long u64At(byte[] b, int off) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(off);
    }

    static int u32At(byte[] b, int off) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(off);
    }

    static void assertErrno(ThrowableAssert.ThrowingCallable call, dev.bpfvm.vm.Errno errno) {
        assertThatThrownBy(call).isInstanceOf(BpfMapException.class)
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(((BpfMapException) e).errno()).isEqualTo(errno));
    }
}
