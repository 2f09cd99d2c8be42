/* SPDX-License-Identifier: Apache-2.0 */
/* Global variables in every data section kind, strings and bpf_printk. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct pair {
	__u32 a;
	__u64 b;
};

int counter = 42;                                   /* .data */
struct pair pair = { .a = 1, .b = 0x1122334455667788ULL };
const volatile __u32 threshold = 1000;              /* .rodata */
const volatile char greeting[8] = "hi bpf";
__u64 hits;                                         /* .bss */
__u64 hist[4];
static __u32 calls;                                 /* .bss, static */
__u32 custom_counter SEC(".data.counters") = 7;     /* .data.counters */
const volatile __u16 custom_limit SEC(".rodata.limits") = 512;
__u8 scratch[16] SEC(".bss.scratch");               /* .bss.scratch (NOBITS) */

SEC("socket")
int use_globals(struct __sk_buff *skb)
{
	calls++;
	hits += skb->len;
	if (skb->len > threshold)
		hist[3]++;
	else
		hist[skb->len & 3]++;
	counter += pair.a;
	custom_counter++;
	scratch[skb->len & 15] = greeting[1];
	bpf_printk("len %u limit %u", skb->len, custom_limit);
	return counter;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
