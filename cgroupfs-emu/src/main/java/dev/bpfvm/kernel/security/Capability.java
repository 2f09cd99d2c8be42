package dev.bpfvm.kernel.security;

import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.vm.Errno;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The capabilities bpf() checks, with Linux's numbers ({@code include/uapi/linux/capability.h}). */
public enum Capability {
    CAP_CHOWN(0), CAP_NET_ADMIN(12), CAP_SYS_ADMIN(21), CAP_PERFMON(38), CAP_BPF(39);

    private final int value;

    Capability(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    /** Parses {@code CAP_BPF,CAP_PERFMON} (the {@code CAP_} prefix optional, any case; empty: none). EINVAL names an unknown one. */
    public static Set<Capability> parseList(String list) {
        Set<Capability> s = EnumSet.noneOf(Capability.class);
        for (String part : list.split(",")) {
            String n = part.trim().toUpperCase(Locale.ROOT);
            if (n.isEmpty()) {
                continue;
            }
            if (!n.startsWith("CAP_")) {
                n = "CAP_" + n;
            }
            try {
                s.add(valueOf(n));
            } catch (IllegalArgumentException e) {
                throw new KernelException(Errno.EINVAL, "unknown capability " + part.trim());
            }
        }
        return s;
    }
}
