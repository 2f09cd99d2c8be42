package dev.bpfvm.testprogs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.kernel.load.BpfLoadException;
import dev.bpfvm.kernel.load.BpfObject;
import dev.bpfvm.kernel.load.LoadOptions;
import dev.bpfvm.kernel.load.MapView;
import dev.bpfvm.kernel.load.ProgramRejectedException;
import dev.bpfvm.kernel.testrun.TestRunOptions;
import dev.bpfvm.kernel.testrun.TestRunResult;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.LoaderException;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.BpfMapException;
import dev.bpfvm.vm.spi.MapAttr;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class LoadPipelineTest {
    @Test
    void globalsProgramUpdatesEveryDataSection() {
        try (BpfObject obj = TestRunObjects.open("globals.o")) {
            List<String> printk = new ArrayList<>();
            byte[] frame = new byte[14 + 50];          // skb->len = 50 after the Ethernet header
            frame[12] = 0x08;
            TestRunResult r = obj.program("use_globals").testRun(TestRunOptions.data(frame)
                    .withTrace(new dev.bpfvm.vm.exec.TraceSink() {
                        @Override
                        public void printk(String line) {
                            printk.add(line);
                        }
                    }, false));
            assertThat(r.retval()).isEqualTo(43);                        // counter 42 + pair.a 1
            assertThat(printk).containsExactly("len 50 limit 512");
            MapView data = obj.map(".data");
            assertThat(MapView.decode(data.lookup(new byte[4]), 0, 4)).isEqualTo(43);
            MapView bss = obj.map(".bss");
            byte[] b = bss.lookup(new byte[4]);
            assertThat(MapView.decode(b, offset(obj, "hits"), 8)).isEqualTo(50);
            assertThat(MapView.decode(b, offset(obj, "hist") + 8 * 2, 8)).isEqualTo(1);   // hist[50 & 3]
            assertThat(MapView.decode(b, offset(obj, "calls"), 4)).isEqualTo(1);
            assertThat(MapView.decode(obj.map(".data.counters").lookup(new byte[4]), 0, 4)).isEqualTo(8);
            byte[] scratch = obj.map(".bss.scratch").lookup(new byte[4]);
            assertThat(scratch[50 & 15]).isEqualTo((byte) 'i');
        }
    }

    private static int offset(BpfObject obj, String variable) {
        return obj.spec().variables().stream().filter(v -> v.name().equals(variable)).findFirst().orElseThrow()
                .offset();
    }

    @Test
    void rodataIsFrozenAndReadOnlyForPrograms() {
        try (BpfObject obj = TestRunObjects.open("globals.o")) {
            MapView ro = obj.map(".rodata");
            assertThat(ro.map().frozen()).isTrue();
            assertThat(ro.map().flags() & MapAttr.BPF_F_RDONLY_PROG).isNotZero();
            assertThat(ro.map().name()).isEqualTo("globals.rodata");
            assertThat(MapView.decode(ro.lookup(new byte[4]), 0, 4)).isEqualTo(1000);
            assertThatThrownBy(() -> ro.update(new byte[4], new byte[ro.valueSize()]))
                    .isInstanceOf(BpfMapException.class)
                    .satisfies(e -> assertThat(((BpfException) e).errno()).isEqualTo(Errno.EPERM));
            assertThat(obj.map(".data").map().frozen()).isFalse();
        }
    }

    @Test
    void kconfigAndKsymsAreResolved() {
        BpfRuntime rt = BpfObject.newRuntime(LoadOptions.defaults());
        Region active = rt.memory().register(Region.of(Region.Kind.KERNEL_OBJECT, "bpf_prog_active", new byte[4])
                .readOnly().build());
        // not verified: this bare runtime lacks the rstat kfuncs, so use_kfuncs' unguarded weak call
        // to css_rstat_updated is reachable and Linux would reject it ("kernel btf_id 0 is not a function")
        LoadOptions o = LoadOptions.defaults().withRuntime(rt).withVerify(false)
                .withKsyms(n -> n.equals("bpf_prog_active") ? OptionalLong.of(active.address()) : OptionalLong.empty());
        try (BpfObject obj = BpfObject.open("externs.o", TestRunObjects.bytes("externs.o"), o)) {
            assertThat(obj.program("use_kconfig").testRun(TestRunOptions.defaults()).retval()).isZero();
            byte[] bss = obj.map(".bss").lookup(new byte[4]);
            long[] seen = new long[8];
            for (int i = 0; i < 8; i++) {
                seen[i] = MapView.decode(bss, 8 * i, 8);
            }
            assertThat(seen).containsExactly(0x060c00, 1, 250, 1, 1, 'b', 0, active.address());
            assertThat(obj.map(".kconfig").map().frozen()).isTrue();
        }
    }

    @Test
    void aMissingKsymFailsTheLoadNamingIt() {
        // not verified: use_kfuncs (linked first) would be rejected for its missing weak kfunc, as below
        assertThatThrownBy(() -> BpfObject.open("externs.o", TestRunObjects.bytes("externs.o"),
                LoadOptions.defaults().withVerify(false)))
                .isInstanceOf(LoaderException.class)
                .hasMessageContaining("extern (ksym) 'bpf_prog_active': not found in kernel");
    }

    @Test
    void weakKfuncsMissingFromTheRuntimeAreNull() {
        BpfRuntime rt = BpfObject.newRuntime(LoadOptions.defaults());
        Region cgrp = rt.memory().register(Region.of(Region.Kind.KERNEL_OBJECT, "cgroup", new byte[256]).build());
        // not verified: with neither rstat kfunc the else branch's weak call is reachable, which Linux
        // rejects; this test checks the linker's NULL for missing weak kfuncs at run time
        LoadOptions o = LoadOptions.defaults().withRuntime(rt).withVerify(false)
                .withKsyms(n -> OptionalLong.of(cgrp.address()));
        try (BpfObject obj = BpfObject.open("externs.o", TestRunObjects.bytes("externs.o"), o)) {
            // neither rstat kfunc is registered: both weak calls are skipped; the program returns 0
            TestRunResult r = obj.program("use_kfuncs").testRun(
                    TestRunOptions.ctx(new byte[] {0, 0, 0, 0, 0, 0, 0, 0}));
            assertThat(r.retval()).isZero();
        }
    }

    @Test
    void aVerifierRejectionFailsTheOpenWithTheLogAndSourceLine() {
        BpfRuntime rt = BpfObject.newRuntime(LoadOptions.defaults());
        Region cgrp = rt.memory().register(Region.of(Region.Kind.KERNEL_OBJECT, "cgroup", new byte[256]).build());
        LoadOptions o = LoadOptions.defaults().withRuntime(rt).withKsyms(n -> OptionalLong.of(cgrp.address()));
        assertThatThrownBy(() -> BpfObject.open("externs.o", TestRunObjects.bytes("externs.o"), o))
                .isInstanceOfSatisfying(ProgramRejectedException.class, e -> {
                    assertThat(e.program()).isEqualTo("use_kfuncs");
                    assertThat(e.insnIdx()).isEqualTo(17);
                    assertThat(e.sourceLine()).isEqualTo("externs.c:40");
                    assertThat(e.verifierMessage()).isEqualTo("kernel btf_id 0 is not a function");
                    assertThat(e.errno()).isEqualTo(Errno.EINVAL); // fetch_kfunc_meta returns -EINVAL
                    assertThat(e.log()).contains("17: (85) call ").endsWith(" mark_read 0\n");
                })
                .hasMessage("externs.o: program use_kfuncs: rejected at insn 17 (externs.c:40): "
                        + "kernel btf_id 0 is not a function");
    }

    @Test
    void missingProgramAndMapAreTypedErrorsNamingTheObject() {
        try (BpfObject obj = TestRunObjects.open("globals.o")) {
            assertThatThrownBy(() -> obj.program("nope")).isInstanceOf(BpfLoadException.class)
                    .hasMessage("globals.o: no program named 'nope' (programs: use_globals)");
            assertThatThrownBy(() -> obj.map("nope")).isInstanceOf(BpfLoadException.class)
                    .hasMessageStartingWith("globals.o: no map named 'nope' (maps: .data, ");
        }
    }

    @Test
    void verifierRejectionFreesEveryMap() {
        List<MapView> seen = new ArrayList<>();
        LoadOptions reject = LoadOptions.defaults().withVerifier((o, p, rt) -> {
            throw new IllegalStateException("R0 !read_ok");
        });
        assertThatThrownBy(() -> BpfObject.open("globals.o", TestRunObjects.bytes("globals.o"), reject))
                .isInstanceOf(BpfLoadException.class)
                .hasMessage("globals.o: program use_globals: rejected: R0 !read_ok");
        LoadOptions noVerify = reject.withVerify(false);
        try (BpfObject obj = BpfObject.open("globals.o", TestRunObjects.bytes("globals.o"), noVerify)) {
            seen.addAll(obj.maps());
        }
        assertThat(seen).isNotEmpty();
    }

    @Test
    void closeFreesTheMaps() {
        BpfObject obj = TestRunObjects.open("globals.o");
        long addr = obj.map(".data").map().address();
        assertThat(obj.runtime().memory().regionAt(addr)).isNotNull();
        obj.close();
        assertThat(obj.runtime().memory().regionAt(addr)).isNull();
        assertThatThrownBy(() -> obj.map(".data")).isInstanceOf(IllegalStateException.class);
    }
}
