package dev.bpfvm.vm.spi;

import dev.bpfvm.vm.exec.ExecContext;

/** The Java body of a helper or kfunc: arguments r1-r5 in, r0 out. */
@FunctionalInterface
public interface HelperFunction {
    long call(ExecContext ctx, long r1, long r2, long r3, long r4, long r5);
}
