package dev.bpfvm.vm.spi;

import java.util.Objects;

/**
 * A kfunc: called by name from BPF ({@code call} with src=2). {@code btfId} is its id in the
 * emulated kernel's BTF, which the linker writes into the call's imm. Flags are the kernel's
 * {@code KF_*} bits.
 */
public record KfuncSpec(String name, int btfId, int flags, HelperProto proto, HelperFunction fn) {
    public static final int KF_ACQUIRE = 1 << 0;
    public static final int KF_RELEASE = 1 << 1;
    public static final int KF_RET_NULL = 1 << 2;
    public static final int KF_TRUSTED_ARGS = 1 << 4;
    public static final int KF_SLEEPABLE = 1 << 5;
    public static final int KF_DESTRUCTIVE = 1 << 6;
    public static final int KF_RCU = 1 << 7;
    /** Constructor of an open-coded iterator: arg 1 points to uninitialized iterator stack slots. */
    public static final int KF_ITER_NEW = 1 << 8;
    /** Next step of an open-coded iterator: returns NULL when it is drained. */
    public static final int KF_ITER_NEXT = 1 << 9;
    /** Destructor of an open-coded iterator. */
    public static final int KF_ITER_DESTROY = 1 << 10;

    public KfuncSpec {
        Objects.requireNonNull(name);
        Objects.requireNonNull(proto);
        Objects.requireNonNull(fn);
    }
}
