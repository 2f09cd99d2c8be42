package dev.bpfvm.testprogs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.kernel.load.BpfObject;
import dev.bpfvm.kernel.load.LoadOptions;
import dev.bpfvm.kernel.load.MapView;
import dev.bpfvm.vm.elf.ElfLoader;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.object.LinkedProgram;
import dev.bpfvm.vm.object.ObjectFunctions;
import dev.bpfvm.vm.object.ProgramType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link BpfObject#linkFunction}: a global function of .text, linked against the object's live maps. */
class LinkFunctionTest {
    @ParameterizedTest
    @ValueSource(strings = {"rawfunc.o", "rawfunc.v1.o", "rawfunc.v2.o", "rawfunc.v4.o", "rawfunc.clang14.o",
            "rawfunc.clang15.o", "rawfunc.clang16.o"})
    void aTextFunctionUsesTheObjectsMap(String object) {
        ObjectFunctions f = ElfLoader.loadFunctions(object, TestObjects.bytes(object));
        assertThat(f.object().programs()).isEmpty();
        assertThat(f.function("count_in_map").type()).isEqualTo(ProgramType.UNSPEC);
        try (BpfObject obj = BpfObject.load(f.object(), object, LoadOptions.defaults())) {
            LinkedProgram linked = obj.linkFunction(f.function("count_in_map"));
            assertThat(linked.name()).isEqualTo("count_in_map");
            ExecContext ctx = obj.runtime().newContext(0);
            assertThat(ctx.run(linked.program(), 0, 10, 0, 0, 0)).isEqualTo(11);
            assertThat(ctx.run(linked.program(), 0, 10, 0, 0, 0)).isEqualTo(12);
            assertThat(MapView.decode(obj.map("runs").lookup(new byte[4]), 0, 8)).isEqualTo(2);
            // a function without maps links too, with its static subprogram
            LinkedProgram primes = obj.linkFunction(f.function("count_primes"));
            assertThat(ctx.run(primes.program(), 0, 0, 0, 0, 0)).isEqualTo(168);
        }
    }
}
