package dev.bpfvm.vm.btf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code .BTF.ext} section: per ELF section, function info (which BTF FUNC starts at which
 * instruction), line info (source file, line, column and line text per instruction) and CO-RE
 * relocation records. Instruction offsets here are in bytes from the start of the ELF section,
 * as in the object file. Strings are resolved against the object's {@link Btf}.
 */
public final class BtfExt {
    /** A BTF FUNC starting at byte {@code insnOff} of its section. */
    public record FuncInfo(int insnOff, int typeId) {}

    /** Source position of the instruction at byte {@code insnOff}; {@code text} is the source line. */
    public record LineInfo(int insnOff, String file, String text, int line, int column) {}

    /** A CO-RE relocation of the instruction at byte {@code insnOff} (access string as clang wrote it, e.g. {@code 0:1:2}). */
    public record CoreRelo(int insnOff, int typeId, String access, CoreKind kind) {}

    private static final int MAGIC = 0xeb9f;

    private final Map<String, List<FuncInfo>> funcInfos;
    private final Map<String, List<LineInfo>> lineInfos;
    private final Map<String, List<CoreRelo>> coreRelos;

    private BtfExt(Map<String, List<FuncInfo>> f, Map<String, List<LineInfo>> l, Map<String, List<CoreRelo>> c) {
        this.funcInfos = f;
        this.lineInfos = l;
        this.coreRelos = c;
    }

    public static final BtfExt EMPTY = new BtfExt(Map.of(), Map.of(), Map.of());

    public Map<String, List<FuncInfo>> funcInfos() {
        return funcInfos;
    }

    public Map<String, List<LineInfo>> lineInfos() {
        return lineInfos;
    }

    public Map<String, List<CoreRelo>> coreRelos() {
        return coreRelos;
    }

    public List<FuncInfo> funcInfos(String section) {
        return funcInfos.getOrDefault(section, List.of());
    }

    public List<LineInfo> lineInfos(String section) {
        return lineInfos.getOrDefault(section, List.of());
    }

    public List<CoreRelo> coreRelos(String section) {
        return coreRelos.getOrDefault(section, List.of());
    }

    /**
     * Whether a {@code .BTF.ext} section, read only as far as its header, may hold CO-RE
     * relocations: a header long enough for the CO-RE fields with a non-empty CO-RE part, or a
     * header too damaged to tell.
     */
    public static boolean mayHaveCoreRelos(byte[] data) {
        if (data.length < 24) {
            return true;
        }
        ByteBuffer bb = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if ((bb.getShort(0) & 0xffff) != MAGIC) {
            return true;
        }
        long hdrLen = bb.getInt(4) & 0xffffffffL;
        if (hdrLen < 32) {
            return hdrLen < 24 || hdrLen > data.length;
        }
        return hdrLen > data.length || bb.getInt(28) != 0;
    }

    /** Parses {@code .BTF.ext}; {@code btf} supplies the strings and the type ids to check. */
    public static BtfExt parse(String file, byte[] data, Btf btf) {
        ByteBuffer bb = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if (data.length < 24) {
            throw err(file, "truncated header: " + data.length + " bytes, need 24");
        }
        int magic = bb.getShort(0) & 0xffff;
        if (magic != MAGIC) {
            throw err(file, "bad magic 0x" + Integer.toHexString(magic) + ", expected 0xeb9f");
        }
        if (data[2] != 1) {
            throw err(file, "unsupported version " + data[2]);
        }
        long hdrLen = bb.getInt(4) & 0xffffffffL;
        if (hdrLen < 24 || hdrLen > data.length) {
            throw err(file, "header length " + hdrLen + " out of range (24.." + data.length + ")");
        }
        Parser p = new Parser(file, bb, (int) hdrLen, btf);
        Map<String, List<FuncInfo>> funcs = new LinkedHashMap<>();
        Map<String, List<LineInfo>> lines = new LinkedHashMap<>();
        Map<String, List<CoreRelo>> relos = new LinkedHashMap<>();
        p.section("func_info", bb.getInt(8), bb.getInt(12), 8, (sec, at) -> {
            int typeId = bb.getInt(at + 4);
            if (typeId <= 0 || typeId >= btf.count() || !(btf.type(typeId) instanceof BtfType.Func)) {
                throw err(file, "func_info in section '" + sec + "' at offset " + (at - hdrLen)
                        + ": type id " + (typeId & 0xffffffffL) + " is not a FUNC");
            }
            funcs.computeIfAbsent(sec, k -> new ArrayList<>()).add(new FuncInfo(p.insnOff(sec, at), typeId));
        });
        p.section("line_info", bb.getInt(16), bb.getInt(20), 16, (sec, at) -> {
            String fileName = p.string(sec, at, bb.getInt(at + 4));
            String text = p.string(sec, at, bb.getInt(at + 8));
            int lineCol = bb.getInt(at + 12);
            lines.computeIfAbsent(sec, k -> new ArrayList<>())
                    .add(new LineInfo(p.insnOff(sec, at), fileName, text, lineCol >>> 10, lineCol & 0x3ff));
        });
        if (hdrLen >= 32) {
            p.section("core_relo", bb.getInt(24), bb.getInt(28), 16, (sec, at) -> {
                int typeId = bb.getInt(at + 4);
                if (typeId < 0 || typeId >= btf.count()) {
                    throw err(file, "CO-RE relocation in section '" + sec + "' at offset " + (at - hdrLen)
                            + ": type id " + (typeId & 0xffffffffL) + " out of range");
                }
                String access = p.string(sec, at, bb.getInt(at + 8));
                int kindNum = bb.getInt(at + 12);
                CoreKind kind = CoreKind.of(kindNum);
                if (kind == null) {
                    throw err(file, "CO-RE relocation in section '" + sec + "' at offset " + (at - hdrLen)
                            + ": unknown kind " + (kindNum & 0xffffffffL));
                }
                relos.computeIfAbsent(sec, k -> new ArrayList<>()).add(new CoreRelo(p.insnOff(sec, at), typeId, access, kind));
            });
        }
        return new BtfExt(freeze(funcs), freeze(lines), freeze(relos));
    }

    private static <T> Map<String, List<T>> freeze(Map<String, List<T>> m) {
        Map<String, List<T>> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return Collections.unmodifiableMap(out);
    }

    static BtfException err(String file, String what) {
        return new BtfException(file, ".BTF.ext: " + what);
    }

    private interface RecordSink {
        void accept(String section, int at);
    }

    private static final class Parser {
        final String file;
        final ByteBuffer bb;
        final int base;
        final Btf btf;

        Parser(String file, ByteBuffer bb, int base, Btf btf) {
            this.file = file;
            this.bb = bb;
            this.base = base;
            this.btf = btf;
        }

        int insnOff(String sec, int at) {
            int off = bb.getInt(at);
            if (off < 0 || off % 8 != 0) {
                throw err(file, "record in section '" + sec + "' at offset " + (at - base) + ": instruction offset "
                        + (off & 0xffffffffL) + " is not a multiple of 8");
            }
            return off;
        }

        String string(String sec, int at, int off) {
            try {
                return btf.string(off);
            } catch (BtfException e) {
                throw err(file, "record in section '" + sec + "' at offset " + (at - base) + ": string offset "
                        + (off & 0xffffffffL) + " outside the .BTF string table");
            }
        }

        void section(String what, int offRaw, int lenRaw, int minRec, RecordSink sink) {
            long off = offRaw & 0xffffffffL;
            long len = lenRaw & 0xffffffffL;
            if (len == 0) {
                return;
            }
            long start = base + off;
            long end = start + len;
            if (end > bb.capacity()) {
                throw err(file, what + " (offset " + off + ", " + len + " bytes) extends past the end ("
                        + (bb.capacity() - base) + " bytes after the header)");
            }
            if (len < 4) {
                throw err(file, what + ": too short for a record size");
            }
            long recSize = bb.getInt((int) start) & 0xffffffffL;
            if (recSize < minRec || recSize % 4 != 0 || recSize > 1024) {
                throw err(file, what + ": invalid record size " + recSize);
            }
            long at = start + 4;
            while (at < end) {
                if (at + 8 > end) {
                    throw err(file, what + " at offset " + (at - base) + ": truncated section header");
                }
                int secNameOff = bb.getInt((int) at);
                long num = bb.getInt((int) at + 4) & 0xffffffffL;
                String sec;
                try {
                    sec = btf.string(secNameOff);
                } catch (BtfException e) {
                    throw err(file, what + " at offset " + (at - base) + ": section name offset "
                            + (secNameOff & 0xffffffffL) + " outside the .BTF string table");
                }
                if (num == 0) {
                    throw err(file, what + " for section '" + sec + "': zero records");
                }
                at += 8;
                if (num * recSize > end - at) {
                    throw err(file, what + " for section '" + sec + "': " + num + " records of " + recSize
                            + " bytes do not fit (" + (end - at) + " bytes left)");
                }
                for (long i = 0; i < num; i++) {
                    sink.accept(sec, (int) at);
                    at += recSize;
                }
            }
        }
    }
}
