// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmdev core: the validated entry points consumers use to drive a device.
 *
 * Each wrapper checks its arguments against what the device reported and
 * against the device's state before the vendor op sees them, so vendor
 * drivers implement only the valid cases, and both personalities get the
 * same errno for the same mistake. A rejected call changes nothing.
 */

#include <linux/log2.h>
#include <linux/virtio_config.h>
#include <uapi/linux/virtio_net.h>

#include "vmdev_internal.h"

/* Split-ring area alignments required by the virtio 1.x specification. */
#define VMDEV_DESC_ALIGN	16
#define VMDEV_DRIVER_ALIGN	2
#define VMDEV_DEVICE_ALIGN	4

/**
 * vmdev_get_vq_count - number of queues the device exposes
 * @vdev: the device
 *
 * Return: the queue count for the device's current attributes.
 */
u16 vmdev_get_vq_count(struct vmdev_device *vdev)
{
	return vdev->config->get_vq_count(vdev);
}
EXPORT_SYMBOL_GPL(vmdev_get_vq_count);

/**
 * vmdev_get_vq_groups - number of queue groups of a device
 * @vdev: the device
 *
 * Fixed for the device's life. Any context.
 *
 * Return: the group count, at least 1.
 */
u32 vmdev_get_vq_groups(struct vmdev_device *vdev)
{
	return vdev->ngroups ?: 1;
}
EXPORT_SYMBOL_GPL(vmdev_get_vq_groups);

/**
 * vmdev_get_vq_group - the queue group of a queue
 * @vdev: the device
 * @idx: queue index, below vmdev_get_vq_count()
 *
 * Under the negotiated features: fixed from FEATURES_OK to the next reset.
 * Any context.
 *
 * Return: the group of queue @idx, below vmdev_get_vq_groups(); 0 for a
 * device that has one.
 */
u32 vmdev_get_vq_group(struct vmdev_device *vdev, u16 idx)
{
	u32 group;

	if (!vdev->config->get_vq_group)
		return 0;
	group = vdev->config->get_vq_group(vdev, idx);
	/* The vendor's bug: keep it in bounds for the arrays it indexes. */
	if (WARN_ON_ONCE(group >= vmdev_get_vq_groups(vdev)))
		return 0;
	return group;
}
EXPORT_SYMBOL_GPL(vmdev_get_vq_group);

static bool vmdev_vq_valid(struct vmdev_device *vdev, u16 idx)
{
	return idx < vdev->config->get_vq_count(vdev);
}

/* Called with ops_lock held: ring setup is only allowed on a stopped ring. */
static int vmdev_vq_check_setup(struct vmdev_device *vdev, u16 idx)
{
	if (!vmdev_vq_valid(vdev, idx))
		return -EINVAL;
	if (vdev->config->get_vq_ready(vdev, idx))
		return -EBUSY;
	return 0;
}

/**
 * vmdev_set_vq_num - set a queue's ring size
 * @vdev: the device
 * @idx: queue index
 * @num: ring size
 *
 * May sleep.
 *
 * Return: 0; -EINVAL for a bad @idx or a @num that is not a power of two
 * within the device's minimum and the queue's maximum; -EBUSY if the queue
 * is ready.
 */
int vmdev_set_vq_num(struct vmdev_device *vdev, u16 idx, u32 num)
{
	u32 min = vmdev_get_vq_num_min(vdev);
	int ret;

	/* The size of a bad @idx is 0. */
	if (!is_power_of_2(num) || num < min ||
	    num > vmdev_get_vq_size(vdev, idx))
		return -EINVAL;

	mutex_lock(&vdev->ops_lock);
	ret = vmdev_vq_check_setup(vdev, idx);
	if (!ret)
		vdev->config->set_vq_num(vdev, idx, num);
	mutex_unlock(&vdev->ops_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_set_vq_num);

/**
 * vmdev_set_vq_address - set the addresses of a queue's ring areas
 * @vdev: the device
 * @idx: queue index
 * @desc_area: descriptor table address
 * @driver_area: driver (available) ring address
 * @device_area: device (used) ring address
 *
 * May sleep.
 *
 * Return: 0; -EINVAL for a bad @idx or a misaligned area; -EBUSY if the
 * queue is ready; or the vendor's error.
 */
int vmdev_set_vq_address(struct vmdev_device *vdev, u16 idx, u64 desc_area,
			 u64 driver_area, u64 device_area)
{
	int ret;

	if (!IS_ALIGNED(desc_area, VMDEV_DESC_ALIGN) ||
	    !IS_ALIGNED(driver_area, VMDEV_DRIVER_ALIGN) ||
	    !IS_ALIGNED(device_area, VMDEV_DEVICE_ALIGN))
		return -EINVAL;

	mutex_lock(&vdev->ops_lock);
	ret = vmdev_vq_check_setup(vdev, idx);
	if (!ret)
		ret = vdev->config->set_vq_address(vdev, idx, desc_area,
						   driver_area, device_area);
	mutex_unlock(&vdev->ops_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_set_vq_address);

/**
 * vmdev_set_vq_ready - enable or disable a queue
 * @vdev: the device
 * @idx: queue index
 * @ready: enable when true
 *
 * May sleep.
 *
 * Return: 0; -EINVAL for a bad @idx; or the vendor's error (-EOPNOTSUPP:
 * the queue cannot be stopped without resetting the device), with the
 * queue unchanged.
 */
int vmdev_set_vq_ready(struct vmdev_device *vdev, u16 idx, bool ready)
{
	int ret = -EINVAL;

	mutex_lock(&vdev->ops_lock);
	if (vmdev_vq_valid(vdev, idx))
		ret = vdev->config->set_vq_ready(vdev, idx, ready);
	mutex_unlock(&vdev->ops_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_set_vq_ready);

/**
 * vmdev_set_vq_state - set where a queue resumes
 * @vdev: the device
 * @idx: queue index
 * @state: the state
 *
 * May sleep.
 *
 * Return: 0; -EINVAL for a bad @idx; -EBUSY if the queue is ready; or the
 * vendor's error.
 */
int vmdev_set_vq_state(struct vmdev_device *vdev, u16 idx,
		       const struct vmdev_vq_state *state)
{
	int ret;

	mutex_lock(&vdev->ops_lock);
	ret = vmdev_vq_check_setup(vdev, idx);
	if (!ret)
		ret = vdev->config->set_vq_state(vdev, idx, state);
	mutex_unlock(&vdev->ops_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_set_vq_state);

/**
 * vmdev_get_vq_state - read a queue's state
 * @vdev: the device
 * @idx: queue index
 * @state: filled in on success
 *
 * May sleep.
 *
 * Return: 0; -EINVAL for a bad @idx; or the vendor's error.
 */
int vmdev_get_vq_state(struct vmdev_device *vdev, u16 idx,
		       struct vmdev_vq_state *state)
{
	int ret = -EINVAL;

	mutex_lock(&vdev->ops_lock);
	if (vmdev_vq_valid(vdev, idx))
		ret = vdev->config->get_vq_state(vdev, idx, state);
	mutex_unlock(&vdev->ops_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_get_vq_state);

/**
 * vmdev_set_vq_cb - set or clear a queue's used-buffer callback
 * @vdev: the device
 * @idx: queue index
 * @cb: the callback, or NULL
 *
 * When this returns the previous callback is not running and will not run
 * again. May sleep.
 *
 * Return: 0, or -EINVAL for a bad @idx.
 */
int vmdev_set_vq_cb(struct vmdev_device *vdev, u16 idx,
		    const struct vmdev_callback *cb)
{
	int ret = 0;

	mutex_lock(&vdev->ops_lock);
	if (vmdev_vq_valid(vdev, idx))
		vdev->config->set_vq_cb(vdev, idx, cb);
	else
		ret = -EINVAL;
	mutex_unlock(&vdev->ops_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_set_vq_cb);

/**
 * vmdev_set_vq_err_cb - set or clear a queue's error callback
 * @vdev: the device
 * @idx: queue index
 * @cb: the callback, or NULL
 *
 * Same guarantees as vmdev_set_vq_cb(). May sleep.
 *
 * Return: 0; -EINVAL for a bad @idx; -EOPNOTSUPP if the device reports no
 * queue errors.
 */
int vmdev_set_vq_err_cb(struct vmdev_device *vdev, u16 idx,
			const struct vmdev_callback *cb)
{
	int ret = 0;

	if (!vdev->config->set_vq_err_cb)
		return -EOPNOTSUPP;
	mutex_lock(&vdev->ops_lock);
	if (vmdev_vq_valid(vdev, idx))
		vdev->config->set_vq_err_cb(vdev, idx, cb);
	else
		ret = -EINVAL;
	mutex_unlock(&vdev->ops_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_set_vq_err_cb);

/**
 * vmdev_set_config_cb - set or clear the config-change callback
 * @vdev: the device
 * @cb: the callback, or NULL
 *
 * Same guarantees as vmdev_set_vq_cb(). May sleep.
 *
 * Return: 0.
 */
int vmdev_set_config_cb(struct vmdev_device *vdev,
			const struct vmdev_callback *cb)
{
	mutex_lock(&vdev->ops_lock);
	vdev->config->set_config_cb(vdev, cb);
	mutex_unlock(&vdev->ops_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(vmdev_set_config_cb);

/**
 * vmdev_set_driver_features - accept the driver's features
 * @vdev: the device
 * @features: the driver's features
 *
 * May sleep.
 *
 * Return: 0; -EINVAL if @features has a bit the device does not offer;
 * -EBUSY once FEATURES_OK is set; or the vendor's error.
 */
int vmdev_set_driver_features(struct vmdev_device *vdev, u64 features)
{
	const struct vmdev_config_ops *ops = vdev->config;
	int ret;

	mutex_lock(&vdev->ops_lock);
	if (ops->get_status(vdev) & VIRTIO_CONFIG_S_FEATURES_OK)
		ret = -EBUSY;
	else if (features & ~vmdev_offered_features(vdev))
		ret = -EINVAL;
	else
		ret = ops->set_driver_features(vdev, features);
	mutex_unlock(&vdev->ops_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_set_driver_features);

static int __vmdev_reset(struct vmdev_device *vdev)
{
	lockdep_assert_held(&vdev->ops_lock);
	return vdev->config->reset(vdev);
}

/**
 * vmdev_set_status - change the device status
 * @vdev: the device
 * @status: the new status; 0 resets the device
 *
 * Status bits can only be added; the device clears them only by a reset.
 * DRIVER_OK needs FEATURES_OK already in the device status: a device that
 * cleared FEATURES_OK rejected the features, and must not start on them.
 * May sleep.
 *
 * Return: 0; -EINVAL if @status drops a bit of the current status or sets
 * DRIVER_OK without FEATURES_OK; or the vendor's reset error.
 */
int vmdev_set_status(struct vmdev_device *vdev, u8 status)
{
	const struct vmdev_config_ops *ops = vdev->config;
	int ret = 0;
	u8 cur;

	mutex_lock(&vdev->ops_lock);
	if (!status) {
		ret = __vmdev_reset(vdev);
		goto out;
	}
	cur = ops->get_status(vdev);
	/* NEEDS_RESET is the device's to set, not the driver's to clear. */
	cur &= ~VIRTIO_CONFIG_S_NEEDS_RESET;
	if ((status & cur) != cur)
		ret = -EINVAL;
	else if ((status & ~cur & VIRTIO_CONFIG_S_DRIVER_OK) &&
		 !(cur & VIRTIO_CONFIG_S_FEATURES_OK))
		ret = -EINVAL;
	else
		ops->set_status(vdev, status);
out:
	mutex_unlock(&vdev->ops_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_set_status);

/**
 * vmdev_reset - reset the device
 * @vdev: the device
 *
 * When this returns the device no longer touches driver memory and raises
 * no callbacks. May sleep.
 *
 * Return: 0 or the vendor's error.
 */
int vmdev_reset(struct vmdev_device *vdev)
{
	int ret;

	mutex_lock(&vdev->ops_lock);
	ret = __vmdev_reset(vdev);
	mutex_unlock(&vdev->ops_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_reset);

/**
 * vmdev_suspend - stop processing while keeping queue state readable
 * @vdev: the device
 *
 * May sleep.
 *
 * Return: 0; -EOPNOTSUPP if the device cannot suspend; or the vendor's
 * error.
 */
int vmdev_suspend(struct vmdev_device *vdev)
{
	int ret;

	if (!vdev->config->suspend)
		return -EOPNOTSUPP;
	mutex_lock(&vdev->ops_lock);
	ret = vdev->config->suspend(vdev);
	mutex_unlock(&vdev->ops_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_suspend);

/**
 * vmdev_resume - resume after vmdev_suspend()
 * @vdev: the device
 *
 * May sleep.
 *
 * Return: 0; -EOPNOTSUPP if the device cannot resume; or the vendor's
 * error.
 */
int vmdev_resume(struct vmdev_device *vdev)
{
	int ret;

	if (!vdev->config->resume)
		return -EOPNOTSUPP;
	mutex_lock(&vdev->ops_lock);
	ret = vdev->config->resume(vdev);
	mutex_unlock(&vdev->ops_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_resume);

static bool vmdev_config_range_ok(struct vmdev_device *vdev,
				  unsigned int offset, unsigned int len)
{
	size_t size = vdev->config->get_config_size(vdev);

	return offset <= size && len <= size - offset;
}

/**
 * vmdev_get_config - read the device-specific config space
 * @vdev: the device
 * @offset: byte offset
 * @buf: destination
 * @len: bytes to read
 *
 * May sleep.
 *
 * Return: 0, or -EINVAL if the range is outside the config space.
 */
int vmdev_get_config(struct vmdev_device *vdev, unsigned int offset,
		     void *buf, unsigned int len)
{
	if (!vmdev_config_range_ok(vdev, offset, len))
		return -EINVAL;
	mutex_lock(&vdev->ops_lock);
	vdev->config->get_config(vdev, offset, buf, len);
	mutex_unlock(&vdev->ops_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(vmdev_get_config);

/**
 * vmdev_set_config - write the device-specific config space
 * @vdev: the device
 * @offset: byte offset
 * @buf: source
 * @len: bytes to write
 *
 * May sleep.
 *
 * Return: 0, or -EINVAL if the range is outside the config space.
 */
int vmdev_set_config(struct vmdev_device *vdev, unsigned int offset,
		     const void *buf, unsigned int len)
{
	if (!vmdev_config_range_ok(vdev, offset, len))
		return -EINVAL;
	mutex_lock(&vdev->ops_lock);
	vdev->config->set_config(vdev, offset, buf, len);
	mutex_unlock(&vdev->ops_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(vmdev_set_config);

/**
 * vmdev_get_iova_range - the addresses the device can use
 * @vdev: the device
 *
 * Return: the vendor's range, or the whole 64-bit space if it has none.
 */
struct vmdev_iova_range vmdev_get_iova_range(struct vmdev_device *vdev)
{
	struct vmdev_iova_range all = { .first = 0, .last = U64_MAX };

	if (vdev->config->get_iova_range)
		return vdev->config->get_iova_range(vdev);
	return all;
}
EXPORT_SYMBOL_GPL(vmdev_get_iova_range);

/**
 * vmdev_get_status - read the device status
 * @vdev: the device
 *
 * May sleep.
 *
 * Return: the device status byte.
 */
u8 vmdev_get_status(struct vmdev_device *vdev)
{
	u8 status;

	mutex_lock(&vdev->ops_lock);
	status = vdev->config->get_status(vdev);
	mutex_unlock(&vdev->ops_lock);
	return status;
}
EXPORT_SYMBOL_GPL(vmdev_get_status);

/**
 * vmdev_get_device_features - features the device offers
 * @vdev: the device
 *
 * May sleep.
 *
 * Return: the device's VIRTIO_F_* feature bits: the vendor's, less those
 * the administrator took away (the device_features attribute).
 */
u64 vmdev_get_device_features(struct vmdev_device *vdev)
{
	u64 features;

	mutex_lock(&vdev->ops_lock);
	features = vmdev_offered_features(vdev);
	mutex_unlock(&vdev->ops_lock);
	return features;
}
EXPORT_SYMBOL_GPL(vmdev_get_device_features);

/**
 * vmdev_get_driver_features - features the driver last set
 * @vdev: the device
 *
 * May sleep.
 *
 * Return: the features accepted by vmdev_set_driver_features() since the
 * last reset.
 */
u64 vmdev_get_driver_features(struct vmdev_device *vdev)
{
	u64 features;

	mutex_lock(&vdev->ops_lock);
	features = vdev->config->get_driver_features(vdev);
	mutex_unlock(&vdev->ops_lock);
	return features;
}
EXPORT_SYMBOL_GPL(vmdev_get_driver_features);

/**
 * vmdev_get_device_id - the virtio device id
 * @vdev: the device
 *
 * Return: the virtio device id (1 for a net device).
 */
u32 vmdev_get_device_id(struct vmdev_device *vdev)
{
	return vdev->config->get_device_id(vdev);
}
EXPORT_SYMBOL_GPL(vmdev_get_device_id);

/**
 * vmdev_get_config_size - size of the device-specific config space
 * @vdev: the device
 *
 * Return: the size in bytes.
 */
size_t vmdev_get_config_size(struct vmdev_device *vdev)
{
	return vdev->config->get_config_size(vdev);
}
EXPORT_SYMBOL_GPL(vmdev_get_config_size);

/**
 * vmdev_get_vq_num_max - largest ring size the device supports
 * @vdev: the device
 *
 * A queue may allow less: vmdev_get_vq_size().
 *
 * Return: the maximum number of ring entries, on any queue.
 */
u16 vmdev_get_vq_num_max(struct vmdev_device *vdev)
{
	return vdev->config->get_vq_num_max(vdev);
}
EXPORT_SYMBOL_GPL(vmdev_get_vq_num_max);

/**
 * vmdev_get_vq_size - largest ring size of one queue
 * @vdev: the device
 * @idx: queue index
 *
 * Lock-free.
 *
 * Return: the maximum number of entries of queue @idx's ring; 0 when @idx
 * is not below the queue count.
 */
u16 vmdev_get_vq_size(struct vmdev_device *vdev, u16 idx)
{
	const struct vmdev_config_ops *ops = vdev->config;

	if (!vmdev_vq_valid(vdev, idx))
		return 0;
	return ops->get_vq_size ? ops->get_vq_size(vdev, idx) :
				  ops->get_vq_num_max(vdev);
}
EXPORT_SYMBOL_GPL(vmdev_get_vq_size);

/**
 * vmdev_get_vq_num_min - smallest ring size the device supports
 * @vdev: the device
 *
 * Return: the minimum number of ring entries (1 if the device sets none).
 */
u16 vmdev_get_vq_num_min(struct vmdev_device *vdev)
{
	return vdev->config->get_vq_num_min ?
	       vdev->config->get_vq_num_min(vdev) : 1;
}
EXPORT_SYMBOL_GPL(vmdev_get_vq_num_min);

/**
 * vmdev_get_vq_align - alignment for a ring laid out in one allocation
 * @vdev: the device
 *
 * Return: the device's preferred alignment, a power of two.
 */
u32 vmdev_get_vq_align(struct vmdev_device *vdev)
{
	return vdev->config->get_vq_align(vdev);
}
EXPORT_SYMBOL_GPL(vmdev_get_vq_align);

/**
 * vmdev_get_vendor_id - the virtio subsystem vendor id
 * @vdev: the device
 *
 * Return: the vendor id the device reports.
 */
u32 vmdev_get_vendor_id(struct vmdev_device *vdev)
{
	return vdev->config->get_vendor_id(vdev);
}
EXPORT_SYMBOL_GPL(vmdev_get_vendor_id);

/**
 * vmdev_get_generation - the config space generation counter
 * @vdev: the device
 *
 * A driver reading a multi-byte config field reads this before and after
 * and retries when it changed. May sleep.
 *
 * Return: the device's counter, or 0 for a device whose config space never
 * changes on its own (no get_generation op).
 */
u32 vmdev_get_generation(struct vmdev_device *vdev)
{
	u32 generation;

	if (!vdev->config->get_generation)
		return 0;
	mutex_lock(&vdev->ops_lock);
	generation = vdev->config->get_generation(vdev);
	mutex_unlock(&vdev->ops_lock);
	return generation;
}
EXPORT_SYMBOL_GPL(vmdev_get_generation);

/**
 * vmdev_get_vq_notification - a queue's doorbell, for mapping to userspace
 * @vdev: the device
 * @idx: queue index
 * @area: filled in on success
 *
 * May sleep.
 *
 * Return: 0; -EINVAL for a bad @idx; -EOPNOTSUPP if the device has no
 * doorbell that can be mapped (no op, or a zero-sized area).
 */
int vmdev_get_vq_notification(struct vmdev_device *vdev, u16 idx,
			      struct vmdev_notification_area *area)
{
	int ret = 0;

	if (!vdev->config->get_vq_notification)
		return -EOPNOTSUPP;
	mutex_lock(&vdev->ops_lock);
	if (vmdev_vq_valid(vdev, idx))
		*area = vdev->config->get_vq_notification(vdev, idx);
	else
		ret = -EINVAL;
	mutex_unlock(&vdev->ops_lock);
	if (!ret && !area->size)
		ret = -EOPNOTSUPP;
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_get_vq_notification);

/**
 * vmdev_can_suspend - whether vmdev_suspend() is supported
 * @vdev: the device
 *
 * Return: true if the device implements suspend.
 */
bool vmdev_can_suspend(struct vmdev_device *vdev)
{
	return vdev->config->suspend;
}
EXPORT_SYMBOL_GPL(vmdev_can_suspend);

/**
 * vmdev_can_resume - whether vmdev_resume() is supported
 * @vdev: the device
 *
 * Return: true if the device implements resume.
 */
bool vmdev_can_resume(struct vmdev_device *vdev)
{
	return vdev->config->resume;
}
EXPORT_SYMBOL_GPL(vmdev_can_resume);

/* vmdev_get_vq_stats(), called with ops_lock held (vmdev_mgmt.c too). */
int __vmdev_get_vq_stats(struct vmdev_device *vdev, u16 idx,
			 struct vmdev_vq_stat *stats, unsigned int n)
{
	int ret;

	lockdep_assert_held(&vdev->ops_lock);
	if (!vdev->config->get_vq_stats)
		return -EOPNOTSUPP;
	if (!(vdev->config->get_status(vdev) & VIRTIO_CONFIG_S_FEATURES_OK))
		return -EAGAIN;
	if (!vmdev_vq_valid(vdev, idx))
		return -EINVAL;
	ret = vdev->config->get_vq_stats(vdev, idx, stats, n);
	/* The caller's array holds @n: never let it read past. */
	if (WARN_ON_ONCE(ret > (int)n))
		ret = n;
	return ret;
}

/**
 * vmdev_get_vq_stats - the counters of a queue
 * @vdev: the device
 * @idx: queue index
 * @stats: where to put them
 * @n: room in @stats
 *
 * Meaningful once the driver has set FEATURES_OK. May sleep.
 *
 * Return: how many entries of @stats were filled; -EOPNOTSUPP if the
 * device does not count; -EAGAIN before FEATURES_OK; -EINVAL for a queue
 * the device does not have.
 */
int vmdev_get_vq_stats(struct vmdev_device *vdev, u16 idx,
		       struct vmdev_vq_stat *stats, unsigned int n)
{
	int ret;

	mutex_lock(&vdev->ops_lock);
	ret = __vmdev_get_vq_stats(vdev, idx, stats, n);
	mutex_unlock(&vdev->ops_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_get_vq_stats);

/**
 * vmdev_get_net_state - read what a network driver set through the control
 *	queue
 * @vdev: the device
 * @state: filled in on success
 *
 * At any time; consistent while the device is suspended or not running
 * (to carry the settings through a migration). May sleep.
 *
 * Return: 0; -EOPNOTSUPP if the device cannot report them; or the vendor's
 * error.
 */
int vmdev_get_net_state(struct vmdev_device *vdev,
			struct vmdev_net_state *state)
{
	int ret = -EOPNOTSUPP;

	memset(state, 0, sizeof(*state));
	mutex_lock(&vdev->ops_lock);
	if (vdev->config->get_net_state)
		ret = vdev->config->get_net_state(vdev, state);
	mutex_unlock(&vdev->ops_lock);
	/* A consumer copies the tables by these counts. */
	if (!ret && WARN_ON_ONCE(state->uc_count > VMDEV_NET_MAC_TABLE ||
				 state->mc_count > VMDEV_NET_MAC_TABLE ||
				 state->rx_mode & ~VMDEV_NET_RX_MODES))
		ret = -EIO;
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_get_net_state);

/*
 * Whether @state is one the driver could have reached with @features: each
 * setting needs the feature its control command does (virtio 1.x 5.1.6.5),
 * and the queue pairs the device has.
 */
static bool vmdev_net_state_valid(struct vmdev_device *vdev, u64 features,
				  const struct vmdev_net_state *state)
{
	const u32 extra = VMDEV_NET_ALLUNI | VMDEV_NET_NOMULTI |
			  VMDEV_NET_NOUNI | VMDEV_NET_NOBCAST;
	u16 max_pairs = 1;

	if (features & BIT_ULL(VIRTIO_NET_F_MQ))
		max_pairs = vdev->attrs.max_vq_pairs;
	if (state->rx_mode & ~VMDEV_NET_RX_MODES)
		return false;
	if ((state->rx_mode & extra) &&
	    !(features & BIT_ULL(VIRTIO_NET_F_CTRL_RX_EXTRA)))
		return false;
	if ((state->rx_mode != VMDEV_NET_PROMISC || state->uc_count ||
	     state->mc_count) && !(features & BIT_ULL(VIRTIO_NET_F_CTRL_RX)))
		return false;
	if (state->uc_count > VMDEV_NET_MAC_TABLE ||
	    state->mc_count > VMDEV_NET_MAC_TABLE)
		return false;
	if (state->mac_set && !(features & BIT_ULL(VIRTIO_NET_F_CTRL_MAC_ADDR)))
		return false;
	if (!bitmap_empty(state->vlans, VMDEV_NET_VLANS) &&
	    !(features & BIT_ULL(VIRTIO_NET_F_CTRL_VLAN)))
		return false;
	return state->vq_pairs >= 1 && state->vq_pairs <= max_pairs;
}

/**
 * vmdev_set_net_state - restore what a network driver set through the
 *	control queue
 * @vdev: the device
 * @state: the settings, as vmdev_get_net_state() read them on the source
 *
 * On a device whose features are negotiated, with VIRTIO_NET_F_CTRL_VQ,
 * and that does not run yet: the settings then hold from the first frame.
 * May sleep.
 *
 * Return: 0; -EOPNOTSUPP if the device cannot take them; -EBUSY once
 * DRIVER_OK is set; -EINVAL before FEATURES_OK, without a control queue,
 * or for a setting the negotiated features do not allow; or the vendor's
 * error (nothing changed).
 */
int vmdev_set_net_state(struct vmdev_device *vdev,
			const struct vmdev_net_state *state)
{
	const struct vmdev_config_ops *ops;
	u64 features;
	int ret;
	u8 status;

	mutex_lock(&vdev->ops_lock);
	ops = vdev->config;
	if (!ops->set_net_state) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	status = ops->get_status(vdev);
	if (status & VIRTIO_CONFIG_S_DRIVER_OK) {
		ret = -EBUSY;
		goto out;
	}
	features = ops->get_driver_features(vdev);
	if (!(status & VIRTIO_CONFIG_S_FEATURES_OK) ||
	    !(features & BIT_ULL(VIRTIO_NET_F_CTRL_VQ)) ||
	    !vmdev_net_state_valid(vdev, features, state)) {
		ret = -EINVAL;
		goto out;
	}
	ret = ops->set_net_state(vdev, state);
out:
	mutex_unlock(&vdev->ops_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_set_net_state);
