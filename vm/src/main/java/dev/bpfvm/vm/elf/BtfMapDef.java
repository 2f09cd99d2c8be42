package dev.bpfvm.vm.elf;

import dev.bpfvm.vm.btf.Btf;
import dev.bpfvm.vm.btf.BtfException;
import dev.bpfvm.vm.btf.BtfType;
import dev.bpfvm.vm.btf.BtfType.Array;
import dev.bpfvm.vm.btf.BtfType.Member;
import dev.bpfvm.vm.btf.BtfType.Ptr;
import dev.bpfvm.vm.btf.BtfType.Struct;
import dev.bpfvm.vm.object.MapSpec;
import dev.bpfvm.vm.object.Pinning;
import dev.bpfvm.vm.spi.MapType;
import java.util.List;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * A BTF-defined map ({@code struct { __uint(type, ...); __type(key, ...); ... } name SEC(".maps")}):
 * {@code __uint(name, N)} is a pointer to an array of N elements, {@code __type(name, T)} a
 * pointer to T, {@code __array(values, ...)} a zero-sized array of pointers to the inner map
 * definition (map-in-map) or to a function prototype (PROG_ARRAY). Unknown fields are errors,
 * as in libbpf's strict mode.
 */
final class BtfMapDef {
    /** A parsed definition: where it is in {@code .maps}, and where its {@code values} member starts (-1 if none). */
    record Parsed(String name, long offset, long size, long valuesOffset, MapSpec spec) {}

    private static final int PAGE_SIZE = 4096;

    private final String file;
    private final Btf btf;
    private final BiFunction<String, Long, MapType> types;

    BtfMapDef(String file, Btf btf, BiFunction<String, Long, MapType> types) {
        this.file = file;
        this.btf = btf;
        this.types = types;
    }

    private BtfException error(String map, String what) {
        return new BtfException(file, ".BTF: map '" + map + "': " + what);
    }

    /** {@code size} is the variable's size in {@code .maps}, which includes any {@code .values} initializer. */
    Parsed parse(String name, int varType, long offset, long size) {
        BtfType def = btf.resolved(varType);
        if (!(def instanceof Struct s)) {
            throw error(name, "unexpected def kind " + def.kind() + ", expected a STRUCT");
        }
        long[] valuesOff = {-1};
        MapSpec spec = parseDef(name, s, false, valuesOff);
        return new Parsed(name, offset, Math.max(size, s.size()), valuesOff[0], spec);
    }

    private MapSpec parseDef(String name, Struct s, boolean inner, long[] valuesOff) {
        long type = -1;
        long maxEntries = 0;
        long flags = 0;
        long numa = 0;
        long keySize = 0;
        long valueSize = 0;
        long extra = 0;
        int keyId = 0;
        int valueId = 0;
        Pinning pinning = Pinning.NONE;
        MapSpec innerSpec = null;
        List<Member> members = s.members();
        // scalar fields first, so that "values" can depend on the type wherever it is declared
        for (Member m : members) {
            switch (m.name()) {
                case "type":
                    type = uint(name, m);
                    break;
                case "max_entries":
                    maxEntries = uint(name, m);
                    break;
                case "map_flags":
                    flags = uint(name, m);
                    break;
                case "numa_node":
                    numa = uint(name, m);
                    break;
                case "key_size": {
                    long sz = uint(name, m);
                    if (keySize != 0 && keySize != sz) {
                        throw error(name, "conflicting key size " + keySize + " != " + sz);
                    }
                    keySize = sz;
                    break;
                }
                case "value_size": {
                    long sz = uint(name, m);
                    if (valueSize != 0 && valueSize != sz) {
                        throw error(name, "conflicting value size " + valueSize + " != " + sz);
                    }
                    valueSize = sz;
                    break;
                }
                case "key": {
                    int t = pointee(name, m, "key");
                    long sz = btf.size(t);
                    if (keySize != 0 && keySize != sz) {
                        throw error(name, "conflicting key size " + keySize + " != " + sz);
                    }
                    keySize = sz;
                    keyId = t;
                    break;
                }
                case "value": {
                    int t = pointee(name, m, "value");
                    long sz = btf.size(t);
                    if (valueSize != 0 && valueSize != sz) {
                        throw error(name, "conflicting value size " + valueSize + " != " + sz);
                    }
                    valueSize = sz;
                    valueId = t;
                    break;
                }
                case "pinning": {
                    if (inner) {
                        throw error(name, "inner def can't be pinned");
                    }
                    long v = uint(name, m);
                    pinning = Pinning.of(v);
                    if (pinning == null) {
                        throw error(name, "invalid pinning value " + v);
                    }
                    break;
                }
                case "map_extra":
                    extra = ulong(name, m);
                    break;
                case "values":
                    break;
                default:
                    throw error(name, "unknown field '" + m.name() + "'");
            }
        }
        if (type < 0) {
            throw error(name, "map type isn't specified");
        }
        MapType mapType = types.apply(name, type);
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            if (!m.name().equals("values")) {
                continue;
            }
            boolean mapInMap = mapType == MapType.ARRAY_OF_MAPS || mapType == MapType.HASH_OF_MAPS;
            boolean progArray = mapType == MapType.PROG_ARRAY;
            String desc = mapInMap ? "map-in-map inner" : "prog-array value";
            if (inner) {
                throw error(name, "multi-level inner maps not supported");
            }
            if (i != members.size() - 1) {
                throw error(name, "'values' member should be last");
            }
            if (!mapInMap && !progArray) {
                throw error(name, "should be map-in-map or prog-array");
            }
            if (valueSize != 0 && valueSize != 4) {
                throw error(name, "conflicting value size " + valueSize + " != 4");
            }
            valueSize = 4;
            BtfType t = btf.type(m.type());
            if (!(t instanceof Array a) || a.count() != 0) {
                throw error(name, desc + " spec is not a zero-sized array");
            }
            BtfType p = btf.resolved(a.elemType());
            if (!(p instanceof Ptr ptr)) {
                throw error(name, desc + " def is of unexpected kind " + p.kind());
            }
            BtfType target = btf.resolved(ptr.type());
            if (progArray) {
                if (!(target instanceof BtfType.FuncProto)) {
                    throw error(name, "prog-array value def is of unexpected kind " + target.kind());
                }
            } else {
                if (!(target instanceof Struct innerDef)) {
                    throw error(name, "map-in-map inner def is of unexpected kind " + target.kind());
                }
                innerSpec = parseDef(name + ".inner", innerDef, true, new long[] {-1});
            }
            if (m.bitOffset() % 8 != 0) {
                throw error(name, "'values' member is not byte aligned");
            }
            valuesOff[0] = m.bitOffset() / 8;
        }
        if ((mapType == MapType.RINGBUF || mapType == MapType.USER_RINGBUF) && maxEntries != 0) {
            maxEntries = ringbufSize(maxEntries);
        }
        return new MapSpec(name, mapType, (int) keySize, (int) valueSize, (int) maxEntries, (int) flags, (int) numa,
                pinning, extra, innerSpec, List.of(), new TreeMap<>(), keyId, valueId, ".maps", false);
    }

    /** libbpf rounds a ring buffer up to a power-of-2 multiple of the page size. */
    static long ringbufSize(long sz) {
        if (sz % PAGE_SIZE == 0 && Long.bitCount(sz / PAGE_SIZE) == 1) {
            return sz;
        }
        for (long mul = 1; mul <= 0xffffffffL / PAGE_SIZE; mul <<= 1) {
            if (mul * PAGE_SIZE > sz) {
                return mul * PAGE_SIZE;
            }
        }
        return sz;
    }

    /** {@code __uint(name, N)}: {@code int (*name)[N]}. */
    private long uint(String map, Member m) {
        BtfType t = btf.type(m.type());
        if (!(t instanceof Ptr p)) {
            throw error(map, "attr '" + m.name() + "': expected PTR, got " + t.kind());
        }
        BtfType arr = btf.type(p.type());
        if (!(arr instanceof Array a)) {
            throw error(map, "attr '" + m.name() + "': type [" + p.type() + "] is not an array");
        }
        return a.count() & 0xffffffffL;
    }

    /** {@code __uint(...)} or the newer {@code __ulong(name, N)}, an enum whose first value is N. */
    private long ulong(String map, Member m) {
        BtfType t = btf.type(m.type());
        if (t instanceof BtfType.Enumeration e) {
            if (e.values().size() != 1) {
                throw error(map, "attr '" + m.name() + "': invalid __ulong");
            }
            return e.values().get(0).value();
        }
        return uint(map, m);
    }

    private int pointee(String map, Member m, String what) {
        BtfType t = btf.type(m.type());
        if (!(t instanceof Ptr p)) {
            throw error(map, what + " spec is not PTR: " + t.kind());
        }
        return p.type();
    }
}
