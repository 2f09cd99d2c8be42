package dev.bpfvm.verifier;

import dev.bpfvm.vm.spi.HelperSpec;

/**
 * What a program type (with its attach type) allows: the kernel's {@code bpf_verifier_ops}
 * ({@code is_valid_access}, {@code get_func_proto}) and the return value rules of
 * {@code check_return_code}. {@link ProgramTypes} has the built-in models.
 */
public interface ProgramTypeRules {
    /** The libbpf-style name, e.g. {@code xdp}, {@code cgroup_skb/ingress}. */
    String name();

    /** The kernel's program type name, e.g. {@code BPF_PROG_TYPE_XDP}. */
    String kernelType();

    /**
     * Whether a context access of {@code size} bytes at {@code off} is allowed, and what it
     * yields; null when it is not allowed.
     *
     * @param ldsx       a sign-extending load
     * @param privileged CAP_BPF is held
     */
    ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged);

    /**
     * Whether the context has a fixed layout the verifier rewrites ({@code convert_ctx_access});
     * when false (syscall programs) helpers may take the context as plain memory.
     */
    default boolean contextIsConverted() {
        return true;
    }

    /** The allowed return range [min, max] of R0 at exit, or null for any value. */
    default int[] returnRange() {
        return null;
    }

    /** Whether the helper may be called from this program type ({@code get_func_proto}). */
    boolean helperAllowed(HelperSpec helper, boolean privileged);

    /** Whether packet data may be read directly. */
    default boolean packetRead() {
        return false;
    }

    /** Whether packet data may be written directly. */
    default boolean packetWrite() {
        return false;
    }

    /** Whether BPF_LD_ABS / BPF_LD_IND are allowed (the context is an skb). */
    default boolean legacyPacketAccess() {
        return false;
    }

    /** Whether programs of this type can be loaded without CAP_BPF. */
    default boolean unprivilegedAllowed() {
        return false;
    }

    /** Whether this attach point may run sleepable programs. */
    default boolean sleepableAllowed() {
        return false;
    }

    /** For {@code BPF_PROG_TYPE_TRACING} and {@code RAW_TRACEPOINT}: the tracing flavour. */
    default boolean isTracing() {
        return false;
    }

    /**
     * bpfvm's raw program type ({@link ProgramTypes#raw}): the bytes of the memory r1 points at on
     * entry (r2 holds the same length); -1 for the kernel's types, where r1 is the context.
     */
    default int rawMemory() {
        return -1;
    }
}
