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
        assertThat(k.all()).hasSize(6);
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
                "bpf_cgroup_acquire", "bpf_cgroup_release", "bpf_task_acquire", "bpf_task_release");
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
}
