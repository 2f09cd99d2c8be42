/* SPDX-License-Identifier: Apache-2.0 */
/* One program per test-run context kind, each updating a map, for BPF_PROG_TEST_RUN tests. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <asm/ptrace.h>
#include <stddef.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");

/* bytes per IP protocol, counted by the socket filter */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} proto_bytes SEC(".maps");

/* bytes per remote IPv4 address, counted by cgroup_skb */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} peer_bytes SEC(".maps");

/* XDP verdicts per CPU */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} xdp_stats SEC(".maps");

/* tracing arguments as the programs saw them */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

/* Socket filter: LD_ABS, bpf_skb_load_bytes and __sk_buff fields; skb->data is the IP header. */
SEC("socket")
int sock_count(struct __sk_buff *skb)
{
	if (skb->protocol != bpf_htons(ETH_P_IP))
		return 0;
	__u32 proto = load_byte(skb, offsetof(struct iphdr, protocol));
	__u64 *v = bpf_map_lookup_elem(&proto_bytes, &proto);
	if (v)
		__sync_fetch_and_add(v, skb->len);
	__u8 ttl;
	if (bpf_skb_load_bytes(skb, offsetof(struct iphdr, ttl), &ttl, 1))
		return 1;
	skb->cb[0] = proto;
	skb->cb[4] = load_half(skb, sizeof(struct iphdr) + offsetof(struct udphdr, dest));
	return ((__u32)ttl << 16) | (skb->pkt_type << 12) | skb->len;
}

/* tc: direct packet writes, bpf_l3_csum_replace, bpf_skb_store_bytes, mark and priority. */
SEC("tc")
int tc_rewrite(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct udphdr *udp = (void *)ip + sizeof(*ip);
	if ((void *)(udp + 1) > data_end)
		return TC_ACT_UNSPEC;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->protocol != IPPROTO_UDP)
		return TC_ACT_OK;
	__u16 old = *(__u16 *)&ip->ttl;
	ip->ttl--;
	__u16 new = *(__u16 *)&ip->ttl;
	__u16 dport = udp->dest;
	if (bpf_l3_csum_replace(skb, sizeof(*eth) + offsetof(struct iphdr, check), old, new, 2))
		return TC_ACT_SHOT;
	char x = 'X';
	if (bpf_skb_store_bytes(skb, sizeof(*eth) + sizeof(*ip) + sizeof(*udp), &x, 1, 0))
		return TC_ACT_SHOT;
	skb->mark = 0x42;
	skb->priority = 7;
	skb->tc_classid = 0x10001;
	return dport == bpf_htons(53) ? TC_ACT_OK : TC_ACT_SHOT;
}

/* XDP: grow the head by 4 bytes for a tag, shrink the tail by 2, bounce the frame. */
SEC("xdp")
int xdp_tag(struct xdp_md *ctx)
{
	__u32 key = XDP_TX;
	if (bpf_xdp_adjust_head(ctx, -4))
		return XDP_ABORTED;
	if (bpf_xdp_adjust_tail(ctx, -2))
		return XDP_ABORTED;
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	if (data + 4 > data_end)
		return XDP_DROP;
	*(__u32 *)data = bpf_htonl(0xdeadbeef);
	__u64 *v = bpf_map_lookup_elem(&xdp_stats, &key);
	if (v)
		(*v)++;
	return XDP_TX;
}

/* XDP: drop frames with an adjust_head that goes too far (past data_end - ETH_HLEN). */
SEC("xdp")
int xdp_too_far(struct xdp_md *ctx)
{
	long err = bpf_xdp_adjust_head(ctx, 4096);
	return err == -22 ? XDP_PASS : XDP_DROP;
}

/* cgroup_skb: read-only direct access from the IP header, per-peer byte counts. */
SEC("cgroup_skb/ingress")
int cg_ingress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip = data;
	if ((void *)(ip + 1) > data_end)
		return 0;
	if (ip->version != 4)
		return 0;
	__u32 peer = ip->daddr;
	__u64 len = skb->len;
	__u64 *v = bpf_map_lookup_elem(&peer_bytes, &peer);
	if (v)
		__sync_fetch_and_add(v, len);
	else
		bpf_map_update_elem(&peer_bytes, &peer, &len, BPF_NOEXIST);
	return skb->len < 1000 ? 1 : 0;
}

/* fentry: the traced function's arguments from the u64 context. Linux wants fentry and fexit
 * programs to return 0, and a map value must not point into the context: copy first. */
SEC("fentry/cgroup_attach_task")
int fentry_args(unsigned long long *ctx)
{
	__u32 k0 = 0, k1 = 1, k2 = 2;
	__u64 a0 = ctx[0], a1 = ctx[1], a2 = ctx[2];
	bpf_map_update_elem(&seen, &k0, &a0, BPF_ANY);
	bpf_map_update_elem(&seen, &k1, &a1, BPF_ANY);
	bpf_map_update_elem(&seen, &k2, &a2, BPF_ANY);
	return 0;
}

/* fexit: arguments, then the return value after them. */
SEC("fexit/cgroup_attach_task")
int fexit_ret(unsigned long long *ctx)
{
	__u32 k = 7;
	__u64 ret = ctx[3] + 100;
	bpf_map_update_elem(&seen, &k, &ret, BPF_ANY);
	return 0;
}

/* raw tracepoint: struct bpf_raw_tracepoint_args. */
SEC("raw_tp/cgroup_mkdir")
int raw_args(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 k = 3;
	__u64 sum = ctx->args[0] + ctx->args[1];
	bpf_map_update_elem(&seen, &k, &sum, BPF_ANY);
	return ctx->args[1] - ctx->args[0];
}

/* kprobe: pt_regs (x86-64 uapi layout). */
SEC("kprobe/do_sys_openat2")
int kprobe_regs(struct pt_regs *ctx)
{
	__u32 k = 4;
	__u64 di = ctx->rdi;
	bpf_map_update_elem(&seen, &k, &di, BPF_ANY);
	return ctx->rsi + ctx->rdx;
}

/* tracepoint: the record after its 8 bytes of common fields. */
struct mkdir_record {
	__u64 common;
	int root;
	int level;
	__u64 id;
};

SEC("tracepoint/cgroup/cgroup_mkdir")
int tp_record(struct mkdir_record *ctx)
{
	__u32 k = 5;
	__u64 id = ctx->id;
	bpf_map_update_elem(&seen, &k, &id, BPF_ANY);
	return ctx->level;
}

/* syscall: ctx_in is copied in and back out. */
struct syscall_args {
	__u32 in;
	__u32 out;
	__u64 sum;
};

SEC("syscall")
int syscall_ctx(struct syscall_args *a)
{
	a->out = a->in * 3;
	a->sum += a->in;
	__u32 k = 6;
	__u64 v = a->in;
	bpf_map_update_elem(&seen, &k, &v, BPF_ANY);
	return a->in + 1;
}

char LICENSE[] SEC("license") = "GPL";
