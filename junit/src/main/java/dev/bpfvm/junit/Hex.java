package dev.bpfvm.junit;

import java.util.HexFormat;

/** Byte formatting of assertion messages: {@code 01 00 00 00}. */
final class Hex {
    private Hex() {}

    static String of(byte[] b) {
        if (b == null) {
            return "(none)";
        }
        return HexFormat.ofDelimiter(" ").formatHex(b);
    }

    /** Parses {@code "0102ff"}, {@code "01 02 ff"} or {@code "01:02:ff"}. */
    static byte[] parse(String hex) {
        String digits = hex.replaceAll("[\\s:]", "");
        if (digits.length() % 2 != 0 || !digits.matches("[0-9a-fA-F]*")) {
            throw new IllegalArgumentException("not hex bytes: \"" + hex + "\"");
        }
        return HexFormat.of().parseHex(digits);
    }

    /** Little-endian encoding of {@code v} in {@code size} bytes (1, 2, 4 or 8). */
    static byte[] le(long v, int size, String what) {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException(what + " is " + size + " bytes: give it as byte[]");
        }
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    /** {@code bytes} as a little-endian number in parentheses when it is 1, 2, 4 or 8 bytes, else "". */
    static String number(byte[] b) {
        if (b == null || (b.length != 1 && b.length != 2 && b.length != 4 && b.length != 8)) {
            return "";
        }
        long v = 0;
        for (int i = b.length - 1; i >= 0; i--) {
            v = v << 8 | (b[i] & 0xff);
        }
        return " (" + (b.length == 8 ? Long.toUnsignedString(v) : Long.toString(v)) + ")";
    }
}
