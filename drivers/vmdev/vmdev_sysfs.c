// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmdev core: the administrator attributes every device has in
 * /sys/bus/mdev/devices/$UUID/ (Documentation/ABI/testing/sysfs-bus-mdev-vmdev).
 *
 * Writes are refused with -EBUSY while a consumer has the device claimed:
 * vendor ops read the attributes without locking, relying on that. A
 * consumer that can let go for the write (the virtio personality: its
 * driver unbinds, and binds again after) gets the chance first, so that
 * mdevctl, which writes a device's attributes after creating it, works
 * whatever driver binds at creation.
 */

#include <linux/etherdevice.h>
#include <linux/kstrtox.h>
#include <linux/sysfs.h>

#include "vmdev_internal.h"
#include "vmdev_mgmt.h"

typedef int (*vmdev_attr_parse_t)(struct vmdev_device *vdev, const char *buf,
				  struct vmdev_net_attrs *attrs);

struct vmdev_attr_write {
	const char *buf;
	vmdev_attr_parse_t parse;
};

/* Parse into a copy and apply it under the lock, so a refused write changes nothing. */
static int vmdev_attr_set(struct vmdev_device *vdev, void *arg)
{
	struct vmdev_attr_write *w = arg;
	struct vmdev_net_attrs attrs;
	int ret;

	mutex_lock(&vdev->lock);
	if (vdev->claimed) {
		ret = -EBUSY;
		goto out;
	}
	attrs = vdev->attrs;
	ret = w->parse(vdev, w->buf, &attrs);
	if (!ret)
		vdev->attrs = attrs;
out:
	mutex_unlock(&vdev->lock);
	return ret;
}

static ssize_t vmdev_attr_store(struct device *dev, const char *buf,
				size_t count, vmdev_attr_parse_t parse)
{
	struct vmdev_device *vdev = vmdev_from_dev(dev);
	struct vmdev_attr_write w = { .buf = buf, .parse = parse };
	struct vmdev_net_attrs scratch = {};
	int ret;

	/* A bad value is refused before the consumer is asked to let go. */
	ret = parse(vdev, buf, &scratch);
	if (!ret)
		ret = vmdev_attr_set(vdev, &w);
	if (ret == -EBUSY)
		ret = vmdev_replug(vdev, vmdev_attr_set, &w);
	return ret ? ret : count;
}

static ssize_t mac_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	struct vmdev_device *vdev = vmdev_from_dev(dev);
	ssize_t ret;

	mutex_lock(&vdev->lock);
	ret = sysfs_emit(buf, "%pM\n", vdev->attrs.mac);
	mutex_unlock(&vdev->lock);
	return ret;
}

static int vmdev_parse_mac(struct vmdev_device *vdev, const char *buf,
			   struct vmdev_net_attrs *attrs)
{
	u8 mac[ETH_ALEN];
	size_t len = strlen(buf);

	if (len && buf[len - 1] == '\n')
		len--;
	/* mac_pton() reads exactly 17 characters; reject trailing junk. */
	if (len != 3 * ETH_ALEN - 1 || !mac_pton(buf, mac))
		return -EINVAL;
	if (!is_valid_ether_addr(mac))
		return -EINVAL;
	ether_addr_copy(attrs->mac, mac);
	return 0;
}

static ssize_t mac_store(struct device *dev, struct device_attribute *attr,
			 const char *buf, size_t count)
{
	return vmdev_attr_store(dev, buf, count, vmdev_parse_mac);
}
static DEVICE_ATTR_RW(mac);

static ssize_t mtu_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	struct vmdev_device *vdev = vmdev_from_dev(dev);
	ssize_t ret;

	mutex_lock(&vdev->lock);
	ret = sysfs_emit(buf, "%u\n", vdev->attrs.mtu);
	mutex_unlock(&vdev->lock);
	return ret;
}

static int vmdev_parse_mtu(struct vmdev_device *vdev, const char *buf,
			   struct vmdev_net_attrs *attrs)
{
	u16 mtu;

	if (kstrtou16(buf, 10, &mtu))
		return -EINVAL;
	if (mtu < ETH_MIN_MTU || mtu > vdev->parent->max_mtu)
		return -EINVAL;
	attrs->mtu = mtu;
	return 0;
}

static ssize_t mtu_store(struct device *dev, struct device_attribute *attr,
			 const char *buf, size_t count)
{
	return vmdev_attr_store(dev, buf, count, vmdev_parse_mtu);
}
static DEVICE_ATTR_RW(mtu);

static ssize_t max_vq_pairs_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct vmdev_device *vdev = vmdev_from_dev(dev);
	ssize_t ret;

	mutex_lock(&vdev->lock);
	ret = sysfs_emit(buf, "%u\n", vdev->attrs.max_vq_pairs);
	mutex_unlock(&vdev->lock);
	return ret;
}

static int vmdev_parse_max_vq_pairs(struct vmdev_device *vdev, const char *buf,
				    struct vmdev_net_attrs *attrs)
{
	u16 pairs;

	if (kstrtou16(buf, 10, &pairs))
		return -EINVAL;
	if (!pairs || pairs > vdev->parent->max_vq_pairs)
		return -EINVAL;
	attrs->max_vq_pairs = pairs;
	return 0;
}

static ssize_t max_vq_pairs_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	return vmdev_attr_store(dev, buf, count, vmdev_parse_max_vq_pairs);
}
static DEVICE_ATTR_RW(max_vq_pairs);

static ssize_t personality_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct vmdev_device *vdev = vmdev_from_dev(dev);

	return sysfs_emit(buf, "%s\n",
			  vmdev_personality_names[vdev->personality]);
}
static DEVICE_ATTR_RO(personality);

/* Set before the files exist, never changed: no lock. */
static ssize_t vdpa_name_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", vmdev_mgmt_name(vmdev_from_dev(dev)));
}
static DEVICE_ATTR_RO(vdpa_name);

static struct attribute *vmdev_device_attrs[] = {
	&dev_attr_mac.attr,
	&dev_attr_mtu.attr,
	&dev_attr_max_vq_pairs.attr,
	&dev_attr_personality.attr,
	&dev_attr_vdpa_name.attr,
	NULL,
};

static const struct attribute_group vmdev_device_group = {
	.attrs = vmdev_device_attrs,
};

const struct attribute_group *vmdev_device_groups[] = {
	&vmdev_device_group,
	NULL,
};
