package dev.bpfvm.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.kernel.cgroup.Cgroup;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Both designs of the stats-map benchmark count the same, and the map's flush visits only the updated paths. */
class StatsMapBenchTest {
    private static StatsMapBench.Host host(String design) {
        StatsMapBench.Host h = new StatsMapBench.Host();
        h.design = design;
        h.setUp();
        return h;
    }

    @Test
    void bothDesignsGiveTheSameRootTotal() {
        StatsMapBench.Host iter = host("iterator");
        StatsMapBench.Host map = host("map");
        StatsMapBench b = new StatsMapBench();
        assertThat(b.update100ThenReadRoot(iter)).isEqualTo(100);
        assertThat(b.update100ThenReadRoot(map)).isEqualTo(100);
        b.update100(iter);
        b.update100(map);
        assertThat(b.update100ThenReadRoot(iter)).isEqualTo(300);
        assertThat(b.update100ThenReadRoot(map)).isEqualTo(300);

        Set<Long> paths = new HashSet<>();
        for (Cgroup c : map.updated) {
            for (Cgroup x = c; x != null; x = x.parent()) {
                paths.add(x.id());
            }
        }
        long before = map.map.foldedCount();
        b.update100ThenReadRoot(map);
        assertThat(map.map.foldedCount() - before).isEqualTo(paths.size());
        assertThat(paths.size()).isLessThan(250);
        assertThat(b.update100ThenReadRoot(host("none"))).isZero();
    }
}
