// SPDX-License-Identifier: GPL-2.0-only
/*
 * Queue groups in address spaces of their own, through the character
 * device, as QEMU 8.0 and later arrange them to shadow a guest's control
 * queue during a migration: mvnet's control queue (group 1) given address
 * space 1 reaches memory there, where frames still loop back byte for
 * byte on the data queues in address space 0; a queue whose group's
 * address space lacks its ring fails, although the other has it; a reset
 * puts every group back in address space 0. The
 * VFIO front end, whose container is one address space, has one.
 *
 * The errnos of the ioctls and messages, which upstream shares, are in
 * iotlb.c, where they are checked against upstream too.
 */
#include "kselftest_harness.h"
#include "../vhost_mdev/vhost_mdev_test.h"
#include "../vhost_mdev/dlog_test.h"

#define GROUP_DATA	0
#define GROUP_CTRL	1
#define FRAME_LEN	200

FIXTURE(asid) {
	char uuid[UUID_BUF];
	uint8_t mac[6];
	struct vmdev *dev;
	bool log_param;		/* vhost_mdev's cdev_dirty_log set */
	uint8_t *log;
};

FIXTURE_SETUP(asid)
{
	require_vhost_mdev(_metadata);
	ASSERT_EQ(0, vhost_create(self->uuid, 1, NULL));
	ASSERT_EQ(0, dev_mac(self->uuid, self->mac));
	ASSERT_EQ(0, vhost_open(&self->dev, self->uuid, VMDEV_OPEN_CDEV));
	self->log = MAP_FAILED;
}

FIXTURE_TEARDOWN(asid)
{
	vmdev_close(self->dev);
	mdev_cleanup(self->uuid);
	if (self->log_param)
		write_str(CDEV_LOG_PARAM, "N");
	if (self->log != MAP_FAILED)
		munmap(self->log, LOG_BYTES);
}

/* Where a test puts a group before DRIVER_OK. */
struct move {
	unsigned int group;
	unsigned int asid;
	bool map;		/* map the arena (rings, buffers) there too */
};

static int move_group(struct vmdev *dev, void *arg)
{
	const struct move *m = arg;
	struct vhost_vring_state s = { .index = m->group, .num = m->asid };
	int ret = 0;

	if (m->map)
		ret = vmdev_arena_map_as(dev, m->asid);
	return ret ?: vmdev_ioctl(dev, VHOST_VDPA_SET_GROUP_ASID, &s);
}

static int start(struct vmdev *dev, struct move *m)
{
	struct vmdev_net_opts opts = {
		.before_driver_ok = m ? move_group : NULL,
		.arg = m,
	};

	return vmdev_net_start(dev, &opts);
}

/* A frame to the device's own MAC and back: 0 when it came back intact. */
static int loop_frame(struct vmdev *dev, const uint8_t mac[6], uint32_t seq)
{
	uint8_t buf[FRAME_LEN], got[2048];
	struct vmdev_frame tx = { .data = buf, .len = FRAME_LEN };
	struct vmdev_frame rx = { .data = got, .size = sizeof(got) };
	int ret;

	vmdev_fill_frame(buf, FRAME_LEN, mac, mac, seq);
	ret = vmdev_net_send(dev, 0, &tx, 1);
	if (ret != 1)
		return ret < 0 ? ret : -ENOSPC;
	ret = vmdev_net_recv(dev, 0, &rx, 1, WAIT_MS);
	if (ret != 1)
		return ret < 0 ? ret : -ETIMEDOUT;
	return rx.len == FRAME_LEN && !memcmp(got, buf, FRAME_LEN) ?
	       0 : -EBADMSG;
}

/* Whether the device reports NEEDS_RESET within WAIT_MS. */
static bool needs_reset_soon(struct vmdev *dev)
{
	int i;

	for (i = 0; i < WAIT_MS / 10; i++) {
		if (vmdev_needs_reset(dev) == 1)
			return true;
		usleep(10000);
	}
	return false;
}

static const uint8_t new_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0xa5, 0x1d };

TEST_F(asid, control_queue_in_its_own_address_space)
{
	struct move m = { .group = GROUP_CTRL, .asid = 1, .map = true };

	ASSERT_EQ(0, start(self->dev, &m));
	EXPECT_EQ(0, loop_frame(self->dev, self->mac, 1));
	EXPECT_EQ(0, vmdev_net_set_mac(self->dev, new_mac));
	EXPECT_EQ(0, loop_frame(self->dev, new_mac, 2));
	EXPECT_EQ(0, vmdev_needs_reset(self->dev));
}

/*
 * Address space 0 has the rings too, address space 1 nothing: the control
 * queue must not find its ring. A queue that cannot reach its ring stops
 * the device (NEEDS_RESET), the data queues with it.
 */
TEST_F(asid, control_queue_reaches_only_its_address_space)
{
	struct move m = { .group = GROUP_CTRL, .asid = 1 };

	ASSERT_EQ(0, start(self->dev, &m));
	EXPECT_NE(0, vmdev_net_set_mac(self->dev, new_mac));
	EXPECT_TRUE(needs_reset_soon(self->dev));
}

TEST_F(asid, data_queues_reach_only_their_address_space)
{
	struct move m = { .group = GROUP_DATA, .asid = 1 };
	uint8_t buf[FRAME_LEN];
	struct vmdev_frame tx = { .data = buf, .len = FRAME_LEN };

	ASSERT_EQ(0, start(self->dev, &m));
	vmdev_fill_frame(buf, FRAME_LEN, self->mac, self->mac, 1);
	ASSERT_EQ(1, vmdev_net_send(self->dev, 0, &tx, 1));
	EXPECT_TRUE(needs_reset_soon(self->dev));
}

TEST_F(asid, reset_puts_every_group_back_in_address_space_0)
{
	struct move m = { .group = GROUP_CTRL, .asid = 1 };

	ASSERT_EQ(0, start(self->dev, &m));
	/* vmdev_net_start() resets the device first. */
	ASSERT_EQ(0, start(self->dev, NULL));
	EXPECT_EQ(0, vmdev_net_set_mac(self->dev, new_mac));
	EXPECT_EQ(0, loop_frame(self->dev, new_mac, 1));
}

/*
 * The dirty log is in guest addresses, those of address space 0: the
 * control queue's writes (its used ring, the ack) are logged there, and
 * not once its group is in address space 1, the client's own memory,
 * while the data queues, still in address space 0, are logged.
 */
TEST_F(asid, control_queue_is_logged_only_in_address_space_0)
{
	struct move m = { .group = GROUP_CTRL, .asid = 1, .map = true };
	unsigned int i;

	/* Offered to sessions opened from now on. */
	ASSERT_EQ(0, write_str(CDEV_LOG_PARAM, "Y"));
	self->log_param = true;
	vmdev_close(self->dev);
	ASSERT_EQ(0, vhost_open(&self->dev, self->uuid, VMDEV_OPEN_CDEV));
	self->log = mmap(NULL, LOG_BYTES, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->log);

	for (i = 0; i < 2; i++) {
		/* First in address space 1, then (after the reset) in 0. */
		ASSERT_EQ(0, start(self->dev, i ? NULL : &m));
		ASSERT_EQ(0, set_log_base(self->dev, self->log));
		ASSERT_EQ(0, log_all(self->dev, true));
		memset(self->log, 0, LOG_BYTES);
		ASSERT_EQ(0, vmdev_net_set_mac(self->dev, new_mac));
		if (i) {
			EXPECT_LT(0, log_count(self->log));
			continue;
		}
		EXPECT_EQ(0, log_count(self->log));
		/* The log is on: a received frame marks its buffer. */
		EXPECT_EQ(0, loop_frame(self->dev, new_mac, 1));
		EXPECT_LT(0, log_count(self->log));
	}
}

/* The container is one address space; the groups are the device's. */
TEST_F(asid, vfio_has_one_address_space)
{
	struct vhost_vring_state s = { .index = GROUP_CTRL, .num = 1 };
	uint32_t groups = 0;
	unsigned int n = 0;
	uint64_t features;

	vmdev_close(self->dev);
	ASSERT_EQ(0, vhost_open(&self->dev, self->uuid, 0));
	ASSERT_EQ(0, vmdev_ioctl(self->dev, VHOST_GET_BACKEND_FEATURES,
				 &features));
	EXPECT_FALSE(features & BIT64(VHOST_BACKEND_F_IOTLB_ASID));
	ASSERT_EQ(0, vmdev_ioctl(self->dev, VHOST_VDPA_GET_GROUP_NUM, &groups));
	EXPECT_EQ(2, groups);
	ASSERT_EQ(0, vmdev_ioctl(self->dev, VHOST_VDPA_GET_AS_NUM, &n));
	EXPECT_EQ(1, n);
	EXPECT_EQ(-EINVAL, vmdev_ioctl(self->dev, VHOST_VDPA_SET_GROUP_ASID,
				       &s));
	EXPECT_EQ(-EOPNOTSUPP, vmdev_arena_map_as(self->dev, 1));
	s.num = 0;
	EXPECT_EQ(0, vmdev_ioctl(self->dev, VHOST_VDPA_SET_GROUP_ASID, &s));
	ASSERT_EQ(0, start(self->dev, NULL));
	EXPECT_EQ(0, vmdev_net_set_mac(self->dev, new_mac));
	EXPECT_EQ(0, loop_frame(self->dev, new_mac, 1));
}

TEST_HARNESS_MAIN
