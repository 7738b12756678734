/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Ethernet frames carrying ARP (RFC 826) and ICMP echo over IPv4 without
 * options, built and checked byte by byte, for the selftests that play the
 * host at the far end of a wire to a kernel interface. Offsets count from
 * the first byte of the Ethernet frame; fields are big-endian.
 */
#ifndef _NET_FRAMES_H
#define _NET_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ETH_MIN_FRAME		60
#define ETHERTYPE_IPV4		0x0800
#define ETHERTYPE_ARP		0x0806

/* Offsets in an Ethernet frame */
#define ETH_DST			0
#define ETH_SRC			6
#define ETH_TYPE		12
#define L3			14

/* ARP for IPv4 over Ethernet, from L3 */
#define ARP_LEN			28
#define ARP_HTYPE		(L3 + 0)
#define ARP_PTYPE		(L3 + 2)
#define ARP_HLEN		(L3 + 4)
#define ARP_PLEN		(L3 + 5)
#define ARP_OPER		(L3 + 6)
#define ARP_SHA			(L3 + 8)
#define ARP_SPA			(L3 + 14)
#define ARP_THA			(L3 + 18)
#define ARP_TPA			(L3 + 24)
#define ARP_REQUEST		1
#define ARP_REPLY		2

/* IPv4 without options, then ICMP echo */
#define IP_HLEN			20
#define IP_VER_IHL		(L3 + 0)
#define IP_TOS			(L3 + 1)
#define IP_TOTLEN		(L3 + 2)
#define IP_ID			(L3 + 4)
#define IP_FRAG			(L3 + 6)
#define IP_TTL			(L3 + 8)
#define IP_PROTO		(L3 + 9)
#define IP_CSUM			(L3 + 10)
#define IP_SRC			(L3 + 12)
#define IP_DST			(L3 + 16)
#define IPPROTO_ICMP_NR		1
#define L4			(L3 + IP_HLEN)
#define ICMP_TYPE		(L4 + 0)
#define ICMP_CODE		(L4 + 1)
#define ICMP_CSUM		(L4 + 2)
#define ICMP_ID			(L4 + 4)
#define ICMP_SEQ		(L4 + 6)
#define ICMP_DATA		(L4 + 8)
#define ICMP_ECHO_REPLY_T	0
#define ICMP_ECHO_REQUEST_T	8
#define ICMP_ECHO_ID		0x6d78
#define ICMP_PAYLOAD		56
#define ICMP_FRAME		(ICMP_DATA + ICMP_PAYLOAD)

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline uint16_t get16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

/* The Internet checksum (RFC 1071) of @len bytes at @p. */
static inline uint16_t inet_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* Offset of the first byte where @a and @b differ, or -1. */
static inline long first_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (a[i] != b[i])
			return i;
	return -1;
}

static inline void eth_hdr(uint8_t *f, const uint8_t dst[6],
			   const uint8_t src[6], uint16_t type)
{
	memcpy(f + ETH_DST, dst, 6);
	memcpy(f + ETH_SRC, src, 6);
	put16(f + ETH_TYPE, type);
}

/* An ARP frame, zero-padded to the Ethernet minimum; its length. */
static inline size_t arp_frame(uint8_t *f, uint16_t oper, const uint8_t dst[6],
			       const uint8_t sha[6], const uint8_t spa[4],
			       const uint8_t tha[6], const uint8_t tpa[4])
{
	memset(f, 0, ETH_MIN_FRAME);
	eth_hdr(f, dst, sha, ETHERTYPE_ARP);
	put16(f + ARP_HTYPE, 1);
	put16(f + ARP_PTYPE, ETHERTYPE_IPV4);
	f[ARP_HLEN] = 6;
	f[ARP_PLEN] = 4;
	put16(f + ARP_OPER, oper);
	memcpy(f + ARP_SHA, sha, 6);
	memcpy(f + ARP_SPA, spa, 4);
	memcpy(f + ARP_THA, tha, 6);
	memcpy(f + ARP_TPA, tpa, 4);
	return ETH_MIN_FRAME;
}

/*
 * Echo request number @seq from @src_mac/@src_ip to @dst_mac/@dst_ip, id
 * ICMP_ECHO_ID, ICMP_PAYLOAD bytes of payload that depend on @seq; its
 * length (ICMP_FRAME).
 */
static inline size_t echo_request(uint8_t *f, const uint8_t dst_mac[6],
				  const uint8_t src_mac[6],
				  const uint8_t dst_ip[4],
				  const uint8_t src_ip[4], uint16_t seq)
{
	static const char tag[] = "vhost-mdev echo request";
	unsigned int i;

	memset(f, 0, ICMP_FRAME);
	eth_hdr(f, dst_mac, src_mac, ETHERTYPE_IPV4);
	f[IP_VER_IHL] = 0x45;
	put16(f + IP_TOTLEN, ICMP_FRAME - L3);
	put16(f + IP_ID, 0x1000 + seq);
	f[IP_TTL] = 64;
	f[IP_PROTO] = IPPROTO_ICMP_NR;
	memcpy(f + IP_SRC, src_ip, 4);
	memcpy(f + IP_DST, dst_ip, 4);
	put16(f + IP_CSUM, inet_csum(f + L3, IP_HLEN));

	f[ICMP_TYPE] = ICMP_ECHO_REQUEST_T;
	put16(f + ICMP_ID, ICMP_ECHO_ID);
	put16(f + ICMP_SEQ, seq);
	memcpy(f + ICMP_DATA, tag, sizeof(tag));
	for (i = sizeof(tag); i < ICMP_PAYLOAD; i++)
		f[ICMP_DATA + i] = (uint8_t)(i * 7 + seq);
	put16(f + ICMP_CSUM, inet_csum(f + L4, ICMP_FRAME - L4));
	return ICMP_FRAME;
}

static inline bool is_arp(const uint8_t *f, int len, uint16_t oper)
{
	return len >= L3 + ARP_LEN && get16(f + ETH_TYPE) == ETHERTYPE_ARP &&
	       get16(f + ARP_OPER) == oper;
}

static inline bool is_arp_reply(const uint8_t *f, int len)
{
	return is_arp(f, len, ARP_REPLY);
}

static inline bool is_echo_reply(const uint8_t *f, int len)
{
	return len >= ICMP_DATA && get16(f + ETH_TYPE) == ETHERTYPE_IPV4 &&
	       f[IP_PROTO] == IPPROTO_ICMP_NR &&
	       f[ICMP_TYPE] == ICMP_ECHO_REPLY_T;
}

#endif /* _NET_FRAMES_H */
