package dev.bpfvm.vm.spi;

/**
 * The BPF cookie of the link a run comes through (the {@code cookie} of
 * {@code BPF_LINK_CREATE}), which {@code bpf_get_attach_cookie} returns. The embedder attaches
 * it with {@code ExecContext.attach(AttachCookie.class, new AttachCookie(v))} for the run;
 * with none attached the helper returns 0, as Linux does for a program attached without one.
 */
public record AttachCookie(long value) {}
