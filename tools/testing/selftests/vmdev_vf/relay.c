// SPDX-License-Identifier: GPL-2.0-only
/*
 * The core's relay on a hardware function: the test VM's first modern
 * virtio-net function, bound to vmdev_vf, carries a vmdev_vf-vhost device
 * with its "relay" attribute on, driven through its character device (the
 * relay's rings live in the function's IOMMU domain, which only that
 * front end owns; the VFIO front end refuses the device); the second
 * carries a vmdev_vf-virtio device whose kernel interface is the peer at
 * the other end of the wire (QEMU's hub): a thread here sends every test
 * frame that interface receives straight back.
 *
 * A function alone can neither log what it writes nor say where its rings
 * stand. Through the relay it does both: dlog_test.h's guest-like process
 * streams numbered frames out and back while its memory is copied in
 * rounds from the log, and every page that changed must have been logged;
 * the device suspends (the relay drains the transmit queue and stops the
 * function) with ring state that a fresh start of the function resumes
 * from, and every frame arrives once, in order. The stream pauses between
 * two batches for each stop: a frame on the wire while the function is
 * stopped is lost, as on any network, and the test counts every frame.
 */
#include <net/if.h>
#include <poll.h>
#include <endian.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "../vhost_mdev/vhost_mdev_test.h"
#include "../vhost_mdev/dlog_test.h"
#include "../net_peer.h"
#include "vf_test.h"

/* libvmdev's test frames (vmdev_fill_frame()). */
#define TEST_ETHERTYPE		0x88b5
#define ETH_ALEN_		6

/* Everything a test builds, for the teardown. */
struct relay_hw {
	char fn[2][PCI_NAME_BUF];	/* relayed side, peer side */
	char virtio[UUID_BUF];
	char ifname[IF_NAMESIZE];
	uint8_t if_mac[ETH_ALEN_];
	bool vnet_loaded_here;
	int sock;
	pthread_t echo;
	bool echo_started;
	bool stop;			/* atomic: the echo thread's end */
	unsigned int echoed;		/* atomic */
	struct dlog_state s;
};

FIXTURE(relay) {
	struct relay_hw h;
};

/* The peer: every test frame from the device goes back to it. */
static void *echo(void *arg)
{
	struct relay_hw *h = arg;
	uint8_t f[FRAME_BUF];
	struct pollfd pfd = { .fd = h->sock, .events = POLLIN };
	ssize_t n;

	while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE)) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = recv(h->sock, f, sizeof(f), MSG_DONTWAIT);
		if (n < 14 || memcmp(f + 6, h->s.mac, ETH_ALEN_))
			continue;
		memcpy(f, h->s.mac, ETH_ALEN_);
		memcpy(f + 6, h->if_mac, ETH_ALEN_);
		if (send(h->sock, f, n, 0) == n)
			__atomic_add_fetch(&h->echoed, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* A raw socket on the peer's interface for the test frames. */
static int peer_socket(struct relay_hw *h)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htobe16(TEST_ETHERTYPE),
	};

	sll.sll_ifindex = if_nametoindex(h->ifname);
	if (!sll.sll_ifindex)
		return -errno;
	h->sock = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC,
			 htobe16(TEST_ETHERTYPE));
	if (h->sock < 0)
		return -errno;
	if (bind(h->sock, (struct sockaddr *)&sll, sizeof(sll)))
		return -errno;
	return 0;
}

static int relay_attr(const char *uuid, const char *val)
{
	return dev_write(uuid, "relay", val);
}

FIXTURE_SETUP(relay)
{
	struct relay_hw *h = &self->h;
	struct dlog_state *st = &h->s;
	struct vmdev_net_config cfg;
	char path[PATH_BUF], mac[VAL_BUF];

	h->sock = -1;
	vf_require(_metadata, h->fn, &h->vnet_loaded_here);
	ASSERT_EQ(0, write_str(CDEV_LOG_PARAM, "Y"));
	ASSERT_EQ(0, fn_bind(h->fn[0])) TH_LOG("binding %s", h->fn[0]);
	ASSERT_EQ(0, fn_bind(h->fn[1])) TH_LOG("binding %s", h->fn[1]);
	ASSERT_EQ(0, fn_create(h->fn[0], "vhost", st->uuid));
	ASSERT_EQ(0, fn_create(h->fn[1], "virtio", h->virtio));
	ASSERT_EQ(0, relay_attr(st->uuid, "1"));

	fn_path(path, h->fn[1], NULL);
	ASSERT_EQ(0, find_iface(path, h->ifname))
		TH_LOG("no network interface under %s", h->fn[1]);
	/* Nothing but the test frames on the wire: no IPv6 autoconfiguration. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 h->ifname);
	if (path_exists(path))
		ASSERT_EQ(0, write_str(path, "1"));
	ASSERT_EQ(0, ip_cmd("ip link set %s up", h->ifname));
	ASSERT_TRUE(wait_link(h->ifname, true));
	snprintf(path, sizeof(path), SYSFS_NET "/%s/address", h->ifname);
	ASSERT_LE(0, read_str(path, mac, sizeof(mac)));
	ASSERT_EQ(0, vmdev_parse_mac(mac, h->if_mac));
	ASSERT_EQ(0, peer_socket(h));

	ASSERT_EQ(0, vhost_open(&st->dev, st->uuid, VMDEV_OPEN_CDEV));
	ASSERT_EQ(0, vmdev_net_get_config(st->dev, &cfg));
	memcpy(st->mac, cfg.mac, sizeof(st->mac));
	memcpy(st->dst, h->if_mac, sizeof(st->dst));
	st->log = mmap(NULL, LOG_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, st->log);
	ASSERT_EQ(0, pthread_create(&h->echo, NULL, echo, h));
	h->echo_started = true;
}

FIXTURE_TEARDOWN(relay)
{
	struct relay_hw *h = &self->h;
	struct dlog_state *st = &h->s;
	unsigned int i;

	if (h->echo_started) {
		__atomic_store_n(&h->stop, true, __ATOMIC_RELEASE);
		pthread_join(h->echo, NULL);
	}
	if (h->sock >= 0)
		close(h->sock);
	vmdev_close(st->dev);
	mdev_cleanup(h->virtio);
	mdev_cleanup(st->uuid);
	fn_release(h->fn[0]);
	fn_release(h->fn[1]);
	write_str(CDEV_LOG_PARAM, "N");
	if (st->log && st->log != MAP_FAILED)
		munmap(st->log, LOG_BYTES);
	for (i = 0; i < ARRAY_SIZE(st->regions); i++)
		free(st->regions[i].copy);
	if (h->vnet_loaded_here)
		module_unload(VIRTIO_NET_MODULE);
}

/* Run the streamer until it pauses half-way, copying rounds meanwhile. */
static void stream_to_pause(struct __test_metadata *_metadata,
			    struct dlog_state *st, pthread_t *thread)
{
	st->pause_at = FRAMES / 2;
	ASSERT_EQ(0, pthread_create(thread, NULL, streamer, st));
	while (!__atomic_load_n(&st->paused, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&st->done, __ATOMIC_ACQUIRE)) {
		sync_round(st, false);
		usleep(500);
	}
	ASSERT_TRUE(__atomic_load_n(&st->paused, __ATOMIC_ACQUIRE))
		TH_LOG("the stream ended before its pause: %d", st->err);
}

/*
 * Logging on, the stream to its pause, the device suspended and the last
 * round: every page that changed was logged. The rings' state in @rx_base
 * and @tx_base.
 */
static void stop_half_way(struct __test_metadata *_metadata,
			  struct dlog_state *st, pthread_t *thread,
			  unsigned int *rx_base, unsigned int *tx_base)
{
	ASSERT_EQ(0, dlog_start(st));
	dlog_log_on(_metadata, st);
	stream_to_pause(_metadata, st, thread);
	ASSERT_EQ(0, vmdev_suspend(st->dev));
	sync_round(st, false);
	EXPECT_EQ(0, stale_pages(_metadata, st));
	ASSERT_EQ(0, vring_base(st->dev, RXQ, rx_base));
	ASSERT_EQ(0, vring_base(st->dev, TXQ, tx_base));
}

/* Let the streamer go on and end; every frame must have come back. */
static void stream_to_end(struct __test_metadata *_metadata,
			  struct relay_hw *h, pthread_t thread)
{
	struct dlog_state *st = &h->s;

	__atomic_store_n(&st->go, true, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	TH_LOG("%u frames back of %u, %u echoed", st->received, FRAMES,
	       __atomic_load_n(&h->echoed, __ATOMIC_RELAXED));
	EXPECT_EQ(0, st->err);
	EXPECT_EQ(FRAMES, st->received);
	EXPECT_EQ(0, st->bad);
}

TEST_F(relay, offers_the_log_and_keeps_kicks_and_interrupts)
{
	struct dlog_state *st = &self->h.s;
	uint64_t f = vmdev_device_features(st->dev);
	struct vhost_vdpa_iova_range range;
	struct vhost_mdev_net_state ns;
	char path[PATH_BUF];
	uint64_t bf = 0;
	void *page;

	ASSERT_EQ(0, vmdev_ioctl(st->dev, VHOST_GET_BACKEND_FEATURES, &bf));
	EXPECT_TRUE(bf & BIT64(VHOST_BACKEND_F_SUSPEND));
	EXPECT_TRUE(bf & BIT64(VHOST_BACKEND_F_RESUME));
	EXPECT_TRUE(f & BIT64(VHOST_F_LOG_ALL));
	/* Split rings only, and no control queue: what it can carry over. */
	EXPECT_FALSE(f & BIT64(VIRTIO_F_RING_PACKED));
	EXPECT_FALSE(f & BIT64(VIRTIO_F_IN_ORDER));
	EXPECT_FALSE(f & BIT64(VIRTIO_NET_F_CTRL_VQ));
	EXPECT_FALSE(f & BIT64(VIRTIO_NET_F_MQ));
	/* So it has no control queue settings to carry. */
	EXPECT_ERRNO(EOPNOTSUPP, vmdev_net_get_state(st->dev, &ns));
	/* No doorbell to map: every kick goes through the relay. */
	page = mmap(NULL, 4096, PROT_WRITE, MAP_SHARED, vmdev_fd(st->dev), 0);
	EXPECT_EQ(MAP_FAILED, page);
	/* Its rings sit above what the user may map, which is refused. */
	ASSERT_EQ(0, vmdev_ioctl(st->dev, VHOST_VDPA_GET_IOVA_RANGE, &range));
	ASSERT_GT(UINT64_MAX, range.last);
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	EXPECT_ERRNO(EINVAL, vmdev_map(st->dev, page, range.last + 1, 4096,
				       VMDEV_MAP_RW));
	munmap(page, 4096);
	/* Fixed while the device is open; the value is a boolean. */
	EXPECT_ERRNO(EBUSY, relay_attr(st->uuid, "0"));
	EXPECT_ERRNO(EINVAL, relay_attr(st->uuid, "maybe"));
	/* Only the functions handed to userspace have it. */
	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/relay",
		 self->h.virtio);
	EXPECT_FALSE(path_exists(path));
}

/*
 * The VFIO front end's memory is the container's: its IOMMU domain is
 * type1's, which knows nothing of the relay's rings. It refuses the device.
 */
TEST_F(relay, the_vfio_front_end_refuses_it)
{
	struct dlog_state *st = &self->h.s;
	struct vmdev *dev = NULL;

	vmdev_close(st->dev);
	st->dev = NULL;
	EXPECT_EQ(-EOPNOTSUPP, vhost_open(&dev, st->uuid, 0));
	vmdev_close(dev);
	/* Without the relay it opens. */
	ASSERT_EQ(0, relay_attr(st->uuid, "0"));
	EXPECT_EQ(0, vhost_open(&dev, st->uuid, 0));
	vmdev_close(dev);
}

TEST_F_TIMEOUT(relay, migration_rounds_log_every_changed_page, 300)
{
	struct dlog_state *st = &self->h.s;

	ASSERT_EQ(0, dlog_start(st));
	dlog_log_on(_metadata, st);
	dlog_rounds(_metadata, st);
	/* The function only read the TX buffers. */
	EXPECT_FALSE(log_bit(st->log, TX_IOVA));
}

/*
 * Suspended half-way: the ring state counts every frame the stream got
 * back, none of the buffers the function still held; resumed, the
 * function starts again on fresh rings from there.
 */
TEST_F_TIMEOUT(relay, suspends_and_resumes_mid_stream, 300)
{
	struct dlog_state *st = &self->h.s;
	unsigned int rx_base, tx_base, got;
	pthread_t thread;

	stop_half_way(_metadata, st, &thread, &rx_base, &tx_base);
	got = __atomic_load_n(&st->received, __ATOMIC_ACQUIRE);
	EXPECT_EQ(got, tx_base);
	EXPECT_EQ(got, rx_base);
	/* Held still: a second suspend changes nothing. */
	ASSERT_EQ(0, vmdev_suspend(st->dev));
	ASSERT_EQ(0, vring_base(st->dev, RXQ, &rx_base));
	EXPECT_EQ(got, rx_base);
	EXPECT_EQ(VIRTIO_CONFIG_S_DRIVER_OK,
		  dev_status(st->dev) & (VIRTIO_CONFIG_S_DRIVER_OK |
					 VIRTIO_CONFIG_S_NEEDS_RESET));

	ASSERT_EQ(0, vmdev_resume(st->dev));
	stream_to_end(_metadata, &self->h, thread);
	EXPECT_EQ(0, vmdev_suspend(st->dev));
	sync_round(st, false);
	EXPECT_EQ(0, stale_pages(_metadata, st));
}

/*
 * What a migration's destination does, on the same function: after the
 * suspend and the last round, a reset, then the rings set up again from
 * the ring state, as QEMU programs them. A function alone can only start
 * at index 0; through the relay, the stream goes on where it stopped.
 */
TEST_F_TIMEOUT(relay, starts_again_from_its_ring_state, 300)
{
	struct dlog_state *st = &self->h.s;
	uint8_t status = 0, s = VIRTIO_CONFIG_S_ACKNOWLEDGE;
	unsigned int rx_base, tx_base, base;
	pthread_t thread;
	uint64_t f;

	stop_half_way(_metadata, st, &thread, &rx_base, &tx_base);
	ASSERT_LT(0, tx_base);

	/* The destination: a reset device, the source's features and rings. */
	f = vmdev_driver_features(st->dev) & ~BIT64(VHOST_F_LOG_ALL);
	ASSERT_EQ(0, vmdev_ioctl(st->dev, VHOST_VDPA_SET_STATUS, &status));
	ASSERT_EQ(0, vmdev_ioctl(st->dev, VHOST_VDPA_SET_STATUS, &s));
	s |= VIRTIO_CONFIG_S_DRIVER;
	ASSERT_EQ(0, vmdev_ioctl(st->dev, VHOST_VDPA_SET_STATUS, &s));
	ASSERT_EQ(0, set_features(st->dev, f));
	s |= VIRTIO_CONFIG_S_FEATURES_OK;
	ASSERT_EQ(0, vmdev_ioctl(st->dev, VHOST_VDPA_SET_STATUS, &s));
	ASSERT_EQ(0, move_ring(st->dev, st->rx, rx_base));
	ASSERT_EQ(0, move_ring(st->dev, st->tx, tx_base));
	s |= VIRTIO_CONFIG_S_DRIVER_OK;
	ASSERT_EQ(0, vmdev_ioctl(st->dev, VHOST_VDPA_SET_STATUS, &s));
	ASSERT_EQ(0, vmdev_vq_kick(st->rx));

	stream_to_end(_metadata, &self->h, thread);
	/* Every buffer from the start again on went through this start. */
	ASSERT_EQ(0, vmdev_suspend(st->dev));
	ASSERT_EQ(0, vring_base(st->dev, TXQ, &base));
	EXPECT_EQ(FRAMES, base);
	ASSERT_EQ(0, vring_base(st->dev, RXQ, &base));
	EXPECT_EQ(FRAMES, base);
}

/* Without the relay the same function offers neither. */
TEST_F(relay, a_function_alone_cannot)
{
	struct relay_hw *h = &self->h;
	struct dlog_state *st = &h->s;
	struct vhost_vring_state b = { .index = RXQ, .num = 5 };
	struct vhost_mdev_net_state ns = { .flags = VHOST_MDEV_NET_PROMISC,
					   .vq_pairs = 1 };
	uint64_t f, bf = 0;

	vmdev_close(st->dev);
	st->dev = NULL;
	ASSERT_EQ(0, relay_attr(st->uuid, "0"));
	ASSERT_EQ(0, vhost_open(&st->dev, st->uuid, VMDEV_OPEN_CDEV));
	f = vmdev_device_features(st->dev);
	EXPECT_FALSE(f & BIT64(VHOST_F_LOG_ALL));
	ASSERT_EQ(0, vmdev_ioctl(st->dev, VHOST_GET_BACKEND_FEATURES, &bf));
	EXPECT_FALSE(bf & BIT64(VHOST_BACKEND_F_SUSPEND));
	ASSERT_EQ(0, vmdev_negotiate(st->dev, BIT64(VIRTIO_NET_F_MAC)));
	EXPECT_ERRNO(EOPNOTSUPP, vmdev_ioctl(st->dev, VHOST_SET_VRING_BASE,
					     &b));
	EXPECT_ERRNO(EOPNOTSUPP, vmdev_ioctl(st->dev, VHOST_VDPA_SUSPEND,
					     NULL));
	/* Its control queue's settings are the hardware's to keep. */
	EXPECT_ERRNO(EOPNOTSUPP, vmdev_net_get_state(st->dev, &ns));
	EXPECT_ERRNO(EOPNOTSUPP, vmdev_net_set_state(st->dev, &ns));
}

TEST_HARNESS_MAIN
