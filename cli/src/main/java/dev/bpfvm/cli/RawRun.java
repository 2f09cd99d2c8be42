package dev.bpfvm.cli;

import dev.bpfvm.helpers.Helpers;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.TraceSink;
import dev.bpfvm.vm.mem.Region;

/**
 * A raw run of a function on a memory buffer, as the conformance plugin and {@code run} do it:
 * every helper bpfvm has ({@link Helpers#defaultRegistry()}), no kfuncs, r1 = a writable copy
 * of the memory (0 when there is none), r2 = its length, r3-r5 = 0, a zeroed 512-byte stack
 * per frame, no context, no verifier.
 */
final class RawRun {
    private final BpfRuntime runtime;
    private final ExecContext ctx;
    private final Region memory;

    RawRun(byte[] mem, TraceSink trace) {
        this(new BpfRuntime(Helpers.defaultRegistry()), mem, trace);
    }

    /** A raw run in {@code runtime} (one from {@link #runtime()}, maybe with a tiering installed). */
    RawRun(BpfRuntime runtime, byte[] mem, TraceSink trace) {
        this.runtime = runtime;
        this.ctx = runtime.newContext(0).trace(trace, false);
        this.memory = mem.length == 0 ? null
                : runtime.memory().register(Region.of(Region.Kind.MEMORY, "mem", mem.clone()).build());
    }

    /** A runtime with every helper bpfvm has, no kfuncs. */
    static BpfRuntime runtime() {
        return new BpfRuntime(Helpers.defaultRegistry());
    }

    /** The memory region, or null when there is none. */
    Region region() {
        return memory;
    }

    /** The tier that ran the last run. */
    dev.bpfvm.vm.exec.Tier lastTier() {
        return ctx.lastTier();
    }

    /** r1: the memory's address, or 0. */
    long r1() {
        return memory == null ? 0 : memory.address();
    }

    /** r2: the memory's length. */
    long r2() {
        return memory == null ? 0 : memory.length();
    }

    /** The memory as the program left it (empty when there is none). */
    byte[] memory() {
        return memory == null ? new byte[0] : memory.data();
    }

    /** Runs once; r0 out. Faults are {@link dev.bpfvm.vm.BpfException}s. */
    long run(Program p) {
        return ctx.run(p, r1(), r2(), 0, 0, 0);
    }

    /** Instructions executed by the last run. */
    long executed() {
        return ctx.executed();
    }
}
