/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Plain functions in .text, as ubpf/rbpf-style programs are written: no SEC(), no context,
 * r1 = a memory buffer and r2 = its length. libbpf would only link these in as subprograms;
 * `bpfvm run --prog NAME` runs them on their own.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Fletcher-64-style checksum over every byte of the memory. */
__u64 checksum(const __u8 *mem, __u64 len)
{
	__u64 a = 1, b = 0;
	for (__u64 i = 0; i < len; i++) {
		a = (a + mem[i]) % 0xffffffffULL;
		b = (b + a) % 0xffffffffULL;
	}
	return b << 32 | a;
}

static __attribute__((noinline)) int is_prime(__u32 n)
{
	if (n < 2)
		return 0;
	for (__u32 d = 2; d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

/* Primes below the little-endian u32 at the start of the memory (below 1000 without one). */
__u64 count_primes(const __u8 *mem, __u64 len)
{
	__u32 limit = 1000;
	__u64 count = 0;
	if (len >= 4)
		limit = mem[0] | mem[1] << 8 | mem[2] << 16 | (__u32)mem[3] << 24;
	for (__u32 n = 0; n < limit; n++)
		count += is_prime(n);
	return count;
}

static const __u8 nibble_bits[16] = { 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4 };

/* Set bits in the memory, by a table in .rodata. */
__u64 popcount(const __u8 *mem, __u64 len)
{
	__u64 bits = 0;
	for (__u64 i = 0; i < len; i++)
		bits += nibble_bits[mem[i] & 15] + nibble_bits[mem[i] >> 4];
	return bits;
}

/* Runs so far, in a global variable (.data: it starts at 100). */
__u64 calls = 100;

__u64 count_calls(void)
{
	return ++calls;
}

/* Adds the length to the first u64 of the memory and returns it (the memory is not reset between runs). */
__u64 accumulate(__u64 *mem, __u64 len)
{
	*mem += len;
	return *mem;
}

/* Reads the u64 just past the end of the memory: a fault. */
__u64 read_past_end(const __u8 *mem, __u64 len)
{
	return *(const volatile __u64 *)(mem + len);
}

static __attribute__((noinline)) __u64 twice(__u64 x)
{
	return x * 2;
}

/*
 * What bpf_conformance's --elf mode runs: function main of .text (a C main may not have this
 * signature, hence the symbol name given by asm). Returns len * 2 + 1.
 */
__u64 elf_main(const __u8 *mem, __u64 len) __asm__("main");

__u64 elf_main(const __u8 *mem, __u64 len)
{
	return twice(len) + 1;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} runs SEC(".maps");

/* Runs so far, in an array map, plus the length of the memory. */
__u64 count_in_map(const __u8 *mem, __u64 len)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&runs, &key);

	if (!v)
		return 0;
	*v += 1;
	return *v + len;
}
