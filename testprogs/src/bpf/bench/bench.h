/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every benchmark program shares. Each program is one global function in .text taking
 * r1 = a memory buffer and r2 = its length and returning a u64, as ubpf-style runtimes run
 * programs (`bpfvm run FILE.o --mem-in FILE.mem`): no context, no helpers but
 * bpf_map_lookup_elem (maplookup.c), no global data, everything else inlined.
 */
#ifndef BPFVM_BENCH_H
#define BPFVM_BENCH_H

#include <linux/types.h>

#define BENCH_INLINE static inline __attribute__((always_inline))

/* a little-endian u32 at p */
BENCH_INLINE __u32 bench_le32(const __u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (__u32)p[3] << 24;
}

/* a big-endian (network order) u16 at p */
BENCH_INLINE __u16 bench_be16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

#endif
