/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Map lookups in a loop: a histogram of the memory's bytes in an array map of 256 counters,
 * one bpf_map_lookup_elem per byte. Returns the sum of the counters after each increment (so
 * it grows from run to run: the map keeps its contents).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bench.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} histogram SEC(".maps");

__u64 map_lookups(const __u8 *mem, __u64 len)
{
	__u64 sum = 0;

	for (__u64 i = 0; i < len; i++) {
		__u32 key = mem[i];
		__u64 *count = bpf_map_lookup_elem(&histogram, &key);

		if (count) {
			*count += 1;
			sum += *count;
		}
	}
	return sum;
}
