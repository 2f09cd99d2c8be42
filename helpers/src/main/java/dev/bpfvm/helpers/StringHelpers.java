package dev.bpfvm.helpers;

import dev.bpfvm.helpers.format.BpfFormat;
import dev.bpfvm.helpers.format.BpfFormatException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.spi.ArgType;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.RetType;
import java.util.Arrays;
import java.util.List;

/** String helpers: {@code bpf_snprintf} (#165) and {@code bpf_strncmp} (#182). */
public final class StringHelpers {
    public static final int BPF_SNPRINTF = 165;
    public static final int BPF_STRNCMP = 182;

    /**
     * GPL-only; {@code ARG_PTR_TO_MEM_OR_NULL | MEM_WRITE, ARG_CONST_SIZE_OR_ZERO,
     * ARG_PTR_TO_CONST_STR, ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY, ARG_CONST_SIZE_OR_ZERO}.
     */
    public static final HelperSpec SNPRINTF = new HelperSpec(BPF_SNPRINTF, "bpf_snprintf",
            new HelperProto(RetType.INTEGER, List.of(ArgType.PTR_TO_MEM_OR_NULL, ArgType.CONST_SIZE_OR_ZERO,
                    ArgType.PTR_TO_CONST_STR, ArgType.PTR_TO_MEM_OR_NULL, ArgType.CONST_SIZE_OR_ZERO), true, false),
            StringHelpers::snprintf);
    /** {@code ARG_PTR_TO_MEM | MEM_RDONLY, ARG_CONST_SIZE, ARG_PTR_TO_CONST_STR}. */
    public static final HelperSpec STRNCMP = new HelperSpec(BPF_STRNCMP, "bpf_strncmp",
            HelperProto.of(RetType.INTEGER, ArgType.PTR_TO_RDONLY_MEM, ArgType.CONST_SIZE, ArgType.PTR_TO_CONST_STR),
            StringHelpers::strncmp);

    private StringHelpers() {}

    /** Registers these helpers (replacing any with the same numbers); returns the registry. */
    public static HelperRegistry register(HelperRegistry registry) {
        registry.register(SNPRINTF);
        registry.register(STRNCMP);
        return registry;
    }

    /**
     * {@code long bpf_snprintf(char *str, u32 str_size, const char *fmt, u64 *data, u32 data_len)}:
     * formats {@code fmt} (the {@link BpfFormat} rules) with the {@code data_len / 8} u64
     * arguments at {@code data} into {@code str}, keeping at most {@code str_size - 1} bytes and
     * a NUL (nothing when {@code str_size} is 0), and returns the length of the whole output
     * plus one for the NUL. {@code -EINVAL} when {@code data_len} is not a multiple of 8, is
     * above 96 (12 arguments), or is not 0 while {@code data} is NULL, and for a bad format;
     * {@code -ENOSPC} when the arguments overflow the 512-byte buffer. A format that is not a
     * NUL-terminated string in readable memory (which the verifier's {@code ARG_PTR_TO_CONST_STR}
     * check refuses) faults, as do unreadable arguments and an unwritable {@code str}.
     */
    static long snprintf(ExecContext ctx, long str, long strSize, long fmt, long data, long dataLen) {
        AddressSpace mem = ctx.memory();
        long size = strSize & 0xffffffffL;
        long len = dataLen & 0xffffffffL;
        if (len % 8 != 0 || len > BpfFormat.MAX_VARARGS * 8 || (len != 0 && data == 0)) {
            return Errno.EINVAL.negative();
        }
        long[] args = new long[(int) len / 8];
        for (int i = 0; i < args.length; i++) {
            args[i] = mem.load(data + 8L * i, 8);
        }
        byte[] f = ProbeMemory.requireConstString(mem, fmt);
        BpfFormat.Output out;
        try {
            out = BpfFormat.prepare(f, args, mem).print((int) Math.min(size, Integer.MAX_VALUE));
        } catch (BpfFormatException e) {
            return e.errno().negative();
        }
        if (size > 0) {
            byte[] b = out.bytes();
            byte[] withNul = Arrays.copyOf(b, b.length + 1);
            mem.write(str, withNul, 0, withNul.length);
        }
        return out.length() + 1L;
    }

    /**
     * {@code long bpf_strncmp(const char *s1, u32 s1_sz, const char *s2)}: the kernel's
     * {@code strncmp(s1, s2, s1_sz)} on unsigned bytes, returning -1, 0 or 1 (x86-64 uses the
     * generic C version, which returns the sign only). {@code s1} must be readable for
     * {@code s1_sz} bytes and {@code s2} a NUL-terminated string, or the call faults.
     */
    static long strncmp(ExecContext ctx, long s1, long s1Size, long s2, long r4, long r5) {
        AddressSpace mem = ctx.memory();
        long n = s1Size & 0xffffffffL;
        if (n > 0) {
            mem.require(s1, (int) Math.min(n, Integer.MAX_VALUE), false);
        }
        byte[] t = ProbeMemory.requireConstString(mem, s2);
        for (long i = 0; i < n; i++) {
            int c1 = (int) mem.load(s1 + i, 1);
            int c2 = i < t.length ? t[(int) i] & 0xff : 0;
            if (c1 != c2) {
                return c1 < c2 ? -1 : 1;
            }
            if (c1 == 0) {
                break;
            }
        }
        return 0;
    }
}
