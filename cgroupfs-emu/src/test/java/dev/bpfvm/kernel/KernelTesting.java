package dev.bpfvm.kernel;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.asm.Assembler;
import dev.bpfvm.vm.btf.KernelBtf;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.KfuncSpec;
import dev.bpfvm.vm.spi.RetType;
import java.util.ArrayList;
import java.util.List;

/**
 * Test support: a kernel, a {@code record} kfunc that keeps its five arguments plus the CPU
 * and current pid, and programs assembled from text with kfunc and helper names resolved.
 * {@code {cgroup.kn}}-style placeholders in the text are replaced by KernelBtf offsets.
 */
public class KernelTesting {
    public static final int RECORD_ID = 1_000_001;

    protected final EmulatedKernel kernel = new EmulatedKernel();
    /** Each record call: r1..r5, cpu, current pid. */
    protected final List<long[]> records = new ArrayList<>();

    protected KernelTesting() {
        kernel.runtime().kfuncs().register(new KfuncSpec("record", RECORD_ID, 0, HelperProto.of(RetType.INTEGER),
                (ctx, a, b, c, d, e) -> {
                    dev.bpfvm.vm.spi.TaskView t = ctx.attachment(dev.bpfvm.vm.spi.TaskView.class);
                    synchronized (records) {
                        records.add(new long[] {a, b, c, d, e, ctx.cpu(), t == null ? 0 : t.pid()});
                    }
                    return 0;
                }));
    }

    /** The errno of the {@link KernelException} {@code r} throws, or null when it succeeds. */
    public static Errno errno(Runnable r) {
        try {
            r.run();
            return null;
        } catch (KernelException e) {
            return e.errno();
        }
    }

    /** Replaces {@code {struct.path}} with the KernelBtf offset. */
    protected static String offsets(String text) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (true) {
            int o = text.indexOf('{', i);
            if (o < 0) {
                sb.append(text.substring(i));
                return sb.toString();
            }
            int c = text.indexOf('}', o);
            String ref = text.substring(o + 1, c);
            int dot = ref.indexOf('.');
            sb.append(text, i, o).append(KernelBtf.offsetOf(ref.substring(0, dot), ref.substring(dot + 1)));
            i = c + 1;
        }
    }

    protected Program assemble(String name, String text) {
        Assembler.Options opts = Assembler.Options.defaults()
                .withKfuncs(n -> n.equals("record") ? RECORD_ID : KernelBtf.funcId(n))
                .withHelpers(n -> {
                    HelperSpec s = kernel.runtime().helpers().byName(n);
                    return s == null ? null : s.id();
                });
        return new Program(name, Assembler.assemble(offsets(text), opts));
    }

    protected LoadedProgram tracing(String name, AttachType at, String attachTo, String text) {
        return kernel.load(name, ProgramType.TRACING, at, attachTo, false, assemble(name, text));
    }

    protected LoadedProgram iter(String name, boolean sleepable, String text) {
        return kernel.load(name, ProgramType.TRACING, AttachType.TRACE_ITER, "cgroup", sleepable, assemble(name, text));
    }

    protected List<long[]> records() {
        synchronized (records) {
            return List.copyOf(records);
        }
    }

    /** The records' argument {@code i}, in order. */
    protected List<Long> column(int i) {
        List<Long> out = new ArrayList<>();
        for (long[] r : records()) {
            out.add(r[i]);
        }
        return out;
    }
}
