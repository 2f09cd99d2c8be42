package dev.bpfvm.cli;

import dev.bpfvm.verifier.InsnPrinter;
import dev.bpfvm.verifier.KernelTypes;
import dev.bpfvm.verifier.ObjectPrograms;
import dev.bpfvm.verifier.ProgramTypes;
import dev.bpfvm.verifier.Verifier;
import dev.bpfvm.verifier.VerifierException;
import dev.bpfvm.verifier.VerifierInput;
import dev.bpfvm.verifier.VerifierOptions;
import dev.bpfvm.verifier.VerifierResult;
import dev.bpfvm.verifier.VerifierTrace;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.SourceLine;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.KfuncRegistry;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.LinkedProgram;
import dev.bpfvm.vm.object.ObjectSpec;
import dev.bpfvm.vm.object.ProgramSpec;
import dev.bpfvm.vm.object.ProgramType;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the verifier for the CLI. Programs of a known type use their type's rules; code with no
 * program type (raw {@code .s}/{@code .bin} code, a global function of {@code .text}) is verified
 * as bpfvm's raw type ({@link ProgramTypes#raw}), the way {@code bpfvm run} starts it: r1 points at
 * the run's memory ({@code --mem-hex}/{@code --mem}, its exact length) and r2 holds that length.
 */
final class Verification {
    private Verification() {}

    /** Verifies a linked program of an object; a type bpfvm cannot verify is a rejection. */
    static VerifierResult verify(ObjectSpec object, LinkedProgram linked, BpfRuntime rt, VerifierOptions options) {
        return verify(object, linked, rt, options, -1);
    }

    /**
     * Verifies a linked program of an object; a function with no program type as bpfvm's raw
     * type over {@code memSize} bytes (when not negative; else as a syscall program).
     */
    static VerifierResult verify(ObjectSpec object, LinkedProgram linked, BpfRuntime rt, VerifierOptions options,
            int memSize) {
        return verify(object, linked, rt.helpers(), rt.kfuncs(), options, memSize, false).result();
    }

    /** As {@link #verify(ObjectSpec, LinkedProgram, BpfRuntime, VerifierOptions)}, with these helper and kfunc registries. */
    static VerifierResult verify(ObjectSpec object, LinkedProgram linked, HelperRegistry helpers, KfuncRegistry kfuncs,
            VerifierOptions options) {
        return verify(object, linked, helpers, kfuncs, options, -1, false).result();
    }

    /** The number of visits at each end of a verification whose states {@code --html} keeps. */
    static final int TRACE_KEEP_STATES = 10_000;

    /**
     * Verifies a linked program of an object recording every instruction visit ({@link Verifier#trace}),
     * for {@code --html}; a rejection before checking starts has no visits.
     */
    static VerifierTrace trace(ObjectSpec object, LinkedProgram linked, HelperRegistry helpers, KfuncRegistry kfuncs,
            VerifierOptions options) {
        return verify(object, linked, helpers, kfuncs, options, -1, true);
    }

    private static VerifierTrace verify(ObjectSpec object, LinkedProgram linked, HelperRegistry helpers,
            KfuncRegistry kfuncs, VerifierOptions options, int memSize, boolean traced) {
        LinkedProgram l = linked;
        boolean raw = linked.spec().type() == ProgramType.UNSPEC && memSize >= 0;
        if (linked.spec().type() == ProgramType.UNSPEC) {
            ProgramSpec s = linked.spec();
            l = new LinkedProgram(new ProgramSpec(s.name(), s.section(), ProgramType.SYSCALL, AttachType.NONE,
                    s.attachTo(), s.flags() | ProgramSpec.BPF_F_SLEEPABLE, s.insns(), s.relocs(), s.functions(), s.lines(), s.license()),
                    linked.program(), linked.relocs(), linked.core(), linked.poisoned());
        }
        VerifierInput in;
        try {
            in = ObjectPrograms.input(object, l, helpers, kfuncs, options, KernelTypes.emulated());
            if (raw) {
                in = new VerifierInput(in.program(), ProgramTypes.raw(memSize), in.helpers(), in.kfuncs(), in.maps(),
                        in.funcInfo(), in.options(), in.kernelTypes());
            }
        } catch (VerifierException e) {
            return untraced(rejection(e), l.program(), traced);
        } catch (RuntimeException e) {
            // what the verifier would call its own internal error: a rejection, never a stack trace
            String msg = "verifier internal error: " + e;
            return untraced(new VerifierResult(false, msg + "\n", msg, Errno.EFAULT, 0, 0, 0, 0, 0, -1, null,
                    List.of()), l.program(), traced);
        }
        if (traced) {
            return Verifier.trace(in, TRACE_KEEP_STATES);
        }
        return untraced(Verifier.verify(in), l.program(), false);
    }

    /** A result with no visits, and (for a trace) the program's instructions and source lines. */
    private static VerifierTrace untraced(VerifierResult r, Program p, boolean traced) {
        List<String> insns = new ArrayList<>();
        List<SourceLine> sources = new ArrayList<>();
        if (!traced) {
            return new VerifierTrace(r, List.of(), insns, sources);
        }
        InsnPrinter printer = InsnPrinter.kernel();
        for (int pc = 0; pc < p.slotCount(); pc++) {
            Insn insn = p.insnAt(pc);
            insns.add(insn != null ? printer.print(pc, insn) : null);
            SourceLine line;
            try {
                line = p.sourceLine(pc);
            } catch (RuntimeException e) {
                line = null;
            }
            sources.add(line);
        }
        return new VerifierTrace(r, List.of(), insns, sources);
    }

    /** Verifies raw code (no object) as bpfvm's raw type over {@code memSize} bytes; no maps. */
    static VerifierResult verify(Program program, int memSize, BpfRuntime rt, VerifierOptions options) {
        return Verifier.verify(VerifierInput.builder(program, ProgramTypes.raw(memSize)).helpers(rt.helpers())
                .kfuncs(rt.kfuncs()).options(options.withSleepable(true)).kernelTypes(KernelTypes.emulated()).build());
    }

    private static VerifierResult rejection(VerifierException e) {
        return new VerifierResult(false, e.log(), e.reason(), e.errno(), 0, 0, 0, 0, 0, e.insnIdx(), null, List.of());
    }
}
