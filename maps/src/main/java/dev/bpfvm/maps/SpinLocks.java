package dev.bpfvm.maps;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.mem.ByteAtomics;

/**
 * {@code struct bpf_spin_lock}: a 4-byte word in a map value, 0 when free and 1 when held. Used by
 * the {@code bpf_spin_lock}/{@code bpf_spin_unlock} helpers and by {@code BPF_F_LOCK} copies, so
 * both agree on the same word.
 *
 * <p>A lock never released (possible only in unverified programs) would spin forever in Linux; here
 * an acquire that waits longer than {@link #TIMEOUT_NANOS} fails with EDEADLK instead.
 */
public final class SpinLocks {
    private SpinLocks() {}

    /** How long an acquire may wait before it is reported as a deadlock. */
    public static final long TIMEOUT_NANOS = 2_000_000_000L;

    /** Acquires the lock word at {@code a[i]} (4-byte aligned). */
    public static void lock(byte[] a, int i) {
        if (ByteAtomics.compareAndSet32(a, i, 0, 1)) {
            return;
        }
        long deadline = 0;
        for (int spins = 1; ; spins++) {
            if (ByteAtomics.getAcquire32(a, i) == 0 && ByteAtomics.compareAndSet32(a, i, 0, 1)) {
                return;
            }
            if (spins < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
                if ((spins & 255) == 0) {
                    long now = System.nanoTime();
                    if (deadline == 0) {
                        deadline = now + TIMEOUT_NANOS;
                    } else if (now - deadline > 0) {
                        throw new BpfException(Errno.EDEADLK,
                                "bpf_spin_lock: lock still held after " + TIMEOUT_NANOS / 1_000_000 + " ms");
                    }
                }
            }
        }
    }

    /** Releases the lock word at {@code a[i]}. */
    public static void unlock(byte[] a, int i) {
        ByteAtomics.setRelease32(a, i, 0);
    }

    /** Whether the lock word at {@code a[i]} is held. */
    public static boolean held(byte[] a, int i) {
        return ByteAtomics.getAcquire32(a, i) != 0;
    }
}
