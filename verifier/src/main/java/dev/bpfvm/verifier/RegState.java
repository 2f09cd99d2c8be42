package dev.bpfvm.verifier;

/**
 * The abstract value of one register (or of a spilled register in a stack slot): the kernel's
 * {@code struct bpf_reg_state}. Mutable, copied with {@link #copy()}.
 *
 * <p>Unsigned bounds are kept in Java {@code long}/{@code int} and compared with {@link
 * Long#compareUnsigned} / {@link Integer#compareUnsigned}.
 */
public final class RegState {
    // --- type modifiers (the kernel's enum bpf_type_flag) ---
    public static final int MAYBE_NULL = 1;
    public static final int RDONLY = 1 << 1;
    public static final int RINGBUF = 1 << 2;
    public static final int USER = 1 << 3;
    public static final int PERCPU = 1 << 4;
    public static final int RCU = 1 << 5;
    public static final int UNTRUSTED = 1 << 6;
    public static final int TRUSTED = 1 << 7;
    public static final int ALLOC = 1 << 8;

    RegType type = RegType.NOT_INIT;
    int flags;
    /** Fixed offset of a pointer. */
    int off;
    Tnum varOff = Tnum.UNKNOWN;
    long smin = Long.MIN_VALUE;
    long smax = Long.MAX_VALUE;
    long umin = 0;
    long umax = -1L;
    int s32min = Integer.MIN_VALUE;
    int s32max = Integer.MAX_VALUE;
    int u32min = 0;
    int u32max = -1;
    /** Identity shared by copies: null checks and packet ranges propagate through it. */
    int id;
    /**
     * BPF_ADD_CONST in {@link #id}: this scalar is a linked register plus the constant in
     * {@link #off} ({@code r1 = r2; r1 += 4} keeps r1 linked to r2 with delta 4).
     */
    static final int ADD_CONST = 1 << 31;
    /** Acquired reference this pointer holds, 0 if none. */
    int refObjId;
    /** For map pointers: the map. */
    MapInfo map;
    /** For map values of map-in-map lookups: identifies the inner map instance. */
    int mapUid;
    /** For packet pointers: bytes known safe to access from the pointer's offset base. */
    int range;
    /** For PTR_TO_MEM: the size of the memory. */
    int memSize;
    /** For PTR_TO_BTF_ID: the kernel type pointed to. */
    KernelType btf;
    /** For PTR_TO_FUNC: the subprogram. */
    int subprogno = -1;
    /** For a dynptr slice (PTR_TO_MEM): the id of the dynptr it came from. */
    int dynptrId;
    /** For PTR_TO_STACK: the frame the pointer points into. */
    int frameno;
    /** Written since the last checkpoint (printed as {@code _w}). */
    boolean written;
    /** Marked precise (printed as {@code P}); bpfvm compares every scalar precisely. */
    boolean precise;

    public RegState() {}

    public RegState copy() {
        RegState r = new RegState();
        r.copyFrom(this);
        return r;
    }

    public void copyFrom(RegState o) {
        type = o.type;
        flags = o.flags;
        off = o.off;
        varOff = o.varOff;
        smin = o.smin;
        smax = o.smax;
        umin = o.umin;
        umax = o.umax;
        s32min = o.s32min;
        s32max = o.s32max;
        u32min = o.u32min;
        u32max = o.u32max;
        id = o.id;
        refObjId = o.refObjId;
        map = o.map;
        mapUid = o.mapUid;
        range = o.range;
        memSize = o.memSize;
        btf = o.btf;
        subprogno = o.subprogno;
        frameno = o.frameno;
        dynptrId = o.dynptrId;
        written = o.written;
        precise = o.precise;
    }

    /** Copies the value of {@code o}, keeping this register's liveness mark (copy_register_state). */
    void assign(RegState o) {
        boolean w = written;
        copyFrom(o);
        written = w;
    }

    public RegType type() {
        return type;
    }

    public int flags() {
        return flags;
    }

    public boolean maybeNull() {
        return (flags & MAYBE_NULL) != 0;
    }

    public int off() {
        return off;
    }

    public Tnum varOff() {
        return varOff;
    }

    public long smin() {
        return smin;
    }

    public long smax() {
        return smax;
    }

    public long umin() {
        return umin;
    }

    public long umax() {
        return umax;
    }

    public int s32min() {
        return s32min;
    }

    public int s32max() {
        return s32max;
    }

    public int u32min() {
        return u32min;
    }

    public int u32max() {
        return u32max;
    }

    public int id() {
        return id;
    }

    public int refObjId() {
        return refObjId;
    }

    public MapInfo map() {
        return map;
    }

    public int range() {
        return range;
    }

    public int memSize() {
        return memSize;
    }

    public KernelType btf() {
        return btf;
    }

    public boolean isScalar() {
        return type == RegType.SCALAR_VALUE;
    }

    /** Any type but scalar and NOT_INIT (the kernel's {@code __is_pointer_value(false, reg)}). */
    public boolean isPointer() {
        return type != RegType.SCALAR_VALUE && type != RegType.NOT_INIT;
    }

    /** A scalar known to be 0 ({@code register_is_null}). */
    public boolean isNull() {
        return type == RegType.SCALAR_VALUE && varOff.equalsConst(0);
    }

    /** A scalar with a known 64-bit (or 32-bit) value. */
    public boolean isConst(boolean subreg32) {
        return type == RegType.SCALAR_VALUE && (subreg32 ? varOff.subreg().isConst() : varOff.isConst());
    }

    public long constValue(boolean subreg32) {
        return subreg32 ? varOff.subreg().value() : varOff.value();
    }

    // --- the kernel's __mark_reg_* family ---

    /** All bounds unbounded. */
    void markUnbounded() {
        smin = Long.MIN_VALUE;
        smax = Long.MAX_VALUE;
        umin = 0;
        umax = -1L;
        s32min = Integer.MIN_VALUE;
        s32max = Integer.MAX_VALUE;
        u32min = 0;
        u32max = -1;
    }

    void mark64Unbounded() {
        smin = Long.MIN_VALUE;
        smax = Long.MAX_VALUE;
        umin = 0;
        umax = -1L;
    }

    void mark32Unbounded() {
        s32min = Integer.MIN_VALUE;
        s32max = Integer.MAX_VALUE;
        u32min = 0;
        u32max = -1;
    }

    /** The known value {@code imm}, keeping the id (the kernel's ___mark_reg_known). */
    void setKnownValue(long imm) {
        varOff = Tnum.constant(imm);
        smin = imm;
        smax = imm;
        umin = imm;
        umax = imm;
        s32min = (int) imm;
        s32max = (int) imm;
        u32min = (int) imm;
        u32max = (int) imm;
    }

    /** Clears pointer attributes and sets the known value {@code imm}; the type is kept. */
    void markKnown(long imm) {
        off = 0;
        map = null;
        mapUid = 0;
        range = 0;
        memSize = 0;
        btf = null;
        subprogno = -1;
        id = 0;
        refObjId = 0;
        dynptrId = 0;
        setKnownValue(imm);
    }

    void markKnownZero() {
        markKnown(0);
    }

    /** A scalar 0. */
    void markConstZero() {
        markKnown(0);
        type = RegType.SCALAR_VALUE;
        flags = 0;
    }

    /** A scalar with the constant value {@code imm}. */
    void markConst(long imm) {
        markKnown(imm);
        type = RegType.SCALAR_VALUE;
        flags = 0;
    }

    /** An unknown scalar; {@code precise} as the kernel sets it (true for unprivileged programs). */
    void markUnknown(boolean precise) {
        type = RegType.SCALAR_VALUE;
        flags = 0;
        off = 0;
        map = null;
        mapUid = 0;
        range = 0;
        memSize = 0;
        btf = null;
        subprogno = -1;
        id = 0;
        refObjId = 0;
        dynptrId = 0;
        varOff = Tnum.UNKNOWN;
        frameno = 0;
        this.precise = precise;
        markUnbounded();
    }

    void markNotInit() {
        markUnknown(false);
        type = RegType.NOT_INIT;
    }

    /** A pointer of {@code t} at offset 0 (mark_reg_known_zero followed by setting the type). */
    void markPointer(RegType t, int typeFlags) {
        markKnownZero();
        type = t;
        flags = typeFlags;
    }

    // --- bound accessors used by range checks ---

    /** 32-bit unsigned bounds as non-negative longs. */
    long u32minL() {
        return Integer.toUnsignedLong(u32min);
    }

    long u32maxL() {
        return Integer.toUnsignedLong(u32max);
    }

    @Override
    public String toString() {
        return StatePrinter.regToString(this, frameno);
    }
}
