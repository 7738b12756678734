// SPDX-License-Identifier: GPL-2.0-only
/*
 * The deterministic fault pass of the debug lane (tools/testing/vm/
 * fault-inject.sh runs it; run-tests.sh does not: it needs a kernel with
 * CONFIG_FAULT_INJECTION, which Debian's lacks).  For each operation of a
 * vhost device, through both front ends, the first, second, third, ...
 * allocation the operation makes fails in turn (/proc/thread-self/fail-nth:
 * every allocation of this thread counts, ours and those the VFIO and mdev
 * cores make for us), until a run makes fewer allocations than asked.
 * After each injected fault the operation must fail cleanly or succeed,
 * and then, without faults, succeed and leave a device that loops a frame
 * back.  The lane then checks the log for splats and kmemleak for leaks.
 */
#include <sys/eventfd.h>

#include "kselftest_harness.h"
#include "../vhost_mdev/vhost_mdev_test.h"

#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define MAX_NTH		2000	/* far more allocations than any operation */
#define MAP_IOVA	0x80000000ULL
#define MAP_SIZE	(64 << 10)
/* Seconds per test: hundreds of runs of the operation, on the debug kernel */
#define NTH_TIMEOUT	600

/* What the operations work on. */
struct nth_ctx {
	char uuid[UUID_BUF];
	struct vmdev *dev;
	uint8_t mac[6];
	int efd;
	int nth_fd;
	void *mem;
};

FIXTURE(nth) {
	struct nth_ctx c;
};

FIXTURE_VARIANT(nth) {
	unsigned int open_flags;	/* the front end: vhost_mdev_test.h */
};

FIXTURE_VARIANT_ADD(nth, vfio) { .open_flags = 0 };
FIXTURE_VARIANT_ADD(nth, cdev) { .open_flags = VMDEV_OPEN_CDEV };

FIXTURE_SETUP(nth)
{
	self->c.efd = -1;
	self->c.nth_fd = -1;
	if (!path_exists(FAIL_NTH))
		SETUP_SKIP("no %s (CONFIG_FAULT_INJECTION)", FAIL_NTH);
	self->c.nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->c.nth_fd);
	require_vhost_mdev(_metadata);
	ASSERT_EQ(0, vhost_create(self->c.uuid, 0, NULL));
	ASSERT_EQ(0, dev_mac(self->c.uuid, self->c.mac));
	self->c.efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, self->c.efd);
	self->c.mem = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->c.mem);
}

FIXTURE_TEARDOWN(nth)
{
	vmdev_close(self->c.dev);
	mdev_cleanup(self->c.uuid);
	if (self->c.efd >= 0)
		close(self->c.efd);
	if (self->c.nth_fd >= 0)
		close(self->c.nth_fd);
}

/*
 * The fail-nth file stays open (opening it would allocate, and count):
 * writing N makes the Nth allocation of this thread from then on fail.
 */
static int nth_set(struct nth_ctx *c, unsigned int n)
{
	char buf[16];
	int len;

	len = snprintf(buf, sizeof(buf), "%u", n);
	return pwrite(c->nth_fd, buf, len, 0) == len ? 0 : -errno;
}

/* What is left of the count: 0 once the fault was injected. */
static int nth_get(struct nth_ctx *c)
{
	char buf[16] = "";
	ssize_t ret;

	ret = pread(c->nth_fd, buf, sizeof(buf) - 1, 0);
	return ret < 0 ? -errno : atoi(buf);
}

/* An operation on the fixture: 0 or -errno.  Its undo: back to before. */
typedef int (*nth_op)(struct nth_ctx *c, unsigned int flags);

/* Loop one frame back on the started device: the device still works. */
static int loops_back(struct nth_ctx *c)
{
	uint8_t buf[2048];
	int ret;

	ret = send_one(c->dev, 0, c->mac, c->mac, 1, 60);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	ret = recv_one(c->dev, 0, buf, sizeof(buf), WAIT_MS);
	return ret == 60 ? 0 : ret < 0 ? ret : -EIO;
}

/*
 * Fail the 1st, 2nd, ... allocation of @op in turn, @undo after each run
 * (whatever it returned), until @op runs through without reaching the
 * fault; then @op without faults must succeed.  Each run's result: 0, or
 * the error the fault caused (never a crash or a splat: the lane checks).
 * Returns how many allocations were failed, which the caller checks: an
 * operation that allocates nothing tests nothing here.
 */
static unsigned int each_allocation(struct __test_metadata *_metadata,
				    struct nth_ctx *c, unsigned int flags,
				    nth_op op, nth_op undo, const char *what)
{
	unsigned int n, faults = 0, refused = 0;
	int ret, left;

	for (n = 1; n <= MAX_NTH; n++) {
		ASSERT_EQ(0, nth_set(c, n));
		ret = op(c, flags);
		left = nth_get(c);
		ASSERT_EQ(0, nth_set(c, 0));
		ASSERT_LE(0, left);
		if (left) {
			/* fewer than n allocations: nothing was failed */
			EXPECT_EQ(0, ret) TH_LOG("%s without a fault: %s", what,
						 strerror(-ret));
			break;
		}
		faults++;
		refused += ret != 0;
		ASSERT_EQ(0, undo(c, flags))
			TH_LOG("%s: undo after allocation %u failed", what, n);
	}
	EXPECT_GT(MAX_NTH, n) TH_LOG("%s: never ran through", what);
	TH_LOG("%s: %u allocations failed in turn, %u runs refused",
	       what, faults, refused);
	return faults;
}

/*
 * Create a device: the mdev, the vmdev device and the vhost personality
 * with its front ends (the VFIO device and its group, the character
 * device), all in this thread's write of a new UUID to the type's
 * "create" file.
 */
static int op_create(struct nth_ctx *c, unsigned int flags)
{
	return mdev_create_new(MVNET_VHOST, c->uuid);
}

/* The personality attached: its last front end, the node, is there. */
static bool vhost_attached(const char *uuid)
{
	char path[PATH_BUF];

	snprintf(path, sizeof(path), "/sys/class/vhost-mdev/%s", uuid);
	return path_exists(path);
}

/*
 * The front end is there but its node in /dev is not: /dev/vhost-mdev/<uuid>
 * for the character device; for VFIO, the VFIO device (vfio-dev/) and its
 * group (/sys/kernel/iommu_groups/<group>) without /dev/vfio/<group>.
 * devtmpfs makes the node for the device being added, and the driver core
 * does not fail the device when it cannot (the node's name is an
 * allocation too): such a device exists and cannot be opened. Anything
 * else missing is not excused.
 */
static bool only_node_missing(const char *uuid, unsigned int flags)
{
	char path[PATH_BUF], group[PATH_BUF / 2];

	if (flags & VMDEV_OPEN_CDEV) {
		snprintf(path, sizeof(path), VMDEV_CDEV_DIR "/%s", uuid);
		return vhost_attached(uuid) && !path_exists(path);
	}
	dev_path(path, uuid, "vfio-dev");
	if (!path_exists(path))
		return false;
	dev_path(path, uuid, "iommu_group");
	if (link_name(path, group, sizeof(group)))
		return false;
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s", group);
	if (!path_exists(path))
		return false;
	snprintf(path, sizeof(path), "/dev/vfio/%s", group);
	return !path_exists(path);
}

/*
 * Whatever the fault did, the device is either not there, or there with
 * its personality attached, or there without one ("vhost personality
 * failed to attach": no front end). The front end opens the device when
 * the personality attached (unless the fault took the node: ENODEV), and
 * finds none otherwise; then the device goes.
 */
static int undo_create(struct nth_ctx *c, unsigned int flags)
{
	bool attached;
	int ret;

	if (!mdev_exists(c->uuid))
		return 0;
	attached = vhost_attached(c->uuid);
	ret = vhost_open(&c->dev, c->uuid, flags);
	if (!ret) {
		vmdev_close(c->dev);
		c->dev = NULL;
	}
	if (!attached && !ret)
		return -EEXIST;
	if (attached && ret &&
	    !(ret == -ENODEV && only_node_missing(c->uuid, flags)))
		return ret;
	return mdev_remove(c->uuid);
}

/* Open the device (VFIO group, container and device fd, or the node). */
static int op_open(struct nth_ctx *c, unsigned int flags)
{
	return vhost_open(&c->dev, c->uuid, flags);
}

static int undo_open(struct nth_ctx *c, unsigned int flags)
{
	vmdev_close(c->dev);
	c->dev = NULL;
	return 0;
}

/* Start it: features, rings, eventfds, status up to DRIVER_OK. */
static int op_start(struct nth_ctx *c, unsigned int flags)
{
	return vmdev_net_start(c->dev, NULL);
}

static int undo_start(struct nth_ctx *c, unsigned int flags)
{
	return vmdev_reset(c->dev);
}

/* Map memory for the device (VFIO_IOMMU_MAP_DMA, or an IOTLB UPDATE). */
static int op_map(struct nth_ctx *c, unsigned int flags)
{
	return vmdev_map(c->dev, c->mem, MAP_IOVA, MAP_SIZE,
			 VMDEV_MAP_RW);
}

static int undo_map(struct nth_ctx *c, unsigned int flags)
{
	return vmdev_unmap(c->dev, MAP_IOVA, MAP_SIZE);
}

/* Bind an eventfd to ring 0's kick, call and error, and to config. */
static int op_eventfds(struct nth_ctx *c, unsigned int flags)
{
	int fd = vmdev_fd(c->dev), ret;

	ret = fd_vring_file(fd, VHOST_SET_VRING_KICK, 0, c->efd);
	if (!ret)
		ret = fd_vring_file(fd, VHOST_SET_VRING_CALL, 0, c->efd);
	if (!ret)
		ret = fd_vring_file(fd, VHOST_SET_VRING_ERR, 0, c->efd);
	if (!ret)
		ret = xioctl(fd, VHOST_VDPA_SET_CONFIG_CALL, &c->efd);
	return ret;
}

static int undo_eventfds(struct nth_ctx *c, unsigned int flags)
{
	int fd = vmdev_fd(c->dev), unbind = VHOST_FILE_UNBIND, ret;

	ret = fd_vring_file(fd, VHOST_SET_VRING_KICK, 0, unbind);
	if (!ret)
		ret = fd_vring_file(fd, VHOST_SET_VRING_CALL, 0, unbind);
	if (!ret)
		ret = fd_vring_file(fd, VHOST_SET_VRING_ERR, 0, unbind);
	if (!ret)
		ret = xioctl(fd, VHOST_VDPA_SET_CONFIG_CALL, &unbind);
	return ret;
}

/*
 * First: a failed creation once left a VFIO device registered without its
 * device set, which crashed the kernel at the first open (see
 * vhost_mdev_vfio_create()).
 */
TEST_F_TIMEOUT(nth, create, NTH_TIMEOUT)
{
	/* This test's device is the one it creates. */
	ASSERT_EQ(0, mdev_remove(self->c.uuid));
	EXPECT_LT(0, each_allocation(_metadata, &self->c,
				     variant->open_flags, op_create, undo_create,
				     "create"));
	ASSERT_TRUE(vhost_attached(self->c.uuid));
	ASSERT_EQ(0, dev_mac(self->c.uuid, self->c.mac));
	ASSERT_EQ(0, op_open(&self->c, variant->open_flags));
	ASSERT_EQ(0, vmdev_net_start(self->c.dev, NULL));
	EXPECT_EQ(0, loops_back(&self->c));
}

TEST_F_TIMEOUT(nth, open, NTH_TIMEOUT)
{
	EXPECT_LT(0, each_allocation(_metadata, &self->c,
				     variant->open_flags, op_open, undo_open,
				     "open"));
	ASSERT_EQ(0, vmdev_net_start(self->c.dev, NULL));
	EXPECT_EQ(0, loops_back(&self->c));
}

TEST_F_TIMEOUT(nth, start, NTH_TIMEOUT)
{
	ASSERT_EQ(0, op_open(&self->c, variant->open_flags));
	EXPECT_LT(0, each_allocation(_metadata, &self->c,
				     variant->open_flags, op_start, undo_start,
				     "start"));
	EXPECT_EQ(0, loops_back(&self->c));
}

TEST_F_TIMEOUT(nth, map, NTH_TIMEOUT)
{
	ASSERT_EQ(0, op_open(&self->c, variant->open_flags));
	EXPECT_LT(0, each_allocation(_metadata, &self->c,
				     variant->open_flags, op_map, undo_map,
				     "map"));
	ASSERT_EQ(0, undo_map(&self->c, variant->open_flags));
	ASSERT_EQ(0, vmdev_net_start(self->c.dev, NULL));
	EXPECT_EQ(0, loops_back(&self->c));
}

TEST_F_TIMEOUT(nth, eventfds, NTH_TIMEOUT)
{
	ASSERT_EQ(0, op_open(&self->c, variant->open_flags));
	/*
	 * Binding eventfds allocates nothing (they are wired as wait-queue
	 * entries of the session's own), so memory cannot fail it: a change
	 * that makes it allocate shows here, and needs a failure path. (The
	 * count is the thread's, stock code's allocations on the way
	 * included: a stock kernel that allocates there trips it too.)
	 */
	EXPECT_EQ(0, each_allocation(_metadata, &self->c,
				     variant->open_flags, op_eventfds,
				     undo_eventfds, "eventfds"));
	ASSERT_EQ(0, vmdev_net_start(self->c.dev, NULL));
	EXPECT_EQ(0, loops_back(&self->c));
}

TEST_HARNESS_MAIN
