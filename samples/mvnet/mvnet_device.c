// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvnet: the virtio-net device model.
 *
 * What a driver sees of an mvnet device: features, status, config space and
 * queue registers. The core validates every request before it gets here
 * (queue index, ring size, config range, feature subset, status transitions)
 * and serialises these ops with its ops_lock, so the only concurrency left is
 * with the sysfs link attribute and the datapath; &mvnet_dev.lock covers
 * that, and the ops that must not return while the datapath still uses a
 * ring (reset, suspend, queue disable) wait for it with mvnet_dp_quiesce().
 */
#include <linux/bits.h>
#include <linux/cache.h>
#include <linux/etherdevice.h>
#include <linux/limits.h>
#include <linux/pci_ids.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>
#include <uapi/linux/virtio_net.h>
#include <uapi/linux/virtio_ring.h>

#include "mvnet.h"

/*
 * The config space ends after @mtu: every later field (speed and duplex,
 * RSS and hash limits) exists only with a feature mvnet does not offer, and
 * clients size their config reads from the features (QEMU asks for exactly
 * up to @mtu with MAC, STATUS, MQ and MTU), so a longer space would only
 * carry bytes nobody may interpret.
 */
#define MVNET_CONFIG_SIZE	offsetofend(struct virtio_net_config, mtu)

#define MVNET_VQ_NUM_MAX	1024

/*
 * A software device has no vendor of its own; report the vendor id every
 * virtio-pci device carries, as QEMU's virtio devices do.
 */
#define MVNET_VENDOR_ID		PCI_VENDOR_ID_REDHAT_QUMRANET

/*
 * The device offers only VERSION_1, so its config space is always little
 * endian; no legacy guest-endian case exists to ask the negotiated features
 * about.
 */
static __virtio16 mvnet_cpu_to_virtio16(u16 val)
{
	return (__force __virtio16)cpu_to_le16(val);
}

static int mvnet_set_vq_address(struct vmdev_device *vdev, u16 idx,
				u64 desc_area, u64 driver_area,
				u64 device_area)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);
	struct mvnet_vq *vq = &dev->vqs[idx];

	spin_lock_bh(&dev->lock);
	vq->desc_addr = desc_area;
	vq->driver_addr = driver_area;
	vq->device_addr = device_area;
	spin_unlock_bh(&dev->lock);
	return 0;
}

static void mvnet_set_vq_num(struct vmdev_device *vdev, u16 idx, u32 num)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);

	spin_lock_bh(&dev->lock);
	dev->vqs[idx].num = num;
	spin_unlock_bh(&dev->lock);
}

/*
 * Called from atomic context, possibly with interrupts disabled (an eventfd
 * wake-up), and possibly from inside one of our own callbacks, which run
 * under dev->lock: so it must never take that lock. It only queues work.
 */
static void mvnet_kick_vq(struct vmdev_device *vdev, u16 idx)
{
	mvnet_dp_kick(mvnet_from_vmdev(vdev), idx);
}

static void mvnet_set_vq_cb(struct vmdev_device *vdev, u16 idx,
			    const struct vmdev_callback *cb)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);
	struct mvnet_vq *vq = &dev->vqs[idx];

	/* Callbacks run under dev->lock, so the old one is done on unlock. */
	spin_lock_bh(&dev->lock);
	if (cb)
		vq->cb = *cb;
	else
		memset(&vq->cb, 0, sizeof(vq->cb));
	spin_unlock_bh(&dev->lock);
}

/* The error callback has the same guarantee, for the same reason. */
static void mvnet_set_vq_err_cb(struct vmdev_device *vdev, u16 idx,
				const struct vmdev_callback *cb)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);
	struct mvnet_vq *vq = &dev->vqs[idx];

	spin_lock_bh(&dev->lock);
	if (cb)
		vq->err_cb = *cb;
	else
		memset(&vq->err_cb, 0, sizeof(vq->err_cb));
	spin_unlock_bh(&dev->lock);
}

/*
 * Disabling returns only once no pass uses the ring any more. Enabling
 * forgets what the device wrote to the ring's flags (the driver may have
 * moved the ring meanwhile) and lets the datapath look at the queue, since
 * a driver re-enabling a queue with buffers pending need not kick it again.
 */
static int mvnet_set_vq_ready(struct vmdev_device *vdev, u16 idx, bool ready)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);

	spin_lock_bh(&dev->lock);
	dev->vqs[idx].ready = ready;
	if (ready)
		dev->vqs[idx].notify = MVNET_NOTIFY_UNKNOWN;
	spin_unlock_bh(&dev->lock);

	if (ready)
		mvnet_dp_wake(dev);
	else
		mvnet_dp_quiesce(dev, false);
	return 0;
}

static bool mvnet_get_vq_ready(struct vmdev_device *vdev, u16 idx)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);
	bool ready;

	spin_lock_bh(&dev->lock);
	ready = dev->vqs[idx].ready;
	spin_unlock_bh(&dev->lock);
	return ready;
}

static int mvnet_set_vq_state(struct vmdev_device *vdev, u16 idx,
			      const struct vmdev_vq_state *state)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);
	struct mvnet_vq *vq = &dev->vqs[idx];

	/*
	 * A split ring carries no record of buffers in flight, so whoever
	 * saved this state expects every buffer before @avail_index to have
	 * been used: the used index resumes from the same point.
	 */
	spin_lock_bh(&dev->lock);
	vq->last_avail_idx = state->split.avail_index;
	vq->last_used_idx = state->split.avail_index;
	spin_unlock_bh(&dev->lock);
	return 0;
}

static int mvnet_get_vq_state(struct vmdev_device *vdev, u16 idx,
			      struct vmdev_vq_state *state)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);

	spin_lock_bh(&dev->lock);
	state->split.avail_index = dev->vqs[idx].last_avail_idx;
	spin_unlock_bh(&dev->lock);
	return 0;
}

/*
 * The device takes each ring area at its own address, so it needs only the
 * spec's 16/2/4 byte alignment. This value is what a driver laying out a
 * whole ring in one allocation uses to place the used ring
 * (vring_create_virtqueue()); a cache line, as virtio-pci modern uses, keeps
 * the driver-written and device-written parts apart without the page of
 * padding the legacy layout needed.
 */
static u32 mvnet_get_vq_align(struct vmdev_device *vdev)
{
	return SMP_CACHE_BYTES;
}

/* No get_vq_num_min: any ring size from 1 up works, the core's default. */
static u16 mvnet_get_vq_num_max(struct vmdev_device *vdev)
{
	return MVNET_VQ_NUM_MAX;
}

static u16 mvnet_get_vq_count(struct vmdev_device *vdev)
{
	/* attrs are stable while a consumer has the device claimed. */
	return 2 * vdev->attrs.max_vq_pairs + 1;
}

/**
 * mvnet_vq_group - the queue group of a queue under some features
 * @dev: the device
 * @idx: queue index
 * @features: the negotiated features
 *
 * The control queue is alone in its group, so that a hypervisor can shadow
 * it in an address space of its own while the data queues stay on guest
 * memory (QEMU's shadow control queue, for migration).
 *
 * Return: %MVNET_GROUP_CTRL or %MVNET_GROUP_DATA.
 */
u32 mvnet_vq_group(struct mvnet_dev *dev, u16 idx, u64 features)
{
	return (features & BIT_ULL(VIRTIO_NET_F_CTRL_VQ)) &&
	       idx == mvnet_ctrl_vq_index(dev, features) ?
	       MVNET_GROUP_CTRL : MVNET_GROUP_DATA;
}

static u32 mvnet_get_vq_group(struct vmdev_device *vdev, u16 idx)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);

	return mvnet_vq_group(dev, idx, READ_ONCE(dev->features));
}

static u64 mvnet_get_device_features(struct vmdev_device *vdev)
{
	return MVNET_FEATURES;
}

static int mvnet_set_driver_features(struct vmdev_device *vdev, u64 features)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);

	/* kick_vq reads it without the lock, to find the control queue. */
	spin_lock_bh(&dev->lock);
	WRITE_ONCE(dev->features, features);
	spin_unlock_bh(&dev->lock);
	return 0;
}

static u64 mvnet_get_driver_features(struct vmdev_device *vdev)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);
	u64 features;

	spin_lock_bh(&dev->lock);
	features = dev->features;
	spin_unlock_bh(&dev->lock);
	return features;
}

/*
 * The debugfs counters of a queue. Which queue an index is depends on the
 * negotiated features: the control queue follows the pairs in use.
 */
static int mvnet_get_vq_stats(struct vmdev_device *vdev, u16 idx,
			      struct vmdev_vq_stat *stats, unsigned int n)
{
	static const char * const names[] = {
		"packets", "bytes", "drops", "errors",
	};
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);
	u64 features = mvnet_get_driver_features(vdev);
	u16 pairs = 1;
	struct mvnet_queue *q;
	u64 values[4];
	unsigned int i;

	/* attrs are stable while the device is claimed; else harmless. */
	if (features & BIT_ULL(VIRTIO_NET_F_MQ))
		pairs = min_t(u16, READ_ONCE(vdev->attrs.max_vq_pairs),
			      MVNET_MAX_VQ_PAIRS);
	if ((features & BIT_ULL(VIRTIO_NET_F_CTRL_VQ)) &&
	    idx == mvnet_ctrl_vq_index(dev, features))
		q = &dev->ctrlq;
	else if (idx < 2 * pairs)
		q = idx & 1 ? &dev->txq[idx / 2] : &dev->rxq[idx / 2];
	else
		return -EINVAL;
	mvnet_queue_stats_read(&q->stats, &values[0], &values[1], &values[2],
			       &values[3]);
	n = min_t(unsigned int, n, ARRAY_SIZE(names));
	for (i = 0; i < n; i++) {
		stats[i].name = names[i];
		stats[i].value = values[i];
	}
	return n;
}

static void mvnet_set_config_cb(struct vmdev_device *vdev,
				const struct vmdev_callback *cb)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);

	/* As for queue callbacks: on unlock the old one is done. */
	spin_lock_bh(&dev->lock);
	if (cb)
		dev->config_cb = *cb;
	else
		memset(&dev->config_cb, 0, sizeof(dev->config_cb));
	spin_unlock_bh(&dev->lock);
}

static u32 mvnet_get_device_id(struct vmdev_device *vdev)
{
	return VIRTIO_ID_NET;
}

static u32 mvnet_get_vendor_id(struct vmdev_device *vdev)
{
	return MVNET_VENDOR_ID;
}

static u8 mvnet_get_status(struct vmdev_device *vdev)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);
	u8 status;

	spin_lock_bh(&dev->lock);
	status = dev->status;
	spin_unlock_bh(&dev->lock);
	return status;
}

static void mvnet_set_status(struct vmdev_device *vdev, u8 status)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);
	bool start;

	spin_lock_bh(&dev->lock);
	/*
	 * The device has no legacy interface: a driver that did not accept
	 * VERSION_1 is refused by leaving FEATURES_OK clear, which is how the
	 * spec lets a device reject a feature set.
	 */
	if (!(dev->features & BIT_ULL(VIRTIO_F_VERSION_1)))
		status &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	/* NEEDS_RESET is the device's; only a reset clears it. */
	status |= dev->status & VIRTIO_CONFIG_S_NEEDS_RESET;
	start = (status & ~dev->status) & VIRTIO_CONFIG_S_DRIVER_OK;
	dev->status = status;
	spin_unlock_bh(&dev->lock);

	/* Buffers made available before DRIVER_OK are processed now. */
	if (start)
		mvnet_dp_wake(dev);
}

static int mvnet_reset(struct vmdev_device *vdev)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);

	/*
	 * The config callback survives: it is the consumer's wiring, not
	 * driver-visible state (vhost's SET_CONFIG_CALL is not repeated after
	 * a reset), and the consumer removes it itself before it lets go.
	 * The link state belongs to the administrator and survives too.
	 *
	 * Status 0 stops every pass from starting; once the running ones are
	 * done and the queued work is cancelled, nothing touches driver
	 * memory and the state can go. The peer then drops what it was
	 * holding for us.
	 */
	spin_lock_bh(&dev->lock);
	dev->status = 0;
	spin_unlock_bh(&dev->lock);

	mvnet_dp_quiesce(dev, true);

	spin_lock_bh(&dev->lock);
	WRITE_ONCE(dev->features, 0);
	dev->suspended = false;
	memset(dev->vqs, 0, sizeof(dev->vqs));
	mvnet_ctrl_reset_locked(dev);
	spin_unlock_bh(&dev->lock);

	mvnet_dp_wake(dev);
	return 0;
}

/*
 * The flag is what the datapath checks before touching a ring; once the
 * passes already running are done, the queue state read by get_vq_state
 * stays put. A peer holds its frames for us meanwhile (a suspended device
 * is expected back), and resume lets both sides go on.
 */
static int mvnet_suspend(struct vmdev_device *vdev)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);

	spin_lock_bh(&dev->lock);
	dev->suspended = true;
	spin_unlock_bh(&dev->lock);

	mvnet_dp_quiesce(dev, true);
	return 0;
}

static int mvnet_resume(struct vmdev_device *vdev)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);

	spin_lock_bh(&dev->lock);
	dev->suspended = false;
	spin_unlock_bh(&dev->lock);

	mvnet_dp_wake(dev);
	return 0;
}

static size_t mvnet_get_config_size(struct vmdev_device *vdev)
{
	return MVNET_CONFIG_SIZE;
}

static void mvnet_get_config(struct vmdev_device *vdev, unsigned int offset,
			     void *buf, unsigned int len)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);
	struct virtio_net_config config = {};
	u16 status;

	/* The core keeps offset + len within MVNET_CONFIG_SIZE. */
	ether_addr_copy(config.mac, vdev->attrs.mac);
	config.max_virtqueue_pairs =
		mvnet_cpu_to_virtio16(vdev->attrs.max_vq_pairs);
	config.mtu = mvnet_cpu_to_virtio16(vdev->attrs.mtu);

	spin_lock_bh(&dev->lock);
	status = dev->link_up ? VIRTIO_NET_S_LINK_UP : 0;
	spin_unlock_bh(&dev->lock);
	config.status = mvnet_cpu_to_virtio16(status);

	memcpy(buf, (u8 *)&config + offset, len);
}

/*
 * For a VERSION_1 device the net config space is read-only to the driver:
 * only the legacy interface let it write the MAC, and a modern driver sets
 * its address with VIRTIO_NET_CTRL_MAC_ADDR_SET on the control queue. QEMU's
 * vhost-vdpa still writes the MAC it was given through SET_CONFIG; failing
 * that would break it, and honouring it would let a client override the
 * address the administrator set. So every write is accepted and dropped,
 * whatever it holds.
 */
static void mvnet_set_config(struct vmdev_device *vdev, unsigned int offset,
			     const void *buf, unsigned int len)
{
}

static u32 mvnet_get_generation(struct vmdev_device *vdev)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);
	u32 generation;

	spin_lock_bh(&dev->lock);
	generation = dev->generation;
	spin_unlock_bh(&dev->lock);
	return generation;
}

/* The core's address-space helpers translate any address; none is special. */
static struct vmdev_iova_range mvnet_get_iova_range(struct vmdev_device *vdev)
{
	return (struct vmdev_iova_range){ .first = 0, .last = U64_MAX };
}

const struct vmdev_config_ops mvnet_config_ops = {
	.set_vq_address		= mvnet_set_vq_address,
	.set_vq_num		= mvnet_set_vq_num,
	.kick_vq		= mvnet_kick_vq,
	.set_vq_cb		= mvnet_set_vq_cb,
	.set_vq_err_cb		= mvnet_set_vq_err_cb,
	.set_vq_ready		= mvnet_set_vq_ready,
	.get_vq_ready		= mvnet_get_vq_ready,
	.set_vq_state		= mvnet_set_vq_state,
	.get_vq_state		= mvnet_get_vq_state,
	.get_vq_align		= mvnet_get_vq_align,
	.get_vq_num_max		= mvnet_get_vq_num_max,
	.get_vq_count		= mvnet_get_vq_count,
	.get_vq_group		= mvnet_get_vq_group,
	.get_device_features	= mvnet_get_device_features,
	.set_driver_features	= mvnet_set_driver_features,
	.get_driver_features	= mvnet_get_driver_features,
	.set_config_cb		= mvnet_set_config_cb,
	.get_device_id		= mvnet_get_device_id,
	.get_vendor_id		= mvnet_get_vendor_id,
	.get_status		= mvnet_get_status,
	.set_status		= mvnet_set_status,
	.reset			= mvnet_reset,
	.suspend		= mvnet_suspend,
	.resume			= mvnet_resume,
	.get_config_size	= mvnet_get_config_size,
	.get_config		= mvnet_get_config,
	.set_config		= mvnet_set_config,
	.get_generation		= mvnet_get_generation,
	.get_iova_range		= mvnet_get_iova_range,
	.get_vq_stats		= mvnet_get_vq_stats,
	.get_net_state		= mvnet_get_net_state,
	.set_net_state		= mvnet_set_net_state,
};

/* A new device starts reset, with its link up as a plugged-in NIC's would. */
void mvnet_device_init(struct mvnet_dev *dev)
{
	spin_lock_init(&dev->lock);
	seqcount_spinlock_init(&dev->filter_seq, &dev->lock);
	dev->link_up = true;
	spin_lock_bh(&dev->lock);
	mvnet_ctrl_reset_locked(dev);
	spin_unlock_bh(&dev->lock);
}

bool mvnet_get_link(struct mvnet_dev *dev)
{
	bool up;

	spin_lock_bh(&dev->lock);
	up = dev->link_up;
	spin_unlock_bh(&dev->lock);
	return up;
}

/*
 * The device changing its own config space: bump the generation so a driver
 * reading across the change retries, and tell the consumer. The callback
 * runs under dev->lock, which is what makes set_config_cb's guarantee hold.
 */
void mvnet_set_link(struct mvnet_dev *dev, bool up)
{
	bool changed;

	spin_lock_bh(&dev->lock);
	changed = dev->link_up != up;
	if (changed) {
		dev->link_up = up;
		dev->generation++;
		if (dev->config_cb.callback)
			dev->config_cb.callback(dev->config_cb.private);
	}
	spin_unlock_bh(&dev->lock);

	/* Frames held back for either side are now dropped, or go through. */
	if (changed)
		mvnet_dp_wake(dev);
}
