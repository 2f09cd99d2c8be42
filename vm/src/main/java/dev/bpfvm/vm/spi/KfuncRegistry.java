package dev.bpfvm.vm.spi;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Kfuncs by name and by BTF id. Thread-safe. */
public final class KfuncRegistry {
    private final Map<String, KfuncSpec> byName = new ConcurrentHashMap<>();
    private final Map<Integer, KfuncSpec> byBtfId = new ConcurrentHashMap<>();

    public KfuncRegistry register(KfuncSpec spec) {
        byName.put(spec.name(), spec);
        byBtfId.put(spec.btfId(), spec);
        return this;
    }

    public KfuncSpec byName(String name) {
        return byName.get(name);
    }

    public KfuncSpec byBtfId(int id) {
        return byBtfId.get(id);
    }

    public Collection<KfuncSpec> all() {
        return List.copyOf(byName.values());
    }
}
