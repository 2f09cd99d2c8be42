/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bpfvm's hierarchical cgroup stats program (the shape of Linux's cgroup_hierarchical_stats
 * selftest, our own code), built against bpfvm_kernel.h; vmlinux/cgroup_stats.c is the same
 * algorithm built against a real kernel's vmlinux.h.
 *
 * counter: per-CPU count of tasks attached to each cgroup, marking the cgroup updated for rstat.
 * flusher: on each rstat flush of a cgroup on a CPU, moves that CPU's new counts into the
 *          cgroup's total and into its parent's pending count (children are flushed first).
 * dumper:  sleepable cgroup iterator; flushes, then prints the cgroup's hierarchical total.
 */
#include <linux/bpf.h>
#include "bpfvm_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

struct cpu_count {
	__u64 seen;     /* attaches counted on this CPU */
	__u64 flushed;  /* of which already moved to the total */
};

struct total_count {
	__u64 total;    /* attaches to this cgroup and its descendants, as of the last flush */
	__u64 pending;  /* flushed from children, not yet added to total */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct cpu_count);
} percpu_attach_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct total_count);
} attach_counters SEC(".maps");

extern void cgroup_rstat_updated(struct cgroup *cgrp, int cpu) __ksym;
extern void cgroup_rstat_flush(struct cgroup *cgrp) __ksym;

static __always_inline __u64 id_of(struct cgroup *cgrp)
{
	return cgrp->kn->id;
}

SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(counter, struct cgroup *dst_cgrp, const char *path, struct task_struct *task, bool threadgroup)
{
	__u64 id = id_of(dst_cgrp);
	struct cpu_count *c = bpf_map_lookup_elem(&percpu_attach_counters, &id);

	if (c) {
		c->seen++;
	} else {
		struct cpu_count first = { .seen = 1 };
		if (bpf_map_update_elem(&percpu_attach_counters, &id, &first, BPF_NOEXIST))
			return 0;
	}
	cgroup_rstat_updated(dst_cgrp, bpf_get_smp_processor_id());
	return 0;
}

SEC("fentry/bpf_rstat_flush")
int BPF_PROG(flusher, struct cgroup *cgrp, struct cgroup *parent, int cpu)
{
	__u64 id = id_of(cgrp);
	__u64 parent_id = parent ? id_of(parent) : 0;
	__u64 delta = 0;
	struct cpu_count *c = bpf_map_lookup_percpu_elem(&percpu_attach_counters, &id, cpu);
	struct total_count *t, *p;

	if (c) {
		delta = c->seen - c->flushed;
		c->flushed = c->seen;
	}
	t = bpf_map_lookup_elem(&attach_counters, &id);
	if (t) {
		delta += t->pending;
		t->pending = 0;
		t->total += delta;
	} else {
		struct total_count first = { .total = delta };
		if (bpf_map_update_elem(&attach_counters, &id, &first, BPF_NOEXIST))
			return 0;
	}
	if (!parent_id || !delta)
		return 0;
	p = bpf_map_lookup_elem(&attach_counters, &parent_id);
	if (p) {
		p->pending += delta;
	} else {
		struct total_count first = { .pending = delta };
		bpf_map_update_elem(&attach_counters, &parent_id, &first, BPF_NOEXIST);
	}
	return 0;
}

SEC("iter.s/cgroup")
int BPF_PROG(dumper, struct bpf_iter_meta *meta, struct cgroup *cgrp)
{
	struct seq_file *seq = meta->seq;
	struct total_count *t;
	__u64 id;

	if (!cgrp)
		return 1;
	id = id_of(cgrp);
	cgroup_rstat_flush(cgrp);
	t = bpf_map_lookup_elem(&attach_counters, &id);
	BPF_SEQ_PRINTF(seq, "cg_id: %llu, attach_counter: %llu\n", id, t ? t->total : 0);
	return 0;
}

char _license[] SEC("license") = "GPL";
