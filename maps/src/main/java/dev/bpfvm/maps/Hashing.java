package dev.bpfvm.maps;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** The hash of hash-map keys and bloom-filter values: MurmurHash3 (x86, 32-bit) over the bytes. */
final class Hashing {
    private Hashing() {}

    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    static int hash(byte[] a, int off, int len, int seed) {
        int h = seed;
        int i = 0;
        for (; i + 4 <= len; i += 4) {
            h ^= mixK((int) I32.get(a, off + i));
            h = Integer.rotateLeft(h, 13) * 5 + 0xe6546b64;
        }
        int tail = len - i;
        if (tail > 0) {
            int k = a[off + i] & 0xff;
            if (tail > 1) {
                k ^= (a[off + i + 1] & 0xff) << 8;
            }
            if (tail > 2) {
                k ^= (a[off + i + 2] & 0xff) << 16;
            }
            h ^= mixK(k);
        }
        h ^= len;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    private static int mixK(int k) {
        k *= 0xcc9e2d51;
        k = Integer.rotateLeft(k, 15);
        return k * 0x1b873593;
    }
}
