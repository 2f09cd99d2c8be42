package dev.bpfvm.maps;

import java.util.Arrays;

/**
 * The layout of a map value: its size, its stride in storage (rounded up to 8 as the kernel's
 * {@code elem_size}), and its special fields (a {@code bpf_spin_lock} word). Copies follow the
 * kernel's {@code copy_map_value}: special fields are never overwritten by a copy, and values
 * handed to user space have them zeroed ({@code check_and_init_map_value}).
 */
final class ValueLayout {
    final int size;
    final int stride;
    /** Offset of the spin lock word, or -1. */
    final int lockOff;

    ValueLayout(int size, int lockOff) {
        this.size = size;
        this.stride = roundUp8(size);
        this.lockOff = lockOff;
    }

    static int roundUp8(int n) {
        return (n + 7) & ~7;
    }

    boolean hasLock() {
        return lockOff >= 0;
    }

    /** {@code copy_map_value}: {@code size} bytes, skipping special fields. */
    void copy(byte[] src, int s, byte[] dst, int d) {
        copy(src, s, dst, d, size);
    }

    /** {@code copy_map_value_long}: the whole 8-byte-rounded value, skipping special fields. */
    void copyLong(byte[] src, int s, byte[] dst, int d) {
        copy(src, s, dst, d, stride);
    }

    private void copy(byte[] src, int s, byte[] dst, int d, int len) {
        if (lockOff < 0) {
            System.arraycopy(src, s, dst, d, len);
        } else {
            System.arraycopy(src, s, dst, d, lockOff);
            int after = lockOff + 4;
            System.arraycopy(src, s + after, dst, d + after, len - after);
        }
    }

    /**
     * {@code copy_map_value_locked}: copies under the spin lock of the map-side value ({@code
     * lockedIsDst} says whether the map value is {@code dst} or {@code src}).
     */
    void copyLocked(byte[] src, int s, byte[] dst, int d, boolean lockedIsDst) {
        byte[] la = lockedIsDst ? dst : src;
        int li = (lockedIsDst ? d : s) + lockOff;
        SpinLocks.lock(la, li);
        try {
            copy(src, s, dst, d);
        } finally {
            SpinLocks.unlock(la, li);
        }
    }

    /** {@code check_and_init_map_value}: zeroes special fields of a value copied for user space. */
    void clearSpecial(byte[] dst, int d) {
        if (lockOff >= 0) {
            Arrays.fill(dst, d + lockOff, d + lockOff + 4, (byte) 0);
        }
    }
}
