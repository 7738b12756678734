// SPDX-License-Identifier: GPL-2.0-only
/*
 * Container unmaps racing each other and the device's own close, on the
 * stock kernel, each bounded by a timeout: a hang fails the test.
 *
 * A software device pins the pages it uses through VFIO, and VFIO asks it
 * to unpin them (its dma_unmap callback) when userspace unmaps them. Stock
 * 6.1 type1 takes its device-list lock under its container lock there,
 * while the callback's unpinning takes the container lock under the
 * device-list lock: two threads unmapping pinned ranges of one container
 * at once, or one doing that while another device of the container is
 * opened or closed, can deadlock inside VFIO, whatever the driver does
 * (Documentation/userspace-api/vhost-mdev.rst, "Stock VFIO"). These cases
 * are what stays safe, and what our own locks add nothing to: unmaps of
 * two containers at once, an unmap racing the close of the device that
 * pinned the range, and an unmap of a pinned range racing maps and
 * unmaps of other ranges of the same container. Every round the devices
 * first loop a frame back, so the range unmapped has pages pinned (which
 * the test checks); the unmap then breaks the running device, as
 * documented, and a reset and a new mapping bring it back.
 *
 * The debug lane's kernel fixes type1's lock order
 * (tools/testing/vm/debug-kernel-patches/), so there lockdep checks our
 * dma_unmap path against VFIO's locks with the same rounds.
 *
 * VMDEV_STRESS_SECONDS bounds each case (default 3 s; the debug lane's
 * is longer than the harness's default timeout, hence TEST_F_TIMEOUT, the
 * rounds having their own HANG_S).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vhost_mdev_test.h"

#define DEFAULT_SECONDS		3
/* A round's threads get this long before the round counts as hung. */
#define HANG_S			30
#define FRAME_LEN		60
#define SPARE_IOVA		BIT64(40)
/* vhost_open()'s arena: the library's default IOVA, 2 MiB. */
#define ARENA_IOVA		BIT64(30)
#define ARENA_SIZE		BIT64(21)
#define SPARE_SIZE		(64 * 4096)

FIXTURE(race) {
	char uuid[2][UUID_BUF];
	struct vmdev *dev[2];
	uint8_t mac[2][6];
	long pins_base;
};

FIXTURE_SETUP(race)
{
	unsigned int i;

	self->uuid[0][0] = 0;
	self->uuid[1][0] = 0;
	require_vhost_mdev(_metadata);
	self->pins_base = pinned_pages();
	ASSERT_NE(PINS_UNKNOWN, self->pins_base);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, vhost_create(self->uuid[i], 1, NULL));
		ASSERT_EQ(0, dev_mac(self->uuid[i], self->mac[i]));
		ASSERT_EQ(0, vhost_open(&self->dev[i], self->uuid[i], 0));
	}
}

FIXTURE_TEARDOWN(race)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		vmdev_close(self->dev[i]);
		mdev_cleanup(self->uuid[i]);
	}
}

/*
 * Bring @dev (again) to a running loopback whose arena has pages pinned:
 * reset (which a broken device needs), map the arena back, start, and
 * loop one frame. 0 or -errno.
 */
static int pin_some(struct vmdev *dev, const uint8_t mac[6], uint32_t seq)
{
	uint8_t buf[2048];
	int ret;

	ret = vmdev_reset(dev);
	if (!ret)
		ret = vmdev_arena_map(dev);
	if (!ret)
		ret = vmdev_net_start(dev, NULL);
	if (ret)
		return ret;
	if (send_one(dev, 0, mac, mac, seq, FRAME_LEN) != 1 ||
	    recv_one(dev, 0, buf, sizeof(buf), WAIT_MS) != FRAME_LEN)
		return -EIO;
	return 0;
}

/* One thread of a round: @fn(@arg) once both threads are ready. */
struct racer {
	pthread_t thread;
	pthread_barrier_t *start;
	int (*fn)(void *arg);
	void *arg;
	int ret;
};

static void *racer_main(void *p)
{
	struct racer *r = p;

	pthread_barrier_wait(r->start);
	r->ret = r->fn(r->arg);
	return NULL;
}

static int unmap_arena(void *dev)
{
	return vmdev_arena_unmap(dev);
}

/*
 * Run @a and @b at once; false if either is still running HANG_S seconds
 * later (the threads are then left behind: the process cannot end them).
 */
static bool race(struct racer *a, struct racer *b)
{
	pthread_barrier_t start;
	struct timespec deadline;
	bool done;

	pthread_barrier_init(&start, NULL, 2);
	a->start = &start;
	b->start = &start;
	if (pthread_create(&a->thread, NULL, racer_main, a))
		return false;
	if (pthread_create(&b->thread, NULL, racer_main, b)) {
		pthread_join(a->thread, NULL);
		return false;
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += HANG_S;
	done = !pthread_timedjoin_np(a->thread, NULL, &deadline) &&
	       !pthread_timedjoin_np(b->thread, NULL, &deadline);
	if (done)
		pthread_barrier_destroy(&start);
	return done;
}

/* Two containers (one per device), each unmapping pinned pages at once. */
TEST_F_TIMEOUT(race, two_containers_unmap_pinned_ranges_at_once, 3600)
{
	unsigned int seconds = stress_seconds(DEFAULT_SECONDS), rounds = 0;
	struct racer r[2] = {
		{ .fn = unmap_arena, .arg = self->dev[0] },
		{ .fn = unmap_arena, .arg = self->dev[1] },
	};
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (ms_since(&start) < seconds * 1000L) {
		ASSERT_EQ(0, pin_some(self->dev[0], self->mac[0], rounds));
		ASSERT_EQ(0, pin_some(self->dev[1], self->mac[1], rounds));
		ASSERT_LT(self->pins_base, pinned_pages());
		ASSERT_TRUE(race(&r[0], &r[1]))
			TH_LOG("round %u: the unmaps hang", rounds);
		ASSERT_EQ(0, r[0].ret);
		ASSERT_EQ(0, r[1].ret);
		/* both devices used what went away: both must say so */
		EXPECT_EQ(1, vmdev_needs_reset(self->dev[0]));
		EXPECT_EQ(1, vmdev_needs_reset(self->dev[1]));
		rounds++;
	}
	TH_LOG("%u rounds", rounds);
	ASSERT_EQ(0, vmdev_reset(self->dev[0]));
	ASSERT_EQ(0, vmdev_reset(self->dev[1]));
	EXPECT_EQ(self->pins_base, pinned_pages());
}

static int close_dev(void *p)
{
	struct vmdev **dev = p;

	vmdev_close(*dev);
	*dev = NULL;
	return 0;
}

/*
 * The arena's unmap through a duplicate of the container fd, which keeps
 * the container while the library closes the device, its group and its
 * own fd of the container.
 */
struct container_unmap {
	int fd;
};

static int unmap_through(void *p)
{
	struct container_unmap *u = p;
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = ARENA_IOVA,
		.size = ARENA_SIZE,
	};

	return ioctl(u->fd, VFIO_IOMMU_UNMAP_DMA, &unmap) ? -errno : 0;
}

/*
 * The unmap's callback and the device's release both drop the pinned
 * pages, and the release unregisters the device from the container.
 */
TEST_F_TIMEOUT(race, unmap_races_the_close_of_its_device, 3600)
{
	unsigned int seconds = stress_seconds(DEFAULT_SECONDS), rounds = 0;
	struct container_unmap u;
	struct racer r[2] = {
		{ .fn = unmap_through, .arg = &u },
		{ .fn = close_dev, .arg = &self->dev[0] },
	};
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (ms_since(&start) < seconds * 1000L) {
		if (!self->dev[0])
			ASSERT_EQ(0, vhost_open(&self->dev[0], self->uuid[0],
						0));
		ASSERT_EQ(0, pin_some(self->dev[0], self->mac[0], rounds));
		ASSERT_LT(self->pins_base, pinned_pages());
		u.fd = dup(vmdev_container_fd(self->dev[0]));
		ASSERT_LE(0, u.fd);
		ASSERT_TRUE(race(&r[0], &r[1]))
			TH_LOG("round %u: unmap and close hang", rounds);
		/*
		 * Unmapped before the close, or after it took the group
		 * (and with it the IOMMU) out of the container.
		 */
		EXPECT_TRUE(r[0].ret == 0 || r[0].ret == -EINVAL)
			TH_LOG("round %u: unmap: %d", rounds, r[0].ret);
		close(u.fd);
		EXPECT_EQ(self->pins_base, pinned_pages());
		rounds++;
	}
	TH_LOG("%u rounds", rounds);
}

/* Maps and unmaps an unpinned range until told to stop. */
struct churn {
	struct vmdev *dev;
	atomic_bool stop;
	unsigned int cycles;
};

static int churn_spare(void *p)
{
	struct churn *c = p;
	void *mem;

	/* at least one cycle, racing the unmap from its start */
	do {
		mem = vmdev_mem_alloc(c->dev, SPARE_SIZE, SPARE_IOVA);
		if (!mem)
			return -errno;
		if (vmdev_mem_free(c->dev, mem))
			return -EIO;
		c->cycles++;
	} while (!atomic_load(&c->stop));
	return 0;
}

static int unmap_then_stop(void *p)
{
	struct churn *c = p;
	int ret = vmdev_arena_unmap(c->dev);

	atomic_store(&c->stop, true);
	return ret;
}

/* One container: a pinned range unmapped while others come and go. */
TEST_F_TIMEOUT(race, unmap_of_a_pinned_range_races_other_ranges, 3600)
{
	unsigned int seconds = stress_seconds(DEFAULT_SECONDS), rounds = 0;
	struct churn c = { .dev = self->dev[0] };
	struct racer r[2] = {
		{ .fn = unmap_then_stop, .arg = &c },
		{ .fn = churn_spare, .arg = &c },
	};
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (ms_since(&start) < seconds * 1000L) {
		ASSERT_EQ(0, pin_some(self->dev[0], self->mac[0], rounds));
		ASSERT_LT(self->pins_base, pinned_pages());
		atomic_store(&c.stop, false);
		ASSERT_TRUE(race(&r[0], &r[1]))
			TH_LOG("round %u: the unmaps hang", rounds);
		ASSERT_EQ(0, r[0].ret);
		ASSERT_EQ(0, r[1].ret);
		EXPECT_EQ(1, vmdev_needs_reset(self->dev[0]));
		rounds++;
	}
	TH_LOG("%u rounds, %u spare mappings", rounds, c.cycles);
	ASSERT_EQ(0, vmdev_reset(self->dev[0]));
	EXPECT_EQ(self->pins_base, pinned_pages());
}

TEST_HARNESS_MAIN
