package dev.bpfvm.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.Opcodes;
import dev.bpfvm.vm.spi.MapType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated instruction streams: the verifier answers accept or reject with a
 * message, never throws, never reports an internal error, and always finishes.
 */
class FuzzTest {
    static final List<MapInfo> MAPS = List.of(
            MapInfo.of("hash", MapType.HASH, 4, 16, 8, 0),
            MapInfo.of("array", MapType.ARRAY, 4, 48, 4, 0),
            MapInfo.of("ring", MapType.RINGBUF, 0, 0, 4096, 0),
            MapInfo.withSpinLock("locked", MapType.ARRAY, 4, 16, 1, 0));

    static final int[] VALID;

    static {
        List<Integer> v = new ArrayList<>();
        for (int op = 0; op < 256; op++) {
            if (Opcodes.isValid(op)) {
                v.add(op);
            }
        }
        VALID = v.stream().mapToInt(Integer::intValue).toArray();
    }

    static int smallOrAny(Random rnd) {
        switch (rnd.nextInt(4)) {
            case 0: return rnd.nextInt(16) - 8;
            case 1: return -8 * (1 + rnd.nextInt(64));
            case 2: return rnd.nextInt(256);
            default: return rnd.nextInt();
        }
    }

    static Insn randomInsn(Random rnd) {
        int op = rnd.nextInt(10) < 8 ? VALID[rnd.nextInt(VALID.length)] : rnd.nextInt(256);
        int dst = rnd.nextInt(10) < 9 ? rnd.nextInt(11) : rnd.nextInt(16);
        int src = rnd.nextInt(10) < 9 ? rnd.nextInt(11) : rnd.nextInt(16);
        if (op == Opcodes.LDDW) {
            return Insn.lddw(dst, rnd.nextInt(7), rnd.nextBoolean() ? rnd.nextInt(4) : rnd.nextLong());
        }
        if (op == 0x85) {
            src = rnd.nextInt(3);
        }
        int off = rnd.nextInt(4) == 0 ? (short) rnd.nextInt() : rnd.nextInt(16) - 8;
        return new Insn(op, dst, src, off, op == 0x85 && src == 0 ? rnd.nextInt(220) : smallOrAny(rnd));
    }

    static VerifierResult verify(List<Insn> insns, ProgramTypeRules type, boolean unpriv) {
        Program p = new Program("fuzz", insns);
        VerifierOptions o = VerifierOptions.defaults().withLogLevel(1).withUnprivileged(unpriv);
        VerifierInput in = VerifierInput.builder(p, type).helpers(TestHelpers.helpers()).kfuncs(TestHelpers.kfuncs())
                .maps(MapResolver.byFd(MAPS)).funcInfo(Vt.funcInfo(insns)).options(o).build();
        return Verifier.verify(in);
    }

    static void check(VerifierResult r, List<Insn> insns) {
        String ctx = insns + "\n" + r.log();
        if (!r.accepted()) {
            assertThat(r.message()).as(ctx).isNotNull();
            assertThat(r.message()).as(ctx).doesNotStartWith("verifier internal error");
        }
        assertThat(r.log()).as(ctx).isNotNull();
    }

    @Test
    void randomStreamsAreAcceptedOrRejected() {
        Random rnd = new Random(Long.getLong("fuzz.seed", 15));
        List<ProgramTypeRules> types = ProgramTypes.all();
        int accepted = 0;
        for (int n = 0, max = Integer.getInteger("fuzz.n", 1500); n < max; n++) {
            int len = 1 + rnd.nextInt(24);
            List<Insn> insns = new ArrayList<>();
            for (int i = 0; i < len; i++) {
                insns.add(randomInsn(rnd));
            }
            if (rnd.nextBoolean()) {
                insns.add(new Insn(0xb7, 0, 0, 0, 0));
                insns.add(new Insn(0x95, 0, 0, 0, 0));
            }
            VerifierResult r = verify(insns, types.get(rnd.nextInt(types.size())), rnd.nextInt(5) == 0);
            check(r, insns);
            if (r.accepted()) {
                accepted++;
            }
        }
        assertThat(accepted).isGreaterThan(0);
    }

    @Test
    void mutatedCorpusProgramsAreAcceptedOrRejected() throws Exception {
        Random rnd = new Random(77);
        for (CaseFileTest.Case c : CaseFileTest.allCases()) {
            Vt vt = Vt.of(c.program()).type(c.type());
            for (MapInfo m : c.maps()) {
                vt.map(m);
            }
            List<Insn> base = vt.insns();
            for (int k = 0; k < 2; k++) {
                List<Insn> insns = new ArrayList<>(base);
                int edits = 1 + rnd.nextInt(3);
                for (int e = 0; e < edits; e++) {
                    int at = rnd.nextInt(insns.size());
                    Insn old = insns.get(at);
                    Insn mutated;
                    switch (rnd.nextInt(5)) {
                        case 0: mutated = randomInsn(rnd); break;
                        case 1: mutated = old.isLddw() ? old : new Insn(old.opcode(), old.dst(), old.src(), old.off(),
                                smallOrAny(rnd)); break;
                        case 2: mutated = old.isLddw() ? old : new Insn(old.opcode(), old.dst(), old.src(),
                                rnd.nextInt(32) - 16, old.imm()); break;
                        case 3: mutated = old.isLddw() ? old : new Insn(old.opcode(), rnd.nextInt(11), rnd.nextInt(11),
                                old.off(), old.imm()); break;
                        default:
                            insns.remove(at);
                            if (insns.isEmpty()) {
                                insns.add(old);
                            }
                            continue;
                    }
                    insns.set(at, mutated);
                }
                VerifierResult r = verify(insns, ProgramTypes.byName(c.type()), c.unpriv());
                check(r, insns);
            }
        }
    }
}
