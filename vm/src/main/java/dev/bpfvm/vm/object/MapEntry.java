package dev.bpfvm.vm.object;

import java.util.Arrays;
import java.util.HexFormat;

/** An initial key/value pair of a map (copies in and out: immutable). */
public final class MapEntry {
    private final byte[] key;
    private final byte[] value;

    public MapEntry(byte[] key, byte[] value) {
        this.key = key.clone();
        this.value = value.clone();
    }

    public byte[] key() {
        return key.clone();
    }

    public byte[] value() {
        return value.clone();
    }

    public int keySize() {
        return key.length;
    }

    public int valueSize() {
        return value.length;
    }

    /** Byte {@code i} of the value, without copying. */
    public byte valueByte(int i) {
        return value[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MapEntry e && Arrays.equals(key, e.key) && Arrays.equals(value, e.value);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(key) + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        HexFormat hex = HexFormat.of();
        return "MapEntry[key=" + hex.formatHex(key) + ", value=" + hex.formatHex(value) + "]";
    }
}
