/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A packet parser over a capture in the memory: records of a little-endian u16 frame length
 * followed by the frame. Each frame is parsed as Ethernet (an optional 802.1Q tag), IPv4
 * (version, IHL, fragments) and TCP or UDP, every header bounds-checked against the frame's
 * end. Returns a flow hash over the 5-tuples in the top 32 bits and the counts of TCP, UDP,
 * other and malformed frames in the low 32 (8 bits each).
 */
#include "bench.h"

#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_8021Q 0x8100
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

__u64 parse_packets(const __u8 *mem, __u64 len)
{
	__u32 hash = 2166136261u;
	__u64 tcp = 0, udp = 0, other = 0, bad = 0;
	__u64 off = 0;

	while (off + 2 <= len) {
		__u64 flen = mem[off] | (__u64)mem[off + 1] << 8;
		const __u8 *p = mem + off + 2;
		const __u8 *end = p + flen;

		off += 2 + flen;
		if (off > len) {
			bad++;
			break;
		}
		if (p + ETH_HLEN > end) {
			bad++;
			continue;
		}
		__u16 proto = bench_be16(p + 12);
		p += ETH_HLEN;
		if (proto == ETH_P_8021Q) {
			if (p + 4 > end) {
				bad++;
				continue;
			}
			proto = bench_be16(p + 2);
			p += 4;
		}
		if (proto != ETH_P_IP) {
			other++;
			continue;
		}
		if (p + 20 > end) {
			bad++;
			continue;
		}
		__u32 ihl = (p[0] & 15) * 4;
		if ((p[0] >> 4) != 4 || ihl < 20 || p + ihl > end) {
			bad++;
			continue;
		}
		__u8 l4 = p[9];
		__u32 saddr = bench_le32(p + 12);
		__u32 daddr = bench_le32(p + 16);
		__u16 frag = bench_be16(p + 6) & 0x1fff;
		p += ihl;
		__u32 ports = 0;
		if (frag != 0) {
			other++;
		} else if (l4 == IPPROTO_TCP) {
			if (p + 20 > end || (p[12] >> 4) < 5) {
				bad++;
				continue;
			}
			ports = bench_be16(p) << 16 | bench_be16(p + 2);
			tcp++;
		} else if (l4 == IPPROTO_UDP) {
			if (p + 8 > end) {
				bad++;
				continue;
			}
			ports = bench_be16(p) << 16 | bench_be16(p + 2);
			udp++;
		} else {
			other++;
		}
		/* FNV-1a over the 5-tuple, one 32-bit word at a time */
		hash = (hash ^ saddr) * 16777619u;
		hash = (hash ^ daddr) * 16777619u;
		hash = (hash ^ ports) * 16777619u;
		hash = (hash ^ l4) * 16777619u;
	}
	return (__u64)hash << 32 | (tcp & 0xff) << 24 | (udp & 0xff) << 16 | (other & 0xff) << 8 | (bad & 0xff);
}
