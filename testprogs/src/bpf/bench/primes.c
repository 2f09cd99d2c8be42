/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prime counting by trial division: the primes below the little-endian u32 at the start of
 * the memory (below 10,000 when the memory is shorter than 4 bytes). Odd divisors only, up to
 * the square root.
 */
#include "bench.h"

__u64 primes(const __u8 *mem, __u64 len)
{
	__u32 limit = 10000;
	__u64 count = 0;

	if (len >= 4)
		limit = bench_le32(mem);
	if (limit > 2)
		count = 1; /* 2 */
	for (__u32 n = 3; n < limit; n += 2) {
		int prime = 1;
		for (__u32 d = 3; d * d <= n; d += 2) {
			if (n % d == 0) {
				prime = 0;
				break;
			}
		}
		count += prime;
	}
	return count;
}
