package dev.bpfvm.maps;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.spi.MapAttr;

/**
 * {@code BPF_MAP_TYPE_PROG_ARRAY}: programs by index, the targets of {@code bpf_tail_call}. User
 * space stores programs with {@link #set} (or a {@code byte[]} update holding the program's
 * {@link ObjectIds} id); a lookup returns that id. Programs cannot look into it.
 */
public final class ProgArrayMap extends ObjectArrayMap<Program> {
    ProgArrayMap(MapAttr attr, BpfRuntime runtime) {
        super(attr, runtime);
    }

    /**
     * {@code bpf_tail_call}: asks the running tier to continue in the program at {@code index};
     * returns 0, or -ENOENT when the slot is out of range or empty or the tail-call limit (33) is
     * reached, in which case the caller falls through.
     */
    public long tailCall(ExecContext ctx, long index) {
        long i = index & 0xffffffffL;
        if (outOfRange(i)) {
            return Errno.ENOENT.negative();
        }
        Program target = slots.get((int) i);
        if (target == null || !ctx.requestTailCall(target)) {
            return Errno.ENOENT.negative();
        }
        return 0;
    }

    @Override
    protected void check(Program obj) {
        // Linux also refuses programs whose type differs from the array's owner (EINVAL); bpfvm
        // programs carry no type yet.
    }

    @Override
    protected Program resolve(int id) {
        return ObjectIds.program(id);
    }

    @Override
    protected int idOf(Program obj) {
        return ObjectIds.idOf(obj);
    }
}
