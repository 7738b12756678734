/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the vhost_mdev selftests: a vhost-personality mvnet
 * device opened through libvmdev, through either front end (every fixture
 * runs twice: the VFIO device fd, and the vhost-vdpa compatible character
 * device), raw ioctls that return -errno, and the skip logic for machines
 * without VFIO or the vhost_mdev module.
 *
 * Include kselftest_harness.h first.
 */
#ifndef _VHOST_MDEV_TEST_H
#define _VHOST_MDEV_TEST_H

#include <limits.h>
#include <setjmp.h>
#include <stdlib.h>
#include <time.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <linux/capability.h>
#include <linux/vfio.h>
#include <linux/vhost.h>
#include <linux/vhost_mdev.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "../vmdev/vmdev_test.h"
#include "vmdev/vmdev.h"

#define VFIO_CONTAINER		"/dev/vfio/vfio"
#define VHOST_MDEV_MODULE	"vhost_mdev"
#define VFIO_TYPE1_MODULE	"vfio_iommu_type1"

/* Generous: the test VM emulates its CPU (TCG). */
#define WAIT_MS			5000
#define NO_FRAME_MS		300

#define BIT64(nr)		(1ULL << (nr))

/*
 * Skip the current test from its fixture setup. The 6.1 harness runs the
 * test body after a SKIP() in setup unless setup leaves through its jump
 * buffer, which also skips the teardown (setup has built nothing yet).
 */
#define SETUP_SKIP(fmt, ...) \
	SKIP(longjmp(_metadata->env, 1), fmt, ##__VA_ARGS__)

/*
 * Calibration against upstream. With VHOST_MDEV_TEST_UPSTREAM naming a
 * node of upstream vhost_vdpa (make check-interop runs uapi and iotlb so,
 * over vdpa_sim_net, as upstream/uapi and upstream/iotlb), the fixtures
 * open that node instead of a device of ours, and every expectation is
 * checked against upstream itself. Where ours differs on purpose, a test
 * expects DIFF(n, upstream's, ours): n is the numbered entry of
 * Documentation/userspace-api/vhost-mdev-upstream-6.1.rst that says what
 * differs and why. A test of something upstream does not have at all
 * starts with upstream_lacks() (a skip, counted with the calibration's).
 */
#define UPSTREAM_ENV		"VHOST_MDEV_TEST_UPSTREAM"

static inline const char *upstream_node(void)
{
	const char *path = getenv(UPSTREAM_ENV);

	return path && *path ? path : NULL;
}

#define ON_UPSTREAM		(!!upstream_node())
#define DIFF(n, upstream, ours)	(ON_UPSTREAM ? (upstream) : (ours))
/*
 * Upstream's vhost_chr_write_iter() turns every error of a message's
 * handling into EFAULT (entry 7).
 */
#define MSG_ERRNO(ours)		DIFF(7, EFAULT, (ours))

/*
 * Whether the test is of @what, which upstream does not have: then it is
 * skipped, and the caller returns.
 */
static inline bool upstream_lacks(struct __test_metadata *_metadata,
				  const char *what)
{
	if (!ON_UPSTREAM)
		return false;
	SKIP(return true, "upstream has no such thing: %s", what);
}

/* An ioctl as a value: 0 (or the result) or -errno. */
static inline int xioctl(int fd, unsigned long req, void *arg)
{
	int ret = ioctl(fd, req, arg);

	return ret < 0 ? -errno : ret;
}

/* Raw ioctls on a device fd, for tests that play a client call by call. */
static inline int fd_set_status(int fd, uint8_t status)
{
	return xioctl(fd, VHOST_VDPA_SET_STATUS, &status);
}

/* The status byte, or -errno. */
static inline int fd_get_status(int fd)
{
	uint8_t status;
	int ret = xioctl(fd, VHOST_VDPA_GET_STATUS, &status);

	return ret ? ret : status;
}

/* A ring ioctl taking a struct vhost_vring_state. */
static inline int fd_vring_state(int fd, unsigned long req, unsigned int idx,
				 unsigned int num)
{
	struct vhost_vring_state s = { .index = idx, .num = num };

	return xioctl(fd, req, &s);
}

/* A ring ioctl taking a struct vhost_vring_file. */
static inline int fd_vring_file(int fd, unsigned long req, unsigned int idx,
				int efd)
{
	struct vhost_vring_file f = { .index = idx, .fd = efd };

	return xioctl(fd, req, &f);
}

/*
 * Fixture setup: root, the mvnet parent, VFIO and vhost_mdev; skip when
 * VFIO or vhost_mdev cannot be had on this machine.
 */
static inline void require_vhost_mdev(struct __test_metadata *_metadata)
{
	require_mvnet(_metadata);
	if (!module_loaded(VHOST_MDEV_MODULE))
		module_load(VHOST_MDEV_MODULE, NULL);
	if (!module_loaded(VHOST_MDEV_MODULE))
		SETUP_SKIP("the vhost_mdev module is not available");
	if (!path_exists(VFIO_CONTAINER))
		SETUP_SKIP("no %s", VFIO_CONTAINER);
	/* vfio's soft dependency loads it, as on a host: nobody else may. */
	ASSERT_TRUE(module_loaded(VFIO_TYPE1_MODULE))
		TH_LOG("%s did not come with vfio", VFIO_TYPE1_MODULE);
}

/*
 * A new mvnet-vhost device in @uuid; @pairs (0: leave the default) and
 * @mac (NULL: leave) set before anyone opens it.
 */
static inline int vhost_create(char *uuid, unsigned int pairs,
			       const char *mac)
{
	char val[VAL_BUF];
	int ret;

	ret = mdev_create_new(MVNET_VHOST, uuid);
	if (ret)
		return ret;
	if (pairs) {
		snprintf(val, sizeof(val), "%u", pairs);
		ret = dev_write(uuid, "max_vq_pairs", val);
	}
	if (!ret && mac)
		ret = dev_write(uuid, "mac", mac);
	return ret;
}

/*
 * Every test of a vhost device runs through both front ends, as two
 * fixture variants whose open_flags say which: "vfio" (0: the VFIO device
 * fd) and "cdev" (VMDEV_OPEN_CDEV: the character device
 * /dev/vhost-mdev/<uuid>), declared in each test file as
 *
 *	FIXTURE_VARIANT(name) {
 *		unsigned int open_flags;
 *	};
 *
 *	FIXTURE_VARIANT_ADD(name, vfio) { .open_flags = 0 };
 *	FIXTURE_VARIANT_ADD(name, cdev) { .open_flags = VMDEV_OPEN_CDEV };
 */

/*
 * Open through the front end @flags names (VMDEV_OPEN_*), with a bigger
 * arena when many queue pairs will be set up.
 */
static inline int vhost_open(struct vmdev **dev, const char *uuid,
			     unsigned int flags)
{
	struct vmdev_open_opts opts = { .flags = flags, .arena_size = 2 << 20 };

	return vmdev_open(dev, uuid, &opts);
}

static inline void mac_str(char *buf, const uint8_t mac[6])
{
	snprintf(buf, VAL_BUF, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/* The mdev's MAC as bytes; 0 or -errno. */
static inline int dev_mac(const char *uuid, uint8_t mac[6])
{
	char buf[VAL_BUF];
	int ret;

	ret = dev_read(uuid, "mac", buf, sizeof(buf));
	if (ret < 0)
		return ret;
	return vmdev_parse_mac(buf, mac);
}

/* Send one test frame of @len bytes with @seq on @qp; 1 or -errno. */
static inline int send_one(struct vmdev *dev, unsigned int qp,
			   const uint8_t dst[6], const uint8_t src[6],
			   uint32_t seq, size_t len)
{
	uint8_t buf[65536 + 14];
	struct vmdev_frame f = { .data = buf, .len = len };
	int ret;

	vmdev_fill_frame(buf, len, dst, src, seq);
	ret = vmdev_net_send(dev, qp, &f, 1);
	if (ret != 1)
		return ret < 0 ? ret : -ENOSPC;
	ret = vmdev_net_tx_done(dev, qp, WAIT_MS);
	return ret ? ret : 1;
}

/*
 * Receive one frame on @qp within @timeout_ms into @buf (@size bytes):
 * its length, 0 on timeout, or -errno.
 */
static inline int recv_one(struct vmdev *dev, unsigned int qp, void *buf,
			   size_t size, int timeout_ms)
{
	struct vmdev_frame f = { .data = buf, .size = size };
	int ret;

	ret = vmdev_net_recv(dev, qp, &f, 1, timeout_ms);
	if (ret <= 0)
		return ret;
	return f.len;
}

/* The device status byte read straight from the fd, or -errno. */
static inline int dev_status(struct vmdev *dev)
{
	return vmdev_get_status(dev);
}

/* Wait until @bits are set in the status; true if they were in time. */
static inline bool wait_status(struct vmdev *dev, uint8_t bits,
			       int timeout_ms)
{
	int i, status;

	for (i = 0; i <= timeout_ms / 10; i++) {
		status = vmdev_get_status(dev);
		if (status >= 0 && (status & bits) == bits)
			return true;
		usleep(10000);
	}
	return false;
}

/* What pinned_pages() returns when /proc/vmstat cannot tell. */
#define PINS_UNKNOWN	LONG_MIN

/*
 * FOLL_PIN pins taken minus pins released system-wide, or PINS_UNKNOWN.
 * Only differences mean anything: the two counters start wherever boot
 * left them, so the value itself may well be negative. Per-CPU deltas are
 * folded in first so that two reads compare exactly.
 */
static inline long pinned_pages(void)
{
	long acquired = -1, released = -1, val;
	char name[64];
	FILE *f;

	write_str("/proc/sys/vm/stat_refresh", "1");
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return PINS_UNKNOWN;
	while (fscanf(f, "%63s %ld", name, &val) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			acquired = val;
		else if (!strcmp(name, "nr_foll_pin_released"))
			released = val;
	}
	fclose(f);
	if (acquired < 0 || released < 0)
		return PINS_UNKNOWN;
	return acquired - released;
}

static inline long module_refcnt(const char *name)
{
	char path[PATH_BUF];

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", name);
	return read_long(path);
}

/* Field @field ("VmLck:") of process @pid's status (0: ours), or -errno. */
static inline long status_kb(pid_t pid, const char *field)
{
	char path[PATH_BUF], line[256];
	size_t len = strlen(field);
	long kb = -ENOENT;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/status", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) &&
		    sscanf(line + len, "%ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Locked memory (VmLck) of process @pid (0: ourselves) in KiB, or -errno. */
static inline long locked_kb(pid_t pid)
{
	return status_kb(pid, "VmLck:");
}

/*
 * The memory process @pid (0: ourselves) is charged for the pages a
 * device pinned for it, in KiB, or -errno: locked memory (VmLck) as VFIO
 * charges it; upstream vhost-vdpa charges pinned memory (VmPin), entry 17.
 */
static inline long charged_kb(pid_t pid)
{
	return status_kb(pid, DIFF(17, "VmPin:", "VmLck:"));
}

/* Milliseconds since @start (CLOCK_MONOTONIC). */
static inline long ms_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* How long a stress test runs: VMDEV_STRESS_SECONDS, else @dflt. */
static inline unsigned int stress_seconds(unsigned int dflt)
{
	const char *s = getenv("VMDEV_STRESS_SECONDS");
	long v = s ? strtol(s, NULL, 10) : 0;

	return v > 0 && v < 3600 ? v : dflt;
}

/* Drop CAP_IPC_LOCK so that RLIMIT_MEMLOCK binds the pinning. */
static inline int drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_IPC_LOCK / 32].effective &= ~(1U << (CAP_IPC_LOCK % 32));
	data[CAP_IPC_LOCK / 32].permitted &= ~(1U << (CAP_IPC_LOCK % 32));
	data[CAP_IPC_LOCK / 32].inheritable &= ~(1U << (CAP_IPC_LOCK % 32));
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

#endif /* _VHOST_MDEV_TEST_H */
