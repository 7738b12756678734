// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_mdev: the vhost personality's VFIO front end.
 *
 * Every device created with a "*-vhost" mdev type is also a VFIO device. A
 * software parent's device gets an emulated IOMMU group (VFIO creates it
 * for the mdev), and its memory accesses are translated through the VFIO
 * container (vhost_mdev_iova.c). A hardware parent's device is registered
 * against the parent function's own IOMMU group, so the container maps
 * memory straight into the function's IOMMU domain; there it is found by
 * the mdev UUID through the match op. Either way the user opens it with
 * VFIO_GROUP_GET_DEVICE_FD(uuid) and drives it with the vhost ioctls of
 * vhost_mdev_uapi.c; queue doorbells that are page-sized are VFIO regions
 * that can be mapped.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/vhost_mdev.h>

#include "vhost_mdev.h"

/**
 * struct vhost_mdev_vfio - one vhost-personality device
 * @vfio: the VFIO device; first, as vfio_alloc_device() requires
 * @vdev: the vmdev device
 * @vm: the vhost session, shared with the other front ends of the device
 * @iova: the IOVA translator, used for software parents only
 */
struct vhost_mdev_vfio {
	struct vfio_device vfio;
	struct vmdev_device *vdev;
	struct vhost_mdev *vm;
	struct vhost_mdev_iova iova;
};

static struct vhost_mdev_vfio *vfio_to_vhost_mdev(struct vfio_device *vfio)
{
	return container_of(vfio, struct vhost_mdev_vfio, vfio);
}

static bool vhost_mdev_vfio_is_software(struct vhost_mdev_vfio *mv)
{
	return !mv->vdev->dma_dev;
}

static int vhost_mdev_vfio_open_device(struct vfio_device *vfio)
{
	struct vhost_mdev_vfio *mv = vfio_to_vhost_mdev(vfio);
	struct vmdev_device *vdev = mv->vdev;
	bool software = vhost_mdev_vfio_is_software(mv);
	int ret;

	/*
	 * Neither we nor the vendor may go while the fd is open: rmmod then
	 * fails with EBUSY instead of waiting on userspace.
	 */
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	if (!try_module_get(vdev->parent->owner)) {
		ret = -ENODEV;
		goto err_put_self;
	}

	/* Installs the translator of a software parent, under its mutex. */
	ret = vhost_mdev_open(mv->vm,
			      software ? &vhost_mdev_iova_mem_ops : NULL,
			      software ? &mv->iova : NULL);
	if (ret)
		goto err_put_parent;
	return 0;

err_put_parent:
	module_put(vdev->parent->owner);
err_put_self:
	module_put(THIS_MODULE);
	return ret;
}

/* Last close of the fd, including when the process died. */
static void vhost_mdev_vfio_close_device(struct vfio_device *vfio)
{
	struct vhost_mdev_vfio *mv = vfio_to_vhost_mdev(vfio);
	struct vmdev_device *vdev = mv->vdev;

	/* Resets the device, drops every eventfd and the translator. */
	vhost_mdev_close(mv->vm);
	module_put(vdev->parent->owner);
	module_put(THIS_MODULE);
}

static long vhost_mdev_vfio_get_info(struct vhost_mdev_vfio *mv,
				     struct vfio_device_info __user *argp)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, argp, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	info.flags = VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = mv->vm->nr_doorbells;
	/* Interrupts are eventfds bound with the vhost ioctls. */
	info.num_irqs = 0;
	return copy_to_user(argp, &info, minsz) ? -EFAULT : 0;
}

static long vhost_mdev_vfio_get_region_info(struct vhost_mdev_vfio *mv,
					    struct vfio_region_info __user *argp)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info;

	if (copy_from_user(&info, argp, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= mv->vm->nr_doorbells)
		return -EINVAL;

	info.flags = VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_WRITE;
	info.cap_offset = 0;
	info.size = PAGE_SIZE;
	info.offset = VHOST_MDEV_DOORBELL_OFFSET(info.index, PAGE_SIZE);
	return copy_to_user(argp, &info, minsz) ? -EFAULT : 0;
}

static long vhost_mdev_vfio_ioctl(struct vfio_device *vfio, unsigned int cmd,
				  unsigned long arg)
{
	struct vhost_mdev_vfio *mv = vfio_to_vhost_mdev(vfio);
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return vhost_mdev_vfio_get_info(mv, argp);
	case VFIO_DEVICE_GET_REGION_INFO:
		return vhost_mdev_vfio_get_region_info(mv, argp);
	case VFIO_DEVICE_RESET:
		return vhost_mdev_device_reset(mv->vm);
	}
	return vhost_mdev_ioctl(mv->vm, cmd, argp);
}

/*
 * write() to a doorbell region: the same as writing the doorbell (or the
 * kick eventfd), for users that do not map it. Any 2 or 4 byte write at the
 * start of region N kicks queue N.
 */
static ssize_t vhost_mdev_vfio_write(struct vfio_device *vfio,
				     const char __user *buf, size_t count,
				     loff_t *ppos)
{
	struct vhost_mdev_vfio *mv = vfio_to_vhost_mdev(vfio);
	loff_t pos = *ppos;
	u64 index;

	if (pos < 0 || !PAGE_ALIGNED(pos) || (count != 2 && count != 4))
		return -EINVAL;
	index = pos >> PAGE_SHIFT;
	if (index >= mv->vm->nr_doorbells)
		return -EINVAL;
	if (READ_ONCE(mv->vm->dead))
		return -ENODEV;
	vmdev_kick_vq(mv->vdev, index);
	return count;
}

/* Region N is the doorbell of queue N, offered when every queue has one. */
static int vhost_mdev_vfio_mmap(struct vfio_device *vfio,
				struct vm_area_struct *vma)
{
	struct vhost_mdev_vfio *mv = vfio_to_vhost_mdev(vfio);

	if (vma->vm_pgoff >= mv->vm->nr_doorbells)
		return -EINVAL;
	return vhost_mdev_mmap_doorbell(mv->vm, vma->vm_pgoff, vma);
}

/*
 * The device is being removed while the fd is open (VFIO repeats this until
 * the user closes it): stop the device, fail every further ioctl and tell
 * the user through the config eventfd.
 */
static void vhost_mdev_vfio_request(struct vfio_device *vfio,
				    unsigned int count)
{
	struct vhost_mdev_vfio *mv = vfio_to_vhost_mdev(vfio);

	if (!count)
		dev_notice(mv->vdev->dev,
			   "removal requested, waiting for the user to close the device\n");
	vhost_mdev_kill(mv->vm);
}

/* VFIO_GROUP_GET_DEVICE_FD names a device by its mdev UUID. */
static int vhost_mdev_vfio_match(struct vfio_device *vfio, char *buf)
{
	struct vhost_mdev_vfio *mv = vfio_to_vhost_mdev(vfio);

	return !strcmp(buf, dev_name(mv->vdev->dev));
}

/* Userspace unmaps container memory: pinned pages of the range must go. */
static void vhost_mdev_vfio_dma_unmap(struct vfio_device *vfio, u64 iova,
				      u64 length)
{
	struct vhost_mdev_vfio *mv = vfio_to_vhost_mdev(vfio);

	/* A hardware parent pins nothing: VFIO never asks it. */
	if (vhost_mdev_vfio_is_software(mv))
		vhost_mdev_iova_unmap(&mv->iova, iova, length);
}

static int vhost_mdev_vfio_init(struct vfio_device *vfio)
{
	struct vhost_mdev_vfio *mv = vfio_to_vhost_mdev(vfio);

	return vhost_mdev_iova_init(&mv->iova, vfio);
}

/* The last reference is gone: the session may be long gone too. */
static void vhost_mdev_vfio_release(struct vfio_device *vfio)
{
	struct vhost_mdev_vfio *mv = vfio_to_vhost_mdev(vfio);

	vhost_mdev_iova_destroy(&mv->iova);
	vfio_free_device(vfio);
}

static const struct vfio_device_ops vhost_mdev_vfio_ops = {
	.name = "vhost-mdev",
	.init = vhost_mdev_vfio_init,
	.release = vhost_mdev_vfio_release,
	.open_device = vhost_mdev_vfio_open_device,
	.close_device = vhost_mdev_vfio_close_device,
	.ioctl = vhost_mdev_vfio_ioctl,
	.write = vhost_mdev_vfio_write,
	.mmap = vhost_mdev_vfio_mmap,
	.request = vhost_mdev_vfio_request,
	.match = vhost_mdev_vfio_match,
	.dma_unmap = vhost_mdev_vfio_dma_unmap,
};

/**
 * vhost_mdev_vfio_create - register the VFIO front end of a device
 * @vm: the device's session
 *
 * A hardware function DMAs through its own IOMMU group, which the
 * container then programs; a software device gets an emulated group and
 * goes through the translator. May sleep.
 *
 * Return: the front end, or an ERR_PTR().
 */
struct vhost_mdev_vfio *vhost_mdev_vfio_create(struct vhost_mdev *vm)
{
	struct vmdev_device *vdev = vm->vdev;
	struct device *dev = vdev->dma_dev ?: vdev->dev;
	struct vhost_mdev_vfio *mv;
	int ret;

	mv = vfio_alloc_device(vhost_mdev_vfio, vfio, dev, &vhost_mdev_vfio_ops);
	if (IS_ERR(mv))
		return mv;
	mv->vdev = vdev;
	mv->vm = vm;
	mv->iova.vm = vm;

	/*
	 * A set of its own, as registration would give it: stock 6.1's
	 * __vfio_register_dev() ignores vfio_assign_device_set() failing (an
	 * allocation, or the xarray's store) and registers the device
	 * without a set, whose first open then dereferences it
	 * (mutex_lock(&device->dev_set->lock) in vfio_device_open(): a NULL
	 * pointer). Assigned here, a failure fails the creation instead;
	 * registration keeps the set, and the device's release leaves it.
	 */
	ret = vfio_assign_device_set(&mv->vfio, &mv->vfio);
	if (ret)
		goto err_put;

	if (vdev->dma_dev)
		ret = vfio_register_group_dev(&mv->vfio);
	else
		ret = vfio_register_emulated_iommu_dev(&mv->vfio);
	if (ret)
		goto err_put;
	return mv;

err_put:
	vfio_put_device(&mv->vfio);
	return ERR_PTR(ret);
}

/**
 * vhost_mdev_vfio_destroy - unregister the VFIO front end
 * @mv: what vhost_mdev_vfio_create() returned
 *
 * Returns once the user closed the device fd (VFIO asks, through the
 * request op, until then). May sleep.
 */
void vhost_mdev_vfio_destroy(struct vhost_mdev_vfio *mv)
{
	vfio_unregister_group_dev(&mv->vfio);
	vfio_put_device(&mv->vfio);
}
