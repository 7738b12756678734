// SPDX-License-Identifier: GPL-2.0-only
/*
 * What an open device holds and what closing (or dying) gives back: the
 * claim on the mdev's attributes, references on mvnet and vhost_mdev, and
 * pinned memory, through either front end. Pins are counted by the kernel
 * in /proc/vmstat (nr_foll_pin_acquired - nr_foll_pin_released: VFIO and
 * the character device pin with FOLL_PIN),
 * a process-independent measure; locked_vm is per mm and would die with
 * the process whatever the driver did.
 */
#include <signal.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "vhost_mdev_test.h"

#define CYCLES		1000
#define SETTLE_MS	5000

/* What the system holds with no device open. */
struct baseline {
	long pins;
	long ref_mvnet;
	long ref_vhost;
};

FIXTURE(life) {
	char uuid[UUID_BUF];
	struct vmdev *dev;
	uint8_t mac[6];
	struct baseline base;
};

FIXTURE_VARIANT(life) {
	unsigned int open_flags;	/* the front end: vhost_mdev_test.h */
};

FIXTURE_VARIANT_ADD(life, vfio) { .open_flags = 0 };
FIXTURE_VARIANT_ADD(life, cdev) { .open_flags = VMDEV_OPEN_CDEV };

FIXTURE_SETUP(life)
{
	require_vhost_mdev(_metadata);
	/*
	 * Baselines first: a failed assertion here skips the teardown, so
	 * nothing may have been created yet.
	 */
	self->base.pins = pinned_pages();
	ASSERT_NE(PINS_UNKNOWN, self->base.pins);
	self->base.ref_mvnet = module_refcnt("mvnet");
	self->base.ref_vhost = module_refcnt(VHOST_MDEV_MODULE);
	ASSERT_LE(0, self->base.ref_mvnet);
	ASSERT_LE(0, self->base.ref_vhost);
	ASSERT_EQ(0, vhost_create(self->uuid, 0, NULL));
	ASSERT_EQ(0, dev_mac(self->uuid, self->mac));
}

FIXTURE_TEARDOWN(life)
{
	vmdev_close(self->dev);
	mdev_cleanup(self->uuid);
	if (!module_loaded(VHOST_MDEV_MODULE))
		module_load(VHOST_MDEV_MODULE, NULL);
}

/* Loop back @n frames on an open, started device; 0 or -errno/-EIO. */
static int loopback(struct vmdev *dev, const uint8_t mac[6], unsigned int n)
{
	uint8_t buf[2048];
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = send_one(dev, 0, mac, mac, i, 60 + i % 1000);
		if (ret != 1)
			return ret < 0 ? ret : -EIO;
		ret = recv_one(dev, 0, buf, sizeof(buf), WAIT_MS);
		if (ret != (int)(60 + i % 1000))
			return ret < 0 ? ret : -EIO;
	}
	return 0;
}

/* Everything the device held is back to @b, and @uuid is unclaimed. */
static bool released(const char *uuid, const struct baseline *b)
{
	return dev_write(uuid, "mtu", "1500") == 0 &&
	       module_refcnt("mvnet") == b->ref_mvnet &&
	       module_refcnt(VHOST_MDEV_MODULE) == b->ref_vhost &&
	       pinned_pages() == b->pins;
}

/* Poll released() for up to SETTLE_MS: a dying process is torn down async. */
#define EXPECT_RELEASED() do {						\
	int __i;							\
									\
	for (__i = 0; __i < SETTLE_MS / 20; __i++) {			\
		if (released(self->uuid, &self->base))			\
			break;						\
		usleep(20000);						\
	}								\
	EXPECT_EQ(0, dev_write(self->uuid, "mtu", "1500"));		\
	EXPECT_EQ(self->base.ref_mvnet, module_refcnt("mvnet"));	\
	EXPECT_EQ(self->base.ref_vhost,					\
		  module_refcnt(VHOST_MDEV_MODULE));			\
	EXPECT_EQ(self->base.pins, pinned_pages());			\
} while (0)

TEST_F(life, attributes_are_busy_while_open)
{
	ASSERT_EQ(0, vhost_open(&self->dev, self->uuid, variant->open_flags));
	EXPECT_ERRNO(EBUSY, dev_write(self->uuid, "mac", "02:00:00:00:00:42"));
	EXPECT_ERRNO(EBUSY, dev_write(self->uuid, "mtu", "9000"));
	EXPECT_ERRNO(EBUSY, dev_write(self->uuid, "max_vq_pairs", "2"));
	vmdev_close(self->dev);
	self->dev = NULL;
	EXPECT_EQ(0, dev_write(self->uuid, "mac", "02:00:00:00:00:42"));
	EXPECT_EQ(0, dev_write(self->uuid, "mtu", "9000"));
	EXPECT_EQ(0, dev_write(self->uuid, "max_vq_pairs", "2"));
}

TEST_F(life, modules_stay_while_open)
{
	ASSERT_EQ(0, vhost_open(&self->dev, self->uuid, variant->open_flags));
	EXPECT_ERRNO(EWOULDBLOCK, module_unload("mvnet"));
	EXPECT_ERRNO(EWOULDBLOCK, module_unload(VHOST_MDEV_MODULE));
	EXPECT_TRUE(module_loaded("mvnet"));
	EXPECT_TRUE(module_loaded(VHOST_MDEV_MODULE));
	/* the device still works */
	ASSERT_EQ(0, vmdev_net_start(self->dev, NULL));
	EXPECT_EQ(0, loopback(self->dev, self->mac, 4));
}

TEST_F(life, close_releases_everything)
{
	ASSERT_EQ(0, vhost_open(&self->dev, self->uuid, variant->open_flags));
	ASSERT_EQ(0, vmdev_net_start(self->dev, NULL));
	ASSERT_EQ(0, loopback(self->dev, self->mac, 16));
	EXPECT_LT(self->base.pins, pinned_pages())
		TH_LOG("the device pinned nothing: is the check meaningful?");
	vmdev_close(self->dev);
	self->dev = NULL;
	EXPECT_RELEASED();
}

TEST_F(life, close_allows_rmmod)
{
	ASSERT_EQ(0, vhost_open(&self->dev, self->uuid, variant->open_flags));
	ASSERT_EQ(0, vmdev_net_start(self->dev, NULL));
	ASSERT_EQ(0, loopback(self->dev, self->mac, 2));
	vmdev_close(self->dev);
	self->dev = NULL;
	EXPECT_EQ(0, module_unload(VHOST_MDEV_MODULE));
	ASSERT_EQ(0, module_load(VHOST_MDEV_MODULE, NULL));
	/* the device, still there, gets its consumer back */
	ASSERT_EQ(0, vhost_open(&self->dev, self->uuid, variant->open_flags));
	ASSERT_EQ(0, vmdev_net_start(self->dev, NULL));
	EXPECT_EQ(0, loopback(self->dev, self->mac, 2));
}

/*
 * Child: open the device, start it and stream frames forever, saying on
 * @wfd when traffic flows. Exits non-zero on a failure.
 */
static void stream_forever(const char *uuid, unsigned int flags,
			   const uint8_t mac[6], int wfd)
{
	struct vmdev *dev;
	char c = 'x';
	uint32_t i;

	if (vhost_open(&dev, uuid, flags) || vmdev_net_start(dev, NULL) ||
	    loopback(dev, mac, 4))
		_exit(1);
	if (write(wfd, &c, 1) != 1)
		_exit(2);
	for (i = 0;; i++) {
		struct vmdev_frame f;
		uint8_t buf[1514];

		vmdev_fill_frame(buf, sizeof(buf), mac, mac, i);
		f = (struct vmdev_frame){ .data = buf, .len = sizeof(buf) };
		vmdev_net_send(dev, 0, &f, 1);
		f = (struct vmdev_frame){ .data = buf, .size = sizeof(buf) };
		vmdev_net_recv(dev, 0, &f, 1, 0);
	}
}

/* Child: with a small memlock limit and no CAP_IPC_LOCK, the device works. */
static void small_memlock_user(const char *uuid, unsigned int flags,
			       const uint8_t mac[6])
{
	struct rlimit rl = { 8 << 20, 8 << 20 };
	struct vmdev_net_opts opts = { .ring_num = 64 };
	struct vmdev *dev;

	if (setrlimit(RLIMIT_MEMLOCK, &rl) || drop_ipc_lock())
		_exit(3);
	if (vhost_open(&dev, uuid, flags))
		_exit(4);
	if (vmdev_net_start(dev, &opts))
		_exit(5);
	if (loopback(dev, mac, 64))
		_exit(6);
	vmdev_close(dev);
	_exit(0);
}

TEST_F_TIMEOUT(life, killed_process_releases_everything, 120)
{
	int pipefd[2], status;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(pipefd));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(pipefd[0]);
		stream_forever(self->uuid, variant->open_flags, self->mac,
			       pipefd[1]);
	}
	close(pipefd[1]);
	ASSERT_EQ(1, read(pipefd[0], &c, 1))
		TH_LOG("the child could not start traffic");
	close(pipefd[0]);
	usleep(200000);
	EXPECT_ERRNO(EBUSY, dev_write(self->uuid, "mtu", "1500"));
	EXPECT_LT(self->base.pins, pinned_pages());
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));

	EXPECT_RELEASED();

	/* a new, unprivileged-for-pinning process can use the device */
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		small_memlock_user(self->uuid, variant->open_flags, self->mac);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_RELEASED();
}

/*
 * Removing the mdev while a user has it open (Documentation/userspace-api/
 * vhost-mdev.rst, "Removal and close"): the device is reset, the config
 * eventfd is signalled, every further ioctl fails with ENODEV, and the
 * removal waits until the user closes the fd; then the device is gone and
 * nothing stays pinned or referenced.
 */
TEST_F_TIMEOUT(life, removal_while_open_waits_for_close, 120)
{
	int cfd, status, fd, i;
	uint64_t features;
	pid_t pid;

	ASSERT_EQ(0, vhost_open(&self->dev, self->uuid, variant->open_flags));
	ASSERT_EQ(0, vmdev_net_start(self->dev, NULL));
	ASSERT_EQ(0, loopback(self->dev, self->mac, 2));
	cfd = vmdev_config_eventfd(self->dev);
	ASSERT_LE(0, cfd);
	ASSERT_LE(0, vmdev_wait_eventfd(cfd, 0));	/* drained */

	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* Copies of the device, group or container fds hold it too. */
		for (fd = 3; fd < 1024; fd++)
			close(fd);
		_exit(mdev_remove(self->uuid) ? 1 : 0);
	}

	EXPECT_LT(0, vmdev_wait_eventfd(cfd, WAIT_MS))
		TH_LOG("the config eventfd was not signalled");
	EXPECT_ERRNO(ENODEV, vmdev_ioctl(self->dev, VHOST_GET_FEATURES,
					 &features));
	EXPECT_ERRNO(ENODEV, fd_get_status(vmdev_fd(self->dev)));
	usleep(500000);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG))
		TH_LOG("the removal did not wait for the fd to close");

	vmdev_close(self->dev);
	self->dev = NULL;
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	for (i = 0; i < WAIT_MS / 10 && mdev_exists(self->uuid); i++)
		usleep(10000);
	EXPECT_FALSE(mdev_exists(self->uuid));
	for (i = 0; i < SETTLE_MS / 20; i++) {
		if (module_refcnt("mvnet") == self->base.ref_mvnet &&
		    module_refcnt(VHOST_MDEV_MODULE) == self->base.ref_vhost &&
		    pinned_pages() == self->base.pins)
			break;
		usleep(20000);
	}
	EXPECT_EQ(self->base.ref_mvnet, module_refcnt("mvnet"));
	EXPECT_EQ(self->base.ref_vhost, module_refcnt(VHOST_MDEV_MODULE));
	EXPECT_EQ(self->base.pins, pinned_pages());
}

TEST_F_TIMEOUT(life, create_open_close_remove_cycles, 900)
{
	struct vmdev_open_opts opts = {
		.flags = variant->open_flags,
		.arena_size = 64 << 10,
	};
	long avail = available_instances(MVNET_VHOST);
	int i;

	ASSERT_LT(0, avail);
	mdev_cleanup(self->uuid);
	avail = available_instances(MVNET_VHOST);
	for (i = 0; i < CYCLES; i++) {
		ASSERT_EQ(0, vhost_create(self->uuid, 0, NULL))
			TH_LOG("cycle %d", i);
		ASSERT_EQ(0, vmdev_open(&self->dev, self->uuid, &opts))
			TH_LOG("cycle %d", i);
		ASSERT_EQ(0, vmdev_negotiate(self->dev, 0))
			TH_LOG("cycle %d", i);
		vmdev_close(self->dev);
		self->dev = NULL;
		ASSERT_EQ(0, mdev_remove(self->uuid))
			TH_LOG("cycle %d", i);
	}
	self->uuid[0] = '\0';
	EXPECT_EQ(avail, available_instances(MVNET_VHOST));
	EXPECT_EQ(self->base.ref_mvnet, module_refcnt("mvnet"));
	EXPECT_EQ(self->base.ref_vhost, module_refcnt(VHOST_MDEV_MODULE));
	EXPECT_EQ(self->base.pins, pinned_pages());
}

TEST_HARNESS_MAIN
