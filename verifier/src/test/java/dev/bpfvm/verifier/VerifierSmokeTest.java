package dev.bpfvm.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.spi.MapType;
import org.junit.jupiter.api.Test;

class VerifierSmokeTest {

    @Test
    void acceptsTrivialProgram() {
        VerifierResult r = Vt.of("r0 = 0", "exit").run();
        assertThat(r.accepted()).as(r.log()).isTrue();
        assertThat(r.insnsProcessed()).isEqualTo(2);
        assertThat(r.log()).isEqualTo(
                "processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n");
    }

    @Test
    void rejectsUninitializedReturn() {
        VerifierResult r = Vt.of("exit").run();
        assertThat(r.accepted()).isFalse();
        assertThat(r.message()).isEqualTo("R0 !read_ok");
        assertThat(r.errno()).isEqualTo(Errno.EACCES);
        assertThat(r.errorInsn()).isEqualTo(0);
    }

    @Test
    void mapLookupNeedsNullCheck() {
        MapInfo m = MapInfo.of("counts", MapType.HASH, 4, 8, 16, 0);
        VerifierResult r = Vt.of(
                "*(u32 *)(r10 -4) = 0",
                "r2 = r10",
                "r2 += -4",
                "r1 = map[counts] ll",
                "call bpf_map_lookup_elem",
                "r0 = *(u64 *)(r0 +0)",
                "r0 = 0",
                "exit").map(m).run();
        assertThat(r.accepted()).isFalse();
        assertThat(r.message()).isEqualTo("R0 invalid mem access 'map_value_or_null'");
    }

    @Test
    void mapLookupWithNullCheckIsAccepted() {
        MapInfo m = MapInfo.of("counts", MapType.HASH, 4, 8, 16, 0);
        VerifierResult r = Vt.of(
                "*(u32 *)(r10 -4) = 0",
                "r2 = r10",
                "r2 += -4",
                "r1 = map[counts] ll",
                "call bpf_map_lookup_elem",
                "if r0 == 0 goto out",
                "r1 = *(u64 *)(r0 +0)",
                "r1 += 1",
                "*(u64 *)(r0 +0) = r1",
                "out:",
                "r0 = 0",
                "exit").map(m).run();
        assertThat(r.accepted()).as(r.log()).isTrue();
    }

    @Test
    void mapValueOutOfBounds() {
        MapInfo m = MapInfo.of("counts", MapType.HASH, 4, 8, 16, 0);
        VerifierResult r = Vt.of(
                "*(u32 *)(r10 -4) = 0",
                "r2 = r10",
                "r2 += -4",
                "r1 = map[counts] ll",
                "call bpf_map_lookup_elem",
                "if r0 == 0 goto out",
                "r1 = *(u32 *)(r0 +8)",
                "out:",
                "r0 = 0",
                "exit").map(m).run();
        assertThat(r.accepted()).isFalse();
        assertThat(r.log()).contains("invalid access to map value, value_size=8 off=8 size=4\n"
                + "R0 min value is outside of the allowed memory range\n");
    }
}
