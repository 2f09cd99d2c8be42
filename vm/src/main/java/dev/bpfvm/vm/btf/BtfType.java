package dev.bpfvm.vm.btf;

import java.util.List;
import java.util.Objects;

/**
 * One BTF type. The set is closed: a {@code switch} over these records covers every kind.
 * Types refer to each other by id (index into {@link Btf#types()}); id 0 is {@code void}.
 * Anonymous types have the empty name.
 */
public sealed interface BtfType {
    BtfKind kind();

    /** The type's name, or "" when anonymous or nameless by kind. */
    default String name() {
        return "";
    }

    /** {@code void}, id 0. */
    record Void() implements BtfType {
        public static final Void INSTANCE = new Void();

        public BtfKind kind() {
            return BtfKind.UNKN;
        }
    }

    /** Integer of {@code size} bytes; {@code bits} used, starting at {@code bitOffset}. */
    record Int(String name, int size, int encoding, int bitOffset, int bits) implements BtfType {
        public static final int SIGNED = 1;
        public static final int CHAR = 2;
        public static final int BOOL = 4;

        public Int {
            Objects.requireNonNull(name);
        }

        public BtfKind kind() {
            return BtfKind.INT;
        }

        public boolean isSigned() {
            return (encoding & SIGNED) != 0;
        }

        public boolean isChar() {
            return (encoding & CHAR) != 0;
        }

        public boolean isBool() {
            return (encoding & BOOL) != 0;
        }
    }

    record Ptr(int type) implements BtfType {
        public BtfKind kind() {
            return BtfKind.PTR;
        }
    }

    record Array(int elemType, int indexType, int count) implements BtfType {
        public BtfKind kind() {
            return BtfKind.ARRAY;
        }
    }

    /** A struct or union member. {@code bitSize} is 0 unless the member is a bitfield. */
    record Member(String name, int type, int bitOffset, int bitSize) {
        public Member {
            Objects.requireNonNull(name);
        }

        public Member(String name, int type, int bitOffset) {
            this(name, type, bitOffset, 0);
        }
    }

    /** What structs and unions have in common. */
    sealed interface Composite extends BtfType permits Struct, Union {
        int size();

        List<Member> members();
    }

    record Struct(String name, int size, List<Member> members) implements Composite {
        public Struct {
            Objects.requireNonNull(name);
            members = List.copyOf(members);
        }

        public BtfKind kind() {
            return BtfKind.STRUCT;
        }
    }

    record Union(String name, int size, List<Member> members) implements Composite {
        public Union {
            Objects.requireNonNull(name);
            members = List.copyOf(members);
        }

        public BtfKind kind() {
            return BtfKind.UNION;
        }
    }

    record EnumValue(String name, long value) {
        public EnumValue {
            Objects.requireNonNull(name);
        }
    }

    /** ENUM (values of 32 bits) and ENUM64 share this shape. */
    sealed interface Enumeration extends BtfType permits Enum, Enum64 {
        int size();

        boolean signed();

        List<EnumValue> values();
    }

    /** A 32-bit-valued enum ({@code BTF_KIND_ENUM}); {@code size} may be 1, 2, 4 or 8. */
    record Enum(String name, int size, boolean signed, List<EnumValue> values) implements Enumeration {
        public Enum {
            Objects.requireNonNull(name);
            values = List.copyOf(values);
        }

        public BtfKind kind() {
            return BtfKind.ENUM;
        }
    }

    record Enum64(String name, int size, boolean signed, List<EnumValue> values) implements Enumeration {
        public Enum64 {
            Objects.requireNonNull(name);
            values = List.copyOf(values);
        }

        public BtfKind kind() {
            return BtfKind.ENUM64;
        }
    }

    /** A forward declaration of a struct ({@code union == false}) or union. */
    record Fwd(String name, boolean union) implements BtfType {
        public Fwd {
            Objects.requireNonNull(name);
        }

        public BtfKind kind() {
            return BtfKind.FWD;
        }
    }

    record Typedef(String name, int type) implements BtfType {
        public Typedef {
            Objects.requireNonNull(name);
        }

        public BtfKind kind() {
            return BtfKind.TYPEDEF;
        }
    }

    record Volatile(int type) implements BtfType {
        public BtfKind kind() {
            return BtfKind.VOLATILE;
        }
    }

    record Const(int type) implements BtfType {
        public BtfKind kind() {
            return BtfKind.CONST;
        }
    }

    record Restrict(int type) implements BtfType {
        public BtfKind kind() {
            return BtfKind.RESTRICT;
        }
    }

    record TypeTag(String name, int type) implements BtfType {
        public TypeTag {
            Objects.requireNonNull(name);
        }

        public BtfKind kind() {
            return BtfKind.TYPE_TAG;
        }
    }

    /** Linkage of FUNC and VAR: static, global, extern (kernel numbers). */
    enum Linkage {
        STATIC, GLOBAL, EXTERN;

        public static Linkage of(int v) {
            Linkage[] all = values();
            return v >= 0 && v < all.length ? all[v] : null;
        }

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A function; {@code type} is its FUNC_PROTO. */
    record Func(String name, int type, Linkage linkage) implements BtfType {
        public Func {
            Objects.requireNonNull(name);
            Objects.requireNonNull(linkage);
        }

        public BtfKind kind() {
            return BtfKind.FUNC;
        }
    }

    /** A parameter; a trailing {@code ("", 0)} parameter marks a variadic function. */
    record Param(String name, int type) {
        public Param {
            Objects.requireNonNull(name);
        }
    }

    record FuncProto(int returnType, List<Param> params) implements BtfType {
        public FuncProto {
            params = List.copyOf(params);
        }

        public BtfKind kind() {
            return BtfKind.FUNC_PROTO;
        }

        public boolean isVariadic() {
            if (params.isEmpty()) {
                return false;
            }
            Param last = params.get(params.size() - 1);
            return last.type() == 0 && last.name().isEmpty();
        }
    }

    record Var(String name, int type, Linkage linkage) implements BtfType {
        public Var {
            Objects.requireNonNull(name);
            Objects.requireNonNull(linkage);
        }

        public BtfKind kind() {
            return BtfKind.VAR;
        }
    }

    /** A variable's place in a data section. */
    record VarSecInfo(int type, int offset, int size) {}

    record DataSec(String name, int size, List<VarSecInfo> vars) implements BtfType {
        public DataSec {
            Objects.requireNonNull(name);
            vars = List.copyOf(vars);
        }

        public BtfKind kind() {
            return BtfKind.DATASEC;
        }
    }

    record Float(String name, int size) implements BtfType {
        public Float {
            Objects.requireNonNull(name);
        }

        public BtfKind kind() {
            return BtfKind.FLOAT;
        }
    }

    /** {@code __attribute__((btf_decl_tag))}; {@code componentIdx} −1 for the type itself. */
    record DeclTag(String name, int type, int componentIdx) implements BtfType {
        public DeclTag {
            Objects.requireNonNull(name);
        }

        public BtfKind kind() {
            return BtfKind.DECL_TAG;
        }
    }
}
