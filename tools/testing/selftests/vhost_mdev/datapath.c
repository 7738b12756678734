// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mvnet datapath seen through the vhost fd: loopback, mergeable RX
 * buffers, every queue pair, the control queue's RX filter, link changes
 * and the config eventfd, two devices linked as peers, suspend and resume,
 * and the control queue's settings carried to a second device as a
 * migration carries them.
 */
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vhost_mdev_test.h"

#define FRAME_BUF	(65536 + 64)

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t other_uc[6] = { 0x02, 0x00, 0x00, 0xee, 0xee, 0xee };
static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t mcast2[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x02 };
static const uint8_t new_mac[6] = { 0x02, 0x00, 0x00, 0x12, 0x34, 0x56 };

FIXTURE(net) {
	char uuid[UUID_BUF];
	char peer[UUID_BUF];
	struct vmdev *dev;
	struct vmdev *pdev;
	uint8_t mac[6];
	uint8_t buf[FRAME_BUF];
};

FIXTURE_VARIANT(net) {
	unsigned int open_flags;	/* the front end: vhost_mdev_test.h */
};

FIXTURE_VARIANT_ADD(net, vfio) { .open_flags = 0 };
FIXTURE_VARIANT_ADD(net, cdev) { .open_flags = VMDEV_OPEN_CDEV };

FIXTURE_SETUP(net)
{
	require_vhost_mdev(_metadata);
	ASSERT_EQ(0, vhost_create(self->uuid, 0, NULL));
	ASSERT_EQ(0, dev_mac(self->uuid, self->mac));
	ASSERT_EQ(0, vhost_open(&self->dev, self->uuid, variant->open_flags));
}

FIXTURE_TEARDOWN(net)
{
	vmdev_close(self->dev);
	vmdev_close(self->pdev);
	mdev_cleanup(self->uuid);
	mdev_cleanup(self->peer);
}

/*
 * Expect the next frame on @qp of @dev to be test frame @seq of @len
 * bytes, intact.
 */
#define EXPECT_FRAME(dev, qp, seq, len) do {				\
	uint32_t __seq = ~0U, __want = (seq);				\
	int __n = recv_one((dev), (qp), self->buf, sizeof(self->buf),	\
			   WAIT_MS);					\
									\
	EXPECT_EQ((int)(len), __n) TH_LOG("frame %u", __want);		\
	if (__n > 0) {							\
		EXPECT_EQ(-1, vmdev_check_frame(self->buf, __n, &__seq));	\
		EXPECT_EQ(__want, __seq);				\
	}								\
} while (0)

#define EXPECT_NO_FRAME(dev, qp)					\
	EXPECT_EQ(0, recv_one((dev), (qp), self->buf, sizeof(self->buf),	\
			      NO_FRAME_MS))

TEST_F(net, loopback_frames_arrive_intact)
{
	static const size_t sizes[] = { 60, 64, 100, 128, 511, 1000, 1514 };
	unsigned int i;

	ASSERT_EQ(0, vmdev_net_start(self->dev, NULL));
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		ASSERT_EQ(1, send_one(self->dev, 0, self->mac, self->mac, i,
				      sizes[i]));
		EXPECT_FRAME(self->dev, 0, i, sizes[i]);
	}
	EXPECT_NO_FRAME(self->dev, 0);
}

TEST_F(net, loopback_batch_in_order)
{
	static uint8_t data[64][256];
	struct vmdev_frame frames[64];
	unsigned int i;

	ASSERT_EQ(0, vmdev_net_start(self->dev, NULL));
	for (i = 0; i < ARRAY_SIZE(frames); i++) {
		vmdev_fill_frame(data[i], 60 + i, self->mac, self->mac, i);
		frames[i].data = data[i];
		frames[i].len = 60 + i;
	}
	ASSERT_EQ(ARRAY_SIZE(frames),
		  vmdev_net_send(self->dev, 0, frames, ARRAY_SIZE(frames)));
	ASSERT_EQ(0, vmdev_net_tx_done(self->dev, 0, WAIT_MS));
	for (i = 0; i < ARRAY_SIZE(frames); i++)
		EXPECT_FRAME(self->dev, 0, i, 60 + i);
}

TEST_F(net, mergeable_rx_buffers_carry_large_frames)
{
	struct vmdev_net_opts opts = { .rx_buf_size = 256 };
	struct vmdev_frame f = { .data = self->buf, .size = sizeof(self->buf) };
	uint32_t seq = ~0U;

	ASSERT_EQ(0, vmdev_net_start(self->dev, &opts));
	ASSERT_TRUE(vmdev_driver_features(self->dev) &
		    BIT64(VIRTIO_NET_F_MRG_RXBUF));
	ASSERT_EQ(1, send_one(self->dev, 0, self->mac, self->mac, 7, 1514));
	ASSERT_EQ(1, vmdev_net_recv(self->dev, 0, &f, 1, WAIT_MS));
	EXPECT_EQ(1514, f.len);
	/* 12 + 1514 bytes in 256-byte buffers */
	EXPECT_EQ(6, f.num_buffers);
	EXPECT_EQ(-1, vmdev_check_frame(self->buf, f.len, &seq));
	EXPECT_EQ(7, seq);
}

TEST_F(net, jumbo_frames_without_mergeable_buffers)
{
	struct vmdev_net_opts opts = {
		.features = BIT64(VIRTIO_NET_F_MAC) | BIT64(VIRTIO_NET_F_MTU),
	};

	vmdev_close(self->dev);
	self->dev = NULL;
	ASSERT_EQ(0, dev_write(self->uuid, "mtu", "9000"));
	ASSERT_EQ(0, vhost_open(&self->dev, self->uuid, variant->open_flags));
	ASSERT_EQ(0, vmdev_net_start(self->dev, &opts));
	ASSERT_FALSE(vmdev_driver_features(self->dev) &
		     BIT64(VIRTIO_NET_F_MRG_RXBUF));
	ASSERT_EQ(9014, vmdev_net_max_frame(self->dev));
	ASSERT_EQ(1, send_one(self->dev, 0, self->mac, self->mac, 1, 9014));
	EXPECT_FRAME(self->dev, 0, 1, 9014);
	ASSERT_EQ(1, send_one(self->dev, 0, self->mac, self->mac, 2, 60));
	EXPECT_FRAME(self->dev, 0, 2, 60);
}

TEST_F(net, every_queue_pair_carries_traffic)
{
	struct vmdev_net_opts opts = { .pairs = MVNET_MAX_VQ_PAIRS,
				       .ring_num = 64 };
	unsigned int qp;

	ASSERT_EQ(0, vmdev_net_start(self->dev, &opts));
	ASSERT_EQ(0, vmdev_net_set_vq_pairs(self->dev, MVNET_MAX_VQ_PAIRS));
	for (qp = 0; qp < MVNET_MAX_VQ_PAIRS; qp++) {
		ASSERT_EQ(1, send_one(self->dev, qp, self->mac, self->mac,
				      100 + qp, 200 + qp));
		EXPECT_FRAME(self->dev, qp, 100 + qp, 200 + qp);
	}
}

TEST_F(net, mq_pairs_set_checks_range)
{
	struct vmdev_net_opts opts = { .pairs = 2, .ring_num = 64 };

	ASSERT_EQ(0, vmdev_net_start(self->dev, &opts));
	EXPECT_ERRNO(EIO, vmdev_net_set_vq_pairs(self->dev, 0));
	EXPECT_ERRNO(EIO, vmdev_net_set_vq_pairs(self->dev,
						 MVNET_MAX_VQ_PAIRS + 1));
	EXPECT_EQ(0, vmdev_net_set_vq_pairs(self->dev, 2));
	EXPECT_EQ(0, vmdev_net_set_vq_pairs(self->dev, 1));
}

/* Start with a strict filter: our own new address, no promisc/allmulti. */
static int strict_filter(struct vmdev *dev)
{
	int ret;

	ret = vmdev_net_start(dev, NULL);
	if (!ret)
		ret = vmdev_net_set_mac(dev, new_mac);
	if (!ret)
		ret = vmdev_net_set_rx_mode(dev, VIRTIO_NET_CTRL_RX_PROMISC,
					    false);
	if (!ret)
		ret = vmdev_net_set_rx_mode(dev, VIRTIO_NET_CTRL_RX_ALLMULTI,
					    false);
	if (!ret)
		ret = vmdev_net_set_mac_table(dev, NULL, 0, NULL, 0);
	return ret;
}

TEST_F(net, rx_filter_unicast)
{
	ASSERT_EQ(0, strict_filter(self->dev));
	ASSERT_EQ(1, send_one(self->dev, 0, other_uc, self->mac, 1, 60));
	EXPECT_NO_FRAME(self->dev, 0);
	ASSERT_EQ(1, send_one(self->dev, 0, new_mac, self->mac, 2, 60));
	EXPECT_FRAME(self->dev, 0, 2, 60);
	ASSERT_EQ(1, send_one(self->dev, 0, bcast, self->mac, 3, 60));
	EXPECT_FRAME(self->dev, 0, 3, 60);
	/* the old address is no longer ours */
	ASSERT_EQ(1, send_one(self->dev, 0, self->mac, self->mac, 4, 60));
	EXPECT_NO_FRAME(self->dev, 0);
}

TEST_F(net, rx_filter_promisc)
{
	ASSERT_EQ(0, strict_filter(self->dev));
	ASSERT_EQ(0, vmdev_net_set_rx_mode(self->dev,
					   VIRTIO_NET_CTRL_RX_PROMISC, true));
	ASSERT_EQ(1, send_one(self->dev, 0, other_uc, self->mac, 1, 60));
	EXPECT_FRAME(self->dev, 0, 1, 60);
	ASSERT_EQ(0, vmdev_net_set_rx_mode(self->dev,
					   VIRTIO_NET_CTRL_RX_PROMISC, false));
	ASSERT_EQ(1, send_one(self->dev, 0, other_uc, self->mac, 2, 60));
	EXPECT_NO_FRAME(self->dev, 0);
}

TEST_F(net, rx_filter_mac_table)
{
	ASSERT_EQ(0, strict_filter(self->dev));
	ASSERT_EQ(0, vmdev_net_set_mac_table(self->dev, other_uc, 1,
					     mcast, 1));
	ASSERT_EQ(1, send_one(self->dev, 0, other_uc, self->mac, 1, 60));
	EXPECT_FRAME(self->dev, 0, 1, 60);
	ASSERT_EQ(1, send_one(self->dev, 0, mcast, self->mac, 2, 60));
	EXPECT_FRAME(self->dev, 0, 2, 60);
	ASSERT_EQ(1, send_one(self->dev, 0, mcast2, self->mac, 3, 60));
	EXPECT_NO_FRAME(self->dev, 0);
	ASSERT_EQ(0, vmdev_net_set_rx_mode(self->dev,
					   VIRTIO_NET_CTRL_RX_ALLMULTI, true));
	ASSERT_EQ(1, send_one(self->dev, 0, mcast2, self->mac, 4, 60));
	EXPECT_FRAME(self->dev, 0, 4, 60);
}

/*
 * What a migration does with the control queue's settings: read from the
 * suspended source (VHOST_MDEV_GET_NET_STATE), set on the destination
 * before DRIVER_OK (VHOST_MDEV_SET_NET_STATE), through the other front
 * end. The destination then filters and spreads frames as the source did:
 * its own config address is not accepted, the driver's new one and the
 * table's are, and the second queue pair carries traffic.
 */
TEST_F(net, control_settings_move_to_a_second_device)
{
	struct vmdev_net_opts opts = { .pairs = 2, .ring_num = 64 };
	struct vhost_mdev_net_state s, d;
	char mac[VAL_BUF];

	ASSERT_EQ(0, vmdev_net_start(self->dev, &opts));
	ASSERT_EQ(0, vmdev_net_set_mac(self->dev, new_mac));
	ASSERT_EQ(0, vmdev_net_set_rx_mode(self->dev,
					   VIRTIO_NET_CTRL_RX_PROMISC, false));
	ASSERT_EQ(0, vmdev_net_set_mac_table(self->dev, other_uc, 1,
					     mcast, 1));
	ASSERT_EQ(0, vmdev_net_set_vq_pairs(self->dev, 2));
	ASSERT_EQ(0, vmdev_suspend(self->dev));

	memset(&s, 0xa5, sizeof(s));
	ASSERT_EQ(0, vmdev_net_get_state(self->dev, &s));
	EXPECT_EQ(VHOST_MDEV_NET_MAC, s.flags);
	EXPECT_EQ(0, memcmp(s.mac, new_mac, 6));
	EXPECT_EQ(2, s.vq_pairs);
	ASSERT_EQ(1, s.uc_count);
	EXPECT_EQ(0, memcmp(s.uc[0], other_uc, 6));
	ASSERT_EQ(1, s.mc_count);
	EXPECT_EQ(0, memcmp(s.mc[0], mcast, 6));
	/* Nothing of the kernel's beyond the tables, no VLAN filter. */
	EXPECT_EQ(0, s.uc[1][0] | s.mc[1][0] | s.vlans[0] | s.vlans[127]);

	mac_str(mac, self->mac);
	ASSERT_EQ(0, vhost_create(self->peer, 0, mac));
	ASSERT_EQ(0, vhost_open(&self->pdev, self->peer,
				variant->open_flags ^ VMDEV_OPEN_CDEV));
	opts.state = &s;
	ASSERT_EQ(0, vmdev_net_start(self->pdev, &opts));
	ASSERT_EQ(0, vmdev_net_get_state(self->pdev, &d));
	EXPECT_EQ(0, memcmp(&s, &d, sizeof(s)));

	ASSERT_EQ(1, send_one(self->pdev, 0, self->mac, self->mac, 1, 60));
	EXPECT_NO_FRAME(self->pdev, 0);
	ASSERT_EQ(1, send_one(self->pdev, 0, new_mac, self->mac, 2, 60));
	EXPECT_FRAME(self->pdev, 0, 2, 60);
	ASSERT_EQ(1, send_one(self->pdev, 0, other_uc, self->mac, 3, 60));
	EXPECT_FRAME(self->pdev, 0, 3, 60);
	ASSERT_EQ(1, send_one(self->pdev, 0, mcast2, self->mac, 4, 60));
	EXPECT_NO_FRAME(self->pdev, 0);
	/* With one pair in use this would come out of the first. */
	ASSERT_EQ(1, send_one(self->pdev, 1, new_mac, self->mac, 5, 60));
	EXPECT_FRAME(self->pdev, 1, 5, 60);
	EXPECT_NO_FRAME(self->pdev, 0);
}

/* Whether @dev's control settings are a reset device's. */
static bool reset_state(struct vmdev *dev)
{
	struct vhost_mdev_net_state r = { .flags = VHOST_MDEV_NET_PROMISC,
					  .vq_pairs = 1 };
	struct vhost_mdev_net_state g;

	return !vmdev_net_get_state(dev, &g) && !memcmp(&r, &g, sizeof(r));
}

/*
 * A setting goes in only where the control queue would take it: features
 * negotiated with the control queue and the command's own feature, the
 * device not running yet, by the owner. Anything else changes nothing.
 */
TEST_F(net, control_settings_checked_against_the_features)
{
	const uint64_t base = BIT64(VIRTIO_NET_F_MAC) |
			      BIT64(VIRTIO_NET_F_CTRL_VQ);
	struct vhost_mdev_net_state s = { .flags = VHOST_MDEV_NET_PROMISC,
					  .vq_pairs = 1 };
	struct vhost_mdev_net_state bad;
	int status;
	pid_t pid;

	EXPECT_TRUE(reset_state(self->dev));
	EXPECT_ERRNO(EINVAL, vmdev_net_set_state(self->dev, &s));
	ASSERT_EQ(0, vmdev_negotiate(self->dev, BIT64(VIRTIO_NET_F_MAC)));
	EXPECT_ERRNO(EINVAL, vmdev_net_set_state(self->dev, &s));

	/* The control queue alone: only the reset settings. */
	ASSERT_EQ(0, vmdev_negotiate(self->dev, base));
	bad = s;
	bad.flags |= VHOST_MDEV_NET_MAC;
	EXPECT_ERRNO(EINVAL, vmdev_net_set_state(self->dev, &bad));
	bad = s;
	bad.flags = 0;
	EXPECT_ERRNO(EINVAL, vmdev_net_set_state(self->dev, &bad));
	bad = s;
	bad.uc_count = 1;
	EXPECT_ERRNO(EINVAL, vmdev_net_set_state(self->dev, &bad));
	bad = s;
	bad.vq_pairs = 2;
	EXPECT_ERRNO(EINVAL, vmdev_net_set_state(self->dev, &bad));
	EXPECT_TRUE(reset_state(self->dev));
	EXPECT_EQ(0, vmdev_net_set_state(self->dev, &s));

	ASSERT_EQ(0, vmdev_negotiate(self->dev, base |
				     BIT64(VIRTIO_NET_F_CTRL_RX) |
				     BIT64(VIRTIO_NET_F_MQ) |
				     BIT64(VIRTIO_NET_F_CTRL_MAC_ADDR)));
	bad = s;
	bad.flags |= 1U << 7;
	EXPECT_ERRNO(EINVAL, vmdev_net_set_state(self->dev, &bad));
	bad = s;
	bad.flags |= VHOST_MDEV_NET_ALLUNI;	/* CTRL_RX_EXTRA: not offered */
	EXPECT_ERRNO(EINVAL, vmdev_net_set_state(self->dev, &bad));
	bad = s;
	bad.vlans[1] = 1;			/* CTRL_VLAN: not offered */
	EXPECT_ERRNO(EINVAL, vmdev_net_set_state(self->dev, &bad));
	bad = s;
	bad.uc_count = VHOST_MDEV_NET_MAC_TABLE + 1;
	EXPECT_ERRNO(EINVAL, vmdev_net_set_state(self->dev, &bad));
	bad = s;
	bad.mc_count = ~0U;
	EXPECT_ERRNO(EINVAL, vmdev_net_set_state(self->dev, &bad));
	bad = s;
	bad.vq_pairs = 0;
	EXPECT_ERRNO(EINVAL, vmdev_net_set_state(self->dev, &bad));
	bad.vq_pairs = MVNET_MAX_VQ_PAIRS + 1;
	EXPECT_ERRNO(EINVAL, vmdev_net_set_state(self->dev, &bad));
	EXPECT_ERRNO(EFAULT, vmdev_ioctl(self->dev, VHOST_MDEV_SET_NET_STATE,
					 (void *)8));
	EXPECT_ERRNO(EFAULT, vmdev_ioctl(self->dev, VHOST_MDEV_GET_NET_STATE,
					 (void *)8));
	EXPECT_TRUE(reset_state(self->dev));

	/* The owner's only, as the rings' state is. */
	bad = s;
	bad.vq_pairs = 2;
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(-vmdev_net_set_state(self->dev, &bad) & 0xff);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(EPERM, WEXITSTATUS(status));
	EXPECT_TRUE(reset_state(self->dev));
	EXPECT_EQ(0, vmdev_net_set_state(self->dev, &bad));
	EXPECT_EQ(0, vmdev_net_get_state(self->dev, &s));
	EXPECT_EQ(2, s.vq_pairs);

	/* Running: the control queue is the way now. */
	ASSERT_EQ(0, vmdev_driver_ok(self->dev));
	bad.vq_pairs = 1;
	EXPECT_ERRNO(EBUSY, vmdev_net_set_state(self->dev, &bad));
	EXPECT_EQ(0, vmdev_net_get_state(self->dev, &s));
	EXPECT_EQ(2, s.vq_pairs);
}

TEST_F(net, link_change_signals_config_eventfd)
{
	struct vmdev_net_config cfg;
	int efd;

	ASSERT_EQ(0, vmdev_net_start(self->dev, NULL));
	efd = vmdev_config_eventfd(self->dev);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, vmdev_net_get_config(self->dev, &cfg));
	EXPECT_TRUE(cfg.status & VIRTIO_NET_S_LINK_UP);

	ASSERT_EQ(0, dev_write(self->uuid, "link", "down"));
	EXPECT_LT(0, vmdev_wait_eventfd(efd, WAIT_MS));
	ASSERT_EQ(0, vmdev_net_get_config(self->dev, &cfg));
	EXPECT_FALSE(cfg.status & VIRTIO_NET_S_LINK_UP);

	ASSERT_EQ(0, dev_write(self->uuid, "link", "up"));
	EXPECT_LT(0, vmdev_wait_eventfd(efd, WAIT_MS));
	ASSERT_EQ(0, vmdev_net_get_config(self->dev, &cfg));
	EXPECT_TRUE(cfg.status & VIRTIO_NET_S_LINK_UP);

	/* writing the same state changes nothing and signals nothing */
	ASSERT_EQ(0, dev_write(self->uuid, "link", "up"));
	EXPECT_EQ(0, vmdev_wait_eventfd(efd, NO_FRAME_MS));
}

TEST_F(net, peers_exchange_frames_both_ways)
{
	uint8_t pmac[6];

	vmdev_close(self->dev);
	self->dev = NULL;
	ASSERT_EQ(0, vhost_create(self->peer, 0, NULL));
	ASSERT_EQ(0, dev_mac(self->peer, pmac));
	ASSERT_EQ(0, dev_write(self->uuid, "peer", self->peer));
	ASSERT_EQ(0, vhost_open(&self->dev, self->uuid, variant->open_flags));
	ASSERT_EQ(0, vhost_open(&self->pdev, self->peer, variant->open_flags));
	ASSERT_EQ(0, vmdev_net_start(self->dev, NULL));
	ASSERT_EQ(0, vmdev_net_start(self->pdev, NULL));

	ASSERT_EQ(1, send_one(self->dev, 0, pmac, self->mac, 1, 300));
	EXPECT_FRAME(self->pdev, 0, 1, 300);
	EXPECT_NO_FRAME(self->dev, 0);
	ASSERT_EQ(1, send_one(self->pdev, 0, self->mac, pmac, 2, 1514));
	EXPECT_FRAME(self->dev, 0, 2, 1514);
	EXPECT_NO_FRAME(self->pdev, 0);
}

TEST_F(net, suspend_holds_frames_until_resume)
{
	struct vhost_vring_state s = { .index = 1 };
	struct vmdev_frame f;

	ASSERT_EQ(0, vmdev_net_start(self->dev, NULL));
	ASSERT_EQ(1, send_one(self->dev, 0, self->mac, self->mac, 1, 60));
	EXPECT_FRAME(self->dev, 0, 1, 60);

	ASSERT_EQ(0, vmdev_suspend(self->dev));
	ASSERT_EQ(0, vmdev_ioctl(self->dev, VHOST_GET_VRING_BASE, &s));
	EXPECT_EQ(1, s.num);
	vmdev_fill_frame(self->buf, 60, self->mac, self->mac, 2);
	f = (struct vmdev_frame){ .data = self->buf, .len = 60 };
	ASSERT_EQ(1, vmdev_net_send(self->dev, 0, &f, 1));
	EXPECT_NO_FRAME(self->dev, 0);
	ASSERT_EQ(0, vmdev_ioctl(self->dev, VHOST_GET_VRING_BASE, &s));
	EXPECT_EQ(1, s.num);

	ASSERT_EQ(0, vmdev_resume(self->dev));
	EXPECT_FRAME(self->dev, 0, 2, 60);
}

TEST_F(net, doorbell_option_falls_back_to_eventfd)
{
	struct vmdev_open_opts opts = {
		.flags = VMDEV_OPEN_DOORBELLS | variant->open_flags,
	};

	vmdev_close(self->dev);
	self->dev = NULL;
	ASSERT_EQ(0, vmdev_open(&self->dev, self->uuid, &opts));
	ASSERT_EQ(0, vmdev_net_start(self->dev, NULL));
	EXPECT_EQ(NULL, vmdev_net_txq(self->dev, 0)->doorbell);
	ASSERT_EQ(1, send_one(self->dev, 0, self->mac, self->mac, 1, 60));
	EXPECT_FRAME(self->dev, 0, 1, 60);
}

TEST_HARNESS_MAIN
