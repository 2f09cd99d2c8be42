package dev.bpfvm.cli;

import dev.bpfvm.vm.asm.Assembler;
import dev.bpfvm.vm.asm.Disassembler;
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
    static final String SOURCE = """
            # r1 = buffer of u64 values, r2 = its length in bytes
                mov r6, r1          # buffer
                mov r7, r2
                rsh r7, 3           # count = length / 8
                mov r8, 0           # i
                mov r9, 0           # sum
            loop:
                jge r8, r7, done
                mov r1, r6
                mov r2, r8
                call local element  # r0 = element(buffer, i)
                add r9, r0
                add r8, 1
                ja loop
            done:
                mov r0, r9
                exit
            # element(buffer, i): the i-th u64 of the buffer
            element:
                lsh r2, 3
                add r1, r2
                ldxdw r0, [r1]
                exit
            """;

    static final List<Insn> PROGRAM = Assembler.assemble(SOURCE);

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
        out.println("program 'sum': a loop over an array of u64 values that calls a local function (a");
        out.println("bpf-to-bpf call) to read each element; as the kernel's verifier log would print it:");
        out.println();
        for (String line : Disassembler.kernelProgram(PROGRAM, Disassembler.Symbols.NONE).split("\n")) {
            out.println("  " + line);
        }
        out.println();
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
