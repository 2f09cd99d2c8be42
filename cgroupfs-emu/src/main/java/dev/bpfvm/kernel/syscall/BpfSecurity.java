package dev.bpfvm.kernel.syscall;

/**
 * The check every {@code bpf()} command passes first, with the calling process and the
 * command (where capability checks, {@code unprivileged_bpf_disabled}, tokens and
 * {@code lsm/bpf} programs go). Refusing throws {@code KernelException} (EPERM/EACCES). The
 * default allows everything, as for root.
 */
@FunctionalInterface
public interface BpfSecurity {
    BpfSecurity ALLOW_ALL = (p, cmd, attr) -> {};

    /** @param attr the command's arguments as the facade received them (a record or array), for hooks that inspect them */
    void check(BpfProcess process, BpfCmd cmd, Object attr);
}
