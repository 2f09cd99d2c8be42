package dev.bpfvm.maps;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.MapAttr;

/**
 * {@code BPF_MAP_TYPE_ARRAY_OF_MAPS}: inner maps by index. A program lookup returns the inner
 * map's address, usable as a map argument; user lookups return the inner map's id.
 */
public final class ArrayOfMapsMap extends ObjectArrayMap<BpfMap> {
    private final MapAttr inner;

    ArrayOfMapsMap(MapAttr attr, BpfRuntime runtime) {
        super(attr, runtime);
        this.inner = attr.innerMap().attr();
    }

    @Override
    public long lookupElem(ExecContext ctx, long key) {
        long index = memory.load(key, 4);
        if (outOfRange(index)) {
            return 0;
        }
        BpfMap m = slots.get((int) index);
        return m == null ? 0 : m.address();
    }

    @Override
    public long updateElem(ExecContext ctx, long key, long value, long flags) {
        return Errno.EOPNOTSUPP.negative();
    }

    @Override
    public long deleteElem(ExecContext ctx, long key) {
        return Errno.EOPNOTSUPP.negative();
    }

    @Override
    protected void check(BpfMap m) {
        MapInMap.checkCompatible(this, inner, m);
    }

    @Override
    protected BpfMap resolve(int id) {
        return ObjectIds.map(id);
    }

    @Override
    protected int idOf(BpfMap obj) {
        return obj.id();
    }

    @Override
    protected boolean hasBatch(boolean lookup, boolean delete) {
        return !delete;
    }
}
