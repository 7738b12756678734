// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmdev core: parents, devices and personalities.
 *
 * Every vendor parent is registered with the mdev framework using the one
 * mdev_driver below, with one mdev type per personality. Creating an mdev
 * probes that driver, which asks the vendor for a device and hands it to
 * the personality module of its type, if loaded.
 *
 * Lock order: vmdev_rwsem, then parent->lock, then vdev->lock. vmdev_rwsem
 * is taken for writing to change the personality table or the parent list,
 * and for reading around a device's attach. A removal detaches without it
 * (see vmdev_mdev_remove()): a detach may wait for userspace to close the
 * device, and a writer queued behind it would block every create and
 * remove on every parent until then.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/kmod.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "vmdev_internal.h"

DECLARE_RWSEM(vmdev_rwsem);
LIST_HEAD(vmdev_parents);
static const struct vmdev_personality *vmdev_personalities[VMDEV_NR_PERSONALITIES];

const char * const vmdev_personality_names[VMDEV_NR_PERSONALITIES] = {
	[VMDEV_PERSONALITY_VHOST] = "vhost",
	[VMDEV_PERSONALITY_VIRTIO] = "virtio",
};

static const char * const vmdev_type_descriptions[VMDEV_NR_PERSONALITIES] = {
	[VMDEV_PERSONALITY_VHOST] =
		"virtio-net device for userspace: vhost ioctls on a VFIO device fd",
	[VMDEV_PERSONALITY_VIRTIO] =
		"virtio-net device for the kernel: a virtio device virtio_net binds to",
};

static struct vmdev_parent *mdev_parent_to_vmdev(struct mdev_parent *mp)
{
	return container_of(mp, struct vmdev_parent, mdev_parent);
}

static enum vmdev_personality_id mdev_type_to_personality(struct mdev_type *mtype)
{
	struct vmdev_parent *parent = mdev_parent_to_vmdev(mtype->parent);

	return mtype - parent->types;
}

/**
 * vmdev_from_dev - find the vmdev device behind an mdev's struct device
 * @dev: the mdev device's &struct device, as passed to its sysfs callbacks
 *
 * For vendor sysfs attributes listed in &vmdev_parent.dev_groups, which
 * exist only while the device is bound, so the result is always valid there.
 *
 * Return: the device.
 */
struct vmdev_device *vmdev_from_dev(struct device *dev)
{
	return dev_get_drvdata(dev);
}
EXPORT_SYMBOL_GPL(vmdev_from_dev);

/**
 * __vmdev_alloc_device - allocate a device for a vendor
 * @parent: the parent the device belongs to
 * @config: the vendor's ops for the device
 * @size: size of the vendor structure that embeds &struct vmdev_device first
 *
 * Use the vmdev_alloc_device() wrapper. May sleep.
 *
 * Return: the zeroed device with its core fields initialised, or
 * ERR_PTR(-ENOMEM).
 */
struct vmdev_device *__vmdev_alloc_device(struct vmdev_parent *parent,
					  const struct vmdev_config_ops *config,
					  size_t size)
{
	struct vmdev_device *vdev;

	if (WARN_ON(size < sizeof(*vdev) || !config))
		return ERR_PTR(-EINVAL);

	vdev = kzalloc(size, GFP_KERNEL);
	if (!vdev)
		return ERR_PTR(-ENOMEM);

	if (vmdev_as_log_init(vdev)) {
		kfree(vdev);
		return ERR_PTR(-ENOMEM);
	}
	vdev->parent = parent;
	vdev->config = config;
	mutex_init(&vdev->ops_lock);
	mutex_init(&vdev->lock);
	INIT_LIST_HEAD(&vdev->node);
	return vdev;
}
EXPORT_SYMBOL_GPL(__vmdev_alloc_device);

static void vmdev_free_device(struct vmdev_device *vdev)
{
	kfree(vdev->mgmt_name);
	vmdev_relay_free(vdev);
	vmdev_as_log_destroy(vdev);
	mutex_destroy(&vdev->lock);
	mutex_destroy(&vdev->ops_lock);
	kfree(vdev);
}

/* Called with vmdev_rwsem held. */
static void vmdev_attach(struct vmdev_device *vdev,
			 const struct vmdev_personality *p)
{
	int ret;

	ret = p->attach(vdev);
	if (ret) {
		dev_warn(vdev->dev, "%s personality failed to attach: %d\n",
			 p->name, ret);
		return;
	}
	vdev->consumer = p;
}

/*
 * Called with vmdev_rwsem held, or with the device off its parent's list
 * and the personality's module pinned: either way nothing else detaches it.
 */
static void vmdev_detach(struct vmdev_device *vdev)
{
	const struct vmdev_personality *p = vdev->consumer;

	if (!p)
		return;
	p->detach(vdev);
	vdev->consumer = NULL;
	vdev->consumer_priv = NULL;

	/*
	 * Whatever the personality left behind points into it, and it may be
	 * about to unload: make sure the device neither calls back into it
	 * nor resolves addresses through it.
	 */
	mutex_lock(&vdev->ops_lock);
	vdev->config->reset(vdev);
	vdev->config->set_config_cb(vdev, NULL);
	vdev->as_ops = NULL;
	vdev->as_priv = NULL;
	mutex_unlock(&vdev->ops_lock);
}

/*
 * Defaults for what the vendor left unset: a hardware function presets what
 * its own config space reports.
 */
static void vmdev_init_attrs(struct vmdev_device *vdev)
{
	struct vmdev_parent *parent = vdev->parent;

	if (!is_valid_ether_addr(vdev->attrs.mac))
		eth_random_addr(vdev->attrs.mac);
	if (!vdev->attrs.mtu || vdev->attrs.mtu > parent->max_mtu)
		vdev->attrs.mtu = min_t(u16, ETH_DATA_LEN, parent->max_mtu);
	if (!vdev->attrs.max_vq_pairs ||
	    vdev->attrs.max_vq_pairs > parent->max_vq_pairs)
		vdev->attrs.max_vq_pairs = parent->max_vq_pairs;
	if (!vdev->attrs.device_features)
		vdev->attrs.device_features = parent->supported_features ?: U64_MAX;
}

/*
 * Ask for personality @id's module if it is not registered. Called with no
 * core lock held: its init registers itself, which takes vmdev_rwsem for
 * writing. May sleep.
 */
void vmdev_load_personality(enum vmdev_personality_id id)
{
	const struct vmdev_personality *p;

	down_read(&vmdev_rwsem);
	p = vmdev_personalities[id];
	up_read(&vmdev_rwsem);
	if (!p)
		request_module("vmdev-personality-%s", vmdev_personality_names[id]);
}

static int vmdev_mdev_probe(struct mdev_device *mdev)
{
	struct vmdev_parent *parent = mdev_parent_to_vmdev(mdev->type->parent);
	enum vmdev_personality_id id = mdev_type_to_personality(mdev->type);
	const struct vmdev_personality *p;
	struct vmdev_device *vdev;
	int ret;

	mutex_lock(&parent->lock);
	if (parent->nr_devices >= parent->max_devices) {
		mutex_unlock(&parent->lock);
		return -EUSERS;
	}
	parent->nr_devices++;
	mutex_unlock(&parent->lock);

	/*
	 * Load the personality before taking vmdev_rwsem: its init registers
	 * itself, which needs the semaphore for writing. A missing module is
	 * not an error; the device then waits for its consumer.
	 */
	vmdev_load_personality(id);

	vdev = parent->ops->dev_create(parent, id);
	if (IS_ERR(vdev)) {
		ret = PTR_ERR(vdev);
		goto err_count;
	}
	/*
	 * Consumers size per-group state by the count: keep it bounded. A
	 * hardware function reaches memory through one IOMMU domain, so its
	 * groups could not have address spaces of their own.
	 */
	if (vdev->ngroups > VMDEV_MAX_VQ_GROUPS ||
	    (vdev->ngroups > 1 &&
	     (!vdev->config->get_vq_group || vdev->dma_dev))) {
		dev_err(&mdev->dev, "bad queue group count %u\n",
			vdev->ngroups);
		ret = -EINVAL;
		goto err_destroy;
	}
	vdev->dev = &mdev->dev;
	/* Vendors may look devices up by UUID from other contexts. */
	WRITE_ONCE(vdev->mdev, mdev);
	vdev->personality = id;
	if (vmdev_relay_can(vdev)) {
		ret = vmdev_relay_alloc(vdev);
		if (ret)
			goto err_destroy;
	}
	/* A device vmdev_mgmt_add() creates: its name and attributes. */
	ret = vmdev_mgmt_probe(vdev);
	if (ret)
		goto err_destroy;
	vmdev_init_attrs(vdev);
	dev_set_drvdata(&mdev->dev, vdev);

	ret = sysfs_create_groups(&mdev->dev.kobj, vmdev_device_groups);
	if (ret)
		goto err_destroy;
	if (parent->dev_groups) {
		ret = sysfs_create_groups(&mdev->dev.kobj, parent->dev_groups);
		if (ret)
			goto err_groups;
	}

	down_read(&vmdev_rwsem);
	mutex_lock(&parent->lock);
	list_add_tail(&vdev->node, &parent->devices);
	mutex_unlock(&parent->lock);
	p = vmdev_personalities[id];
	if (p)
		vmdev_attach(vdev, p);
	up_read(&vmdev_rwsem);
	return 0;

err_groups:
	sysfs_remove_groups(&mdev->dev.kobj, vmdev_device_groups);
err_destroy:
	dev_set_drvdata(&mdev->dev, NULL);
	parent->ops->dev_destroy(vdev);
	vmdev_free_device(vdev);
err_count:
	mutex_lock(&parent->lock);
	parent->nr_devices--;
	mutex_unlock(&parent->lock);
	return ret;
}

static void vmdev_mdev_remove(struct mdev_device *mdev)
{
	struct vmdev_device *vdev = dev_get_drvdata(&mdev->dev);
	struct vmdev_parent *parent = vdev->parent;
	const struct vmdev_personality *p;
	bool pinned;

	/*
	 * Off the list, no personality (un)registration finds the device;
	 * with its module pinned, the consumer cannot unregister either. So
	 * the detach, which waits for the device's user, runs without the
	 * semaphore. A consumer whose module is already going has no user
	 * (every open pins it): its detach does not wait, and runs under the
	 * semaphore, before its unregistration can look.
	 */
	down_read(&vmdev_rwsem);
	mutex_lock(&parent->lock);
	list_del_init(&vdev->node);
	mutex_unlock(&parent->lock);
	p = vdev->consumer;
	pinned = p && try_module_get(p->owner);
	if (!pinned)
		vmdev_detach(vdev);
	up_read(&vmdev_rwsem);
	if (pinned) {
		vmdev_detach(vdev);
		module_put(p->owner);
	}

	if (parent->dev_groups)
		sysfs_remove_groups(&mdev->dev.kobj, parent->dev_groups);
	sysfs_remove_groups(&mdev->dev.kobj, vmdev_device_groups);

	/* The consumer is gone; make sure the device stopped too. */
	mutex_lock(&vdev->ops_lock);
	vdev->config->reset(vdev);
	mutex_unlock(&vdev->ops_lock);

	dev_set_drvdata(&mdev->dev, NULL);
	parent->ops->dev_destroy(vdev);
	vmdev_free_device(vdev);

	mutex_lock(&parent->lock);
	parent->nr_devices--;
	mutex_unlock(&parent->lock);
}

static unsigned int vmdev_mdev_get_available(struct mdev_type *mtype)
{
	struct vmdev_parent *parent = mdev_parent_to_vmdev(mtype->parent);
	unsigned int avail;

	mutex_lock(&parent->lock);
	avail = parent->max_devices - parent->nr_devices;
	mutex_unlock(&parent->lock);
	return avail;
}

static ssize_t vmdev_mdev_show_description(struct mdev_type *mtype, char *buf)
{
	struct vmdev_parent *parent = mdev_parent_to_vmdev(mtype->parent);

	return sysfs_emit(buf, "%s, up to %u queue pairs\n",
			  vmdev_type_descriptions[mdev_type_to_personality(mtype)],
			  parent->max_vq_pairs);
}

static struct mdev_driver vmdev_mdev_driver = {
	/* Both personalities speak the virtio ring layout. */
	.device_api = "vmdev",
	.probe = vmdev_mdev_probe,
	.remove = vmdev_mdev_remove,
	.get_available = vmdev_mdev_get_available,
	.show_description = vmdev_mdev_show_description,
	.driver = {
		.name = "vmdev",
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
		/* The personality is the type; rebinding cannot change it. */
		.suppress_bind_attrs = true,
	},
};

/**
 * vmdev_register_parent - make a vendor's devices available through mdev
 * @parent: the parent, with @dev, @ops, @owner, @max_devices,
 *	@max_vq_pairs and optionally @max_mtu and @dev_groups filled in
 *
 * Registers one mdev type per personality under @parent->dev, named
 * "<driver>-vhost" and "<driver>-virtio". Devices can be created as soon as
 * this returns. Process context; may sleep.
 *
 * Return: 0, -EINVAL for an incomplete @parent, or an error from the mdev
 * framework.
 */
int vmdev_register_parent(struct vmdev_parent *parent)
{
	enum vmdev_personality_id id;
	int ret;

	if (!parent->dev || !parent->ops || !parent->ops->dev_create ||
	    !parent->ops->dev_destroy || !parent->max_devices ||
	    !parent->max_vq_pairs)
		return -EINVAL;
	if (!parent->max_mtu)
		parent->max_mtu = U16_MAX;
	if (parent->max_mtu < ETH_MIN_MTU)
		return -EINVAL;

	mutex_init(&parent->lock);
	INIT_LIST_HEAD(&parent->devices);
	parent->nr_devices = 0;
	parent->mdev_registered = false;
	for (id = 0; id < VMDEV_NR_PERSONALITIES; id++) {
		parent->types[id].sysfs_name = vmdev_personality_names[id];
		parent->types[id].pretty_name = vmdev_personality_names[id];
		parent->type_list[id] = &parent->types[id];
	}

	down_write(&vmdev_rwsem);
	list_add_tail(&parent->node, &vmdev_parents);
	up_write(&vmdev_rwsem);

	ret = mdev_register_parent(&parent->mdev_parent, parent->dev,
				   &vmdev_mdev_driver, parent->type_list,
				   VMDEV_NR_PERSONALITIES);
	down_write(&vmdev_rwsem);
	if (ret)
		list_del(&parent->node);
	else
		parent->mdev_registered = true;
	up_write(&vmdev_rwsem);
	if (ret)
		mutex_destroy(&parent->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_register_parent);

/**
 * vmdev_unregister_parent - remove a parent and all its devices
 * @parent: a parent registered with vmdev_register_parent()
 *
 * Removes every device of @parent first; removing a device whose consumer
 * is in use waits for that consumer to let go (for the vhost personality:
 * until userspace closes the device). Process context; may sleep.
 */
void vmdev_unregister_parent(struct vmdev_parent *parent)
{
	/*
	 * mdev frees the types' sysfs names: from now on the management
	 * interface, which looks parents up under the semaphore, no longer
	 * finds this one (vmdev_mgmt.c).
	 */
	down_write(&vmdev_rwsem);
	parent->mdev_registered = false;
	up_write(&vmdev_rwsem);
	mdev_unregister_parent(&parent->mdev_parent);

	down_write(&vmdev_rwsem);
	list_del(&parent->node);
	up_write(&vmdev_rwsem);
	WARN_ON(!list_empty(&parent->devices));
	mutex_destroy(&parent->lock);
}
EXPORT_SYMBOL_GPL(vmdev_unregister_parent);

/**
 * vmdev_register_personality - offer a way to consume devices
 * @p: the personality; must stay valid until unregistered
 *
 * Attaches @p to every existing device of its type that has no consumer,
 * then to every new one. Process context; may sleep.
 *
 * Return: 0, -EINVAL for a bad @p, or -EBUSY if the slot is taken.
 */
int vmdev_register_personality(const struct vmdev_personality *p)
{
	struct vmdev_parent *parent;
	struct vmdev_device *vdev;

	if (p->id >= VMDEV_NR_PERSONALITIES || !p->attach || !p->detach)
		return -EINVAL;

	down_write(&vmdev_rwsem);
	if (vmdev_personalities[p->id]) {
		up_write(&vmdev_rwsem);
		return -EBUSY;
	}
	vmdev_personalities[p->id] = p;
	list_for_each_entry(parent, &vmdev_parents, node) {
		mutex_lock(&parent->lock);
		list_for_each_entry(vdev, &parent->devices, node)
			if (vdev->personality == p->id && !vdev->consumer)
				vmdev_attach(vdev, p);
		mutex_unlock(&parent->lock);
	}
	up_write(&vmdev_rwsem);
	return 0;
}
EXPORT_SYMBOL_GPL(vmdev_register_personality);

/**
 * vmdev_unregister_personality - withdraw a personality
 * @p: a personality registered with vmdev_register_personality()
 *
 * Detaches @p from every device it consumes; the devices stay, without a
 * consumer, until the personality registers again. Called from the
 * personality's module exit, when none of its devices can be held open
 * (the personality pins itself while they are). Process context; may sleep.
 */
void vmdev_unregister_personality(const struct vmdev_personality *p)
{
	struct vmdev_parent *parent;
	struct vmdev_device *vdev;

	down_write(&vmdev_rwsem);
	if (WARN_ON(vmdev_personalities[p->id] != p)) {
		up_write(&vmdev_rwsem);
		return;
	}
	vmdev_personalities[p->id] = NULL;
	list_for_each_entry(parent, &vmdev_parents, node) {
		mutex_lock(&parent->lock);
		list_for_each_entry(vdev, &parent->devices, node)
			if (vdev->consumer == p)
				vmdev_detach(vdev);
		mutex_unlock(&parent->lock);
	}
	up_write(&vmdev_rwsem);
}
EXPORT_SYMBOL_GPL(vmdev_unregister_personality);

/*
 * For an attribute write to a claimed device (vmdev_sysfs.c): a consumer
 * that can let go on request does, @apply runs, and the consumer takes the
 * device again; otherwise -EBUSY. The mdev's device lock keeps the device
 * from being removed meanwhile. The removal holds that lock while it waits
 * for the attribute files to go, so it is only tried here: the write
 * restarts until it gets the lock or finds the file gone. The consumer
 * cannot change while its module is pinned (only its unregistration takes
 * it away), so the semaphore is not held across the driver's unbind and
 * bind, as the removal does not hold it across its detach.
 */
int vmdev_replug(struct vmdev_device *vdev,
		 int (*apply)(struct vmdev_device *vdev, void *arg), void *arg)
{
	const struct vmdev_personality *p;
	int ret = -EBUSY;

	if (!device_trylock(vdev->dev))
		return restart_syscall();
	down_read(&vmdev_rwsem);
	p = vdev->consumer;
	if (!p || !p->unplug || !p->replug || !try_module_get(p->owner))
		p = NULL;
	up_read(&vmdev_rwsem);
	if (p) {
		p->unplug(vdev);
		ret = apply(vdev, arg);
		p->replug(vdev);
		module_put(p->owner);
	}
	device_unlock(vdev->dev);
	return ret;
}

/**
 * vmdev_claim - mark a device as in use by its consumer
 * @vdev: the device
 *
 * While claimed, the administrator attributes (&vmdev_device.attrs) cannot
 * change, so vendor ops may read them freely. A personality claims a device
 * when a user starts using it (the vhost personality: when its device fd
 * is opened). May sleep.
 *
 * Return: 0, or -EBUSY if the device is already claimed.
 */
int vmdev_claim(struct vmdev_device *vdev)
{
	int ret = 0;

	mutex_lock(&vdev->lock);
	if (vdev->claimed)
		ret = -EBUSY;
	else
		vdev->claimed = true;
	mutex_unlock(&vdev->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_claim);

/**
 * vmdev_unclaim - end a claim taken with vmdev_claim()
 * @vdev: the device
 *
 * May sleep.
 */
void vmdev_unclaim(struct vmdev_device *vdev)
{
	mutex_lock(&vdev->lock);
	WARN_ON(!vdev->claimed);
	vdev->claimed = false;
	mutex_unlock(&vdev->lock);
}
EXPORT_SYMBOL_GPL(vmdev_unclaim);

static int __init vmdev_init(void)
{
	return mdev_register_driver(&vmdev_mdev_driver);
}

static void __exit vmdev_exit(void)
{
	mdev_unregister_driver(&vmdev_mdev_driver);
}

module_init(vmdev_init);
module_exit(vmdev_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("vhost-mdev developers");
MODULE_DESCRIPTION("Mediated virtio-ring-layout devices: core");
