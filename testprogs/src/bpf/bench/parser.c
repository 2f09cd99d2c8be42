/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A packet parser over a capture in the memory: records of a little-endian u16 frame length
 * followed by the frame, each parsed by parse_frame (parse.h). Returns the flow hash over the
 * 5-tuples in the top 32 bits and the counts of TCP, UDP, other and malformed frames in the
 * low 32 (8 bits each); a record cut short by the end of the memory is malformed and ends the
 * capture.
 */
#include "parse.h"

__u64 parse_packets(const __u8 *mem, __u64 len)
{
	__u32 hash = 2166136261u;
	__u64 count[4] = {};
	__u64 off = 0;

	while (off + 2 <= len) {
		__u64 flen = mem[off] | (__u64)mem[off + 1] << 8;
		const __u8 *p = mem + off + 2;

		off += 2 + flen;
		if (off > len) {
			count[FRAME_BAD]++;
			break;
		}
		count[parse_frame(p, p + flen, &hash)]++;
	}
	return (__u64)hash << 32 | (count[FRAME_TCP] & 0xff) << 24 | (count[FRAME_UDP] & 0xff) << 16 |
	       (count[FRAME_OTHER] & 0xff) << 8 | (count[FRAME_BAD] & 0xff);
}
