/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel structures bpfvm's own test programs use, with the field names a real
 * vmlinux.h has. Every struct is declared with preserve_access_index, so field accesses
 * become CO-RE relocations resolved against the emulated kernel's BTF at load time: the
 * layouts here only need the right names and types, not the kernel's offsets.
 */
#ifndef BPFVM_KERNEL_H
#define BPFVM_KERNEL_H

#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;
typedef _Bool bool;
#define true 1
#define false 0

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct kernfs_node {
	struct kernfs_node *parent;
	const char *name;
	u64 id;
};

struct cgroup;

struct cgroup_subsys_state {
	struct cgroup *cgroup;
	struct cgroup_subsys_state *parent;
	int id;
	unsigned int flags;
	u64 serial_nr;
};

struct cgroup {
	struct cgroup_subsys_state self;
	unsigned long flags;
	int level;
	int max_depth;
	int nr_descendants;
	struct kernfs_node *kn;
	struct cgroup *ancestors[];
};

struct css_set {
	struct cgroup_subsys_state *subsys[12];
	struct cgroup *dfl_cgrp;
};

struct task_struct {
	unsigned int __state;
	unsigned int flags;
	int prio;
	int pid;
	int tgid;
	struct task_struct *real_parent;
	struct task_struct *group_leader;
	u64 start_time;
	char comm[16];
	struct css_set *cgroups;
};

struct seq_file;

struct bpf_iter_meta {
	union {
		struct seq_file *seq;
	};
	u64 session_id;
	u64 seq_num;
};

struct bpf_iter__cgroup {
	union {
		struct bpf_iter_meta *meta;
	};
	union {
		struct cgroup *cgroup;
	};
};

struct bpf_iter__task {
	union {
		struct bpf_iter_meta *meta;
	};
	union {
		struct task_struct *task;
	};
};

struct trace_entry {
	unsigned short type;
	unsigned char flags;
	unsigned char preempt_count;
	int pid;
};

struct trace_event_raw_cgroup {
	struct trace_entry ent;
	int root;
	int level;
	u64 id;
	u32 __data_loc_path;
	char __data[0];
};

struct trace_event_raw_cgroup_migrate {
	struct trace_entry ent;
	int dst_root;
	int dst_level;
	u64 dst_id;
	int pid;
	u32 __data_loc_dst_path;
	u32 __data_loc_comm;
	char __data[0];
};

struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

#pragma clang attribute pop

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

/* adds delta to counter index of cgrp's entry (records a sample under MAX/MIN): 0 or -errno */
static long (*bpf_cgroup_stats_update)(void *map, struct cgroup *cgrp, __u32 index, __u64 delta) = (void *)0x1000;

#endif
