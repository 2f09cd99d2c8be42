package dev.bpfvm.helpers;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import java.util.Arrays;

/**
 * Reads of memory a helper is not sure it may read (the kernel's {@code *_nofault} copies):
 * a bad source is an error code, never a fault. Destinations are the program's own buffers,
 * which the verifier vouches for, so writes to them are checked accesses (a bad one faults).
 */
final class ProbeMemory {
    private ProbeMemory() {}

    /**
     * How many bytes can be read from {@code addr} on: up to the end of its region, or of its
     * element in an element region; 0 when the address is not readable at all.
     */
    static int readableFrom(AddressSpace memory, long addr) {
        Region r = memory.regionAt(addr);
        int off = AddressSpace.offsetOf(addr);
        if (r == null || !r.readable() || off < 0 || off >= r.length()) {
            return 0;
        }
        int n = r.length() - off;
        if (r.stride() != 0) {
            int within = off % r.stride();
            n = within >= r.elemSize() ? 0 : Math.min(n, r.elemSize() - within);
        }
        return n;
    }

    /** Byte {@code i} past {@code addr}, which {@link #readableFrom} said is readable. */
    private static byte byteAt(AddressSpace memory, long addr, int i) {
        Region r = memory.regionAt(addr);
        return r.data()[r.base() + AddressSpace.offsetOf(addr) + i];
    }

    /**
     * {@code copy_from_kernel_nofault} plus the helpers' clean-up: copies {@code size} bytes
     * from {@code src} to {@code dst} and returns 0, or, when any source byte is unreadable,
     * zero-fills {@code dst} and returns {@code -EFAULT}.
     */
    static long copy(AddressSpace memory, long dst, long src, long size) {
        if (size == 0) {
            return 0;
        }
        int n = (int) size;
        memory.require(dst, n, true);
        if (size > Integer.MAX_VALUE || readableFrom(memory, src) < n) {
            memory.write(dst, new byte[n], 0, n);
            return Errno.EFAULT.negative();
        }
        Region s = memory.regionAt(src);
        Region d = memory.regionAt(dst);
        System.arraycopy(s.data(), s.base() + AddressSpace.offsetOf(src), d.data(),
                d.base() + AddressSpace.offsetOf(dst), n);
        return 0;
    }

    /**
     * {@code strncpy_from_kernel_nofault} (and {@code strncpy_from_user_nofault}, which behaves
     * the same since Linux 6.16 fixed its empty-string case) plus the helpers' clean-up: copies
     * the string at {@code src} with its NUL, at most {@code count} bytes, and returns the bytes
     * copied, NUL included; a longer string is cut to {@code count - 1} bytes and a NUL, and
     * {@code count} is returned. Bytes of {@code dst} after the NUL are left alone. When the
     * string runs into unreadable memory, {@code dst} is zero-filled and {@code -EFAULT}
     * returned. A count of 0 copies nothing and returns 0.
     */
    static long copyString(AddressSpace memory, long dst, long src, long count) {
        if (count == 0) {
            return 0;
        }
        int n = (int) count;
        memory.require(dst, n, true);
        int avail = readableFrom(memory, src);
        byte[] out = new byte[n];
        int k = 0;
        // like the kernel: read byte by byte until a NUL was read or count bytes were read
        do {
            if (k >= avail) {
                memory.write(dst, new byte[n], 0, n);
                return Errno.EFAULT.negative();
            }
            out[k] = byteAt(memory, src, k);
            k++;
        } while (out[k - 1] != 0 && k < n);
        out[k - 1] = 0;
        memory.write(dst, out, 0, k);
        return k;
    }

    /**
     * The NUL-terminated string at {@code addr}, NUL included, as {@code ARG_PTR_TO_CONST_STR}
     * promises it; null when no NUL comes before the readable memory ends.
     */
    static byte[] constString(AddressSpace memory, long addr) {
        int avail = readableFrom(memory, addr);
        for (int i = 0; i < avail; i++) {
            if (byteAt(memory, addr, i) == 0) {
                Region r = memory.regionAt(addr);
                int from = r.base() + AddressSpace.offsetOf(addr);
                return Arrays.copyOfRange(r.data(), from, from + i + 1);
            }
        }
        return null;
    }

    /**
     * The constant string argument at {@code addr}, NUL included; a fault (as a bad memory
     * access of the program) when it is not one, which the verifier would have refused.
     */
    static byte[] requireConstString(AddressSpace memory, long addr) {
        byte[] s = constString(memory, addr);
        if (s == null) {
            throw new BpfException(Errno.EFAULT, "invalid string argument at 0x" + Long.toHexString(addr)
                    + ": no NUL-terminated string in readable memory there");
        }
        return s;
    }
}
