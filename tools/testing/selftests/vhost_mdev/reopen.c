// SPDX-License-Identifier: GPL-2.0-only
/*
 * A close racing the next open must not touch the next user's session.
 *
 * Found by the stress test (stress.c): both front ends release the
 * session (vhost_mdev_close()) before they are done with the device. The
 * VFIO front end then removes the device's translator
 * (vmdev_set_as(NULL)); the character device removes it too, closes its
 * IOTLB memory (and, for a function, gives back the IOMMU group) and
 * marks the node closed. An open through either front end in that window
 * succeeds, and loses what the stale close undoes after it: the device
 * finds no translator ("malformed ring, device needs reset"), a datapath
 * pass inside vmdev_as_lock() never leaves its SRCU section (the next
 * reset then waits in synchronize_srcu() for ever), the stale close warns
 * about the new user's pins, and a removal no longer waits for the new
 * user of the node: the session is freed under it.
 *
 * Here a closer thread opens and closes the device as fast as it can
 * through one front end while the test opens it through the other (or the
 * same), starts it and loops frames, again and again: every open that
 * succeeds must give a device that works, and stays working, until the
 * test closes it. VMDEV_STRESS_SECONDS bounds each test (default 10 s).
 */
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "kselftest_harness.h"
#include "vhost_mdev_test.h"

#define DEFAULT_SECONDS		10
#define FRAMES			4
#define FRAME_LEN		100
#define FRAME_BUF_LEN		2048

FIXTURE(reopen) {
	char uuid[UUID_BUF];
	uint8_t mac[6];
};

FIXTURE_VARIANT(reopen) {
	unsigned int user_flags;	/* the test's front end */
	unsigned int closer_flags;	/* the closer's */
};

FIXTURE_VARIANT_ADD(reopen, cdev_after_cdev) {
	.user_flags = VMDEV_OPEN_CDEV, .closer_flags = VMDEV_OPEN_CDEV,
};

FIXTURE_VARIANT_ADD(reopen, cdev_after_vfio) {
	.user_flags = VMDEV_OPEN_CDEV, .closer_flags = 0,
};

FIXTURE_VARIANT_ADD(reopen, vfio_after_cdev) {
	.user_flags = 0, .closer_flags = VMDEV_OPEN_CDEV,
};

FIXTURE_VARIANT_ADD(reopen, vfio_after_vfio) {
	.user_flags = 0, .closer_flags = 0,
};

struct closer {
	pthread_t thread;
	const char *uuid;
	unsigned int flags;
	bool stop;		/* read and written atomically */
	unsigned long opens;
	int err;		/* the first unexpected open error */
};

/* Open and close, nothing else: the close is what races. */
static void *open_close(void *arg)
{
	struct closer *c = arg;
	struct vmdev_open_opts opts = {
		.flags = c->flags,
		.arena_size = 64 << 10,
	};
	struct vmdev *dev;
	int ret;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		ret = vmdev_open(&dev, c->uuid, &opts);
		if (!ret) {
			c->opens++;
			vmdev_close(dev);
		} else if (ret != -EBUSY && !c->err) {
			/* one front end at a time: EBUSY, nothing else */
			c->err = ret;
		}
	}
	return NULL;
}

/* Loop @n frames through @dev: 0, or what went wrong. */
static int loop_frames(struct vmdev *dev, const uint8_t mac[6], uint32_t seq0,
		       const char **what)
{
	uint8_t buf[FRAME_BUF_LEN];
	uint32_t seq;
	unsigned int i;
	int ret;

	for (i = 0; i < FRAMES; i++) {
		*what = "send";
		ret = send_one(dev, 0, mac, mac, seq0 + i, FRAME_LEN);
		if (ret != 1)
			return ret < 0 ? ret : -EIO;
		*what = "receive";
		ret = recv_one(dev, 0, buf, sizeof(buf), WAIT_MS);
		if (ret != FRAME_LEN)
			return ret < 0 ? ret : -ETIMEDOUT;
		*what = "frame check";
		if (vmdev_check_frame(buf, ret, &seq) != -1 || seq != seq0 + i)
			return -EBADMSG;
	}
	*what = "status";
	ret = vmdev_get_status(dev);
	if (ret < 0)
		return ret;
	return ret & VIRTIO_CONFIG_S_NEEDS_RESET ? -EIO : 0;
}

FIXTURE_SETUP(reopen)
{
	require_vhost_mdev(_metadata);
	ASSERT_EQ(0, vhost_create(self->uuid, 0, NULL));
	ASSERT_EQ(0, dev_mac(self->uuid, self->mac));
}

FIXTURE_TEARDOWN(reopen)
{
	mdev_cleanup(self->uuid);
}

TEST_F_TIMEOUT(reopen, next_user_keeps_a_working_device, 3600)
{
	struct vmdev_open_opts opts = {
		.flags = variant->user_flags,
		.arena_size = 1 << 20,
	};
	struct vmdev_net_opts net = {
		.features = BIT64(VIRTIO_NET_F_MAC) |
			    BIT64(VIRTIO_NET_F_MRG_RXBUF),
		.ring_num = 64,
	};
	struct closer c = {
		.uuid = self->uuid,
		.flags = variant->closer_flags,
	};
	unsigned long tries = 0, uses = 0;
	long limit_ms = stress_seconds(DEFAULT_SECONDS) * 1000L;
	const char *what = "";
	struct timespec start;
	struct vmdev *dev;
	int ret = 0;
	cpu_set_t cpu;

	/* Both threads on one CPU, as in the test VM. */
	CPU_ZERO(&cpu);
	CPU_SET(sched_getcpu(), &cpu);
	sched_setaffinity(0, sizeof(cpu), &cpu);
	ASSERT_EQ(0, pthread_create(&c.thread, NULL, open_close, &c));
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (ms_since(&start) < limit_ms && !ret) {
		tries++;
		ret = vmdev_open(&dev, self->uuid, &opts);
		if (ret == -EBUSY) {
			ret = 0;
			continue;
		}
		if (ret) {
			what = "open";
			break;
		}
		uses++;
		what = "start";
		ret = vmdev_net_start(dev, &net);
		if (!ret)
			ret = loop_frames(dev, self->mac, uses * FRAMES, &what);
		vmdev_close(dev);
	}
	__atomic_store_n(&c.stop, true, __ATOMIC_RELAXED);
	pthread_join(c.thread, NULL);

	ksft_print_msg("%lu tries, %lu opens used, %lu opens by the closer, %ld ms\n",
		       tries, uses, c.opens, ms_since(&start));
	fflush(stdout);
	EXPECT_EQ(0, ret) TH_LOG("open %lu: %s: %s", uses, what,
				 strerror(-ret));
	EXPECT_EQ(0, c.err) TH_LOG("the closer's open: %s", strerror(-c.err));
	/* the two did take turns */
	EXPECT_LT(0, uses);
	EXPECT_LT(0, c.opens);
}

TEST_HARNESS_MAIN
