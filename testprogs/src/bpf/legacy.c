/* SPDX-License-Identifier: Apache-2.0 */
/* Legacy map definitions in the "maps" section, compiled without -g (no BTF). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") legacy_counts = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 8,
};

struct bpf_map_def SEC("maps") legacy_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 128,
	.map_flags = BPF_F_NO_PREALLOC,
};

__u32 legacy_global = 5;

SEC("socket")
int legacy_prog(struct __sk_buff *skb)
{
	__u32 key = skb->len & 7;
	__u64 *v = bpf_map_lookup_elem(&legacy_counts, &key);
	if (v)
		*v += legacy_global;
	bpf_map_update_elem(&legacy_hash, &key, &key, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
__u32 _version SEC("version") = 0x060c00;
