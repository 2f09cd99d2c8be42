package dev.bpfvm.bench;

import java.util.Locale;

/**
 * {@link StatsMapBench}'s operations timed by the thread's CPU time (best of 9 batches of 1000
 * after a warm-up, the better of two passes; {@link TierComparison#time}), which a busy shared
 * machine disturbs far less than JMH's wall clock. Prints a Markdown table: per design, 100
 * counted task moves, the same then a read of the root's total, and the difference (the flush
 * and read), all in µs.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.bpfvm.bench.StatsMapComparison</pre>
 */
public final class StatsMapComparison {
    private StatsMapComparison() {}

    public static void main(String[] args) {
        StatsMapBench b = new StatsMapBench();
        System.out.println("| design | 100 moves µs | 100 moves + read root µs | flush + read µs | per counted move µs |");
        System.out.println("|---|---|---|---|---|");
        String[] designs = {"none", "iterator", "map"};
        StatsMapBench.Host[] hosts = new StatsMapBench.Host[designs.length];
        for (int i = 0; i < designs.length; i++) {
            hosts[i] = new StatsMapBench.Host();
            hosts[i].design = designs[i];
            hosts[i].setUp();
            for (int k = 0; k < 2000; k++) {
                b.update100ThenReadRoot(hosts[i]);
            }
        }
        // two passes over every design; each number is the better of its two
        double[] update = new double[designs.length];
        double[] read = new double[designs.length];
        java.util.Arrays.fill(update, Double.MAX_VALUE);
        java.util.Arrays.fill(read, Double.MAX_VALUE);
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < designs.length; i++) {
                StatsMapBench.Host h = hosts[i];
                update[i] = Math.min(update[i], TierComparison.time(() -> {
                    b.update100(h);
                    return 0;
                }, 1000, 9));
                read[i] = Math.min(read[i], TierComparison.time(() -> b.update100ThenReadRoot(h), 1000, 9));
            }
        }
        for (int i = 0; i < designs.length; i++) {
            System.out.printf(Locale.ROOT, "| %s | %,.0f | %,.0f | %,.0f | %,.2f |%n", designs[i], update[i] / 1000,
                    read[i] / 1000, (read[i] - update[i]) / 1000, (update[i] - update[0]) / 100 / 1000);
        }
    }
}
