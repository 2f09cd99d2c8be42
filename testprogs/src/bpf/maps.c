/* SPDX-License-Identifier: Apache-2.0 */
/* Every map kind bpfvm supports, as BTF-defined maps, with map-in-map and prog_array values. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct value {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct value);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 128);
	__type(key, __u64);
	__type(value, __u64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} percpu_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct value);
} percpu_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 64);
	__uint(key_size, 8);
	__uint(value_size, 4);
} lru_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} lru_percpu_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096 * 4);
} ringbuf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 5000);
} ringbuf_odd SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 32);
	__type(value, __u32);
} queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 32);
	__type(value, __u64);
} stack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 256);
	__type(value, __u32);
	__uint(map_extra, 3);
} bloom SEC(".maps");

struct {
	__uint(type, 32); /* BPF_MAP_TYPE_CGRP_STORAGE, newer than some uapi headers */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} cgrp_storage SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct value);
} task_storage SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(map_flags, BPF_F_NUMA_NODE);
	__uint(numa_node, 1);
} pinned SEC(".maps");

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} outer_array SEC(".maps") = {
	.values = { [0] = &inner_a, [2] = &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_HASH);
		__uint(max_entries, 16);
		__type(key, __u32);
		__type(value, __u32);
	});
} outer_hash SEC(".maps");

int tail_a(struct __sk_buff *skb);
int tail_b(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 3);
	__uint(key_size, sizeof(__u32));
	__array(values, int(struct __sk_buff *));
} jumps SEC(".maps") = {
	.values = { [1] = (void *)&tail_b, [0] = (void *)&tail_a },
};

SEC("socket")
int tail_a(struct __sk_buff *skb)
{
	return 1;
}

SEC("socket")
int tail_b(struct __sk_buff *skb)
{
	return 2;
}

SEC("socket")
int use_maps(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 k64 = skb->len;
	struct value *v = bpf_map_lookup_elem(&hash, &key);
	if (v) {
		v->packets++;
		v->bytes += skb->len;
	}
	__u64 *a = bpf_map_lookup_elem(&array, &key);
	if (a)
		__sync_fetch_and_add(a, 1);
	bpf_map_update_elem(&percpu_hash, &k64, &k64, BPF_ANY);
	bpf_map_push_elem(&queue, &key, 0);
	bpf_map_push_elem(&stack, &k64, 0);
	bpf_map_push_elem(&bloom, &key, 0);
	void *inner = bpf_map_lookup_elem(&outer_array, &key);
	if (inner) {
		__u64 *x = bpf_map_lookup_elem(inner, &key);
		if (x)
			*x += 1;
	}
	bpf_ringbuf_output(&ringbuf, &key, sizeof(key), 0);
	bpf_tail_call(skb, &jumps, skb->len & 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
