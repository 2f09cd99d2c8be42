package dev.bpfvm.kernel.load;

import dev.bpfvm.verifier.ContextAccess;
import dev.bpfvm.verifier.KernelTypes;
import dev.bpfvm.verifier.ObjectPrograms;
import dev.bpfvm.verifier.Verifier;
import dev.bpfvm.verifier.ProgramTypeRules;
import dev.bpfvm.verifier.VerifierInput;
import dev.bpfvm.verifier.VerifierOptions;
import dev.bpfvm.verifier.VerifierResult;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.object.LinkedProgram;
import dev.bpfvm.vm.object.ObjectSpec;
import java.util.Objects;

/**
 * The verifier hook of the loading pipeline: called for every linked program before it becomes
 * runnable, when {@link LoadOptions#verify()} is on. A {@link dev.bpfvm.verifier.VerifierException}
 * becomes a {@link ProgramRejectedException} (errno, log, insn and source line kept); any other
 * exception a {@link BpfLoadException} naming the program.
 *
 * <p>The default is {@link #KERNEL}: the verifier module with the runtime's helper and kfunc
 * registries and the emulated kernel's BTF, as Linux verifies at {@code BPF_PROG_LOAD}.
 */
@FunctionalInterface
public interface ProgramVerifier {
    /** Accepts everything (for tests of the pipeline itself). */
    ProgramVerifier ACCEPT = (object, program, runtime) -> { };

    /** The real verifier, privileged, log level 1 (the failing path is in a rejection's log). */
    ProgramVerifier KERNEL = kernel(VerifierOptions.defaults());

    /**
     * Verifies {@code program} of {@code object}; throws on rejection.
     *
     * @param object  the object the program comes from (maps, BTF, license)
     * @param program the linked program
     * @param runtime the runtime it will run in (its helper and kfunc registries)
     */
    void verify(ObjectSpec object, LinkedProgram program, BpfRuntime runtime);

    /** The real verifier with these options (log level, unprivileged, alignment). */
    static ProgramVerifier kernel(VerifierOptions options) {
        Objects.requireNonNull(options);
        return (object, program, runtime) -> {
            VerifierInput in = ObjectPrograms.input(object, program, runtime.helpers(),
                    runtime.kfuncs(), options, KernelTypes.emulated(), mapIds(program, runtime));
            if (program.spec().section().startsWith("tp_btf.s/")) {
                in = sleepableTpBtf(in);
            }
            VerifierResult r = Verifier.verify(in);
            if (!r.accepted()) {
                throw r.toException(program.name());
            }
        };
    }

    /**
     * The ids of the maps a linked program names, from the maps its {@code ld_imm64}s were
     * linked to in the runtime (so the log prints {@code map[id:N]} with the kernel's ids).
     */
    private static java.util.function.ToIntFunction<String> mapIds(LinkedProgram program, BpfRuntime runtime) {
        java.util.Map<String, Integer> ids = new java.util.HashMap<>();
        program.relocs().forEach((pc, r) -> {
            String name = r instanceof dev.bpfvm.vm.object.Reloc.MapRef m ? m.map()
                    : r instanceof dev.bpfvm.vm.object.Reloc.DataRef d ? d.map() : null;
            if (name == null) {
                return;
            }
            dev.bpfvm.vm.mem.Region region = runtime.memory().regionAt(program.program().insnAt(pc).imm64());
            if (region != null && region.owner() instanceof dev.bpfvm.vm.spi.BpfMap map) {
                ids.put(name, map.id());
            }
        });
        return name -> ids.getOrDefault(name, 0);
    }

    /**
     * bpfvm's one verifier extension: a sleepable {@code tp_btf.s/} program (seed Idea II runs
     * one on cgroup creation so it can call {@code bpf_sys_bpf}). Linux has no such section
     * and refuses sleepable tp_btf programs; the emulated kernel runs its tracepoints from a
     * context that may sleep, so it accepts them, and checks everything else as Linux does.
     * {@code bpfvm verify} still reports Linux's verdict.
     */
    private static VerifierInput sleepableTpBtf(VerifierInput in) {
        ProgramTypeRules r = in.programType();
        ProgramTypeRules allowed = new ProgramTypeRules() {
            @Override
            public String name() {
                return r.name();
            }

            @Override
            public String kernelType() {
                return r.kernelType();
            }

            @Override
            public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
                return r.contextAccess(off, size, write, ldsx, privileged);
            }

            @Override
            public boolean contextIsConverted() {
                return r.contextIsConverted();
            }

            @Override
            public int[] returnRange() {
                return r.returnRange();
            }

            @Override
            public boolean helperAllowed(HelperSpec helper, boolean privileged) {
                return r.helperAllowed(helper, privileged);
            }

            @Override
            public boolean packetRead() {
                return r.packetRead();
            }

            @Override
            public boolean packetWrite() {
                return r.packetWrite();
            }

            @Override
            public boolean legacyPacketAccess() {
                return r.legacyPacketAccess();
            }

            @Override
            public boolean unprivilegedAllowed() {
                return r.unprivilegedAllowed();
            }

            @Override
            public boolean sleepableAllowed() {
                return true;
            }

            @Override
            public boolean isTracing() {
                return r.isTracing();
            }
        };
        return new VerifierInput(in.program(), allowed, in.helpers(), in.kfuncs(), in.maps(), in.funcInfo(),
                in.options(), in.kernelTypes());
    }
}
