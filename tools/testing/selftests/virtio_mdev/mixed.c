// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mixed personalities: an mvnet-vhost device linked as peer to an
 * mvnet-virtio one. The virtio device is a kernel network interface with
 * an IPv4 address; this test is the host at the other end of the cable,
 * speaking raw Ethernet through the vhost device with libvmdev. The
 * kernel answers our ARP request and our ICMP echo request; with the
 * mvnet link down, or the interface down, it answers nothing, and it
 * answers again once both are back up. Through either front end of the
 * vhost device (VFIO, or its character device).
 */
#include "kselftest_harness.h"
#include "../net_peer.h"

/* Addresses private to the test VM: no real network is involved. */
#define IF_ADDR			"10.99.0.1/24"
static const uint8_t if_ip[4] = { 10, 99, 0, 1 };
static const uint8_t our_ip[4] = { 10, 99, 0, 2 };
static const uint8_t our_mac[6] = { 0x02, 0x00, 0x00, 0x6d, 0x69, 0x78 };
#define OUR_MAC			"02:00:00:6d:69:78"

/* A reply that should not come gets this long to come anyway. */
#define NO_REPLY_MS		1500

/* Everything a test builds, for the helpers and the teardown. */
struct mixed {
	char vhost[UUID_BUF];
	char virtio[UUID_BUF];
	char ifname[IF_NAMESIZE];
	bool vnet_loaded_here;
	unsigned int open_flags;
	struct net_peer p;
};

FIXTURE(mixed) {
	struct mixed m;
};

FIXTURE_VARIANT(mixed) {
	unsigned int open_flags;	/* the front end: vhost_mdev_test.h */
};

FIXTURE_VARIANT_ADD(mixed, vfio) { .open_flags = 0 };
FIXTURE_VARIANT_ADD(mixed, cdev) { .open_flags = VMDEV_OPEN_CDEV };

FIXTURE_SETUP(mixed)
{
	struct mixed *m = &self->m;
	char path[PATH_BUF];

	m->open_flags = variant->open_flags;
	require_vhost_mdev(_metadata);
	type_path(path, MVNET_VIRTIO, "create");
	if (!path_exists(path))
		SETUP_SKIP("no %s mdev type", MVNET_VIRTIO);
	if (load_virtio_net(&m->vnet_loaded_here))
		SETUP_SKIP("no %s or %s module", VIRTIO_NET_MODULE,
			   VIRTIO_MDEV_MODULE);
}

FIXTURE_TEARDOWN(mixed)
{
	struct mixed *m = &self->m;

	vmdev_close(m->p.dev);
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
	struct net_peer *p = &m->p;
	uint8_t attr_mac[6];
	char path[PATH_BUF], val[VAL_BUF];

	memcpy(p->mac, our_mac, 6);
	memcpy(p->ip, our_ip, 4);
	memcpy(p->if_ip, if_ip, 4);
	ASSERT_EQ(0, vhost_create(m->vhost, 0, OUR_MAC));
	ASSERT_EQ(0, mdev_create_new(MVNET_VIRTIO, m->virtio));
	ASSERT_EQ(0, dev_write(m->vhost, "peer", m->virtio));
	ASSERT_LT(0, dev_read(m->virtio, "peer", val, sizeof(val)));
	ASSERT_STREQ(m->vhost, val);

	dev_path(path, m->virtio, NULL);
	ASSERT_EQ(0, find_iface(path, m->ifname))
		TH_LOG("no network interface under %s", m->virtio);
	iface_up(_metadata, p, m->ifname, IF_ADDR);
	ASSERT_EQ(0, dev_mac(m->virtio, attr_mac));
	ASSERT_EQ(-1, first_diff(attr_mac, p->if_mac, 6))
		TH_LOG("%s does not have the mdev's MAC", m->ifname);

	ASSERT_EQ(0, vhost_open(&p->dev, m->vhost, m->open_flags));
	ASSERT_EQ(0, vmdev_net_start(p->dev, NULL));
}

TEST_F_TIMEOUT(mixed, kernel_answers_arp, 120)
{
	struct mixed *m = &self->m;

	bring_up(_metadata, m);
	arp_exchange(_metadata, &m->p);
}

TEST_F_TIMEOUT(mixed, kernel_answers_ping, 120)
{
	struct mixed *m = &self->m;
	uint16_t seq;

	bring_up(_metadata, m);
	arp_exchange(_metadata, &m->p);
	for (seq = 1; seq <= 3; seq++)
		ping(_metadata, &m->p, seq);
}

TEST_F_TIMEOUT(mixed, no_answer_while_mvnet_link_down, 120)
{
	struct mixed *m = &self->m;
	size_t len;

	bring_up(_metadata, m);
	ASSERT_EQ(0, dev_write(m->virtio, "link", "down"));
	ASSERT_TRUE(wait_link(m->ifname, false));
	ASSERT_EQ(0, send_arp_request(&m->p));
	ASSERT_EQ(0, wait_frame(&m->p, is_arp_reply, NO_REPLY_MS))
		TH_LOG("an ARP reply through a link that is down");
	len = peer_echo_request(&m->p, m->p.want, 1);
	ASSERT_EQ(0, send_frame(m->p.dev, m->p.want, len));
	ASSERT_EQ(0, wait_frame(&m->p, is_echo_reply, NO_REPLY_MS))
		TH_LOG("an echo reply through a link that is down");

	ASSERT_EQ(0, dev_write(m->virtio, "link", "up"));
	ASSERT_TRUE(wait_link(m->ifname, true));
	arp_exchange(_metadata, &m->p);
	ping(_metadata, &m->p, 2);
}

TEST_F_TIMEOUT(mixed, no_answer_while_interface_down, 120)
{
	struct mixed *m = &self->m;

	bring_up(_metadata, m);
	ASSERT_EQ(0, ip_cmd("ip link set %s down", m->ifname));
	ASSERT_EQ(0, send_arp_request(&m->p));
	ASSERT_EQ(0, wait_frame(&m->p, is_arp_reply, NO_REPLY_MS))
		TH_LOG("an ARP reply from an interface that is down");

	ASSERT_EQ(0, ip_cmd("ip link set %s up", m->ifname));
	ASSERT_TRUE(wait_link(m->ifname, true));
	arp_exchange(_metadata, &m->p);
	ping(_metadata, &m->p, 1);
}

TEST_HARNESS_MAIN
