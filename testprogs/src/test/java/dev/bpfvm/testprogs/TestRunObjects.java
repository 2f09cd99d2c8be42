package dev.bpfvm.testprogs;

import dev.bpfvm.kernel.load.BpfObject;
import dev.bpfvm.kernel.load.LoadOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Opens the committed objects of {@code src/main/resources/bpf}. */
final class TestRunObjects {
    private TestRunObjects() {}

    static byte[] bytes(String file) {
        try (InputStream in = TestRunObjects.class.getResourceAsStream("/bpf/" + file)) {
            if (in == null) {
                throw new IllegalArgumentException("no object " + file);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static BpfObject open(String file) {
        return BpfObject.open(file, bytes(file), LoadOptions.defaults().withClock(() -> 1_000_000L));
    }

    /** An IPv4/UDP frame: 14-byte Ethernet header, 20-byte IP header, 8-byte UDP header, {@code payload}. */
    static byte[] udp4(byte... payload) {
        byte[] f = new byte[14 + 20 + 8 + payload.length];
        f[12] = 0x08;                                  // ETH_P_IP
        f[14] = 0x45;                                  // version 4, ihl 5
        int total = 20 + 8 + payload.length;
        f[16] = (byte) (total >> 8);
        f[17] = (byte) total;
        f[22] = 64;                                    // ttl
        f[23] = 17;                                    // UDP
        f[26] = 10; f[27] = 0; f[28] = 0; f[29] = 1;   // 10.0.0.1
        f[30] = 10; f[31] = 0; f[32] = 0; f[33] = 2;   // 10.0.0.2
        f[34] = 0x30; f[35] = 0x39;                    // sport 12345
        f[36] = 0x00; f[37] = 0x35;                    // dport 53
        int ulen = 8 + payload.length;
        f[38] = (byte) (ulen >> 8);
        f[39] = (byte) ulen;
        System.arraycopy(payload, 0, f, 42, payload.length);
        return f;
    }
}
