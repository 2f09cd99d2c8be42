package dev.bpfvm.cli;

import java.io.ByteArrayOutputStream;

/**
 * Bytes as hex text, the format of the bpf_conformance plugin protocol: whitespace-separated
 * tokens of two hex digits ({@code "b7  00  00  00"}); a token may also hold several bytes
 * ({@code "b7000000"}).
 */
final class HexBytes {
    private HexBytes() {}

    /** Parses hex text; {@code what} names the input in errors. */
    static byte[] parse(String text, String what) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String trimmed = text.strip();
        if (trimmed.isEmpty()) {
            return new byte[0];
        }
        String[] tokens = trimmed.split("\\s+");
        for (int t = 0; t < tokens.length; t++) {
            String tok = tokens[t];
            if (tok.length() % 2 != 0) {
                throw new CliException("bad hex in " + what + ": '" + shorten(tok) + "' (token " + (t + 1)
                        + ") has an odd number of digits");
            }
            for (int k = 0; k < tok.length(); k += 2) {
                int hi = Character.digit(tok.charAt(k), 16);
                int lo = Character.digit(tok.charAt(k + 1), 16);
                if (hi < 0 || lo < 0) {
                    throw new CliException("bad hex in " + what + ": '" + shorten(tok) + "' (token " + (t + 1)
                            + ") is not hex");
                }
                out.write(hi << 4 | lo);
            }
        }
        return out.toByteArray();
    }

    /** One line of hex bytes per 8-byte instruction slot, bytes separated by one blank. */
    static String format(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 3);
        for (int i = 0; i < bytes.length; i++) {
            sb.append(Character.forDigit((bytes[i] >> 4) & 0xf, 16)).append(Character.forDigit(bytes[i] & 0xf, 16));
            sb.append(i % 8 == 7 || i == bytes.length - 1 ? '\n' : ' ');
        }
        return sb.toString();
    }

    private static String shorten(String s) {
        return s.length() <= 20 ? s : s.substring(0, 17) + "...";
    }
}
