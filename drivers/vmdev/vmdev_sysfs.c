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
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

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

/* The attributes as they are now: a consistent copy, taken under the lock. */
static struct vmdev_net_attrs vmdev_attrs_now(struct device *dev)
{
	struct vmdev_device *vdev = vmdev_from_dev(dev);
	struct vmdev_net_attrs attrs;

	mutex_lock(&vdev->lock);
	attrs = vdev->attrs;
	mutex_unlock(&vdev->lock);
	return attrs;
}

static ssize_t mac_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	struct vmdev_net_attrs attrs = vmdev_attrs_now(dev);

	return sysfs_emit(buf, "%pM\n", attrs.mac);
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
	return sysfs_emit(buf, "%u\n", vmdev_attrs_now(dev).mtu);
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
	return sysfs_emit(buf, "%u\n", vmdev_attrs_now(dev).max_vq_pairs);
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

/*
 * The virtio-net features that need another (any of a set) to mean
 * anything: a device offering one without the other would let a driver
 * accept a combination the specification forbids it to.
 */
static const struct {
	u8 feature;
	u64 needs;
} vmdev_feature_deps[] = {
	{ VIRTIO_NET_F_GUEST_TSO4, BIT_ULL(VIRTIO_NET_F_GUEST_CSUM) },
	{ VIRTIO_NET_F_GUEST_TSO6, BIT_ULL(VIRTIO_NET_F_GUEST_CSUM) },
	{ VIRTIO_NET_F_GUEST_UFO, BIT_ULL(VIRTIO_NET_F_GUEST_CSUM) },
	{ VIRTIO_NET_F_GUEST_ECN, BIT_ULL(VIRTIO_NET_F_GUEST_TSO4) |
				  BIT_ULL(VIRTIO_NET_F_GUEST_TSO6) },
	{ VIRTIO_NET_F_HOST_TSO4, BIT_ULL(VIRTIO_NET_F_CSUM) },
	{ VIRTIO_NET_F_HOST_TSO6, BIT_ULL(VIRTIO_NET_F_CSUM) },
	{ VIRTIO_NET_F_HOST_UFO, BIT_ULL(VIRTIO_NET_F_CSUM) },
	{ VIRTIO_NET_F_HOST_ECN, BIT_ULL(VIRTIO_NET_F_HOST_TSO4) |
				 BIT_ULL(VIRTIO_NET_F_HOST_TSO6) },
	{ VIRTIO_NET_F_RSC_EXT, BIT_ULL(VIRTIO_NET_F_HOST_TSO4) |
				BIT_ULL(VIRTIO_NET_F_HOST_TSO6) },
	{ VIRTIO_NET_F_CTRL_RX, BIT_ULL(VIRTIO_NET_F_CTRL_VQ) },
	{ VIRTIO_NET_F_CTRL_VLAN, BIT_ULL(VIRTIO_NET_F_CTRL_VQ) },
	{ VIRTIO_NET_F_GUEST_ANNOUNCE, BIT_ULL(VIRTIO_NET_F_CTRL_VQ) },
	{ VIRTIO_NET_F_MQ, BIT_ULL(VIRTIO_NET_F_CTRL_VQ) },
	{ VIRTIO_NET_F_CTRL_MAC_ADDR, BIT_ULL(VIRTIO_NET_F_CTRL_VQ) },
	{ VIRTIO_NET_F_CTRL_GUEST_OFFLOADS, BIT_ULL(VIRTIO_NET_F_CTRL_VQ) },
	{ VIRTIO_NET_F_RSS, BIT_ULL(VIRTIO_NET_F_CTRL_VQ) },
};

/*
 * Both personalities need these whenever the parent has them: a modern
 * device (little-endian rings, the layout every consumer here speaks), and
 * one whose addresses are translated, which is how every consumer maps
 * memory for it.
 */
#define VMDEV_REQUIRED_FEATURES \
	(BIT_ULL(VIRTIO_F_VERSION_1) | BIT_ULL(VIRTIO_F_ACCESS_PLATFORM))

/**
 * vmdev_check_device_features - may a device of @parent offer @features?
 * @parent: the device's parent
 * @features: the administrator's choice
 * @errmsg: set to why not, for the administrator
 *
 * Return: 0; -EOPNOTSUPP if the parent does not say what it supports;
 * -EINVAL for a feature the parent lacks, a required one left out, or a
 * feature without the one it depends on.
 */
int vmdev_check_device_features(const struct vmdev_parent *parent,
				u64 features, const char **errmsg)
{
	u64 required = parent->supported_features & VMDEV_REQUIRED_FEATURES;
	unsigned int i;

	if (!parent->supported_features) {
		*errmsg = "the management device's features cannot be chosen";
		return -EOPNOTSUPP;
	}
	if (features & ~parent->supported_features) {
		*errmsg = "a feature the management device does not support";
		return -EINVAL;
	}
	if ((features & required) != required) {
		*errmsg = "VERSION_1 and ACCESS_PLATFORM cannot be left out";
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(vmdev_feature_deps); i++) {
		if ((features & BIT_ULL(vmdev_feature_deps[i].feature)) &&
		    !(features & vmdev_feature_deps[i].needs)) {
			*errmsg = "a feature without the feature it depends on";
			return -EINVAL;
		}
	}
	return 0;
}

static ssize_t device_features_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0x%016llx\n",
			  vmdev_attrs_now(dev).device_features);
}

static int vmdev_parse_device_features(struct vmdev_device *vdev,
				       const char *buf,
				       struct vmdev_net_attrs *attrs)
{
	const char *errmsg;
	u64 features;
	int ret;

	/* Hexadecimal with "0x", as it reads; decimal and octal too. */
	if (kstrtou64(buf, 0, &features))
		return -EINVAL;
	ret = vmdev_check_device_features(vdev->parent, features, &errmsg);
	if (ret)
		return ret;
	attrs->device_features = features;
	return 0;
}

static ssize_t device_features_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t count)
{
	return vmdev_attr_store(dev, buf, count, vmdev_parse_device_features);
}
static DEVICE_ATTR_RW(device_features);

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

/* Whether the device runs through the relay (vmdev_relay.c). */
static ssize_t relay_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%d\n", vmdev_relayed(vmdev_from_dev(dev)));
}

static ssize_t relay_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	struct vmdev_device *vdev = vmdev_from_dev(dev);
	bool on;
	int ret;

	ret = kstrtobool(buf, &on);
	if (ret)
		return ret;
	mutex_lock(&vdev->lock);
	ret = vdev->claimed ? -EBUSY : vmdev_relay_set(vdev, on);
	mutex_unlock(&vdev->lock);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(relay);

static struct attribute *vmdev_device_attrs[] = {
	&dev_attr_mac.attr,
	&dev_attr_mtu.attr,
	&dev_attr_max_vq_pairs.attr,
	&dev_attr_device_features.attr,
	&dev_attr_personality.attr,
	&dev_attr_vdpa_name.attr,
	&dev_attr_relay.attr,
	NULL,
};

/* The relay is for hardware functions handed to userspace only. */
static umode_t vmdev_device_attr_visible(struct kobject *kobj,
					 struct attribute *attr, int n)
{
	struct vmdev_device *vdev = vmdev_from_dev(kobj_to_dev(kobj));

	if (attr == &dev_attr_relay.attr && !vdev->relay)
		return 0;
	return attr->mode;
}

static const struct attribute_group vmdev_device_group = {
	.attrs = vmdev_device_attrs,
	.is_visible = vmdev_device_attr_visible,
};

const struct attribute_group *vmdev_device_groups[] = {
	&vmdev_device_group,
	NULL,
};
