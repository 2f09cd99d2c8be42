/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Switch dispatch: a tiny byte-code machine. Each memory byte is an instruction: its low 4
 * bits the operation (16 cases, which clang lowers to a tree of compares: BPF has no indirect
 * jumps), its high 4 bits an operand. Returns the accumulator.
 */
#include "bench.h"

__u64 switch_dispatch(const __u8 *mem, __u64 len)
{
	__u64 acc = 0x9e3779b97f4a7c15ULL;
	__u64 x = 1;

	for (__u64 i = 0; i < len; i++) {
		__u8 insn = mem[i];
		__u64 arg = insn >> 4;

		switch (insn & 15) {
		case 0: acc += arg; break;
		case 1: acc -= arg; break;
		case 2: acc ^= arg << 7; break;
		case 3: acc = acc * 3 + 1; break;
		case 4: acc = acc >> 1 | acc << 63; break;
		case 5: acc = acc << 3 | acc >> 61; break;
		case 6: x += acc & 0xff; break;
		case 7: x ^= acc; break;
		case 8: acc += x; break;
		case 9: acc |= arg; break;
		case 10: acc &= ~(arg << 3); break;
		case 11: x = x * 5 + arg; break;
		case 12: acc += i; break;
		case 13: acc ^= acc >> 17; break;
		case 14: x -= arg << 1; break;
		default: acc = ~acc; break;
		}
	}
	return acc ^ x;
}
