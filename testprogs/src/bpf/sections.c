/* SPDX-License-Identifier: Apache-2.0 */
/* One small program per SEC() kind: the loader maps each to its program and attach type. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bpfvm_kernel.h"

SEC("socket")
int sock_prog(struct __sk_buff *skb)
{
	return skb->len > 100 ? 0 : -1;
}

SEC("tc")
int tc_prog(struct __sk_buff *skb)
{
	return skb->protocol == 0x0008 ? 0 : 2;
}

SEC("classifier")
int classifier_prog(struct __sk_buff *skb)
{
	return 0;
}

SEC("xdp")
int xdp_prog(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	return data + 14 > data_end ? XDP_DROP : XDP_PASS;
}

SEC("cgroup_skb/ingress")
int cgskb_ingress(struct __sk_buff *skb)
{
	return 1;
}

SEC("cgroup_skb/egress")
int cgskb_egress(struct __sk_buff *skb)
{
	return skb->len < 1500;
}

SEC("kprobe/do_sys_openat2")
int kprobe_prog(struct pt_regs *regs)
{
	return regs->di == 0;
}

SEC("kretprobe/do_sys_openat2")
int kretprobe_prog(struct pt_regs *regs)
{
	return 0;
}

SEC("tracepoint/cgroup/cgroup_mkdir")
int tracepoint_prog(struct trace_event_raw_cgroup *ctx)
{
	return ctx->level;
}

SEC("tp/cgroup/cgroup_attach_task")
int tp_prog(struct trace_event_raw_cgroup_migrate *ctx)
{
	return ctx->pid;
}

SEC("raw_tp/cgroup_rmdir")
int raw_tp_prog(void *ctx)
{
	return 0;
}

SEC("tp_btf/cgroup_mkdir")
int tp_btf_prog(unsigned long long *ctx)
{
	return 0;
}

SEC("fentry/cgroup_attach_task")
int fentry_prog(unsigned long long *ctx)
{
	return 0;
}

SEC("fexit/cgroup_attach_task")
int fexit_prog(unsigned long long *ctx)
{
	return 0;
}

SEC("fmod_ret/security_file_open")
int fmod_ret_prog(unsigned long long *ctx)
{
	return 0;
}

SEC("fentry.s/cgroup_mkdir")
int fentry_sleepable(unsigned long long *ctx)
{
	return 0;
}

SEC("lsm/file_open")
int lsm_prog(unsigned long long *ctx)
{
	return 0;
}

SEC("lsm.s/bprm_committed_creds")
int lsm_sleepable(unsigned long long *ctx)
{
	return 0;
}

SEC("iter/cgroup")
int iter_cgroup(struct bpf_iter__cgroup *ctx)
{
	return ctx->cgroup == 0;
}

SEC("iter.s/task")
int iter_task_sleepable(struct bpf_iter__task *ctx)
{
	return 0;
}

SEC("syscall")
int syscall_prog(void *ctx)
{
	return 0;
}

SEC("perf_event")
int perf_event_prog(void *ctx)
{
	return 0;
}

SEC("cgroup/sock_create")
int cg_sock_create(struct bpf_sock *sk)
{
	return 1;
}

SEC("cgroup/connect4")
int cg_connect4(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("xdp.frags")
int xdp_frags_prog(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
