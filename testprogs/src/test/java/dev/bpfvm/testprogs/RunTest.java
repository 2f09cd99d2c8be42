package dev.bpfvm.testprogs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.btf.KernelBtf;
import dev.bpfvm.vm.mem.Region;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Loads, links and runs the test objects in the interpreter: the loader's output must compute the right things. */
class RunTest {
    @ParameterizedTest
    @ValueSource(strings = {"calls.o", "calls.v1.o", "calls.v2.o", "calls.v4.o", "calls.nog.o", "calls.gline.o", "calls.clang14.o", "calls.clang16.o"})
    void subprogramsAndCallbacks(String object) {
        Loaded l = Loaded.of(object);
        Region skb = l.object(Region.Kind.CTX, "skb", 192);
        Loaded.put(skb, 0, 4, 5);
        assertThat(l.run("calls_main", skb.address())).isEqualTo(1 + 4 + 9 + 16 + 25 + 1);
        assertThat(l.run("calls_loop", 0)).isEqualTo(285);   // sum of i*i for i < 10
    }

    @ParameterizedTest
    @ValueSource(strings = {"globals.o", "globals.v2.o", "globals.nog.o", "globals.clang14.o"})
    void globalVariablesInEverySection(String object) {
        Loaded l = Loaded.of(object);
        Region skb = l.object(Region.Kind.CTX, "skb", 192);
        Loaded.put(skb, 0, 4, 3);
        assertThat(l.run("use_globals", skb.address())).isEqualTo(43);
        assertThat(l.global(".data", 0, 4)).isEqualTo(43);          // counter += pair.a
        assertThat(l.global(".bss", 0, 4)).isEqualTo(1);            // calls
        assertThat(l.global(".bss", 8, 8)).isEqualTo(3);            // hits
        assertThat(l.global(".bss", 16 + 3 * 8, 8)).isEqualTo(1);   // hist[3]
        assertThat(l.global(".data.counters", 0, 4)).isEqualTo(8);
        assertThat(l.global(".bss.scratch", 3, 1)).isEqualTo('i');
        assertThat(l.printk.toString()).isEqualTo("printk 3 512\n");
        byte[] fmt = new byte[15];
        System.arraycopy(l.regions.get(".rodata").data(), 12, fmt, 0, 15);
        assertThat(new String(fmt, StandardCharsets.US_ASCII)).isEqualTo("len %u limit %u");
    }

    /** Emulated kernel objects laid out by the kernel BTF, read through CO-RE. */
    @ParameterizedTest
    @ValueSource(strings = {"core.o", "core.v2.o", "core.v4.o", "core.clang14.o"})
    void coreReadsOfKernelObjects(String object) {
        Loaded l = Loaded.of(object);
        Region kn = l.object(Region.Kind.KERNEL_OBJECT, "kernfs_node", KernelBtf.sizeOf("kernfs_node"));
        Loaded.put(kn, KernelBtf.offsetOf("kernfs_node", "id"), 8, 1234);
        Region parent = l.object(Region.Kind.KERNEL_OBJECT, "cgroup", KernelBtf.sizeOf("cgroup"));
        Loaded.put(parent, KernelBtf.offsetOf("cgroup", "self.cgroup"), 8, parent.address());
        Loaded.put(parent, KernelBtf.offsetOf("cgroup", "level"), 4, 3);
        Region cgrp = l.object(Region.Kind.KERNEL_OBJECT, "cgroup", KernelBtf.sizeOf("cgroup"));
        Loaded.put(cgrp, KernelBtf.offsetOf("cgroup", "kn"), 8, kn.address());
        Loaded.put(cgrp, KernelBtf.offsetOf("cgroup", "self.parent"), 8, parent.address());
        Loaded.put(cgrp, KernelBtf.offsetOf("cgroup", "level"), 4, 4);
        Region cset = l.object(Region.Kind.KERNEL_OBJECT, "css_set", KernelBtf.sizeOf("css_set"));
        Loaded.put(cset, KernelBtf.offsetOf("css_set", "dfl_cgrp"), 8, cgrp.address());
        Region task = l.object(Region.Kind.KERNEL_OBJECT, "task_struct", KernelBtf.sizeOf("task_struct"));
        Loaded.put(task, KernelBtf.offsetOf("task_struct", "cgroups"), 8, cset.address());
        Loaded.put(task, KernelBtf.offsetOf("task_struct", "pid"), 4, 77);
        Region args = l.object(Region.Kind.CTX, "ctx", 32);
        Loaded.put(args, 0, 8, cgrp.address());
        Loaded.put(args, 16, 8, task.address());

        assertThat(l.run("core_reads", args.address())).isEqualTo(0);
        long[] out = new long[8];
        for (int i = 0; i < 8; i++) {
            out[i] = l.global(".bss", 8 * i, 8);
        }
        assertThat(out).containsExactly(1234, 3, 1234, 1, 0, 16, 1, 4);
        // the poisoned read is behind a field-exists check that is false here
        assertThat(l.programs.get("core_poisoned").poisoned()).hasSize(1);
        assertThat(l.run("core_poisoned", args.address())).isEqualTo(77);

        Region meta = l.object(Region.Kind.KERNEL_OBJECT, "bpf_iter_meta", KernelBtf.sizeOf("bpf_iter_meta"));
        Loaded.put(meta, KernelBtf.offsetOf("bpf_iter_meta", "seq_num"), 8, 10);
        Region iter = l.object(Region.Kind.CTX, "bpf_iter__cgroup", KernelBtf.sizeOf("bpf_iter__cgroup"));
        Loaded.put(iter, KernelBtf.offsetOf("bpf_iter__cgroup", "meta"), 8, meta.address());
        Loaded.put(iter, KernelBtf.offsetOf("bpf_iter__cgroup", "cgroup"), 8, cgrp.address());
        assertThat(l.run("core_iter", iter.address())).isEqualTo(14);
    }

    @ParameterizedTest
    @ValueSource(strings = {"externs.o", "externs.v2.o", "externs.v4.o", "externs.clang14.o"})
    void kconfigKsymsAndKfuncs(String object) {
        Loaded l = Loaded.of(object);
        assertThat(l.run("use_kconfig", 0)).isEqualTo(0);
        long[] seen = new long[8];
        for (int i = 0; i < 8; i++) {
            seen[i] = l.global(".bss", 8 * i, 8);
        }
        assertThat(seen).containsExactly(0x060c00, 1, 250, 1, 1, 'b', 0, 0xffff_8000_0000_1000L);

        Region cgrp = l.object(Region.Kind.KERNEL_OBJECT, "cgroup", KernelBtf.sizeOf("cgroup"));
        Region args = l.object(Region.Kind.CTX, "ctx", 32);
        Loaded.put(args, 0, 8, cgrp.address());
        assertThat(l.run("use_kfuncs", args.address())).isEqualTo(0);
        String c = Long.toHexString(cgrp.address());
        assertThat(l.kfuncCalls).containsExactly("bpf_rcu_read_lock()", "bpf_cgroup_acquire(" + c + ", 0)",
                "cgroup_rstat_updated(" + c + ", 0)", "bpf_cgroup_release(" + c + ", 0)", "bpf_rcu_read_unlock()");
        assertThat(l.programs.get("use_kfuncs").poisoned()).containsOnly(java.util.Map.entry(
                l.programs.get("use_kfuncs").poisoned().firstKey(),
                "call to unresolved weak kfunc 'bpf_no_such_kfunc' (it does not exist in this kernel)"));
    }

    /** compat.c: what older compilers encode differently must compute the same. */
    @ParameterizedTest
    @ValueSource(strings = {"compat.o", "compat.v2.o", "compat.v4.o", "compat.clang14.o", "compat.clang15.o", "compat.clang16.o"})
    void negativeEnumeratorsStaticsAndStrings(String object) {
        Loaded l = Loaded.of(object);
        assertThat(l.run("compat_prog", 0)).isEqualTo(0);
        long[] out = new long[6];
        for (int i = 0; i < 6; i++) {
            out[i] = l.global(".bss", 8 + 8 * i, 8);
        }
        // the kernel's memory_cgrp_id, it exists, a negative enumerator, statics, a string literal
        assertThat(out).containsExactly(4, 1, -2, 6, 7, 'o');
        assertThat(l.global(".bss", 0, 4)).isEqualTo(1);     // first
        assertThat(l.global(".bss", 56, 4)).isEqualTo(5);    // bump.bumps
        assertThat(l.global(".data", 8, 8)).isEqualTo(6);    // second
    }

    @Test
    void vmlinuxBuiltObjectLinksWithoutPoison() {
        Loaded l = Loaded.of("cgroup_stats.vmlinux.o");
        assertThat(l.programNames()).containsExactly("counter", "flusher", "dumper");
        l.programs.values().forEach(p -> {
            assertThat(p.poisoned()).as(p.name()).isEmpty();
            p.core().values().forEach(r -> assertThat(r.poison()).isFalse());
        });
        // cgrp->kn->id at the kernel BTF's offsets
        assertThat(l.programs.get("counter").core().values()).extracting(r -> r.newValue())
                .containsExactly((long) KernelBtf.offsetOf("cgroup", "kn"), (long) KernelBtf.offsetOf("kernfs_node", "id"));
    }
}
