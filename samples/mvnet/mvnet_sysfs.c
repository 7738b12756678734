// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvnet: vendor attributes in each device's sysfs directory
 * (/sys/bus/mdev/devices/$UUID/), documented in
 * Documentation/ABI/testing/sysfs-bus-mdev-mvnet.
 *
 * The core removes these files before it destroys a device, and sysfs waits
 * for running show/store calls when it does, so the device an attribute
 * belongs to is alive for the whole call; only the peer needs a lock.
 */
#include <linux/device.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/uuid.h>

#include "mvnet.h"

static struct mvnet_dev *mvnet_from_dev(struct device *dev)
{
	return mvnet_from_vmdev(vmdev_from_dev(dev));
}

static ssize_t mvnet_link_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  mvnet_get_link(mvnet_from_dev(dev)) ? "up" : "down");
}

static ssize_t mvnet_link_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	bool up;

	if (sysfs_streq(buf, "up"))
		up = true;
	else if (sysfs_streq(buf, "down"))
		up = false;
	else
		return -EINVAL;

	mvnet_set_link(mvnet_from_dev(dev), up);
	return count;
}

static ssize_t mvnet_peer_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct mvnet_dev *ndev = mvnet_from_dev(dev);
	struct mvnet_dev *peer;
	ssize_t ret;

	/* The mutex keeps the peer from being destroyed while we print it. */
	mutex_lock(&mvnet_devices_lock);
	peer = rcu_dereference_protected(ndev->peer,
					 lockdep_is_held(&mvnet_devices_lock));
	if (peer)
		ret = sysfs_emit(buf, "%pUl\n", &peer->vdev.mdev->uuid);
	else
		ret = sysfs_emit(buf, "\n");
	mutex_unlock(&mvnet_devices_lock);
	return ret;
}

static ssize_t mvnet_peer_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	struct mvnet_dev *ndev = mvnet_from_dev(dev);
	struct mvnet_dev *peer;
	size_t len = count;
	guid_t uuid;

	if (len && buf[len - 1] == '\n')
		len--;

	if (!len) {
		mutex_lock(&mvnet_devices_lock);
		mvnet_unlink_locked(ndev);
		mutex_unlock(&mvnet_devices_lock);
		return count;
	}

	/* guid_parse() ignores anything after the UUID; we do not. */
	if (len != UUID_STRING_LEN || guid_parse(buf, &uuid))
		return -EINVAL;
	if (guid_equal(&uuid, &ndev->vdev.mdev->uuid))
		return -EINVAL;

	mutex_lock(&mvnet_devices_lock);
	peer = mvnet_find_locked(&uuid);
	if (peer)
		mvnet_link_locked(ndev, peer);
	mutex_unlock(&mvnet_devices_lock);

	return peer ? count : -ENODEV;
}

static struct device_attribute mvnet_attr_link =
	__ATTR(link, 0644, mvnet_link_show, mvnet_link_store);
static struct device_attribute mvnet_attr_peer =
	__ATTR(peer, 0644, mvnet_peer_show, mvnet_peer_store);

static struct attribute *mvnet_dev_attrs[] = {
	&mvnet_attr_link.attr,
	&mvnet_attr_peer.attr,
	NULL,
};

static const struct attribute_group mvnet_dev_group = {
	.attrs = mvnet_dev_attrs,
};

const struct attribute_group *mvnet_dev_groups[] = {
	&mvnet_dev_group,
	NULL,
};
