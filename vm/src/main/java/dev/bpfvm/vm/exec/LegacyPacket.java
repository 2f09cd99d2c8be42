package dev.bpfvm.vm.exec;

/**
 * Implemented by the owner of a socket-buffer context region, so LD_ABS/LD_IND (legacy packet
 * loads of socket filters) can read the packet.
 */
public interface LegacyPacket {
    /**
     * Reads {@code size} (1, 2, 4) bytes big-endian at {@code offset} from the packet's start,
     * or returns -1 when out of range (the program then ends with r0 = 0, as in Linux).
     */
    long loadBigEndian(long offset, int size);
}
