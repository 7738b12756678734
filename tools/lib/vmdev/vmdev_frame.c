// SPDX-License-Identifier: GPL-2.0-only
/*
 * libvmdev: MAC parsing and test frames with a checkable pattern.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "vmdev_internal.h"

#define VMDEV_TEST_ETHERTYPE	0x88b5
#define VMDEV_SEQ_OFF		VMDEV_ETH_HLEN
#define VMDEV_PAYLOAD_OFF	(VMDEV_SEQ_OFF + 4)

int vmdev_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char end;
	int i;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
		   &b[3], &b[4], &b[5], &end) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

static uint8_t vmdev_pattern(uint32_t seq, size_t off)
{
	return (uint8_t)(seq * 31 + off * 7 + (off >> 8));
}

void vmdev_fill_frame(void *buf, size_t len, const uint8_t dst[6],
		      const uint8_t src[6], uint32_t seq)
{
	uint8_t *p = buf;
	uint16_t type = htons(VMDEV_TEST_ETHERTYPE);
	uint32_t nseq = htonl(seq);
	size_t i;

	if (len < VMDEV_ETH_HLEN)
		return;
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	memcpy(p + 12, &type, 2);
	for (i = VMDEV_SEQ_OFF; i < len && i < VMDEV_PAYLOAD_OFF; i++)
		p[i] = ((uint8_t *)&nseq)[i - VMDEV_SEQ_OFF];
	for (i = VMDEV_PAYLOAD_OFF; i < len; i++)
		p[i] = vmdev_pattern(seq, i);
}

long vmdev_check_frame(const void *buf, size_t len, uint32_t *seq)
{
	const uint8_t *p = buf;
	uint32_t nseq;
	uint16_t type;
	size_t i;

	if (len < VMDEV_PAYLOAD_OFF)
		return 0;
	memcpy(&type, p + 12, 2);
	if (ntohs(type) != VMDEV_TEST_ETHERTYPE)
		return 12;
	memcpy(&nseq, p + VMDEV_SEQ_OFF, 4);
	nseq = ntohl(nseq);
	if (seq)
		*seq = nseq;
	for (i = VMDEV_PAYLOAD_OFF; i < len; i++)
		if (p[i] != vmdev_pattern(nseq, i))
			return i;
	return -1;
}
