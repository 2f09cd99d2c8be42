/* SPDX-License-Identifier: Apache-2.0 */
/* CO-RE reads of emulated kernel objects, existence checks, flavors and enum values. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "bpfvm_kernel.h"

/* An older kernel's view of task_struct: a field our kernel does not have. */
struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

/* A type that exists only in some kernels. */
struct not_in_kernel {
	int x;
} __attribute__((preserve_access_index));

enum cgroup_subsys_id {
	cpuset_cgrp_id,
	cpu_cgrp_id,
	memory_cgrp_id = 4,
	CGROUP_SUBSYS_COUNT = 12,
};

__u64 out[8];

SEC("tp_btf/cgroup_attach_task")
int core_reads(unsigned long long *ctx)
{
	struct cgroup *cgrp = (struct cgroup *)ctx[0];
	struct task_struct *task = (struct task_struct *)ctx[2];

	out[0] = BPF_CORE_READ(cgrp, kn, id);
	out[1] = BPF_CORE_READ(cgrp, self.parent, cgroup, level);
	out[2] = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	out[3] = bpf_core_field_exists(task->__state);
	out[4] = bpf_core_field_exists(((struct task_struct___old *)task)->state);
	out[5] = bpf_core_field_size(task->comm);
	out[6] = bpf_core_type_exists(struct not_in_kernel) * 10 + bpf_core_type_exists(struct cgroup);
	out[7] = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	return 0;
}

SEC("iter/cgroup")
int core_iter(struct bpf_iter__cgroup *ctx)
{
	struct cgroup *cgrp = ctx->cgroup;
	if (!cgrp)
		return 0;
	return cgrp->level + (int)ctx->meta->seq_num;
}

SEC("tp_btf/cgroup_attach_task")
int core_poisoned(unsigned long long *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx[2];
	/* Reading a field the kernel does not have: poisoned unless guarded. */
	if (bpf_core_field_exists(((struct task_struct___old *)task)->state))
		return BPF_CORE_READ((struct task_struct___old *)task, state);
	return task->pid;
}

char LICENSE[] SEC("license") = "GPL";
