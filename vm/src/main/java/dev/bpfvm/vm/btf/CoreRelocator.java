package dev.bpfvm.vm.btf;

import dev.bpfvm.vm.btf.BtfExt.CoreRelo;
import dev.bpfvm.vm.btf.BtfType.Array;
import dev.bpfvm.vm.btf.BtfType.Composite;
import dev.bpfvm.vm.btf.BtfType.Enumeration;
import dev.bpfvm.vm.btf.BtfType.FuncProto;
import dev.bpfvm.vm.btf.BtfType.Fwd;
import dev.bpfvm.vm.btf.BtfType.Int;
import dev.bpfvm.vm.btf.BtfType.Member;
import dev.bpfvm.vm.btf.BtfType.Ptr;
import dev.bpfvm.vm.btf.BtfType.Struct;
import dev.bpfvm.vm.btf.BtfType.Union;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves CO-RE relocations of an object's BTF ("local") against a kernel's BTF ("target"),
 * with libbpf's rules: candidates are target types of a compatible kind whose name equals the
 * local name without its {@code ___flavor} suffix; each candidate is matched access by access
 * (anonymous members are looked through); all matching candidates must agree; when none
 * matches, existence checks yield 0 and everything else is poisoned (the instruction fails if
 * it is ever executed).
 *
 * <p>Candidate lists are cached per local type name, so one relocator should serve a whole object.
 */
public final class CoreRelocator {
    /** libbpf's {@code BPF_CORE_SPEC_MAX_LEN}. */
    static final int MAX_SPEC_LEN = 64;

    private final Btf local;
    private final Btf target;
    private final Map<String, List<Integer>> candidates = new HashMap<>();

    public CoreRelocator(Btf local, Btf target) {
        this.local = local;
        this.target = target;
    }

    /**
     * The outcome for one relocation.
     *
     * @param localSpec the access as the program was compiled
     * @param targetSpec the matched access in the kernel BTF, or null when nothing matched
     * @param origValue the value the compiler put in the instruction (checked when {@code validate})
     * @param newValue  the value to put in
     * @param origSize  for field offsets: the field's size in the local BTF (0 otherwise)
     * @param newSize   ... and in the target BTF; a load/store is resized when they differ
     * @param validate  whether the instruction must hold {@code origValue}
     * @param poison    the instruction must fail when executed
     * @param failMemSizeAdjust a load/store would need resizing to a size that changes the value
     * @param reason    why it is poisoned (null otherwise)
     */
    public record Result(CoreSpec localSpec, CoreSpec targetSpec, long origValue, long newValue, int origSize,
                         int newSize, boolean validate, boolean poison, boolean failMemSizeAdjust, String reason) {
        /**
         * Whether a 64-bit instruction value is the compiler's original value. Besides
         * {@code origValue} itself, a 32-bit enum value the BTF does not call signed also matches
         * sign-extended: clang before 15 writes no signedness for enums (BTF kind_flag) but loads
         * a negative enumerator sign-extended.
         */
        public boolean isOrigValue(long insnValue) {
            if (insnValue == origValue) {
                return true;
            }
            if (localSpec == null || localSpec.kind() != CoreKind.ENUMVAL_VALUE || localSpec.accesses().isEmpty()) {
                return false;
            }
            return localSpec.btf().type(localSpec.accesses().get(0).typeId()) instanceof BtfType.Enum e
                    && !e.signed() && insnValue == (long) (int) origValue;
        }
    }

    /** Resolves one relocation; a relocation that cannot even be interpreted is a {@link BtfException}. */
    public Result resolve(CoreRelo relo) {
        CoreKind kind = relo.kind();
        CoreSpec localSpec = CoreSpec.parse(local, relo.typeId(), relo.access(), kind);
        if (kind == CoreKind.TYPE_ID_LOCAL) {
            return new Result(localSpec, null, relo.typeId(), relo.typeId(), 0, 0, true, false, false, null);
        }
        BtfType localType = local.type(relo.typeId());
        String name = localType.name();
        if (name.isEmpty()) {
            throw new BtfException(local.file(), "CO-RE " + localSpec.describe() + ": relocation against an anonymous type");
        }
        List<Integer> cands = candidates(localType);
        Result chosen = null;
        CoreSpec chosenSpec = null;
        for (int cand : cands) {
            CoreSpec targSpec = match(localSpec, cand);
            if (targSpec == null) {
                continue;
            }
            Result r = calc(localSpec, targSpec);
            if (chosen == null) {
                chosen = r;
                chosenSpec = targSpec;
            } else if (r.poison() != chosen.poison() || r.newValue() != chosen.newValue()) {
                throw new BtfException(local.file(), "CO-RE " + localSpec.describe() + ": relocation decision ambiguity: "
                        + chosenSpec.describe() + " gives " + chosen.newValue() + ", " + targSpec.describe()
                        + " gives " + r.newValue());
            }
        }
        if (chosen != null) {
            return chosen;
        }
        return calc(localSpec, null);
    }

    private List<Integer> candidates(BtfType localType) {
        String essential = essentialName(localType.name());
        String key = localType.kind() + ":" + essential;
        List<Integer> c = candidates.get(key);
        if (c == null) {
            c = new ArrayList<>();
            for (int id = 1; id < target.count(); id++) {
                BtfType t = target.type(id);
                if (!kindsCompatible(t, localType) || t.name().isEmpty()) {
                    continue;
                }
                if (essentialName(t.name()).equals(essential)) {
                    c.add(id);
                }
            }
            candidates.put(key, c);
        }
        return c;
    }

    /** The name without a {@code ___flavor} suffix: {@code task_struct___v2} → {@code task_struct}. */
    public static String essentialName(String name) {
        int n = name.length();
        for (int i = n - 5; i >= 0; i--) {
            if (name.charAt(i) != '_' && name.charAt(i + 1) == '_' && name.charAt(i + 2) == '_'
                    && name.charAt(i + 3) == '_' && name.charAt(i + 4) != '_') {
                return name.substring(0, i + 1);
            }
        }
        return name;
    }

    private static boolean isEnum(BtfType t) {
        return t instanceof Enumeration;
    }

    private static boolean kindsCompatible(BtfType a, BtfType b) {
        return a.kind() == b.kind() || (isEnum(a) && isEnum(b));
    }

    // ------------------------------------------------------------ matching

    /** Mutable target spec under construction. */
    private static final class Builder {
        final List<CoreSpec.Access> acc = new ArrayList<>();
        final List<Integer> raw = new ArrayList<>();
        long bitOffset;
    }

    private CoreSpec match(CoreSpec ls, int candId) {
        CoreKind kind = ls.kind();
        if (kind.isTypeBased()) {
            boolean ok = kind == CoreKind.TYPE_MATCHES
                    ? typesMatch(ls.rootId(), candId, false, 32)
                    : typesCompatible(ls.rootId(), candId, 32);
            return ok ? new CoreSpec(target, candId, kind, List.of(), List.of(0), 0) : null;
        }
        Builder b = new Builder();
        int targId = candId;
        if (kind.isEnumValueBased()) {
            int tid = target.resolve(targId);
            if (!(target.type(tid) instanceof Enumeration te)) {
                return null;
            }
            String want = essentialName(ls.accesses().get(0).name());
            for (int i = 0; i < te.values().size(); i++) {
                String n = te.values().get(i).name();
                if (essentialName(n).equals(want)) {
                    return new CoreSpec(target, candId, kind, List.of(new CoreSpec.Access(tid, i, n)), List.of(i), 0);
                }
            }
            return null;
        }
        List<CoreSpec.Access> lacc = ls.accesses();
        for (int i = 0; i < lacc.size(); i++) {
            CoreSpec.Access la = lacc.get(i);
            targId = target.resolve(targId);
            BtfType tt = target.type(targId);
            if (la.name() != null) {
                int[] next = {0};
                int m = matchMember(la, targId, b, next);
                if (m <= 0) {
                    return null;
                }
                targId = next[0];
            } else {
                if (i > 0) {
                    if (!(tt instanceof Array a)) {
                        return null;
                    }
                    boolean flex = !b.acc.isEmpty() && CoreSpec.isFlexArray(target, b.acc.get(b.acc.size() - 1), a);
                    if (!flex && (la.idx() & 0xffffffffL) >= (a.count() & 0xffffffffL)) {
                        return null;
                    }
                    targId = target.resolve(a.elemType());
                }
                if (b.raw.size() == MAX_SPEC_LEN) {
                    return null;
                }
                b.acc.add(new CoreSpec.Access(targId, la.idx(), null));
                b.raw.add(la.idx());
                b.bitOffset += (long) la.idx() * target.size(targId) * 8;
            }
        }
        return new CoreSpec(target, candId, kind, b.acc, b.raw, b.bitOffset);
    }

    /** 1 matched (next[0] = the member's type), 0 not found. Anonymous members are searched recursively. */
    private int matchMember(CoreSpec.Access la, int targId, Builder b, int[] next) {
        targId = target.resolve(targId);
        if (!(target.type(targId) instanceof Composite tc)) {
            return 0;
        }
        Composite lc = (Composite) local.type(la.typeId());
        Member lm = lc.members().get(la.idx());
        for (int i = 0; i < tc.members().size(); i++) {
            Member m = tc.members().get(i);
            if (b.raw.size() == MAX_SPEC_LEN) {
                return 0;
            }
            b.bitOffset += m.bitOffset();
            b.raw.add(i);
            if (m.name().isEmpty()) {
                int found = matchMember(la, m.type(), b, next);
                if (found != 0) {
                    return found;
                }
            } else if (m.name().equals(lm.name())) {
                b.acc.add(new CoreSpec.Access(targId, i, m.name()));
                next[0] = m.type();
                if (fieldsCompatible(lm.type(), m.type())) {
                    return 1;
                }
                b.acc.remove(b.acc.size() - 1);
                b.bitOffset -= m.bitOffset();
                b.raw.remove(b.raw.size() - 1);
                return 0;
            }
            b.bitOffset -= m.bitOffset();
            b.raw.remove(b.raw.size() - 1);
        }
        return 0;
    }

    private boolean fieldsCompatible(int localId, int targId) {
        for (int depth = 0; depth < Btf.MAX_RESOLVE_DEPTH; depth++) {
            BtfType lt = local.type(local.resolve(localId));
            BtfType tt = target.type(target.resolve(targId));
            if (lt instanceof Composite && tt instanceof Composite) {
                return true;
            }
            if (!kindsCompatible(lt, tt)) {
                return false;
            }
            if (lt instanceof Ptr || lt instanceof BtfType.Float) {
                return true;
            }
            if (lt instanceof Fwd || lt instanceof Enumeration) {
                String ln = essentialName(lt.name());
                String tn = essentialName(tt.name());
                return ln.isEmpty() || tn.isEmpty() || ln.equals(tn);
            }
            if (lt instanceof Int li) {
                return li.bitOffset() == 0 && ((Int) tt).bitOffset() == 0;
            }
            if (lt instanceof Array la) {
                localId = la.elemType();
                targId = ((Array) tt).elemType();
                continue;
            }
            return false;
        }
        return false;
    }

    /** libbpf's relaxed type compatibility (for TYPE_EXISTS, TYPE_SIZE, TYPE_ID_TARGET). */
    private boolean typesCompatible(int localId, int targId, int level) {
        if (!kindsCompatible(local.type(localId), target.type(targId))) {
            return false;
        }
        for (int depth = 0; depth < 32; depth++) {
            localId = local.resolve(localId);
            targId = target.resolve(targId);
            BtfType lt = local.type(localId);
            BtfType tt = target.type(targId);
            if (!kindsCompatible(lt, tt)) {
                return false;
            }
            if (lt instanceof BtfType.Void || lt instanceof Composite || lt instanceof Enumeration || lt instanceof Fwd) {
                return true;
            }
            if (lt instanceof Int li) {
                return li.bitOffset() == 0 && ((Int) tt).bitOffset() == 0;
            }
            if (lt instanceof Ptr lp) {
                localId = lp.type();
                targId = ((Ptr) tt).type();
            } else if (lt instanceof Array la) {
                localId = la.elemType();
                targId = ((Array) tt).elemType();
            } else if (lt instanceof FuncProto lf) {
                FuncProto tf = (FuncProto) tt;
                if (lf.params().size() != tf.params().size()) {
                    return false;
                }
                for (int i = 0; i < lf.params().size(); i++) {
                    if (level <= 0) {
                        return false;
                    }
                    if (!typesCompatible(local.resolve(lf.params().get(i).type()),
                            target.resolve(tf.params().get(i).type()), level - 1)) {
                        return false;
                    }
                }
                localId = lf.returnType();
                targId = tf.returnType();
            } else {
                return false;
            }
        }
        return false;
    }

    private boolean namesMatch(String l, String t) {
        if (t.isEmpty()) {
            return l.isEmpty();
        }
        return essentialName(l).equals(essentialName(t));
    }

    /** libbpf's strict "type matches" (for {@code bpf_core_type_matches}). */
    private boolean typesMatch(int localId, int targId, boolean behindPtr, int level) {
        if (level <= 0) {
            return false;
        }
        for (int depth = 0; depth < 32; depth++) {
            localId = local.resolve(localId);
            targId = target.resolve(targId);
            BtfType lt = local.type(localId);
            BtfType tt = target.type(targId);
            if (!namesMatch(lt.name(), tt.name())) {
                return false;
            }
            if (lt instanceof BtfType.Void) {
                return tt instanceof BtfType.Void;
            } else if (lt instanceof Fwd lf) {
                if (behindPtr) {
                    if (tt instanceof Fwd tf) {
                        return lf.union() == tf.union();
                    }
                    return (tt instanceof Struct && !lf.union()) || (tt instanceof Union && lf.union());
                }
                return tt instanceof Fwd tf && lf.union() == tf.union();
            } else if (lt instanceof Enumeration le) {
                return tt instanceof Enumeration te && enumsMatch(le, te);
            } else if (lt instanceof Composite lc) {
                if (behindPtr) {
                    if (lt.kind() == tt.kind()) {
                        return true;
                    }
                    return tt instanceof Fwd tf && (lt instanceof Union) == tf.union();
                }
                return lt.kind() == tt.kind() && compositesMatch(lc, (Composite) tt, behindPtr, level);
            } else if (lt instanceof Int li) {
                return tt instanceof Int ti && li.size() == ti.size() && li.isSigned() == ti.isSigned();
            } else if (lt instanceof Ptr lp) {
                if (!(tt instanceof Ptr tp)) {
                    return false;
                }
                behindPtr = true;
                localId = lp.type();
                targId = tp.type();
            } else if (lt instanceof Array la) {
                if (!(tt instanceof Array ta) || la.count() != ta.count()) {
                    return false;
                }
                localId = la.elemType();
                targId = ta.elemType();
            } else if (lt instanceof FuncProto lf) {
                if (!(tt instanceof FuncProto tf) || lf.params().size() != tf.params().size()) {
                    return false;
                }
                for (int i = 0; i < lf.params().size(); i++) {
                    if (!typesMatch(lf.params().get(i).type(), tf.params().get(i).type(), behindPtr, level - 1)) {
                        return false;
                    }
                }
                localId = lf.returnType();
                targId = tf.returnType();
            } else {
                return false;
            }
        }
        return false;
    }

    private boolean enumsMatch(Enumeration l, Enumeration t) {
        if (l.size() != t.size() || l.values().size() > t.values().size()) {
            return false;
        }
        for (BtfType.EnumValue lv : l.values()) {
            boolean found = false;
            for (BtfType.EnumValue tv : t.values()) {
                if (namesMatch(lv.name(), tv.name())) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    private boolean compositesMatch(Composite l, Composite t, boolean behindPtr, int level) {
        if (l.members().size() > t.members().size()) {
            return false;
        }
        for (Member lm : l.members()) {
            boolean found = false;
            for (Member tm : t.members()) {
                if (!namesMatch(lm.name(), tm.name())) {
                    continue;
                }
                if (typesMatch(lm.type(), tm.type(), behindPtr, level - 1)) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------ values

    /** A computed value of one side, or "poison". */
    private record Calc(long value, int size, int typeId, boolean validate, boolean poison, String reason) {}

    private Result calc(CoreSpec ls, CoreSpec ts) {
        CoreKind kind = ls.kind();
        Calc orig;
        Calc neu;
        if (kind.isFieldBased()) {
            orig = fieldValue(ls);
            neu = ts == null ? absent(ls) : fieldValue(ts);
        } else if (kind.isTypeBased()) {
            orig = typeValue(ls);
            neu = ts == null ? new Calc(0, 0, 0, true, false, null) : typeValue(ts);
        } else {
            orig = enumValue(ls);
            neu = ts == null ? absent(ls) : enumValue(ts);
        }
        if (orig.poison() || neu.poison()) {
            String why = neu.poison() ? neu.reason() : orig.reason();
            return new Result(ls, ts, orig.value(), 0, 0, 0, false, true, false, why);
        }
        boolean failAdjust = false;
        if (kind.isFieldBased() && orig.size() != neu.size() && ts != null) {
            BtfType ot = local.type(orig.typeId());
            BtfType nt = target.type(neu.typeId());
            boolean ok = (ot instanceof Ptr && nt instanceof Ptr)
                    || (ot instanceof Int oi && nt instanceof Int ni && !oi.isSigned() && !ni.isSigned());
            failAdjust = !ok;
        }
        return new Result(ls, ts, orig.value(), neu.value(), orig.size(), neu.size(), orig.validate(), false,
                failAdjust, null);
    }

    private Calc absent(CoreSpec ls) {
        switch (ls.kind()) {
            case FIELD_EXISTS:
            case ENUMVAL_EXISTS:
                return new Calc(0, 0, 0, true, false, null);
            default:
                return new Calc(0, 0, 0, false, true, ls.kind().isEnumValueBased()
                        ? "enum value not found in the kernel's BTF" : "field not found in the kernel's BTF");
        }
    }

    private Calc typeValue(CoreSpec s) {
        switch (s.kind()) {
            case TYPE_ID_TARGET:
                return new Calc(s.rootId(), 0, 0, false, false, null);
            case TYPE_EXISTS:
            case TYPE_MATCHES:
                return new Calc(1, 0, 0, true, false, null);
            case TYPE_SIZE:
                return new Calc(s.btf().size(s.rootId()), 0, 0, true, false, null);
            case TYPE_ID_LOCAL:
                return new Calc(s.rootId(), 0, 0, true, false, null);
            default:
                throw new IllegalStateException(s.kind().toString());
        }
    }

    private Calc enumValue(CoreSpec s) {
        if (s.kind() == CoreKind.ENUMVAL_EXISTS) {
            return new Calc(1, 0, 0, true, false, null);
        }
        CoreSpec.Access a = s.accesses().get(0);
        Enumeration e = (Enumeration) s.btf().type(a.typeId());
        long v = e.values().get(a.idx()).value();
        if (e instanceof BtfType.Enum && !e.signed()) {
            v &= 0xffffffffL;
        }
        return new Calc(v, 0, 0, true, false, null);
    }

    private Calc fieldValue(CoreSpec s) {
        Btf btf = s.btf();
        if (s.kind() == CoreKind.FIELD_EXISTS) {
            return new Calc(1, 0, 0, true, false, null);
        }
        CoreSpec.Access acc = s.accesses().get(s.accesses().size() - 1);
        if (acc.name() == null) {
            long sz = btf.size(acc.typeId());
            if (s.kind() == CoreKind.FIELD_BYTE_OFFSET) {
                return new Calc(s.bitOffset() / 8, (int) sz, btf.resolve(acc.typeId()), true, false, null);
            } else if (s.kind() == CoreKind.FIELD_BYTE_SIZE) {
                return new Calc(sz, 0, 0, true, false, null);
            }
            throw new BtfException(btf.file(), "CO-RE " + s.describe() + ": " + s.kind().label()
                    + " can't be applied to an array access");
        }
        Composite t = (Composite) btf.type(acc.typeId());
        Member m = t.members().get(acc.idx());
        int fieldType = btf.resolve(m.type());
        BtfType mt = btf.type(fieldType);
        long bitOff = s.bitOffset();
        long bitSz = m.bitSize();
        boolean bitfield = bitSz > 0;
        long byteSz;
        long byteOff;
        if (bitfield) {
            byteSz = btf.size(fieldType);
            byteOff = bitOff / 8 / byteSz * byteSz;
            while (bitOff + bitSz - byteOff * 8 > byteSz * 8) {
                if (byteSz >= 8) {
                    return new Calc(0, 0, 0, false, true, "bitfield " + s.fieldPath() + " can't be read with a 64-bit load");
                }
                byteSz *= 2;
                byteOff = bitOff / 8 / byteSz * byteSz;
            }
        } else {
            byteSz = btf.size(fieldType);
            byteOff = bitOff / 8;
            bitSz = byteSz * 8;
        }
        boolean validate = !bitfield;
        switch (s.kind()) {
            case FIELD_BYTE_OFFSET:
                return new Calc(byteOff, bitfield ? 0 : (int) byteSz, bitfield ? 0 : fieldType, validate, false, null);
            case FIELD_BYTE_SIZE:
                return new Calc(byteSz, 0, 0, validate, false, null);
            case FIELD_SIGNED: {
                boolean signed = (mt instanceof Enumeration e && e.signed()) || (mt instanceof Int i && i.isSigned());
                return new Calc(signed ? 1 : 0, 0, 0, true, false, null);
            }
            case FIELD_LSHIFT_U64:
                return new Calc(64 - (bitOff + bitSz - byteOff * 8), 0, 0, validate, false, null);
            case FIELD_RSHIFT_U64:
                return new Calc(64 - bitSz, 0, 0, true, false, null);
            default:
                throw new IllegalStateException(s.kind().toString());
        }
    }
}
