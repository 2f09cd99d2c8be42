/**
 * {@code BPF_MAP_TYPE_CGROUP_STATS}, a bpfvm extension modelled on the upstream RFC (never
 * merged): hierarchical per-cgroup u64 counters kept per CPU and folded up the cgroup tree on
 * lookup. See {@link dev.bpfvm.kernel.statsmap.CgroupStatsMap}.
 */
package dev.bpfvm.kernel.statsmap;
