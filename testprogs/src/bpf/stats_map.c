/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hierarchical attach counters of cgroup_stats.c, kept in bpfvm's CGROUP_STATS map instead
 * of a per-CPU hash map, a hash map and an rstat flusher program: the map keeps the per-CPU
 * counters and folds them up the cgroup tree when it is read.
 *
 * counter: on each task attach, counts it for the destination cgroup in every map:
 *          attach_stats  (sum, per-CPU, hierarchical: the same totals as cgroup_stats.c)
 *          flat_stats    (NO_PERCPU | NO_HIERARCHY: attaches to the cgroup itself)
 *          max_pid       (AGG_MAX: the largest pid attached in the subtree)
 *          min_pid       (AGG_MIN: the smallest)
 * count:   only the attach_stats update of counter (for the benchmark against cgroup_stats.c).
 * dumper:  cgroup iterator printing attach_stats as cgroup_stats.c's dumper prints its totals.
 * details: cgroup iterator printing every map.
 */
#include <linux/bpf.h>
#include "bpfvm_kernel.h"
#include "bpfvm_statsmap.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_STATS);
	__type(key, __u64);
	__type(value, __u64);
	__uint(map_extra, 1);          /* the root cgroup: every cgroup has an entry */
} attach_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_STATS);
	__uint(map_flags, BPF_F_STATS_NO_PERCPU | BPF_F_STATS_NO_HIERARCHY);
	__type(key, __u64);
	__type(value, __u64);
	__uint(map_extra, 1);
} flat_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_STATS);
	__uint(map_flags, BPF_F_STATS_AGG_MAX);
	__type(key, __u64);
	__type(value, __u64);
	__uint(map_extra, 1);
} max_pid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_STATS);
	__uint(map_flags, BPF_F_STATS_AGG_MIN);
	__type(key, __u64);
	__type(value, __u64);
	__uint(map_extra, 1);
} min_pid SEC(".maps");

SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(counter, struct cgroup *dst_cgrp, const char *path, struct task_struct *task, bool threadgroup)
{
	bpf_cgroup_stats_update(&attach_stats, dst_cgrp, 0, 1);
	bpf_cgroup_stats_update(&flat_stats, dst_cgrp, 0, 1);
	bpf_cgroup_stats_update(&max_pid, dst_cgrp, 0, task->pid);
	bpf_cgroup_stats_update(&min_pid, dst_cgrp, 0, task->pid);
	return 0;
}

SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(count, struct cgroup *dst_cgrp, const char *path, struct task_struct *task, bool threadgroup)
{
	bpf_cgroup_stats_update(&attach_stats, dst_cgrp, 0, 1);
	return 0;
}

static __always_inline __u64 total(void *map, __u64 *id)
{
	__u64 *v = bpf_map_lookup_elem(map, id);

	return v ? *v : 0;
}

SEC("iter/cgroup")
int BPF_PROG(dumper, struct bpf_iter_meta *meta, struct cgroup *cgrp)
{
	__u64 id;

	if (!cgrp)
		return 1;
	id = cgrp->kn->id;
	BPF_SEQ_PRINTF(meta->seq, "cg_id: %llu, attach_counter: %llu\n", id, total(&attach_stats, &id));
	return 0;
}

SEC("iter/cgroup")
int BPF_PROG(details, struct bpf_iter_meta *meta, struct cgroup *cgrp)
{
	__u64 id;

	if (!cgrp)
		return 1;
	id = cgrp->kn->id;
	BPF_SEQ_PRINTF(meta->seq, "cg_id: %llu, total: %llu, own: %llu, pids: %lld..%lld\n", id,
		       total(&attach_stats, &id), total(&flat_stats, &id), total(&min_pid, &id),
		       total(&max_pid, &id));
	return 0;
}

char _license[] SEC("license") = "GPL";
