package dev.bpfvm.kernel.testrun;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.btf.Btf;
import dev.bpfvm.vm.btf.BtfType;
import dev.bpfvm.vm.btf.KernelBtf;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramSpec;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.spi.TaskView;
import dev.bpfvm.vm.spi.TracingArgs;
import java.util.Arrays;

/**
 * {@code BPF_PROG_TEST_RUN}: builds the context a program type gets, runs the program
 * {@code repeat} times on one virtual CPU, and reports what Linux's {@code net/bpf/test_run.c}
 * reports: retval (u32), data_out, ctx_out, average duration (bpfvm's: over the second half of the
 * runs, the first half being the warm-up). The checks of the inputs follow
 * Linux's, with its errnos ({@link TestRunException}). See ARCHITECTURE.md (Loading pipeline and test-run) for where bpfvm
 * goes beyond Linux (kprobe, tracepoint and fentry programs run directly on {@code ctx_in}).
 */
public final class TestRun {
    private TestRun() {}

    /** {@code sizeof(struct pt_regs)} on x86-64. */
    public static final int PT_REGS_SIZE = 168;
    /** MAX_BPF_FUNC_ARGS. */
    public static final int MAX_ARGS = 12;
    /** GSO_LEGACY_MAX_SIZE. */
    static final int GSO_LEGACY_MAX_SIZE = 65536;
    /** GSO_MAX_SEGS. */
    static final int GSO_MAX_SEGS = 65535;

    public static TestRunResult run(BpfRuntime rt, Program program, ProgramSpec spec, TestRunOptions o) {
        return run(rt, program, spec.type(), spec.attachType(), spec.attachTo(), o);
    }

    public static TestRunResult run(BpfRuntime rt, Program program, ProgramType type, AttachType attach,
                                    String attachTo, TestRunOptions o) {
        String name = program.name();
        if (o.cpu() < 0 || o.cpu() >= rt.cpus()) {
            throw new TestRunException(Errno.EINVAL, name, "cpu " + o.cpu() + " out of range (" + rt.cpus() + " CPUs)");
        }
        switch (type) {
            case SOCKET_FILTER:
                return runSkb(rt, program, SkBuff.Kind.SOCKET_FILTER, o);
            case CGROUP_SKB:
                return runSkb(rt, program, SkBuff.Kind.CGROUP_SKB, o);
            case SCHED_CLS:
            case SCHED_ACT:
                return runSkb(rt, program, SkBuff.Kind.TC, o);
            case LWT_IN:
            case LWT_OUT:
            case LWT_SEG6LOCAL:
                return runSkb(rt, program, SkBuff.Kind.LWT, o);
            case LWT_XMIT:
                return runSkb(rt, program, SkBuff.Kind.LWT_XMIT, o);
            case XDP:
                return runXdp(rt, program, o);
            case TRACING:
                if (attach == AttachType.TRACE_ITER) {
                    throw new TestRunException(Errno.ENOTSUPP, name, "iterator programs run when their iterator is"
                            + " read, not by test runs");
                }
                return runTracing(rt, program, attach, attachTo, o);
            case RAW_TRACEPOINT:
            case RAW_TRACEPOINT_WRITABLE:
                return runRawTp(rt, program, o);
            case KPROBE:
                return runMemoryCtx(rt, program, o, "pt_regs", PT_REGS_SIZE, false);
            case TRACEPOINT:
                if (o.ctx() == null) {
                    throw new TestRunException(Errno.EINVAL, name, "a tracepoint program needs ctx_in (the record)");
                }
                return runMemoryCtx(rt, program, o, "tracepoint record", o.ctx().length, false);
            case SYSCALL:
                return runSyscall(rt, program, o);
            default:
                throw new TestRunException(Errno.ENOTSUPP, name, "program type " + type + " does not support test runs");
        }
    }

    // ---- the run ----------------------------------------------------------------------------

    private static TestRunResult loop(BpfRuntime rt, Program p, long r1, TestRunOptions o, byte[] dataOut,
                                      java.util.function.Supplier<byte[]> ctxOut) {
        ExecContext ec = rt.newContext(o.cpu());
        try {
            TaskView task = o.task();
            if (task != null) {
                ec.attach(TaskView.class, task);
            }
            if (o.trace() != null) {
                ec.trace(o.trace(), o.steps());
            }
            int runs = o.runs();
            long r0 = 0;
            // the first half of the runs warms up (the JVM compiles what runs); the rest is timed
            int warmup = runs / 2;
            for (int i = 0; i < warmup; i++) {
                r0 = ec.run(p, r1, 0, 0, 0, 0);
            }
            long start = System.nanoTime();
            for (int i = warmup; i < runs; i++) {
                r0 = ec.run(p, r1, 0, 0, 0, 0);
            }
            long duration = (System.nanoTime() - start) / (runs - warmup);
            return new TestRunResult(r0 & 0xffffffffL, dataOut, ctxOut == null ? null : ctxOut.get(), duration,
                    ec.executed());
        } finally {
            rt.memory().unregister(ec.stackRegion());
        }
    }

    /** bpf_ctx_init: a zeroed context of {@code size} bytes with ctx_in copied in; non-zero bytes past it are E2BIG. */
    private static byte[] ctxInit(String name, byte[] in, int size) {
        byte[] ctx = new byte[size];
        if (in == null) {
            return ctx;
        }
        for (int i = size; i < in.length; i++) {
            if (in[i] != 0) {
                throw new TestRunException(Errno.E2BIG, name, "ctx_in has non-zero bytes past the " + size
                        + "-byte context (at offset " + i + ")");
            }
        }
        System.arraycopy(in, 0, ctx, 0, Math.min(size, in.length));
        return ctx;
    }

    // ---- socket buffers ---------------------------------------------------------------------

    private static final int[][] SKB_CTX_IN_FIELDS = {
        {SkBuff.MARK, 4}, {SkBuff.PRIORITY, 4}, {SkBuff.IFINDEX, 4}, {SkBuff.CB, SkBuff.CB_SIZE},
        {SkBuff.TSTAMP, 8}, {SkBuff.WIRE_LEN, 4}, {SkBuff.GSO_SEGS, 4}, {SkBuff.GSO_SIZE, 4}, {SkBuff.HWTSTAMP, 8},
    };

    private static TestRunResult runSkb(BpfRuntime rt, Program p, SkBuff.Kind kind, TestRunOptions o) {
        String name = p.name();
        if ((o.flags() & ~TestRunOptions.BPF_F_TEST_SKB_CHECKSUM_COMPLETE) != 0) {
            throw new TestRunException(Errno.EINVAL, name, "flags 0x" + Integer.toHexString(o.flags()) + " not supported");
        }
        byte[] frame = o.data();
        int max = SkBuff.PAGE_SIZE - SkBuff.HEADROOM - SkBuff.TAILROOM;
        if (frame == null || frame.length < SkBuff.ETH_HLEN || frame.length > max) {
            throw new TestRunException(Errno.EINVAL, name, "data_in must be an Ethernet frame of " + SkBuff.ETH_HLEN
                    + ".." + max + " bytes" + (frame == null ? " (none given)" : " (" + frame.length + " given)"));
        }
        byte[] ctxIn = ctxInit(name, o.ctx(), SkBuff.SIZE);
        // convert___skb_to_skb: only these fields may be set in ctx_in
        int at = 0;
        for (int[] f : SKB_CTX_IN_FIELDS) {
            checkZero(name, ctxIn, at, f[0]);
            at = f[0] + f[1];
        }
        checkZero(name, ctxIn, at, SkBuff.SIZE);
        int ifindex = (int) AddressSpace.get(ctxIn, SkBuff.IFINDEX, 4);
        if (Integer.compareUnsigned(ifindex, SkBuff.LOOPBACK_IFINDEX) > 0) {
            throw new TestRunException(Errno.ENODEV, name, "no device with ifindex " + Integer.toUnsignedString(ifindex)
                    + " (only lo, ifindex 1)");
        }

        SkBuff skb = new SkBuff(kind, frame);
        int frameLen = frame.length;
        byte[] ctx = skb.ctx;
        skb.putInt(SkBuff.LEN, skb.len());
        skb.putInt(SkBuff.PKT_TYPE, pktType(frame));
        skb.putInt(SkBuff.PROTOCOL, protocol(frame));
        skb.putInt(SkBuff.MARK, AddressSpace.get(ctxIn, SkBuff.MARK, 4));
        skb.putInt(SkBuff.PRIORITY, AddressSpace.get(ctxIn, SkBuff.PRIORITY, 4));
        skb.putInt(SkBuff.IFINDEX, SkBuff.LOOPBACK_IFINDEX);
        System.arraycopy(ctxIn, SkBuff.CB, ctx, SkBuff.CB, SkBuff.CB_SIZE);
        skb.putLong(SkBuff.TSTAMP, AddressSpace.get(ctxIn, SkBuff.TSTAMP, 8));
        long netLen = frameLen - SkBuff.ETH_HLEN;   // skb->len after eth_type_trans
        long wire = AddressSpace.get(ctxIn, SkBuff.WIRE_LEN, 4);
        if (wire == 0) {
            wire = netLen;
        } else if (wire < netLen || wire > GSO_LEGACY_MAX_SIZE) {
            throw new TestRunException(Errno.EINVAL, name, "wire_len " + wire + " outside " + netLen + ".."
                    + GSO_LEGACY_MAX_SIZE);
        }
        skb.putInt(SkBuff.WIRE_LEN, wire);
        long segs = AddressSpace.get(ctxIn, SkBuff.GSO_SEGS, 4);
        if (segs > GSO_MAX_SEGS) {
            throw new TestRunException(Errno.EINVAL, name, "gso_segs " + segs + " > " + GSO_MAX_SEGS);
        }
        skb.putInt(SkBuff.GSO_SEGS, segs);
        skb.putInt(SkBuff.GSO_SIZE, AddressSpace.get(ctxIn, SkBuff.GSO_SIZE, 4));
        skb.putLong(SkBuff.HWTSTAMP, AddressSpace.get(ctxIn, SkBuff.HWTSTAMP, 8));
        socketFields(skb, frame);

        long r1 = skb.register(rt.memory(), name);
        try {
            return loop(rt, p, r1, o, null, null).withOutputs(skbDataOut(skb), skbCtxOut(skb, ctxIn));
        } finally {
            skb.unregister(rt.memory());
        }
    }

    private static void checkZero(String name, byte[] ctx, int from, int to) {
        for (int i = from; i < to; i++) {
            if (ctx[i] != 0) {
                throw new TestRunException(Errno.EINVAL, name, "__sk_buff field at offset " + i
                        + " cannot be set in ctx_in (only mark, priority, ifindex, cb, tstamp, wire_len, gso_segs,"
                        + " gso_size, hwtstamp)");
            }
        }
    }

    /** eth_type_trans's pkt_type against lo (address 00:00:00:00:00:00). */
    private static int pktType(byte[] f) {
        boolean zero = true;
        boolean bcast = true;
        for (int i = 0; i < 6; i++) {
            zero &= f[i] == 0;
            bcast &= f[i] == (byte) 0xff;
        }
        if (zero) {
            return 0;                       // PACKET_HOST
        }
        if ((f[0] & 1) != 0) {
            return bcast ? 1 : 2;           // PACKET_BROADCAST, PACKET_MULTICAST
        }
        return 3;                           // PACKET_OTHERHOST
    }

    /** eth_type_trans's protocol, as the __be16 value the program reads (network byte order in memory). */
    private static int protocol(byte[] f) {
        int proto = (f[12] & 0xff) << 8 | (f[13] & 0xff);
        if (proto < 0x600) {
            boolean raw = f.length >= 16 && f[14] == (byte) 0xff && f[15] == (byte) 0xff;
            proto = raw ? 0x0001 : 0x0004;  // ETH_P_802_3, ETH_P_802_2
        }
        return Short.reverseBytes((short) proto) & 0xffff;
    }

    /** The test run's socket: family and addresses from the IPv4/IPv6 header, as bpf_prog_test_run_skb sets them. */
    private static void socketFields(SkBuff skb, byte[] f) {
        int proto = (f[12] & 0xff) << 8 | (f[13] & 0xff);
        int ip = SkBuff.ETH_HLEN;
        if (proto == 0x0800) {
            skb.putInt(SkBuff.FAMILY, 2);
            if (f.length >= ip + 20) {
                skb.putInt(SkBuff.LOCAL_IP4, AddressSpace.get(f, ip + 12, 4));
                skb.putInt(SkBuff.REMOTE_IP4, AddressSpace.get(f, ip + 16, 4));
            }
        } else if (proto == 0x86dd) {
            skb.putInt(SkBuff.FAMILY, 10);
            if (f.length >= ip + 40) {
                System.arraycopy(f, ip + 8, skb.ctx, SkBuff.LOCAL_IP6, 16);
                System.arraycopy(f, ip + 24, skb.ctx, SkBuff.REMOTE_IP6, 16);
            }
        }
    }

    /** data_out: from skb->data; programs that see the network header get the Ethernet header back, zeroed. */
    private static byte[] skbDataOut(SkBuff skb) {
        int from = skb.data;
        if (skb.kind != SkBuff.Kind.TC) {
            from -= SkBuff.ETH_HLEN;
            Arrays.fill(skb.buf, from, skb.data, (byte) 0);
        }
        return Arrays.copyOfRange(skb.buf, from, skb.tail);
    }

    /** convert_skb_to___skb: ctx_in with the fields Linux copies back. */
    private static byte[] skbCtxOut(SkBuff skb, byte[] ctxIn) {
        byte[] out = ctxIn.clone();
        for (int off : new int[] {SkBuff.MARK, SkBuff.PRIORITY, SkBuff.IFINDEX, SkBuff.WIRE_LEN, SkBuff.GSO_SEGS}) {
            AddressSpace.put(out, off, 4, skb.getInt(off));
        }
        AddressSpace.put(out, SkBuff.TSTAMP, 8, skb.getLong(SkBuff.TSTAMP));
        AddressSpace.put(out, SkBuff.HWTSTAMP, 8, skb.getLong(SkBuff.HWTSTAMP));
        System.arraycopy(skb.ctx, SkBuff.CB, out, SkBuff.CB, SkBuff.CB_SIZE);
        return out;
    }

    // ---- XDP --------------------------------------------------------------------------------

    private static TestRunResult runXdp(BpfRuntime rt, Program p, TestRunOptions o) {
        String name = p.name();
        if ((o.flags() & ~TestRunOptions.BPF_F_TEST_XDP_LIVE_FRAMES) != 0) {
            throw new TestRunException(Errno.EINVAL, name, "flags 0x" + Integer.toHexString(o.flags()) + " not supported");
        }
        if ((o.flags() & TestRunOptions.BPF_F_TEST_XDP_LIVE_FRAMES) != 0) {
            throw new TestRunException(Errno.ENOTSUPP, name, "live frames (BPF_F_TEST_XDP_LIVE_FRAMES) not supported");
        }
        byte[] frame = o.data();
        if (frame == null || frame.length < SkBuff.ETH_HLEN) {
            throw new TestRunException(Errno.EINVAL, name, "data_in must be an Ethernet frame of at least "
                    + SkBuff.ETH_HLEN + " bytes" + (frame == null ? " (none given)" : " (" + frame.length + " given)"));
        }
        byte[] ctxIn = o.ctx() == null ? null : ctxInit(name, o.ctx(), XdpBuff.SIZE);
        int meta = 0;
        int ingress = SkBuff.LOOPBACK_IFINDEX;
        int rxQueue = 0;
        if (ctxIn != null) {
            long data = AddressSpace.get(ctxIn, XdpBuff.DATA, 4);
            long dataEnd = AddressSpace.get(ctxIn, XdpBuff.DATA_END, 4);
            long dataMeta = AddressSpace.get(ctxIn, XdpBuff.DATA_META, 4);
            if (dataMeta != 0 || dataEnd != frame.length || data > dataEnd || (data & 3) != 0 || data > XdpBuff.MAX_META) {
                throw new TestRunException(Errno.EINVAL, name, "xdp_md in ctx_in: data_meta must be 0, data_end the"
                        + " data size and data the metadata length (a multiple of 4, at most 32)");
            }
            if (AddressSpace.get(ctxIn, XdpBuff.EGRESS_IFINDEX, 4) != 0) {
                throw new TestRunException(Errno.EINVAL, name, "egress_ifindex cannot be set in ctx_in");
            }
            meta = (int) data;
            ingress = (int) AddressSpace.get(ctxIn, XdpBuff.INGRESS_IFINDEX, 4);
            rxQueue = (int) AddressSpace.get(ctxIn, XdpBuff.RX_QUEUE_INDEX, 4);
            if (ingress == 0 && rxQueue != 0) {
                throw new TestRunException(Errno.EINVAL, name, "rx_queue_index without ingress_ifindex");
            }
            if (ingress != 0 && ingress != SkBuff.LOOPBACK_IFINDEX) {
                throw new TestRunException(Errno.ENODEV, name, "no device with ifindex "
                        + Integer.toUnsignedString(ingress) + " (only lo, ifindex 1)");
            }
            if (rxQueue != 0) {
                throw new TestRunException(Errno.EINVAL, name, "rx_queue_index " + Integer.toUnsignedString(rxQueue)
                        + " out of range (lo has 1 queue)");
            }
            if (ingress == 0) {
                ingress = SkBuff.LOOPBACK_IFINDEX;
            }
        }
        if (frame.length - meta > XdpBuff.MAX_DATA) {
            throw new TestRunException(Errno.EINVAL, name, "data_in of " + frame.length + " bytes needs fragments"
                    + " (at most " + XdpBuff.MAX_DATA + " linear bytes); not supported");
        }
        XdpBuff xdp = new XdpBuff(frame, meta, ingress, rxQueue);
        long r1 = xdp.register(rt.memory());
        try {
            TestRunResult r = loop(rt, p, r1, o, null, null);
            byte[] dataOut = Arrays.copyOfRange(xdp.buf, xdp.dataMeta, xdp.dataEnd);
            byte[] ctxOut = null;
            if (ctxIn != null) {
                ctxOut = ctxIn.clone();
                AddressSpace.put(ctxOut, XdpBuff.DATA, 4, xdp.data - xdp.dataMeta);
                AddressSpace.put(ctxOut, XdpBuff.DATA_END, 4, xdp.dataEnd - xdp.dataMeta);
            }
            return r.withOutputs(dataOut, ctxOut);
        } finally {
            xdp.unregister(rt.memory());
        }
    }

    // ---- tracing ----------------------------------------------------------------------------

    private static void noPacket(String name, TestRunOptions o, String kind) {
        if (o.data() != null) {
            throw new TestRunException(Errno.EINVAL, name, kind + " programs take no data_in");
        }
        if (o.repeat() > 1) {
            throw new TestRunException(Errno.EINVAL, name, kind + " programs run once (repeat must be 0 or 1)");
        }
    }

    private static long[] u64s(byte[] ctx) {
        int n = ctx == null ? 0 : (ctx.length + 7) / 8;
        byte[] padded = ctx == null ? new byte[0] : Arrays.copyOf(ctx, n * 8);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = AddressSpace.get(padded, 8 * i, 8);
        }
        return out;
    }

    private static TestRunResult runRawTp(BpfRuntime rt, Program p, TestRunOptions o) {
        String name = p.name();
        noPacket(name, o, "raw tracepoint");
        if ((o.flags() & ~TestRunOptions.BPF_F_TEST_RUN_ON_CPU) != 0) {
            throw new TestRunException(Errno.EINVAL, name, "flags 0x" + Integer.toHexString(o.flags()) + " not supported");
        }
        if (o.ctx() != null && o.ctx().length > MAX_ARGS * 8) {
            throw new TestRunException(Errno.EINVAL, name, "ctx_in larger than " + MAX_ARGS + " u64 arguments");
        }
        return runArgs(rt, p, o, TracingArgs.entry(rt.memory(), "raw_tp args", 0, u64s(o.ctx())));
    }

    private static TestRunResult runTracing(BpfRuntime rt, Program p, AttachType attach, String attachTo,
                                            TestRunOptions o) {
        String name = p.name();
        noPacket(name, o, "tracing");
        if (o.flags() != 0) {
            throw new TestRunException(Errno.EINVAL, name, "flags 0x" + Integer.toHexString(o.flags()) + " not supported");
        }
        long[] in = u64s(o.ctx());
        boolean exit = attach == AttachType.TRACE_FEXIT || attach == AttachType.MODIFY_RETURN;
        boolean traced = exit || attach == AttachType.TRACE_FENTRY;   // tp_btf: no function prototype to consult
        int nargs = traced ? paramCount(attachTo) : -1;
        if (nargs < 0) {
            nargs = exit ? Math.max(0, in.length - 1) : in.length;
        }
        int limit = nargs + (exit ? 1 : 0);
        if (in.length > limit || nargs > MAX_ARGS) {
            throw new TestRunException(Errno.EINVAL, name, "ctx_in has " + in.length + " u64 values; " + attachTo
                    + " takes " + nargs + " argument(s)" + (exit ? " and the return value" : ""));
        }
        long[] args = Arrays.copyOf(in, nargs);
        TracingArgs t = exit
                ? TracingArgs.exit(rt.memory(), "tracing args", 0, in.length > nargs ? in[nargs] : 0, args)
                : TracingArgs.entry(rt.memory(), "tracing args", 0, args);
        return runArgs(rt, p, o, t);
    }

    /** Number of parameters of a kernel function in the kernel BTF, or -1 if unknown. */
    private static int paramCount(String func) {
        if (func == null || func.isEmpty()) {
            return -1;
        }
        Btf btf = KernelBtf.get();
        int id = KernelBtf.funcId(func);
        if (id <= 0) {
            return -1;
        }
        BtfType t = btf.type(id);
        if (t instanceof BtfType.Func f && btf.type(f.type()) instanceof BtfType.FuncProto fp) {
            return fp.params().size();
        }
        return -1;
    }

    private static TestRunResult runArgs(BpfRuntime rt, Program p, TestRunOptions o, TracingArgs t) {
        try {
            return loop(rt, p, t.ctx(), o, null, null);
        } finally {
            rt.memory().unregister(t.region());
        }
    }

    /** kprobe (pt_regs) and tracepoint (record) programs: ctx_in as read-only context memory of {@code size} bytes. */
    private static TestRunResult runMemoryCtx(BpfRuntime rt, Program p, TestRunOptions o, String what, int size,
                                              boolean writable) {
        String name = p.name();
        noPacket(name, o, what);
        if (o.flags() != 0) {
            throw new TestRunException(Errno.EINVAL, name, "flags 0x" + Integer.toHexString(o.flags()) + " not supported");
        }
        if (o.ctx() != null && o.ctx().length > size) {
            throw new TestRunException(Errno.EINVAL, name, "ctx_in of " + o.ctx().length + " bytes is larger than "
                    + what + " (" + size + " bytes)");
        }
        byte[] ctx = new byte[size];
        if (o.ctx() != null) {
            System.arraycopy(o.ctx(), 0, ctx, 0, o.ctx().length);
        }
        Region r = rt.memory().register(Region.of(Region.Kind.CTX, what, ctx)
                .perms(writable ? Region.RW : Region.READ).build());
        try {
            return loop(rt, p, r.address(), o, null, null);
        } finally {
            rt.memory().unregister(r);
        }
    }

    /** SYSCALL programs: ctx_in copied in, the (possibly changed) context copied back; no ctx_in means r1 = NULL. */
    private static TestRunResult runSyscall(BpfRuntime rt, Program p, TestRunOptions o) {
        String name = p.name();
        noPacket(name, o, "syscall");
        if (o.flags() != 0) {
            throw new TestRunException(Errno.EINVAL, name, "flags 0x" + Integer.toHexString(o.flags()) + " not supported");
        }
        if (o.ctx() == null || o.ctx().length == 0) {
            return loop(rt, p, 0, o, null, null);
        }
        if (o.ctx().length > 0xffff) {
            throw new TestRunException(Errno.EINVAL, name, "ctx_in larger than 65535 bytes");
        }
        byte[] ctx = o.ctx().clone();
        Region r = rt.memory().register(Region.of(Region.Kind.CTX, "syscall ctx", ctx).build());
        try {
            return loop(rt, p, r.address(), o, null, null).withOutputs(null, ctx);
        } finally {
            rt.memory().unregister(r);
        }
    }
}
