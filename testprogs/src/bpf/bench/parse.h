/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One Ethernet frame parsed as the packet-parser benchmarks parse it (parser.c over a capture in
 * the memory, parser_xdp.c over an XDP packet): an optional 802.1Q tag, IPv4 (version, IHL,
 * fragments), TCP or UDP, every header bounds-checked against the frame's end.
 */
#ifndef BPFVM_BENCH_PARSE_H
#define BPFVM_BENCH_PARSE_H

#include "bench.h"

#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_8021Q 0x8100
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

enum frame_kind { FRAME_TCP, FRAME_UDP, FRAME_OTHER, FRAME_BAD };

/*
 * The kind of the frame from p to end. An IPv4 frame parsed to its end also goes into *hash:
 * FNV-1a over its 5-tuple, one 32-bit word at a time (ports 0 for fragments and other protocols).
 */
BENCH_INLINE enum frame_kind parse_frame(const __u8 *p, const __u8 *end, __u32 *hash)
{
	enum frame_kind kind;

	if (p + ETH_HLEN > end)
		return FRAME_BAD;
	__u16 proto = bench_be16(p + 12);
	p += ETH_HLEN;
	if (proto == ETH_P_8021Q) {
		if (p + 4 > end)
			return FRAME_BAD;
		proto = bench_be16(p + 2);
		p += 4;
	}
	if (proto != ETH_P_IP)
		return FRAME_OTHER;
	if (p + 20 > end)
		return FRAME_BAD;
	__u32 ihl = (p[0] & 15) * 4;
	if ((p[0] >> 4) != 4 || ihl < 20 || p + ihl > end)
		return FRAME_BAD;
	__u8 l4 = p[9];
	__u32 saddr = bench_le32(p + 12);
	__u32 daddr = bench_le32(p + 16);
	__u16 frag = bench_be16(p + 6) & 0x1fff;
	p += ihl;
	__u32 ports = 0;
	if (frag != 0) {
		kind = FRAME_OTHER;
	} else if (l4 == IPPROTO_TCP) {
		if (p + 20 > end || (p[12] >> 4) < 5)
			return FRAME_BAD;
		ports = bench_be16(p) << 16 | bench_be16(p + 2);
		kind = FRAME_TCP;
	} else if (l4 == IPPROTO_UDP) {
		if (p + 8 > end)
			return FRAME_BAD;
		ports = bench_be16(p) << 16 | bench_be16(p + 2);
		kind = FRAME_UDP;
	} else {
		kind = FRAME_OTHER;
	}
	__u32 h = *hash;
	h = (h ^ saddr) * 16777619u;
	h = (h ^ daddr) * 16777619u;
	h = (h ^ ports) * 16777619u;
	h = (h ^ l4) * 16777619u;
	*hash = h;
	return kind;
}

#endif
