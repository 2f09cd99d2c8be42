package dev.bpfvm.cli;

import dev.bpfvm.kernel.load.BpfObject;
import dev.bpfvm.kernel.load.LoadOptions;
import dev.bpfvm.kernel.testrun.TestRunException;
import dev.bpfvm.kernel.testrun.TestRunOptions;
import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.LoaderException;
import dev.bpfvm.vm.asm.Disassembler;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.TraceSink;
import dev.bpfvm.vm.isa.Insn;
import dev.bpfvm.vm.isa.Opcodes;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.KfuncSpec;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** What test-run and map dump share: opening an object, the run inputs, the trace, error wording. */
final class ObjectRuns {
    private ObjectRuns() {}

    /** The run inputs, as options (a picocli mixin). */
    static final class Inputs {
        @Option(names = "--data-hex", paramLabel = "HEX", description = "data_in as hex bytes, e.g. \"00 01 ff\".")
        String dataHex;

        @Option(names = "--data-in", paramLabel = "FILE", description = "data_in: the raw bytes of FILE.")
        Path dataIn;

        @Option(names = "--ctx-in", paramLabel = "FILE", description = "ctx_in: the raw bytes of FILE.")
        Path ctxIn;

        @Option(names = "--repeat", paramLabel = "N", defaultValue = "1", description = "Runs N times (default 1).")
        int repeat;

        @Option(names = "--cpu", paramLabel = "K", defaultValue = "0", description = "The virtual CPU to run on (default 0).")
        int cpu;

        @Option(names = "--no-verify", description = "Skips the verifier (the run-time checks still hold).")
        boolean noVerify;

        TestRunOptions options() {
            if (dataHex != null && dataIn != null) {
                throw new CliException("--data-hex and --data-in cannot be used together");
            }
            if (repeat < 1) {
                throw new CliException("--repeat must be at least 1 (got " + repeat + ")");
            }
            byte[] data = dataHex != null ? HexBytes.parse(dataHex, "--data-hex")
                    : dataIn != null ? ProgramFiles.read(dataIn) : null;
            byte[] ctx = ctxIn != null ? ProgramFiles.read(ctxIn) : null;
            return TestRunOptions.defaults().withData(data).withCtx(ctx).withRepeat(repeat).withCpu(cpu);
        }
    }

    static BpfObject open(Path file, boolean noVerify) {
        LoadOptions o = LoadOptions.defaults().withVerify(!noVerify);
        try {
            return BpfObject.open(file, o);
        } catch (LoaderException | BpfException e) {
            throw new CliException(e.getMessage());
        }
    }

    /** The one-line message for an error of a run, or null when {@code e} is not one we expect. */
    static String message(RuntimeException e) {
        if (e instanceof TestRunException || e instanceof BpfException || e instanceof LoaderException
                || e instanceof CliException) {
            return e.getMessage();
        }
        return null;
    }

    /** A trace sink: printk lines as {@code bpf_trace_printk: ...}; with steps, each instruction and the registers it changed. */
    static TraceSink trace(PrintStream err, BpfObject obj) {
        Disassembler.Symbols symbols = symbols(obj.runtime());
        return new TraceSink() {
            private long[] previous = new long[11];
            private Program last;

            @Override
            public void printk(String line) {
                err.println("bpf_trace_printk: " + line);
            }

            @Override
            public void step(Program program, int pc, Insn insn, long[] regs) {
                if (program != last) {
                    last = program;
                    previous = new long[11];
                }
                StringBuilder sb = new StringBuilder(Disassembler.kernelLine(pc, insn, symbols));
                String sep = " ; ";
                for (int r = 0; r < 11; r++) {
                    if (regs[r] != previous[r]) {
                        sb.append(sep).append('R').append(r).append('=').append(value(regs[r]));
                        sep = " ";
                    }
                }
                System.arraycopy(regs, 0, previous, 0, 11);
                err.println(sb);
            }
        };
    }

    /** Small values in decimal, addresses and other large values in hex. */
    static String value(long v) {
        return v >= Integer.MIN_VALUE && v <= 0xffffffffL ? Long.toString(v) : "0x" + Long.toHexString(v);
    }

    static Disassembler.Symbols symbols(BpfRuntime rt) {
        return new Disassembler.Symbols() {
            @Override
            public String helperName(int id) {
                HelperSpec h = rt.helpers().byId(id);
                return h == null ? null : h.name();
            }

            @Override
            public String kfuncName(int imm) {
                KfuncSpec k = rt.kfuncs().byBtfId(imm);
                return k == null ? null : k.name();
            }

            @Override
            public String ldImm64(Insn insn) {
                if (insn.src() != Opcodes.PSEUDO_MAP_FD && insn.src() != Opcodes.PSEUDO_MAP_VALUE) {
                    return null;
                }
                Region r = rt.memory().regionAt(insn.imm64());
                Object owner = r == null ? null : r.owner();
                if (!(owner instanceof BpfMap m)) {
                    return null;
                }
                return insn.src() == Opcodes.PSEUDO_MAP_FD ? "map[id:" + m.id() + "]"
                        : "map[id:" + m.id() + "][0]+" + (int) insn.imm64();
            }
        }.withXlatedImm64();
    }

    /** Lowercase hex without separators. */
    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length * 2);
        for (byte x : b) {
            sb.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        return sb.toString();
    }

    /** A JSON string literal. */
    static String json(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        return sb.append('"').toString();
    }
}
