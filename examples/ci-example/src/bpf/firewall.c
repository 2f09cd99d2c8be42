/* SPDX-License-Identifier: Apache-2.0 */
/* Example XDP firewall: drops IPv4 UDP datagrams to blocked ports, counts verdicts. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* destination ports to drop (host byte order) -> 1 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} blocked_ports SEC(".maps");

/* packets per verdict: 0 = passed, 1 = dropped */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline int verdict(__u32 which, int action)
{
	__u64 *n = bpf_map_lookup_elem(&stats, &which);
	if (n)
		__sync_fetch_and_add(n, 1);
	return action;
}

SEC("xdp")
int firewall(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return verdict(0, XDP_PASS);
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP || ip->ihl != 5)
		return verdict(0, XDP_PASS);
	struct udphdr *udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > end)
		return verdict(0, XDP_PASS);
	__u32 port = bpf_ntohs(udp->dest);
	if (bpf_map_lookup_elem(&blocked_ports, &port))
		return verdict(1, XDP_DROP);
	return verdict(0, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
