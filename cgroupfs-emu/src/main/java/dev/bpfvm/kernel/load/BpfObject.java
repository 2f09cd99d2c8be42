package dev.bpfvm.kernel.load;

import dev.bpfvm.helpers.Helpers;
import dev.bpfvm.kernel.testrun.PacketHelpers;
import dev.bpfvm.maps.ArrayOfMapsMap;
import dev.bpfvm.maps.HashOfMapsMap;
import dev.bpfvm.maps.ProgArrayMap;
import dev.bpfvm.verifier.VerifierException;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.LoaderException;
import dev.bpfvm.vm.btf.Btf;
import dev.bpfvm.vm.btf.BtfType;
import dev.bpfvm.vm.btf.KernelBtf;
import dev.bpfvm.vm.elf.ElfLoader;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.object.LinkedProgram;
import dev.bpfvm.vm.object.Linker;
import dev.bpfvm.vm.object.MapEntry;
import dev.bpfvm.vm.object.MapSpec;
import dev.bpfvm.vm.object.ObjectSpec;
import dev.bpfvm.vm.object.ProgramSpec;
import dev.bpfvm.vm.object.SymbolResolver;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A BPF object file made live: every map created (with its initial contents, global data
 * sections, map-in-map and prog_array slots), every program linked against them and ready to
 * run. What libbpf's {@code bpf_object__open} + {@code bpf_object__load} do, in one step.
 *
 * <pre>{@code
 * try (BpfObject obj = BpfObject.open(Path.of("prog.o"))) {
 *     TestRunResult r = obj.program("count").testRun(TestRunOptions.data(packet));
 *     long hits = obj.map("counts").lookupLong(0).orElseThrow();
 * }
 * }</pre>
 *
 * <p>Opening either succeeds completely or throws a {@link LoaderException} (a
 * {@link BpfLoadException} naming the map or program, or the loader's own error) after freeing
 * whatever it had created. Not thread-safe to open or close; programs may run on several
 * threads (one {@link dev.bpfvm.vm.exec.ExecContext} each).
 */
public final class BpfObject implements AutoCloseable {
    private final ObjectSpec spec;
    private final String file;
    private final BpfRuntime runtime;
    private final LoadOptions options;
    private final Map<String, MapView> maps = new LinkedHashMap<>();
    private final Map<String, BpfProgram> programs = new LinkedHashMap<>();
    private final List<BpfMap> templates = new ArrayList<>();
    private boolean closed;

    private BpfObject(ObjectSpec spec, String file, BpfRuntime runtime, LoadOptions options) {
        this.spec = spec;
        this.file = file;
        this.runtime = runtime;
        this.options = options;
    }

    /** Opens and loads the object file at {@code path} with default options. */
    public static BpfObject open(Path path) {
        return open(path, LoadOptions.defaults());
    }

    public static BpfObject open(Path path, LoadOptions options) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new BpfLoadException(path.toString(), null, null, "no such file", null);
        } catch (IOException e) {
            throw new BpfLoadException(path.toString(), null, null, "cannot read: " + e.getMessage(), null);
        }
        return open(path.getFileName().toString(), bytes, options);
    }

    /** Opens and loads an object from its bytes; {@code name} is the file name used in messages. */
    public static BpfObject open(String name, byte[] bytes) {
        return open(name, bytes, LoadOptions.defaults());
    }

    public static BpfObject open(String name, byte[] bytes, LoadOptions options) {
        ObjectSpec spec = ElfLoader.load(name, bytes, new ElfLoader.Options(options.kconfig()));
        return load(spec, name, options);
    }

    /** Makes an already parsed object live (the emulated kernel's {@code BPF_PROG_LOAD} path uses this). */
    public static BpfObject load(ObjectSpec spec, LoadOptions options) {
        return load(spec, spec.name(), options);
    }

    /** As {@link #load(ObjectSpec, LoadOptions)}; {@code file} names the object in messages. */
    public static BpfObject load(ObjectSpec spec, String file, LoadOptions options) {
        BpfRuntime rt = options.runtime() != null ? options.runtime() : newRuntime(options);
        PacketHelpers.register(rt.helpers());
        BpfObject obj = new BpfObject(spec, file, rt, options);
        try {
            obj.createMaps();
            obj.fillMapSlots();
            obj.linkPrograms();
            obj.fillProgramSlots();
        } catch (RuntimeException e) {
            obj.close();
            if (e instanceof LoaderException) {
                throw e;
            }
            throw new BpfLoadException(file, null, null, e.getMessage(), e);
        }
        return obj;
    }

    /** A runtime with every helper (including the packet helpers) and the generic kfuncs under kernel BTF ids. */
    public static BpfRuntime newRuntime(LoadOptions options) {
        BpfRuntime rt = new BpfRuntime(Helpers.defaultRegistry(), Helpers.defaultKfuncs(KernelBtf::funcId),
                options.cpus());
        if (options.clock() != null) {
            rt.clock(options.clock());
        }
        PacketHelpers.register(rt.helpers());
        return rt;
    }

    // ---- pipeline -------------------------------------------------------------------------

    private void createMaps() {
        for (String name : options.mapExtra().keySet()) {
            if (spec.maps().stream().noneMatch(m -> m.name().equals(name))) {
                throw new BpfLoadException(file, null, name, "map_extra set for a map the object does not have", null);
            }
        }
        for (MapSpec m : spec.maps()) {
            BpfMap live;
            try {
                MapAttr.Builder b = attrOf(m);
                if (m.innerMap() != null) {
                    BpfMap inner = options.maps().create(attrOf(m.innerMap().withName(m.name() + ".inner")).build(),
                            runtime);
                    templates.add(inner);
                    b.innerMap(inner);
                }
                live = options.maps().create(b.build(), runtime);
            } catch (BpfException e) {
                throw mapError(m, "cannot create (" + e.errno() + "): " + e.getMessage(), e);
            }
            maps.put(m.name(), new MapView(this, m, live));
            try {
                for (MapEntry e : m.contents()) {
                    live.update(e.key(), userValue(live, e.value()), BpfMap.BPF_ANY);
                }
                if (m.frozen()) {
                    live.freeze();
                }
            } catch (BpfException e) {
                throw mapError(m, "cannot set initial contents (" + e.errno() + "): " + e.getMessage(), e);
            }
        }
    }

    /** Per-CPU maps take one (8-byte aligned) value per CPU from user space: the initial value goes to every CPU. */
    private byte[] userValue(BpfMap live, byte[] value) {
        int total = live.userValueSize();
        if (total == value.length) {
            return value;
        }
        int stride = (live.valueSize() + 7) & ~7;
        byte[] out = new byte[total];
        for (int off = 0; off + stride <= total; off += stride) {
            System.arraycopy(value, 0, out, off, Math.min(value.length, live.valueSize()));
        }
        return out;
    }

    private MapAttr.Builder attrOf(MapSpec m) {
        int flags = m.flags();
        if (m.frozen()) {
            flags |= MapAttr.BPF_F_RDONLY_PROG;   // libbpf: .rodata and .kconfig are read-only for programs
        }
        int keyId = m.btfKeyTypeId();
        int valueId = m.btfValueTypeId();
        if (NO_BTF_TYPES.contains(m.type()) || keyId == 0 || valueId == 0) {
            keyId = 0;       // libbpf creates these map types without key/value BTF
            valueId = 0;
        }
        int maxEntries = m.maxEntries();
        if (m.type() == MapType.PERF_EVENT_ARRAY && maxEntries == 0) {
            maxEntries = runtime.cpus();           // libbpf: one slot per possible CPU
        } else if ((m.type() == MapType.RINGBUF || m.type() == MapType.USER_RINGBUF) && maxEntries > 0) {
            maxEntries = ringbufSize(maxEntries);
        }
        return MapAttr.builder(m.type(), m.keySize(), m.valueSize(), maxEntries)
                .flags(flags)
                .name(kernelName(m))
                .mapExtra(options.mapExtra().getOrDefault(m.name(), m.mapExtra()))
                .btf(keyId, valueId)
                .spinLock(spinLockOffset(spec.btf(), valueId));
    }

    /** libbpf's adjust_ringbuf_sz: the smallest power-of-2 multiple of the page size that holds {@code size}. */
    static int ringbufSize(int size) {
        long n = 4096;
        while (n < Integer.toUnsignedLong(size) && n < (1L << 30)) {
            n <<= 1;
        }
        return (int) n;
    }

    /** Map types libbpf creates with no key/value BTF ({@code bpf_object__create_map}). */
    private static final java.util.Set<MapType> NO_BTF_TYPES = java.util.EnumSet.of(MapType.PERF_EVENT_ARRAY,
            MapType.CGROUP_ARRAY, MapType.STACK_TRACE, MapType.ARRAY_OF_MAPS, MapType.HASH_OF_MAPS,
            MapType.DEVMAP, MapType.DEVMAP_HASH, MapType.CPUMAP, MapType.XSKMAP, MapType.SOCKMAP,
            MapType.SOCKHASH, MapType.QUEUE, MapType.STACK, MapType.ARENA);

    /**
     * The name the kernel sees (BPF_OBJ_NAME_LEN - 1 = 15 bytes). Global data maps are named as
     * libbpf does: a prefix of the object name, then the section name ({@code globals.rodata}).
     */
    String kernelName(MapSpec m) {
        String name = m.name();
        if (m.isGlobalData()) {
            int pfx = Math.max(0, Math.min(MapAttr.BPF_OBJ_NAME_LEN - name.length() - 1, spec.name().length()));
            name = spec.name().substring(0, pfx) + name;
        }
        StringBuilder sb = new StringBuilder();
        for (char c : name.toCharArray()) {
            if (sb.length() == MapAttr.BPF_OBJ_NAME_LEN - 1) {
                break;
            }
            sb.append(Character.isLetterOrDigit(c) || c == '_' || c == '.' ? c : '_');
        }
        return sb.toString();
    }

    /** Offset of a top-level {@code struct bpf_spin_lock} member of the value type, or -1. */
    private static int spinLockOffset(Btf btf, int valueTypeId) {
        if (btf == null || valueTypeId <= 0) {
            return -1;
        }
        try {
            BtfType t = btf.resolved(valueTypeId);
            if (t instanceof BtfType.Composite c) {
                for (BtfType.Member mem : c.members()) {
                    BtfType mt = btf.resolved(mem.type());
                    if (mt instanceof BtfType.Struct s && s.name().equals("bpf_spin_lock")) {
                        return mem.bitOffset() / 8;
                    }
                }
            }
        } catch (RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private void fillMapSlots() {
        for (MapSpec m : spec.maps()) {
            if (m.slots().isEmpty() || m.type() == MapType.PROG_ARRAY) {
                continue;
            }
            BpfMap outer = maps.get(m.name()).map();
            for (Map.Entry<Integer, String> e : m.slots().entrySet()) {
                MapView inner = maps.get(e.getValue());
                if (inner == null) {
                    throw mapError(m, "slot " + e.getKey() + " refers to unknown map '" + e.getValue() + "'", null);
                }
                try {
                    if (outer instanceof ArrayOfMapsMap a) {
                        a.set(e.getKey(), inner.map());
                    } else if (outer instanceof HashOfMapsMap h) {
                        h.set(MapView.encode(e.getKey(), outer.keySize()), inner.map(), BpfMap.BPF_ANY);
                    } else {
                        throw mapError(m, "initial values given for a " + m.type() + " map", null);
                    }
                } catch (BpfException ex) {
                    throw mapError(m, "cannot store map '" + e.getValue() + "' in slot " + e.getKey() + " ("
                            + ex.errno() + "): " + ex.getMessage(), ex);
                }
            }
        }
    }

    /** A linker against this object's live maps, the options' ksyms and the runtime's kfuncs. */
    private Linker linker() {
        SymbolResolver base = new SymbolResolver() {
            @Override
            public long mapAddress(String map) {
                return maps.get(map).map().address();
            }

            @Override
            public long mapValueAddress(String map) {
                return maps.get(map).map().directValueAddress(0);
            }

            @Override
            public OptionalLong ksymAddress(String name) {
                return options.ksyms().apply(name);
            }
        };
        // kfuncs resolve only to what the runtime's registry implements (ids are kernel BTF ids), so a
        // __weak kfunc bpfvm lacks is NULL and a strong one fails here, not at its first call
        return new Linker(spec, SymbolResolver.withKfuncs(base, runtime.kfuncs()), KernelBtf.get());
    }

    private void linkPrograms() {
        Linker linker = linker();
        for (ProgramSpec p : spec.programs()) {
            LinkedProgram linked;
            try {
                linked = linker.link(p);
            } catch (LoaderException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new BpfLoadException(file, p.name(), null, "cannot link: " + e.getMessage(), e);
            }
            if (options.verify()) {
                try {
                    options.verifier().verify(spec, linked, runtime);
                } catch (VerifierException e) {
                    throw new ProgramRejectedException(file, p.name(), e);
                } catch (BpfLoadException e) {
                    throw e;
                } catch (RuntimeException e) {
                    throw new BpfLoadException(file, p.name(), null, "rejected: " + e.getMessage(), e);
                }
            }
            programs.put(p.name(), new BpfProgram(this, linked));
        }
    }

    private void fillProgramSlots() {
        for (MapSpec m : spec.maps()) {
            if (m.type() != MapType.PROG_ARRAY || m.slots().isEmpty()) {
                continue;
            }
            ProgArrayMap jumps = (ProgArrayMap) maps.get(m.name()).map();
            for (Map.Entry<Integer, String> e : m.slots().entrySet()) {
                BpfProgram p = programs.get(e.getValue());
                if (p == null) {
                    throw mapError(m, "slot " + e.getKey() + " refers to unknown program '" + e.getValue() + "'", null);
                }
                try {
                    jumps.set(e.getKey(), p.program());
                } catch (BpfException ex) {
                    throw mapError(m, "cannot store program '" + e.getValue() + "' in slot " + e.getKey() + " ("
                            + ex.errno() + "): " + ex.getMessage(), ex);
                }
            }
        }
    }

    private BpfLoadException mapError(MapSpec m, String detail, Throwable cause) {
        return new BpfLoadException(file, null, m.name(), detail, cause);
    }

    // ---- API ------------------------------------------------------------------------------

    /** The object's name (file name without directories and {@code .o}). */
    public String name() {
        return spec.name();
    }

    /** The file name given when opening (used in messages). */
    public String file() {
        return file;
    }

    public ObjectSpec spec() {
        return spec;
    }

    public BpfRuntime runtime() {
        return runtime;
    }

    public LoadOptions options() {
        return options;
    }

    /** The program with this name; a {@link BpfLoadException} naming the object if there is none. */
    public BpfProgram program(String name) {
        checkOpen();
        BpfProgram p = programs.get(name);
        if (p == null) {
            throw new BpfLoadException(file, null, null, "no program named '" + name + "' (programs: "
                    + String.join(", ", programs.keySet()) + ")", null);
        }
        return p;
    }

    /** Programs in the object's order. */
    public List<BpfProgram> programs() {
        return Collections.unmodifiableList(new ArrayList<>(programs.values()));
    }

    /**
     * Links another function of this object (not one of its programs: e.g. a global function of
     * {@code .text}, from {@link dev.bpfvm.vm.elf.ElfLoader#loadFunctions}) against this object's
     * live maps, exactly as programs are linked; it is not verified. For raw runs ({@code bpfvm run}).
     */
    public LinkedProgram linkFunction(ProgramSpec function) {
        try {
            return linker().link(function);
        } catch (LoaderException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BpfLoadException(file, function.name(), null, "cannot link: " + e.getMessage(), e);
        }
    }

    /** The map with this name ({@code .data}, {@code .rodata}, ... for global data). */
    public MapView map(String name) {
        checkOpen();
        MapView m = maps.get(name);
        if (m == null) {
            throw new BpfLoadException(file, null, null, "no map named '" + name + "' (maps: "
                    + String.join(", ", maps.keySet()) + ")", null);
        }
        return m;
    }

    /** Maps in the object's order. */
    public List<MapView> maps() {
        return Collections.unmodifiableList(new ArrayList<>(maps.values()));
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("object " + spec.name() + " is closed");
        }
    }

    /** Frees every map of the object. Programs must not run afterwards. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (MapView m : maps.values()) {
            m.map().close();
        }
        for (BpfMap t : templates) {
            t.close();
        }
    }
}
