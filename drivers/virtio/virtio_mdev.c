// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio_mdev: the virtio personality of vmdev devices.
 *
 * Every device created with a "*-virtio" mdev type becomes a virtio device
 * on the virtio bus, so the kernel's own virtio drivers (virtio_net for a
 * net device) bind to it. The transport is a thin layer over the core's
 * validated vmdev_*() wrappers: virtio_ring lays out the rings, the device
 * processes them, and notifications go straight through in both directions.
 *
 * Addresses: a hardware parent's function DMAs through its own IOMMU, so
 * the virtio device hangs off that function (vmdev_device.dma_dev) and
 * virtio_ring maps rings and buffers with the DMA API on it. A software
 * device has no DMA of its own: the virtio device hangs off the mdev, whose
 * struct device has no DMA ops nor mask, so VIRTIO_F_ACCESS_PLATFORM is
 * hidden from the driver (virtio_ring then hands out physical addresses)
 * and the core's physical-address translator is what the device resolves
 * them with.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <linux/vmdev.h>

/**
 * struct virtio_mdev_device - one virtio-personality device
 * @vd: the virtio device registered on the virtio bus
 * @vdev: the vmdev device behind it
 * @claim_lock: serialises status changes with the claim they imply
 * @claimed: a driver uses the device, so its attributes are frozen
 */
struct virtio_mdev_device {
	struct virtio_device vd;
	struct vmdev_device *vdev;
	struct mutex claim_lock;	/* protects claimed */
	bool claimed;
};

static struct virtio_mdev_device *to_virtio_mdev(struct virtio_device *vd)
{
	return container_of(vd, struct virtio_mdev_device, vd);
}

static struct vmdev_device *virtio_to_vmdev(struct virtio_device *vd)
{
	return to_virtio_mdev(vd)->vdev;
}

/* A software device reaches memory only through the core's translators. */
static bool virtio_mdev_is_software(struct vmdev_device *vdev)
{
	return !vdev->dma_dev;
}

static void virtio_mdev_get(struct virtio_device *vd, unsigned int offset,
			    void *buf, unsigned int len)
{
	/* Beyond the config space reads as zero rather than stale stack. */
	if (vmdev_get_config(virtio_to_vmdev(vd), offset, buf, len))
		memset(buf, 0, len);
}

static void virtio_mdev_set(struct virtio_device *vd, unsigned int offset,
			    const void *buf, unsigned int len)
{
	vmdev_set_config(virtio_to_vmdev(vd), offset, buf, len);
}

static u32 virtio_mdev_generation(struct virtio_device *vd)
{
	return vmdev_get_generation(virtio_to_vmdev(vd));
}

static u8 virtio_mdev_get_status(struct virtio_device *vd)
{
	return vmdev_get_status(virtio_to_vmdev(vd));
}

/* Called with claim_lock held, after the device was reset or gave up. */
static void virtio_mdev_unclaim(struct virtio_mdev_device *vm)
{
	lockdep_assert_held(&vm->claim_lock);
	if (vm->claimed) {
		vmdev_unclaim(vm->vdev);
		vm->claimed = false;
	}
}

/*
 * The attributes (mac, mtu, max_vq_pairs) are what the driver reads from
 * the config space and what the queue count derives from, so they must not
 * change while a driver uses the device. A driver starts with DRIVER and
 * ends with a reset (its remove) or FAILED (a probe that gave up). The
 * virtio core sets ACKNOWLEDGE with no driver at all (on registration and
 * after every remove), so that bit alone must not claim: an unbound device
 * stays configurable.
 */
static void virtio_mdev_set_status(struct virtio_device *vd, u8 status)
{
	struct virtio_mdev_device *vm = to_virtio_mdev(vd);
	bool in_use = (status & VIRTIO_CONFIG_S_DRIVER) &&
		      !(status & VIRTIO_CONFIG_S_FAILED);
	int ret;

	mutex_lock(&vm->claim_lock);
	if (in_use && !vm->claimed) {
		ret = vmdev_claim(vm->vdev);
		if (ret)
			dev_warn(&vd->dev, "cannot freeze attributes: %d\n", ret);
		vm->claimed = !ret;
	}
	ret = vmdev_set_status(vm->vdev, status);
	if (ret)
		dev_warn(&vd->dev, "status %#x refused: %d\n", status, ret);
	if (!in_use)
		virtio_mdev_unclaim(vm);
	mutex_unlock(&vm->claim_lock);
}

static void virtio_mdev_reset(struct virtio_device *vd)
{
	struct virtio_mdev_device *vm = to_virtio_mdev(vd);
	int ret;

	/* Stop the device first: it reads the attributes while it runs. */
	mutex_lock(&vm->claim_lock);
	ret = vmdev_reset(vm->vdev);
	if (ret)
		dev_warn(&vd->dev, "reset failed: %d\n", ret);
	virtio_mdev_unclaim(vm);
	mutex_unlock(&vm->claim_lock);
}

/* virtio_ring's notify: may run in atomic context, as kick_vq allows. */
static bool virtio_mdev_notify(struct virtqueue *vq)
{
	vmdev_kick_vq(virtio_to_vmdev(vq->vdev), vq->index);
	return true;
}

/* Used buffers: the device's callback context is an interrupt's to us. */
static irqreturn_t virtio_mdev_vq_callback(void *private)
{
	return vring_interrupt(0, private);
}

static irqreturn_t virtio_mdev_config_callback(void *private)
{
	virtio_config_changed(private);
	return IRQ_HANDLED;
}

static struct virtqueue *virtio_mdev_setup_vq(struct virtio_device *vd,
					      unsigned int idx,
					      vq_callback_t *callback,
					      const char *name, bool ctx)
{
	struct vmdev_device *vdev = virtio_to_vmdev(vd);
	u16 max = vmdev_get_vq_size(vdev, idx);
	u16 min = vmdev_get_vq_num_min(vdev);
	struct vmdev_vq_state state = {};
	struct vmdev_callback cb = {};
	struct virtqueue *vq;
	int ret;

	/* 0 too for an @idx beyond the queue count */
	if (!max)
		return ERR_PTR(-ENOENT);

	/*
	 * Start from the largest ring; virtio_ring halves it when memory is
	 * short, and the core refuses a size below the device's minimum.
	 */
	vq = vring_create_virtqueue(idx, max, vmdev_get_vq_align(vdev), vd,
				    true, max != min, ctx, virtio_mdev_notify,
				    callback, name);
	if (!vq)
		return ERR_PTR(-ENOMEM);
	vq->num_max = max;

	cb.callback = virtio_mdev_vq_callback;
	cb.private = vq;
	ret = vmdev_set_vq_cb(vdev, idx, callback ? &cb : NULL);
	if (ret)
		goto err_del;
	ret = vmdev_set_vq_num(vdev, idx, virtqueue_get_vring_size(vq));
	if (ret)
		goto err_cb;
	ret = vmdev_set_vq_address(vdev, idx, virtqueue_get_desc_addr(vq),
				   virtqueue_get_avail_addr(vq),
				   virtqueue_get_used_addr(vq));
	if (ret)
		goto err_cb;
	/* A fresh packed ring starts with both wrap counters set. */
	if (virtio_has_feature(vd, VIRTIO_F_RING_PACKED)) {
		state.packed.last_avail_counter = 1;
		state.packed.last_used_counter = 1;
	}
	ret = vmdev_set_vq_state(vdev, idx, &state);
	if (ret)
		goto err_cb;
	ret = vmdev_set_vq_ready(vdev, idx, true);
	if (ret)
		goto err_cb;
	return vq;

err_cb:
	vmdev_set_vq_cb(vdev, idx, NULL);
err_del:
	vring_del_virtqueue(vq);
	return ERR_PTR(ret);
}

/*
 * Also the unwind of a failed find_vqs, when the device was not reset:
 * disabling waits until the device stopped using the ring, and once the
 * callback is cleared it no longer runs, so the ring can go.
 */
static void virtio_mdev_del_vqs(struct virtio_device *vd)
{
	struct vmdev_device *vdev = virtio_to_vmdev(vd);
	struct virtqueue *vq, *n;

	vmdev_set_config_cb(vdev, NULL);
	list_for_each_entry_safe(vq, n, &vd->vqs, list) {
		/*
		 * The virtio core resets the device before it deletes the
		 * rings, but a ring that cannot stop on its own (a function
		 * without RING_RESET) must not be freed under a device that
		 * might still run it: stop the device then.
		 */
		if (vmdev_set_vq_ready(vdev, vq->index, false))
			vmdev_reset(vdev);
		vmdev_set_vq_cb(vdev, vq->index, NULL);
		vring_del_virtqueue(vq);
	}
}

static int virtio_mdev_find_vqs(struct virtio_device *vd, unsigned int nvqs,
				struct virtqueue *vqs[],
				vq_callback_t *callbacks[],
				const char * const names[], const bool *ctx,
				struct irq_affinity *desc)
{
	struct vmdev_callback cb = {
		.callback = virtio_mdev_config_callback,
		.private = vd,
	};
	unsigned int i, idx = 0;

	/* A queue without a name is not wanted and takes no index. */
	for (i = 0; i < nvqs; i++) {
		if (!names[i]) {
			vqs[i] = NULL;
			continue;
		}
		vqs[i] = virtio_mdev_setup_vq(vd, idx++, callbacks[i], names[i],
					      ctx ? ctx[i] : false);
		if (IS_ERR(vqs[i])) {
			int ret = PTR_ERR(vqs[i]);

			virtio_mdev_del_vqs(vd);
			return ret;
		}
	}

	/*
	 * Installed only now: virtio_config_changed() needs the registered
	 * device, and before the driver has queues it would only remember
	 * the change, which the driver's probe reads anyway.
	 */
	vmdev_set_config_cb(virtio_to_vmdev(vd), &cb);
	return 0;
}

static u64 virtio_mdev_get_features(struct virtio_device *vd)
{
	struct vmdev_device *vdev = virtio_to_vmdev(vd);
	u64 features = vmdev_get_device_features(vdev);

	/* See the top of the file: no DMA API for a software device. */
	if (virtio_mdev_is_software(vdev))
		features &= ~BIT_ULL(VIRTIO_F_ACCESS_PLATFORM);
	return features;
}

static int virtio_mdev_finalize_features(struct virtio_device *vd)
{
	/* Drop the transport features virtio_ring does not implement. */
	vring_transport_features(vd);
	return vmdev_set_driver_features(virtio_to_vmdev(vd), vd->features);
}

static const char *virtio_mdev_bus_name(struct virtio_device *vd)
{
	return dev_name(virtio_to_vmdev(vd)->dev);
}

static const struct virtio_config_ops virtio_mdev_config_ops = {
	.get			= virtio_mdev_get,
	.set			= virtio_mdev_set,
	.generation		= virtio_mdev_generation,
	.get_status		= virtio_mdev_get_status,
	.set_status		= virtio_mdev_set_status,
	.reset			= virtio_mdev_reset,
	.find_vqs		= virtio_mdev_find_vqs,
	.del_vqs		= virtio_mdev_del_vqs,
	.get_features		= virtio_mdev_get_features,
	.finalize_features	= virtio_mdev_finalize_features,
	.bus_name		= virtio_mdev_bus_name,
};

static void virtio_mdev_release(struct device *dev)
{
	struct virtio_mdev_device *vm =
		to_virtio_mdev(container_of(dev, struct virtio_device, dev));

	mutex_destroy(&vm->claim_lock);
	kfree(vm);
}

/*
 * Called with the core's personality semaphore held: no personality or
 * parent (un)registration from here. A loaded driver binds, and may start
 * using the device, before register_virtio_device() returns.
 */
static int virtio_mdev_attach(struct vmdev_device *vdev)
{
	struct virtio_mdev_device *vm;
	u32 id = vmdev_get_device_id(vdev);
	int ret;

	/* Device id 0 is reserved: the virtio bus would match nothing. */
	if (!id)
		return -ENODEV;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return -ENOMEM;
	vm->vdev = vdev;
	mutex_init(&vm->claim_lock);
	vm->vd.dev.parent = vdev->dma_dev ?: vdev->dev;
	vm->vd.dev.release = virtio_mdev_release;
	vm->vd.config = &virtio_mdev_config_ops;
	vm->vd.id.device = id;
	vm->vd.id.vendor = vmdev_get_vendor_id(vdev);

	/* The device is reset: nothing can race with installing this. */
	if (virtio_mdev_is_software(vdev))
		vmdev_set_as(vdev, &vmdev_as_phys_ops, NULL);

	ret = register_virtio_device(&vm->vd);
	if (ret) {
		/* It was initialised: only the last put may free it. */
		put_device(&vm->vd.dev);
		vmdev_reset(vdev);
		vmdev_set_as(vdev, NULL, NULL);
		return ret;
	}
	vdev->consumer_priv = vm;
	return 0;
}

/*
 * Same context as attach. Unregistering removes the bound driver, which
 * stops its users (virtio_net unregisters the interface) and resets the
 * device; what follows is for a device no driver reset.
 */
static void virtio_mdev_detach(struct vmdev_device *vdev)
{
	struct virtio_mdev_device *vm = vdev->consumer_priv;

	/* Keep vm past the unregistration's final put, for the unclaim. */
	get_device(&vm->vd.dev);
	unregister_virtio_device(&vm->vd);

	mutex_lock(&vm->claim_lock);
	vmdev_reset(vdev);
	virtio_mdev_unclaim(vm);
	mutex_unlock(&vm->claim_lock);
	vmdev_set_as(vdev, NULL, NULL);

	put_device(&vm->vd.dev);
}

/*
 * An attribute write while a driver is bound (mdevctl writes them after
 * creating the device, which virtio_net binds to at once): unbinding the
 * driver resets the device, which ends the claim; binding again probes it
 * with the new value. Called by the core with the mdev's device lock held
 * and this module pinned, so the virtio device stays registered.
 */
static void virtio_mdev_unplug(struct vmdev_device *vdev)
{
	struct virtio_mdev_device *vm = vdev->consumer_priv;

	device_release_driver(&vm->vd.dev);
}

static void virtio_mdev_replug(struct vmdev_device *vdev)
{
	struct virtio_mdev_device *vm = vdev->consumer_priv;
	int ret;

	ret = device_attach(&vm->vd.dev);
	if (ret < 0)
		dev_warn(&vm->vd.dev, "binding a driver again failed: %d\n", ret);
}

static const struct vmdev_personality virtio_mdev_personality = {
	.id = VMDEV_PERSONALITY_VIRTIO,
	.name = "virtio",
	.owner = THIS_MODULE,
	.attach = virtio_mdev_attach,
	.detach = virtio_mdev_detach,
	.unplug = virtio_mdev_unplug,
	.replug = virtio_mdev_replug,
};

static int __init virtio_mdev_init(void)
{
	return vmdev_register_personality(&virtio_mdev_personality);
}

static void __exit virtio_mdev_exit(void)
{
	vmdev_unregister_personality(&virtio_mdev_personality);
}

module_init(virtio_mdev_init);
module_exit(virtio_mdev_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("vhost-mdev developers");
MODULE_DESCRIPTION("virtio personality of vmdev devices: a virtio transport");
MODULE_ALIAS("vmdev-personality-virtio");
