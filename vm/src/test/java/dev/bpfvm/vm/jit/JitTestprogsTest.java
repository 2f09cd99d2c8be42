package dev.bpfvm.vm.jit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.btf.KernelBtf;
import dev.bpfvm.vm.elf.ElfLoader;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.Tier;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.object.Linker;
import dev.bpfvm.vm.object.MapSpec;
import dev.bpfvm.vm.object.ObjectSpec;
import dev.bpfvm.vm.object.ProgramSpec;
import dev.bpfvm.vm.object.RelocationException;
import dev.bpfvm.vm.object.SymbolResolver;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.RetType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The clang-built objects of {@code testprogs} (real compiler output: loops, subprograms,
 * callbacks, global data, CO-RE) in both tiers. Maps are stand-in regions and every helper
 * is a deterministic function of its number and arguments ({@code bpf_loop} really loops,
 * {@code bpf_map_lookup_elem} returns the map's one stand-in value), so
 * a run goes as far as the program's own code takes it; outcome, executed count, context and
 * global data must be identical.
 */
class JitTestprogsTest {
    private static final Path OBJECTS = Path.of("..", "testprogs", "src", "main", "resources", "bpf");
    private static final int MAP_LOOKUP_ELEM = 1;
    private static final int BPF_LOOP = 181;

    /** A runtime with stand-ins for one object's maps, and a context buffer. */
    private static final class World {
        final HelperRegistry helpers = new HelperRegistry();
        final BpfRuntime rt = new BpfRuntime(helpers);
        final ExecContext ctx = rt.newContext(0);
        final byte[] ctxBytes = new byte[512];
        final Region ctxRegion;
        final Map<String, Region> maps = new HashMap<>();
        final List<byte[]> data = new ArrayList<>();
        /** Map handle address → the one value every lookup returns. */
        final Map<Long, Region> values = new HashMap<>();

        World(ObjectSpec object) {
            for (int i = 0; i < ctxBytes.length; i++) {
                ctxBytes[i] = (byte) (i * 7 + 3);
            }
            ctxRegion = rt.memory().register(Region.of(Region.Kind.CTX, "ctx", ctxBytes).build());
            for (MapSpec m : object.maps()) {
                if (m.isGlobalData()) {
                    byte[] bytes = new byte[Math.max(m.valueSize(), 1)];
                    byte[] init = m.data();
                    if (init != null) {
                        System.arraycopy(init, 0, bytes, 0, Math.min(init.length, bytes.length));
                    }
                    data.add(bytes);
                    maps.put(m.name(), rt.memory().register(Region.of(Region.Kind.GLOBAL, m.name(), bytes).build()));
                } else {
                    Region handle = rt.memory().register(Region.handle(Region.Kind.MAP, m.name(), m).build());
                    maps.put(m.name(), handle);
                    byte[] value = new byte[Math.max(m.valueSize(), 1)];
                    data.add(value);
                    values.put(handle.address(),
                            rt.memory().register(Region.of(Region.Kind.MAP_VALUE, m.name(), value).build()));
                }
            }
            for (int id = 1; id < 220; id++) {
                int n = id;
                helpers.register(new HelperSpec(id, "helper" + id, HelperProto.of(RetType.INTEGER), id == MAP_LOOKUP_ELEM
                        ? (c, map, key, d, e, f) -> {
                            Region v = values.get(map);
                            return v != null ? v.address() : 0;
                        }
                        : id == BPF_LOOP
                        ? (c, nr, fn, arg, flags, e) -> {
                            long i = 0;
                            for (; i < Math.min(nr, 64); i++) {
                                if (c.callFunction(fn, i, arg, 0, 0, 0) != 0) {
                                    i++;
                                    break;
                                }
                            }
                            return i;
                        }
                        : (c, a, b, d, e, f) -> (a * 31 + b) ^ (n * 0x9e3779b9L) ^ d ^ e ^ f));
            }
        }

        SymbolResolver resolver() {
            return new SymbolResolver() {
                @Override
                public long mapAddress(String map) {
                    return maps.get(map).address();
                }

                @Override
                public long mapValueAddress(String map) {
                    return maps.get(map).address();
                }
            };
        }

        String run(Program p) {
            String result;
            try {
                result = "r0=0x" + Long.toHexString(ctx.run(p, ctxRegion.address(), 0, 0, 0, 0));
            } catch (BpfException e) {
                result = FuzzWorld.describe(e);
            }
            StringBuilder sb = new StringBuilder(result).append(" executed=").append(ctx.executed())
                    .append(" ctx=").append(HexFormat.of().formatHex(ctxBytes));
            for (byte[] d : data) {
                sb.append(" data=").append(HexFormat.of().formatHex(d));
            }
            return sb.toString();
        }
    }

    private static List<Path> objects() throws IOException {
        try (Stream<Path> s = Files.list(OBJECTS)) {
            return s.filter(p -> p.toString().endsWith(".o")).sorted().toList();
        }
    }

    /** Links and runs one program in a fresh world; compiled with {@code options} unless null. */
    private static String run(Path file, String program, EmitOptions options) throws IOException {
        ObjectSpec object = ElfLoader.load(file);
        World w = new World(object);
        Program p = new Linker(object, w.resolver(), KernelBtf.get()).link(program).program();
        if (options != null) {
            p.installCompiledCode(JitCompiler.compile(p, options));
        }
        String out = w.run(p);
        assertThat(w.ctx.lastTier()).isEqualTo(options != null ? Tier.JIT : Tier.INTERPRETER);
        return out;
    }

    private static boolean usesInterpreterOnlyOpcodes(Path file, String program) throws IOException {
        ObjectSpec object = ElfLoader.load(file);
        Program p = new Linker(object, new World(object).resolver(), KernelBtf.get()).link(program).program();
        for (int pc = 0; pc < p.slotCount(); pc++) {
            if (p.insnAt(pc) != null && EmitterTable.INTERPRETER_ONLY.contains(p.insnAt(pc).opcode())) {
                return true;
            }
        }
        return false;
    }

    @TestFactory
    Stream<DynamicTest> everyLinkableProgramRunsTheSameInBothTiers() throws IOException {
        List<Path> files = objects();
        assertThat(files).hasSizeGreaterThan(10);
        List<DynamicTest> tests = new ArrayList<>();
        for (Path f : files) {
            for (ProgramSpec spec : ElfLoader.load(f).programs()) {
                tests.add(DynamicTest.dynamicTest(f.getFileName() + " " + spec.name(), () -> {
                    String interpreted;
                    try {
                        interpreted = run(f, spec.name(), null);
                    } catch (RelocationException e) {
                        return;   // needs a kernel symbol or kfunc this stand-in world lacks
                    }
                    if (usesInterpreterOnlyOpcodes(f, spec.name())) {
                        return;   // may_goto: the JIT leaves such programs to the interpreter
                    }
                    for (EmitOptions o : new EmitOptions[] {EmitOptions.DEFAULT, EmitOptions.CHECKED_ONLY}) {
                        assertThat(run(f, spec.name(), o)).as(o.toString()).isEqualTo(interpreted);
                    }
                }));
            }
        }
        assertThat(tests).hasSizeGreaterThan(30);
        return tests.stream();
    }
}
