package com.example.firewall;

import static dev.bpfvm.junit.BpfAssertions.assertThat;
import static dev.bpfvm.junit.BpfAssertions.assertThatRun;

import dev.bpfvm.junit.BpfMapName;
import dev.bpfvm.junit.BpfObjectFile;
import dev.bpfvm.junit.BpfProgramName;
import dev.bpfvm.junit.BpfTest;
import dev.bpfvm.junit.BpfVerification;
import dev.bpfvm.kernel.load.BpfProgram;
import dev.bpfvm.kernel.load.MapView;
import dev.bpfvm.kernel.testrun.TestRunOptions;
import org.junit.jupiter.api.Test;

/** The firewall, as CI runs it: verified, then fed packets; each test gets a fresh object. */
@BpfTest
@BpfObjectFile("firewall.o")
class FirewallTest {
    static final int XDP_DROP = 1;
    static final int XDP_PASS = 2;

    /** An Ethernet + IPv4 + UDP frame to {@code port}. */
    static byte[] udpTo(int port) {
        byte[] f = new byte[14 + 20 + 8 + 4];
        f[12] = 0x08;                                  // ETH_P_IP
        f[14] = 0x45;                                  // IPv4, ihl 5
        f[17] = 32;                                    // total length
        f[22] = 64;                                    // ttl
        f[23] = 17;                                    // UDP
        f[36] = (byte) (port >> 8);                    // destination port, network order
        f[37] = (byte) port;
        f[39] = 12;                                    // UDP length
        return f;
    }

    @Test
    void theVerifierAcceptsIt(@BpfProgramName("firewall") BpfProgram firewall) {
        assertThat(BpfVerification.verify(firewall)).isAccepted();
    }

    @Test
    void dropsBlockedPortsAndCountsVerdicts(@BpfProgramName("firewall") BpfProgram firewall,
            @BpfMapName("blocked_ports") MapView blocked, @BpfMapName("stats") MapView stats) {
        blocked.updateLong(53, 1);

        assertThat(firewall.testRun(TestRunOptions.data(udpTo(53)))).hasRetval(XDP_DROP);
        assertThatRun(firewall, TestRunOptions.data(udpTo(443))).hasRetval(XDP_PASS);

        assertThat(stats).containsEntry(0, 1).containsEntry(1, 1);
    }

    @Test
    void passesWhatItDoesNotUnderstand(@BpfProgramName("firewall") BpfProgram firewall,
            @BpfMapName("stats") MapView stats) {
        byte[] arp = udpTo(53);
        arp[12] = 0x08;
        arp[13] = 0x06;                                // ETH_P_ARP
        assertThat(firewall.testRun(TestRunOptions.data(arp))).hasRetval(XDP_PASS);
        assertThat(stats).containsEntry(0, 1).containsEntry(1, 0);
    }
}
