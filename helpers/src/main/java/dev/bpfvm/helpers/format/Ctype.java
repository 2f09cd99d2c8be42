package dev.bpfvm.helpers.format;

/**
 * Character classes as Linux's {@code <linux/ctype.h>} defines them: ASCII plus the Latin-1
 * upper half (0xa0 is a space, 0xa1-0xbf, 0xd7 and 0xf7 are punctuation, the other bytes from
 * 0xc0 up are letters, 0x80-0x9f are control characters).
 */
final class Ctype {
    private Ctype() {}

    static boolean isSpace(int c) {
        return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
    }

    static boolean isPrint(int c) {
        return (c >= 0x20 && c < 0x7f) || c >= 0xa0;
    }

    static boolean isAlnum(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                || (c >= 0xc0 && c <= 0xff && c != 0xd7 && c != 0xf7);
    }

    static boolean isPunct(int c) {
        return isPrint(c) && !isAlnum(c) && !isSpace(c);
    }
}
