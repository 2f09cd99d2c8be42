package dev.bpfvm.testprogs;

import dev.bpfvm.vm.btf.KernelBtf;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.object.LinkedProgram;
import dev.bpfvm.vm.object.Linker;
import dev.bpfvm.vm.object.MapSpec;
import dev.bpfvm.vm.object.ObjectSpec;
import dev.bpfvm.vm.object.SymbolResolver;
import dev.bpfvm.vm.spi.ArgType;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.KfuncRegistry;
import dev.bpfvm.vm.spi.KfuncSpec;
import dev.bpfvm.vm.spi.RetType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A test-only "live" object: global data maps become memory regions holding their initial
 * contents, other maps become handles, the programs are linked against them and bpfvm's kernel
 * BTF. The few helpers the test programs call are stubs (the real ones live in the helpers
 * module).
 */
final class Loaded {
    final ObjectSpec spec;
    final BpfRuntime runtime;
    final Map<String, Region> regions = new HashMap<>();
    final Map<String, LinkedProgram> programs = new HashMap<>();
    final StringBuilder printk = new StringBuilder();
    final List<String> kfuncCalls = new java.util.ArrayList<>();

    Loaded(ObjectSpec spec) {
        this.spec = spec;
        HelperRegistry helpers = new HelperRegistry();
        helpers.register(new HelperSpec(6, "bpf_trace_printk", HelperProto.of(RetType.INTEGER, ArgType.ANYTHING),
                (ctx, a, b, c, d, e) -> {
                    printk.append("printk ").append(c).append(' ').append(d).append('\n');
                    return 0;
                }));
        helpers.register(new HelperSpec(8, "bpf_get_smp_processor_id", HelperProto.of(RetType.INTEGER),
                (ctx, a, b, c, d, e) -> ctx.cpu()));
        helpers.register(new HelperSpec(181, "bpf_loop", HelperProto.of(RetType.INTEGER, ArgType.ANYTHING),
                (ctx, n, fn, arg, flags, e) -> {
                    long i = 0;
                    for (; i < n; i++) {
                        if (ctx.callFunction(fn, i, arg, 0, 0, 0) != 0) {
                            i++;
                            break;
                        }
                    }
                    return i;
                }));
        helpers.register(new HelperSpec(113, "bpf_probe_read_kernel",
                HelperProto.of(RetType.INTEGER, ArgType.PTR_TO_UNINIT_MEM, ArgType.CONST_SIZE_OR_ZERO, ArgType.ANYTHING),
                (ctx, dst, size, src, d, e) -> {
                    try {
                        for (int i = 0; i < size; i++) {
                            ctx.memory().store(dst + i, 1, ctx.memory().load(src + i, 1));
                        }
                        return 0;
                    } catch (dev.bpfvm.vm.BpfException fault) {
                        for (int i = 0; i < size; i++) {
                            ctx.memory().store(dst + i, 1, 0);
                        }
                        return -14;
                    }
                }));
        KfuncRegistry kfuncs = new KfuncRegistry();
        for (String k : KernelBtf.kfuncs()) {
            kfuncs.register(new KfuncSpec(k, KernelBtf.funcId(k), 0, HelperProto.of(RetType.INTEGER),
                    (ctx, a, b, c, d, e) -> {
                        kfuncCalls.add(k.startsWith("bpf_rcu_") ? k + "()" : k + "(" + Long.toHexString(a) + ", " + b + ")");
                        return k.endsWith("_acquire") ? a : 0;
                    }));
        }
        runtime = new BpfRuntime(helpers, kfuncs, 4);
        for (MapSpec m : spec.maps()) {
            Region r;
            if (m.isGlobalData()) {
                Region.Builder b = Region.of(Region.Kind.GLOBAL, m.name(), m.data()).owner(m);
                if (m.frozen()) {
                    b.readOnly();
                }
                r = b.build();
            } else {
                r = Region.handle(Region.Kind.MAP, m.name(), m).build();
            }
            regions.put(m.name(), runtime.memory().register(r));
        }
        SymbolResolver resolver = new SymbolResolver() {
            @Override
            public long mapAddress(String map) {
                return regions.get(map).address();
            }

            @Override
            public long mapValueAddress(String map) {
                return regions.get(map).address();
            }

            @Override
            public OptionalLong ksymAddress(String name) {
                return name.equals("bpf_prog_active") ? OptionalLong.of(0xffff_8000_0000_1000L) : OptionalLong.empty();
            }

            @Override
            public OptionalInt kfuncBtfId(String name) {
                return runtime.kfuncs().byName(name) != null
                        ? OptionalInt.of(runtime.kfuncs().byName(name).btfId()) : OptionalInt.empty();
            }
        };
        Linker linker = new Linker(spec, resolver, KernelBtf.get());
        spec.programs().forEach(p -> programs.put(p.name(), linker.link(p)));
    }

    static Loaded of(String object) {
        return new Loaded(TestObjects.load(object));
    }

    long run(String program, long r1) {
        return runtime.newContext(0).run(programs.get(program).program(), r1, 0, 0, 0, 0);
    }

    /** A new kernel-object (or ctx) region of {@code size} bytes; returns it. */
    Region object(Region.Kind kind, String name, int size) {
        return runtime.memory().register(Region.of(kind, name, new byte[size]).build());
    }

    static void put(Region r, int offset, int size, long value) {
        dev.bpfvm.vm.mem.AddressSpace.put(r.data(), r.base() + offset, size, value);
    }

    static long get(Region r, int offset, int size) {
        return dev.bpfvm.vm.mem.AddressSpace.get(r.data(), r.base() + offset, size);
    }

    long global(String map, int offset, int size) {
        return get(regions.get(map), offset, size);
    }

    List<String> programNames() {
        return spec.programs().stream().map(p -> p.name()).toList();
    }
}
