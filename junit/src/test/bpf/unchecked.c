/* SPDX-License-Identifier: Apache-2.0 */
/* Test program of the JUnit extension: a program Linux rejects. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

/*
 * It is alone in its object because the loader verifies every program of an object,
 * as Linux does: counter.o must stay loadable. Its lines match where it stood before.
 *
 *
 *
 *
 *
 *
 *
 *
 *
 *
 *
 *
 *
 */
/* Rejected: the map value is used without the null check. */
SEC("xdp")
int count_unchecked(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&counts, &key);
	*v += 1;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
