/* SPDX-License-Identifier: Apache-2.0 */
/* Static and global subprograms, BPF-to-BPF calls, bounded loops and bpf_loop callbacks. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct loop_ctx {
	__u64 sum;
	__u32 limit;
};

static __attribute__((noinline)) __u64 square(__u64 x)
{
	return x * x;
}

static __attribute__((noinline)) __u64 sum_squares(__u32 n)
{
	__u64 s = 0;
	for (__u32 i = 1; i <= n && i < 64; i++)
		s += square(i);
	return s;
}

__attribute__((noinline)) int global_add(int a, int b)
{
	return a + b;
}

static int loop_body(__u32 idx, struct loop_ctx *c)
{
	if (idx >= c->limit)
		return 1;
	c->sum += square(idx);
	return 0;
}

SEC("socket")
int calls_main(struct __sk_buff *skb)
{
	__u64 s = sum_squares(skb->len & 15);
	return global_add((int)s, 1);
}

SEC("syscall")
int calls_loop(void *ctx)
{
	struct loop_ctx c = { .sum = 0, .limit = 10 };
	bpf_loop(100, loop_body, &c, 0);
	return global_add((int)c.sum, 0);
}

char LICENSE[] SEC("license") = "GPL";
