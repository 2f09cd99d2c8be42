package dev.bpfvm.testprogs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.kernel.load.BpfObject;
import dev.bpfvm.kernel.load.MapView;
import dev.bpfvm.kernel.testrun.TestRunException;
import dev.bpfvm.kernel.testrun.TestRunOptions;
import dev.bpfvm.kernel.testrun.TestRunResult;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/** testrun.c: one program per context kind, through BPF_PROG_TEST_RUN; every build of it must give the same results. */
@ParameterizedClass
@ValueSource(strings = {"testrun.o", "testrun.v1.o", "testrun.v2.o", "testrun.v4.o", "testrun.clang14.o", "testrun.clang15.o"})
class TestRunProgramsTest {
    @Parameter
    String object;

    private BpfObject obj;

    @BeforeEach
    void open() {
        obj = TestRunObjects.open(object);
    }

    @AfterEach
    void close() {
        obj.close();
    }

    private static byte[] hello() {
        return withIpChecksum(TestRunObjects.udp4("hello".getBytes()));
    }

    /** Fills in the IPv4 header checksum of an Ethernet frame. */
    static byte[] withIpChecksum(byte[] f) {
        f[24] = 0;
        f[25] = 0;
        int sum = ipChecksum(f);
        f[24] = (byte) (sum >> 8);
        f[25] = (byte) sum;
        return f;
    }

    static int ipChecksum(byte[] f) {
        int sum = 0;
        for (int i = 14; i < 34; i += 2) {
            sum += (f[i] & 0xff) << 8 | (f[i + 1] & 0xff);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return ~sum & 0xffff;
    }

    private static long u32(byte[] b, int off) {
        return MapView.decode(b, off, 4);
    }

    private static byte[] u64s(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return b.array();
    }

    // ---- socket filter --------------------------------------------------------------------

    @Test
    void socketFilterSeesTheIpHeaderAndSkbFields() {
        byte[] frame = hello();                                      // 47 bytes, skb->len 33
        TestRunResult r = obj.program("sock_count").testRun(TestRunOptions.data(frame).withCtx(new byte[192]));
        assertThat(r.retval()).isEqualTo(64L << 16 | 33);             // ttl, PACKET_HOST, len
        assertThat(obj.map("proto_bytes").lookupLong(17)).hasValue(33);
        byte[] expected = frame.clone();
        expected[12] = 0;                                            // the Ethernet header comes back zeroed
        expected[13] = 0;
        assertThat(r.dataOut()).isEqualTo(expected);
        assertThat(u32(r.ctxOut(), 48)).isEqualTo(17);               // cb[0]
        assertThat(u32(r.ctxOut(), 64)).isEqualTo(53);               // cb[4]: LD_ABS half of the UDP port
        assertThat(u32(r.ctxOut(), 40)).isEqualTo(1);                // ifindex: lo
        assertThat(u32(r.ctxOut(), 160)).isEqualTo(33);              // wire_len defaults to len
        assertThat(u32(r.ctxOut(), 0)).isZero();                     // len is not copied out
    }

    @Test
    void socketFilterPktTypeFromTheDestinationMac() {
        byte[] frame = hello();
        Arrays.fill(frame, 0, 6, (byte) 0xff);
        assertThat(obj.program("sock_count").testRun(TestRunOptions.data(frame)).retval())
                .isEqualTo(64L << 16 | 1 << 12 | 33);               // PACKET_BROADCAST
        frame[0] = 0x02;
        assertThat(obj.program("sock_count").testRun(TestRunOptions.data(frame)).retval())
                .isEqualTo(64L << 16 | 3 << 12 | 33);               // PACKET_OTHERHOST
    }

    @Test
    void socketFilterIgnoresNonIpAndRepeats() {
        byte[] arp = new byte[42];
        arp[12] = 0x08;
        arp[13] = 0x06;
        assertThat(obj.program("sock_count").testRun(TestRunOptions.data(arp)).retval()).isZero();
        TestRunResult r = obj.program("sock_count").testRun(TestRunOptions.data(hello()).withRepeat(3));
        assertThat(r.retval()).isEqualTo(64L << 16 | 33);
        assertThat(r.durationNs()).isNotNegative();
        assertThat(obj.map("proto_bytes").lookupLong(17)).hasValue(99);
    }

    @Test
    void skbInputChecksAsLinux() {
        var p = obj.program("sock_count");
        assertThatThrownBy(() -> p.testRun(TestRunOptions.data(new byte[13])))
                .isInstanceOf(TestRunException.class)
                .hasMessage("program sock_count: test run: data_in must be an Ethernet frame of 14..3712 bytes"
                        + " (13 given) (EINVAL)");
        byte[] ctx = new byte[192];
        ctx[0] = 1;                                                   // len cannot be set
        assertThatThrownBy(() -> p.testRun(TestRunOptions.data(hello()).withCtx(ctx)))
                .isInstanceOf(TestRunException.class)
                .satisfies(e -> assertThat(((TestRunException) e).errno()).isEqualTo(Errno.EINVAL));
        byte[] big = new byte[200];
        big[195] = 1;
        assertThatThrownBy(() -> p.testRun(TestRunOptions.data(hello()).withCtx(big)))
                .satisfies(e -> assertThat(((TestRunException) e).errno()).isEqualTo(Errno.E2BIG));
        byte[] dev = new byte[192];
        dev[40] = 2;                                                  // ifindex 2 does not exist
        assertThatThrownBy(() -> p.testRun(TestRunOptions.data(hello()).withCtx(dev)))
                .satisfies(e -> assertThat(((TestRunException) e).errno()).isEqualTo(Errno.ENODEV));
        assertThat(obj.map("proto_bytes").lookupLong(17)).hasValue(0);   // nothing ran
    }

    // ---- tc -------------------------------------------------------------------------------

    @Test
    void tcRewritesThePacketAndKeepsTheChecksumRight() {
        byte[] frame = hello();
        byte[] ctx = new byte[192];
        ctx[48] = 9;                                                  // cb[0] in
        TestRunResult r = obj.program("tc_rewrite").testRun(TestRunOptions.data(frame).withCtx(ctx));
        assertThat(r.retval()).isZero();                              // TC_ACT_OK
        byte[] expected = frame.clone();
        expected[22] = 63;                                            // ttl - 1
        expected[42] = 'X';                                           // bpf_skb_store_bytes
        withIpChecksum(expected);
        assertThat(r.dataOut()).isEqualTo(expected);
        assertThat(ipChecksum(r.dataOut())).isZero();
        assertThat(u32(r.ctxOut(), 8)).isEqualTo(0x42);               // mark
        assertThat(u32(r.ctxOut(), 32)).isEqualTo(7);                 // priority
        assertThat(u32(r.ctxOut(), 48)).isEqualTo(9);                 // cb[0] kept
        assertThat(u32(r.ctxOut(), 72)).isZero();                     // tc_classid is not copied out
    }

    @Test
    void tcDropsOtherPorts() {
        byte[] frame = TestRunObjects.udp4("hello".getBytes());
        frame[37] = 54;
        withIpChecksum(frame);
        assertThat(obj.program("tc_rewrite").testRun(TestRunOptions.data(frame)).retval()).isEqualTo(2); // SHOT
        byte[] tiny = new byte[20];
        tiny[12] = 0x08;
        assertThat(obj.program("tc_rewrite").testRun(TestRunOptions.data(tiny)).retval()).isEqualTo(-1L & 0xffffffffL);
    }

    // ---- xdp ------------------------------------------------------------------------------

    @Test
    void xdpAdjustsHeadAndTail() {
        byte[] frame = hello();
        TestRunResult r = obj.program("xdp_tag").testRun(TestRunOptions.data(frame));
        assertThat(r.retval()).isEqualTo(3);                          // XDP_TX
        byte[] expected = new byte[4 + frame.length - 2];
        expected[0] = (byte) 0xde;
        expected[1] = (byte) 0xad;
        expected[2] = (byte) 0xbe;
        expected[3] = (byte) 0xef;
        System.arraycopy(frame, 0, expected, 4, frame.length - 2);
        assertThat(r.dataOut()).isEqualTo(expected);
        assertThat(obj.map("xdp_stats").lookupPerCpuLong(3)).containsExactly(1, 0, 0, 0);
    }

    @Test
    void xdpMetadataFromCtxInMovesWithTheHead() {
        byte[] frame = hello();
        byte[] in = new byte[4 + frame.length];
        in[0] = 1;
        in[1] = 2;
        in[2] = 3;
        in[3] = 4;
        System.arraycopy(frame, 0, in, 4, frame.length);
        byte[] ctx = new byte[24];
        ctx[0] = 4;                                                   // data: 4 bytes of metadata
        ctx[4] = (byte) in.length;                                    // data_end
        TestRunResult r = obj.program("xdp_tag").testRun(TestRunOptions.data(in).withCtx(ctx).withCpu(2));
        assertThat(r.retval()).isEqualTo(3);
        assertThat(Arrays.copyOf(r.dataOut(), 8)).containsExactly(1, 2, 3, 4, 0xde, 0xad, 0xbe, 0xef);
        assertThat(r.dataOut()).hasSize(in.length + 4 - 2);
        assertThat(u32(r.ctxOut(), 0)).isEqualTo(4);                  // data - data_meta
        assertThat(u32(r.ctxOut(), 4)).isEqualTo(in.length + 2);      // data_end - data_meta
        assertThat(u32(r.ctxOut(), 12)).isEqualTo(0);                 // ingress_ifindex as given
        assertThat(obj.map("xdp_stats").lookupPerCpuLong(3)).containsExactly(0, 0, 1, 0);
    }

    @Test
    void xdpAdjustHeadPastTheEndFails() {
        assertThat(obj.program("xdp_too_far").testRun(TestRunOptions.data(hello())).retval()).isEqualTo(2);
    }

    @Test
    void xdpCtxInRules() {
        byte[] ctx = new byte[24];
        ctx[4] = 10;                                                  // data_end != data size
        assertThatThrownBy(() -> obj.program("xdp_tag").testRun(TestRunOptions.data(hello()).withCtx(ctx)))
                .satisfies(e -> assertThat(((TestRunException) e).errno()).isEqualTo(Errno.EINVAL));
    }

    // ---- cgroup_skb -----------------------------------------------------------------------

    @Test
    void cgroupSkbCountsPerPeer() {
        var p = obj.program("cg_ingress");
        assertThat(p.testRun(TestRunOptions.data(hello())).retval()).isEqualTo(1);
        assertThat(p.testRun(TestRunOptions.data(hello())).retval()).isEqualTo(1);
        assertThat(obj.map("peer_bytes").entriesLong()).containsExactly(java.util.Map.entry(0x0200000aL, 66L));
    }

    // ---- tracing --------------------------------------------------------------------------

    @Test
    void fentryReadsItsArguments() {
        TestRunResult r = obj.program("fentry_args").testRun(TestRunOptions.ctx(u64s(0x1111, 0x2222, 1)));
        assertThat(r.retval()).isZero();
        assertThat(obj.map("seen").lookupLong(0)).hasValue(0x1111);
        assertThat(obj.map("seen").lookupLong(1)).hasValue(0x2222);
        assertThat(obj.map("seen").lookupLong(2)).hasValue(1);
        assertThatThrownBy(() -> obj.program("fentry_args").testRun(TestRunOptions.ctx(u64s(1, 2, 3, 4))))
                .isInstanceOf(TestRunException.class)
                .hasMessage("program fentry_args: test run: ctx_in has 4 u64 values; cgroup_attach_task takes 3"
                        + " argument(s) (EINVAL)");
    }

    @Test
    void fexitSeesTheReturnValueAfterTheArguments() {
        assertThat(obj.program("fexit_ret").testRun(TestRunOptions.ctx(u64s(1, 2, 0, 5))).retval()).isZero();
        assertThat(obj.map("seen").lookupLong(7)).hasValue(105);
    }

    @Test
    void rawTracepointArgs() {
        TestRunResult r = obj.program("raw_args").testRun(TestRunOptions.ctx(u64s(10, 50)));
        assertThat(r.retval()).isEqualTo(40);
        assertThat(obj.map("seen").lookupLong(3)).hasValue(60);
        assertThatThrownBy(() -> obj.program("raw_args").testRun(TestRunOptions.ctx(u64s(1)).withData(hello())))
                .satisfies(e -> assertThat(((TestRunException) e).errno()).isEqualTo(Errno.EINVAL));
    }

    @Test
    void kprobeReadsPtRegs() {
        byte[] regs = new byte[168];
        ByteBuffer b = ByteBuffer.wrap(regs).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(112, 0xabc);                                        // rdi
        b.putLong(104, 5);                                            // rsi
        b.putLong(96, 6);                                             // rdx
        assertThat(obj.program("kprobe_regs").testRun(TestRunOptions.ctx(regs)).retval()).isEqualTo(11);
        assertThat(obj.map("seen").lookupLong(4)).hasValue(0xabc);
    }

    @Test
    void tracepointReadsTheRecord() {
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0).putInt(1).putInt(3).putLong(77);
        assertThat(obj.program("tp_record").testRun(TestRunOptions.ctx(b.array())).retval()).isEqualTo(3);
        assertThat(obj.map("seen").lookupLong(5)).hasValue(77);
    }

    @Test
    void syscallCopiesTheContextBack() {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(5).putInt(0).putLong(10);
        TestRunResult r = obj.program("syscall_ctx").testRun(TestRunOptions.ctx(b.array()));
        assertThat(r.retval()).isEqualTo(6);
        ByteBuffer out = ByteBuffer.wrap(r.ctxOut()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(out.getInt(0)).isEqualTo(5);
        assertThat(out.getInt(4)).isEqualTo(15);
        assertThat(out.getLong(8)).isEqualTo(15);
        assertThat(obj.map("seen").lookupLong(6)).hasValue(5);
    }

    @Test
    void syscallWithoutContextFaultsOnTheNullPointer() {
        assertThatThrownBy(() -> obj.program("syscall_ctx").testRun(TestRunOptions.defaults()))
                .isInstanceOf(BpfException.class)
                .satisfies(e -> assertThat(((BpfException) e).errno()).isEqualTo(Errno.EFAULT));
    }
}
