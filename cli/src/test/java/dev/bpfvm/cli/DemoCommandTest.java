package dev.bpfvm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
    @Test
    void printsTheTreeThePinnedFilesAndThatTheNumbersAddUp() {
        CliRun r = CliRun.of("demo");
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isEqualTo(0);
        assertThat(r.out()).isEqualTo("""
                bpfvm demo: per-cgroup BPF stats, aggregated up the cgroup tree by rstat and read
                through pinned cgroup iterators, on bpfvm's emulated kernel (no real kernel involved).

                program cgroup_stats.o (testprogs/src/bpf/cgroup_stats.c):
                  counter  tp_btf/cgroup_attach_task  counts tasks attached to each cgroup, per CPU,
                                                      and marks the cgroup updated for rstat
                  flusher  fentry/bpf_rstat_flush     on a flush, moves each CPU's new counts into the
                                                      cgroup's total and its parent's pending (children first)
                  dumper   iter.s/cgroup              calls cgroup_rstat_flush, prints the cgroup's total

                scenario: 7 cgroups, 7 tasks, 10 moves on 4 virtual CPUs (run your own with 'bpfvm scenario FILE')

                cgroup                         id   own  total
                /                               1     0     10
                ├── web                         2     0      6
                │   ├── frontend                3     1      3
                │   │   └── static              4     2      2
                │   └── backend                 5     3      3
                └── batch                       6     2      4
                    └── reports                 7     2      2

                $ cat /sys/fs/bpf/stats/frontend
                cg_id: 3, attach_counter: 3
                $ cat /sys/fs/bpf/stats/all
                cg_id: 1, attach_counter: 10
                cg_id: 2, attach_counter: 6
                cg_id: 3, attach_counter: 3
                cg_id: 4, attach_counter: 2
                cg_id: 5, attach_counter: 3
                cg_id: 6, attach_counter: 4
                cg_id: 7, attach_counter: 2

                check: every cgroup's total is its own count plus its children's totals, and the
                root's total (10) is the number of moves: the numbers add up.
                """);
    }

    @Test
    void ideaDemosRunTheirScenariosWhichAreTheTestprogsOnes() throws Exception {
        String[][] ideas = {{"--idea1", "idea1_daemon", "11"}, {"--idea2", "idea2_stats_files", "15"},
            {"--idea3", "idea3_lsm_acl", "20"}};
        for (String[] idea : ideas) {
            String script = Files.readString(Path.of("../testprogs/scenarios/" + idea[1] + ".scenario"))
                    .replace("../src/main/resources/bpf/", "");
            assertThat(new String(DemoCommand.resource("/demo/" + idea[1] + ".scenario"), StandardCharsets.UTF_8))
                    .as(idea[1] + " in cli resources = testprogs/scenarios").isEqualTo(script);
            CliRun r = CliRun.of("demo", idea[0]);
            assertThat(r.err()).isEmpty();
            assertThat(r.code()).isEqualTo(0);
            assertThat(r.out()).startsWith("bpfvm demo: seed Idea ")
                    .contains("scenario testprogs/scenarios/" + idea[1] + ".scenario on the emulated kernel:\n\n" + script)
                    .endsWith("\ncheck: all " + idea[2] + " expectations held.\n");
        }
        CliRun both = CliRun.of("demo", "--idea2", "--idea3");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("give at most one of --idea1, --idea2, --idea3");
    }

    @Test
    void statsMapDemoGivesTheIteratorDesignsTotals() {
        CliRun r = CliRun.of("demo", "--stats-map");
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isEqualTo(0);
        assertThat(r.out()).isEqualTo("""
                bpfvm demo: per-cgroup stats in bpfvm's CGROUP_STATS map (the upstream RFC, type 0x1000,
                a bpfvm extension), next to the hash-map + rstat + iterator design of 'bpfvm demo'.

                program stats_map.o (testprogs/src/bpf/stats_map.c):
                  counter  tp_btf/cgroup_attach_task  bpf_cgroup_stats_update(&map, cgrp, 0, delta) into four maps:
                                                      attach_stats (sum, per-CPU, hierarchical), flat_stats
                                                      (NO_PERCPU | NO_HIERARCHY), min_pid / max_pid (AGG_MIN / AGG_MAX)
                  dumper   iter/cgroup                bpf_map_lookup_elem(&attach_stats, &id): the lookup flushes the
                                                      cgroups updated below (children first), then reads the total
                no flusher program, no per-CPU hash map, no cgroup_rstat_flush call: the map does that work.

                scenario: 7 cgroups, 7 tasks, 10 moves on 4 virtual CPUs, counted by cgroup_stats.o and stats_map.o

                cgroup                         id   own       map  iterator      pids
                /                               1     0        10        10  100..106
                ├── web                         2     0         6         6  100..103
                │   ├── frontend                3     1         3         3  100..102
                │   │   └── static              4     2         2         2  100..101
                │   └── backend                 5     3         3         3  100..103
                └── batch                       6     2         4         4  104..106
                    └── reports                 7     2         2         2  105..106

                $ cat /sys/fs/bpf/stats/map-all
                cg_id: 1, attach_counter: 10
                cg_id: 2, attach_counter: 6
                cg_id: 3, attach_counter: 3
                cg_id: 4, attach_counter: 2
                cg_id: 5, attach_counter: 3
                cg_id: 6, attach_counter: 4
                cg_id: 7, attach_counter: 2

                check: for every cgroup the map's total equals the iterator design's, and the root's
                total (10) is the number of moves.
                """);
        CliRun both = CliRun.of("demo", "--idea1", "--stats-map");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("give at most one of --idea1, --idea2, --idea3, --stats-map");
    }

    @Test
    void scenarioExitCodes(@TempDir Path dir) throws Exception {
        Path ok = dir.resolve("ok.scenario");
        Files.writeString(ok, "cgroup mkdir a\ncat /sys/fs/cgroup/cgroup.stat\nexpect nr_descendants 1\n");
        CliRun r = CliRun.of("scenario", ok.toString());
        assertThat(r.code()).isEqualTo(0);
        assertThat(r.out()).isEqualTo("nr_descendants 1\nnr_dying_descendants 0\n");
        Path bad = dir.resolve("bad.scenario");
        Files.writeString(bad, "cgroup mkdir a\ncgroup rmdir a\nexpect-error EBUSY\n");
        r = CliRun.of("scenario", bad.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("bpfvm: " + bad + ":3: expected 'cgroup rmdir a' to fail with EBUSY, but it succeeded\n");
        Path broken = dir.resolve("broken.scenario");
        Files.writeString(broken, "load nothing.o\n");
        r = CliRun.of("scenario", broken.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("bpfvm: " + broken + ":1: cannot read nothing.o");
        r = CliRun.of("scenario", dir.resolve("missing.scenario").toString());
        assertThat(r.code()).isEqualTo(2);
    }
}
