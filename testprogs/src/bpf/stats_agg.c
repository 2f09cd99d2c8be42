/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A CGROUP_STATS map with struct values (BPF_F_STATS_AGG_PROG) and its aggregator program.
 *
 * counter: on each task attach, adds 1 to both counters of the destination cgroup's own value.
 * combine: the map's aggregator: a child's total goes into its parent's value field by field,
 *          attaches summed, busiest the larger: so a total's busiest is the largest number of
 *          attaches to any single cgroup of the subtree, which plain sums cannot give.
 * dumper:  cgroup iterator printing each cgroup's total.
 */
#include <linux/bpf.h>
#include "bpfvm_kernel.h"
#include "bpfvm_statsmap.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct attach_stats {
	__u64 attaches;  /* attaches to the cgroup and its descendants */
	__u64 busiest;   /* the most attaches to one cgroup of the subtree */
};

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_STATS);
	__uint(map_flags, BPF_F_STATS_AGG_PROG);
	__type(key, __u64);
	__type(value, struct attach_stats);
	__uint(map_extra, 1);
} agg_stats SEC(".maps");

SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(counter, struct cgroup *dst_cgrp, const char *path, struct task_struct *task, bool threadgroup)
{
	bpf_cgroup_stats_update(&agg_stats, dst_cgrp, 0, 1);
	bpf_cgroup_stats_update(&agg_stats, dst_cgrp, 1, 1);
	return 0;
}

SEC("cgroup_stats_agg/agg_stats")
int combine(struct bpf_cgroup_stats_agg *ctx)
{
	struct attach_stats *p = ctx->parent;
	const struct attach_stats *c = ctx->child;

	p->attaches += c->attaches;
	if (c->busiest > p->busiest)
		p->busiest = c->busiest;
	return 0;
}

SEC("iter/cgroup")
int BPF_PROG(dumper, struct bpf_iter_meta *meta, struct cgroup *cgrp)
{
	struct attach_stats *t;
	__u64 id;

	if (!cgrp)
		return 1;
	id = cgrp->kn->id;
	t = bpf_map_lookup_elem(&agg_stats, &id);
	if (t)
		BPF_SEQ_PRINTF(meta->seq, "cg_id: %llu, attaches: %llu, busiest: %llu\n", id, t->attaches, t->busiest);
	return 0;
}

char _license[] SEC("license") = "GPL";
