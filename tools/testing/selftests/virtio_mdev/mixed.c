// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mixed personalities: an mvnet-vhost device linked as peer to an
 * mvnet-virtio one. The virtio device is a kernel network interface with
 * an IPv4 address; this test is the host at the other end of the cable,
 * speaking raw Ethernet through the vhost device with libvmdev. The
 * kernel answers our ARP request and our ICMP echo request; with the
 * mvnet link down, or the interface down, it answers nothing, and it
 * answers again once both are back up.
 */
#include <glob.h>
#include <stdarg.h>
#include <time.h>
#include <net/if.h>

#include "kselftest_harness.h"
#include "../vhost_mdev/vhost_mdev_test.h"

#define VIRTIO_NET_MODULE	"virtio_net"
#define VIRTIO_MDEV_MODULE	"virtio_mdev"
#define SYSFS_NET		"/sys/class/net"

/* Addresses private to the test VM: no real network is involved. */
#define IF_ADDR			"10.99.0.1"
#define IF_PREFIX		"/24"
static const uint8_t if_ip[4] = { 10, 99, 0, 1 };
static const uint8_t our_ip[4] = { 10, 99, 0, 2 };
static const uint8_t our_mac[6] = { 0x02, 0x00, 0x00, 0x6d, 0x69, 0x78 };
#define OUR_MAC			"02:00:00:6d:69:78"

/* A reply that should not come gets this long to come anyway. */
#define NO_REPLY_MS		1500

#define ETH_MIN_FRAME		60
#define ETHERTYPE_IPV4		0x0800
#define ETHERTYPE_ARP		0x0806

/* Offsets in an Ethernet frame */
#define ETH_DST			0
#define ETH_SRC			6
#define ETH_TYPE		12
#define L3			VMDEV_ETH_HLEN

/* ARP for IPv4 over Ethernet (RFC 826), from L3 */
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

#define FRAME_BUF		2048

/* Everything a test builds, for the helpers and the teardown. */
struct mixed {
	char vhost[UUID_BUF];
	char virtio[UUID_BUF];
	char ifname[IF_NAMESIZE];
	bool vnet_loaded_here;
	struct vmdev *dev;
	uint8_t if_mac[6];
	uint8_t buf[FRAME_BUF];
	uint8_t want[FRAME_BUF];
};

FIXTURE(mixed) {
	struct mixed m;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static uint16_t get16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

/* The Internet checksum (RFC 1071) of @len bytes at @p. */
static uint16_t inet_csum(const uint8_t *p, size_t len)
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
static long first_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (a[i] != b[i])
			return i;
	return -1;
}

static void eth_hdr(uint8_t *f, const uint8_t dst[6], const uint8_t src[6],
		    uint16_t type)
{
	memcpy(f + ETH_DST, dst, 6);
	memcpy(f + ETH_SRC, src, 6);
	put16(f + ETH_TYPE, type);
}

/* An ARP frame, zero-padded to the Ethernet minimum; its length. */
static size_t arp_frame(uint8_t *f, uint16_t oper, const uint8_t dst[6],
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

/* Our echo request number @seq to the interface; its length. */
static size_t echo_request(uint8_t *f, const uint8_t if_mac[6], uint16_t seq)
{
	static const char tag[] = "vhost-mdev mixed personalities";
	unsigned int i;

	memset(f, 0, ICMP_FRAME);
	eth_hdr(f, if_mac, our_mac, ETHERTYPE_IPV4);
	f[IP_VER_IHL] = 0x45;
	put16(f + IP_TOTLEN, ICMP_FRAME - L3);
	put16(f + IP_ID, 0x1000 + seq);
	f[IP_TTL] = 64;
	f[IP_PROTO] = IPPROTO_ICMP_NR;
	memcpy(f + IP_SRC, our_ip, 4);
	memcpy(f + IP_DST, if_ip, 4);
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

/* Send one frame from the vhost side and wait until it left; 0 or -errno. */
static int send_frame(struct vmdev *dev, const void *data, size_t len)
{
	struct vmdev_frame f = { .data = (void *)data, .len = len };
	int ret;

	ret = vmdev_net_send(dev, 0, &f, 1);
	if (ret != 1)
		return ret < 0 ? ret : -ENOSPC;
	return vmdev_net_tx_done(dev, 0, WAIT_MS);
}

static bool is_arp(const uint8_t *f, int len, uint16_t oper)
{
	return len >= L3 + ARP_LEN && get16(f + ETH_TYPE) == ETHERTYPE_ARP &&
	       get16(f + ARP_OPER) == oper;
}

static bool is_arp_reply(const uint8_t *f, int len)
{
	return is_arp(f, len, ARP_REPLY);
}

static bool is_echo_reply(const uint8_t *f, int len)
{
	return len >= ICMP_DATA && get16(f + ETH_TYPE) == ETHERTYPE_IPV4 &&
	       f[IP_PROTO] == IPPROTO_ICMP_NR &&
	       f[ICMP_TYPE] == ICMP_ECHO_REPLY_T;
}

/*
 * Answer the kernel when it asks who has our address (its neighbour entry
 * for us may need confirming while we wait); 0 or -errno.
 */
static int answer_arp(struct vmdev *dev, const uint8_t *f, int len)
{
	uint8_t reply[ETH_MIN_FRAME];

	if (!is_arp(f, len, ARP_REQUEST) || memcmp(f + ARP_TPA, our_ip, 4))
		return 0;
	arp_frame(reply, ARP_REPLY, f + ARP_SHA, our_mac, our_ip,
		  f + ARP_SHA, f + ARP_SPA);
	return send_frame(dev, reply, sizeof(reply));
}

/*
 * Receive on the vhost side until a frame that @match accepts arrives
 * within @timeout_ms, skipping what else the kernel sends (IPv6 neighbour
 * discovery, MLD reports) and answering its ARP requests for us. Returns
 * the frame's length in m->buf, 0 on timeout, or -errno.
 */
static int wait_frame(struct mixed *m,
		      bool (*match)(const uint8_t *f, int len), int timeout_ms)
{
	struct timespec start, now;
	int left = timeout_ms, len, ret;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (left > 0) {
		len = recv_one(m->dev, 0, m->buf, sizeof(m->buf), left);
		if (len < 0)
			return len;
		if (len > (int)sizeof(m->buf))
			return -EMSGSIZE;
		if (len && match(m->buf, len))
			return len;
		ret = answer_arp(m->dev, m->buf, len);
		if (ret)
			return ret;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = timeout_ms - ((now.tv_sec - start.tv_sec) * 1000 +
				     (now.tv_nsec - start.tv_nsec) / 1000000);
	}
	return 0;
}

/* Run an iproute2 command line; 0 if it exited with status 0. */
static int ip_cmd(const char *fmt, ...)
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
 * The network interface of the virtio device @uuid, found as
 * /sys/bus/mdev/devices/@uuid/virtio<N>/net/<name>; virtio_net may still
 * be probing, so poll. 0 or -ENOENT.
 */
static int find_iface(const char *uuid, char *name)
{
	char pattern[PATH_BUF];
	const char *base;
	glob_t g;
	int i, ret = -ENOENT;

	dev_path(pattern, uuid, "virtio*/net/*");
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
static bool wait_netattr(const char *ifname, const char *attr,
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
static bool wait_link(const char *ifname, bool up)
{
	return wait_netattr(ifname, "carrier", up ? "1" : "0") &&
	       wait_netattr(ifname, "operstate", up ? "up" : "down");
}

FIXTURE_SETUP(mixed)
{
	struct mixed *m = &self->m;
	char path[PATH_BUF];

	require_vhost_mdev(_metadata);
	type_path(path, MVNET_VIRTIO, "create");
	if (!path_exists(path))
		SETUP_SKIP("no %s mdev type", MVNET_VIRTIO);
	/*
	 * Unloaded again by the teardown if loaded here: bound, it makes the
	 * attributes of the virtio devices other tests create read-only.
	 */
	m->vnet_loaded_here = !module_loaded(VIRTIO_NET_MODULE);
	if (module_load(VIRTIO_NET_MODULE, NULL) ||
	    module_load(VIRTIO_MDEV_MODULE, NULL)) {
		if (m->vnet_loaded_here)
			module_unload(VIRTIO_NET_MODULE);
		SETUP_SKIP("no %s or %s module", VIRTIO_NET_MODULE,
			   VIRTIO_MDEV_MODULE);
	}
}

FIXTURE_TEARDOWN(mixed)
{
	struct mixed *m = &self->m;

	vmdev_close(m->dev);
	/* the interface goes with its device */
	mdev_cleanup(m->virtio);
	mdev_cleanup(m->vhost);
	if (m->ifname[0]) {
		char path[PATH_BUF];

		/*
		 * No TH_LOG here: after a failed assertion the 6.1 harness
		 * runs the next expectation's handler whatever its outcome.
		 */
		snprintf(path, sizeof(path), SYSFS_NET "/%s", m->ifname);
		EXPECT_FALSE(path_exists(path));
	}
	if (m->vnet_loaded_here)
		module_unload(VIRTIO_NET_MODULE);
}

/*
 * The two devices, linked; the interface with its address, up; the vhost
 * side started. Called from the tests rather than the setup, so that the
 * teardown removes whatever was built when an assertion fails midway.
 */
static void bring_up(struct __test_metadata *_metadata, struct mixed *m)
{
	uint8_t attr_mac[6];
	char path[PATH_BUF], val[VAL_BUF];

	ASSERT_EQ(0, vhost_create(m->vhost, 0, OUR_MAC));
	ASSERT_EQ(0, mdev_create_new(MVNET_VIRTIO, m->virtio));
	ASSERT_EQ(0, dev_write(m->vhost, "peer", m->virtio));
	ASSERT_LT(0, dev_read(m->virtio, "peer", val, sizeof(val)));
	ASSERT_STREQ(m->vhost, val);

	ASSERT_EQ(0, find_iface(m->virtio, m->ifname))
		TH_LOG("no network interface under %s", m->virtio);
	snprintf(path, sizeof(path), SYSFS_NET "/%s/address", m->ifname);
	ASSERT_LT(0, read_str(path, val, sizeof(val)));
	ASSERT_EQ(0, vmdev_parse_mac(val, m->if_mac));
	ASSERT_EQ(0, dev_mac(m->virtio, attr_mac));
	ASSERT_EQ(-1, first_diff(attr_mac, m->if_mac, 6))
		TH_LOG("%s has %s, not the mdev's MAC", m->ifname, val);

	ASSERT_EQ(0, ip_cmd("ip addr add " IF_ADDR IF_PREFIX " dev %s",
			    m->ifname));
	ASSERT_EQ(0, ip_cmd("ip link set %s up", m->ifname));
	ASSERT_TRUE(wait_link(m->ifname, true));

	ASSERT_EQ(0, vhost_open(&m->dev, m->vhost));
	ASSERT_EQ(0, vmdev_net_start(m->dev, NULL));
}

/* Ask who has the interface's address: 0 or -errno. */
static int send_arp_request(struct mixed *m)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];
	uint8_t f[ETH_MIN_FRAME];

	arp_frame(f, ARP_REQUEST, bcast, our_mac, our_ip, zero, if_ip);
	return send_frame(m->dev, f, sizeof(f));
}

/* Ask who has the interface's address; expect its reply, byte for byte. */
static void arp_exchange(struct __test_metadata *_metadata, struct mixed *m)
{
	long diff;
	int len;

	ASSERT_EQ(0, send_arp_request(m));
	len = wait_frame(m, is_arp_reply, WAIT_MS);
	ASSERT_LE(L3 + ARP_LEN, len) TH_LOG("no ARP reply: %d", len);
	arp_frame(m->want, ARP_REPLY, our_mac, m->if_mac, if_ip, our_mac,
		  our_ip);
	diff = first_diff(m->buf, m->want, L3 + ARP_LEN);
	ASSERT_EQ(-1, diff)
		TH_LOG("ARP reply byte %ld is 0x%02x, not 0x%02x", diff,
		       m->buf[diff], m->want[diff]);
}

/*
 * Send echo request @seq; expect its reply: Ethernet header, IP version,
 * length, protocol and addresses, both checksums, ICMP id, sequence and
 * payload, byte for byte.
 */
static void ping(struct __test_metadata *_metadata, struct mixed *m,
		 uint16_t seq)
{
	size_t len = echo_request(m->want, m->if_mac, seq);
	uint8_t eth[VMDEV_ETH_HLEN];
	long diff;
	int n;

	ASSERT_EQ(0, send_frame(m->dev, m->want, len));
	n = wait_frame(m, is_echo_reply, WAIT_MS);
	ASSERT_EQ((int)len, n) TH_LOG("echo reply %u: %d bytes", seq, n);

	eth_hdr(eth, our_mac, m->if_mac, ETHERTYPE_IPV4);
	diff = first_diff(m->buf, eth, sizeof(eth));
	ASSERT_EQ(-1, diff) TH_LOG("Ethernet header byte %ld", diff);
	ASSERT_EQ(0x45, m->buf[IP_VER_IHL]);
	ASSERT_EQ(len - L3, get16(m->buf + IP_TOTLEN));
	ASSERT_EQ(IPPROTO_ICMP_NR, m->buf[IP_PROTO]);
	ASSERT_EQ(0, (m->buf[IP_FRAG] & 0x3f) | m->buf[IP_FRAG + 1])
		TH_LOG("a fragment");
	ASSERT_EQ(-1, first_diff(m->buf + IP_SRC, if_ip, 4));
	ASSERT_EQ(-1, first_diff(m->buf + IP_DST, our_ip, 4));
	ASSERT_EQ(0, inet_csum(m->buf + L3, IP_HLEN))
		TH_LOG("bad IP header checksum 0x%04x",
		       get16(m->buf + IP_CSUM));

	ASSERT_EQ(ICMP_ECHO_REPLY_T, m->buf[ICMP_TYPE]);
	ASSERT_EQ(0, m->buf[ICMP_CODE]);
	ASSERT_EQ(0, inet_csum(m->buf + L4, len - L4))
		TH_LOG("bad ICMP checksum 0x%04x",
		       get16(m->buf + ICMP_CSUM));
	ASSERT_EQ(ICMP_ECHO_ID, get16(m->buf + ICMP_ID));
	ASSERT_EQ(seq, get16(m->buf + ICMP_SEQ));
	diff = first_diff(m->buf + ICMP_DATA, m->want + ICMP_DATA,
			  ICMP_PAYLOAD);
	ASSERT_EQ(-1, diff) TH_LOG("echo payload byte %ld", diff);
}

TEST_F_TIMEOUT(mixed, kernel_answers_arp, 120)
{
	struct mixed *m = &self->m;

	bring_up(_metadata, m);
	arp_exchange(_metadata, m);
}

TEST_F_TIMEOUT(mixed, kernel_answers_ping, 120)
{
	struct mixed *m = &self->m;
	uint16_t seq;

	bring_up(_metadata, m);
	arp_exchange(_metadata, m);
	for (seq = 1; seq <= 3; seq++)
		ping(_metadata, m, seq);
}

TEST_F_TIMEOUT(mixed, no_answer_while_mvnet_link_down, 120)
{
	struct mixed *m = &self->m;
	size_t len;

	bring_up(_metadata, m);
	ASSERT_EQ(0, dev_write(m->virtio, "link", "down"));
	ASSERT_TRUE(wait_link(m->ifname, false));
	ASSERT_EQ(0, send_arp_request(m));
	ASSERT_EQ(0, wait_frame(m, is_arp_reply, NO_REPLY_MS))
		TH_LOG("an ARP reply through a link that is down");
	len = echo_request(m->want, m->if_mac, 1);
	ASSERT_EQ(0, send_frame(m->dev, m->want, len));
	ASSERT_EQ(0, wait_frame(m, is_echo_reply, NO_REPLY_MS))
		TH_LOG("an echo reply through a link that is down");

	ASSERT_EQ(0, dev_write(m->virtio, "link", "up"));
	ASSERT_TRUE(wait_link(m->ifname, true));
	arp_exchange(_metadata, m);
	ping(_metadata, m, 2);
}

TEST_F_TIMEOUT(mixed, no_answer_while_interface_down, 120)
{
	struct mixed *m = &self->m;

	bring_up(_metadata, m);
	ASSERT_EQ(0, ip_cmd("ip link set %s down", m->ifname));
	ASSERT_EQ(0, send_arp_request(m));
	ASSERT_EQ(0, wait_frame(m, is_arp_reply, NO_REPLY_MS))
		TH_LOG("an ARP reply from an interface that is down");

	ASSERT_EQ(0, ip_cmd("ip link set %s up", m->ifname));
	ASSERT_TRUE(wait_link(m->ifname, true));
	arp_exchange(_metadata, m);
	ping(_metadata, m, 1);
}

TEST_HARNESS_MAIN
