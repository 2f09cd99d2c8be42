package dev.bpfvm.junit;

import dev.bpfvm.kernel.load.MapView;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on a map of a loaded object. Numeric keys and values are encoded little-endian in
 * the map's key and value size. For per-CPU maps a numeric value is compared with the sum over
 * the CPUs (a {@code byte[]} value with the whole per-CPU value). A failure shows the expected
 * and actual entry and the map's entries.
 */
public final class MapViewAssert extends AbstractAssert<MapViewAssert, MapView> {
    /** Entries listed in a failure message at most. */
    static final int LISTED = 16;

    MapViewAssert(MapView actual) {
        super(actual, MapViewAssert.class);
    }

    /** The map holds {@code key} (a u32 or u64 key, as the map's key size) with {@code value}. */
    public MapViewAssert containsEntry(long key, long value) {
        isNotNull();
        byte[] k = Hex.le(key, actual.keySize(), "the key of map " + actual.name());
        if (actual.perCpu()) {
            long[] perCpu = actual.lookupPerCpuLong(key);
            long sum = perCpu == null ? 0 : Arrays.stream(perCpu).sum();
            if (perCpu == null || sum != value) {
                fail(k, Hex.le(value, 8, "value"), perCpu == null ? null : Hex.le(sum, 8, "value"),
                        " (sum over CPUs " + (perCpu == null ? "" : Arrays.toString(perCpu)) + ")");
            }
            return this;
        }
        return containsEntry(k, Hex.le(value, actual.valueSize(), "the value of map " + actual.name()));
    }

    /** The map holds {@code key} with exactly {@code value}. */
    public MapViewAssert containsEntry(byte[] key, byte[] value) {
        isNotNull();
        byte[] got = actual.lookup(key);
        if (!Arrays.equals(got, value)) {
            fail(key, value, got, "");
        }
        return this;
    }

    /** The map has no value at {@code key} (encoded as the map's key size). */
    public MapViewAssert doesNotContainKey(long key) {
        isNotNull();
        return doesNotContainKey(Hex.le(key, actual.keySize(), "the key of map " + actual.name()));
    }

    public MapViewAssert doesNotContainKey(byte[] key) {
        isNotNull();
        byte[] got = actual.lookup(key);
        if (got != null) {
            failWithMessage("%s", "Expected map \"" + actual.name() + "\" not to contain key " + Hex.of(key)
                    + Hex.number(key) + ", but it maps to " + Hex.of(got) + Hex.number(got) + "\n" + listing());
        }
        return this;
    }

    /** The map has {@code n} entries (an array map always has max_entries). */
    public MapViewAssert hasSize(int n) {
        isNotNull();
        int size = actual.entries().size();
        if (size != n) {
            failWithMessage("%s", "Expected map \"" + actual.name() + "\" to have " + n + " entries, but it has "
                    + size + "\n" + listing());
        }
        return this;
    }

    private void fail(byte[] key, byte[] expected, byte[] got, String note) {
        failWithMessage("%s", "Expected map \"" + actual.name() + "\" to contain key " + Hex.of(key)
                + Hex.number(key) + " with value " + Hex.of(expected) + Hex.number(expected) + note + "\n"
                + "- expected " + Hex.of(expected) + Hex.number(expected) + "\n"
                + "+ actual   " + (got == null ? "(no entry)" : Hex.of(got) + Hex.number(got)) + "\n"
                + listing());
    }

    /** {@code map "counts" (hash, 2 entries):} and the entries, key -> value. */
    String listing() {
        List<MapView.Entry> entries = actual.entries();
        StringBuilder sb = new StringBuilder("map \"" + actual.name() + "\" (" + actual.type().bpftoolName() + ", "
                + entries.size() + (entries.size() == 1 ? " entry" : " entries") + ")" + (entries.isEmpty() ? "" : ":"));
        int n = 0;
        for (MapView.Entry e : entries) {
            if (n++ == LISTED) {
                sb.append("\n  ... ").append(entries.size() - LISTED).append(" more");
                break;
            }
            sb.append("\n  ").append(Hex.of(e.key())).append(" -> ").append(Hex.of(e.value()));
        }
        return sb.toString();
    }
}
