package dev.bpfvm.testprogs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.verifier.KernelTypes;
import dev.bpfvm.verifier.ObjectPrograms;
import dev.bpfvm.verifier.Verifier;
import dev.bpfvm.verifier.VerifierInput;
import dev.bpfvm.verifier.VerifierOptions;
import dev.bpfvm.verifier.VerifierResult;
import dev.bpfvm.vm.btf.KernelBtf;
import dev.bpfvm.vm.elf.ElfLoader;
import dev.bpfvm.vm.object.LinkedProgram;
import dev.bpfvm.vm.object.Linker;
import dev.bpfvm.vm.object.ObjectSpec;
import dev.bpfvm.vm.object.ProgramSpec;
import dev.bpfvm.vm.object.SymbolResolver;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.KfuncRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every program of the project's testprogs objects is accepted, as Linux accepts them, with the
 * helpers and kfuncs the emulated kernel provides.
 */
class VerifyTestprogsTest {
    static final Path OBJECTS = Path.of("src/main/resources/bpf");

    /** The emulated kernel's registries: every helper and kfunc a program can call in bpfvm. */
    private static final EmulatedKernel KERNEL = new EmulatedKernel();

    static KfuncRegistry kfuncs() {
        return KERNEL.runtime().kfuncs();
    }

    /** Addresses nobody dereferences: the verifier reads maps through the relocation table. */
    static SymbolResolver fakeAddresses(ObjectSpec object) {
        return new SymbolResolver() {
            @Override
            public long mapAddress(String map) {
                return (long) (object.maps().indexOf(object.map(map)) + 1) << 32;
            }

            @Override
            public long mapValueAddress(String map) {
                return mapAddress(map) + 0x1000;
            }

            @Override
            public OptionalLong ksymAddress(String name) {
                return name.equals("bpf_prog_active") ? OptionalLong.of(0xffff_8000_0000_0000L) : OptionalLong.empty();
            }

            @Override
            public OptionalInt kfuncBtfId(String name) {
                int id = KernelBtf.funcId(name);
                return id > 0 ? OptionalInt.of(id) : OptionalInt.empty();
            }
        };
    }

    static HelperRegistry helpers() {
        return KERNEL.runtime().helpers();
    }

    /**
     * Programs Linux rejects too, with the message it gives: core_iter returns a field value
     * from an iterator, whose return value must be 0 or 1; without BTF (no -g, or BTF dropped)
     * a bpf_loop callback has no func_info.
     */
    static final String SLEEPABLE_TP_BTF =
            "Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable";

    static final Map<String, String> REJECTED = Map.of(
            "core.o:core_iter",
            "At program exit the register R0 has smin=0 smax=4294967295 should have been in [0, 1]",
            "core.v2.o:core_iter",
            "At program exit the register R0 has unknown scalar value should have been in [0, 1]",
            "core.v4.o:core_iter",
            "At program exit the register R0 has smin=0 smax=4294967295 should have been in [0, 1]",
            "core.clang14.o:core_iter",
            "At program exit the register R0 has smin=0 smax=4294967295 should have been in [0, 1]",
            "calls.nog.o:calls_loop", "missing btf func_info",
            // seed Idea II needs a sleepable tp_btf program, which Linux does not allow (bpfvm's kernel runs it)
            "idea2_creator.o:creator", SLEEPABLE_TP_BTF,
            "idea2_creator.v2.o:creator", SLEEPABLE_TP_BTF,
            "idea2_creator.v4.o:creator", SLEEPABLE_TP_BTF,
            "calls.gline.o:calls_loop", "missing btf func_info");

    static List<Path> objects() throws IOException {
        try (Stream<Path> s = Files.walk(OBJECTS)) {
            return s.filter(p -> p.toString().endsWith(".o")).sorted().toList();
        }
    }

    @TestFactory
    List<DynamicTest> everyTestprogIsAccepted() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path file : objects()) {
            ObjectSpec object = ElfLoader.load(file);
            Linker linker = new Linker(object, fakeAddresses(object), KernelBtf.get());
            for (ProgramSpec prog : object.programs()) {
                String name = file.getFileName() + ":" + prog.name();
                tests.add(DynamicTest.dynamicTest(name, () -> {
                    LinkedProgram linked = linker.link(prog);
                    VerifierInput in = ObjectPrograms.input(object, linked, helpers(), kfuncs(),
                            VerifierOptions.defaults().withLogLevel(1), KernelTypes.emulated());
                    VerifierResult r = Verifier.verify(in);
                    String rejected = REJECTED.get(name);
                    if (rejected != null) {
                        assertThat(r.accepted()).isFalse();
                        assertThat(r.message()).isEqualTo(rejected);
                    } else {
                        assertThat(r.accepted()).as(name + "\n" + r.log()).isTrue();
                    }
                }));
            }
        }
        return tests;
    }
}
