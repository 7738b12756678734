/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host at the far end of a wire: a vhost-personality device driven
 * with libvmdev speaks raw Ethernet (net_frames.h) to a kernel network
 * interface with an IPv4 address, which answers its ARP and ICMP echo
 * requests. Shared by virtio_mdev/mixed.c (two linked mvnet devices) and
 * vmdev_vf/hw_vhost.c (two PCI functions on one wire).
 *
 * Include kselftest_harness.h first.
 */
#ifndef _NET_PEER_H
#define _NET_PEER_H

#include <glob.h>
#include <stdarg.h>
#include <time.h>
#include <net/if.h>

#include "net_frames.h"
#include "vhost_mdev/vhost_mdev_test.h"

#define VIRTIO_NET_MODULE	"virtio_net"
#define VIRTIO_MDEV_MODULE	"virtio_mdev"
#define SYSFS_NET		"/sys/class/net"
#define FRAME_BUF		2048

/**
 * struct net_peer - our end of the wire
 * @dev: the vhost-personality device, started
 * @mac: our MAC address
 * @ip: our IPv4 address
 * @if_mac: the kernel interface's MAC address
 * @if_ip: the kernel interface's IPv4 address
 * @buf: the last frame received
 * @want: the frame a reply is checked against
 */
struct net_peer {
	struct vmdev *dev;
	uint8_t mac[6];
	uint8_t ip[4];
	uint8_t if_mac[6];
	uint8_t if_ip[4];
	uint8_t buf[FRAME_BUF];
	uint8_t want[FRAME_BUF];
};

/* Send one frame from the vhost side and wait until it left; 0 or -errno. */
static inline int send_frame(struct vmdev *dev, const void *data, size_t len)
{
	struct vmdev_frame f = { .data = (void *)data, .len = len };
	int ret;

	ret = vmdev_net_send(dev, 0, &f, 1);
	if (ret != 1)
		return ret < 0 ? ret : -ENOSPC;
	return vmdev_net_tx_done(dev, 0, WAIT_MS);
}

/*
 * Answer the kernel when it asks who has our address (its neighbour entry
 * for us may need confirming while we wait); 0 or -errno.
 */
static inline int answer_arp(struct net_peer *p, const uint8_t *f, int len)
{
	uint8_t reply[ETH_MIN_FRAME];

	if (!is_arp(f, len, ARP_REQUEST) || memcmp(f + ARP_TPA, p->ip, 4))
		return 0;
	arp_frame(reply, ARP_REPLY, f + ARP_SHA, p->mac, p->ip,
		  f + ARP_SHA, f + ARP_SPA);
	return send_frame(p->dev, reply, sizeof(reply));
}

/*
 * Receive on the vhost side until a frame that @match accepts arrives
 * within @timeout_ms, skipping what else the kernel sends (IPv6 neighbour
 * discovery, MLD reports) and answering its ARP requests for us. Returns
 * the frame's length in p->buf, 0 on timeout, or -errno.
 */
static inline int wait_frame(struct net_peer *p,
			     bool (*match)(const uint8_t *f, int len),
			     int timeout_ms)
{
	struct timespec start, now;
	int left = timeout_ms, len, ret;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (left > 0) {
		len = recv_one(p->dev, 0, p->buf, sizeof(p->buf), left);
		if (len < 0)
			return len;
		if (len > (int)sizeof(p->buf))
			return -EMSGSIZE;
		if (len && match(p->buf, len))
			return len;
		ret = answer_arp(p, p->buf, len);
		if (ret)
			return ret;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = timeout_ms - ((now.tv_sec - start.tv_sec) * 1000 +
				     (now.tv_nsec - start.tv_nsec) / 1000000);
	}
	return 0;
}

/* Our echo request number @seq to the interface, in @f; its length. */
static inline size_t peer_echo_request(struct net_peer *p, uint8_t *f,
				       uint16_t seq)
{
	return echo_request(f, p->if_mac, p->mac, p->if_ip, p->ip, seq);
}

/* Ask who has the interface's address: 0 or -errno. */
static inline int send_arp_request(struct net_peer *p)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];
	uint8_t f[ETH_MIN_FRAME];

	arp_frame(f, ARP_REQUEST, bcast, p->mac, p->ip, zero, p->if_ip);
	return send_frame(p->dev, f, sizeof(f));
}

/* Ask who has the interface's address; expect its reply, byte for byte. */
static inline void arp_exchange(struct __test_metadata *_metadata,
				struct net_peer *p)
{
	long diff;
	int len;

	ASSERT_EQ(0, send_arp_request(p));
	len = wait_frame(p, is_arp_reply, WAIT_MS);
	ASSERT_LE(L3 + ARP_LEN, len) TH_LOG("no ARP reply: %d", len);
	arp_frame(p->want, ARP_REPLY, p->mac, p->if_mac, p->if_ip, p->mac,
		  p->ip);
	diff = first_diff(p->buf, p->want, L3 + ARP_LEN);
	ASSERT_EQ(-1, diff)
		TH_LOG("ARP reply byte %ld is 0x%02x, not 0x%02x", diff,
		       p->buf[diff], p->want[diff]);
}

/*
 * Send echo request @seq; expect its reply: Ethernet header, IP version,
 * length, protocol and addresses, both checksums, ICMP id, sequence and
 * payload, byte for byte.
 */
static inline void ping(struct __test_metadata *_metadata, struct net_peer *p,
			uint16_t seq)
{
	size_t len = peer_echo_request(p, p->want, seq);
	uint8_t eth[L3];
	long diff;
	int n;

	ASSERT_EQ(0, send_frame(p->dev, p->want, len));
	n = wait_frame(p, is_echo_reply, WAIT_MS);
	ASSERT_EQ((int)len, n) TH_LOG("echo reply %u: %d bytes", seq, n);

	eth_hdr(eth, p->mac, p->if_mac, ETHERTYPE_IPV4);
	diff = first_diff(p->buf, eth, sizeof(eth));
	ASSERT_EQ(-1, diff) TH_LOG("Ethernet header byte %ld", diff);
	ASSERT_EQ(0x45, p->buf[IP_VER_IHL]);
	ASSERT_EQ(len - L3, get16(p->buf + IP_TOTLEN));
	ASSERT_EQ(IPPROTO_ICMP_NR, p->buf[IP_PROTO]);
	ASSERT_EQ(0, (p->buf[IP_FRAG] & 0x3f) | p->buf[IP_FRAG + 1])
		TH_LOG("a fragment");
	ASSERT_EQ(-1, first_diff(p->buf + IP_SRC, p->if_ip, 4));
	ASSERT_EQ(-1, first_diff(p->buf + IP_DST, p->ip, 4));
	ASSERT_EQ(0, inet_csum(p->buf + L3, IP_HLEN))
		TH_LOG("bad IP header checksum 0x%04x",
		       get16(p->buf + IP_CSUM));

	ASSERT_EQ(ICMP_ECHO_REPLY_T, p->buf[ICMP_TYPE]);
	ASSERT_EQ(0, p->buf[ICMP_CODE]);
	ASSERT_EQ(0, inet_csum(p->buf + L4, len - L4))
		TH_LOG("bad ICMP checksum 0x%04x",
		       get16(p->buf + ICMP_CSUM));
	ASSERT_EQ(ICMP_ECHO_ID, get16(p->buf + ICMP_ID));
	ASSERT_EQ(seq, get16(p->buf + ICMP_SEQ));
	diff = first_diff(p->buf + ICMP_DATA, p->want + ICMP_DATA,
			  ICMP_PAYLOAD);
	ASSERT_EQ(-1, diff) TH_LOG("echo payload byte %ld", diff);
}

/* Run an iproute2 command line; 0 if it exited with status 0. */
static inline int ip_cmd(const char *fmt, ...)
{
	char cmd[PATH_BUF];
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(NULL);
	status = system(cmd);
	if (status < 0)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

/*
 * The network interface of a virtio device that hangs off the device
 * directory @dir, found as @dir/virtio<N>/net/<name>; virtio_net may still
 * be probing, so poll. 0 or -ENOENT.
 */
static inline int find_iface(const char *dir, char *name)
{
	char pattern[PATH_BUF + 16];
	const char *base;
	glob_t g;
	int i, ret = -ENOENT;

	snprintf(pattern, sizeof(pattern), "%s/virtio*/net/*", dir);
	for (i = 0; ret && i < WAIT_MS / 100; i++) {
		if (i)
			usleep(100000);
		if (!glob(pattern, 0, NULL, &g)) {
			base = strrchr(g.gl_pathv[0], '/') + 1;
			if (strlen(base) < IF_NAMESIZE) {
				strcpy(name, base);
				ret = 0;
			}
		}
		globfree(&g);
	}
	return ret;
}

/* Wait until /sys/class/net/@ifname/@attr reads @val; true if in time. */
static inline bool wait_netattr(const char *ifname, const char *attr,
				const char *val)
{
	char path[PATH_BUF], buf[VAL_BUF];
	int i;

	snprintf(path, sizeof(path), SYSFS_NET "/%s/%s", ifname, attr);
	for (i = 0; i <= WAIT_MS / 50; i++) {
		if (read_str(path, buf, sizeof(buf)) >= 0 && !strcmp(buf, val))
			return true;
		usleep(50000);
	}
	return false;
}

/*
 * Wait until the interface's carrier is @up and the kernel has acted on
 * it. The carrier bit flips first; the link watcher attaches (or detaches)
 * the transmit qdiscs later, from a work item, and sets the operational
 * state in the same step. A reply sent in between is dropped.
 */
static inline bool wait_link(const char *ifname, bool up)
{
	return wait_netattr(ifname, "carrier", up ? "1" : "0") &&
	       wait_netattr(ifname, "operstate", up ? "up" : "down");
}

/*
 * Read the interface's MAC into p->if_mac, give it @addr (CIDR notation)
 * and bring it up.
 */
static inline void iface_up(struct __test_metadata *_metadata,
			    struct net_peer *p, const char *ifname,
			    const char *addr)
{
	char path[PATH_BUF], val[VAL_BUF];

	snprintf(path, sizeof(path), SYSFS_NET "/%s/address", ifname);
	ASSERT_LT(0, read_str(path, val, sizeof(val)));
	ASSERT_EQ(0, vmdev_parse_mac(val, p->if_mac));
	ASSERT_EQ(0, ip_cmd("ip addr add %s dev %s", addr, ifname));
	ASSERT_EQ(0, ip_cmd("ip link set %s up", ifname));
	ASSERT_TRUE(wait_link(ifname, true));
}

/*
 * Load virtio_net and virtio_mdev; *@loaded_here says whether virtio_net
 * was loaded by this call (the caller unloads it again: bound, it makes
 * the attributes of the virtio devices other tests create read-only).
 * 0 or -errno, with nothing left loaded here on failure.
 */
static inline int load_virtio_net(bool *loaded_here)
{
	int ret;

	*loaded_here = !module_loaded(VIRTIO_NET_MODULE);
	ret = module_load(VIRTIO_NET_MODULE, NULL);
	if (!ret)
		ret = module_load(VIRTIO_MDEV_MODULE, NULL);
	if (ret && *loaded_here) {
		module_unload(VIRTIO_NET_MODULE);
		*loaded_here = false;
	}
	return ret;
}

#endif /* _NET_PEER_H */
