package dev.bpfvm.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.verifier.explain.RejectionKind;
import dev.bpfvm.verifier.explain.Rejections;
import dev.bpfvm.verifier.explain.SourceGroupedLog;
import dev.bpfvm.vm.exec.SourceLine;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Programs rejected for the common reasons, classified by {@link Rejections}. */
class ExplainCasesTest {
    private static Vt counts(String... lines) {
        return Vt.of(lines).map(CaseFileTest.parseMap("counts hash 4 8 16"));
    }

    private static void rejected(Vt vt, String message, RejectionKind kind, String why) {
        VerifierResult r = vt.run();
        assertThat(r.accepted()).isFalse();
        assertThat(r.message()).isEqualTo(message);
        assertThat(Rejections.classify(r.message())).contains(kind);
        assertThat(Rejections.explain(r.message())).startsWith("why: " + why + "\n" + kind.paragraph() + "\nfix:\n    ");
    }

    @Test
    void nullCheckMissing() {
        rejected(counts("*(u32 *)(r10 -4) = 0", "r2 = r10", "r2 += -4", "r1 = map[counts] ll",
                "call bpf_map_lookup_elem", "r0 = *(u64 *)(r0 +0)", "exit"),
                "R0 invalid mem access 'map_value_or_null'", RejectionKind.NULL_CHECK_MISSING,
                "null check missing");
    }

    @Test
    void mapBoundsCheckMissing() {
        rejected(counts("*(u32 *)(r10 -4) = 0", "r2 = r10", "r2 += -4", "r1 = map[counts] ll",
                "call bpf_map_lookup_elem", "if r0 == 0 goto out", "r1 = *(u32 *)(r0 +8)", "out:", "r0 = 0", "exit"),
                "R0 min value is outside of the allowed memory range", RejectionKind.MAP_BOUNDS_CHECK_MISSING,
                "bounds check missing (map value)");
    }

    @Test
    void packetBoundsCheckMissing() {
        rejected(Vt.of("r2 = *(u32 *)(r1 +0)", "r3 = *(u32 *)(r1 +4)", "r4 = r2", "r4 += 14", "if r4 > r3 goto out",
                "r0 = *(u8 *)(r2 +14)", "out:", "r0 = 2", "exit").type("xdp"),
                "R2 offset is outside of the packet", RejectionKind.PACKET_BOUNDS_CHECK_MISSING,
                "bounds check missing (packet)");
    }

    @Test
    void indexMayBeNegative() {
        rejected(Vt.of("r2 = *(u32 *)(r1 +0)", "r3 = *(u32 *)(r1 +4)", "r5 = *(u32 *)(r1 +12)", "r5 = (s8)r5",
                "r2 += r5", "r4 = r2", "r4 += 1", "if r4 > r3 goto out", "r0 = *(u8 *)(r2 +0)", "out:", "r0 = 2",
                "exit").type("xdp"),
                "R2 min value is negative, either use unsigned index or do a if (index >=0) check.",
                RejectionKind.INDEX_MAY_BE_NEGATIVE,
                "index not bounded");
    }

    @Test
    void uninitialisedStack() {
        rejected(Vt.of("*(u64 *)(r10 -16) = 0", "r0 = *(u64 *)(r10 -8)", "exit").unpriv(),
                "invalid read from stack off -8+0 size 8", RejectionKind.UNINITIALISED_STACK,
                "uninitialised stack");
    }

    @Test
    void uninitialisedRegister() {
        rejected(Vt.of("r6 = r1", "r2 = 1", "r0 = *(u8 *)skb[12]", "r0 = r2", "exit"),
                "R2 !read_ok", RejectionKind.UNINITIALISED_REGISTER,
                "uninitialised register");
    }

    @Test
    void unreleasedReference() {
        rejected(Vt.of("r1 = map[rb] ll", "r2 = 8", "r3 = 0", "call bpf_ringbuf_reserve", "if r0 == 0 goto out",
                "r0 = 0", "out:", "r0 = 0", "exit").map(CaseFileTest.parseMap("rb ringbuf 0 0 4096")),
                "Unreleased reference id=2 alloc_insn=4", RejectionKind.UNRELEASED_REFERENCE,
                "unreleased reference");
    }

    @Test
    void loopNotBounded() {
        rejected(Vt.of("r0 = 0", "goto -1"), "infinite loop detected at insn 1", RejectionKind.LOOP_NOT_BOUNDED,
                "loop not bounded");
        rejected(Vt.of("r0 = 0", "r0 += 1", "if r0 < 10 goto -2", "exit").unpriv(), "back-edge from insn 2 to 1",
                RejectionKind.LOOP_NOT_BOUNDED,
                "loop not bounded");
    }

    @Test
    void unknownHelper() {
        rejected(Vt.of("call 209", "r0 = 0", "exit"), "unknown func bpf_user_ringbuf_drain#209",
                RejectionKind.UNKNOWN_HELPER,
                "unknown helper");
    }

    @Test
    void helperNotAllowed() {
        rejected(Vt.of("r3 = 0", "r1 = r10", "r1 += -16", "r2 = 16", "call bpf_probe_read_kernel", "r0 = 0", "exit")
                .type("socket").unpriv(),
                "program of this type cannot use helper bpf_probe_read_kernel#113", RejectionKind.HELPER_NOT_ALLOWED,
                "helper not allowed for the program type");
    }

    @Test
    void badReturnValue() {
        rejected(Vt.of("call sub", "exit", "sub:", "r0 = 7", "exit").type("cgroup_skb/ingress"),
                "At program exit the register R0 has smin=7 smax=7 should have been in [0, 1]",
                RejectionKind.BAD_RETURN_VALUE,
                "return value out of range");
    }

    @Test
    void wrongArgumentType() {
        rejected(Vt.of("r1 = 0", "r2 = r10", "r2 += -4", "call bpf_map_lookup_elem", "r0 = 0", "exit"),
                "R1 type=scalar expected=map_ptr", RejectionKind.WRONG_ARGUMENT_TYPE,
                "wrong argument type");
    }

    @Test
    void invalidContextAccess() {
        rejected(Vt.of("r0 = *(u32 *)(r1 +8)", "r0 = 0", "exit").type("sk_skb"),
                "invalid bpf_context access off=8 size=4", RejectionKind.INVALID_CONTEXT_ACCESS,
                "invalid context access");
    }

    @Test
    void messagesOfOtherKindsAreNotClassified() {
        assertThat(Rejections.classify("div by zero")).isEqualTo(Optional.empty());
        assertThat(Rejections.classify(null)).isEqualTo(Optional.empty());
        assertThat(Rejections.classify("BPF program is too large. Processed 1000001 insn"))
                .contains(RejectionKind.PROGRAM_TOO_LARGE);
        assertThat(Rejections.classify("invalid access to map value, value_size=8 off=8 size=4"))
                .contains(RejectionKind.MAP_BOUNDS_CHECK_MISSING);
        assertThat(Rejections.classify("invalid access to packet, off=14 size=1, R2(id=0,off=14,r=14)"))
                .contains(RejectionKind.PACKET_BOUNDS_CHECK_MISSING);
    }

    @Test
    void explainPrintsTitleParagraphAndIndentedFix() {
        assertThat(Rejections.explain("R0 invalid mem access 'map_value_or_null'")).isEqualTo("""
                why: null check missing
                A pointer that may be NULL is dereferenced. Helpers such as bpf_map_lookup_elem and \
                bpf_ringbuf_reserve, and kernel pointers marked _or_null, return NULL when there is nothing to \
                give, so the verifier refuses any access through the pointer until a comparison with NULL has \
                ruled that case out on the path taken.
                fix:
                    struct value *v = bpf_map_lookup_elem(&map, &key);
                    if (!v)
                        return 0;
                    v->count++;
                """);
        assertThat(Rejections.explain("div by zero"))
                .isEqualTo("why: no explanation for this message; see the log above\n");
    }

    @Test
    void theLogIsGroupedBySourceLineWithTheFailingInsnMarked() {
        VerifierResult r = counts("*(u32 *)(r10 -4) = 0", "r2 = r10", "r2 += -4", "r1 = map[counts] ll",
                "call bpf_map_lookup_elem", "r0 = *(u64 *)(r0 +0)", "exit")
                .kernelPrinter().logLevel(1)
                .lines(pc -> pc < 2 ? null : new SourceLine("t.c", pc < 6 ? 10 : 11, 0, pc < 6 ? "v = lookup(&m, &k);"
                        : "  return *v;"))
                .run();
        assertThat(r.errorInsn()).isEqualTo(6);
        assertThat(SourceGroupedLog.format(r.log(), r.errorInsn())).isEqualTo("""
                (no source line)
                    0: (62) *(u32 *)(r10 -4) = 0          ; R10=fp0 fp-8=0000????
                    1: (bf) r2 = r10                      ; R2_w=fp0 R10=fp0
                t.c:10: v = lookup(&m, &k);
                    2: (07) r2 += -4                      ; R2_w=fp-4
                    3: (18) r1 = 0x0                      ; R1_w=map_ptr(map=counts,ks=4,vs=8)
                    5: (85) call bpf_map_lookup_elem#1    ; R0_w=map_value_or_null(id=1,map=counts,ks=4,vs=8)
                t.c:11: return *v;
                  > 6: (79) r0 = *(u64 *)(r0 +0)
                """);
    }
}
