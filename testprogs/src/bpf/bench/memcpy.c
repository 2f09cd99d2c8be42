/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memcpy: copies the first half of the memory into the second half, 8 bytes at a time while
 * at least 8 are left, then byte by byte; returns the sum of the copied 8-byte words (so the
 * loads cannot be dropped) plus the tail bytes.
 */
#include "bench.h"

__u64 memcpy_bench(__u8 *mem, __u64 len)
{
	__u64 half = len / 2;
	__u8 *dst = mem + half;
	__u64 sum = 0;
	__u64 i = 0;

	for (; i + 8 <= half; i += 8) {
		__u64 w = *(__u64 *)(mem + i);

		*(__u64 *)(dst + i) = w;
		sum += w;
	}
	for (; i < half; i++) {
		dst[i] = mem[i];
		sum += mem[i];
	}
	return sum;
}
