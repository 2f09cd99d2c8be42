/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The packet parser of parser.c as a proper XDP program (one the verifier accepts, Linux's
 * too): parses the packet with parse_frame (parse.h), counts its kind and chains the flow
 * hash in an array map, drops malformed frames. For `bpfvm test-run --repeat N` (per-packet
 * cost) and the verifier; parser.c is the compute-bound one.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "parse.h"

/* 0-3: frames per enum frame_kind; 4: the flow hash */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 5);
	__type(key, __u32);
	__type(value, __u64);
} parser_stats SEC(".maps");

SEC("xdp")
int parse_xdp(struct xdp_md *ctx)
{
	const __u8 *p = (const __u8 *)(long)ctx->data;
	const __u8 *end = (const __u8 *)(long)ctx->data_end;
	__u32 key = 4;
	__u64 *h = bpf_map_lookup_elem(&parser_stats, &key);

	if (!h)
		return XDP_ABORTED;
	__u32 hash = *h;
	key = parse_frame(p, end, &hash);
	*h = hash;
	__u64 *count = bpf_map_lookup_elem(&parser_stats, &key);
	if (count)
		*count += 1;
	return key == FRAME_BAD ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "Apache-2.0";
