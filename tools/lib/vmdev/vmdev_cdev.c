// SPDX-License-Identifier: GPL-2.0-only
/*
 * libvmdev: the vhost-vdpa compatible character device backend.
 *
 * The device fd is the node itself (VMDEV_CDEV_DIR/<uuid>, or any
 * vhost-vdpa node); memory is mapped by writing IOTLB messages to it, one
 * message per write(2), which returns the message's size. The backend
 * features that say how (message version 2, batches, mappings that
 * survive a reset) are negotiated when the device is opened.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <linux/vhost_mdev.h>

#include "vmdev_internal.h"

#define VMDEV_IOTLB_FEATURES	((1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2) | \
				 (1ULL << VHOST_BACKEND_F_IOTLB_BATCH) | \
				 (1ULL << VHOST_BACKEND_F_IOTLB_PERSIST))

int vmdev_cdev_path(const char *uuid, char *path, size_t size)
{
	if (snprintf(path, size, VMDEV_CDEV_DIR "/%s", uuid) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

int vmdev_cdev_open(struct vmdev *dev, const char *path)
{
	struct stat st;

	/*
	 * A device being removed: its node gone (ENOENT), or still there for
	 * a moment after the character device went, which the VFS answers
	 * with ENXIO. Either way the device is gone.
	 */
	dev->fd = open(path, O_RDWR | O_CLOEXEC);
	if (dev->fd < 0)
		return errno == ENOENT || errno == ENXIO ? -ENODEV : -errno;
	if (fstat(dev->fd, &st))
		return -errno;
	if (!S_ISCHR(st.st_mode))
		return -ENOTTY;
	return 0;
}

/*
 * One IOTLB message for address space @asid. Version 2 when negotiated,
 * else version 1: the same 72 bytes with the address space id a hole.
 */
static int vmdev_iotlb_send_as(struct vmdev *dev, uint32_t asid,
			       uint8_t type, uint64_t iova, uint64_t size,
			       uint64_t uaddr, uint8_t perm)
{
	struct vhost_msg_v2 msg = {
		.type = VHOST_IOTLB_MSG_V2,
		.asid = asid,
		.iotlb = {
			.iova = iova,
			.size = size,
			.uaddr = uaddr,
			.perm = perm,
			.type = type,
		},
	};
	ssize_t n;

	if (!(dev->backend_features & (1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2)))
		msg.type = VHOST_IOTLB_MSG;
	n = write(dev->fd, &msg, sizeof(msg));
	if (n < 0)
		return -errno;
	return n == sizeof(msg) ? 0 : -EIO;
}

static int vmdev_iotlb_send(struct vmdev *dev, uint8_t type, uint64_t iova,
			    uint64_t size, uint64_t uaddr, uint8_t perm)
{
	return vmdev_iotlb_send_as(dev, 0, type, iova, size, uaddr, perm);
}

/*
 * One UPDATE or INVALIDATE, in a batch of its own when the device takes
 * batches, as QEMU sends them: upstream's vhost_vdpa then hands a device
 * that wants the whole map at once (set_map, vdpa_sim's) the table once at
 * the end of the batch, not once per run of contiguous pages.
 */
static int vmdev_iotlb_change(struct vmdev *dev, uint8_t type, uint64_t iova,
			      uint64_t size, uint64_t uaddr, uint8_t perm)
{
	bool batch = dev->backend_features &
		     (1ULL << VHOST_BACKEND_F_IOTLB_BATCH);
	int ret, end;

	if (batch) {
		ret = vmdev_iotlb_send(dev, VHOST_IOTLB_BATCH_BEGIN, 0, 0, 0, 0);
		if (ret)
			return ret;
	}
	ret = vmdev_iotlb_send(dev, type, iova, size, uaddr, perm);
	if (batch) {
		end = vmdev_iotlb_send(dev, VHOST_IOTLB_BATCH_END, 0, 0, 0, 0);
		if (!ret)
			ret = end;
	}
	return ret;
}

static int vmdev_iotlb_map(struct vmdev *dev, void *vaddr, uint64_t iova,
			   size_t size, unsigned int perm)
{
	uint8_t access = 0;

	if (perm & VMDEV_MAP_READ)
		access |= VHOST_ACCESS_RO;
	if (perm & VMDEV_MAP_WRITE)
		access |= VHOST_ACCESS_WO;
	return vmdev_iotlb_change(dev, VHOST_IOTLB_UPDATE, iova, size,
				  (uintptr_t)vaddr, access);
}

static int vmdev_iotlb_unmap(struct vmdev *dev, uint64_t iova, size_t size)
{
	return vmdev_iotlb_change(dev, VHOST_IOTLB_INVALIDATE, iova, size, 0,
				  0);
}

/* Take the IOTLB message features the device offers. */
static int vmdev_iotlb_setup(struct vmdev *dev)
{
	uint64_t features;
	int ret;

	ret = vmdev_ioctl(dev, VHOST_GET_BACKEND_FEATURES, &features);
	if (ret)
		return ret;
	features &= VMDEV_IOTLB_FEATURES;
	ret = vmdev_ioctl(dev, VHOST_SET_BACKEND_FEATURES, &features);
	if (!ret)
		dev->backend_features = features;
	return ret;
}

/* Without IOTLB_PERSIST a reset dropped every mapping. */
static int vmdev_iotlb_after_reset(struct vmdev *dev)
{
	if (dev->backend_features & (1ULL << VHOST_BACKEND_F_IOTLB_PERSIST))
		return 0;
	return vmdev_remap_all(dev);
}

int vmdev_arena_map_as(struct vmdev *dev, unsigned int asid)
{
	int ret;

	if (!dev->cdev ||
	    !(dev->backend_features & (1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2)))
		return -EOPNOTSUPP;
	if (!asid)
		return -EINVAL;
	ret = vmdev_backend_feature(dev, VHOST_BACKEND_F_IOTLB_ASID);
	if (ret)
		return ret;
	return vmdev_iotlb_send_as(dev, asid, VHOST_IOTLB_UPDATE,
				   dev->arena_iova, dev->arena_size,
				   (uintptr_t)dev->arena, VHOST_ACCESS_RW);
}

const struct vmdev_mem_ops vmdev_iotlb_mem_ops = {
	.name = "iotlb",
	.map = vmdev_iotlb_map,
	.unmap = vmdev_iotlb_unmap,
	.setup = vmdev_iotlb_setup,
	.after_reset = vmdev_iotlb_after_reset,
};
