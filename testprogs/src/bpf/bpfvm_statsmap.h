/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bpfvm's CGROUP_STATS map and its helper, for programs built against bpfvm_kernel.h (include
 * it first). Kept apart from bpfvm_kernel.h so that the objects built before it stay
 * byte-identical.
 */
#ifndef BPFVM_STATSMAP_H
#define BPFVM_STATSMAP_H

/*
 * bpfvm's CGROUP_STATS map (the upstream RFC, never merged; numbers outside Linux's ranges):
 * hierarchical per-cgroup counters keyed by cgroup id, map_extra = the initial cgroup's id.
 */
#define BPF_MAP_TYPE_CGROUP_STATS 0x1000
/* map_flags: single atomic counters instead of per-CPU ones */
#define BPF_F_STATS_NO_PERCPU    (1U << 24)
/* map_flags: a cgroup's total counts only itself (nothing propagates to its parent) */
#define BPF_F_STATS_NO_HIERARCHY (1U << 25)
/* map_flags: aggregation of each counter (default: sum); an update records a sample */
#define BPF_F_STATS_AGG_MAX      (1U << 26)
#define BPF_F_STATS_AGG_MIN      (1U << 27)
/* map_flags: struct values combined by an aggregator program (SEC("cgroup_stats_agg/MAP")) */
#define BPF_F_STATS_AGG_PROG     (1U << 28)

/*
 * The context of an aggregator program, SEC("cgroup_stats_agg/MAP") (BPF_PROG_TYPE_CGROUP_STATS_AGG,
 * 0x1000): combine *child (a child cgroup's total, read-only) into *parent (value_size bytes of
 * MAP each) and return 0. Attached with LINK_CREATE (attach type 0x1000, target_fd = the map).
 */
struct bpf_cgroup_stats_agg {
	void *parent;
	const void *child;
};

/* adds delta to counter index of cgrp's entry (records a sample under MAX/MIN): 0 or -errno */
static long (*bpf_cgroup_stats_update)(void *map, struct cgroup *cgrp, __u32 index, __u64 delta) = (void *)0x1000;

#endif
