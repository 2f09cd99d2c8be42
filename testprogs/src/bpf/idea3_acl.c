/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seed Idea III: a per-user, per-command ACL for bpf(). An lsm/bpf program (security_bpf:
 * cmd, attr, size) runs before every bpf() command; non-root callers are allowed a command
 * only if bpf_acl has {uid, cmd} -> 1, else -EPERM. The capability checks still apply after
 * it (the baseline is a CAP_BPF-holding user or a token; the ACL narrows what it may do).
 */
#include <linux/bpf.h>
#include "bpfvm_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define EPERM 1

char _license[] SEC("license") = "GPL";

struct acl_key {
	__u32 uid;
	__u32 cmd;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct acl_key);
	__type(value, __u32);
} bpf_acl SEC(".maps");

/*
 * security_bpf(int cmd, union bpf_attr *attr, unsigned int size): written without BPF_PROG so
 * that the result is a 64-bit value in [-MAX_ERRNO, 0], which the verifier requires of an
 * int LSM hook (a 32-bit -EPERM would read as 0xffffffff).
 */
SEC("lsm/bpf")
long acl(unsigned long long *ctx)
{
	struct acl_key k = { .uid = (__u32)bpf_get_current_uid_gid(), .cmd = (__u32)ctx[0] };
	__u32 *allow;

	if (k.uid == 0)
		return 0;
	allow = bpf_map_lookup_elem(&bpf_acl, &k);
	if (allow && *allow)
		return 0;
	return -EPERM;
}
