// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stress an mvnet loopback device through either front end: the driver
 * loops frames through it while chaos threads reset it, toggle its rings,
 * swap its eventfds and map memory beside it, an opener competes for it,
 * and a remover removes and recreates it and unloads vhost_mdev and
 * mvnet (stress.h). Every frame that comes back must be intact; between
 * epochs the device must work; at the end nothing is pinned or charged,
 * no module reference is held and the device is removable.
 *
 *   VMDEV_STRESS_SECONDS=N  how long each test runs (default 15)
 *   VMDEV_STRESS_SEED=N     replay a run's choices ("# seed N")
 */
#include "kselftest_harness.h"
#include "vhost_mdev_test.h"
#include "stress.h"

#define LOOP_FRAME_BUF		2048
#define LOOP_MAX_BURST		8
/* Under chaos a frame may never come back: wait this long for it. */
#define LOOP_CHAOS_WAIT_MS	200

/* Create the device under its UUID: every time the same. */
static int mvnet_create(struct stress *st)
{
	return mdev_create(MVNET_VHOST, st->uuid);
}

/*
 * Loop a burst of frames: how many came back (each intact; in order and
 * all of them when @strict), or -errno of the library.
 */
static int mvnet_exchange(struct stress *st, struct vmdev *dev,
			  unsigned int *rnd, bool strict)
{
	static uint8_t data[LOOP_MAX_BURST][LOOP_FRAME_BUF];
	uint8_t buf[LOOP_FRAME_BUF];
	struct vmdev_frame frames[LOOP_MAX_BURST];
	unsigned int n = 1 + stress_rand(rnd, LOOP_MAX_BURST), i;
	int sent, got = 0, ret;
	struct timespec start;
	uint32_t seq0 = rand_r(rnd);

	for (i = 0; i < n; i++) {
		uint32_t len = 60 + stress_rand(rnd, 1514 - 60 + 1);

		vmdev_fill_frame(data[i], len, st->mac, st->mac, seq0 + i);
		frames[i] = (struct vmdev_frame){ .data = data[i], .len = len };
	}
	sent = vmdev_net_send(dev, 0, frames, n);
	if (sent < 0)
		return sent;
	if (strict && sent != (int)n)
		return -ENOSPC;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (got < sent) {
		struct vmdev_frame f = { .data = buf, .size = sizeof(buf) };
		uint32_t seq = ~0U;
		long bad;

		ret = vmdev_net_recv(dev, 0, &f, 1, strict ? WAIT_MS :
				     LOOP_CHAOS_WAIT_MS);
		if (ret < 0)
			return ret;
		if (!ret)
			break;
		bad = vmdev_check_frame(buf, f.len, &seq);
		if (bad != -1 || f.len > sizeof(buf)) {
			stress_fail(st, "driver: frame of %u bytes corrupt at byte %ld",
				    f.len, bad);
			return -EBADMSG;
		}
		if (strict && (seq != seq0 + got ||
			       f.len != frames[got].len)) {
			stress_fail(st, "driver: frame %u of %u bytes, not %u of %u",
				    seq, f.len, seq0 + got, frames[got].len);
			return -EBADMSG;
		}
		got++;
		__atomic_add_fetch(&st->frames, 1, __ATOMIC_RELAXED);
		if (!strict && ms_since(&start) > LOOP_CHAOS_WAIT_MS)
			break;
	}
	if (strict && got != sent)
		return got ? -ETIMEDOUT : 0;
	return got;
}

static const struct stress_parent mvnet_parent = {
	.name = "mvnet",
	.module = "mvnet",
	.unload_module = true,
	.create = mvnet_create,
	.net_opts = {
		/* no control queue: a restart is a few ioctls */
		.features = BIT64(VIRTIO_NET_F_MAC) |
			    BIT64(VIRTIO_NET_F_STATUS) |
			    BIT64(VIRTIO_NET_F_MTU) |
			    BIT64(VIRTIO_NET_F_MRG_RXBUF),
		.ring_num = 64,
	},
	.exchange = mvnet_exchange,
	/* only one front end at a time */
	.open_errs = ERRS(EBUSY),
};

FIXTURE(stress) {
	struct stress st;
	struct stress_baseline base;
};

FIXTURE_VARIANT(stress) {
	unsigned int open_flags;	/* the front end: vhost_mdev_test.h */
};

FIXTURE_VARIANT_ADD(stress, vfio) { .open_flags = 0 };
FIXTURE_VARIANT_ADD(stress, cdev) { .open_flags = VMDEV_OPEN_CDEV };

FIXTURE_SETUP(stress)
{
	require_vhost_mdev(_metadata);
	stress_init(&self->st, &mvnet_parent, variant->open_flags);
	/* before the device exists: a failed assertion skips the teardown */
	stress_baseline(&self->base, mvnet_parent.module);
	ASSERT_NE(PINS_UNKNOWN, self->base.pins);
	ASSERT_LE(0, self->base.vmlck);
	ASSERT_LE(0, self->base.ref_vhost);
	ASSERT_LE(0, self->base.ref_parent);
	uuid_gen(self->st.uuid);
	ASSERT_EQ(0, mvnet_create(&self->st));
	ASSERT_EQ(0, dev_mac(self->st.uuid, self->st.mac));
}

FIXTURE_TEARDOWN(stress)
{
	if (!module_loaded("mvnet"))
		module_load("mvnet", NULL);
	if (!module_loaded(VHOST_MDEV_MODULE))
		module_load(VHOST_MDEV_MODULE, NULL);
	mdev_cleanup(self->st.uuid);
}

TEST_F_TIMEOUT(stress, survives_chaos, 3600)
{
	struct stress *st = &self->st;
	struct stress_baseline now;
	unsigned int seconds = stress_seconds(STRESS_DEFAULT_SECONDS);
	int i;

	ksft_print_msg("seed %u (VMDEV_STRESS_SEED=%u replays it), %u s\n",
		       st->seed, st->seed, seconds);
	fflush(stdout);
	stress_run(st, seconds);
	stress_summary(st);
	fflush(stdout);
	EXPECT_FALSE(st->failed) TH_LOG("seed %u: %s", st->seed, st->failure);
	/* a thread is stuck in the kernel: what follows would hang too */
	ASSERT_FALSE(st->stuck);
	EXPECT_LT(0, st->quiet_checks);

	/* Everything comes back once every fd is closed. */
	for (i = 0; i < STRESS_SETTLE_MS / 20; i++) {
		stress_baseline(&now, mvnet_parent.module);
		if (stress_same(&now, &self->base))
			break;
		usleep(20000);
	}
	EXPECT_EQ(self->base.pins, now.pins);
	EXPECT_EQ(self->base.vmlck, now.vmlck);
	EXPECT_EQ(self->base.ref_vhost, now.ref_vhost);
	EXPECT_EQ(self->base.ref_parent, now.ref_parent);
	EXPECT_TRUE(module_loaded(VHOST_MDEV_MODULE));
	EXPECT_TRUE(module_loaded("mvnet"));
	ASSERT_TRUE(mdev_exists(st->uuid));
	EXPECT_EQ(0, stress_remove_within(st->uuid, STRESS_REMOVE_MS))
		TH_LOG("the device could not be removed after the run");
}

TEST_HARNESS_MAIN
