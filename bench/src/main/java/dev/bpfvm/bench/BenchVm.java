package dev.bpfvm.bench;

import dev.bpfvm.helpers.StandardHelpers;
import dev.bpfvm.kernel.load.BpfObject;
import dev.bpfvm.kernel.load.LoadOptions;
import dev.bpfvm.testprogs.TestObjects;
import dev.bpfvm.vm.elf.ElfLoader;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.Tier;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.jit.JitCompiler;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.object.ObjectFunctions;
import dev.bpfvm.vm.object.ProgramSpec;
import dev.bpfvm.vm.spi.HelperRegistry;
import java.util.List;

/**
 * One program with its own runtime, memory and context, interpreted or compiled (installed
 * before the first run), run as {@code bpfvm run} runs it: r1 = the memory, r2 = its length.
 * What every benchmark of this module sets up.
 */
public final class BenchVm {
    final ExecContext ctx;
    final Program program;
    final long r1;
    final long r2;
    /** The object made live, for a function of a BPF object; null for assembler programs. */
    final BpfObject object;

    /** An assembler program ({@link BenchPrograms}) on {@code memory}. */
    public BenchVm(String name, List<Insn> insns, byte[] memory, Tier tier) {
        this(new BpfRuntime(StandardHelpers.register(new HelperRegistry())), null, new Program(name, insns), memory,
                tier);
    }

    private BenchVm(BpfRuntime rt, BpfObject object, Program program, byte[] memory, Tier tier) {
        Region mem = rt.memory().register(Region.of(Region.Kind.MEMORY, "mem", memory).build());
        this.ctx = rt.newContext(0);
        this.program = program;
        this.object = object;
        if (tier == Tier.JIT) {
            program.installCompiledCode(JitCompiler.compile(program));
        }
        this.r1 = mem.address();
        this.r2 = mem.length();
    }

    /**
     * Global function {@code function} of the committed test object {@code objectName} (e.g.
     * {@code bench_primes.o}), linked against the object made live as libbpf would load it (its
     * maps created), without the verifier, as {@code bpfvm run} does.
     */
    public static BenchVm object(String objectName, String function, byte[] memory, Tier tier) {
        ObjectFunctions all = ElfLoader.loadFunctions(objectName, TestObjects.bytes(objectName));
        ProgramSpec spec = all.function(function);
        if (spec == null) {
            throw new IllegalArgumentException(objectName + ": no function " + function + " (" + all.names() + ")");
        }
        BpfObject live = BpfObject.load(all.object(), objectName, LoadOptions.defaults().withVerify(false));
        return new BenchVm(live.runtime(), live, live.linkFunction(spec).program(), memory, tier);
    }

    /** One whole run; r0. */
    public long run() {
        return ctx.run(program, r1, r2, 0, 0, 0);
    }

    /** Instructions the last run executed. */
    public long executed() {
        return ctx.executed();
    }

    /** The tier that ran the last run. */
    public Tier lastTier() {
        return ctx.lastTier();
    }
}
