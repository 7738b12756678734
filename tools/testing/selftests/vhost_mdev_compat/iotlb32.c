// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOTLB messages as a 32-bit process writes them to the character device.
 * Its struct vhost_msg (version 1) has no hole after the type, the u64s
 * being 4-byte aligned: 68 bytes, the IOTLB message at offset 4. The node
 * takes it at that offset and returns 68; a version 2 message is 72 bytes
 * either way. What got mapped is read back from the locked memory charged
 * and from which UPDATEs collide.
 */
#include <assert.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/vhost.h>

#include "kselftest_harness.h"
#include "../vmdev/vmdev_test.h"

#define PAGE		4096UL
#define PAGES		16
#define IOVA		0x100000ULL
#define V1_SIZE		68

static_assert(sizeof(void *) == 4, "a 32-bit build");
static_assert(sizeof(struct vhost_msg) == V1_SIZE, "the 32-bit layout");
static_assert(offsetof(struct vhost_msg, iotlb) == 4, "no hole");
static_assert(sizeof(struct vhost_msg_v2) == 72, "v2 is 72 bytes");

FIXTURE(v1) {
	char uuid[UUID_BUF];
	int fd;
	uint8_t *mem;
	long lck_base;
};

/* VmLck of this process in kB, or -1. */
static long locked_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* One message, version 1 (68 bytes here) or 2: its size, or -errno. */
static ssize_t msg(int fd, bool v1, uint8_t type, uint64_t iova,
		   uint64_t size, const void *uaddr)
{
	union {
		struct vhost_msg v1;
		struct vhost_msg_v2 v2;
	} m = {};
	struct vhost_iotlb_msg *iotlb = v1 ? &m.v1.iotlb : &m.v2.iotlb;
	ssize_t n;

	if (v1)
		m.v1.type = VHOST_IOTLB_MSG;
	else
		m.v2.type = VHOST_IOTLB_MSG_V2;
	iotlb->type = type;
	iotlb->iova = iova;
	iotlb->size = size;
	iotlb->uaddr = (uintptr_t)uaddr;
	iotlb->perm = VHOST_ACCESS_RW;
	n = write(fd, &m, v1 ? sizeof(m.v1) : sizeof(m.v2));
	return n < 0 ? -errno : n;
}

FIXTURE_SETUP(v1)
{
	char path[PATH_BUF];

	self->fd = -1;
	self->mem = MAP_FAILED;
	require_mvnet(_metadata);
	if (!module_loaded("vhost_mdev"))
		module_load("vhost_mdev", NULL);
	ASSERT_TRUE(module_loaded("vhost_mdev"));
	ASSERT_EQ(0, mdev_create_new(MVNET_VHOST, self->uuid));
	self->mem = mmap(NULL, 2 * PAGES * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_TRUE(self->mem != MAP_FAILED);
	snprintf(path, sizeof(path), "/dev/vhost-mdev/%s", self->uuid);
	self->fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_EQ(0, ioctl(self->fd, VHOST_SET_OWNER, NULL));
	self->lck_base = locked_kb();
	ASSERT_LE(0, self->lck_base);
}

FIXTURE_TEARDOWN(v1)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->mem != MAP_FAILED)
		munmap(self->mem, 2 * PAGES * PAGE);
	mdev_cleanup(self->uuid);
}

TEST_F(v1, message_is_taken_at_the_compat_offset)
{
	const long kb = PAGES * PAGE / 1024;

	EXPECT_EQ(V1_SIZE, msg(self->fd, true, VHOST_IOTLB_UPDATE, IOVA,
			       PAGES * PAGE, self->mem));
	/* exactly PAGES pages were pinned: the size was read right */
	EXPECT_EQ(self->lck_base + kb, locked_kb());
	/* at IOVA: the same range again collides, the next one does not */
	EXPECT_EQ(-EEXIST, msg(self->fd, true, VHOST_IOTLB_UPDATE, IOVA, PAGE,
			       self->mem));
	EXPECT_EQ(-EEXIST, msg(self->fd, false, VHOST_IOTLB_UPDATE,
			       IOVA + (PAGES - 1) * PAGE, PAGE, self->mem));
	EXPECT_EQ(72, msg(self->fd, false, VHOST_IOTLB_UPDATE,
			  IOVA + PAGES * PAGE, PAGES * PAGE,
			  self->mem + PAGES * PAGE));
	EXPECT_EQ(self->lck_base + 2 * kb, locked_kb());
	/* and taken back the same way */
	EXPECT_EQ(V1_SIZE, msg(self->fd, true, VHOST_IOTLB_INVALIDATE, IOVA,
			       PAGES * PAGE, NULL));
	EXPECT_EQ(self->lck_base + kb, locked_kb());
	EXPECT_EQ(72, msg(self->fd, false, VHOST_IOTLB_INVALIDATE,
			  IOVA + PAGES * PAGE, PAGES * PAGE, NULL));
	EXPECT_EQ(self->lck_base, locked_kb());
}

TEST_F(v1, shorter_write_is_einval)
{
	struct vhost_msg m = { .type = VHOST_IOTLB_MSG };
	ssize_t n;

	m.iotlb.type = VHOST_IOTLB_UPDATE;
	m.iotlb.iova = IOVA;
	m.iotlb.size = PAGE;
	m.iotlb.uaddr = (uintptr_t)self->mem;
	m.iotlb.perm = VHOST_ACCESS_RW;
	n = write(self->fd, &m, V1_SIZE - 1);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(self->lck_base, locked_kb());
}

TEST_HARNESS_MAIN
