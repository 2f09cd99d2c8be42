package dev.bpfvm.vm.btf;

import dev.bpfvm.vm.btf.BtfType.Array;
import dev.bpfvm.vm.btf.BtfType.Composite;
import dev.bpfvm.vm.btf.BtfType.Enumeration;
import dev.bpfvm.vm.btf.BtfType.Member;
import java.util.ArrayList;
import java.util.List;

/**
 * A CO-RE access specification resolved against one BTF: the root type, the chain of member
 * and array accesses the access string {@code "0:1:2"} encodes, and the resulting bit offset.
 * Parsed as libbpf does ({@code bpf_core_parse_spec}); an access string that does not fit the
 * type is a {@link BtfException}.
 *
 * @param btf       the BTF the ids refer to
 * @param rootId    the relocation's root type id
 * @param kind      the relocation kind
 * @param accesses  named member accesses and array accesses, in order (the first is the root index)
 * @param raw       the access string's numbers
 * @param bitOffset bit offset of the accessed field from the start of the root (field relocations)
 */
public record CoreSpec(Btf btf, int rootId, CoreKind kind, List<Access> accesses, List<Integer> raw, long bitOffset) {
    /** One step: in type {@code typeId}, member or array index {@code idx}; {@code name} is null for array steps. */
    public record Access(int typeId, int idx, String name) {}

    public CoreSpec {
        accesses = List.copyOf(accesses);
        raw = List.copyOf(raw);
    }

    static List<Integer> parseAccess(String access) {
        List<Integer> out = new ArrayList<>();
        if (access.isEmpty()) {
            return null;
        }
        for (String p : access.split(":", -1)) {
            if (p.isEmpty() || p.length() > 9) {
                return null;
            }
            for (int i = 0; i < p.length(); i++) {
                if (p.charAt(i) < '0' || p.charAt(i) > '9') {
                    return null;
                }
            }
            out.add(Integer.parseInt(p));
        }
        return out.size() > 128 ? null : out;
    }

    /** Parses {@code access} for relocation {@code kind} on type {@code rootId} of {@code btf}. */
    public static CoreSpec parse(Btf btf, int rootId, String access, CoreKind kind) {
        List<Integer> raw = parseAccess(access);
        String where = "CO-RE " + kind.label() + " on type [" + rootId + "] access '" + access + "'";
        if (raw == null) {
            throw new BtfException(btf.file(), where + ": malformed access string");
        }
        if (rootId <= 0 || rootId >= btf.count()) {
            throw new BtfException(btf.file(), where + ": type id out of range");
        }
        List<Access> acc = new ArrayList<>();
        if (kind.isTypeBased()) {
            if (raw.size() != 1 || raw.get(0) != 0) {
                throw new BtfException(btf.file(), where + ": type relocations need access '0'");
            }
            return new CoreSpec(btf, rootId, kind, acc, raw, 0);
        }
        int id = btf.resolve(rootId);
        BtfType t = btf.type(id);
        int idx = raw.get(0);
        if (kind.isEnumValueBased()) {
            if (!(t instanceof Enumeration e) || raw.size() > 1 || idx >= e.values().size()) {
                throw new BtfException(btf.file(), where + ": not an enumerator of " + btf.typeName(rootId));
            }
            acc.add(new Access(id, idx, e.values().get(idx).name()));
            return new CoreSpec(btf, rootId, kind, acc, raw, 0);
        }
        acc.add(new Access(id, idx, null));
        long bitOffset = (long) idx * sizeOf(btf, id, where) * 8;
        for (int i = 1; i < raw.size(); i++) {
            id = btf.resolve(id);
            t = btf.type(id);
            idx = raw.get(i);
            if (t instanceof Composite c) {
                if (idx >= c.members().size()) {
                    throw new BtfException(btf.file(), where + ": member index " + idx + " out of range for "
                            + btf.typeName(id));
                }
                Member m = c.members().get(idx);
                bitOffset += m.bitOffset();
                if (!m.name().isEmpty()) {
                    acc.add(new Access(id, idx, m.name()));
                }
                id = m.type();
            } else if (t instanceof Array a) {
                int elem = btf.resolve(a.elemType());
                Access prev = acc.get(acc.size() - 1);
                boolean flex = isFlexArray(btf, prev, a);
                if (!flex && (idx & 0xffffffffL) >= (a.count() & 0xffffffffL)) {
                    throw new BtfException(btf.file(), where + ": array index " + idx + " out of range ("
                            + (a.count() & 0xffffffffL) + " elements)");
                }
                acc.add(new Access(elem, idx, null));
                bitOffset += (long) idx * sizeOf(btf, elem, where) * 8;
                id = elem;
            } else {
                throw new BtfException(btf.file(), where + ": access " + i + " into type [" + id + "] of kind "
                        + t.kind());
            }
        }
        return new CoreSpec(btf, rootId, kind, acc, raw, bitOffset);
    }

    private static long sizeOf(Btf btf, int id, String where) {
        try {
            return btf.size(id);
        } catch (BtfException e) {
            throw new BtfException(btf.file(), where + ": " + e.detail());
        }
    }

    /** A zero-sized array that is the last member of its struct. */
    static boolean isFlexArray(Btf btf, Access prev, Array a) {
        if (prev.name() == null || a.count() != 0) {
            return false;
        }
        BtfType t = btf.type(prev.typeId());
        return t instanceof Composite c && prev.idx() == c.members().size() - 1;
    }

    /** The id of the last accessed type (the field's type, for field relocations). */
    public int lastTypeId() {
        return accesses.isEmpty() ? rootId : accesses.get(accesses.size() - 1).typeId();
    }

    /**
     * A human-readable form, like libbpf's: {@code <byte_off> [12] struct cgroup.kn (0:5 @ offset 64)},
     * {@code <enumval_value> [20] enum e::B = 2}, {@code <type_exists> [30] struct foo}.
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        BtfType root = btf.type(rootId);
        sb.append('<').append(kind.label()).append("> [").append(rootId).append("] ")
                .append(root.kind().name().toLowerCase(java.util.Locale.ROOT)).append(' ')
                .append(root.name().isEmpty() ? "<anon>" : root.name());
        if (kind.isTypeBased()) {
            return sb.toString();
        }
        if (kind.isEnumValueBased()) {
            Enumeration e = (Enumeration) btf.resolved(rootId);
            BtfType.EnumValue v = e.values().get(raw.get(0));
            return sb.append("::").append(v.name()).append(" = ").append(v.value()).toString();
        }
        for (int i = 0; i < accesses.size(); i++) {
            Access a = accesses.get(i);
            if (a.name() != null) {
                sb.append('.').append(a.name());
            } else if (i > 0 || a.idx() > 0) {
                sb.append('[').append(a.idx()).append(']');
            }
        }
        sb.append(" (");
        for (int i = 0; i < raw.size(); i++) {
            sb.append(i == 0 ? "" : ":").append(raw.get(i));
        }
        sb.append(" @ offset ").append(bitOffset / 8);
        if (bitOffset % 8 != 0) {
            sb.append('.').append(bitOffset % 8);
        }
        return sb.append(')').toString();
    }

    /** The field path without the root: {@code kn}, {@code self.parent}, {@code comm[3]}. */
    public String fieldPath() {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < accesses.size(); i++) {
            Access a = accesses.get(i);
            if (a.name() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(a.name());
            } else {
                sb.append('[').append(a.idx()).append(']');
            }
        }
        return sb.toString();
    }
}
