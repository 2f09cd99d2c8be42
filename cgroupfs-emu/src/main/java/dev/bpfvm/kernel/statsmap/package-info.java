/**
 * {@code BPF_MAP_TYPE_CGROUP_STATS}, a bpfvm extension modelled on the upstream RFC (never
 * merged): hierarchical per-cgroup counters kept per CPU and folded up the cgroup tree on
 * lookup ({@link dev.bpfvm.kernel.statsmap.CgroupStatsMap}), with the RFC's flags and
 * aggregations, and struct values combined by an aggregator program
 * ({@link dev.bpfvm.kernel.statsmap.ProgramAggregator}).
 */
package dev.bpfvm.kernel.statsmap;
