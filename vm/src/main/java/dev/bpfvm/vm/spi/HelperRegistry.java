package dev.bpfvm.vm.spi;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Helpers by kernel number and by name. Lookups by number are one array read (the interpreter
 * and JIT call {@link #byId} on every helper call). Thread-safe.
 */
public final class HelperRegistry {
    private volatile HelperSpec[] byId = new HelperSpec[256];
    private final Map<String, HelperSpec> byName = new ConcurrentHashMap<>();

    public synchronized HelperRegistry register(HelperSpec spec) {
        HelperSpec[] t = byId;
        if (spec.id() >= t.length) {
            HelperSpec[] bigger = new HelperSpec[Math.max(spec.id() + 1, t.length * 2)];
            System.arraycopy(t, 0, bigger, 0, t.length);
            t = bigger;
        }
        HelperSpec old = t[spec.id()];
        if (old != null) {
            byName.remove(old.name());
        }
        t[spec.id()] = spec;
        byId = t;
        byName.put(spec.name(), spec);
        return this;
    }

    /** The helper with that number, or null. */
    public HelperSpec byId(long id) {
        HelperSpec[] t = byId;
        return id >= 0 && id < t.length ? t[(int) id] : null;
    }

    public HelperSpec byName(String name) {
        return byName.get(name);
    }

    public Collection<HelperSpec> all() {
        List<HelperSpec> out = new ArrayList<>();
        for (HelperSpec s : byId) {
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }
}
