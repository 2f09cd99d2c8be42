/* SPDX-License-Identifier: Apache-2.0 */
/* kfunc externs (strong and __weak), .kconfig values and typed/typeless ksyms. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bpfvm_kernel.h"

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
extern struct cgroup *bpf_cgroup_acquire(struct cgroup *cgrp) __ksym;
extern void bpf_cgroup_release(struct cgroup *cgrp) __ksym;
extern void cgroup_rstat_updated(struct cgroup *cgrp, int cpu) __ksym __weak;
extern void css_rstat_updated(struct cgroup_subsys_state *css, int cpu) __ksym __weak;
extern int bpf_no_such_kfunc(int x) __ksym __weak;

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern bool LINUX_HAS_BPF_COOKIE __kconfig;
extern int CONFIG_HZ __kconfig;
extern bool CONFIG_BPF_JIT __kconfig;
extern enum libbpf_tristate CONFIG_MEMCG __kconfig;
extern char CONFIG_LOCALVERSION[16] __kconfig;
extern unsigned long long CONFIG_NO_SUCH_OPTION __kconfig __weak;

extern const int bpf_prog_active __ksym;
extern const void bpf_no_such_ksym __ksym __weak;

__u64 seen[8];

SEC("tp_btf/cgroup_attach_task")
int use_kfuncs(unsigned long long *ctx)
{
	struct cgroup *cgrp = (struct cgroup *)ctx[0];
	struct cgroup *ref;

	bpf_rcu_read_lock();
	ref = bpf_cgroup_acquire(cgrp);
	if (ref) {
		if (cgroup_rstat_updated)
			cgroup_rstat_updated(ref, 0);
		else
			css_rstat_updated(&ref->self, 0);
		bpf_cgroup_release(ref);
	}
	bpf_rcu_read_unlock();
	if (bpf_no_such_kfunc)
		return bpf_no_such_kfunc(1);
	return 0;
}

SEC("syscall")
int use_kconfig(void *ctx)
{
	seen[0] = LINUX_KERNEL_VERSION;
	seen[1] = LINUX_HAS_BPF_COOKIE;
	seen[2] = CONFIG_HZ;
	seen[3] = CONFIG_BPF_JIT;
	seen[4] = CONFIG_MEMCG;
	seen[5] = CONFIG_LOCALVERSION[1];
	seen[6] = CONFIG_NO_SUCH_OPTION;
	seen[7] = (__u64)&bpf_prog_active + (__u64)&bpf_no_such_ksym;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
