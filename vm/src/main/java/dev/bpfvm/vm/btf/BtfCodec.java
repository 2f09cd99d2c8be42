package dev.bpfvm.vm.btf;

import dev.bpfvm.vm.btf.BtfType.Array;
import dev.bpfvm.vm.btf.BtfType.Const;
import dev.bpfvm.vm.btf.BtfType.DataSec;
import dev.bpfvm.vm.btf.BtfType.DeclTag;
import dev.bpfvm.vm.btf.BtfType.Enum;
import dev.bpfvm.vm.btf.BtfType.Enum64;
import dev.bpfvm.vm.btf.BtfType.EnumValue;
import dev.bpfvm.vm.btf.BtfType.Float;
import dev.bpfvm.vm.btf.BtfType.Func;
import dev.bpfvm.vm.btf.BtfType.FuncProto;
import dev.bpfvm.vm.btf.BtfType.Fwd;
import dev.bpfvm.vm.btf.BtfType.Int;
import dev.bpfvm.vm.btf.BtfType.Linkage;
import dev.bpfvm.vm.btf.BtfType.Member;
import dev.bpfvm.vm.btf.BtfType.Param;
import dev.bpfvm.vm.btf.BtfType.Ptr;
import dev.bpfvm.vm.btf.BtfType.Restrict;
import dev.bpfvm.vm.btf.BtfType.Struct;
import dev.bpfvm.vm.btf.BtfType.TypeTag;
import dev.bpfvm.vm.btf.BtfType.Typedef;
import dev.bpfvm.vm.btf.BtfType.Union;
import dev.bpfvm.vm.btf.BtfType.Var;
import dev.bpfvm.vm.btf.BtfType.VarSecInfo;
import dev.bpfvm.vm.btf.BtfType.Volatile;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The BTF wire format (little-endian), both ways. */
final class BtfCodec {
    private BtfCodec() {}

    static final int MAGIC = 0xeb9f;
    static final int HEADER_LEN = 24;
    private static final int MAX_VLEN = 0xffff;

    static Btf parse(String file, byte[] data) {
        ByteBuffer bb = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if (data.length < HEADER_LEN) {
            throw new BtfException(file, ".BTF: truncated header: " + data.length + " bytes, need 24");
        }
        int magic = bb.getShort(0) & 0xffff;
        if (magic == 0x9feb) {
            throw new BtfException(file, ".BTF: big-endian BTF is not supported");
        }
        if (magic != MAGIC) {
            throw new BtfException(file, ".BTF: bad magic 0x" + Integer.toHexString(magic) + ", expected 0xeb9f");
        }
        int version = data[2] & 0xff;
        if (version != 1) {
            throw new BtfException(file, ".BTF: unsupported version " + version);
        }
        long hdrLen = bb.getInt(4) & 0xffffffffL;
        if (hdrLen < HEADER_LEN || hdrLen > data.length) {
            throw new BtfException(file, ".BTF: header length " + hdrLen + " out of range (24.." + data.length + ")");
        }
        for (long i = HEADER_LEN; i < hdrLen; i++) {
            if (data[(int) i] != 0) {
                throw new BtfException(file, ".BTF: unknown non-zero header field at offset " + i);
            }
        }
        long typeOff = bb.getInt(8) & 0xffffffffL;
        long typeLen = bb.getInt(12) & 0xffffffffL;
        long strOff = bb.getInt(16) & 0xffffffffL;
        long strLen = bb.getInt(20) & 0xffffffffL;
        long body = data.length - hdrLen;
        if (typeOff + typeLen > body) {
            throw new BtfException(file, ".BTF: type section (offset " + typeOff + ", " + typeLen
                    + " bytes) extends past the end (" + body + " bytes after the header)");
        }
        if (strOff + strLen > body) {
            throw new BtfException(file, ".BTF: string section (offset " + strOff + ", " + strLen
                    + " bytes) extends past the end (" + body + " bytes after the header)");
        }
        if (typeOff % 4 != 0) {
            throw new BtfException(file, ".BTF: type section offset " + typeOff + " is not 4-byte aligned");
        }
        if (typeOff < strOff ? typeOff + typeLen > strOff : strOff + strLen > typeOff) {
            throw new BtfException(file, ".BTF: type and string sections overlap");
        }
        if (strLen == 0 || data[(int) (hdrLen + strOff)] != 0 || data[(int) (hdrLen + strOff + strLen - 1)] != 0) {
            throw new BtfException(file, ".BTF: string section must start and end with a NUL byte");
        }
        byte[] strings = Arrays.copyOfRange(data, (int) (hdrLen + strOff), (int) (hdrLen + strOff + strLen));
        Reader r = new Reader(file, bb, (int) (hdrLen + typeOff), (int) typeLen, strings);
        List<BtfType> types = new ArrayList<>();
        types.add(BtfType.Void.INSTANCE);
        while (r.remaining() > 0) {
            types.add(r.next(types.size()));
        }
        return new Btf(file, types, strings);
    }

    private static final class Reader {
        final String file;
        final ByteBuffer bb;
        final int start;
        final int end;
        int pos;
        final byte[] strings;

        Reader(String file, ByteBuffer bb, int start, int len, byte[] strings) {
            this.file = file;
            this.bb = bb;
            this.start = start;
            this.end = start + len;
            this.pos = start;
            this.strings = strings;
        }

        int remaining() {
            return end - pos;
        }

        private BtfException error(int id, String what) {
            return new BtfException(file, ".BTF: type [" + id + "] at offset " + (pos - start) + ": " + what);
        }

        private void need(int id, long bytes) {
            if (bytes > end - pos) {
                throw error(id, "truncated: needs " + bytes + " bytes, " + (end - pos) + " left in the type section");
            }
        }

        private String str(int id, long off) {
            if (off < 0 || off >= strings.length) {
                throw error(id, "name offset " + off + " outside the string section (" + strings.length + " bytes)");
            }
            int e = (int) off;
            while (strings[e] != 0) {
                e++;
            }
            return new String(strings, (int) off, e - (int) off, StandardCharsets.UTF_8);
        }

        private int u32(int at) {
            return bb.getInt(at);
        }

        BtfType next(int id) {
            need(id, 12);
            long nameOff = u32(pos) & 0xffffffffL;
            int info = u32(pos + 4);
            int sizeOrType = u32(pos + 8);
            int vlen = info & 0xffff;
            int kindNum = (info >>> 24) & 0x1f;
            boolean kindFlag = (info >>> 31) != 0;
            BtfKind kind = BtfKind.of(kindNum);
            if (kind == null || kind == BtfKind.UNKN) {
                throw error(id, "unknown kind " + kindNum);
            }
            String name = str(id, nameOff);
            int body = pos + 12;
            BtfType t;
            switch (kind) {
                case INT: {
                    need(id, 16);
                    int enc = u32(body);
                    int bits = enc & 0xff;
                    int bitOff = (enc >>> 16) & 0xff;
                    int encoding = (enc >>> 24) & 0xf;
                    if (sizeOrType != 1 && sizeOrType != 2 && sizeOrType != 4 && sizeOrType != 8 && sizeOrType != 16) {
                        throw error(id, "INT '" + name + "' has invalid size " + sizeOrType);
                    }
                    if (bits == 0 || bits + bitOff > sizeOrType * 8 || bits > 128) {
                        throw error(id, "INT '" + name + "' has invalid bits " + bits + " at bit offset " + bitOff);
                    }
                    t = new Int(name, sizeOrType, encoding, bitOff, bits);
                    pos += 16;
                    return t;
                }
                case PTR:
                    t = new Ptr(sizeOrType);
                    break;
                case ARRAY: {
                    need(id, 24);
                    t = new Array(u32(body), u32(body + 4), u32(body + 8));
                    pos += 24;
                    return t;
                }
                case STRUCT:
                case UNION: {
                    need(id, 12L + 12L * vlen);
                    List<Member> members = new ArrayList<>(vlen);
                    for (int i = 0; i < vlen; i++) {
                        int at = body + 12 * i;
                        String mn = str(id, u32(at) & 0xffffffffL);
                        int off = u32(at + 8);
                        int bitSize = kindFlag ? off >>> 24 : 0;
                        int bitOff = kindFlag ? off & 0xffffff : off;
                        members.add(new Member(mn, u32(at + 4), bitOff, bitSize));
                    }
                    if (sizeOrType < 0) {
                        throw error(id, kind + " '" + name + "' has invalid size " + (sizeOrType & 0xffffffffL));
                    }
                    t = kind == BtfKind.STRUCT ? new Struct(name, sizeOrType, members) : new Union(name, sizeOrType, members);
                    pos += 12 + 12 * vlen;
                    return t;
                }
                case ENUM: {
                    need(id, 12L + 8L * vlen);
                    List<EnumValue> values = new ArrayList<>(vlen);
                    for (int i = 0; i < vlen; i++) {
                        int at = body + 8 * i;
                        int v = u32(at + 4);
                        values.add(new EnumValue(str(id, u32(at) & 0xffffffffL), kindFlag ? v : v & 0xffffffffL));
                    }
                    checkEnumSize(id, name, sizeOrType);
                    pos += 12 + 8 * vlen;
                    return new Enum(name, sizeOrType, kindFlag, values);
                }
                case ENUM64: {
                    need(id, 12L + 12L * vlen);
                    List<EnumValue> values = new ArrayList<>(vlen);
                    for (int i = 0; i < vlen; i++) {
                        int at = body + 12 * i;
                        long v = (u32(at + 4) & 0xffffffffL) | ((long) u32(at + 8) << 32);
                        values.add(new EnumValue(str(id, u32(at) & 0xffffffffL), v));
                    }
                    checkEnumSize(id, name, sizeOrType);
                    pos += 12 + 12 * vlen;
                    return new Enum64(name, sizeOrType, kindFlag, values);
                }
                case FWD:
                    t = new Fwd(name, kindFlag);
                    break;
                case TYPEDEF:
                    t = new Typedef(name, sizeOrType);
                    break;
                case VOLATILE:
                    t = new Volatile(sizeOrType);
                    break;
                case CONST:
                    t = new Const(sizeOrType);
                    break;
                case RESTRICT:
                    t = new Restrict(sizeOrType);
                    break;
                case TYPE_TAG:
                    t = new TypeTag(name, sizeOrType);
                    break;
                case FUNC: {
                    Linkage l = Linkage.of(vlen);
                    if (l == null) {
                        throw error(id, "FUNC '" + name + "' has invalid linkage " + vlen);
                    }
                    t = new Func(name, sizeOrType, l);
                    break;
                }
                case FUNC_PROTO: {
                    need(id, 12L + 8L * vlen);
                    List<Param> params = new ArrayList<>(vlen);
                    for (int i = 0; i < vlen; i++) {
                        int at = body + 8 * i;
                        params.add(new Param(str(id, u32(at) & 0xffffffffL), u32(at + 4)));
                    }
                    pos += 12 + 8 * vlen;
                    return new FuncProto(sizeOrType, params);
                }
                case VAR: {
                    need(id, 16);
                    int link = u32(body);
                    Linkage l = Linkage.of(link);
                    if (l == null) {
                        throw error(id, "VAR '" + name + "' has invalid linkage " + (link & 0xffffffffL));
                    }
                    pos += 16;
                    return new Var(name, sizeOrType, l);
                }
                case DATASEC: {
                    need(id, 12L + 12L * vlen);
                    List<VarSecInfo> vars = new ArrayList<>(vlen);
                    for (int i = 0; i < vlen; i++) {
                        int at = body + 12 * i;
                        vars.add(new VarSecInfo(u32(at), u32(at + 4), u32(at + 8)));
                    }
                    pos += 12 + 12 * vlen;
                    return new DataSec(name, sizeOrType, vars);
                }
                case FLOAT:
                    if (sizeOrType != 2 && sizeOrType != 4 && sizeOrType != 8 && sizeOrType != 12 && sizeOrType != 16) {
                        throw error(id, "FLOAT '" + name + "' has invalid size " + sizeOrType);
                    }
                    t = new Float(name, sizeOrType);
                    break;
                case DECL_TAG: {
                    need(id, 16);
                    int comp = u32(body);
                    pos += 16;
                    return new DeclTag(name, sizeOrType, comp);
                }
                default:
                    throw error(id, "unknown kind " + kindNum);
            }
            pos += 12;
            return t;
        }

        private void checkEnumSize(int id, String name, int size) {
            if (size != 1 && size != 2 && size != 4 && size != 8) {
                throw error(id, "ENUM '" + name + "' has invalid size " + size);
            }
        }
    }

    // ---- encoding ----

    static byte[] encode(Btf btf) {
        Strings strs = new Strings(btf.stringTable());
        ByteArrayOutputStream types = new ByteArrayOutputStream();
        List<BtfType> all = btf.types();
        for (int id = 1; id < all.size(); id++) {
            writeType(types, strs, all.get(id));
        }
        byte[] typeBytes = types.toByteArray();
        byte[] strBytes = strs.bytes();
        ByteBuffer out = ByteBuffer.allocate(HEADER_LEN + typeBytes.length + strBytes.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putShort((short) MAGIC).put((byte) 1).put((byte) 0).putInt(HEADER_LEN);
        out.putInt(0).putInt(typeBytes.length).putInt(typeBytes.length).putInt(strBytes.length);
        out.put(typeBytes).put(strBytes);
        return out.array();
    }

    private static void writeType(ByteArrayOutputStream out, Strings s, BtfType t) {
        ByteBuffer bb;
        if (t instanceof Int i) {
            bb = header(16, s.of(i.name()), BtfKind.INT, 0, false, i.size());
            bb.putInt(i.encoding() << 24 | i.bitOffset() << 16 | i.bits());
        } else if (t instanceof Ptr p) {
            bb = header(12, 0, BtfKind.PTR, 0, false, p.type());
        } else if (t instanceof Array a) {
            bb = header(24, 0, BtfKind.ARRAY, 0, false, 0);
            bb.putInt(a.elemType()).putInt(a.indexType()).putInt(a.count());
        } else if (t instanceof BtfType.Composite c) {
            boolean kf = c.members().stream().anyMatch(m -> m.bitSize() != 0);
            bb = header(12 + 12 * c.members().size(), s.of(c.name()), c.kind(), c.members().size(), kf, c.size());
            for (Member m : c.members()) {
                bb.putInt(s.of(m.name())).putInt(m.type()).putInt(kf ? m.bitSize() << 24 | m.bitOffset() : m.bitOffset());
            }
        } else if (t instanceof Enum e) {
            bb = header(12 + 8 * e.values().size(), s.of(e.name()), BtfKind.ENUM, e.values().size(), e.signed(), e.size());
            for (EnumValue v : e.values()) {
                bb.putInt(s.of(v.name())).putInt((int) v.value());
            }
        } else if (t instanceof Enum64 e) {
            bb = header(12 + 12 * e.values().size(), s.of(e.name()), BtfKind.ENUM64, e.values().size(), e.signed(), e.size());
            for (EnumValue v : e.values()) {
                bb.putInt(s.of(v.name())).putInt((int) v.value()).putInt((int) (v.value() >>> 32));
            }
        } else if (t instanceof Fwd f) {
            bb = header(12, s.of(f.name()), BtfKind.FWD, 0, f.union(), 0);
        } else if (t instanceof Typedef td) {
            bb = header(12, s.of(td.name()), BtfKind.TYPEDEF, 0, false, td.type());
        } else if (t instanceof Volatile v) {
            bb = header(12, 0, BtfKind.VOLATILE, 0, false, v.type());
        } else if (t instanceof Const c) {
            bb = header(12, 0, BtfKind.CONST, 0, false, c.type());
        } else if (t instanceof Restrict r) {
            bb = header(12, 0, BtfKind.RESTRICT, 0, false, r.type());
        } else if (t instanceof TypeTag tt) {
            bb = header(12, s.of(tt.name()), BtfKind.TYPE_TAG, 0, false, tt.type());
        } else if (t instanceof Func f) {
            bb = header(12, s.of(f.name()), BtfKind.FUNC, f.linkage().ordinal(), false, f.type());
        } else if (t instanceof FuncProto fp) {
            bb = header(12 + 8 * fp.params().size(), 0, BtfKind.FUNC_PROTO, fp.params().size(), false, fp.returnType());
            for (Param p : fp.params()) {
                bb.putInt(s.of(p.name())).putInt(p.type());
            }
        } else if (t instanceof Var v) {
            bb = header(16, s.of(v.name()), BtfKind.VAR, 0, false, v.type());
            bb.putInt(v.linkage().ordinal());
        } else if (t instanceof DataSec d) {
            bb = header(12 + 12 * d.vars().size(), s.of(d.name()), BtfKind.DATASEC, d.vars().size(), false, d.size());
            for (VarSecInfo v : d.vars()) {
                bb.putInt(v.type()).putInt(v.offset()).putInt(v.size());
            }
        } else if (t instanceof BtfType.Float f) {
            bb = header(12, s.of(f.name()), BtfKind.FLOAT, 0, false, f.size());
        } else if (t instanceof DeclTag dt) {
            bb = header(16, s.of(dt.name()), BtfKind.DECL_TAG, 0, false, dt.type());
            bb.putInt(dt.componentIdx());
        } else {
            throw new IllegalArgumentException("void is not encoded");
        }
        out.write(bb.array(), 0, bb.capacity());
    }

    private static ByteBuffer header(int len, int nameOff, BtfKind kind, int vlen, boolean kindFlag, int sizeOrType) {
        if (vlen > MAX_VLEN) {
            throw new IllegalArgumentException("too many members: " + vlen);
        }
        ByteBuffer bb = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        bb.putInt(nameOff).putInt((kindFlag ? 1 << 31 : 0) | kind.value() << 24 | vlen).putInt(sizeOrType);
        return bb;
    }

    /** A string table that keeps an existing table's offsets and appends new strings. */
    static final class Strings {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final Map<String, Integer> offsets = new HashMap<>();

        Strings(byte[] existing) {
            if (existing == null || existing.length == 0) {
                out.write(0);
                offsets.put("", 0);
                return;
            }
            out.write(existing, 0, existing.length);
            int start = 0;
            for (int i = 0; i < existing.length; i++) {
                if (existing[i] == 0) {
                    offsets.putIfAbsent(new String(existing, start, i - start, StandardCharsets.UTF_8), start);
                    start = i + 1;
                }
            }
        }

        int of(String s) {
            Integer off = offsets.get(s);
            if (off != null) {
                return off;
            }
            int at = out.size();
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write(b, 0, b.length);
            out.write(0);
            offsets.put(s, at);
            return at;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
