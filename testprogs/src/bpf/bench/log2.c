/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Integer log2 over an array: the memory is an array of little-endian u64 values; returns the
 * sum of floor(log2(v)) over the non-zero ones, each found by halving shifts (32, 16, 8, 4, 2,
 * 1), plus the count of zeros times 64.
 */
#include "bench.h"

BENCH_INLINE __u64 log2_u64(__u64 v)
{
	__u64 r = 0;

	if (v >> 32) {
		v >>= 32;
		r += 32;
	}
	if (v >> 16) {
		v >>= 16;
		r += 16;
	}
	if (v >> 8) {
		v >>= 8;
		r += 8;
	}
	if (v >> 4) {
		v >>= 4;
		r += 4;
	}
	if (v >> 2) {
		v >>= 2;
		r += 2;
	}
	if (v >> 1)
		r += 1;
	return r;
}

__u64 log2_array(const __u64 *mem, __u64 len)
{
	__u64 sum = 0;

	for (__u64 i = 0; i < len / 8; i++) {
		__u64 v = mem[i];

		sum += v ? log2_u64(v) : 64;
	}
	return sum;
}
