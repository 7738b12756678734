/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the tests of the vhost-vdpa compatible character
 * device: its node, raw IOTLB messages that return -errno, and the locked
 * memory a process is charged.
 *
 * Include kselftest_harness.h first.
 */
#ifndef _CDEV_TEST_H
#define _CDEV_TEST_H

#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/vhost_types.h>

#include "../vhost_mdev/vhost_mdev_test.h"

#define CDEV_DIR	"/dev/vhost-mdev"
#define CDEV_CLASS	"/sys/class/vhost-mdev"
#define CDEV_REGION	"vhost-vdpa-mdev"
/* Both versions of an IOTLB message are this long. */
#define MSG_SIZE	((ssize_t)sizeof(struct vhost_msg_v2))
#define PAGE		4096UL

#define IOTLB_FEATURES	(BIT64(VHOST_BACKEND_F_IOTLB_MSG_V2) |	\
			 BIT64(VHOST_BACKEND_F_IOTLB_BATCH))

static inline void node_path(char *path, const char *uuid)
{
	snprintf(path, PATH_BUF, CDEV_DIR "/%s", uuid);
}

/* The device's node opened read-write: the fd or -errno. */
static inline int node_open(const char *uuid)
{
	char path[PATH_BUF];
	int fd;

	node_path(path, uuid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* The device under test: the node of @uuid, or upstream's (calibration). */
static inline int device_open(const char *uuid)
{
	int fd;

	if (!ON_UPSTREAM)
		return node_open(uuid);
	fd = open(upstream_node(), O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * Write one IOTLB message of @len bytes (MSG_SIZE normally) with envelope
 * @envelope (VHOST_IOTLB_MSG or _V2) and @asid: the bytes written, or
 * -errno.
 */
static inline ssize_t iotlb_write(int fd, uint32_t envelope, uint32_t asid,
				  uint8_t type, uint64_t iova, uint64_t size,
				  uint64_t uaddr, uint8_t perm, size_t len)
{
	uint8_t buf[2 * sizeof(struct vhost_msg_v2)] = {};
	struct vhost_msg_v2 *msg = (struct vhost_msg_v2 *)buf;
	ssize_t n;

	msg->type = envelope;
	msg->asid = asid;
	msg->iotlb.type = type;
	msg->iotlb.iova = iova;
	msg->iotlb.size = size;
	msg->iotlb.uaddr = uaddr;
	msg->iotlb.perm = perm;
	if (len > sizeof(buf))
		return -E2BIG;
	n = write(fd, buf, len);
	return n < 0 ? -errno : n;
}

/* A version 2 message for address space 0: 0 once taken whole, or -errno. */
static inline int iotlb(int fd, uint8_t type, uint64_t iova, uint64_t size,
			const void *uaddr, uint8_t perm)
{
	ssize_t n = iotlb_write(fd, VHOST_IOTLB_MSG_V2, 0, type, iova, size,
				(uintptr_t)uaddr, perm, MSG_SIZE);

	if (n < 0)
		return n;
	return n == MSG_SIZE ? 0 : -EIO;
}

static inline int iotlb_update(int fd, uint64_t iova, uint64_t size,
			       const void *uaddr, uint8_t perm)
{
	return iotlb(fd, VHOST_IOTLB_UPDATE, iova, size, uaddr, perm);
}

static inline int iotlb_invalidate(int fd, uint64_t iova, uint64_t size)
{
	return iotlb(fd, VHOST_IOTLB_INVALIDATE, iova, size, NULL, 0);
}

static inline int set_backend_features(int fd, uint64_t features)
{
	return xioctl(fd, VHOST_SET_BACKEND_FEATURES, &features);
}

/* Anonymous memory, every page touched, or MAP_FAILED. */
static inline void *anon_pages(size_t size)
{
	uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED)
		return p;
	for (i = 0; i < size; i += PAGE)
		p[i] = 1;
	return p;
}

#endif /* _CDEV_TEST_H */
