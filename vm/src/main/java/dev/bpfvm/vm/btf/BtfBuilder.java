package dev.bpfvm.vm.btf;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link Btf} in code: add types in order (ids start at 1), reserve ids for types
 * that are referred to before they are defined, then {@link #build()} validates the whole table.
 */
public final class BtfBuilder {
    private final String name;
    private final List<BtfType> types = new ArrayList<>();

    /** {@code name} is used as the "file" in error messages. */
    public BtfBuilder(String name) {
        this.name = name;
        types.add(BtfType.Void.INSTANCE);
    }

    /** Appends a type; returns its id. */
    public int add(BtfType t) {
        if (t instanceof BtfType.Void) {
            throw new IllegalArgumentException("void is id 0");
        }
        types.add(t);
        return types.size() - 1;
    }

    /** Reserves an id to be {@link #set} later (for forward references). */
    public int reserve() {
        types.add(null);
        return types.size() - 1;
    }

    public BtfBuilder set(int id, BtfType t) {
        if (id <= 0 || id >= types.size() || types.get(id) != null) {
            throw new IllegalArgumentException("id " + id + " is not reserved");
        }
        types.set(id, t);
        return this;
    }

    /** The type with this id as added so far (null while reserved). */
    public BtfType get(int id) {
        return types.get(id);
    }

    public int size() {
        return types.size();
    }

    public Btf build() {
        for (int id = 1; id < types.size(); id++) {
            if (types.get(id) == null) {
                throw new IllegalStateException("type id " + id + " reserved but never set");
            }
        }
        Btf draft = new Btf(name, types, new byte[] {0});
        return Btf.parse(name, draft.encode());   // gives it a real string table
    }
}
