package dev.bpfvm.cli;

import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.TraceSink;
import dev.bpfvm.vm.isa.Insn;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * The main job on a built-in default. Until the emulated cgroup kernel lands, it runs a small
 * built-in program: a loop over an array in memory that calls a local function per element.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs a small built-in eBPF program and explains what it did.")
final class DemoCommand implements Callable<Integer> {
    private final Io io;

    DemoCommand(Io io) {
        this.io = io;
    }

    /** The values the demo sums. */
    static final long[] VALUES = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};

    /**
     * sum(r1 = buffer, r2 = length): for i in 0 .. length/8, sum += element(buffer, i), where
     * element is a local (bpf-to-bpf) function returning *(u64 *)(buffer + i * 8).
     */
    static final List<Insn> PROGRAM = List.of(
            new Insn(0xbf, 6, 1, 0, 0),     //  0: r6 = r1           buffer
            new Insn(0xbf, 7, 2, 0, 0),     //  1: r7 = r2           length
            new Insn(0x77, 7, 0, 0, 3),     //  2: r7 >>= 3          count = length / 8
            new Insn(0xb7, 8, 0, 0, 0),     //  3: r8 = 0            i
            new Insn(0xb7, 9, 0, 0, 0),     //  4: r9 = 0            sum
            new Insn(0x3d, 8, 7, 6, 0),     //  5: if r8 >= r7 goto pc+6 (12)
            new Insn(0xbf, 1, 6, 0, 0),     //  6: r1 = r6
            new Insn(0xbf, 2, 8, 0, 0),     //  7: r2 = r8
            new Insn(0x85, 0, 1, 0, 5),     //  8: call pc+5 (14)    element(buffer, i)
            new Insn(0x0f, 9, 0, 0, 0),     //  9: r9 += r0
            new Insn(0x07, 8, 0, 0, 1),     // 10: r8 += 1
            new Insn(0x05, 0, 0, -7, 0),    // 11: goto pc-7 (5)
            new Insn(0xbf, 0, 9, 0, 0),     // 12: r0 = r9
            new Insn(0x95, 0, 0, 0, 0),     // 13: exit
            new Insn(0x67, 2, 0, 0, 3),     // 14: r2 <<= 3          element:
            new Insn(0x0f, 1, 2, 0, 0),     // 15: r1 += r2
            new Insn(0x79, 0, 1, 0, 0),     // 16: r0 = *(u64 *)(r1 +0)
            new Insn(0x95, 0, 0, 0, 0));    // 17: exit

    @Override
    public Integer call() {
        ByteBuffer bb = ByteBuffer.allocate(VALUES.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        long expected = 0;
        StringBuilder values = new StringBuilder();
        for (long v : VALUES) {
            bb.putLong(v);
            expected += v;
            values.append(values.length() == 0 ? "" : " ").append(v);
        }
        RawRun run = new RawRun(bb.array(), TraceSink.NONE);
        long r0 = run.run(new Program("sum", PROGRAM));
        var out = io.out();
        out.println("bpfvm demo: a built-in eBPF program run by the bpfvm interpreter.");
        out.println("(The cgroup-stats demo arrives with the emulated kernel.)");
        out.println();
        out.println("program: 'sum', " + PROGRAM.size() + " instructions: a loop over an array of u64 values that");
        out.println("         calls a local function (a bpf-to-bpf call) to read each element");
        out.println("input:   r1 = " + VALUES.length + " u64 values [" + values + "], r2 = " + run.r2() + " bytes");
        out.println("result:  r0 = " + Long.toUnsignedString(r0) + " after " + run.executed() + " instructions");
        if (r0 != expected) {
            out.println("FAILED:  expected r0 = " + expected);
            return Main.EXIT_CHECK_FAILED;
        }
        out.println("check:   r0 is the sum of the values, as expected");
        return Main.EXIT_OK;
    }
}
