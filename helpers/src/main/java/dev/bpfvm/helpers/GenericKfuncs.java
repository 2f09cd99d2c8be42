package dev.bpfvm.helpers;

import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.ArgType;
import dev.bpfvm.vm.spi.HelperFunction;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.KernelObject;
import dev.bpfvm.vm.spi.KfuncRegistry;
import dev.bpfvm.vm.spi.KfuncSpec;
import dev.bpfvm.vm.spi.RetType;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.ToIntFunction;

/**
 * The generic kfuncs every program type with kfuncs may call, with Linux's {@code KF_*}
 * flags:
 *
 * <table>
 *   <caption>kfuncs</caption>
 *   <tr><th>name</th><th>flags</th><th>does</th></tr>
 *   <tr><td>{@code void bpf_rcu_read_lock(void)}</td><td>-</td><td>nothing at run time</td></tr>
 *   <tr><td>{@code void bpf_rcu_read_unlock(void)}</td><td>-</td><td>nothing at run time</td></tr>
 *   <tr><td>{@code struct cgroup *bpf_cgroup_acquire(struct cgroup *)}</td>
 *       <td>KF_ACQUIRE | KF_RCU | KF_RET_NULL</td><td>takes a reference, or NULL if the cgroup is dying</td></tr>
 *   <tr><td>{@code void bpf_cgroup_release(struct cgroup *)}</td><td>KF_RELEASE</td><td>drops it</td></tr>
 *   <tr><td>{@code struct task_struct *bpf_task_acquire(struct task_struct *)}</td>
 *       <td>KF_ACQUIRE | KF_RCU | KF_RET_NULL</td><td>takes a reference, or NULL if the task is dying</td></tr>
 *   <tr><td>{@code void bpf_task_release(struct task_struct *)}</td><td>KF_RELEASE</td><td>drops it</td></tr>
 * </table>
 *
 * <p>Acquire and release find the object through the pointer's region: when its owner is a
 * {@link KernelObject}, acquire calls {@link KernelObject#tryAcquire} (returning the same
 * pointer, or 0 when that fails) and release calls {@link KernelObject#release}. A pointer to
 * memory that is not a kernel object (a test's plain region) is returned as is and released
 * as a no-op; a NULL pointer acquires NULL.
 *
 * <p>BTF ids: a kfunc call names its target by BTF id, which the loader takes from the
 * emulated kernel's BTF. Until that BTF exists, {@link #register(KfuncRegistry)} uses the
 * placeholder ids {@link #PLACEHOLDER_BTF_ID_BASE} + 1.. in the order of {@link #NAMES} (far
 * above any id a real BTF reaches); {@link #register(KfuncRegistry, ToIntFunction)} takes the
 * ids from the caller.
 */
public final class GenericKfuncs {
    /** Placeholder BTF ids are this + 1, + 2, ... in the order of {@link #NAMES}. */
    public static final int PLACEHOLDER_BTF_ID_BASE = 1 << 30;

    public static final List<String> NAMES = List.of("bpf_rcu_read_lock", "bpf_rcu_read_unlock",
            "bpf_cgroup_acquire", "bpf_cgroup_release", "bpf_task_acquire", "bpf_task_release");

    private GenericKfuncs() {}

    /** Registers the kfuncs with their placeholder BTF ids; returns the registry. */
    public static KfuncRegistry register(KfuncRegistry registry) {
        return register(registry, name -> PLACEHOLDER_BTF_ID_BASE + 1 + NAMES.indexOf(name));
    }

    /** Registers the kfuncs with the BTF ids {@code btfIdOf} gives for their names; returns the registry. */
    public static KfuncRegistry register(KfuncRegistry registry, ToIntFunction<String> btfIdOf) {
        for (KfuncSpec k : specs(btfIdOf)) {
            registry.register(k);
        }
        return registry;
    }

    /** The kfuncs, with the BTF ids {@code btfIdOf} gives for their names. */
    public static List<KfuncSpec> specs(ToIntFunction<String> btfIdOf) {
        Objects.requireNonNull(btfIdOf);
        HelperProto none = HelperProto.of(RetType.VOID);
        HelperProto acquire = HelperProto.of(RetType.PTR_TO_BTF_ID_OR_NULL, ArgType.PTR_TO_BTF_ID);
        HelperProto release = HelperProto.of(RetType.VOID, ArgType.PTR_TO_BTF_ID);
        int acquireFlags = KfuncSpec.KF_ACQUIRE | KfuncSpec.KF_RCU | KfuncSpec.KF_RET_NULL;
        List<KfuncSpec> out = new ArrayList<>();
        out.add(spec("bpf_rcu_read_lock", btfIdOf, 0, none, GenericKfuncs::nothing));
        out.add(spec("bpf_rcu_read_unlock", btfIdOf, 0, none, GenericKfuncs::nothing));
        out.add(spec("bpf_cgroup_acquire", btfIdOf, acquireFlags, acquire, GenericKfuncs::acquire));
        out.add(spec("bpf_cgroup_release", btfIdOf, KfuncSpec.KF_RELEASE, release, GenericKfuncs::release));
        out.add(spec("bpf_task_acquire", btfIdOf, acquireFlags, acquire, GenericKfuncs::acquire));
        out.add(spec("bpf_task_release", btfIdOf, KfuncSpec.KF_RELEASE, release, GenericKfuncs::release));
        return out;
    }

    private static KfuncSpec spec(String name, ToIntFunction<String> ids, int flags, HelperProto proto,
                                  HelperFunction fn) {
        return new KfuncSpec(name, ids.applyAsInt(name), flags, proto, fn);
    }

    static long nothing(ExecContext ctx, long r1, long r2, long r3, long r4, long r5) {
        return 0;
    }

    static long acquire(ExecContext ctx, long ptr, long r2, long r3, long r4, long r5) {
        if (ptr == 0) {
            return 0;
        }
        Region r = ctx.memory().regionAt(ptr);
        if (r != null && r.owner() instanceof KernelObject o) {
            return o.tryAcquire() ? ptr : 0;
        }
        return ptr;
    }

    static long release(ExecContext ctx, long ptr, long r2, long r3, long r4, long r5) {
        Region r = ptr == 0 ? null : ctx.memory().regionAt(ptr);
        if (r != null && r.owner() instanceof KernelObject o) {
            o.release();
        }
        return 0;
    }
}
