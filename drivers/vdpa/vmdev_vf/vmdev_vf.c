// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmdev_vf: vmdev parent for virtio-pci modern functions (IFC VF style).
 *
 * A function whose datapath is the virtio ring layout and whose control
 * interface is virtio-pci modern (Intel's IFC VF; QEMU's virtio-net-pci is
 * another) is driven through the vp_modern_*() helpers and registered as a
 * vmdev parent with room for one device. The rings live in memory the
 * consumer provides, and the function reaches it by DMA through its own
 * IOMMU group: the device's dma_dev is the function, so the virtio
 * personality maps with the DMA API on it and the vhost personality
 * registers its VFIO device on the function's group.
 *
 * One device per function is what keeps those two apart: VFIO can claim
 * the group only for a vhost-personality device, and while one exists no
 * virtio-personality device does, so the kernel never maps DMA through a
 * group VFIO owns. That holds only while the function is alone in its
 * group: another device of the group bound to vfio-pci would let its user
 * claim the group (our driver_managed_dma does not stop it) and attach
 * its own domain under the kernel's rings, so a virtio-personality device
 * is refused on a function that shares its group. (6.1 does not export
 * iommu_device_use_default_domain(), which would let the virtio
 * personality pin the default domain itself.)
 *
 * A function that does not stop when reset may still write wherever its
 * rings point, and its consumer is about to give that memory back (or
 * the IOMMU domain it was mapped in): its bus mastering is switched off
 * first, then a function-level reset tried; a function that survives even
 * that is dead, with bus mastering off, until it is unbound.
 *
 * Only IFC VF IDs are matched; any other modern virtio-net function is
 * bound explicitly through driver_override. The VFs of a PF we drive are
 * ours whatever their IDs: they are given our driver_override as they
 * appear, before any driver probes them, since virtio_pci matches every
 * modern virtio function (IFC VFs included) and would otherwise take
 * them first.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/interrupt.h>
#include <linux/iommu.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_pci_modern.h>
#include <linux/vmdev.h>

#define VMDEV_VF_NAME			"vmdev_vf"
/* Intel IFC VF: a modern virtio-net function with Intel's subsystem IDs. */
#define VMDEV_VF_IFC_DEVICE		0x1041
#define VMDEV_VF_IFC_SUBSYS_DEVICE	0x001a
/* How long a function may take to read back status 0 after a reset. */
#define VMDEV_VF_RESET_TIMEOUT_MS	1000
/* VIRTIO_F_NOTIFICATION_DATA (virtio 1.1), which 6.1's headers lack. */
#define VMDEV_VF_F_NOTIFICATION_DATA	38
/* The ISR bit of a used-buffer notification (INTx only). */
#define VMDEV_VF_ISR_QUEUE		0x1

struct vmdev_vf;

/**
 * struct vmdev_vf_vq - one queue of the function
 * @notify: mapped doorbell
 * @notify_pa: physical address of the doorbell
 * @lock: protects @cb against the interrupt handler
 * @cb: used-buffer notification of the consumer
 * @desc_area: descriptor area, written to the function when enabled
 * @driver_area: driver area, likewise
 * @device_area: device area, likewise
 * @num: ring size, likewise
 * @num_max: largest ring size the queue supports
 * @vector: MSI-X vector index, or VIRTIO_MSI_NO_VECTOR (INTx)
 */
struct vmdev_vf_vq {
	void __iomem *notify;
	resource_size_t notify_pa;
	spinlock_t lock;		/* protects cb */
	struct vmdev_callback cb;
	u64 desc_area;
	u64 driver_area;
	u64 device_area;
	u16 num;
	u16 num_max;
	u16 vector;
};

/**
 * struct vmdev_vf_vector - one interrupt vector
 * @vf: the function
 * @index: vector index
 * @name: name of the IRQ in /proc/interrupts
 */
struct vmdev_vf_vector {
	struct vmdev_vf *vf;
	u16 index;
	char name[32];
};

/**
 * struct vmdev_vf_device - the device instance of a function
 * @vdev: the vmdev device; first, as vmdev_alloc_device() requires
 * @vf: the function behind it
 * @virtio: of the virtio personality (the core sets vdev's only after
 *	creation, and enabling SR-IOV must know before)
 */
struct vmdev_vf_device {
	struct vmdev_device vdev;
	struct vmdev_vf *vf;
	bool virtio;
};

/**
 * struct vmdev_vf - one bound function
 * @mdev: the virtio-pci modern helpers' view of the function
 * @parent: the vmdev parent it is registered as
 * @vqs: its queues
 * @nvqs: number of queues
 * @num_max: largest ring size of its largest queue
 * @device_features: features the function offers
 * @vectors: interrupt vectors in use
 * @nr_vectors: number of entries in @vectors with an IRQ requested
 * @nr_vq_vectors: vectors the queues are spread over (0..n-1)
 * @config_vector: vector of config changes, VIRTIO_MSI_NO_VECTOR for INTx
 * @msix: whether MSI-X is in use (else one INTx line)
 * @config_lock: protects @config_cb against the interrupt handler
 * @config_cb: config-change notification of the consumer
 * @lock: protects @dev, @disabling and @vfs_enabling
 * @dev: the device instance, if created
 * @disabling: the PF is disabling SR-IOV: no device may be created
 * @vfs_disabling_node: (a PF) in vmdev_vf_disabling_pfs while its VFs go
 * @vfs_enabling: (a PF) its VFs are being added, possibly to its IOMMU
 *	group: no virtio device may be created meanwhile
 * @saved_state: the function's config space as probe left it, which a
 *	function-level reset wipes (BARs, MSI-X) and vmdev_vf_stop() puts
 *	back
 * @dead: the function did not stop, even after a function-level reset:
 *	its bus mastering stays off, every reset fails and no device can be
 *	created; set by a reset (under the device's ops lock) or at probe
 * @mac: MAC address the function reports
 * @mtu: MTU the function reports
 * @max_vq_pairs: queue pairs the function has
 */
struct vmdev_vf {
	struct virtio_pci_modern_device mdev;
	struct vmdev_parent parent;
	struct vmdev_vf_vq *vqs;
	u16 nvqs;
	u16 num_max;
	u64 device_features;
	struct vmdev_vf_vector *vectors;
	unsigned int nr_vectors;
	unsigned int nr_vq_vectors;
	u16 config_vector;
	bool msix;
	spinlock_t config_lock;		/* protects config_cb */
	struct vmdev_callback config_cb;
	struct mutex lock;	/* protects dev, disabling, vfs_enabling */
	struct vmdev_vf_device *dev;
	bool disabling;
	struct list_head vfs_disabling_node;
	bool vfs_enabling;
	struct pci_saved_state *saved_state;
	bool dead;
	u8 mac[ETH_ALEN];
	u16 mtu;
	u16 max_vq_pairs;
};

static struct pci_driver vmdev_vf_driver;

static struct vmdev_vf *vmdev_to_vf(struct vmdev_device *vdev)
{
	return container_of(vdev, struct vmdev_vf_device, vdev)->vf;
}

static struct virtio_pci_modern_device *vmdev_to_mdev(struct vmdev_device *vdev)
{
	return &vmdev_to_vf(vdev)->mdev;
}

static struct pci_dev *vf_to_pci(struct vmdev_vf *vf)
{
	return vf->mdev.pci_dev;
}

static bool vmdev_vf_negotiated(struct vmdev_vf *vf, unsigned int bit)
{
	return vp_modern_get_driver_features(&vf->mdev) & BIT_ULL(bit);
}

/* Interrupts: hard IRQ context, as struct vmdev_callback allows. */

static void vmdev_vf_call(spinlock_t *lock, struct vmdev_callback *cb)
{
	spin_lock(lock);
	if (cb->callback)
		cb->callback(cb->private);
	spin_unlock(lock);
}

static irqreturn_t vmdev_vf_interrupt(int irq, void *data)
{
	struct vmdev_vf_vector *vec = data;
	struct vmdev_vf *vf = vec->vf;
	bool queues = vec->index < vf->nr_vq_vectors;
	bool config = vec->index == vf->config_vector;
	unsigned int i;

	/*
	 * INTx, or config changes sharing the vector with queues: the ISR
	 * (read-to-clear, which also acks INTx) says what happened.
	 */
	if (!vf->msix || (queues && config)) {
		u8 isr = ioread8(vf->mdev.isr);

		if (!vf->msix) {
			if (!isr)
				return IRQ_NONE;
			queues = isr & VMDEV_VF_ISR_QUEUE;
		}
		config = isr & VIRTIO_PCI_ISR_CONFIG;
	}

	if (queues)
		for (i = vec->index; i < vf->nvqs; i += vf->nr_vq_vectors)
			vmdev_vf_call(&vf->vqs[i].lock, &vf->vqs[i].cb);
	if (config)
		vmdev_vf_call(&vf->config_lock, &vf->config_cb);
	return IRQ_HANDLED;
}

static void vmdev_vf_set_cb(spinlock_t *lock, struct vmdev_callback *cb,
			    const struct vmdev_callback *new)
{
	unsigned long flags;

	/* The handler calls under the lock: once we hold it, it is done. */
	spin_lock_irqsave(lock, flags);
	if (new)
		*cb = *new;
	else
		memset(cb, 0, sizeof(*cb));
	spin_unlock_irqrestore(lock, flags);
}

/* Virtqueue ops */

/* The areas and size go to the function when the queue is enabled. */
static int vmdev_vf_set_vq_address(struct vmdev_device *vdev, u16 idx,
				   u64 desc_area, u64 driver_area,
				   u64 device_area)
{
	struct vmdev_vf_vq *vq = &vmdev_to_vf(vdev)->vqs[idx];

	vq->desc_area = desc_area;
	vq->driver_area = driver_area;
	vq->device_area = device_area;
	return 0;
}

static void vmdev_vf_set_vq_num(struct vmdev_device *vdev, u16 idx, u32 num)
{
	vmdev_to_vf(vdev)->vqs[idx].num = num;
}

static void vmdev_vf_kick_vq(struct vmdev_device *vdev, u16 idx)
{
	vp_iowrite16(idx, vmdev_to_vf(vdev)->vqs[idx].notify);
}

static void vmdev_vf_set_vq_cb(struct vmdev_device *vdev, u16 idx,
			       const struct vmdev_callback *cb)
{
	struct vmdev_vf_vq *vq = &vmdev_to_vf(vdev)->vqs[idx];

	vmdev_vf_set_cb(&vq->lock, &vq->cb, cb);
}

static void vmdev_vf_enable_vq(struct vmdev_vf *vf, u16 idx)
{
	struct virtio_pci_modern_device *mdev = &vf->mdev;
	struct vmdev_vf_vq *vq = &vf->vqs[idx];

	vp_modern_set_queue_size(mdev, idx, vq->num);
	vp_modern_queue_address(mdev, idx, vq->desc_area, vq->driver_area,
				vq->device_area);
	if (vf->msix &&
	    vp_modern_queue_vector(mdev, idx, vq->vector) != vq->vector)
		dev_warn(&mdev->pci_dev->dev,
			 "queue %u: no MSI-X vector, its notifications are lost\n",
			 idx);
	vp_modern_set_queue_enable(mdev, idx, true);
}

/*
 * virtio-pci modern has no way to stop one queue but the queue reset of
 * VIRTIO_F_RING_RESET; without it a queue stops only with the device.
 */
static int vmdev_vf_set_vq_ready(struct vmdev_device *vdev, u16 idx,
				 bool ready)
{
	struct vmdev_vf *vf = vmdev_to_vf(vdev);
	struct virtio_pci_modern_device *mdev = &vf->mdev;

	if (vp_modern_get_queue_enable(mdev, idx) == ready)
		return 0;
	if (ready) {
		vmdev_vf_enable_vq(vf, idx);
		return 0;
	}
	/*
	 * Saying yes while the queue runs on would let its driver take the
	 * ring's memory away under a device that still writes to it.
	 */
	if (!vmdev_vf_negotiated(vf, VIRTIO_F_RING_RESET))
		return -EOPNOTSUPP;
	vp_modern_set_queue_reset(mdev, idx);
	return 0;
}

static bool vmdev_vf_get_vq_ready(struct vmdev_device *vdev, u16 idx)
{
	return vp_modern_get_queue_enable(vmdev_to_mdev(vdev), idx);
}

/*
 * The common config has no ring indices: a queue can only start from the
 * beginning, and where it stands cannot be read back.
 */
static int vmdev_vf_set_vq_state(struct vmdev_device *vdev, u16 idx,
				 const struct vmdev_vq_state *state)
{
	const struct vmdev_vq_state_packed *packed = &state->packed;

	if (vmdev_vf_negotiated(vmdev_to_vf(vdev), VIRTIO_F_RING_PACKED)) {
		if (packed->last_avail_counter && packed->last_used_counter &&
		    !packed->last_avail_idx && !packed->last_used_idx)
			return 0;
	} else if (!state->split.avail_index) {
		return 0;
	}
	return -EOPNOTSUPP;
}

static int vmdev_vf_get_vq_state(struct vmdev_device *vdev, u16 idx,
				 struct vmdev_vq_state *state)
{
	return -EOPNOTSUPP;
}

/*
 * A doorbell can be mapped when it sits alone at the start of a page: the
 * function spaces doorbells a page or more apart (QEMU: page-per-vq=on).
 */
static struct vmdev_notification_area
vmdev_vf_get_vq_notification(struct vmdev_device *vdev, u16 idx)
{
	struct vmdev_vf *vf = vmdev_to_vf(vdev);
	struct vmdev_notification_area area = {};
	resource_size_t pa = vf->vqs[idx].notify_pa;

	if (PAGE_ALIGNED(pa) && vf->mdev.notify_offset_multiplier >= PAGE_SIZE) {
		area.addr = pa;
		area.size = PAGE_SIZE;
	}
	return area;
}

static int vmdev_vf_get_vq_irq(struct vmdev_device *vdev, u16 idx)
{
	struct vmdev_vf *vf = vmdev_to_vf(vdev);
	u16 vector = vf->msix ? vf->vqs[idx].vector : 0;

	return pci_irq_vector(vf_to_pci(vf), vector);
}

static u32 vmdev_vf_get_vq_align(struct vmdev_device *vdev)
{
	return PAGE_SIZE;
}

static u16 vmdev_vf_get_vq_num_max(struct vmdev_device *vdev)
{
	return vmdev_to_vf(vdev)->num_max;
}

static u16 vmdev_vf_get_vq_size(struct vmdev_device *vdev, u16 idx)
{
	return vmdev_to_vf(vdev)->vqs[idx].num_max;
}

static u16 vmdev_vf_get_vq_count(struct vmdev_device *vdev)
{
	return vmdev_to_vf(vdev)->nvqs;
}

/* Device ops */

static u64 vmdev_vf_get_device_features(struct vmdev_device *vdev)
{
	return vmdev_to_vf(vdev)->device_features;
}

static int vmdev_vf_set_driver_features(struct vmdev_device *vdev,
					u64 features)
{
	vp_modern_set_features(vmdev_to_mdev(vdev), features);
	return 0;
}

static u64 vmdev_vf_get_driver_features(struct vmdev_device *vdev)
{
	return vp_modern_get_driver_features(vmdev_to_mdev(vdev));
}

static void vmdev_vf_set_config_cb(struct vmdev_device *vdev,
				   const struct vmdev_callback *cb)
{
	struct vmdev_vf *vf = vmdev_to_vf(vdev);

	vmdev_vf_set_cb(&vf->config_lock, &vf->config_cb, cb);
}

static u32 vmdev_vf_get_device_id(struct vmdev_device *vdev)
{
	return vmdev_to_mdev(vdev)->id.device;
}

static u32 vmdev_vf_get_vendor_id(struct vmdev_device *vdev)
{
	return vmdev_to_mdev(vdev)->id.vendor;
}

static u8 vmdev_vf_get_status(struct vmdev_device *vdev)
{
	return vp_modern_get_status(vmdev_to_mdev(vdev));
}

static void vmdev_vf_set_status(struct vmdev_device *vdev, u8 status)
{
	struct vmdev_vf *vf = vmdev_to_vf(vdev);
	struct virtio_pci_modern_device *mdev = &vf->mdev;

	/* A reset dropped the config vector: the first status restores it. */
	if (vf->msix && !vp_modern_get_status(mdev) &&
	    vp_modern_config_vector(mdev, vf->config_vector) != vf->config_vector)
		dev_warn(&mdev->pci_dev->dev,
			 "no MSI-X vector for config changes\n");
	vp_modern_set_status(mdev, status);
}

/*
 * Status 0 and wait until the function reads it back: only then has it
 * stopped touching driver memory. A function that is gone reads all ones.
 */
static int vmdev_vf_wait_reset(struct vmdev_vf *vf)
{
	unsigned long timeout = jiffies +
				msecs_to_jiffies(VMDEV_VF_RESET_TIMEOUT_MS);
	struct virtio_pci_modern_device *mdev = &vf->mdev;

	vp_modern_set_status(mdev, 0);
	while (vp_modern_get_status(mdev)) {
		if (!pci_device_is_present(mdev->pci_dev))
			return -ENODEV;
		if (time_after(jiffies, timeout))
			return -ETIMEDOUT;
		usleep_range(1000, 2000);
	}
	return 0;
}

/*
 * Stop the function: a reset, and for a function that ignores it, no more
 * DMA at all (see the top of this file). 0 once it is stopped and usable;
 * -EIO if it is dead; -ENODEV if it is gone.
 */
static int vmdev_vf_stop(struct vmdev_vf *vf)
{
	struct pci_dev *pdev = vf_to_pci(vf);
	int ret;

	if (vf->dead)
		return -EIO;
	ret = vmdev_vf_wait_reset(vf);
	if (ret != -ETIMEDOUT)
		return ret;

	pci_clear_master(pdev);
	dev_err(&pdev->dev,
		"reset timed out: bus mastering off, trying a function-level reset\n");
	if (vf->saved_state && !pcie_reset_flr(pdev, PCI_RESET_PROBE)) {
		/* No config access by anyone else while the function resets. */
		pci_cfg_access_lock(pdev);
		ret = pcie_reset_flr(pdev, PCI_RESET_DO_RESET);
		pci_cfg_access_unlock(pdev);
		/* Restoring sets what probe set, bus mastering too: not yet. */
		if (!ret && !pci_load_saved_state(pdev, vf->saved_state)) {
			pci_restore_state(pdev);
			pci_clear_master(pdev);
			if (!vmdev_vf_wait_reset(vf)) {
				pci_set_master(pdev);
				return 0;
			}
		}
	}
	pci_clear_master(pdev);
	dev_err(&pdev->dev,
		"the function does not stop: no more DMA until it is unbound\n");
	vf->dead = true;
	return -EIO;
}

static int vmdev_vf_reset(struct vmdev_device *vdev)
{
	struct vmdev_vf *vf = vmdev_to_vf(vdev);
	int ret = vmdev_vf_stop(vf);
	u16 i;

	for (i = 0; i < vf->nvqs; i++) {
		struct vmdev_vf_vq *vq = &vf->vqs[i];

		vmdev_vf_set_cb(&vq->lock, &vq->cb, NULL);
		vq->desc_area = 0;
		vq->driver_area = 0;
		vq->device_area = 0;
		vq->num = vq->num_max;
	}
	return ret;
}

static size_t vmdev_vf_get_config_size(struct vmdev_device *vdev)
{
	return vmdev_to_mdev(vdev)->device_len;
}

/* Byte by byte: the consumer's generation check covers wider fields. */
static void vmdev_vf_get_config(struct vmdev_device *vdev, unsigned int offset,
				void *buf, unsigned int len)
{
	void __iomem *device = vmdev_to_mdev(vdev)->device;
	u8 *p = buf;
	unsigned int i;

	for (i = 0; i < len; i++)
		p[i] = ioread8(device + offset + i);
}

static void vmdev_vf_set_config(struct vmdev_device *vdev, unsigned int offset,
				const void *buf, unsigned int len)
{
	void __iomem *device = vmdev_to_mdev(vdev)->device;
	const u8 *p = buf;
	unsigned int i;

	for (i = 0; i < len; i++)
		iowrite8(p[i], device + offset + i);
}

static u32 vmdev_vf_get_generation(struct vmdev_device *vdev)
{
	return vp_modern_generation(vmdev_to_mdev(vdev));
}

static const struct vmdev_config_ops vmdev_vf_config_ops = {
	.set_vq_address		= vmdev_vf_set_vq_address,
	.set_vq_num		= vmdev_vf_set_vq_num,
	.kick_vq		= vmdev_vf_kick_vq,
	.set_vq_cb		= vmdev_vf_set_vq_cb,
	.set_vq_ready		= vmdev_vf_set_vq_ready,
	.get_vq_ready		= vmdev_vf_get_vq_ready,
	.set_vq_state		= vmdev_vf_set_vq_state,
	.get_vq_state		= vmdev_vf_get_vq_state,
	.get_vq_notification	= vmdev_vf_get_vq_notification,
	.get_vq_irq		= vmdev_vf_get_vq_irq,
	.get_vq_align		= vmdev_vf_get_vq_align,
	.get_vq_num_max		= vmdev_vf_get_vq_num_max,
	.get_vq_size		= vmdev_vf_get_vq_size,
	.get_vq_count		= vmdev_vf_get_vq_count,
	.get_device_features	= vmdev_vf_get_device_features,
	.set_driver_features	= vmdev_vf_set_driver_features,
	.get_driver_features	= vmdev_vf_get_driver_features,
	.set_config_cb		= vmdev_vf_set_config_cb,
	.get_device_id		= vmdev_vf_get_device_id,
	.get_vendor_id		= vmdev_vf_get_vendor_id,
	.get_status		= vmdev_vf_get_status,
	.set_status		= vmdev_vf_set_status,
	.reset			= vmdev_vf_reset,
	.get_config_size	= vmdev_vf_get_config_size,
	.get_config		= vmdev_vf_get_config,
	.set_config		= vmdev_vf_set_config,
	.get_generation		= vmdev_vf_get_generation,
};

/* Parent ops: the one device instance of the function */

/* Whether the function shares its IOMMU group: see the top of this file. */
static int vmdev_vf_count_dev(struct device *dev, void *data)
{
	(*(unsigned int *)data)++;
	return 0;
}

static bool vmdev_vf_group_shared(struct vmdev_vf *vf)
{
	struct iommu_group *group = iommu_group_get(&vf_to_pci(vf)->dev);
	unsigned int n = 0;

	/* Without an IOMMU the DMA API is the only way in: nothing to share. */
	if (!group)
		return false;
	iommu_group_for_each_dev(group, &n, vmdev_vf_count_dev);
	iommu_group_put(group);
	return n > 1;
}

/*
 * PFs of ours taking their VFs away (their @vfs_disabling_node): no VF of
 * theirs may get a device, whether bound to us now or later. A global
 * list, not the PF's state, as a VF does not know that its PF's state is
 * still there (VFs a PF leaves assigned outlive its binding).
 */
static DEFINE_MUTEX(vmdev_vf_disabling_lock);
static LIST_HEAD(vmdev_vf_disabling_pfs);

/* A PF (@pf) takes its VFs away, or no longer. */
static void vmdev_vf_set_vfs_disabling(struct vmdev_vf *pf, bool disabling)
{
	mutex_lock(&vmdev_vf_disabling_lock);
	if (disabling && list_empty(&pf->vfs_disabling_node))
		list_add(&pf->vfs_disabling_node, &vmdev_vf_disabling_pfs);
	else if (!disabling)
		list_del_init(&pf->vfs_disabling_node);
	mutex_unlock(&vmdev_vf_disabling_lock);
}

/* Whether @vf's PF is taking its VFs away: nothing new on them then. */
static bool vmdev_vf_pf_disabling(struct vmdev_vf *vf)
{
	struct pci_dev *pdev = vf_to_pci(vf);
	struct vmdev_vf *pf;
	bool ret = false;

	if (!pdev->is_virtfn)
		return false;
	mutex_lock(&vmdev_vf_disabling_lock);
	list_for_each_entry(pf, &vmdev_vf_disabling_pfs, vfs_disabling_node) {
		if (vf_to_pci(pf) == pci_physfn(pdev)) {
			ret = true;
			break;
		}
	}
	mutex_unlock(&vmdev_vf_disabling_lock);
	return ret;
}

static struct vmdev_device *vmdev_vf_dev_create(struct vmdev_parent *parent,
						enum vmdev_personality_id id)
{
	struct vmdev_vf *vf = container_of(parent, struct vmdev_vf, parent);
	bool virtio = id == VMDEV_PERSONALITY_VIRTIO;
	struct vmdev_vf_device *dev;

	mutex_lock(&vf->lock);
	if (vf->dead) {
		dev = ERR_PTR(-EIO);
		goto out;
	}
	/*
	 * The PF's mark is read under our lock, and the PF sets it before it
	 * looks at our device under that lock: either it sees the device or
	 * we see the mark.
	 */
	if (vf->disabling || vf->dev || vmdev_vf_pf_disabling(vf)) {
		dev = ERR_PTR(-EBUSY);
		goto out;
	}
	/*
	 * Under the lock, as SR-IOV's enabling checks for a virtio device:
	 * VFs added to this function's group afterwards would share it.
	 */
	if (virtio && vf->vfs_enabling) {
		dev_err(parent->dev,
			"VFs are being added, maybe to this function's IOMMU group: try again\n");
		dev = ERR_PTR(-EBUSY);
		goto out;
	}
	if (virtio && vmdev_vf_group_shared(vf)) {
		dev_err(parent->dev,
			"the function shares its IOMMU group: the kernel's DMA could be taken over by a VFIO user of another device there; only a vhost device can be created\n");
		dev = ERR_PTR(-EBUSY);
		goto out;
	}
	dev = vmdev_alloc_device(struct vmdev_vf_device, vdev, parent,
				 &vmdev_vf_config_ops);
	if (IS_ERR(dev))
		goto out;
	dev->vf = vf;
	dev->virtio = virtio;
	dev->vdev.dma_dev = &vf_to_pci(vf)->dev;
	/* What the function reports, not what the core would make up. */
	ether_addr_copy(dev->vdev.attrs.mac, vf->mac);
	dev->vdev.attrs.mtu = vf->mtu;
	dev->vdev.attrs.max_vq_pairs = vf->max_vq_pairs;
	vf->dev = dev;
out:
	mutex_unlock(&vf->lock);
	return IS_ERR(dev) ? ERR_CAST(dev) : &dev->vdev;
}

static void vmdev_vf_dev_destroy(struct vmdev_device *vdev)
{
	struct vmdev_vf *vf = vmdev_to_vf(vdev);

	mutex_lock(&vf->lock);
	vf->dev = NULL;
	mutex_unlock(&vf->lock);
}

static const struct vmdev_parent_ops vmdev_vf_parent_ops = {
	.dev_create	= vmdev_vf_dev_create,
	.dev_destroy	= vmdev_vf_dev_destroy,
};

/* Probe and removal */

static void vmdev_vf_free_irqs(void *data)
{
	struct vmdev_vf *vf = data;
	struct pci_dev *pdev = vf_to_pci(vf);
	unsigned int i;

	for (i = 0; i < vf->nr_vectors; i++)
		free_irq(pci_irq_vector(pdev, i), &vf->vectors[i]);
	vf->nr_vectors = 0;
	kfree(vf->vectors);
	vf->vectors = NULL;
	pci_free_irq_vectors(pdev);
}

/*
 * A vector per queue plus one for config changes. With fewer, the queues
 * share all vectors but the last, which stays for config changes; with one,
 * everything shares it; without MSI-X, one INTx line.
 */
static int vmdev_vf_request_irqs(struct vmdev_vf *vf)
{
	struct pci_dev *pdev = vf_to_pci(vf);
	unsigned int want = vf->nvqs + 1;
	int nvec, ret, i;

	nvec = pci_alloc_irq_vectors(pdev, 1, want,
				     PCI_IRQ_MSIX | PCI_IRQ_LEGACY);
	if (nvec < 0)
		return nvec;
	vf->msix = pdev->msix_enabled;
	if (!vf->msix) {
		vf->nr_vq_vectors = 1;
		vf->config_vector = VIRTIO_MSI_NO_VECTOR;
	} else if (nvec > 1) {
		vf->nr_vq_vectors = nvec - 1;
		vf->config_vector = nvec - 1;
	} else {
		vf->nr_vq_vectors = 1;
		vf->config_vector = 0;
	}
	if (nvec < want)
		dev_info(&pdev->dev, "%d %s vector(s) for %u queues: shared\n",
			 nvec, vf->msix ? "MSI-X" : "INTx", vf->nvqs);

	vf->vectors = kcalloc(nvec, sizeof(*vf->vectors), GFP_KERNEL);
	if (!vf->vectors) {
		pci_free_irq_vectors(pdev);
		return -ENOMEM;
	}
	for (i = 0; i < vf->nvqs; i++)
		vf->vqs[i].vector = vf->msix ? i % vf->nr_vq_vectors :
					       VIRTIO_MSI_NO_VECTOR;
	for (i = 0; i < nvec; i++) {
		struct vmdev_vf_vector *vec = &vf->vectors[i];

		vec->vf = vf;
		vec->index = i;
		snprintf(vec->name, sizeof(vec->name), "%s-%s-%d",
			 VMDEV_VF_NAME, pci_name(pdev), i);
		ret = request_irq(pci_irq_vector(pdev, i), vmdev_vf_interrupt,
				  vf->msix ? 0 : IRQF_SHARED, vec->name, vec);
		if (ret)
			break;
		vf->nr_vectors++;
	}
	if (vf->nr_vectors < nvec) {
		vmdev_vf_free_irqs(vf);
		return ret;
	}
	return 0;
}

static void vmdev_vf_unmap_notify(void *data)
{
	struct vmdev_vf *vf = data;
	u16 i;

	/* Mapped one by one only when the notify region was not mapped whole. */
	if (vf->mdev.notify_base)
		return;
	for (i = 0; i < vf->nvqs; i++)
		if (vf->vqs[i].notify)
			pci_iounmap(vf_to_pci(vf), vf->vqs[i].notify);
}

static int vmdev_vf_init_vqs(struct vmdev_vf *vf)
{
	struct virtio_pci_modern_device *mdev = &vf->mdev;
	struct device *dev = &mdev->pci_dev->dev;
	u16 i, size;
	int ret;

	vf->nvqs = vp_modern_get_num_queues(mdev);
	if (vf->nvqs < 2)
		return dev_err_probe(dev, -ENODEV, "%u queues\n", vf->nvqs);
	vf->vqs = devm_kcalloc(dev, vf->nvqs, sizeof(*vf->vqs), GFP_KERNEL);
	if (!vf->vqs)
		return -ENOMEM;
	ret = devm_add_action(dev, vmdev_vf_unmap_notify, vf);
	if (ret)
		return ret;

	vf->num_max = 0;
	for (i = 0; i < vf->nvqs; i++) {
		struct vmdev_vf_vq *vq = &vf->vqs[i];

		spin_lock_init(&vq->lock);
		/*
		 * Each queue has its own maximum (QEMU's virtio-net-pci: 256
		 * entries for data, 64 for control), a power of two as
		 * virtio rings need; the device's is the largest.
		 */
		size = vp_modern_get_queue_size(mdev, i);
		if (!size)
			return dev_err_probe(dev, -ENODEV, "queue %u is absent\n", i);
		vq->num_max = rounddown_pow_of_two(size);
		vq->num = vq->num_max;
		vf->num_max = max(vf->num_max, vq->num_max);
		vq->notify = vp_modern_map_vq_notify(mdev, i, &vq->notify_pa);
		if (!vq->notify)
			return dev_err_probe(dev, -ENOMEM,
					     "cannot map the doorbell of queue %u\n", i);
	}
	return 0;
}

/* What the device instance reports as its attributes. */
static void vmdev_vf_read_net_config(struct vmdev_vf *vf)
{
	void __iomem *config = vf->mdev.device;
	unsigned int i;

	if (vf->device_features & BIT_ULL(VIRTIO_NET_F_MAC))
		for (i = 0; i < ETH_ALEN; i++)
			vf->mac[i] = ioread8(config +
					     offsetof(struct virtio_net_config, mac) + i);
	vf->mtu = ETH_DATA_LEN;
	if (vf->device_features & BIT_ULL(VIRTIO_NET_F_MTU))
		vf->mtu = ioread16(config + offsetof(struct virtio_net_config, mtu));
	vf->max_vq_pairs = 1;
	if (vf->device_features & BIT_ULL(VIRTIO_NET_F_MQ))
		vf->max_vq_pairs = ioread16(config +
					    offsetof(struct virtio_net_config,
						     max_virtqueue_pairs));
	vf->max_vq_pairs = clamp_t(u16, vf->max_vq_pairs, 1, vf->nvqs / 2);
}

static void vmdev_vf_modern_remove(void *data)
{
	vp_modern_remove(data);
}

static void vmdev_vf_free_saved_state(void *data)
{
	struct vmdev_vf *vf = data;

	kfree(vf->saved_state);
	vf->saved_state = NULL;
}

static void vmdev_vf_disable_device(void *data)
{
	pci_disable_device(data);
}

static int vmdev_vf_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct vmdev_vf *vf;
	int ret;

	/*
	 * Not pcim_enable_device(): vp_modern_remove() releases the regions
	 * vp_modern_probe() requested, and on a managed device devres would
	 * release them a second time (it unlinks its own record before
	 * calling the release actions, so the first release cannot clear it).
	 */
	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	ret = devm_add_action_or_reset(dev, vmdev_vf_disable_device, pdev);
	if (ret)
		return ret;
	vf = devm_kzalloc(dev, sizeof(*vf), GFP_KERNEL);
	if (!vf)
		return -ENOMEM;
	vf->mdev.pci_dev = pdev;
	/*
	 * Not only a function that is not modern fails here: the BARs'
	 * reservation (-EBUSY also when the resource record cannot be
	 * allocated) and mappings (-EINVAL) do too, and say which above.
	 */
	ret = vp_modern_probe(&vf->mdev);
	if (ret)
		return dev_err_probe(dev, ret, "cannot set up the virtio-pci modern function\n");
	ret = devm_add_action_or_reset(dev, vmdev_vf_modern_remove, &vf->mdev);
	if (ret)
		return ret;
	if (vf->mdev.id.device != VIRTIO_ID_NET || !vf->mdev.device)
		return dev_err_probe(dev, -ENODEV,
				     "virtio device %u is not a net device\n",
				     vf->mdev.id.device);

	mutex_init(&vf->lock);
	INIT_LIST_HEAD(&vf->vfs_disabling_node);
	spin_lock_init(&vf->config_lock);
	pci_set_master(pdev);
	/*
	 * What a function-level reset takes away, vmdev_vf_stop() puts back;
	 * a copy, since restoring consumes the device's own saved state.
	 */
	pci_save_state(pdev);
	vf->saved_state = pci_store_saved_state(pdev);
	ret = devm_add_action_or_reset(dev, vmdev_vf_free_saved_state, vf);
	if (ret)
		return ret;
	/* Whatever drove the function before may have left it running. */
	ret = vmdev_vf_stop(vf);
	if (ret)
		return ret;
	vf->device_features = vp_modern_get_features(&vf->mdev);
	/* A doorbell write carries the queue index only. */
	vf->device_features &= ~BIT_ULL(VMDEV_VF_F_NOTIFICATION_DATA);
	ret = vmdev_vf_init_vqs(vf);
	if (ret)
		return ret;
	vmdev_vf_read_net_config(vf);

	ret = vmdev_vf_request_irqs(vf);
	if (ret)
		return dev_err_probe(dev, ret, "cannot set up interrupts\n");
	ret = devm_add_action_or_reset(dev, vmdev_vf_free_irqs, vf);
	if (ret)
		return ret;

	vf->parent.dev = dev;
	vf->parent.ops = &vmdev_vf_parent_ops;
	vf->parent.owner = THIS_MODULE;
	/* One device, hence one personality, per function: see the top. */
	vf->parent.max_devices = 1;
	vf->parent.max_vq_pairs = vf->max_vq_pairs;
	vf->parent.max_mtu = max_t(u16, vf->mtu, ETH_MIN_MTU);
	vf->parent.max_vqs = vf->nvqs;
	vf->parent.supported_features = vf->device_features;
	/* Its devices report the function's own MAC, MTU and pairs. */
	vf->parent.mgmt_attrs = 0;
	pci_set_drvdata(pdev, vf);
	ret = vmdev_register_parent(&vf->parent);
	if (ret)
		return dev_err_probe(dev, ret, "cannot register the vmdev parent\n");

	dev_info(dev, "%u queues of up to %u entries, %u MSI-X vector(s)\n",
		 vf->nvqs, vf->num_max, vf->msix ? vf->nr_vectors : 0);
	return 0;
}

/*
 * Unbind, or the function is going away (hot unplug, sysfs remove, its PF
 * disabling SR-IOV). The core removes the device first: its consumer is
 * detached (virtio_net unregisters the interface; a vhost user's ioctls
 * fail and its removal waits for it to close the fd), then the function is
 * quiesced and devres frees the interrupts and mappings.
 */
static void vmdev_vf_remove(struct pci_dev *pdev)
{
	struct vmdev_vf *vf = pci_get_drvdata(pdev);

	/*
	 * A PF's VFs go first; their own removal waits for their users. No
	 * new device on them meanwhile (the PF's flag alone: the VFs' devices
	 * in use are no reason to stay here).
	 */
	if (pdev->is_physfn && !pci_vfs_assigned(pdev)) {
		vmdev_vf_set_vfs_disabling(vf, true);
		pci_disable_sriov(pdev);
		vmdev_vf_set_vfs_disabling(vf, false);
	}
	vmdev_unregister_parent(&vf->parent);
	vmdev_vf_stop(vf);
	mutex_destroy(&vf->lock);
}

/*
 * Mark every VF of @pf that we drive as (not) disabling. Marking fails with
 * -EBUSY, and marks nothing, while one of them has its device instance.
 * The PF's own flag goes first and stays until unmarked: a VF bound to us
 * only after its look (an unbind and bind meanwhile) cannot get a device
 * either, so nothing can hold up the VFs' removal once marking succeeded.
 */
static int vmdev_vf_mark_disabling(struct pci_dev *pf, bool disabling)
{
	struct pci_dev *pdev = NULL;
	int ret = 0;

	vmdev_vf_set_vfs_disabling(pci_get_drvdata(pf), disabling);

	while ((pdev = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, pdev))) {
		struct vmdev_vf *vf;

		if (!pdev->is_virtfn || pci_physfn(pdev) != pf)
			continue;
		/* The device lock keeps the driver bound while we look. */
		device_lock(&pdev->dev);
		if (pdev->dev.driver == &vmdev_vf_driver.driver) {
			vf = pci_get_drvdata(pdev);
			mutex_lock(&vf->lock);
			if (disabling && vf->dev)
				ret = -EBUSY;
			else
				vf->disabling = disabling;
			mutex_unlock(&vf->lock);
		}
		device_unlock(&pdev->dev);
		if (ret) {
			pci_info(pf, "VF %s is in use\n", pci_name(pdev));
			pci_dev_put(pdev);
			vmdev_vf_mark_disabling(pf, false);
			break;
		}
	}
	return ret;
}

/*
 * Turn SR-IOV on. VFs behind a port without ACS join the PF's IOMMU group,
 * where a VFIO user of a VF would take over the DMA of a virtio device on
 * the PF: refused while the PF has one, and no such device is created
 * while the VFs are added (after that, the group check sees them).
 */
static int vmdev_vf_enable_vfs(struct pci_dev *pdev, int num_vfs)
{
	struct vmdev_vf *vf = pci_get_drvdata(pdev);
	int ret;

	mutex_lock(&vf->lock);
	if (vf->dev && vf->dev->virtio) {
		mutex_unlock(&vf->lock);
		pci_info(pdev, "a virtio device is on the PF: remove it first\n");
		return -EBUSY;
	}
	vf->vfs_enabling = true;
	mutex_unlock(&vf->lock);

	ret = pci_enable_sriov(pdev, num_vfs);

	mutex_lock(&vf->lock);
	vf->vfs_enabling = false;
	mutex_unlock(&vf->lock);
	return ret ? ret : num_vfs;
}

/* echo N > sriov_numvfs on a PF bound to this driver. */
static int vmdev_vf_sriov_configure(struct pci_dev *pdev, int num_vfs)
{
	int ret;

	if (num_vfs)
		return vmdev_vf_enable_vfs(pdev, num_vfs);
	if (pci_vfs_assigned(pdev))
		return -EPERM;
	ret = vmdev_vf_mark_disabling(pdev, true);
	if (ret)
		return ret;
	pci_disable_sriov(pdev);
	vmdev_vf_mark_disabling(pdev, false);
	return 0;
}

/*
 * A VF of a PF bound to us is about to be probed: ours, unless someone
 * already said otherwise. The PF's device lock, which its sriov_numvfs
 * write holds while VFs are added, keeps it bound meanwhile.
 */
static int vmdev_vf_bus_notify(struct notifier_block *nb, unsigned long action,
			       void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);
	struct pci_dev *pf;

	if (action != BUS_NOTIFY_ADD_DEVICE || !pdev->is_virtfn)
		return NOTIFY_DONE;
	pf = pci_physfn(pdev);
	if (READ_ONCE(pf->dev.driver) != &vmdev_vf_driver.driver ||
	    pdev->driver_override)
		return NOTIFY_DONE;
	if (driver_set_override(&pdev->dev, &pdev->driver_override,
				VMDEV_VF_NAME, strlen(VMDEV_VF_NAME)))
		pci_warn(pf, "VF %s: no driver_override, any driver may take it\n",
			 pci_name(pdev));
	return NOTIFY_OK;
}

static struct notifier_block vmdev_vf_bus_nb = {
	.notifier_call = vmdev_vf_bus_notify,
};

static const struct pci_device_id vmdev_vf_ids[] = {
	{ PCI_DEVICE_SUB(PCI_VENDOR_ID_REDHAT_QUMRANET, VMDEV_VF_IFC_DEVICE,
			 PCI_VENDOR_ID_INTEL, VMDEV_VF_IFC_SUBSYS_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, vmdev_vf_ids);

static struct pci_driver vmdev_vf_driver = {
	.name			= VMDEV_VF_NAME,
	.id_table		= vmdev_vf_ids,
	.probe			= vmdev_vf_probe,
	.remove			= vmdev_vf_remove,
	.sriov_configure	= vmdev_vf_sriov_configure,
	/* VFIO owns the function's IOMMU group for the vhost personality. */
	.driver_managed_dma	= true,
};

static int __init vmdev_vf_init(void)
{
	int ret;

	ret = bus_register_notifier(&pci_bus_type, &vmdev_vf_bus_nb);
	if (ret)
		return ret;
	ret = pci_register_driver(&vmdev_vf_driver);
	if (ret)
		bus_unregister_notifier(&pci_bus_type, &vmdev_vf_bus_nb);
	return ret;
}
module_init(vmdev_vf_init);

/* Unbinding every PF first disables their VFs: none appears after. */
static void __exit vmdev_vf_exit(void)
{
	pci_unregister_driver(&vmdev_vf_driver);
	bus_unregister_notifier(&pci_bus_type, &vmdev_vf_bus_nb);
}
module_exit(vmdev_vf_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("vhost-mdev developers");
MODULE_DESCRIPTION("vmdev parent for virtio-pci modern functions (IFC VF style)");
