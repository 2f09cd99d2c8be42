/* SPDX-License-Identifier: Apache-2.0 */
/*
 * strcmp of the two halves of the memory, byte by byte until they differ or end in NUL (or
 * the half ends); returns the difference of the first differing bytes as a signed value.
 */
#include "bench.h"

__s64 strcmp_bench(const __u8 *mem, __u64 len)
{
	__u64 half = len / 2;
	const __u8 *a = mem;
	const __u8 *b = mem + half;

	for (__u64 i = 0; i < half; i++) {
		__u8 x = a[i];
		__u8 y = b[i];

		if (x != y)
			return (__s64)x - y;
		if (x == 0)
			return 0;
	}
	return 0;
}
