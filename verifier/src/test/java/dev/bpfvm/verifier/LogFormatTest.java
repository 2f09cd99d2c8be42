package dev.bpfvm.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bpfvm.vm.exec.SourceLine;
import dev.bpfvm.vm.spi.MapType;
import org.junit.jupiter.api.Test;

/** The verifier log in the kernel's format, at levels 1 and 2. */
class LogFormatTest {
    static final MapInfo COUNTS = MapInfo.of("counts", MapType.HASH, 4, 8, 16, 0);

    static final String[] LOOKUP = {
        "*(u32 *)(r10 -4) = 0",
        "r2 = r10",
        "r2 += -4",
        "r1 = map[counts] ll",
        "call bpf_map_lookup_elem",
        "if r0 == 0 goto out",
        "r1 = *(u64 *)(r0 +0)",
        "r1 &= 0xff",
        "r0 = 0",
        "exit",
        "out:",
        "r0 = 1",
        "exit"};

    @Test
    void levelTwoPrintsEveryInstructionWithItsState() {
        VerifierResult r = Vt.of(LOOKUP).map(COUNTS).kernelPrinter().logLevel(2).run();
        assertThat(r.accepted()).isTrue();
        assertThat(r.log()).isEqualTo(String.join("\n",
                "func#0 @0",
                "0: R1=ctx() R10=fp0",
                "0: (62) *(u32 *)(r10 -4) = 0          ; R10=fp0 fp-8=0000????",
                "1: (bf) r2 = r10                      ; R2_w=fp0 R10=fp0",
                "2: (07) r2 += -4                      ; R2_w=fp-4",
                "3: (18) r1 = 0x0                      ; R1_w=map_ptr(map=counts,ks=4,vs=8)",
                "5: (85) call bpf_map_lookup_elem#1    ; R0_w=map_value_or_null(id=1,map=counts,ks=4,vs=8)",
                "6: (15) if r0 == 0x0 goto pc+4        ; R0_w=map_value(map=counts,ks=4,vs=8)",
                "7: (79) r1 = *(u64 *)(r0 +0)          ; R0_w=map_value(map=counts,ks=4,vs=8) R1_w=scalar()",
                "8: (57) r1 &= 255                     ; "
                        + "R1_w=scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))",
                "9: (b7) r0 = 0                        ; R0_w=0",
                "10: (95) exit",
                "",
                "from 6 to 11: R0=0 R10=fp0 fp-8=mmmm????",
                "11: R0=0 R10=fp0 fp-8=mmmm????",
                "11: (b7) r0 = 1                       ; R0_w=1",
                "12: (95) exit",
                "processed 12 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0",
                ""));
        assertThat(r.insnsProcessed()).isEqualTo(12);
        assertThat(r.totalStates()).isEqualTo(1);
        assertThat(r.statsLine()).startsWith("processed 12 insns");
    }

    /** A map created in a kernel, with the id Linux would give it. */
    record IdMap(int id) implements MapInfo {
        @Override
        public String name() {
            return "counts";
        }

        @Override
        public MapType type() {
            return MapType.ARRAY;
        }

        @Override
        public int keySize() {
            return 4;
        }

        @Override
        public int valueSize() {
            return 8;
        }

        @Override
        public int maxEntries() {
            return 1;
        }

        @Override
        public int flags() {
            return 0;
        }
    }

    @Test
    void mapLoadsPrintTheMapIdOrZeroWithoutPointerLeaks() {
        String[] prog = {"r1 = map[counts] ll", "r2 = map_value[counts] + 4 ll", "r0 = 0", "exit"};
        VerifierResult r = Vt.of(prog).map(new IdMap(7)).kernelPrinter().logLevel(2).run();
        assertThat(r.log()).contains("0: (18) r1 = map[id:7]                ; R1_w=map_ptr(map=counts,ks=4,vs=8)\n")
                .contains("2: (18) r2 = map[id:7][0]+4           ; R2_w=map_value(map=counts,ks=4,vs=8,off=4)\n");
        VerifierResult u = Vt.of(prog).map(new IdMap(7)).kernelPrinter().logLevel(2).unpriv().run();
        assertThat(u.log()).contains("0: (18) r1 = 0x0                      ; R1_w=map_ptr(map=counts,ks=4,vs=8)\n")
                .contains("2: (18) r2 = 0x0                      ; R2_w=map_value(map=counts,ks=4,vs=8,off=4)\n");
        VerifierResult noId = Vt.of("r1 = map[counts] ll", "r0 = 0", "exit").map(COUNTS).kernelPrinter().logLevel(2).run();
        assertThat(noId.log()).contains("0: (18) r1 = 0x0 ");
    }

    @Test
    void levelTwoPrintsThePrecisionBacktracking() {
        String[] prog = {
            "r6 = r1",
            "*(u32 *)(r10 -4) = 0",
            "r2 = r10",
            "r2 += -4",
            "r1 = map[m] ll",
            "call bpf_map_lookup_elem",
            "if r0 == 0 goto out",
            "r7 = *(u32 *)(r6 +0)",
            "r2 = 5",
            "if r7 > 10 goto big",
            "goto join",
            "big:",
            "r2 = 50",
            "join:",
            "*(u64 *)(r10 -16) = r2",
            "r2 = 0",
            "r4 = *(u64 *)(r10 -16)",
            "r3 = r0",
            "r3 += r4",
            "r0 = *(u8 *)(r3 +0)",
            "out:",
            "r0 = 0",
            "exit"};
        VerifierResult r = Vt.of(prog).map(MapInfo.of("m", MapType.HASH, 4, 20, 1, 0)).kernelPrinter().logLevel(2)
                .run();
        assertThat(r.log()).contains(String.join("\n",
                "17: (0f) r3 += r4",
                "mark_precise: frame0: last_idx 17 first_idx 10 subseq_idx -1 ",
                "mark_precise: frame0: regs=r4 stack= before 16: (bf) r3 = r0",
                "mark_precise: frame0: regs=r4 stack= before 15: (79) r4 = *(u64 *)(r10 -16)",
                "mark_precise: frame0: regs= stack=-16 before 14: (b7) r2 = 0",
                "mark_precise: frame0: regs= stack=-16 before 13: (7b) *(u64 *)(r10 -16) = r2",
                "mark_precise: frame0: regs=r2 stack= before 11: (05) goto pc+1",
                "mark_precise: frame0: regs=r2 stack= before 10: (25) if r7 > 0xa goto pc+1",
                // Linux 6.12 also prints the read marks of its dynamic liveness (R0_rw=...), which bpfvm lacks
                "mark_precise: frame0: parent state regs=r2 stack=:  R0_w=map_value(map=m,ks=4,vs=20) R2_w=P5 "
                        + "R6_w=ctx() R7_w=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R10=fp0 "
                        + "fp-8=mmmm????",
                "mark_precise: frame0: last_idx 9 first_idx 0 subseq_idx 10 ",
                "mark_precise: frame0: regs=r2 stack= before 9: (b7) r2 = 5",
                "18: R3_w=map_value(map=m,ks=4,vs=20,off=5) R4_w=5",
                ""));
    }

    @Test
    void levelOnePrintsOnlyTheFailingPath() {
        VerifierResult r = Vt.of(
                "*(u32 *)(r10 -4) = 0",
                "r2 = r10",
                "r2 += -4",
                "r1 = map[counts] ll",
                "call bpf_map_lookup_elem",
                "if r0 != 0 goto ok",
                "r0 = 0",
                "exit",
                "ok:",
                "r0 = *(u32 *)(r0 +8)",
                "exit").map(COUNTS).kernelPrinter().logLevel(1).run();
        assertThat(r.accepted()).isFalse();
        assertThat(r.log()).isEqualTo(String.join("\n",
                "0: R1=ctx() R10=fp0",
                "0: (62) *(u32 *)(r10 -4) = 0          ; R10=fp0 fp-8=0000????",
                "1: (bf) r2 = r10                      ; R2_w=fp0 R10=fp0",
                "2: (07) r2 += -4                      ; R2_w=fp-4",
                "3: (18) r1 = 0x0                      ; R1_w=map_ptr(map=counts,ks=4,vs=8)",
                "5: (85) call bpf_map_lookup_elem#1    ; R0_w=map_value_or_null(id=1,map=counts,ks=4,vs=8)",
                // the explored branch is cut from a level-1 log; the kernel joins the lines just so
                "6: (55) if r0 != 0x0 goto pc+2 9: R0=map_value(map=counts,ks=4,vs=8) R10=fp0 fp-8=mmmm????",
                "9: (61) r0 = *(u32 *)(r0 +8)",
                "invalid access to map value, value_size=8 off=8 size=4",
                "R0 min value is outside of the allowed memory range",
                "processed 9 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0",
                ""));
        assertThat(r.message()).isEqualTo("R0 min value is outside of the allowed memory range");
        assertThat(r.errorInsn()).isEqualTo(9);
    }

    @Test
    void sourceLinesPrecedeTheirInstructions() {
        SourceLine a = new SourceLine("prog.c", 7, 2, "int x = 0;");
        SourceLine b = new SourceLine("prog.c", 8, 2, "return x;");
        VerifierResult r = Vt.of("r1 = 0", "r0 = r1", "exit").kernelPrinter().logLevel(2)
                .lines(pc -> pc == 0 ? a : b).run();
        assertThat(r.log()).isEqualTo(String.join("\n",
                "func#0 @0",
                "0: R1=ctx() R10=fp0",
                "; int x = 0; @ prog.c:7",
                "0: (b7) r1 = 0                        ; R1_w=0",
                "; return x; @ prog.c:8",
                "1: (bf) r0 = r1                       ; R0_w=0 R1_w=0",
                "2: (95) exit",
                "processed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0",
                ""));
    }

    @Test
    void rejectionNamesTheSourceLine() {
        SourceLine line = new SourceLine("prog.c", 12, 5, "return *p;");
        VerifierResult r = Vt.of("r0 = *(u64 *)(r1 +1000)", "exit").kernelPrinter().lines(pc -> line).run();
        assertThat(r.accepted()).isFalse();
        assertThat(r.errorLine()).isEqualTo(line);
        assertThat(r.log()).startsWith("0: R1=ctx() R10=fp0\n; return *p; @ prog.c:12\n0: (79) r0 = *(u64 *)(r1 +1000)\n");
        assertThatThrownBy(() -> Verifier.verifyOrThrow(Vt.of("r0 = *(u64 *)(r1 +1000)", "exit").kernelPrinter()
                .lines(pc -> line).input()))
                .isInstanceOf(VerifierException.class)
                .hasMessageContaining("invalid bpf_context access off=1000 size=8")
                .satisfies(e -> {
                    VerifierException ve = (VerifierException) e;
                    assertThat(ve.insnIdx()).isEqualTo(0);
                    assertThat(ve.log()).endsWith("mark_read 0\n");
                });
    }

    @Test
    void levelZeroKeepsOnlyTheVerdictLines() {
        VerifierResult r = Vt.of("exit").logLevel(0).run();
        assertThat(r.accepted()).isFalse();
        assertThat(r.message()).isEqualTo("R0 !read_ok");
    }
}
