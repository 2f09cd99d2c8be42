package dev.bpfvm.vm.spi;

import java.util.Objects;

/**
 * A helper: its kernel number and name ({@code bpf_map_lookup_elem} is #1), prototype and body.
 */
public record HelperSpec(int id, String name, HelperProto proto, HelperFunction fn) {
    public HelperSpec {
        Objects.requireNonNull(name);
        Objects.requireNonNull(proto);
        Objects.requireNonNull(fn);
        if (id < 0) {
            throw new IllegalArgumentException("helper id " + id);
        }
    }
}
