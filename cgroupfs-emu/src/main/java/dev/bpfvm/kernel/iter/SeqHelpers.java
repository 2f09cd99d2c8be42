package dev.bpfvm.kernel.iter;

import dev.bpfvm.helpers.format.BpfFormat;
import dev.bpfvm.helpers.format.BpfFormatException;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.ArgType;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.RetType;
import java.util.List;

/** {@code bpf_seq_printf} (#126) and {@code bpf_seq_write} (#127), writing to a {@link SeqFile}. */
public final class SeqHelpers {
    public static final int BPF_SEQ_PRINTF = 126;
    public static final int BPF_SEQ_WRITE = 127;

    /** {@code ARG_PTR_TO_BTF_ID (seq_file), ARG_PTR_TO_MEM|MEM_RDONLY, ARG_CONST_SIZE, ARG_PTR_TO_MEM|PTR_MAYBE_NULL|MEM_RDONLY, ARG_CONST_SIZE_OR_ZERO}; GPL-only. */
    public static final HelperSpec SEQ_PRINTF = new HelperSpec(BPF_SEQ_PRINTF, "bpf_seq_printf",
            new HelperProto(RetType.INTEGER, List.of(ArgType.PTR_TO_BTF_ID, ArgType.PTR_TO_RDONLY_MEM, ArgType.CONST_SIZE,
                    ArgType.PTR_TO_MEM_OR_NULL, ArgType.CONST_SIZE_OR_ZERO), true, false),
            SeqHelpers::seqPrintf);
    /** {@code ARG_PTR_TO_BTF_ID (seq_file), ARG_PTR_TO_MEM|MEM_RDONLY, ARG_CONST_SIZE_OR_ZERO}; GPL-only. */
    public static final HelperSpec SEQ_WRITE = new HelperSpec(BPF_SEQ_WRITE, "bpf_seq_write",
            new HelperProto(RetType.INTEGER, List.of(ArgType.PTR_TO_BTF_ID, ArgType.PTR_TO_RDONLY_MEM,
                    ArgType.CONST_SIZE_OR_ZERO), true, false),
            SeqHelpers::seqWrite);

    private SeqHelpers() {}

    public static HelperRegistry register(HelperRegistry r) {
        r.register(SEQ_PRINTF);
        r.register(SEQ_WRITE);
        return r;
    }

    private static SeqFile seqAt(ExecContext ctx, long addr, String helper) {
        Region r = ctx.memory().regionAt(addr);
        if (r == null || !(r.owner() instanceof SeqFile s) || addr != s.address()) {
            throw new BpfException(Errno.EFAULT, helper + ": 0x" + Long.toHexString(addr) + " is not a seq_file");
        }
        return s;
    }

    /**
     * {@code long bpf_seq_printf(struct seq_file *m, const char *fmt, u32 fmt_size, const void *data, u32 data_len)}:
     * -EINVAL for data_len not a multiple of 8, above 96 or non-zero with NULL data, and for a
     * bad format; -EOVERFLOW when the output did not fit (the buffer is then marked full); else 0.
     */
    static long seqPrintf(ExecContext ctx, long m, long fmt, long fmtSize, long data, long dataLen) {
        SeqFile seq = seqAt(ctx, m, "bpf_seq_printf");
        AddressSpace mem = ctx.memory();
        long len = dataLen & 0xffffffffL;
        if (len % 8 != 0 || len > BpfFormat.MAX_VARARGS * 8 || (len != 0 && data == 0)) {
            return Errno.EINVAL.negative();
        }
        long[] args = new long[(int) len / 8];
        for (int i = 0; i < args.length; i++) {
            args[i] = mem.load(data + 8L * i, 8);
        }
        int fs = (int) Math.min(fmtSize & 0xffffffffL, 1 << 20);
        byte[] f = mem.read(fmt, fs);
        BpfFormat.Output out;
        try {
            out = BpfFormat.prepare(f, args, mem).print(Math.max(1, seq.room()));
        } catch (BpfFormatException e) {
            return e.errno().negative();
        }
        return seq.printed(out.bytes(), out.length()) ? 0 : Errno.EOVERFLOW.negative();
    }

    /** {@code long bpf_seq_write(struct seq_file *m, const void *data, u32 len)}: 0, or -EOVERFLOW. */
    static long seqWrite(ExecContext ctx, long m, long data, long len, long r4, long r5) {
        SeqFile seq = seqAt(ctx, m, "bpf_seq_write");
        int n = (int) (len & 0xffffffffL);
        byte[] b = n == 0 ? new byte[0] : ctx.memory().read(data, n);
        return seq.write(b, 0, n) ? 0 : Errno.EOVERFLOW.negative();
    }
}
