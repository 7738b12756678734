// SPDX-License-Identifier: GPL-2.0-only
/*
 * A driver that breaks the ring rules, or memory that disappears under a
 * running device: the device stops the queue, sets NEEDS_RESET,
 * signals the queue's error eventfd and the config eventfd, never touches
 * memory it was not given, and loops frames back again after a reset. The test runner
 * fails the run on any kernel splat these provoke.
 */
#include <endian.h>

#include "kselftest_harness.h"
#include "vhost_mdev_test.h"

#define TXQ		1
#define SPARE_IOVA	0x80000000ULL

FIXTURE(bad) {
	char uuid[UUID_BUF];
	struct vmdev *dev;
	struct vmdev_vq *vq;
	uint8_t mac[6];
	int err_fd;
	int config_fd;
};

FIXTURE_VARIANT(bad) {
	unsigned int open_flags;	/* the front end: vhost_mdev_test.h */
};

FIXTURE_VARIANT_ADD(bad, vfio) { .open_flags = 0 };
FIXTURE_VARIANT_ADD(bad, cdev) { .open_flags = VMDEV_OPEN_CDEV };

FIXTURE_SETUP(bad)
{
	require_vhost_mdev(_metadata);
	ASSERT_EQ(0, vhost_create(self->uuid, 0, NULL));
	ASSERT_EQ(0, dev_mac(self->uuid, self->mac));
	ASSERT_EQ(0, vhost_open(&self->dev, self->uuid, variant->open_flags));
	ASSERT_EQ(0, vmdev_net_start(self->dev, NULL));
	self->vq = vmdev_vq(self->dev, TXQ);
	self->err_fd = vmdev_vq_err_eventfd(self->vq);
	ASSERT_LE(0, self->err_fd);
	self->config_fd = vmdev_config_eventfd(self->dev);
	ASSERT_LE(0, self->config_fd);
	/* the device works before we break it */
	ASSERT_EQ(1, send_one(self->dev, 0, self->mac, self->mac, 0, 60));
	ASSERT_EQ(0, vmdev_needs_reset(self->dev));
}

FIXTURE_TEARDOWN(bad)
{
	vmdev_close(self->dev);
	mdev_cleanup(self->uuid);
}

/* Make descriptor @head available, bypassing the library's bookkeeping. */
static void post_head(struct vmdev_vq *vq, uint16_t head)
{
	vq->avail->ring[vq->avail_idx & (vq->num - 1)] = htole16(head);
	vq->avail_idx++;
	vmdev_vq_publish(vq);
}

static void set_desc(struct vmdev_vq *vq, uint16_t i, uint64_t addr,
		     uint32_t len, uint16_t flags, uint16_t next)
{
	vq->desc[i].addr = htole64(addr);
	vq->desc[i].len = htole32(len);
	vq->desc[i].flags = htole16(flags);
	vq->desc[i].next = htole16(next);
}

/* A descriptor the library is not using (the TX ring is idle). */
static uint16_t spare_desc(struct vmdev_vq *vq)
{
	return vq->free_head;
}

/*
 * After the device saw the broken ring: NEEDS_RESET, the ring's error
 * eventfd signalled, and the config eventfd too: a device that sets
 * DEVICE_NEEDS_RESET while DRIVER_OK must send a configuration change
 * notification (virtio 1.1, 2.1.2), and the uAPI documentation promises
 * it for memory unmapped under a running device.
 */
#define EXPECT_BROKEN() do {						\
	int64_t __err, __cfg;						\
									\
	EXPECT_TRUE(wait_status(self->dev, VIRTIO_CONFIG_S_NEEDS_RESET,	\
				WAIT_MS));				\
	__err = vmdev_wait_eventfd(self->err_fd, WAIT_MS);		\
	__cfg = vmdev_wait_eventfd(self->config_fd, WAIT_MS);		\
	EXPECT_LT(0, __err) TH_LOG("error eventfd not signalled (%lld)",	\
				   (long long)__err);			\
	EXPECT_LT(0, __cfg) TH_LOG("config eventfd not signalled (%lld)", \
				   (long long)__cfg);			\
} while (0)

/* After a reset and a new start the device loops a frame back again. */
#define EXPECT_RECOVERY() do {						\
	uint8_t __buf[2048];						\
									\
	ASSERT_EQ(0, vmdev_net_start(self->dev, NULL));			\
	EXPECT_EQ(0, vmdev_needs_reset(self->dev));			\
	ASSERT_EQ(1, send_one(self->dev, 0, self->mac, self->mac, 9, 60));	\
	EXPECT_EQ(60, recv_one(self->dev, 0, __buf, sizeof(__buf),	\
			       WAIT_MS));				\
} while (0)

#define EXPECT_NEEDS_RESET_AND_RECOVERY() do {				\
	EXPECT_BROKEN();						\
	EXPECT_RECOVERY();						\
} while (0)

/* Send one frame on TX queue 1 of a device set up without the net layer. */
static int send_raw(struct vmdev *dev, const uint8_t mac[6], uint32_t len)
{
	struct vmdev_vq *tx = vmdev_vq(dev, TXQ);
	struct vmdev_buf b;
	uint8_t *buf;
	int ret;

	buf = vmdev_arena_alloc(dev, VMDEV_NET_HDR_LEN + len, 64, NULL);
	if (!buf)
		return -ENOMEM;
	vmdev_fill_frame(buf + VMDEV_NET_HDR_LEN, len, mac, mac, 1);
	b = (struct vmdev_buf){ buf, VMDEV_NET_HDR_LEN + len };
	ret = vmdev_vq_add(tx, &b, 1, 0, buf);
	if (ret)
		return ret;
	vmdev_vq_publish(tx);
	return vmdev_vq_kick(tx);
}

TEST_F(bad, descriptor_loop)
{
	struct vmdev_vq *vq = self->vq;
	uint16_t a = spare_desc(vq), b = le16toh(vq->desc[a].next);
	uint64_t iova = vq->desc_iova;	/* readable, mapped */

	set_desc(vq, a, iova, 16, VRING_DESC_F_NEXT, b);
	set_desc(vq, b, iova, 16, VRING_DESC_F_NEXT, a);
	post_head(vq, a);
	ASSERT_EQ(0, vmdev_vq_kick(vq));
	EXPECT_NEEDS_RESET_AND_RECOVERY();
}

TEST_F(bad, descriptor_self_loop)
{
	struct vmdev_vq *vq = self->vq;
	uint16_t a = spare_desc(vq);

	set_desc(vq, a, vq->desc_iova, 16, VRING_DESC_F_NEXT, a);
	post_head(vq, a);
	ASSERT_EQ(0, vmdev_vq_kick(vq));
	EXPECT_NEEDS_RESET_AND_RECOVERY();
}

TEST_F(bad, avail_index_jumps_past_ring_size)
{
	struct vmdev_vq *vq = self->vq;

	vq->avail_idx += vq->num + 1;
	vmdev_vq_publish(vq);
	ASSERT_EQ(0, vmdev_vq_kick(vq));
	EXPECT_NEEDS_RESET_AND_RECOVERY();
}

TEST_F(bad, head_index_out_of_range)
{
	struct vmdev_vq *vq = self->vq;

	post_head(vq, vq->num);
	ASSERT_EQ(0, vmdev_vq_kick(vq));
	EXPECT_NEEDS_RESET_AND_RECOVERY();
}

TEST_F(bad, next_index_out_of_range)
{
	struct vmdev_vq *vq = self->vq;
	uint16_t a = spare_desc(vq);

	set_desc(vq, a, vq->desc_iova, 16, VRING_DESC_F_NEXT, 0xffff);
	post_head(vq, a);
	ASSERT_EQ(0, vmdev_vq_kick(vq));
	EXPECT_NEEDS_RESET_AND_RECOVERY();
}

TEST_F(bad, buffer_runs_past_the_mapping)
{
	struct vmdev_vq *vq = self->vq;
	uint16_t a = spare_desc(vq);
	void *page;

	page = vmdev_mem_alloc(self->dev, 4096, SPARE_IOVA);
	ASSERT_NE(NULL, page);
	/* 1000 bytes starting 96 bytes before the end of the only page */
	set_desc(vq, a, SPARE_IOVA + 4000, 1000, 0, 0);
	post_head(vq, a);
	ASSERT_EQ(0, vmdev_vq_kick(vq));
	EXPECT_NEEDS_RESET_AND_RECOVERY();
}

TEST_F(bad, buffer_never_mapped)
{
	struct vmdev_vq *vq = self->vq;
	uint16_t a = spare_desc(vq);

	set_desc(vq, a, 0x7f0000000000ULL, 64, 0, 0);
	post_head(vq, a);
	ASSERT_EQ(0, vmdev_vq_kick(vq));
	EXPECT_NEEDS_RESET_AND_RECOVERY();
}

TEST_F(bad, rx_buffer_runs_past_the_mapping)
{
	struct vmdev_vq *rx = vmdev_vq(self->dev, 0);
	void *page;

	/* Replace the RX ring's buffers by one that is too short a mapping. */
	ASSERT_EQ(0, vmdev_reset(self->dev));
	ASSERT_EQ(0, vmdev_negotiate(self->dev, BIT64(VIRTIO_NET_F_MAC)));
	ASSERT_EQ(0, vmdev_vq_setup(self->dev, 0, 64));
	ASSERT_EQ(0, vmdev_vq_setup(self->dev, 1, 64));
	self->vq = vmdev_vq(self->dev, 0);
	self->err_fd = vmdev_vq_err_eventfd(rx);
	ASSERT_LE(0, self->err_fd);
	page = vmdev_mem_alloc(self->dev, 4096, SPARE_IOVA);
	ASSERT_NE(NULL, page);
	set_desc(rx, 0, SPARE_IOVA + 4000, 2048, VRING_DESC_F_WRITE, 0);
	post_head(rx, 0);
	ASSERT_EQ(0, vmdev_vq_enable(rx, true));
	ASSERT_EQ(0, vmdev_vq_enable(vmdev_vq(self->dev, 1), true));
	ASSERT_EQ(0, vmdev_driver_ok(self->dev));
	ASSERT_EQ(0, vmdev_vq_kick(rx));

	/* a frame arrives: the device writes it past the mapping */
	ASSERT_EQ(0, send_raw(self->dev, self->mac, 1514));
	EXPECT_NEEDS_RESET_AND_RECOVERY();
}

TEST_F(bad, rings_unmapped_while_running)
{
	ASSERT_EQ(0, vmdev_arena_unmap(self->dev));
	/* the device finds the TX ring gone when it looks at it */
	post_head(self->vq, spare_desc(self->vq));
	ASSERT_EQ(0, vmdev_vq_kick(self->vq));
	EXPECT_BROKEN();
	/* the rings' memory back, then a reset: as good as new */
	ASSERT_EQ(0, vmdev_arena_map(self->dev));
	EXPECT_RECOVERY();
}

TEST_F(bad, buffers_unmapped_while_running)
{
	struct vmdev_vq *vq = self->vq;
	uint16_t a = spare_desc(vq), b = le16toh(vq->desc[a].next);
	uint8_t *page;

	page = vmdev_mem_alloc(self->dev, 4096, SPARE_IOVA);
	ASSERT_NE(NULL, page);
	vmdev_fill_frame(page + VMDEV_NET_HDR_LEN, 60, self->mac, self->mac, 1);
	/* the device reads (and may cache) the page once ... */
	set_desc(vq, a, SPARE_IOVA, VMDEV_NET_HDR_LEN + 60, 0, 0);
	post_head(vq, a);
	ASSERT_EQ(0, vmdev_vq_kick(vq));
	EXPECT_EQ(60, recv_one(self->dev, 0, page + 2048, 1024, WAIT_MS));

	/* ... then it goes away, and the next use must fail cleanly */
	ASSERT_EQ(0, vmdev_unmap(self->dev, SPARE_IOVA, 4096));
	set_desc(vq, b, SPARE_IOVA, VMDEV_NET_HDR_LEN + 60, 0, 0);
	post_head(vq, b);
	ASSERT_EQ(0, vmdev_vq_kick(vq));
	EXPECT_BROKEN();
	EXPECT_RECOVERY();
}

TEST_HARNESS_MAIN
