package dev.bpfvm.kernel.trace;

import dev.bpfvm.kernel.LoadedProgram;

/** A program attached to an attach point (what a tracing link holds); {@link #detach} undoes it. */
public final class Attachment {
    private final Tracing tracing;
    private final AttachPoint point;
    private final LoadedProgram program;
    private final long cookie;

    Attachment(Tracing tracing, AttachPoint point, LoadedProgram program, long cookie) {
        this.tracing = tracing;
        this.point = point;
        this.program = program;
        this.cookie = cookie;
    }

    public AttachPoint point() {
        return point;
    }

    public LoadedProgram program() {
        return program;
    }

    public long cookie() {
        return cookie;
    }

    /** Removes the program from the attach point; idempotent. */
    public void detach() {
        tracing.remove(this);
    }
}
