/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seed Idea II: stats files made on cgroup creation. A sleepable tp_btf/cgroup_mkdir program
 * (sleepable tp_btf is a bpfvm extension) calls bpf_sys_bpf as the process that loaded it:
 * it gets the stats iterator program root pinned at ITER_PIN, makes a cgroup-iterator link
 * over the new cgroup alone, and pins that link as <cgroup dir>/cgroup.bpf_stats, which the
 * emulated kernel shows readable (0400) by the cgroup directory's owner only.
 */
#include <linux/bpf.h>
#include "bpfvm_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define ITER_PIN "/sys/fs/bpf/cgroup_stats/iter"

char _license[] SEC("license") = "GPL";

/* the last errors seen, for the scenario to dump: [0] OBJ_GET, [1] LINK_CREATE, [2] OBJ_PIN */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __s64);
} creator_errors SEC(".maps");

static __always_inline void note(__u32 step, long err)
{
	__s64 *slot = bpf_map_lookup_elem(&creator_errors, &step);

	if (slot)
		*slot = err;
}

SEC("tp_btf.s/cgroup_mkdir")
int BPF_PROG(creator, struct cgroup *cgrp, const char *path)
{
	union bpf_attr attr;
	union bpf_iter_link_info info;
	char pin[192];
	__u64 args[1] = { (__u64)(unsigned long)path };
	long prog_fd, link_fd, err;

	__builtin_memset(&attr, 0, sizeof(attr));
	attr.pathname = (__u64)(unsigned long)ITER_PIN;
	prog_fd = bpf_sys_bpf(BPF_OBJ_GET, &attr, sizeof(attr));
	if (prog_fd < 0) {
		note(0, prog_fd);
		return 0;
	}

	__builtin_memset(&info, 0, sizeof(info));
	info.cgroup.order = BPF_CGROUP_ITER_SELF_ONLY;
	info.cgroup.cgroup_id = cgrp->kn->id;
	__builtin_memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = prog_fd;
	attr.link_create.attach_type = BPF_TRACE_ITER;
	attr.link_create.iter_info = (__u64)(unsigned long)&info;
	attr.link_create.iter_info_len = sizeof(info);
	link_fd = bpf_sys_bpf(BPF_LINK_CREATE, &attr, sizeof(attr));
	bpf_sys_close(prog_fd);
	if (link_fd < 0) {
		note(1, link_fd);
		return 0;
	}

	bpf_snprintf(pin, sizeof(pin), "/sys/fs/cgroup%s/cgroup.bpf_stats", args, sizeof(args));
	__builtin_memset(&attr, 0, sizeof(attr));
	attr.pathname = (__u64)(unsigned long)pin;
	attr.bpf_fd = link_fd;
	err = bpf_sys_bpf(BPF_OBJ_PIN, &attr, sizeof(attr));
	if (err)
		note(2, err);
	/* the pin holds the link now */
	bpf_sys_close(link_fd);
	return 0;
}
