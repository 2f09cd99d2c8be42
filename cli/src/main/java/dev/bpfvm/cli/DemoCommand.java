package dev.bpfvm.cli;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.kernel.cgroup.Cgroup;
import dev.bpfvm.kernel.load.MapView;
import dev.bpfvm.kernel.scenario.Scenario;
import dev.bpfvm.kernel.scenario.ScenarioException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The README's main command: hierarchical per-cgroup stats the way upstream Linux does them.
 * An embedded scenario loads our {@code cgroup_stats.o} into the emulated kernel, builds a
 * cgroup tree, moves tasks between cgroups on several virtual CPUs, and pins cgroup iterator
 * links; the demo then prints the tree with each cgroup's own and hierarchical totals and the
 * pinned stats files, and checks that the numbers add up.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs the cgroup-stats demo: BPF counters per cgroup and CPU, rstat aggregation up the"
                + " cgroup tree, and pinned cgroup iterator files, on the emulated kernel.")
final class DemoCommand implements Callable<Integer> {
    static final String SCENARIO = "/demo/cgroup_stats.scenario";
    private static final Pattern LINE = Pattern.compile("cg_id: (\\d+), attach_counter: (\\d+)");

    @Option(names = "--idea1", description = "Seed Idea I: a privileged daemon pins a stats iterator on request.")
    boolean idea1;
    @Option(names = "--idea2", description = "Seed Idea II: stats files made on cgroup creation by a sleepable program"
            + " calling bpf_sys_bpf; the cgroup's owner reads them with cat.")
    boolean idea2;
    @Option(names = "--idea3", description = "Seed Idea III: BPF LSM programs with a per-user ACL of bpf() commands, "
            + "map and program fds, and token use.")
    boolean idea3;
    @Option(names = "--stats-map", description = "bpfvm's CGROUP_STATS map (the upstream RFC) next to the hash-map +"
            + " rstat + iterator design: the same cgroups and moves, the same totals.")
    boolean statsMap;

    private final Io io;

    DemoCommand(Io io) {
        this.io = io;
    }

    static byte[] resource(String path) {
        try (InputStream in = DemoCommand.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new CliException("the demo resource " + path + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs one of the seed designs' scenarios (the same files as testprogs/scenarios) and prints
     * it: the script is the transcript, each command followed by what it must print or the errno
     * it must fail with.
     */
    private Integer idea(String name, String title) {
        String script = new String(resource("/demo/" + name + ".scenario"), StandardCharsets.UTF_8);
        StringBuilder scenarioOut = new StringBuilder();
        Scenario s = new Scenario(new EmulatedKernel(), name + ".scenario", n -> resource("/bpf/" + n), scenarioOut);
        try {
            s.run(script);
        } catch (ScenarioException e) {
            throw new CliException("demo: " + e.getMessage(), Main.EXIT_CHECK_FAILED);
        }
        long checks = script.lines().filter(l -> l.startsWith("expect")).count();
        PrintStream out = io.out();
        out.println("bpfvm demo: " + title);
        out.println("scenario testprogs/scenarios/" + name + ".scenario on the emulated kernel:");
        out.println();
        out.print(script);
        out.println();
        out.println("check: all " + checks + " expectations held.");
        return Main.EXIT_OK;
    }

    @Override
    public Integer call() {
        if ((idea1 ? 1 : 0) + (idea2 ? 1 : 0) + (idea3 ? 1 : 0) + (statsMap ? 1 : 0) > 1) {
            throw new CliException("demo: give at most one of --idea1, --idea2, --idea3, --stats-map",
                    Main.EXIT_BAD_INPUT);
        }
        if (statsMap) {
            return statsMap();
        }
        if (idea1) {
            return idea("idea1_daemon", "seed Idea I, a privileged daemon pinning stats iterators on request");
        }
        if (idea2) {
            return idea("idea2_stats_files", "seed Idea II, stats files made on cgroup creation (bpf_sys_bpf)");
        }
        if (idea3) {
            return idea("idea3_lsm_acl",
                    "seed Idea III, a per-user bpf() ACL in BPF LSM programs (commands, map and program fds, tokens)");
        }
        String script = new String(resource(SCENARIO), StandardCharsets.UTF_8);
        EmulatedKernel kernel = new EmulatedKernel();
        StringBuilder scenarioOut = new StringBuilder();
        Scenario s = new Scenario(kernel, "demo scenario", name -> resource("/bpf/" + name), scenarioOut);
        try {
            s.run(script);
        } catch (ScenarioException e) {
            throw new CliException("demo: " + e.getMessage(), Main.EXIT_CHECK_FAILED);
        }
        long migrations = script.lines().filter(l -> l.startsWith("cgroup attach ")).count();
        MapView cpuCounts = s.objects().get("stats").object().map("percpu_attach_counters");
        String all;
        String frontend;
        try {
            frontend = kernel.cat("/sys/fs/bpf/stats/frontend");
            all = kernel.cat("/sys/fs/bpf/stats/all");
        } catch (KernelException e) {
            throw new CliException("demo: " + e.getMessage(), Main.EXIT_CHECK_FAILED);
        }
        Map<Long, Long> totals = new HashMap<>();
        Matcher m = LINE.matcher(all);
        while (m.find()) {
            totals.put(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
        }

        PrintStream out = io.out();
        out.println("bpfvm demo: per-cgroup BPF stats, aggregated up the cgroup tree by rstat and read");
        out.println("through pinned cgroup iterators, on bpfvm's emulated kernel (no real kernel involved).");
        out.println();
        out.println("program cgroup_stats.o (testprogs/src/bpf/cgroup_stats.c):");
        out.println("  counter  tp_btf/cgroup_attach_task  counts tasks attached to each cgroup, per CPU,");
        out.println("                                      and marks the cgroup updated for rstat");
        out.println("  flusher  fentry/bpf_rstat_flush     on a flush, moves each CPU's new counts into the");
        out.println("                                      cgroup's total and its parent's pending (children first)");
        out.println("  dumper   iter.s/cgroup              calls cgroup_rstat_flush, prints the cgroup's total");
        out.println();
        out.println("scenario: " + kernel.cgroups().size() + " cgroups, " + (kernel.cgroups().tasks().size() - 1)
                + " tasks, " + migrations + " moves on " + kernel.cpus().count() + " virtual CPUs"
                + " (run your own with 'bpfvm scenario FILE')");
        out.println();
        out.printf("%-28s %4s %5s %6s%n", "cgroup", "id", "own", "total");
        boolean ok = tree(out, kernel.cgroups().root(), "", "", true, cpuCounts, totals);
        out.println();
        out.println("$ cat /sys/fs/bpf/stats/frontend");
        out.print(frontend);
        out.println("$ cat /sys/fs/bpf/stats/all");
        out.print(all);
        out.println();
        long rootTotal = totals.getOrDefault(1L, -1L);
        if (!ok || rootTotal != migrations) {
            out.println("FAILED: the numbers do not add up (root total " + rootTotal + ", " + migrations + " moves)");
            return Main.EXIT_CHECK_FAILED;
        }
        out.println("check: every cgroup's total is its own count plus its children's totals, and the");
        out.println("root's total (" + rootTotal + ") is the number of moves: the numbers add up.");
        return Main.EXIT_OK;
    }

    static final String STATS_MAP_SCENARIO = "/demo/stats_map.scenario";

    private static Map<Long, Long> totals(String catOutput) {
        Map<Long, Long> out = new HashMap<>();
        Matcher m = LINE.matcher(catOutput);
        while (m.find()) {
            out.put(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
        }
        return out;
    }

    /** {@code --stats-map}: the main demo's cgroups and moves, counted by both designs. */
    private Integer statsMap() {
        String script = new String(resource(STATS_MAP_SCENARIO), StandardCharsets.UTF_8);
        EmulatedKernel kernel = new EmulatedKernel();
        Scenario s = new Scenario(kernel, "stats-map demo scenario", name -> resource("/bpf/" + name), new StringBuilder());
        String iter;
        String map;
        try {
            s.run(script);
            iter = kernel.cat("/sys/fs/bpf/stats/all");
            map = kernel.cat("/sys/fs/bpf/stats/map-all");
        } catch (ScenarioException e) {
            throw new CliException("demo: " + e.getMessage(), Main.EXIT_CHECK_FAILED);
        } catch (KernelException e) {
            throw new CliException("demo: " + e.getMessage(), Main.EXIT_CHECK_FAILED);
        }
        long migrations = script.lines().filter(l -> l.startsWith("cgroup attach ")).count();
        Map<Long, Long> iterTotals = totals(iter);
        Map<Long, Long> mapTotals = totals(map);
        dev.bpfvm.kernel.load.BpfObject sm = s.objects().get("sm").object();
        dev.bpfvm.kernel.statsmap.CgroupStatsMap flat = (dev.bpfvm.kernel.statsmap.CgroupStatsMap) sm.map("flat_stats").map();
        dev.bpfvm.kernel.statsmap.CgroupStatsMap minPid = (dev.bpfvm.kernel.statsmap.CgroupStatsMap) sm.map("min_pid").map();
        dev.bpfvm.kernel.statsmap.CgroupStatsMap maxPid = (dev.bpfvm.kernel.statsmap.CgroupStatsMap) sm.map("max_pid").map();

        PrintStream out = io.out();
        out.println("bpfvm demo: per-cgroup stats in bpfvm's CGROUP_STATS map (the upstream RFC, type 0x1000,");
        out.println("a bpfvm extension), next to the hash-map + rstat + iterator design of 'bpfvm demo'.");
        out.println();
        out.println("program stats_map.o (testprogs/src/bpf/stats_map.c):");
        out.println("  counter  tp_btf/cgroup_attach_task  bpf_cgroup_stats_update(&map, cgrp, 0, delta) into four maps:");
        out.println("                                      attach_stats (sum, per-CPU, hierarchical), flat_stats");
        out.println("                                      (NO_PERCPU | NO_HIERARCHY), min_pid / max_pid (AGG_MIN / AGG_MAX)");
        out.println("  dumper   iter/cgroup                bpf_map_lookup_elem(&attach_stats, &id): the lookup flushes the");
        out.println("                                      cgroups updated below (children first), then reads the total");
        out.println("no flusher program, no per-CPU hash map, no cgroup_rstat_flush call: the map does that work.");
        out.println();
        out.println("scenario: " + kernel.cgroups().size() + " cgroups, " + (kernel.cgroups().tasks().size() - 1)
                + " tasks, " + migrations + " moves on " + kernel.cpus().count() + " virtual CPUs, counted by"
                + " cgroup_stats.o and stats_map.o");
        out.println();
        out.printf("%-28s %4s %5s %9s %9s %9s%n", "cgroup", "id", "own", "map", "iterator", "pids");
        boolean[] same = {true};
        statsTree(out, kernel.cgroups().root(), "", "", true, cg -> {
            long id = cg.id();
            long[] own = flat.totals(id);
            long[] lo = minPid.totals(id);
            long[] hi = maxPid.totals(id);
            long m = mapTotals.getOrDefault(id, -1L);
            long i = iterTotals.getOrDefault(id, -1L);
            same[0] &= m == i;
            String pids = lo == null || lo[0] == -1L ? "-" : lo[0] + ".." + hi[0];
            return String.format("%4d %5d %9d %9d %9s", id, own == null ? 0 : own[0], m, i, pids);
        });
        out.println();
        out.println("$ cat /sys/fs/bpf/stats/map-all");
        out.print(map);
        out.println();
        if (!same[0] || !map.equals(iter) || mapTotals.getOrDefault(1L, -1L) != migrations) {
            out.println("FAILED: the map's totals differ from the iterator design's");
            return Main.EXIT_CHECK_FAILED;
        }
        out.println("check: for every cgroup the map's total equals the iterator design's, and the root's");
        out.println("total (" + mapTotals.get(1L) + ") is the number of moves.");
        return Main.EXIT_OK;
    }

    private static void statsTree(PrintStream out, Cgroup c, String prefix, String childPrefix, boolean root,
                                  java.util.function.Function<Cgroup, String> columns) {
        out.printf("%-28s %s%n", prefix + (root ? "/" : c.name()), columns.apply(c));
        List<Cgroup> children = c.children();
        for (int i = 0; i < children.size(); i++) {
            boolean last = i == children.size() - 1;
            statsTree(out, children.get(i), childPrefix + (last ? "└── " : "├── "),
                    childPrefix + (last ? "    " : "│   "), false, columns);
        }
    }

    /** Own count of a cgroup: the sum over CPUs of what the counter saw. */
    private static long own(MapView cpuCounts, long id) {
        byte[] key = MapView.encode(id, 8);
        if (cpuCounts.lookup(key) == null) {
            return 0;
        }
        long sum = 0;
        for (byte[] v : cpuCounts.lookupPerCpu(key)) {
            sum += MapView.decode(v, 0, 8);
        }
        return sum;
    }

    /** Prints the subtree; returns whether every total is own + children's totals. */
    private static boolean tree(PrintStream out, Cgroup c, String prefix, String childPrefix, boolean root,
                                MapView cpuCounts, Map<Long, Long> totals) {
        long own = own(cpuCounts, c.id());
        long total = totals.getOrDefault(c.id(), 0L);
        String name = root ? "/" : c.name();
        out.printf("%-28s %4d %5d %6d%n", prefix + name, c.id(), own, total);
        List<Cgroup> children = c.children();
        long sum = own;
        boolean ok = true;
        for (int i = 0; i < children.size(); i++) {
            boolean last = i == children.size() - 1;
            Cgroup ch = children.get(i);
            ok &= tree(out, ch, childPrefix + (last ? "└── " : "├── "), childPrefix + (last ? "    " : "│   "),
                    false, cpuCounts, totals);
            sum += totals.getOrDefault(ch.id(), 0L);
        }
        return ok && sum == total;
    }
}
