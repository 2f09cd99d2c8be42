package dev.bpfvm.kernel.load;

import dev.bpfvm.kernel.testrun.TestRun;
import dev.bpfvm.kernel.testrun.TestRunOptions;
import dev.bpfvm.kernel.testrun.TestRunResult;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.LinkedProgram;
import dev.bpfvm.vm.object.ProgramSpec;
import dev.bpfvm.vm.object.ProgramType;

/** A loaded program of a {@link BpfObject}: linked, (verified,) ready to run. */
public final class BpfProgram {
    private final BpfObject object;
    private final LinkedProgram linked;

    BpfProgram(BpfObject object, LinkedProgram linked) {
        this.object = object;
        this.linked = linked;
    }

    public String name() {
        return linked.name();
    }

    public BpfObject object() {
        return object;
    }

    public ProgramSpec spec() {
        return linked.spec();
    }

    public ProgramType type() {
        return linked.spec().type();
    }

    public AttachType attachType() {
        return linked.spec().attachType();
    }

    public String section() {
        return linked.spec().section();
    }

    public LinkedProgram linked() {
        return linked;
    }

    /** The executable form. */
    public Program program() {
        return linked.program();
    }

    /** {@code BPF_PROG_TEST_RUN} of this program (see {@link TestRun}). */
    public TestRunResult testRun(TestRunOptions options) {
        return TestRun.run(object.runtime(), linked.program(), linked.spec(), options);
    }

    @Override
    public String toString() {
        return "program " + name() + " (" + section() + ") of " + object.name();
    }
}
