package dev.bpfvm.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.spi.MapType;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the verifier case files in {@code src/test/resources/cases/*.vtest}. Each case:
 *
 * <pre>
 * === name
 * type: xdp                        program type (ProgramTypes.byName), default socket
 * map: NAME TYPE KEY VALUE MAX [flags=N] [lock=OFF] [timer=OFF] [frozen=HEX]
 * priv: unpriv                     run without CAP_BPF/CAP_PERFMON
 * options: strict any sleepable nogpl nobtf noperfmon (CAP_BPF without CAP_PERFMON)
 * global: LABEL scalar|ctx|memN ...   (the function at LABEL is global with these BTF arguments)
 * void: LABEL                      (the function at LABEL returns void in its BTF prototype)
 * expect: accept|reject
 * msg: text that must appear in the log (repeatable)
 * last: the exact error line (the log's last line before the stats)
 * ---
 * program in kernel notation (see KernelAsm)
 * </pre>
 */
class CaseFileTest {

    record Case(String file, String name, String type, List<MapInfo> maps, boolean unpriv, List<String> options,
            boolean accept, List<String> msgs, String last, Integer insns, String program, int line,
            List<String> globals, List<String> voids) {}

    static List<Case> parse(String file, String text) {
        List<Case> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int i = 0;
        while (i < lines.length) {
            if (!lines[i].startsWith("=== ")) {
                i++;
                continue;
            }
            int start = i + 1;
            String name = lines[i].substring(4).trim();
            String type = "socket";
            List<MapInfo> maps = new ArrayList<>();
            boolean unpriv = false;
            List<String> options = new ArrayList<>();
            Boolean accept = null;
            List<String> msgs = new ArrayList<>();
            String last = null;
            Integer insns = null;
            List<String> globals = new ArrayList<>();
            List<String> voids = new ArrayList<>();
            i++;
            for (; i < lines.length && !lines[i].equals("---"); i++) {
                String l = lines[i].trim();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                int colon = l.indexOf(':');
                if (colon < 0) {
                    throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected 'key: value'");
                }
                String k = l.substring(0, colon).trim();
                String v = l.substring(colon + 1).trim();
                switch (k) {
                    case "type": type = v; break;
                    case "map": maps.add(parseMap(v)); break;
                    case "priv": unpriv = v.equals("unpriv"); break;
                    case "options": options.addAll(List.of(v.split("\\s+"))); break;
                    case "expect": accept = v.equals("accept"); break;
                    case "msg": msgs.add(v); break;
                    case "last": last = v; break;
                    case "insns": insns = Integer.parseInt(v); break;
                    case "global": globals.add(v); break;
                    case "void": voids.add(v); break;
                    default: throw new IllegalArgumentException(file + ":" + (i + 1) + ": unknown key " + k);
                }
            }
            if (accept == null) {
                throw new IllegalArgumentException(file + ": case '" + name + "' has no expect:");
            }
            i++;
            StringBuilder prog = new StringBuilder();
            for (; i < lines.length && !lines[i].startsWith("=== "); i++) {
                prog.append(lines[i]).append('\n');
            }
            out.add(new Case(file, name, type, maps, unpriv, options, accept, msgs, last, insns, prog.toString(), start,
                    globals, voids));
        }
        return out;
    }

    static MapInfo parseMap(String v) {
        String[] p = v.split("\\s+");
        String name = p[0];
        MapType t = MapType.valueOf(p[1].toUpperCase(Locale.ROOT));
        int k = Integer.parseInt(p[2]);
        int val = Integer.parseInt(p[3]);
        int max = Integer.parseInt(p[4]);
        int flags = 0;
        int lock = -1;
        int timer = -1;
        byte[] frozen = null;
        for (int j = 5; j < p.length; j++) {
            String[] kv = p[j].split("=");
            switch (kv[0]) {
                case "flags": flags = Integer.decode(kv[1]); break;
                case "lock": lock = Integer.parseInt(kv[1]); break;
                case "timer": timer = Integer.parseInt(kv[1]); break;
                case "frozen": frozen = HexFormat.of().parseHex(kv[1]); break;
                case "rdonly": flags |= MapInfo.BPF_F_RDONLY_PROG; break;
                default: throw new IllegalArgumentException("map option " + p[j]);
            }
        }
        final int fl = flags;
        final int lk = lock;
        final int tm = timer;
        final byte[] fz = frozen;
        return new MapInfo() {
            public String name() {
                return name;
            }

            public MapType type() {
                return t;
            }

            public int keySize() {
                return k;
            }

            public int valueSize() {
                return val;
            }

            public int maxEntries() {
                return max;
            }

            public int flags() {
                return fl;
            }

            public int spinLockOffset() {
                return lk;
            }

            public int timerOffset() {
                return tm;
            }

            public byte[] frozenValue() {
                return fz;
            }
        };
    }

    static List<Case> allCases() throws IOException, URISyntaxException {
        URL dir = CaseFileTest.class.getResource("/cases");
        List<Case> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".vtest")).sorted().toList()) {
                out.addAll(parse(p.getFileName().toString(), Files.readString(p, StandardCharsets.UTF_8)));
            }
        }
        return out;
    }

    static VerifierResult run(Case c) {
        return runWith(c, o -> o);
    }

    static VerifierResult runWith(Case c, java.util.function.UnaryOperator<VerifierOptions> adjust) {
        Vt vt = Vt.of(c.program()).type(c.type());
        for (MapInfo m : c.maps()) {
            vt.map(m);
        }
        VerifierOptions o = VerifierOptions.defaults().withLogLevel(1);
        for (String opt : c.options()) {
            switch (opt) {
                case "nobtf": vt.noFuncInfo(); break;
                case "noperfmon": o = o.withPerfmon(false); break;
                case "strict": o = o.withStrictAlignment(true); break;
                case "any": o = o.withAnyAlignment(true); break;
                case "sleepable": o = o.withSleepable(true); break;
                case "nogpl": o = o.withGplCompatible(false); break;
                case "log2": o = o.withLogLevel(2); break;
                default: throw new IllegalArgumentException("option " + opt);
            }
        }
        vt.options(adjust.apply(o));
        for (String g : c.globals()) {
            String[] p = g.split("\\s+");
            List<FuncInfo.FuncArg> args = new ArrayList<>();
            for (int k = 1; k < p.length; k++) {
                if (p[k].equals("scalar")) {
                    args.add(FuncInfo.FuncArg.scalar());
                } else if (p[k].equals("ctx")) {
                    args.add(FuncInfo.FuncArg.ctx());
                } else if (p[k].startsWith("mem")) {
                    args.add(FuncInfo.FuncArg.mem(Integer.parseInt(p[k].substring(3)), true));
                } else {
                    throw new IllegalArgumentException("global argument " + p[k]);
                }
            }
            vt.global(p[0], args);
        }
        for (String v : c.voids()) {
            vt.returnsVoid(v);
        }
        if (c.unpriv()) {
            vt.unpriv();
        }
        return vt.run();
    }

    @TestFactory
    Stream<DynamicTest> cases() throws IOException, URISyntaxException {
        return allCases().stream().map(c -> DynamicTest.dynamicTest(c.file() + ":" + c.line() + " " + c.name(), () -> {
            VerifierResult r = run(c);
            String ctx = c.file() + ":" + c.line() + " " + c.name() + "\n" + r.log();
            assertThat(r.accepted()).as(ctx).isEqualTo(c.accept());
            for (String m : c.msgs()) {
                assertThat(r.log()).as(ctx).contains(m);
            }
            if (c.last() != null) {
                assertThat(r.message()).as(ctx).isEqualTo(c.last());
            }
            if (c.insns() != null) {
                assertThat(r.insnsProcessed()).as(ctx).isEqualTo(c.insns());
            }
        }));
    }

    @Test
    void corpusIsLargeAndHasBothVerdicts() throws IOException, URISyntaxException {
        List<Case> all = allCases();
        long rejects = all.stream().filter(c -> !c.accept()).count();
        long accepts = all.size() - rejects;
        assertThat(all.size()).isGreaterThanOrEqualTo(400);
        assertThat(accepts).isGreaterThan(100);
        assertThat(rejects).isGreaterThan(200);
    }

    static InputStream resource(String name) {
        return CaseFileTest.class.getResourceAsStream(name);
    }
}
