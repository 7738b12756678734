// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_mdev: the vhost-vdpa compatible character device front end.
 *
 * Every vhost-personality device also gets a character device node,
 * /dev/vhost-mdev/<mdev UUID>, that speaks upstream vhost-vdpa's uAPI, so
 * that unmodified clients of vhost-vdpa (QEMU's -netdev vhost-vdpa, DPDK's
 * virtio_user) drive it: the ioctls are the session's (vhost_mdev_uapi.c),
 * memory is mapped with IOTLB messages written to the fd
 * (vhost_mdev_iotlb.c), and page-sized doorbells are mapped at offset
 * queue index * page size.
 *
 * The nodes live in a directory of their own, so that they never collide
 * with upstream's /dev/vhost-vdpa-N, but the character device region is
 * named "vhost-vdpa-mdev": DPDK recognises a vhost-vdpa backend by the
 * major of the first /proc/devices entry whose name starts with
 * "vhost-vdpa".
 *
 * The node and the VFIO device fd of the same device share one session:
 * whichever is opened first holds the device, the other fails with EBUSY.
 *
 * Dirty logging (VHOST_F_LOG_ALL) is offered here only when the
 * administrator asks for it: upstream vhost-vdpa has none, and QEMU 7.2's
 * shadow virtqueue (x-svq=on), upstream's way to migrate, refuses a device
 * that offers the bit.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/compat.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vhost_mdev.h>

#include "vhost_mdev.h"

#define VHOST_MDEV_CDEV_REGION		"vhost-vdpa-mdev"
#define VHOST_MDEV_CDEV_CLASS		"vhost-mdev"
#define VHOST_MDEV_CDEV_MINORS		(MINORMASK + 1)
/* How often a removal that waits for the user reminds it. */
#define VHOST_MDEV_CDEV_NAG_INTERVAL	(10 * HZ)

bool vhost_mdev_cdev_dirty_log;
module_param_named(cdev_dirty_log, vhost_mdev_cdev_dirty_log, bool, 0644);
MODULE_PARM_DESC(cdev_dirty_log,
		 "Offer VHOST_F_LOG_ALL on the character devices of software devices opened from now on (QEMU's x-svq refuses it; QEMU 7.2 sizes the log too small for guests with display RAM: see the uAPI guide) (default: N)");

static dev_t vhost_mdev_cdev_devt;
static struct class *vhost_mdev_cdev_class;
static DEFINE_IDA(vhost_mdev_cdev_ida);

/**
 * struct vhost_mdev_cdev - the character device of one device
 * @dev: the node's device, a child of the mdev
 * @cdev: the character device
 * @vm: the session, shared with the other front ends
 * @iotlb: the memory the user maps with IOTLB messages
 * @lock: protects @open and @gone; held across the whole of an open and a
 *	release, so that neither can interleave with the other or with a
 *	removal; taken before the session mutex
 * @open: a user has the device open through the node, from the start of
 *	its open to the end of its release
 * @gone: the device is being removed: opening fails
 * @closed: woken when @open becomes false
 */
struct vhost_mdev_cdev {
	struct device dev;
	struct cdev cdev;
	struct vhost_mdev *vm;
	struct vhost_mdev_iotlb iotlb;
	struct mutex lock;		/* protects open, gone */
	bool open;
	bool gone;
	wait_queue_head_t closed;
};

static int vhost_mdev_cdev_open(struct inode *inode, struct file *file)
{
	struct vhost_mdev_cdev *c = container_of(inode->i_cdev,
						 struct vhost_mdev_cdev, cdev);
	struct vmdev_device *vdev;
	int ret;

	mutex_lock(&c->lock);
	/*
	 * cdev_device_del() does not stop an open already under way; the
	 * node outlives its session (@c->vm is freed once the node is gone),
	 * so nothing of the session may be read before this check.
	 */
	if (c->gone) {
		ret = -ENODEV;
		goto out_unlock;
	}
	vdev = c->vm->vdev;
	/* Another file of this node holds the session (or is releasing it). */
	if (c->open) {
		ret = -EBUSY;
		goto out_unlock;
	}
	/* The vendor may not go while the node is open: rmmod gets EBUSY. */
	if (!try_module_get(vdev->parent->owner)) {
		ret = -ENODEV;
		goto out_unlock;
	}
	/* Attaches our IOMMU domain or installs our translator, under it. */
	ret = vhost_mdev_open(c->vm, &vhost_mdev_iotlb_mem_ops, &c->iotlb);
	if (ret)
		goto err_put;
	WRITE_ONCE(c->open, true);
	file->private_data = c;
	mutex_unlock(&c->lock);
	return 0;

err_put:
	module_put(vdev->parent->owner);
out_unlock:
	mutex_unlock(&c->lock);
	return ret;
}

/* Last close of the file, including when the process died. */
static int vhost_mdev_cdev_release(struct inode *inode, struct file *file)
{
	struct vhost_mdev_cdev *c = file->private_data;
	struct vmdev_device *vdev = c->vm->vdev;

	/*
	 * Resets the device, unpins everything the user mapped and gives the
	 * memory back, all before the node counts as closed: an open that
	 * comes meanwhile waits, then finds it closed.
	 */
	mutex_lock(&c->lock);
	vhost_mdev_close(c->vm);
	module_put(vdev->parent->owner);
	WRITE_ONCE(c->open, false);
	mutex_unlock(&c->lock);
	wake_up(&c->closed);
	return 0;
}

static long vhost_mdev_cdev_ioctl(struct file *file, unsigned int cmd,
				  unsigned long arg)
{
	struct vhost_mdev_cdev *c = file->private_data;

	return vhost_mdev_ioctl(c->vm, cmd, (void __user *)arg);
}

/*
 * Size of a version 1 message (struct vhost_msg) as 32-bit userspace lays
 * it out: its u64 fields are 4-byte aligned there, so the message has no
 * hole after the type and is 4 bytes shorter than ours.
 */
#define VHOST_MDEV_MSG_V1_COMPAT_SIZE	(sizeof(u32) + \
					 sizeof_field(struct vhost_msg, padding))

/*
 * One IOTLB message per write(), as upstream vhost: the write must hold a
 * whole message (struct vhost_msg or vhost_msg_v2, by its type), and
 * returns that message's size, whatever else the buffer holds. Version 2
 * carries an address space id, which the session takes only from a client
 * that negotiated VHOST_BACKEND_F_IOTLB_ASID (vhost_mdev_iotlb_msg()).
 */
static ssize_t vhost_mdev_cdev_write(struct file *file, const char __user *buf,
				     size_t count, loff_t *ppos)
{
	struct vhost_mdev_cdev *c = file->private_data;
	struct vhost_iotlb_msg msg;
	size_t offset, size;
	u32 type, asid = 0;
	int ret;

	BUILD_BUG_ON(offsetof(struct vhost_msg, iotlb) !=
		     offsetof(struct vhost_msg_v2, iotlb));

	if (count < sizeof(type))
		return -EINVAL;
	if (copy_from_user(&type, buf, sizeof(type)))
		return -EFAULT;
	switch (type) {
	case VHOST_IOTLB_MSG:
		/* ia32 only: x32 and the like align u64 as we do. */
		if (compat_need_64bit_alignment_fixup()) {
			offset = sizeof(u32);
			size = VHOST_MDEV_MSG_V1_COMPAT_SIZE;
		} else {
			offset = offsetof(struct vhost_msg, iotlb);
			size = sizeof(struct vhost_msg);
		}
		break;
	case VHOST_IOTLB_MSG_V2:
		offset = offsetof(struct vhost_msg_v2, iotlb);
		size = sizeof(struct vhost_msg_v2);
		break;
	default:
		return -EINVAL;
	}
	if (count < size)
		return -EINVAL;
	if (type == VHOST_IOTLB_MSG_V2 &&
	    copy_from_user(&asid, buf + offsetof(struct vhost_msg_v2, asid),
			   sizeof(asid)))
		return -EFAULT;
	if (copy_from_user(&msg, buf + offset, sizeof(msg)))
		return -EFAULT;
	ret = vhost_mdev_iotlb_msg(c->vm, asid, &msg);
	return ret ?: size;
}

/* Always writable; there is never anything to read (no IOTLB misses). */
static __poll_t vhost_mdev_cdev_poll(struct file *file, poll_table *wait)
{
	return EPOLLOUT | EPOLLWRNORM;
}

/* The doorbell of queue N at offset N pages, as upstream vhost-vdpa. */
static int vhost_mdev_cdev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vhost_mdev_cdev *c = file->private_data;

	return vhost_mdev_mmap_doorbell(c->vm, vma->vm_pgoff, vma);
}

static const struct file_operations vhost_mdev_cdev_fops = {
	.owner = THIS_MODULE,
	.open = vhost_mdev_cdev_open,
	.release = vhost_mdev_cdev_release,
	.unlocked_ioctl = vhost_mdev_cdev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.write = vhost_mdev_cdev_write,
	.poll = vhost_mdev_cdev_poll,
	.mmap = vhost_mdev_cdev_mmap,
	.llseek = noop_llseek,
};

static void vhost_mdev_cdev_release_dev(struct device *dev)
{
	struct vhost_mdev_cdev *c = container_of(dev, struct vhost_mdev_cdev,
						 dev);

	vhost_mdev_iotlb_destroy(&c->iotlb);
	ida_free(&vhost_mdev_cdev_ida, MINOR(dev->devt));
	mutex_destroy(&c->lock);
	kfree(c);
}

/**
 * vhost_mdev_cdev_create - add the character device of a device
 * @vm: the device's session
 *
 * The node appears as /dev/vhost-mdev/<mdev UUID> (the device is named
 * after the mdev, in class "vhost-mdev", under the mdev in sysfs). May
 * sleep.
 *
 * Return: the front end, or an ERR_PTR().
 */
struct vhost_mdev_cdev *vhost_mdev_cdev_create(struct vhost_mdev *vm)
{
	struct vhost_mdev_cdev *c;
	int minor, ret;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	minor = ida_alloc_max(&vhost_mdev_cdev_ida, VHOST_MDEV_CDEV_MINORS - 1,
			      GFP_KERNEL);
	if (minor < 0) {
		ret = minor;
		goto err_free;
	}
	ret = vhost_mdev_iotlb_init(&c->iotlb, vm);
	if (ret)
		goto err_ida;
	c->vm = vm;
	mutex_init(&c->lock);
	init_waitqueue_head(&c->closed);

	/* From here on the device's release undoes all of the above. */
	device_initialize(&c->dev);
	c->dev.class = vhost_mdev_cdev_class;
	c->dev.parent = vm->vdev->dev;
	c->dev.devt = MKDEV(MAJOR(vhost_mdev_cdev_devt), minor);
	c->dev.release = vhost_mdev_cdev_release_dev;
	cdev_init(&c->cdev, &vhost_mdev_cdev_fops);
	c->cdev.owner = THIS_MODULE;
	ret = dev_set_name(&c->dev, "%s", dev_name(vm->vdev->dev));
	if (!ret)
		ret = cdev_device_add(&c->cdev, &c->dev);
	if (ret) {
		put_device(&c->dev);
		return ERR_PTR(ret);
	}
	return c;

err_ida:
	ida_free(&vhost_mdev_cdev_ida, minor);
err_free:
	kfree(c);
	return ERR_PTR(ret);
}

/**
 * vhost_mdev_cdev_destroy - remove the character device of a device
 * @c: what vhost_mdev_cdev_create() returned
 *
 * The node goes at once. If a user holds the device open through it, the
 * device stops (every ioctl then fails with ENODEV, the config eventfd is
 * signalled, again every ten seconds) and this returns once the user
 * closed it, as the VFIO front end does. May sleep.
 */
void vhost_mdev_cdev_destroy(struct vhost_mdev_cdev *c)
{
	bool open;

	mutex_lock(&c->lock);
	c->gone = true;
	open = c->open;
	mutex_unlock(&c->lock);

	cdev_device_del(&c->cdev, &c->dev);
	if (open) {
		dev_notice(c->vm->vdev->dev,
			   "removal requested, waiting for the user to close /dev/vhost-mdev/%s\n",
			   dev_name(&c->dev));
		vhost_mdev_kill(c->vm);
	}
	while (!wait_event_timeout(c->closed, !READ_ONCE(c->open),
				   VHOST_MDEV_CDEV_NAG_INTERVAL))
		vhost_mdev_config_notify(c->vm);
	put_device(&c->dev);
}

/* /dev/vhost-mdev/<UUID>: apart from upstream's /dev/vhost-vdpa-N. */
static char *vhost_mdev_cdev_devnode(struct device *dev, umode_t *mode)
{
	return kasprintf(GFP_KERNEL, VHOST_MDEV_CDEV_CLASS "/%s",
			 dev_name(dev));
}

/**
 * vhost_mdev_cdev_init - register the character device region and class
 *
 * Return: 0 or a negative errno.
 */
int __init vhost_mdev_cdev_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&vhost_mdev_cdev_devt, 0,
				  VHOST_MDEV_CDEV_MINORS,
				  VHOST_MDEV_CDEV_REGION);
	if (ret)
		return ret;
	vhost_mdev_cdev_class = class_create(THIS_MODULE,
					     VHOST_MDEV_CDEV_CLASS);
	if (IS_ERR(vhost_mdev_cdev_class)) {
		unregister_chrdev_region(vhost_mdev_cdev_devt,
					 VHOST_MDEV_CDEV_MINORS);
		return PTR_ERR(vhost_mdev_cdev_class);
	}
	vhost_mdev_cdev_class->devnode = vhost_mdev_cdev_devnode;
	return 0;
}

/**
 * vhost_mdev_cdev_exit - undo vhost_mdev_cdev_init()
 *
 * Every device's character device is gone by then.
 */
void vhost_mdev_cdev_exit(void)
{
	class_destroy(vhost_mdev_cdev_class);
	unregister_chrdev_region(vhost_mdev_cdev_devt, VHOST_MDEV_CDEV_MINORS);
	ida_destroy(&vhost_mdev_cdev_ida);
}
