// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_mdev: the vhost personality of vmdev devices.
 *
 * Every device created with a "*-vhost" mdev type gets one vhost session
 * (vhost_mdev_uapi.c) and the front ends userspace reaches it through: a
 * VFIO device (vhost_mdev_vfio.c) and a vhost-vdpa compatible character
 * device (vhost_mdev_cdev.c). The session admits one front end at a time;
 * the other sees the device busy.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>

#include "vhost_mdev.h"

/**
 * struct vhost_mdev_device - the vhost personality of one device
 * @vm: the session the front ends share
 * @vfio: the VFIO front end
 * @cdev: the character device front end
 */
struct vhost_mdev_device {
	struct vhost_mdev vm;
	struct vhost_mdev_vfio *vfio;
	struct vhost_mdev_cdev *cdev;
};

/*
 * Called with the core's personality semaphore held: no personality or
 * parent (un)registration from here.
 */
static int vhost_mdev_attach(struct vmdev_device *vdev)
{
	struct vhost_mdev_device *d;
	int ret;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	vhost_mdev_init(&d->vm, vdev);

	d->vfio = vhost_mdev_vfio_create(&d->vm);
	if (IS_ERR(d->vfio)) {
		ret = PTR_ERR(d->vfio);
		goto err_free;
	}
	d->cdev = vhost_mdev_cdev_create(&d->vm);
	if (IS_ERR(d->cdev)) {
		ret = PTR_ERR(d->cdev);
		goto err_vfio;
	}
	vdev->consumer_priv = d;
	return 0;

err_vfio:
	vhost_mdev_vfio_destroy(d->vfio);
err_free:
	vhost_mdev_destroy(&d->vm);
	kfree(d);
	return ret;
}

/*
 * Same context as attach. Returns once the user closed the device, through
 * whichever front end held it.
 */
static void vhost_mdev_detach(struct vmdev_device *vdev)
{
	struct vhost_mdev_device *d = vdev->consumer_priv;

	vhost_mdev_cdev_destroy(d->cdev);
	vhost_mdev_vfio_destroy(d->vfio);
	vhost_mdev_destroy(&d->vm);
	kfree(d);
}

static const struct vmdev_personality vhost_mdev_personality = {
	.id = VMDEV_PERSONALITY_VHOST,
	.name = "vhost",
	.owner = THIS_MODULE,
	.attach = vhost_mdev_attach,
	.detach = vhost_mdev_detach,
};

static int __init vhost_mdev_module_init(void)
{
	int ret;

	ret = vhost_mdev_cdev_init();
	if (ret)
		return ret;
	ret = vmdev_register_personality(&vhost_mdev_personality);
	if (ret)
		vhost_mdev_cdev_exit();
	return ret;
}

static void __exit vhost_mdev_module_exit(void)
{
	vmdev_unregister_personality(&vhost_mdev_personality);
	vhost_mdev_cdev_exit();
}

module_init(vhost_mdev_module_init);
module_exit(vhost_mdev_module_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("vhost-mdev developers");
MODULE_DESCRIPTION("vhost personality of vmdev devices: vhost ioctls on a VFIO device fd or a vhost-vdpa character device");
MODULE_ALIAS("vmdev-personality-vhost");
