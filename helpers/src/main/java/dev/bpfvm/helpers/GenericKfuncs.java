package dev.bpfvm.helpers;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.AddressSpace;
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
 *   <tr><td>{@code int bpf_iter_num_new(struct bpf_iter_num *, int start, int end)}</td>
 *       <td>KF_ITER_NEW</td><td>an iterator over [start, end): -EINVAL if start &gt; end, -E2BIG
 *       above BPF_MAX_LOOPS elements (the iterator is then empty)</td></tr>
 *   <tr><td>{@code int *bpf_iter_num_next(struct bpf_iter_num *)}</td><td>KF_ITER_NEXT | KF_RET_NULL</td>
 *       <td>a pointer to the next int (inside the iterator), NULL when drained</td></tr>
 *   <tr><td>{@code void bpf_iter_num_destroy(struct bpf_iter_num *)}</td><td>KF_ITER_DESTROY</td>
 *       <td>empties it</td></tr>
 *   <tr><td>{@code int bpf_iter_bits_new(struct bpf_iter_bits *, const u64 *unsafe_ptr__ign, u32 nr_words)}</td>
 *       <td>KF_ITER_NEW</td><td>an iterator over the set bits of a copy of {@code nr_words} words:
 *       -EINVAL for NULL or no words, -E2BIG above 511 words, -EFAULT when they cannot be read</td></tr>
 *   <tr><td>{@code int *bpf_iter_bits_next(struct bpf_iter_bits *)}</td><td>KF_ITER_NEXT | KF_RET_NULL</td>
 *       <td>a pointer to the index of the next set bit, NULL after the last</td></tr>
 *   <tr><td>{@code void bpf_iter_bits_destroy(struct bpf_iter_bits *)}</td><td>KF_ITER_DESTROY</td>
 *       <td>drops the copy</td></tr>
 *   <tr><td>{@code bpf_dynptr_slice(_rdwr)}, {@code _adjust}, {@code _is_null}, {@code _is_rdonly},
 *       {@code _size}</td><td>KF_TRUSTED_ARGS (slices: | KF_RET_NULL)</td><td>see {@link DynptrHelpers}</td></tr>
 * </table>
 *
 * <p>The iterator states are Linux's, in the program's stack: {@code struct bpf_iter_num_kern}
 * ({@code int cur} at offset 0, {@code int end} at 4) and {@code struct bpf_iter_bits_kern}
 * (the first word at 0, {@code int nr_bits} at 8, {@code int bit} at 12); a bits iterator over
 * more than one word keeps its copy on the Java side ({@link BitsCopies}, attached to the
 * context), where Linux allocates it.
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
            "bpf_cgroup_acquire", "bpf_cgroup_release", "bpf_task_acquire", "bpf_task_release",
            "bpf_iter_num_new", "bpf_iter_num_next", "bpf_iter_num_destroy", "bpf_iter_bits_new",
            "bpf_iter_bits_next", "bpf_iter_bits_destroy", "bpf_dynptr_slice", "bpf_dynptr_slice_rdwr",
            "bpf_dynptr_adjust", "bpf_dynptr_is_null", "bpf_dynptr_is_rdonly", "bpf_dynptr_size");

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
        out.add(spec("bpf_iter_num_new", btfIdOf, KfuncSpec.KF_ITER_NEW,
                HelperProto.of(RetType.INTEGER, ArgType.PTR_TO_STACK, ArgType.ANYTHING, ArgType.ANYTHING),
                GenericKfuncs::iterNumNew));
        out.add(spec("bpf_iter_num_next", btfIdOf, KfuncSpec.KF_ITER_NEXT | KfuncSpec.KF_RET_NULL,
                HelperProto.of(RetType.PTR_TO_MEM_OR_NULL, ArgType.PTR_TO_STACK), GenericKfuncs::iterNumNext));
        out.add(spec("bpf_iter_num_destroy", btfIdOf, KfuncSpec.KF_ITER_DESTROY,
                HelperProto.of(RetType.VOID, ArgType.PTR_TO_STACK), GenericKfuncs::iterNumDestroy));
        out.add(spec("bpf_iter_bits_new", btfIdOf, KfuncSpec.KF_ITER_NEW,
                HelperProto.of(RetType.INTEGER, ArgType.PTR_TO_STACK, ArgType.DONTCARE, ArgType.ANYTHING),
                GenericKfuncs::iterBitsNew));
        out.add(spec("bpf_iter_bits_next", btfIdOf, KfuncSpec.KF_ITER_NEXT | KfuncSpec.KF_RET_NULL,
                HelperProto.of(RetType.PTR_TO_MEM_OR_NULL, ArgType.PTR_TO_STACK), GenericKfuncs::iterBitsNext));
        out.add(spec("bpf_iter_bits_destroy", btfIdOf, KfuncSpec.KF_ITER_DESTROY,
                HelperProto.of(RetType.VOID, ArgType.PTR_TO_STACK), GenericKfuncs::iterBitsDestroy));
        HelperProto slice = HelperProto.of(RetType.PTR_TO_MEM_OR_NULL, ArgType.PTR_TO_DYNPTR, ArgType.ANYTHING,
                ArgType.DONTCARE, ArgType.DONTCARE);
        int trusted = KfuncSpec.KF_TRUSTED_ARGS;
        out.add(spec("bpf_dynptr_slice", btfIdOf, trusted | KfuncSpec.KF_RET_NULL, slice,
                (c, p, off, buf, sz, r5) -> DynptrHelpers.slice(c, p, off, sz, false)));
        out.add(spec("bpf_dynptr_slice_rdwr", btfIdOf, trusted | KfuncSpec.KF_RET_NULL, slice,
                (c, p, off, buf, sz, r5) -> DynptrHelpers.slice(c, p, off, sz, true)));
        out.add(spec("bpf_dynptr_adjust", btfIdOf, trusted,
                HelperProto.of(RetType.INTEGER, ArgType.PTR_TO_DYNPTR, ArgType.ANYTHING, ArgType.ANYTHING),
                DynptrHelpers::adjust));
        HelperProto query = HelperProto.of(RetType.INTEGER, ArgType.PTR_TO_DYNPTR);
        out.add(spec("bpf_dynptr_is_null", btfIdOf, trusted, query, DynptrHelpers::isNull));
        out.add(spec("bpf_dynptr_is_rdonly", btfIdOf, trusted, query, DynptrHelpers::isRdonly));
        out.add(spec("bpf_dynptr_size", btfIdOf, trusted, query, DynptrHelpers::size));
        return out;
    }

    private static KfuncSpec spec(String name, ToIntFunction<String> ids, int flags, HelperProto proto,
                                  HelperFunction fn) {
        return new KfuncSpec(name, ids.applyAsInt(name), flags, proto, fn);
    }

    static long nothing(ExecContext ctx, long r1, long r2, long r3, long r4, long r5) {
        return 0;
    }

    /** Linux's BPF_MAX_LOOPS. */
    private static final long MAX_LOOPS = 8 * 1024 * 1024;

    static long iterNumNew(ExecContext ctx, long it, long start, long end, long r4, long r5) {
        int s = (int) start;
        int e = (int) end;
        AddressSpace mem = ctx.memory();
        if (s > e || (long) e - s > MAX_LOOPS) {
            mem.store(it, 4, 0);
            mem.store(it + 4, 4, 0);
            return (s > e ? Errno.EINVAL : Errno.E2BIG).negative();
        }
        mem.store(it, 4, s - 1);    // next() increments first
        mem.store(it + 4, 4, e);
        return 0;
    }

    static long iterNumNext(ExecContext ctx, long it, long r2, long r3, long r4, long r5) {
        AddressSpace mem = ctx.memory();
        int cur = (int) mem.load(it, 4);
        int end = (int) mem.load(it + 4, 4);
        if ((long) cur + 1 >= end) {
            mem.store(it, 4, 0);
            mem.store(it + 4, 4, 0);
            return 0;
        }
        mem.store(it, 4, cur + 1);
        return it;
    }

    static long iterNumDestroy(ExecContext ctx, long it, long r2, long r3, long r4, long r5) {
        ctx.memory().store(it, 8, 0);
        return 0;
    }

    /** Linux's BITS_ITER_NR_WORDS_MAX. */
    private static final int BITS_MAX_WORDS = 511;

    /** Copies of the words of bits iterators over more than one word, by iterator address. */
    static final class BitsCopies {
        final java.util.Map<Long, long[]> byIterator = new java.util.HashMap<>();
    }

    private static BitsCopies copies(ExecContext ctx) {
        BitsCopies c = ctx.attachment(BitsCopies.class);
        if (c == null) {
            c = new BitsCopies();
            ctx.attach(BitsCopies.class, c);
        }
        return c;
    }

    static long iterBitsNew(ExecContext ctx, long it, long ptr, long nrWords, long r4, long r5) {
        AddressSpace mem = ctx.memory();
        mem.store(it, 8, 0);
        mem.store(it + 8, 4, 0);
        mem.store(it + 12, 4, -1);
        copies(ctx).byIterator.remove(it);
        long words = nrWords & 0xffffffffL;
        if (ptr == 0 || words == 0) {
            return Errno.EINVAL.negative();
        }
        if (words > BITS_MAX_WORDS) {
            return Errno.E2BIG.negative();
        }
        int n = (int) words * 8;
        if (ProbeMemory.readableFrom(mem, ptr) < n) {
            return Errno.EFAULT.negative();
        }
        long[] copy = new long[(int) words];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = mem.load(ptr + 8L * i, 8);
        }
        if (copy.length == 1) {
            mem.store(it, 8, copy[0]);
        } else {
            copies(ctx).byIterator.put(it, copy);
        }
        mem.store(it + 8, 4, n * 8);
        return 0;
    }

    static long iterBitsNext(ExecContext ctx, long it, long r2, long r3, long r4, long r5) {
        AddressSpace mem = ctx.memory();
        int nrBits = (int) mem.load(it + 8, 4);
        int bit = (int) mem.load(it + 12, 4);
        if (nrBits == 0 || bit >= nrBits) {
            return 0;
        }
        long[] words = nrBits == 64 ? new long[] {mem.load(it, 8)} : copies(ctx).byIterator.get(it);
        int next = nrBits;
        for (int b = bit + 1; words != null && b < nrBits; b++) {
            if ((words[b >>> 6] >>> (b & 63) & 1) != 0) {
                next = b;
                break;
            }
        }
        mem.store(it + 12, 4, next);
        return next >= nrBits ? 0 : it + 12;
    }

    static long iterBitsDestroy(ExecContext ctx, long it, long r2, long r3, long r4, long r5) {
        BitsCopies c = ctx.attachment(BitsCopies.class);
        if (c != null) {
            c.byIterator.remove(it);
        }
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
