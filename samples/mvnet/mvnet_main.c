// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvnet: a software virtio-net device for vmdev.
 *
 * The module registers one parent, the device "mvnet" in class "mvnet", so
 * the administrator creates devices under
 * /sys/class/mdev_bus/mvnet/mdev_supported_types/mvnet-{vhost,virtio}/.
 * This file holds the parent, the device lifecycle and the registry of
 * devices that peer links are looked up in.
 */
#include <linux/device.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/kdev_t.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "mvnet.h"

#define MVNET_NAME		"mvnet"
#define MVNET_MAX_MTU		U16_MAX
/* Bounds no administrator needs to exceed; they keep a typo harmless. */
#define MVNET_MAX_DEVICES_LIMIT	65536

static unsigned int mvnet_max_devices = 1024;

static int mvnet_max_devices_set(const char *val,
				 const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, MVNET_MAX_DEVICES_LIMIT);
}

static const struct kernel_param_ops mvnet_max_devices_ops = {
	.set = mvnet_max_devices_set,
	.get = param_get_uint,
};

/* Read-only once loaded: the core takes the limit at registration. */
module_param_cb(max_devices, &mvnet_max_devices_ops, &mvnet_max_devices,
		0444);
MODULE_PARM_DESC(max_devices,
		 "How many mvnet devices may exist at once (1-65536, default 1024)");

/*
 * Every live device, so that a peer can be found by UUID. The mutex also
 * serialises every change of a peer pointer; mvnet_peer_srcu lets readers
 * outside the mutex (the datapath) use a peer without it being freed.
 */
DEFINE_MUTEX(mvnet_devices_lock);
DEFINE_SRCU(mvnet_peer_srcu);
LIST_HEAD(mvnet_devices);

static struct class *mvnet_class;
static struct device *mvnet_parent_dev;

struct mvnet_dev *mvnet_find_locked(const guid_t *uuid)
{
	struct mvnet_dev *dev;

	lockdep_assert_held(&mvnet_devices_lock);

	list_for_each_entry(dev, &mvnet_devices, node) {
		/*
		 * The core fills in the mdev only after dev_create returns,
		 * so a device still being created is skipped.
		 */
		struct mdev_device *mdev = READ_ONCE(dev->vdev.mdev);

		if (mdev && guid_equal(&mdev->uuid, uuid))
			return dev;
	}
	return NULL;
}

/*
 * Break @dev's link, on both sides. Readers inside mvnet_peer_srcu may still
 * hold the old peer; that is harmless while it lives, and mvnet_dev_destroy
 * waits for them before the memory goes. Both ends now loop back: their
 * transmitters re-pick where frames go.
 */
void mvnet_unlink_locked(struct mvnet_dev *dev)
{
	struct mvnet_dev *peer;

	lockdep_assert_held(&mvnet_devices_lock);

	peer = rcu_dereference_protected(dev->peer,
					 lockdep_is_held(&mvnet_devices_lock));
	if (!peer)
		return;
	RCU_INIT_POINTER(peer->peer, NULL);
	RCU_INIT_POINTER(dev->peer, NULL);
	mvnet_dp_kick_pairs(peer);
	mvnet_dp_kick_pairs(dev);
}

/* Link @a and @b to each other, replacing whatever either was linked to. */
void mvnet_link_locked(struct mvnet_dev *a, struct mvnet_dev *b)
{
	lockdep_assert_held(&mvnet_devices_lock);

	mvnet_unlink_locked(a);
	mvnet_unlink_locked(b);
	rcu_assign_pointer(a->peer, b);
	rcu_assign_pointer(b->peer, a);
	mvnet_dp_kick_pairs(a);
	mvnet_dp_kick_pairs(b);
}

static struct vmdev_device *mvnet_dev_create(struct vmdev_parent *parent,
					     enum vmdev_personality_id id)
{
	struct mvnet_dev *dev;

	dev = vmdev_alloc_device(struct mvnet_dev, vdev, parent,
				 &mvnet_config_ops);
	if (IS_ERR(dev))
		return ERR_CAST(dev);

	dev->vdev.ngroups = MVNET_GROUPS;
	mvnet_device_init(dev);
	mvnet_dp_init(dev);

	mutex_lock(&mvnet_devices_lock);
	list_add_tail(&dev->node, &mvnet_devices);
	mutex_unlock(&mvnet_devices_lock);

	return &dev->vdev;
}

static void mvnet_dev_destroy(struct vmdev_device *vdev)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);

	mutex_lock(&mvnet_devices_lock);
	mvnet_unlink_locked(dev);
	list_del(&dev->node);
	mutex_unlock(&mvnet_devices_lock);

	/*
	 * The core frees @dev when we return: wait until no former peer's
	 * reader can still be looking at it (or queue its work), then cancel
	 * what its own work left queued.
	 */
	synchronize_srcu(&mvnet_peer_srcu);
	mvnet_dp_destroy(dev);
}

static const struct vmdev_parent_ops mvnet_parent_ops = {
	.dev_create	= mvnet_dev_create,
	.dev_destroy	= mvnet_dev_destroy,
};

static struct vmdev_parent mvnet_parent = {
	.ops		= &mvnet_parent_ops,
	.owner		= THIS_MODULE,
	.max_vq_pairs	= MVNET_MAX_VQ_PAIRS,
	.max_mtu	= MVNET_MAX_MTU,
	.max_vqs	= MVNET_MAX_VQS,
	.supported_features = MVNET_FEATURES,
	.mgmt_attrs	= VMDEV_ATTR_MAC | VMDEV_ATTR_MTU | VMDEV_ATTR_MAX_VQ_PAIRS,
	.dev_groups	= mvnet_dev_groups,
};

static int __init mvnet_init(void)
{
	int ret;

	ret = mvnet_dp_init_module();
	if (ret)
		return ret;
	mvnet_debugfs_init();

	/*
	 * The class name is what prefixes the mdev type names, giving
	 * mvnet-vhost and mvnet-virtio.
	 */
	mvnet_class = class_create(THIS_MODULE, MVNET_NAME);
	if (IS_ERR(mvnet_class)) {
		ret = PTR_ERR(mvnet_class);
		goto err_dp;
	}

	mvnet_parent_dev = device_create(mvnet_class, NULL, MKDEV(0, 0), NULL,
					 MVNET_NAME);
	if (IS_ERR(mvnet_parent_dev)) {
		ret = PTR_ERR(mvnet_parent_dev);
		goto err_class;
	}

	mvnet_parent.dev = mvnet_parent_dev;
	mvnet_parent.max_devices = mvnet_max_devices;
	ret = vmdev_register_parent(&mvnet_parent);
	if (ret)
		goto err_device;

	return 0;

err_device:
	device_unregister(mvnet_parent_dev);
err_class:
	class_destroy(mvnet_class);
err_dp:
	mvnet_debugfs_exit();
	mvnet_dp_exit_module();
	return ret;
}

static void __exit mvnet_exit(void)
{
	/* Removes every device, so every dev_destroy has run on return. */
	vmdev_unregister_parent(&mvnet_parent);
	WARN_ON(!list_empty(&mvnet_devices));

	device_unregister(mvnet_parent_dev);
	class_destroy(mvnet_class);
	mvnet_debugfs_exit();
	mvnet_dp_exit_module();
}

module_init(mvnet_init);
module_exit(mvnet_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Software virtio-net device for vmdev");
MODULE_AUTHOR("vhost-mdev developers");
