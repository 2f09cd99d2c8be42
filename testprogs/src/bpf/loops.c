/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loops the verifier proves bounded without unrolling: open-coded iterators (bpf_iter_num,
 * bpf_iter_bits) and may_goto, through macros written here in the style of the kernel's
 * bpf_experimental.h. Syscall programs, so BPF_PROG_TEST_RUN returns their results.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_iter_num {
	__u64 __opaque[1];
} __attribute__((aligned(8)));

struct bpf_iter_bits {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;
extern int bpf_iter_bits_new(struct bpf_iter_bits *it, const __u64 *unsafe_ptr__ign, __u32 nr_words) __ksym;
extern int *bpf_iter_bits_next(struct bpf_iter_bits *it) __ksym;
extern void bpf_iter_bits_destroy(struct bpf_iter_bits *it) __ksym;

/* for (i = start; i < end; i++) over an iterator; the range check gives the verifier i's bounds */
#define for_range(i, start, end)                                                          \
	for (struct bpf_iter_num it_ __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))), \
	     *once_ __attribute__((unused)) =                                              \
		     (bpf_iter_num_new(&it_, (start), (end)), (void)bpf_iter_num_destroy, (void *)0); \
	     ({ int *p_ = bpf_iter_num_next(&it_); p_ && ((i) = *p_, (i) >= (start) && (i) < (end)); });)

/* runs the body n times */
#define times(n)                                                                           \
	for (struct bpf_iter_num it_ __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))), \
	     *once_ __attribute__((unused)) =                                              \
		     (bpf_iter_num_new(&it_, 0, (n)), (void)bpf_iter_num_destroy, (void *)0);    \
	     bpf_iter_num_next(&it_);)

/* for each set bit of nwords words at p: bit is an int * to its index */
#define for_bits(bit, p, nwords)                                                          \
	for (struct bpf_iter_bits it_ __attribute__((aligned(8), cleanup(bpf_iter_bits_destroy))), \
	     *once_ __attribute__((unused)) =                                              \
		     (bpf_iter_bits_new(&it_, (p), (nwords)), (void)bpf_iter_bits_destroy, (void *)0); \
	     ((bit) = bpf_iter_bits_next(&it_));)

/* leaves the loop once the may_goto budget of this call is spent */
#define budget_break                                                                        \
	({                                                                                  \
		__label__ out_, on_;                                                        \
		asm volatile goto("may_goto %l[out_]" :::: out_);                           \
		goto on_;                                                                   \
	out_:                                                                               \
		break;                                                                      \
	on_:;                                                                               \
	})

char _license[] SEC("license") = "GPL";

int table[32];

SEC("syscall")
int sum_range(void *ctx)
{
	int i, sum = 0;

	for_range(i, 0, 32)
		sum += table[i] + i;
	return sum;
}

SEC("syscall")
int count_times(void *ctx)
{
	int n = 0;

	times(7)
		n++;
	return n;
}

SEC("syscall")
int sum_bits(void *ctx)
{
	__u64 words[2] = {0xa5, 8};
	int sum = 0, *bit;

	for_bits(bit, words, 2)
		sum += *bit;
	return sum;
}

SEC("syscall")
int until_budget(void *ctx)
{
	int n = 0;

	for (;;) {
		n++;
		budget_break;
	}
	return n;
}

SEC("syscall")
int bounded_scan(void *ctx)
{
	int i = 0, found = -1;

	while (i < 1000) {
		if (table[i & 31] == 3) {
			found = i;
			break;
		}
		i++;
		budget_break;
	}
	return found;
}
