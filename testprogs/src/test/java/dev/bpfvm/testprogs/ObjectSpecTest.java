package dev.bpfvm.testprogs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.exec.SourceLine;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.Opcodes;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ExternSpec;
import dev.bpfvm.vm.object.ExternSpec.KconfigType;
import dev.bpfvm.vm.object.FunctionSpec;
import dev.bpfvm.vm.object.MapEntry;
import dev.bpfvm.vm.object.MapSpec;
import dev.bpfvm.vm.object.ObjectSpec;
import dev.bpfvm.vm.object.Pinning;
import dev.bpfvm.vm.object.ProgramSpec;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.object.SourceRef;
import dev.bpfvm.vm.object.Reloc;
import dev.bpfvm.vm.object.VariableSpec;
import dev.bpfvm.vm.spi.MapType;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Every committed object, loaded, checked field by field against what its C source says. */
class ObjectSpecTest {
    private static String summary(ProgramSpec p) {
        return p.name() + " " + p.section() + " " + p.type() + " " + p.attachType() + " '" + p.attachTo() + "' "
                + p.flags() + " " + p.slotCount();
    }

    private static MapSpec btfMap(String name, MapType type, int key, int value, int max, int flags, int keyId, int valueId) {
        return new MapSpec(name, type, key, value, max, flags, 0, Pinning.NONE, 0, null, List.of(), new TreeMap<>(),
                keyId, valueId, ".maps", false);
    }

    private static MapSpec data(String name, byte[] bytes, int dsId) {
        boolean ro = name.startsWith(".rodata") || name.equals(".kconfig");
        return new MapSpec(name, MapType.ARRAY, 4, bytes.length, 1,
                MapSpec.BPF_F_MMAPABLE | (ro ? MapSpec.BPF_F_RDONLY_PROG : 0), 0, Pinning.NONE, 0, null,
                List.of(new MapEntry(new byte[4], bytes)), new TreeMap<>(), 0, dsId, name, ro);
    }

    private static byte[] hex(String h) {
        return HexFormat.of().parseHex(h);
    }

    private static SortedMap<Integer, String> relocs(ProgramSpec p) {
        return p.relocs().entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().describe(),
                (a, b) -> a, TreeMap::new));
    }

    @Test
    void calls() {
        ObjectSpec o = TestObjects.load("calls.o");
        assertThat(o.name()).isEqualTo("calls");
        assertThat(o.license()).isEqualTo("GPL");
        assertThat(o.programs()).extracting(ObjectSpecTest::summary).containsExactly(
                "calls_main socket SOCKET_FILTER NONE '' 0 28",
                "calls_loop syscall SYSCALL NONE '' 16 32");
        ProgramSpec main = o.program("calls_main");
        assertThat(main.functions()).containsExactly(
                new FunctionSpec("calls_main", "socket", 0, 7, 20, true),
                new FunctionSpec("sum_squares", ".text", 7, 15, 22, false),
                new FunctionSpec("square", ".text", 22, 3, 31, false),
                new FunctionSpec("global_add", ".text", 25, 3, 3, true));
        assertThat(main.relocs()).isEqualTo(new TreeMap<>(Map.of(
                2, new Reloc.CallRef("sum_squares", 7),
                5, new Reloc.CallRef("global_add", 25),
                14, new Reloc.CallRef("square", 22))));
        // call imm is pc-relative: target = pc + imm + 1
        assertThat(main.insns().get(2)).isEqualTo(new Insn(Opcodes.CALL_IMM, 0, Opcodes.PSEUDO_CALL, 0, 4));
        assertThat(main.sourceLine(0)).isEqualTo(new SourceLine("./calls.c", 40, 29,
                "\t__u64 s = sum_squares(skb->len & 15);"));
        assertThat(main.sourceLine(3).toString()).isEqualTo("calls.c:41");
        assertThat(main.sourceLine(22).text()).isEqualTo("static __attribute__((noinline)) __u64 square(__u64 x)");
        assertThat(main.sourceFile()).isEqualTo("./calls.c");
        ProgramSpec loop = o.program("calls_loop");
        assertThat(loop.functions()).extracting(FunctionSpec::name).containsExactly("calls_loop", "loop_body", "square",
                "global_add");
        assertThat(loop.relocs()).isEqualTo(new TreeMap<>(Map.of(
                7, new Reloc.FuncRef("loop_body", 15),
                13, new Reloc.CallRef("global_add", 29),
                20, new Reloc.CallRef("square", 26))));
        assertThat(loop.slots()[7]).isEqualTo(new Insn(Opcodes.LDDW, 2, Opcodes.PSEUDO_FUNC, 0, 7, 0));
        // the struct initializer clang keeps as a constant: an unused .rodata.cst16 map, as libbpf makes
        assertThat(o.maps()).containsExactly(data(".rodata.cst16", hex("00000000000000000a00000000000000"), 0));
    }

    @Test
    void globals() {
        ObjectSpec o = TestObjects.load("globals.o");
        assertThat(o.license()).isEqualTo("Dual BSD/GPL");
        assertThat(o.maps()).containsExactly(
                data(".data", hex("2a0000000000000001000000000000008877665544332211"), 49),
                data(".rodata", hex("e803000068692062706600006c656e202575206c696d697420257500"), 51),
                data(".data.counters", hex("07000000"), 50),
                data(".rodata.limits", hex("0002"), 52),
                data(".bss", new byte[48], 47),
                data(".bss.scratch", new byte[16], 48));
        assertThat(o.variables()).containsExactly(
                new VariableSpec("counter", ".data", 0, 4, "int", 19, true),
                new VariableSpec("pair", ".data", 8, 16, "struct pair", 21, true),
                new VariableSpec("threshold", ".rodata", 0, 4, "const volatile __u32", 24, true),
                new VariableSpec("greeting", ".rodata", 4, 8, "const volatile char[8]", 29, true),
                new VariableSpec("use_globals.____fmt", ".rodata", 12, 16, "const char[16]", 44, false),
                new VariableSpec("custom_counter", ".data.counters", 0, 4, "__u32", 30, true),
                new VariableSpec("custom_limit", ".rodata.limits", 0, 2, "const volatile __u16", 35, true),
                new VariableSpec("calls", ".bss", 0, 4, "__u32", 36, false),
                new VariableSpec("hits", ".bss", 8, 8, "__u64", 37, true),
                new VariableSpec("hist", ".bss", 16, 32, "__u64[4]", 39, true),
                new VariableSpec("scratch", ".bss.scratch", 0, 16, "__u8[16]", 41, true));
        ProgramSpec p = o.program("use_globals");
        assertThat(relocs(p)).containsExactly(
                Map.entry(0, ".bss+0"), Map.entry(6, "hist (.bss+16)"), Map.entry(8, "hist (.bss+16)"),
                Map.entry(11, "threshold (.rodata+0)"), Map.entry(20, "hits (.bss+8)"),
                Map.entry(28, "custom_counter (.data.counters+0)"), Map.entry(33, "pair (.data+8)"),
                Map.entry(36, "counter (.data+0)"), Map.entry(41, "greeting (.rodata+4)"),
                Map.entry(46, "scratch (.bss.scratch+0)"), Map.entry(51, "custom_limit (.rodata.limits+0)"),
                Map.entry(54, ".rodata+12"));
        assertThat(p.insns().get(p.insns().indexOf(p.slots()[41]))).isEqualTo(
                new Insn(Opcodes.LDDW, 2, Opcodes.PSEUDO_MAP_VALUE, 0, 0, 4));
        assertThat(new String(o.map(".rodata").data(), 12, 15, StandardCharsets.US_ASCII)).isEqualTo("len %u limit %u");
    }

    @Test
    void maps() {
        ObjectSpec o = TestObjects.load("maps.o");
        MapSpec innerA = btfMap("inner_a", MapType.ARRAY, 4, 8, 2, 0, 6, 9);
        assertThat(o.maps()).containsExactly(
                innerA,
                innerA.withName("inner_b"),
                new MapSpec("outer_array", MapType.ARRAY_OF_MAPS, 4, 4, 4, 0, 0, Pinning.NONE, 0,
                        innerA.withName("outer_array.inner"), List.of(), new TreeMap<>(Map.of(0, "inner_a", 2, "inner_b")),
                        6, 0, ".maps", false),
                new MapSpec("jumps", MapType.PROG_ARRAY, 4, 4, 3, 0, 0, Pinning.NONE, 0, null, List.of(),
                        new TreeMap<>(Map.of(0, "tail_a", 1, "tail_b")), 0, 0, ".maps", false),
                btfMap("hash", MapType.HASH, 4, 16, 1024, 0, 6, 44),
                btfMap("array", MapType.ARRAY, 4, 8, 16, 0, 6, 9),
                btfMap("percpu_hash", MapType.PERCPU_HASH, 8, 8, 128, MapSpec.BPF_F_NO_PREALLOC, 9, 9),
                btfMap("queue", MapType.QUEUE, 0, 4, 32, 0, 0, 6),
                btfMap("stack", MapType.STACK, 0, 8, 32, 0, 0, 9),
                new MapSpec("bloom", MapType.BLOOM_FILTER, 0, 4, 256, 0, 0, Pinning.NONE, 3, null, List.of(),
                        new TreeMap<>(), 0, 6, ".maps", false),
                btfMap("ringbuf", MapType.RINGBUF, 0, 0, 16384, 0, 0, 0),
                btfMap("percpu_array", MapType.PERCPU_ARRAY, 4, 16, 4, 0, 6, 44),
                btfMap("lru_hash", MapType.LRU_HASH, 8, 4, 64, 0, 0, 0),
                btfMap("lru_percpu_hash", MapType.LRU_PERCPU_HASH, 4, 4, 64, 0, 6, 6),
                btfMap("ringbuf_odd", MapType.RINGBUF, 0, 0, 8192, 0, 0, 0),
                btfMap("cgrp_storage", MapType.CGRP_STORAGE, 4, 8, 0, MapSpec.BPF_F_NO_PREALLOC, 2, 9),
                btfMap("task_storage", MapType.TASK_STORAGE, 4, 16, 0, MapSpec.BPF_F_NO_PREALLOC, 2, 44),
                btfMap("events", MapType.PERF_EVENT_ARRAY, 4, 4, 0, 0, 0, 0),
                new MapSpec("pinned", MapType.HASH, 4, 4, 8, MapSpec.BPF_F_NUMA_NODE, 1, Pinning.BY_NAME, 0, null,
                        List.of(), new TreeMap<>(), 6, 6, ".maps", false),
                new MapSpec("outer_hash", MapType.HASH_OF_MAPS, 4, 4, 8, 0, 0, Pinning.NONE, 0,
                        btfMap("outer_hash.inner", MapType.HASH, 4, 4, 16, 0, 6, 6), List.of(), new TreeMap<>(),
                        6, 0, ".maps", false));
        assertThat(o.programs()).extracting(ProgramSpec::name).containsExactly("tail_a", "tail_b", "use_maps");
        assertThat(relocs(o.program("use_maps"))).containsExactly(
                Map.entry(7, "map hash"), Map.entry(20, "map array"), Map.entry(28, "map percpu_hash"),
                Map.entry(36, "map queue"), Map.entry(41, "map stack"), Map.entry(46, "map bloom"),
                Map.entry(51, "map outer_array"), Map.entry(66, "map ringbuf"), Map.entry(74, "map jumps"));
        assertThat(o.btf().typeName(44)).isEqualTo("struct value");
    }

    @Test
    void legacyMapsWithoutBtf() {
        ObjectSpec o = TestObjects.load("legacy.o");
        assertThat(o.btf()).isNull();
        assertThat(o.kernelVersion()).isEqualTo(0x060c00);
        assertThat(o.maps()).containsExactly(
                new MapSpec("legacy_counts", MapType.ARRAY, 4, 8, 8, 0, 0, Pinning.NONE, 0, null, List.of(),
                        new TreeMap<>(), 0, 0, "maps", false),
                new MapSpec("legacy_hash", MapType.HASH, 4, 4, 128, MapSpec.BPF_F_NO_PREALLOC, 0, Pinning.NONE, 0,
                        null, List.of(), new TreeMap<>(), 0, 0, "maps", false),
                data(".data", hex("05000000"), 0));
        assertThat(o.variables()).containsExactly(new VariableSpec("legacy_global", ".data", 0, 4, "", 0, true));
        ProgramSpec p = o.program("legacy_prog");
        assertThat(relocs(p)).containsExactly(Map.entry(5, "map legacy_counts"), Map.entry(9, "legacy_global (.data+0)"),
                Map.entry(17, "map legacy_hash"));
        assertThat(p.lines()).isEmpty();
        assertThat(p.sourceLine(3)).isNull();
        assertThat(p.functions()).containsExactly(new FunctionSpec("legacy_prog", "socket", 0, 24, 0, true));
    }

    @Test
    void externs() {
        ObjectSpec o = TestObjects.load("externs.o");
        assertThat(o.externs()).containsExactly(
                new ExternSpec("CONFIG_NO_SUCH_OPTION", ExternSpec.Kind.KCONFIG, true, 47, "unsigned long long", 0, 8, KconfigType.UINT),
                new ExternSpec("CONFIG_HZ", ExternSpec.Kind.KCONFIG, false, 40, "int", 8, 4, KconfigType.INT),
                new ExternSpec("CONFIG_MEMCG", ExternSpec.Kind.KCONFIG, false, 43, "enum libbpf_tristate", 12, 4, KconfigType.TRISTATE),
                new ExternSpec("LINUX_KERNEL_VERSION", ExternSpec.Kind.KCONFIG, false, 34, "unsigned int", 16, 4, KconfigType.UINT),
                new ExternSpec("CONFIG_BPF_JIT", ExternSpec.Kind.KCONFIG, false, 41, "bool", 20, 1, KconfigType.BOOL),
                new ExternSpec("LINUX_HAS_BPF_COOKIE", ExternSpec.Kind.KCONFIG, false, 39, "bool", 21, 1, KconfigType.BOOL),
                new ExternSpec("CONFIG_LOCALVERSION", ExternSpec.Kind.KCONFIG, false, 46, "char[16]", 22, 16, KconfigType.STRING),
                new ExternSpec("bpf_cgroup_acquire", ExternSpec.Kind.KFUNC, false, 20, "func", -1, 0, null),
                new ExternSpec("bpf_cgroup_release", ExternSpec.Kind.KFUNC, false, 26, "func", -1, 0, null),
                new ExternSpec("bpf_no_such_kfunc", ExternSpec.Kind.KFUNC, true, 30, "func", -1, 0, null),
                new ExternSpec("bpf_no_such_ksym", ExternSpec.Kind.KSYM, true, 51, "void", -1, 0, null),
                new ExternSpec("bpf_prog_active", ExternSpec.Kind.KSYM, false, 49, "int", -1, 0, null),
                new ExternSpec("bpf_rcu_read_lock", ExternSpec.Kind.KFUNC, false, 7, "func", -1, 0, null),
                new ExternSpec("bpf_rcu_read_unlock", ExternSpec.Kind.KFUNC, false, 28, "func", -1, 0, null),
                new ExternSpec("cgroup_rstat_updated", ExternSpec.Kind.KFUNC, true, 22, "func", -1, 0, null),
                new ExternSpec("css_rstat_updated", ExternSpec.Kind.KFUNC, true, 24, "func", -1, 0, null));
        assertThat(o.map(".kconfig")).isEqualTo(
                data(".kconfig", hex("0000000000000000fa00000001000000000c060001012d627066766d000000000000000000000000"),
                        o.btf().find(dev.bpfvm.vm.btf.BtfKind.DATASEC, ".kconfig")));
        assertThat(relocs(o.program("use_kfuncs"))).containsExactly(
                Map.entry(1, "kfunc bpf_rcu_read_lock"), Map.entry(3, "kfunc bpf_cgroup_acquire"),
                Map.entry(6, "ksym cgroup_rstat_updated (weak)"), Map.entry(11, "kfunc cgroup_rstat_updated (weak)"),
                Map.entry(13, "CO-RE byte_off <byte_off> [10] struct cgroup.self (0:0 @ offset 0)"),
                Map.entry(17, "kfunc css_rstat_updated (weak)"), Map.entry(19, "kfunc bpf_cgroup_release"),
                Map.entry(20, "kfunc bpf_rcu_read_unlock"), Map.entry(22, "ksym bpf_no_such_kfunc (weak)"),
                Map.entry(26, "kfunc bpf_no_such_kfunc (weak)"));
        assertThat(o.program("use_kfuncs").insns().get(1)).isEqualTo(new Insn(Opcodes.CALL_IMM, 0, Opcodes.PSEUDO_KFUNC_CALL, 0, 0));
        // the .kconfig DATASEC gets the loader's layout, as libbpf fills it in
        dev.bpfvm.vm.btf.BtfType.DataSec ds = (dev.bpfvm.vm.btf.BtfType.DataSec) o.btf().type(55);
        assertThat(ds.size()).isEqualTo(40);
        assertThat(ds.vars()).extracting(v -> o.btf().type(v.type()).name() + "@" + v.offset() + "/" + v.size())
                .containsExactly("LINUX_KERNEL_VERSION@16/4", "LINUX_HAS_BPF_COOKIE@21/1", "CONFIG_HZ@8/4",
                        "CONFIG_BPF_JIT@20/1", "CONFIG_MEMCG@12/4", "CONFIG_LOCALVERSION@22/16",
                        "CONFIG_NO_SUCH_OPTION@0/8");
        ProgramSpec kc = o.program("use_kconfig");
        assertThat(kc.relocs().get(0)).isEqualTo(new Reloc.KsymRef("bpf_no_such_ksym", true, false));
        assertThat(kc.relocs().get(2)).isEqualTo(new Reloc.KsymRef("bpf_prog_active", false, true));
        assertThat(kc.relocs().values()).contains(new Reloc.DataRef(".kconfig", 16, "LINUX_KERNEL_VERSION"));
    }

    @Test
    void everySectionKind() {
        ObjectSpec o = TestObjects.load("sections.o");
        assertThat(o.programs()).extracting(ObjectSpecTest::summary).containsExactly(
                "sock_prog socket SOCKET_FILTER NONE '' 0 5",
                "tc_prog tc SCHED_CLS NONE '' 0 6",
                "classifier_prog classifier SCHED_CLS NONE '' 0 2",
                "xdp_prog xdp XDP XDP '' 0 7",
                "cgskb_ingress cgroup_skb/ingress CGROUP_SKB CGROUP_INET_INGRESS '' 0 2",
                "cgskb_egress cgroup_skb/egress CGROUP_SKB CGROUP_INET_EGRESS '' 0 5",
                "kprobe_prog kprobe/do_sys_openat2 KPROBE NONE 'do_sys_openat2' 0 5",
                "kretprobe_prog kretprobe/do_sys_openat2 KPROBE NONE 'do_sys_openat2' 0 2",
                "tracepoint_prog tracepoint/cgroup/cgroup_mkdir TRACEPOINT NONE 'cgroup/cgroup_mkdir' 0 2",
                "tp_prog tp/cgroup/cgroup_attach_task TRACEPOINT NONE 'cgroup/cgroup_attach_task' 0 2",
                "raw_tp_prog raw_tp/cgroup_rmdir RAW_TRACEPOINT NONE 'cgroup_rmdir' 0 2",
                "tp_btf_prog tp_btf/cgroup_mkdir TRACING TRACE_RAW_TP 'cgroup_mkdir' 0 2",
                "fentry_prog fentry/cgroup_attach_task TRACING TRACE_FENTRY 'cgroup_attach_task' 0 2",
                "fexit_prog fexit/cgroup_attach_task TRACING TRACE_FEXIT 'cgroup_attach_task' 0 2",
                "fmod_ret_prog fmod_ret/security_file_open TRACING MODIFY_RETURN 'security_file_open' 0 2",
                "fentry_sleepable fentry.s/cgroup_mkdir TRACING TRACE_FENTRY 'cgroup_mkdir' 16 2",
                "lsm_prog lsm/file_open LSM LSM_MAC 'file_open' 0 2",
                "lsm_sleepable lsm.s/bprm_committed_creds LSM LSM_MAC 'bprm_committed_creds' 16 2",
                "iter_cgroup iter/cgroup TRACING TRACE_ITER 'cgroup' 0 5",
                "iter_task_sleepable iter.s/task TRACING TRACE_ITER 'task' 16 2",
                "syscall_prog syscall SYSCALL NONE '' 16 2",
                "perf_event_prog perf_event PERF_EVENT NONE '' 0 2",
                "cg_sock_create cgroup/sock_create CGROUP_SOCK CGROUP_INET_SOCK_CREATE '' 0 2",
                "cg_connect4 cgroup/connect4 CGROUP_SOCK_ADDR CGROUP_INET4_CONNECT '' 0 2",
                "xdp_frags_prog xdp.frags XDP XDP '' 32 2");
        assertThat(o.maps()).isEmpty();
        assertThat(o.program("iter_task_sleepable").sleepable()).isTrue();
        assertThat(o.program("xdp_prog").sourceLine(0).text()).isEqualTo("\tvoid *data_end = (void *)(long)ctx->data_end;");
        assertThat(ProgramType.TRACING.kernelName()).isEqualTo("BPF_PROG_TYPE_TRACING");
        assertThat(AttachType.TRACE_ITER.kernelName()).isEqualTo("BPF_TRACE_ITER");
    }

    @Test
    void coreRelocationRecords() {
        ObjectSpec o = TestObjects.load("core.o");
        assertThat(relocs(o.program("core_poisoned"))).containsExactly(
                Map.entry(1, "CO-RE field_exists <field_exists> [28] struct task_struct___old.state (0:0 @ offset 0)"),
                Map.entry(3, "CO-RE byte_off <byte_off> [28] struct task_struct___old.state (0:0 @ offset 0)"),
                Map.entry(11, "CO-RE byte_off <byte_off> [21] struct task_struct.pid (0:3 @ offset 12)"));
        assertThat(relocs(o.program("core_reads")).values()).containsExactly(
                "CO-RE byte_off <byte_off> [6] struct cgroup.kn (0:5 @ offset 56)",
                "CO-RE byte_off <byte_off> [17] struct kernfs_node.id (0:2 @ offset 16)",
                "out (.bss+0)",
                "CO-RE byte_off <byte_off> [6] struct cgroup.self.parent (0:0:1 @ offset 8)",
                "CO-RE byte_off <byte_off> [7] struct cgroup_subsys_state.cgroup (0:0 @ offset 0)",
                "CO-RE byte_off <byte_off> [6] struct cgroup.level (0:2 @ offset 40)",
                "CO-RE byte_off <byte_off> [21] struct task_struct.cgroups (0:9 @ offset 64)",
                "CO-RE byte_off <byte_off> [25] struct css_set.dfl_cgrp (0:1 @ offset 96)",
                "CO-RE byte_off <byte_off> [6] struct cgroup.kn (0:5 @ offset 56)",
                "CO-RE byte_off <byte_off> [17] struct kernfs_node.id (0:2 @ offset 16)",
                "CO-RE enumval_value <enumval_value> [27] enum cgroup_subsys_id::memory_cgrp_id = 4",
                "CO-RE field_exists <field_exists> [21] struct task_struct.__state (0:0 @ offset 0)",
                "CO-RE field_exists <field_exists> [28] struct task_struct___old.state (0:0 @ offset 0)",
                "CO-RE byte_sz <byte_sz> [21] struct task_struct.comm (0:8 @ offset 48)",
                "CO-RE type_exists <type_exists> [6] struct cgroup",
                "CO-RE type_exists <type_exists> [30] struct not_in_kernel");
    }

    @Test
    void objectBuiltAgainstAFullVmlinuxH() {
        ObjectSpec o = TestObjects.load("cgroup_stats.vmlinux.o");
        assertThat(o.programs()).extracting(ObjectSpecTest::summary).containsExactly(
                "counter tp_btf/cgroup_attach_task TRACING TRACE_RAW_TP 'cgroup_attach_task' 0 35",
                "flusher fentry/bpf_rstat_flush TRACING TRACE_FENTRY 'bpf_rstat_flush' 0 79",
                "dumper iter.s/cgroup TRACING TRACE_ITER 'cgroup' 16 40");
        assertThat(o.maps()).extracting(m -> m.name() + " " + m.type() + " " + m.keySize() + " " + m.valueSize() + " "
                + m.maxEntries()).containsExactly(
                "percpu_attach_counters PERCPU_HASH 8 16 1024",
                "attach_counters HASH 8 16 1024",
                ".rodata ARRAY 4 67 1");
        assertThat(new String(o.map(".rodata").data(), StandardCharsets.US_ASCII)).isEqualTo(
                "cg_id: %llu, attach_counter: 0\n\0cg_id: %llu, attach_counter: %llu\n\0");
        assertThat(o.externs()).extracting(ExternSpec::name).containsExactly("cgroup_rstat_flush", "cgroup_rstat_updated");
        assertThat(relocs(o.program("counter"))).containsExactly(
                Map.entry(1, "CO-RE byte_off <byte_off> [23] struct cgroup.kn (0:12 @ offset 256)"),
                Map.entry(2, "CO-RE byte_off <byte_off> [130] struct kernfs_node.id (0:10 @ offset 96)"),
                Map.entry(6, "map percpu_attach_counters"), Map.entry(24, "map percpu_attach_counters"),
                Map.entry(32, "kfunc cgroup_rstat_updated"));
        assertThat(o.program("dumper").sourceLine(0).file()).isEqualTo("./cgroup_stats.c");
        assertThat(o.btf().count()).isEqualTo(185);
    }

    /** The other builds of a program: other -mcpu, without -g, older compilers. */
    private static final String OTHER_BUILD = "\\.(v[124]|nog|gline|clang1[456])\\.o$";

    private static String mapSummary(MapSpec m) {
        return m.name() + " " + m.type() + " " + m.keySize() + " " + m.valueSize() + " " + m.maxEntries() + " "
                + m.flags() + " " + m.numaNode() + " " + m.pinning() + " " + m.mapExtra() + " " + m.section() + " "
                + m.frozen() + " " + m.slots() + " " + (m.innerMap() == null ? "-" : mapSummary(m.innerMap())) + " "
                + m.contents().stream().map(e -> HexFormat.of().formatHex(e.key()) + "=" + HexFormat.of().formatHex(e.value()))
                        .toList();
    }

    /**
     * A program's references, sorted, without BTF type ids (they differ between compilers) and
     * enumerator values (clang before 15 writes no enum signedness; see enumSignednessPerCompiler).
     */
    private static List<String> references(ProgramSpec p, boolean withCore) {
        return p.relocs().values().stream().filter(r -> withCore || !(r instanceof Reloc.CoreRef))
                .map(r -> r.describe().replaceAll("\\[\\d+\\] ", "").replaceAll("(::\\w+) = -?\\d+$", "$1")).sorted().toList();
    }

    @Test
    void otherBuildsDescribeTheSameObject() {
        int compared = 0;
        for (String name : TestObjects.names()) {
            String base = name.replaceAll(OTHER_BUILD, ".o");
            if (base.equals(name)) {
                continue;
            }
            compared++;
            ObjectSpec v = TestObjects.load(name);
            ObjectSpec o = TestObjects.load(base);
            boolean nog = name.endsWith(".nog.o") || name.endsWith(".gline.o");
            assertThat(v.license()).as(name).isEqualTo(o.license());
            assertThat(v.kernelVersion()).as(name).isEqualTo(o.kernelVersion());
            assertThat(v.programs()).as(name).extracting(ProgramSpec::name)
                    .isEqualTo(o.programs().stream().map(ProgramSpec::name).toList());
            for (ProgramSpec p : o.programs()) {
                ProgramSpec q = v.program(p.name());
                String what = name + " " + p.name();
                assertThat(q.section() + " " + q.type() + " " + q.attachType() + " '" + q.attachTo() + "' " + q.flags())
                        .as(what).isEqualTo(p.section() + " " + p.type() + " " + p.attachType() + " '" + p.attachTo()
                                + "' " + p.flags());
                assertThat(q.functions()).as(what).extracting(f -> f.name() + " " + f.section() + " " + f.global())
                        .isEqualTo(p.functions().stream().map(f -> f.name() + " " + f.section() + " " + f.global()).toList());
                // without -g clang silently drops CO-RE relocations (the accesses keep the compiled offsets)
                assertThat(references(q, !nog)).as(what).isEqualTo(references(p, !nog));
                if (nog) {
                    assertThat(references(q, true)).as(what).isEqualTo(references(p, false));
                    assertThat(q.lines()).as(what).isEmpty();
                    assertThat(q.functions()).as(what).allSatisfy(f -> assertThat(f.btfId()).isZero());
                }
            }
            assertThat(v.maps()).as(name).extracting(ObjectSpecTest::mapSummary)
                    .isEqualTo(o.maps().stream().map(ObjectSpecTest::mapSummary).toList());
            assertThat(v.externs()).as(name).extracting(e -> e.name() + " " + e.kind() + " " + e.weak() + " " + e.type()
                    + " " + e.offset() + " " + e.size() + " " + e.kconfig()).isEqualTo(o.externs().stream().map(e -> e.name()
                    + " " + e.kind() + " " + e.weak() + " " + e.type() + " " + e.offset() + " " + e.size() + " "
                    + e.kconfig()).toList());
            assertThat(v.variables()).as(name).extracting(x -> x.name() + " " + x.section() + " " + x.offset() + " "
                    + x.size() + " " + x.global()).isEqualTo(o.variables().stream()
                    .map(x -> x.name() + " " + x.section() + " " + x.offset() + " " + x.size() + " " + x.global()).toList());
            for (int i = 0; i < v.variables().size(); i++) {
                // untyped where the build has no DATASEC for the section (no -g; clang-14's .rodata.str1.1)
                String type = v.variables().get(i).type();
                assertThat(type).as(name).isIn(nog ? List.of("") : List.of("", o.variables().get(i).type()));
            }
            assertThat(v.btf() == null).as(name).isEqualTo(nog || o.btf() == null);
        }
        assertThat(compared).isEqualTo(61);
    }

    /** Without -g: no BTF, so no line info, no function BTF ids and untyped variables, but the same code. */
    @Test
    void objectsBuiltWithoutDebugInfo() {
        ObjectSpec nog = TestObjects.load("calls.nog.o");
        ObjectSpec g = TestObjects.load("calls.o");
        assertThat(nog.btf()).isNull();
        for (ProgramSpec p : g.programs()) {
            ProgramSpec q = nog.program(p.name());
            assertThat(q.insns()).isEqualTo(p.insns());
            assertThat(q.relocs()).isEqualTo(p.relocs());
            assertThat(q.functions()).isEqualTo(p.functions().stream()
                    .map(f -> new FunctionSpec(f.name(), f.section(), f.start(), f.length(), 0, f.global())).toList());
            assertThat(q.lines()).isEmpty();
            assertThat(q.sourceLine(0)).isNull();
            assertThat(q.sourceFile()).isNull();
        }
        // clang-14 -gline-tables-only: BTF FUNCs without prototypes, dropped as libbpf does (nothing needs it)
        assertThat(dev.bpfvm.vm.elf.ElfFile.parse("calls.gline.o", TestObjects.bytes("calls.gline.o")).section(".BTF"))
                .isNotNull();
        ObjectSpec gline = TestObjects.load("calls.gline.o");
        assertThat(gline.btf()).isNull();
        assertThat(gline.warnings()).containsExactly(".BTF and .BTF.ext ignored (nothing in the object needs BTF):"
                + " .BTF: type [1] FUNC 'global_add': prototype [0] is a UNKN, not a FUNC_PROTO");
        assertThat(gline.programs()).extracting(ProgramSpec::insns).isEqualTo(nog.programs().stream().map(ProgramSpec::insns).toList());
        assertThat(gline.program("calls_main").functions()).isEqualTo(nog.program("calls_main").functions());
        ObjectSpec globals = TestObjects.load("globals.nog.o");
        assertThat(globals.variables()).containsExactly(
                new VariableSpec("counter", ".data", 0, 4, "", 0, true),
                new VariableSpec("pair", ".data", 8, 16, "", 0, true),
                new VariableSpec("threshold", ".rodata", 0, 4, "", 0, true),
                new VariableSpec("greeting", ".rodata", 4, 8, "", 0, true),
                new VariableSpec("use_globals.____fmt", ".rodata", 12, 16, "", 0, false),
                new VariableSpec("custom_counter", ".data.counters", 0, 4, "", 0, true),
                new VariableSpec("custom_limit", ".rodata.limits", 0, 2, "", 0, true),
                new VariableSpec("calls", ".bss", 0, 4, "", 0, false),
                new VariableSpec("hits", ".bss", 8, 8, "", 0, true),
                new VariableSpec("hist", ".bss", 16, 32, "", 0, true),
                new VariableSpec("scratch", ".bss.scratch", 0, 16, "", 0, true));
        assertThat(globals.maps()).extracting(MapSpec::btfValueTypeId).containsOnly(0);
        // sections.c reads contexts through preserve_access_index structs: without -g, no CO-RE records
        assertThat(relocs(TestObjects.load("sections.o").program("kprobe_prog"))).containsExactly(
                Map.entry(0, "CO-RE byte_off <byte_off> [32] struct pt_regs.di (0:14 @ offset 112)"));
        assertThat(TestObjects.load("sections.nog.o").program("kprobe_prog").relocs()).isEmpty();
    }

    /** What older compilers do differently in our programs: more line info records, no BTF for unused typedefs. */
    @Test
    void olderCompilers() {
        assertThat(TestObjects.load("calls.clang14.o").program("calls_loop").lines()).hasSize(20);
        assertThat(TestObjects.load("calls.clang16.o").program("calls_loop").lines()).hasSize(20);
        assertThat(TestObjects.load("calls.o").program("calls_loop").lines()).hasSize(19);
        // clang-19 gives the jump after a weak kfunc's address (if (kfunc)) a line record of its own; clang-14 does not
        assertThat(TestObjects.load("externs.o").program("use_kfuncs").lines()).extracting(SourceRef::insn)
                .containsExactly(0, 1, 2, 5, 6, 8, 9, 16, 18, 20, 22, 24, 25, 27);
        assertThat(TestObjects.load("externs.clang14.o").program("use_kfuncs").lines()).extracting(SourceRef::insn)
                .containsExactly(0, 1, 2, 5, 6, 9, 16, 18, 20, 22, 25, 27);
        assertThat(TestObjects.load("externs.clang14.o").program("use_kfuncs").sourceLine(8).text())
                .isEqualTo("\t\tif (cgroup_rstat_updated)");
        ObjectSpec old = TestObjects.load("sections.clang14.o");
        assertThat(old.btf().count()).isEqualTo(106);
        assertThat(TestObjects.load("sections.o").btf().count()).isEqualTo(109);
        assertThat(TestObjects.load("sections.clang15.o").btf().count()).isEqualTo(112);
        assertThat(old.program("cg_connect4").functions()).containsExactly(
                new FunctionSpec("cg_connect4", "cgroup/connect4", 0, 2, 95, true));
        // clang-14 and clang-16 keep their local jump labels (LBB*) as symbols: not functions, not variables
        assertThat(TestObjects.load("maps.clang14.o").program("use_maps").functions()).extracting(FunctionSpec::name)
                .containsExactly("use_maps");
    }

    /**
     * compat.c by compiler: clang before 15 writes no enum signedness in BTF (a negative enumerator
     * reads as its unsigned 32 bits) and no DATASEC for string literal sections.
     */
    @Test
    void enumSignednessPerCompiler() {
        ObjectSpec old = TestObjects.load("compat.clang14.o");
        ObjectSpec o = TestObjects.load("compat.o");
        assertThat(relocs(old.program("compat_prog"))).containsEntry(8,
                "CO-RE enumval_value <enumval_value> [5] enum cgroup_subsys_id___neg::memory_cgrp_id = 4294967291");
        assertThat(relocs(o.program("compat_prog"))).containsEntry(8,
                "CO-RE enumval_value <enumval_value> [5] enum cgroup_subsys_id___neg::memory_cgrp_id = -5");
        assertThat(relocs(TestObjects.load("compat.clang15.o").program("compat_prog"))).containsEntry(8,
                "CO-RE enumval_value <enumval_value> [5] enum cgroup_subsys_id___neg::memory_cgrp_id = -5");
        // the compiler loads -5 either way
        assertThat(old.program("compat_prog").slots()[8]).isEqualTo(Insn.lddw(4, 0, -5L));
        assertThat(o.program("compat_prog").slots()[8]).isEqualTo(Insn.lddw(4, 0, -5L));
        assertThat(old.variables()).extracting(v -> v.name() + " " + v.section() + "+" + v.offset() + " " + v.type())
                .containsExactly("level .data+0 volatile enum level", "second .data+8 __u64",
                        "compat_prog.word .rodata.str1.1+0 ", "first .bss+0 __u32", "out .bss+8 __s64[6]",
                        "bump.bumps .bss+56 __u32");
        // clang-19 describes the string literal section in BTF too (clang-14 leaves it to the symbols)
        assertThat(o.variables()).filteredOn(v -> v.name().equals("compat_prog.word")).extracting(VariableSpec::type)
                .containsExactly("const char[7]");
        assertThat(o.map(".rodata.str1.1").btfValueTypeId()).isPositive();
        assertThat(old.map(".rodata.str1.1").btfValueTypeId()).isZero();
    }

    /** Test resources, not in index.txt: objects bpfvm must refuse. */
    private static byte[] unsupported(String name) throws java.io.IOException {
        try (java.io.InputStream in = ObjectSpecTest.class.getResourceAsStream("/unsupported/" + name)) {
            return in.readAllBytes();
        }
    }

    /** Objects bpfvm cannot load get a clear loader error that says why. */
    @Test
    void unsupportedObjectsAreRejectedClearly() throws java.io.IOException {
        byte[] maps = unsupported("maps.nog.o");
        assertThatThrownBy(() -> dev.bpfvm.vm.elf.ElfLoader.load("maps.nog.o", maps))
                .isInstanceOf(dev.bpfvm.vm.elf.ElfFormatException.class)
                .hasMessage("maps.nog.o: section '.maps': BTF-defined maps need BTF, but the object has none"
                        + " (compile with -g)");
        byte[] externs = unsupported("externs.nog.o");
        assertThatThrownBy(() -> dev.bpfvm.vm.elf.ElfLoader.load("externs.nog.o", externs))
                .isInstanceOf(dev.bpfvm.vm.object.RelocationException.class)
                .hasMessage("externs.nog.o: extern 'bpf_rcu_read_lock' needs BTF to be resolved, but the"
                        + " object has none (compile with -g)");
    }

    @Test
    void everyObjectHasLineInfoWithTextForEveryProgramStart() {
        for (String name : TestObjects.names()) {
            ObjectSpec o = TestObjects.load(name);
            assertThat(o.warnings()).as(name).hasSize(name.equals("calls.gline.o") ? 1 : 0);
            for (ProgramSpec p : o.programs()) {
                if (o.btf() == null) {
                    assertThat(p.lines()).as(name).isEmpty();
                    continue;
                }
                SourceLine first = p.sourceLine(0);
                assertThat(first).as(name + " " + p.name()).isNotNull();
                // bench_NAME.o is built from bench/NAME.c
                assertThat(first.shortFile()).as(name).isEqualTo(name.replaceAll("\\..*", "").replaceFirst("^bench_", "") + ".c");
                assertThat(first.text()).as(name).isNotBlank();
                for (FunctionSpec f : p.functions()) {
                    assertThat(p.lineStartingAt(f.start())).as(name + " " + f.name()).isNotNull();
                    // the func info's BTF id names this function, whatever the compiler numbered it
                    assertThat(o.btf().type(f.btfId())).as(name + " " + f.name())
                            .isInstanceOfSatisfying(dev.bpfvm.vm.btf.BtfType.Func.class,
                                    fn -> assertThat(fn.name()).isEqualTo(f.name()));
                }
            }
        }
    }
}
