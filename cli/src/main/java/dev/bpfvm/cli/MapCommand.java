package dev.bpfvm.cli;

import dev.bpfvm.kernel.load.BpfObject;
import dev.bpfvm.kernel.load.BpfProgram;
import dev.bpfvm.kernel.load.MapView;
import dev.bpfvm.kernel.testrun.TestRunOptions;
import dev.bpfvm.vm.spi.MapType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bpfvm map}: map commands on an object file's maps. */
@Command(name = "map", mixinStandardHelpOptions = true, description = "Map commands.",
        subcommands = MapCommand.Dump.class)
final class MapCommand implements Callable<Integer> {
    private final Io io;

    MapCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        io.err().println("bpfvm: map: missing command (dump)");
        return Main.EXIT_BAD_INPUT;
    }

    /** {@code bpfvm map dump}: the map's entries after loading (and optional runs), as {@code bpftool map dump} prints them. */
    @Command(name = "dump", mixinStandardHelpOptions = true,
            description = {
                "Loads FILE.o, runs the --run programs in order (with the given inputs), then prints",
                "every entry of the map as 'bpftool map dump' does (hex bytes; per-CPU values per CPU)."})
    static final class Dump implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        MapCommand parent;

        @Parameters(index = "0", paramLabel = "FILE.o", description = "A BPF object file.")
        Path file;

        @Option(names = "--map", paramLabel = "NAME", required = true, description = "The map to dump.")
        String map;

        @Option(names = "--run", paramLabel = "PROG", description = "Test-runs PROG first (repeatable, in order).")
        List<String> run = new ArrayList<>();

        @Mixin
        ObjectRuns.Inputs inputs;

        @Option(names = "--json", description = "Prints the entries as bpftool -j does.")
        boolean json;

        @Override
        public Integer call() {
            Io io = parent.io;
            TestRunOptions options = inputs.options();
            try (BpfObject obj = ObjectRuns.open(file, inputs.noVerify)) {
                MapView m;
                try {
                    m = obj.map(map);
                } catch (RuntimeException e) {
                    throw new CliException(e.getMessage());
                }
                options = options.withTrace(ObjectRuns.trace(io.err(), obj), false);
                for (String name : run) {
                    try {
                        BpfProgram p = obj.program(name);
                        p.testRun(options);
                    } catch (RuntimeException e) {
                        String msg = ObjectRuns.message(e);
                        if (msg == null) {
                            throw e;
                        }
                        throw new CliException(msg);
                    }
                }
                List<MapView.Entry> entries;
                try {
                    entries = m.type() == MapType.QUEUE || m.type() == MapType.STACK
                            || m.type() == MapType.BLOOM_FILTER || m.type() == MapType.RINGBUF
                            ? List.of() : m.entries();
                } catch (RuntimeException e) {
                    String msg = ObjectRuns.message(e);
                    if (msg == null) {
                        throw e;
                    }
                    throw new CliException(msg);
                }
                io.out().print(json ? jsonDump(m, entries) : plainDump(m, entries));
            }
            return Main.EXIT_OK;
        }
    }

    /** bpftool's fprint_hex: bytes separated by blanks, two blanks after 8 bytes, a newline after 16. */
    static String hex(byte[] b, int from, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(i % 16 == 0 ? "\n" : i % 8 == 0 ? "  " : " ");
            }
            int x = b[from + i] & 0xff;
            sb.append(Character.forDigit(x >> 4, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        return sb.toString();
    }

    static String plainDump(MapView m, List<MapView.Entry> entries) {
        StringBuilder sb = new StringBuilder();
        int ks = m.keySize();
        int vs = m.valueSize();
        for (MapView.Entry e : entries) {
            if (!m.perCpu()) {
                boolean breakNames = ks > 16 || vs > 16;
                boolean singleLine = ks + vs <= 24 && !breakNames;
                if (ks > 0) {
                    sb.append("key:").append(breakNames ? '\n' : ' ').append(hex(e.key(), 0, ks))
                            .append(singleLine ? "  " : "\n");
                }
                if (vs > 0) {
                    sb.append("value:").append(breakNames ? '\n' : ' ').append(hex(e.value(), 0, Math.min(vs, e.value().length)));
                }
                sb.append('\n');
            } else {
                if (ks > 0) {
                    sb.append("key:\n").append(hex(e.key(), 0, ks)).append('\n');
                }
                int step = m.perCpuStride();
                for (int cpu = 0; cpu * step < e.value().length; cpu++) {
                    sb.append(String.format("value (CPU %02d):", cpu)).append(vs > 16 ? '\n' : ' ')
                            .append(hex(e.value(), cpu * step, vs)).append('\n');
                }
            }
        }
        sb.append("Found ").append(entries.size()).append(" element").append(entries.size() == 1 ? "" : "s").append('\n');
        return sb.toString();
    }

    private static String jsonHex(byte[] b, int from, int n) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            int x = b[from + i] & 0xff;
            sb.append(i == 0 ? "" : ",").append("\"0x").append(Character.forDigit(x >> 4, 16))
                    .append(Character.forDigit(x & 0xf, 16)).append('"');
        }
        return sb.append(']').toString();
    }

    /** bpftool -j: {@code [{"key":[...],"value":[...]}]}; per-CPU maps have {@code "values":[{"cpu":N,"value":[...]}]}. */
    static String jsonDump(MapView m, List<MapView.Entry> entries) {
        StringBuilder sb = new StringBuilder("[");
        boolean first = true;
        for (MapView.Entry e : entries) {
            sb.append(first ? "" : ",").append("{\"key\":").append(jsonHex(e.key(), 0, m.keySize()));
            first = false;
            if (!m.perCpu()) {
                sb.append(",\"value\":").append(jsonHex(e.value(), 0, m.valueSize()));
            } else {
                sb.append(",\"values\":[");
                int step = m.perCpuStride();
                for (int cpu = 0; cpu * step < e.value().length; cpu++) {
                    sb.append(cpu == 0 ? "" : ",").append("{\"cpu\":").append(cpu).append(",\"value\":")
                            .append(jsonHex(e.value(), cpu * step, m.valueSize())).append('}');
                }
                sb.append(']');
            }
            sb.append('}');
        }
        return sb.append("]\n").toString();
    }
}
