package dev.bpfvm.vm.btf;

import dev.bpfvm.vm.btf.BtfType.Array;
import dev.bpfvm.vm.btf.BtfType.Composite;
import dev.bpfvm.vm.btf.BtfType.Const;
import dev.bpfvm.vm.btf.BtfType.DataSec;
import dev.bpfvm.vm.btf.BtfType.DeclTag;
import dev.bpfvm.vm.btf.BtfType.Enum;
import dev.bpfvm.vm.btf.BtfType.Enum64;
import dev.bpfvm.vm.btf.BtfType.Enumeration;
import dev.bpfvm.vm.btf.BtfType.Float;
import dev.bpfvm.vm.btf.BtfType.Func;
import dev.bpfvm.vm.btf.BtfType.FuncProto;
import dev.bpfvm.vm.btf.BtfType.Fwd;
import dev.bpfvm.vm.btf.BtfType.Int;
import dev.bpfvm.vm.btf.BtfType.Ptr;
import dev.bpfvm.vm.btf.BtfType.Restrict;
import dev.bpfvm.vm.btf.BtfType.Struct;
import dev.bpfvm.vm.btf.BtfType.TypeTag;
import dev.bpfvm.vm.btf.BtfType.Typedef;
import dev.bpfvm.vm.btf.BtfType.Union;
import dev.bpfvm.vm.btf.BtfType.Var;
import dev.bpfvm.vm.btf.BtfType.Volatile;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed (or built) BTF blob: the types by id and the string table. Immutable. Every type id
 * a type refers to is in range and no chain of typedefs, modifiers and array elements loops,
 * so the queries here always terminate.
 */
public final class Btf {
    /** Like libbpf: chains of typedefs and modifiers longer than this are refused. */
    static final int MAX_RESOLVE_DEPTH = 32;

    private final String file;
    private final List<BtfType> types;
    private final byte[] strings;
    private volatile Map<String, List<Integer>> byName;

    Btf(String file, List<BtfType> types, byte[] strings) {
        this.file = file;
        this.types = Collections.unmodifiableList(new ArrayList<>(types));
        this.strings = strings;
        BtfValidator.validate(this);
    }

    /** Parses a {@code .BTF} section; {@code file} names the object in error messages. */
    public static Btf parse(String file, byte[] data) {
        return BtfCodec.parse(file, data);
    }

    /**
     * A copy with some types replaced (same ids), validated again. The loader uses it to fill in
     * what clang leaves to the loader, such as DATASEC sizes and variable offsets.
     */
    public Btf withTypes(Map<Integer, BtfType> replacements) {
        if (replacements.isEmpty()) {
            return this;
        }
        List<BtfType> copy = new ArrayList<>(types);
        replacements.forEach((id, t) -> {
            if (id <= 0 || id >= copy.size()) {
                throw new IllegalArgumentException("type id " + id + " out of range");
            }
            copy.set(id, t);
        });
        return new Btf(file, copy, strings);
    }

    /** The raw BTF encoding of these types (header, type section, string section). */
    public byte[] encode() {
        return BtfCodec.encode(this);
    }

    String file() {
        return file;
    }

    byte[] stringTable() {
        return strings;
    }

    /** All types; index = type id, element 0 is {@code void}. */
    public List<BtfType> types() {
        return types;
    }

    /** Number of type ids, including void. */
    public int count() {
        return types.size();
    }

    public BtfType type(int id) {
        if (id < 0 || id >= types.size()) {
            throw new BtfException(file, ".BTF: type id " + id + " out of range (0.." + (types.size() - 1) + ")");
        }
        return types.get(id);
    }

    /** The string at {@code offset} of the string table (for .BTF.ext records). */
    public String string(int offset) {
        if (offset < 0 || offset >= strings.length) {
            throw new BtfException(file, ".BTF: string offset " + offset + " outside the string table ("
                    + strings.length + " bytes)");
        }
        int end = offset;
        while (end < strings.length && strings[end] != 0) {
            end++;
        }
        if (end == strings.length) {
            throw new BtfException(file, ".BTF: string at offset " + offset + " is not NUL-terminated");
        }
        return new String(strings, offset, end - offset, StandardCharsets.UTF_8);
    }

    /** The offset of {@code s} where it starts a string of the table, or -1. */
    int stringOffset(String s) {
        byte[] want = s.getBytes(StandardCharsets.UTF_8);
        for (int start = 0; start + want.length < strings.length; start++) {
            if (start > 0 && strings[start - 1] != 0) {
                continue;
            }
            boolean eq = strings[start + want.length] == 0;
            for (int i = 0; eq && i < want.length; i++) {
                eq = strings[start + i] == want[i];
            }
            if (eq) {
                return start;
            }
        }
        return -1;
    }

    /** Ids of all types with this name, ascending. */
    public List<Integer> byName(String name) {
        Map<String, List<Integer>> m = byName;
        if (m == null) {
            m = new HashMap<>();
            for (int id = 1; id < types.size(); id++) {
                String n = types.get(id).name();
                if (!n.isEmpty()) {
                    m.computeIfAbsent(n, k -> new ArrayList<>()).add(id);
                }
            }
            byName = m;
        }
        return m.getOrDefault(name, List.of());
    }

    /** The first type of this kind and name, or -1. */
    public int find(BtfKind kind, String name) {
        for (int id : byName(name)) {
            if (types.get(id).kind() == kind) {
                return id;
            }
        }
        return -1;
    }

    /** Skips const, volatile, restrict and type tags. */
    public int skipModifiers(int id) {
        for (int depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
            BtfType t = type(id);
            if (t instanceof Const c) {
                id = c.type();
            } else if (t instanceof Volatile v) {
                id = v.type();
            } else if (t instanceof Restrict r) {
                id = r.type();
            } else if (t instanceof TypeTag tt) {
                id = tt.type();
            } else {
                return id;
            }
        }
        throw new BtfException(file, ".BTF: type [" + id + "]: modifier chain too long");
    }

    /** Skips typedefs and modifiers: the id of the underlying type. */
    public int resolve(int id) {
        for (int depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
            BtfType t = type(id);
            if (t instanceof Typedef td) {
                id = td.type();
            } else if (t instanceof Const c) {
                id = c.type();
            } else if (t instanceof Volatile v) {
                id = v.type();
            } else if (t instanceof Restrict r) {
                id = r.type();
            } else if (t instanceof TypeTag tt) {
                id = tt.type();
            } else {
                return id;
            }
        }
        throw new BtfException(file, ".BTF: type [" + id + "]: typedef/modifier chain too long");
    }

    /** The underlying type (typedefs and modifiers skipped). */
    public BtfType resolved(int id) {
        return type(resolve(id));
    }

    /** Size in bytes of a value of this type. */
    public long size(int id) {
        long mult = 1;
        for (int depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
            BtfType t = type(resolve(id));
            if (t instanceof Int i) {
                return mult * i.size();
            } else if (t instanceof Ptr) {
                return mult * 8;
            } else if (t instanceof Composite c) {
                return mult * c.size();
            } else if (t instanceof Enumeration e) {
                return mult * e.size();
            } else if (t instanceof Float f) {
                return mult * f.size();
            } else if (t instanceof DataSec d) {
                return mult * d.size();
            } else if (t instanceof Var v) {
                id = v.type();
            } else if (t instanceof Array a) {
                mult *= a.count() & 0xffffffffL;
                id = a.elemType();
            } else {
                throw new BtfException(file, ".BTF: type [" + id + "] " + t.kind() + " has no size");
            }
        }
        throw new BtfException(file, ".BTF: type [" + id + "]: array nesting too deep");
    }

    /** Natural alignment in bytes (as C lays out members). */
    public int align(int id) {
        for (int depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
            BtfType t = type(resolve(id));
            if (t instanceof Int i) {
                return Math.min(8, Math.max(1, i.size()));
            } else if (t instanceof Ptr) {
                return 8;
            } else if (t instanceof Enumeration e) {
                return Math.min(8, Math.max(1, e.size()));
            } else if (t instanceof Float f) {
                return Math.min(8, Math.max(1, f.size()));
            } else if (t instanceof Array a) {
                id = a.elemType();
            } else if (t instanceof Composite c) {
                int max = 1;
                for (BtfType.Member m : c.members()) {
                    max = Math.max(max, align(m.type()));
                }
                return max;
            } else {
                return 1;
            }
        }
        return 1;
    }

    /** A C-like spelling of the type for messages: {@code struct cgroup *}, {@code char[16]}, {@code u32}. */
    public String typeName(int id) {
        return describe(id, 0);
    }

    private String describe(int id, int depth) {
        if (depth > MAX_RESOLVE_DEPTH) {
            return "...";
        }
        BtfType t = type(id);
        if (t instanceof BtfType.Void) {
            return "void";
        } else if (t instanceof Int i) {
            return i.name();
        } else if (t instanceof Ptr p) {
            BtfType to = type(p.type());
            if (to instanceof FuncProto) {
                return "func_proto *";
            }
            String inner = describe(p.type(), depth + 1);
            return inner.endsWith("*") ? inner + "*" : inner + " *";
        } else if (t instanceof Array a) {
            return describe(a.elemType(), depth + 1) + "[" + (a.count() & 0xffffffffL) + "]";
        } else if (t instanceof Struct s) {
            return "struct " + (s.name().isEmpty() ? "(anon)" : s.name());
        } else if (t instanceof Union u) {
            return "union " + (u.name().isEmpty() ? "(anon)" : u.name());
        } else if (t instanceof Enum e) {
            return "enum " + (e.name().isEmpty() ? "(anon)" : e.name());
        } else if (t instanceof Enum64 e) {
            return "enum " + (e.name().isEmpty() ? "(anon)" : e.name());
        } else if (t instanceof Fwd f) {
            return (f.union() ? "union " : "struct ") + f.name();
        } else if (t instanceof Typedef td) {
            return td.name();
        } else if (t instanceof Const c) {
            return "const " + describe(c.type(), depth + 1);
        } else if (t instanceof Volatile v) {
            return "volatile " + describe(v.type(), depth + 1);
        } else if (t instanceof Restrict r) {
            return describe(r.type(), depth + 1) + " restrict";
        } else if (t instanceof TypeTag tt) {
            return describe(tt.type(), depth + 1);
        } else if (t instanceof Func f) {
            return f.name();
        } else if (t instanceof FuncProto fp) {
            return "func_proto";
        } else if (t instanceof Var v) {
            return v.name();
        } else if (t instanceof DataSec d) {
            return d.name();
        } else if (t instanceof Float f) {
            return f.name();
        } else if (t instanceof DeclTag dt) {
            return dt.name();
        }
        return t.kind().name();
    }

    @Override
    public String toString() {
        return "BTF (" + (types.size() - 1) + " types)";
    }
}
