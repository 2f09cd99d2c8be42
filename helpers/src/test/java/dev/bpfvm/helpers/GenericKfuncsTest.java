package dev.bpfvm.helpers;

import static dev.bpfvm.helpers.Rig.exit;
import static dev.bpfvm.helpers.Rig.kfunc;
import static dev.bpfvm.helpers.Rig.mov;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.ArgType;
import dev.bpfvm.vm.spi.KernelObject;
import dev.bpfvm.vm.spi.KfuncRegistry;
import dev.bpfvm.vm.spi.KfuncSpec;
import dev.bpfvm.vm.spi.RetType;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GenericKfuncsTest {
    private static final int BASE = GenericKfuncs.PLACEHOLDER_BTF_ID_BASE;
    private static final int RCU_LOCK = BASE + 1;
    private static final int RCU_UNLOCK = BASE + 2;
    private static final int CGROUP_ACQUIRE = BASE + 3;
    private static final int CGROUP_RELEASE = BASE + 4;
    private static final int TASK_ACQUIRE = BASE + 5;
    private static final int TASK_RELEASE = BASE + 6;

    private final Rig rig = new Rig();

    /** A refcount like the kernel's: once it drops to zero, tryget fails for good. */
    static final class Counted implements KernelObject {
        final AtomicInteger refs = new AtomicInteger(1);

        @Override
        public boolean tryAcquire() {
            int r;
            do {
                r = refs.get();
                if (r == 0) {
                    return false;
                }
            } while (!refs.compareAndSet(r, r + 1));
            return true;
        }

        @Override
        public void release() {
            refs.decrementAndGet();
        }
    }

    private Region object(String name, KernelObject owner) {
        return rig.rt.memory().register(
                Region.of(Region.Kind.KERNEL_OBJECT, name, new byte[64]).owner(owner).build());
    }

    @Test
    void specsCarryLinuxFlagsAndPrototypes() {
        KfuncRegistry k = Helpers.defaultKfuncs();
        assertThat(k.all()).hasSize(18);
        assertThat(k.byName("bpf_rcu_read_lock").flags()).isEqualTo(0);
        assertThat(k.byName("bpf_rcu_read_unlock").flags()).isEqualTo(0);
        int acquire = KfuncSpec.KF_ACQUIRE | KfuncSpec.KF_RCU | KfuncSpec.KF_RET_NULL;
        assertThat(k.byName("bpf_cgroup_acquire").flags()).isEqualTo(acquire).isEqualTo(0x85);
        assertThat(k.byName("bpf_task_acquire").flags()).isEqualTo(acquire);
        assertThat(k.byName("bpf_cgroup_release").flags()).isEqualTo(KfuncSpec.KF_RELEASE);
        assertThat(k.byName("bpf_task_release").flags()).isEqualTo(KfuncSpec.KF_RELEASE);
        assertThat(k.byName("bpf_task_acquire").proto().ret()).isEqualTo(RetType.PTR_TO_BTF_ID_OR_NULL);
        assertThat(k.byName("bpf_task_acquire").proto().args()).containsExactly(ArgType.PTR_TO_BTF_ID);
        assertThat(k.byName("bpf_task_release").proto().ret()).isEqualTo(RetType.VOID);
        assertThat(k.byName("bpf_rcu_read_lock").proto().args()).isEmpty();
    }

    @Test
    void placeholderIdsFollowTheNames() {
        KfuncRegistry k = Helpers.defaultKfuncs();
        assertThat(GenericKfuncs.NAMES).containsExactly("bpf_rcu_read_lock", "bpf_rcu_read_unlock",
                "bpf_cgroup_acquire", "bpf_cgroup_release", "bpf_task_acquire", "bpf_task_release",
                "bpf_iter_num_new", "bpf_iter_num_next", "bpf_iter_num_destroy", "bpf_iter_bits_new",
                "bpf_iter_bits_next", "bpf_iter_bits_destroy", "bpf_dynptr_slice", "bpf_dynptr_slice_rdwr",
                "bpf_dynptr_adjust", "bpf_dynptr_is_null", "bpf_dynptr_is_rdonly", "bpf_dynptr_size");
        for (int i = 0; i < GenericKfuncs.NAMES.size(); i++) {
            assertThat(k.byBtfId(BASE + 1 + i).name()).isEqualTo(GenericKfuncs.NAMES.get(i));
        }
    }

    @Test
    void idsFromTheKernelBtf() {
        List<String> btf = List.of("x", "bpf_task_release", "bpf_task_acquire", "bpf_cgroup_release",
                "bpf_cgroup_acquire", "bpf_rcu_read_unlock", "bpf_rcu_read_lock");
        KfuncRegistry k = Helpers.defaultKfuncs(btf::indexOf);
        assertThat(k.byBtfId(6).name()).isEqualTo("bpf_rcu_read_lock");
        assertThat(k.byBtfId(2).name()).isEqualTo("bpf_task_acquire");
        assertThat(k.byName("bpf_cgroup_acquire").btfId()).isEqualTo(4);
        assertThat(k.byBtfId(RCU_LOCK)).isNull();
    }

    @Test
    void acquireTakesAReferenceAndReleaseDropsIt() {
        Counted cg = new Counted();
        long p = object("cgroup", cg).address(0);
        assertThat(rig.run(mov(1, p), kfunc(CGROUP_ACQUIRE), exit())).isEqualTo(p);
        assertThat(cg.refs.get()).isEqualTo(2);
        assertThat(rig.run(mov(1, p), kfunc(CGROUP_RELEASE), exit())).isEqualTo(0);
        assertThat(cg.refs.get()).isEqualTo(1);
        // acquire, keep in r6, release, return r6
        Counted task = new Counted();
        long t = object("task_struct", task).address(0);
        assertThat(rig.asm(t, """
                    call runtime bpf_task_acquire
                    jeq r0, 0, out
                    mov r6, r0
                    mov r1, r0
                    call runtime bpf_task_release
                    mov r0, r6
                out:
                    exit
                """)).isEqualTo(t);
        assertThat(task.refs.get()).isEqualTo(1);
    }

    @Test
    void aDyingObjectCannotBeAcquired() {
        Counted cg = new Counted();
        cg.release();                                  // the last reference is gone
        long p = object("cgroup", cg).address(0);
        assertThat(rig.run(mov(1, p), kfunc(CGROUP_ACQUIRE), exit())).isEqualTo(0);
        assertThat(rig.run(mov(1, p), kfunc(TASK_ACQUIRE), exit())).isEqualTo(0);
        assertThat(cg.refs.get()).isEqualTo(0);
    }

    @Test
    void plainMemoryAndNull() {
        long p = rig.addr(16);
        assertThat(rig.run(mov(1, p), kfunc(TASK_ACQUIRE), exit())).isEqualTo(p);
        assertThat(rig.run(mov(1, p), kfunc(TASK_RELEASE), exit())).isEqualTo(0);
        assertThat(rig.run(mov(1, 0), kfunc(CGROUP_ACQUIRE), exit())).isEqualTo(0);
        assertThat(rig.run(mov(1, 0), kfunc(CGROUP_RELEASE), exit())).isEqualTo(0);
    }

    @Test
    void rcuReadLockAndUnlockDoNothingVisible() {
        assertThat(rig.run(kfunc(RCU_LOCK), mov(0, 7), kfunc(RCU_UNLOCK), mov(0, 8), exit())).isEqualTo(8);
        assertThat(rig.run(kfunc(RCU_LOCK), exit())).isEqualTo(0);
    }

    @Test
    void iteratorFlagsAreLinuxs() {
        KfuncRegistry k = Helpers.defaultKfuncs();
        assertThat(k.byName("bpf_iter_num_new").flags()).isEqualTo(KfuncSpec.KF_ITER_NEW).isEqualTo(0x100);
        assertThat(k.byName("bpf_iter_num_next").flags()).isEqualTo(KfuncSpec.KF_ITER_NEXT | KfuncSpec.KF_RET_NULL)
                .isEqualTo(0x204);
        assertThat(k.byName("bpf_iter_num_destroy").flags()).isEqualTo(KfuncSpec.KF_ITER_DESTROY).isEqualTo(0x400);
        assertThat(k.byName("bpf_iter_bits_new").proto().args())
                .containsExactly(ArgType.PTR_TO_STACK, ArgType.DONTCARE, ArgType.ANYTHING);
    }

    /** Sums what the iterator yields; r7 = the value new() returned. */
    private static final String NUM_SUM = String.join("\n",
            "mov %r1, %r10", "add %r1, -8", "call runtime bpf_iter_num_new", "mov %r7, %r0", "mov %r6, 0",
            "loop:", "mov %r1, %r10", "add %r1, -8", "call runtime bpf_iter_num_next", "jeq %r0, 0, done",
            "ldxw %r1, [%r0]", "add %r6, %r1", "ja loop",
            "done:", "mov %r1, %r10", "add %r1, -8", "call runtime bpf_iter_num_destroy", "mov %r0, %r6", "exit");

    @Test
    void numIteratorYieldsStartToEndExclusive() {
        assertThat(rig.asm(0, "mov %r2, 2\nmov %r3, 5\n" + NUM_SUM)).isEqualTo(2 + 3 + 4);
        // the elements are ints, loaded zero-extended here
        assertThat(rig.asm(0, "mov %r2, -3\nmov %r3, 0\n" + NUM_SUM)).isEqualTo(3 * (1L << 32) - 3 - 2 - 1);
        assertThat(rig.asm(0, "mov %r2, 7\nmov %r3, 7\n" + NUM_SUM)).isEqualTo(0);
    }

    @Test
    void numIteratorRejectsBadRangesAndYieldsNothing() {
        String retval = NUM_SUM.replace("mov %r0, %r6", "mov %r0, %r7");
        assertThat(rig.asm(0, "mov %r2, 5\nmov %r3, 4\n" + retval)).isEqualTo(-22);                   // -EINVAL
        assertThat(rig.asm(0, "mov %r2, 0\nmov %r3, 0x800001\n" + retval)).isEqualTo(-7);              // -E2BIG
        String newOnly = "mov %r1, %r10\nadd %r1, -8\ncall runtime bpf_iter_num_new\nmov %r6, %r0\n"
                + "mov %r1, %r10\nadd %r1, -8\ncall runtime bpf_iter_num_destroy\nmov %r0, %r6\nexit";
        assertThat(rig.asm(0, "mov %r2, 0\nmov %r3, 0x800000\n" + newOnly)).isEqualTo(0);
        assertThat(rig.asm(0, "mov %r2, -1\nmov %r3, 0x7fffff\n" + newOnly)).isEqualTo(0);
        assertThat(rig.asm(0, "mov %r2, -2\nmov %r3, 0x7fffff\n" + newOnly)).isEqualTo(-7);
        assertThat(rig.asm(0, "mov %r2, 5\nmov %r3, 4\n" + NUM_SUM)).isEqualTo(0);
    }

    /** Sums the indices of the set bits of the words at fp-32 (r3 words); r7 = what new() returned. */
    private static final String BITS_SUM = String.join("\n",
            "mov %r1, %r10", "add %r1, -48", "mov %r2, %r10", "add %r2, -32", "call runtime bpf_iter_bits_new",
            "mov %r7, %r0", "mov %r6, 0",
            "loop:", "mov %r1, %r10", "add %r1, -48", "call runtime bpf_iter_bits_next", "jeq %r0, 0, done",
            "ldxw %r1, [%r0]", "add %r6, %r1", "ja loop",
            "done:", "mov %r1, %r10", "add %r1, -48", "call runtime bpf_iter_bits_destroy", "mov %r0, %r6", "exit");

    @Test
    void bitsIteratorYieldsTheSetBitIndices() {
        String words = "mov %r1, 0xa5\nstxdw [%r10-32], %r1\nmov %r1, 8\nstxdw [%r10-24], %r1\n";
        assertThat(rig.asm(0, words + "mov %r3, 1\n" + BITS_SUM)).isEqualTo(0 + 2 + 5 + 7);
        assertThat(rig.asm(0, words + "mov %r3, 2\n" + BITS_SUM)).isEqualTo(0 + 2 + 5 + 7 + 67);
        assertThat(rig.asm(0, words + "mov %r3, 0\n" + BITS_SUM.replace("mov %r0, %r6", "mov %r0, %r7")))
                .isEqualTo(-22);
        assertThat(rig.asm(0, words + "mov %r3, 512\n" + BITS_SUM.replace("mov %r0, %r6", "mov %r0, %r7")))
                .isEqualTo(-7);
        // 5 words from fp-32 run past the top of the stack: the copy fails
        assertThat(rig.asm(0, words + "mov %r3, 5\n" + BITS_SUM.replace("mov %r0, %r6", "mov %r0, %r7")))
                .isEqualTo(-14);
    }
}
