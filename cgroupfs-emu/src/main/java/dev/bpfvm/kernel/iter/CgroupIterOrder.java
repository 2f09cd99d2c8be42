package dev.bpfvm.kernel.iter;

import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.vm.Errno;

/** {@code enum bpf_cgroup_iter_order}, with the kernel's values. */
public enum CgroupIterOrder {
    UNSPEC(0), SELF_ONLY(1), DESCENDANTS_PRE(2), DESCENDANTS_POST(3), ANCESTORS_UP(4);

    private final int value;

    CgroupIterOrder(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    /** By value; EINVAL for an unknown one. */
    public static CgroupIterOrder of(int v) {
        for (CgroupIterOrder o : values()) {
            if (o.value == v) {
                return o;
            }
        }
        throw new KernelException(Errno.EINVAL, "unknown cgroup iterator order " + v);
    }

    /** By the scenario word: {@code self}, {@code pre}, {@code post}, {@code up}. */
    public static CgroupIterOrder ofWord(String w) {
        switch (w) {
            case "self": return SELF_ONLY;
            case "pre": return DESCENDANTS_PRE;
            case "post": return DESCENDANTS_POST;
            case "up": return ANCESTORS_UP;
            default: throw new KernelException(Errno.EINVAL, "unknown order '" + w + "' (self, pre, post, up)");
        }
    }
}
