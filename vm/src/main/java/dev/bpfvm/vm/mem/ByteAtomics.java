package dev.bpfvm.vm.mem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Atomic and ordered accesses to little-endian 32- and 64-bit words inside {@code byte[]}s, for
 * BPF atomics, spin locks and ring buffers.
 *
 * <p>JDK 17 to 21 support atomic access modes on byte-array view {@link VarHandle}s for aligned
 * indexes; newer JDKs (22 on) refuse them with {@code UnsupportedOperationException}. So this
 * class checks once, at start-up, and otherwise falls back to striped locks: every atomic and
 * ordered access to a word then happens under the same lock, chosen by the array and the word's
 * address. Misaligned words always take the lock path (the hardware path needs alignment; the
 * verifier forbids misaligned atomics, but an unverified program may still do one). The
 * property {@code -Dbpfvm.atomics=locked} forces the lock path, for tests.
 */
public final class ByteAtomics {
    private ByteAtomics() {}

    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Whether the JVM's byte-array atomics are used (else striped locks). */
    public static final boolean NATIVE = !"locked".equals(System.getProperty("bpfvm.atomics")) && probe();

    private static final int STRIPES = 64;
    private static final Object[] LOCKS = new Object[STRIPES];

    static {
        for (int i = 0; i < STRIPES; i++) {
            LOCKS[i] = new Object();
        }
    }

    private static boolean probe() {
        try {
            byte[] b = new byte[16];
            I64.getAndAdd(b, 8, 1L);
            I32.compareAndExchange(b, 0, 0, 1);
            I32.setRelease(b, 4, 1);
            return (int) I32.getAcquire(b, 4) == 1;
        } catch (UnsupportedOperationException | IllegalStateException e) {
            return false;
        }
    }

    private static Object lock(byte[] a, int i) {
        return LOCKS[(System.identityHashCode(a) ^ (i >>> 3)) & (STRIPES - 1)];
    }

    private static boolean fast(int i, int size) {
        return NATIVE && (i & (size - 1)) == 0;
    }

    /**
     * An atomic read-modify-write of the {@code size}-byte word at {@code a[i]} with the BPF
     * atomic operation {@code op} (add, or, and, xor, with or without fetch, or xchg); returns
     * the old value, zero-extended.
     */
    public static long getAndOp(byte[] a, int i, int size, int op, long operand) {
        int base = op & ~0x01;
        if (fast(i, size)) {
            if (size == 8) {
                switch (base) {
                    case 0x00: return (long) I64.getAndAdd(a, i, operand);
                    case 0x40: return (long) I64.getAndBitwiseOr(a, i, operand);
                    case 0x50: return (long) I64.getAndBitwiseAnd(a, i, operand);
                    case 0xa0: return (long) I64.getAndBitwiseXor(a, i, operand);
                    case 0xe0: return (long) I64.getAndSet(a, i, operand);
                    default: break;
                }
            } else {
                int v = (int) operand;
                switch (base) {
                    case 0x00: return ((int) I32.getAndAdd(a, i, v)) & 0xffffffffL;
                    case 0x40: return ((int) I32.getAndBitwiseOr(a, i, v)) & 0xffffffffL;
                    case 0x50: return ((int) I32.getAndBitwiseAnd(a, i, v)) & 0xffffffffL;
                    case 0xa0: return ((int) I32.getAndBitwiseXor(a, i, v)) & 0xffffffffL;
                    case 0xe0: return ((int) I32.getAndSet(a, i, v)) & 0xffffffffL;
                    default: break;
                }
            }
            throw new IllegalArgumentException("atomic op 0x" + Integer.toHexString(op));
        }
        return lockedGetAndOp(a, i, size, op, operand);
    }

    static long lockedGetAndOp(byte[] a, int i, int size, int op, long operand) {
        synchronized (lock(a, i)) {
            long old = AddressSpace.get(a, i, size);
            AddressSpace.put(a, i, size, dev.bpfvm.vm.exec.Semantics.atomicApply(op, old, operand));
            return old;
        }
    }

    /**
     * Compare-and-exchange of the {@code size}-byte word at {@code a[i]}: stores {@code value}
     * if the word equals {@code expected} (its low 32 bits for size 4); returns the old value,
     * zero-extended.
     */
    public static long compareAndExchange(byte[] a, int i, int size, long expected, long value) {
        if (fast(i, size)) {
            if (size == 8) {
                return (long) I64.compareAndExchange(a, i, expected, value);
            }
            return ((int) I32.compareAndExchange(a, i, (int) expected, (int) value)) & 0xffffffffL;
        }
        return lockedCompareAndExchange(a, i, size, expected, value);
    }

    static long lockedCompareAndExchange(byte[] a, int i, int size, long expected, long value) {
        synchronized (lock(a, i)) {
            long old = AddressSpace.get(a, i, size);
            long cmp = size == 8 ? expected : expected & 0xffffffffL;
            if (old == cmp) {
                AddressSpace.put(a, i, size, value);
            }
            return old;
        }
    }

    /** {@code compareAndSet} of a 32-bit word. */
    public static boolean compareAndSet32(byte[] a, int i, int expected, int value) {
        return (int) compareAndExchange(a, i, 4, expected, value) == expected;
    }

    /** A 32-bit load with acquire (or stronger) ordering. */
    public static int getAcquire32(byte[] a, int i) {
        if (fast(i, 4)) {
            return (int) I32.getAcquire(a, i);
        }
        synchronized (lock(a, i)) {
            return (int) AddressSpace.get(a, i, 4);
        }
    }

    /** A 32-bit store with release (or stronger) ordering. */
    public static void setRelease32(byte[] a, int i, int value) {
        if (fast(i, 4)) {
            I32.setRelease(a, i, value);
            return;
        }
        synchronized (lock(a, i)) {
            AddressSpace.put(a, i, 4, value);
        }
    }
}
