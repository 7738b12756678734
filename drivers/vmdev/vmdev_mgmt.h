/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmdev core: what a management interface needs from the core (the only
 * one is vmdev_vdpa, which speaks upstream's "vdpa" generic netlink
 * family). Not for vendor drivers nor personalities.
 */
#ifndef _VMDEV_MGMT_H
#define _VMDEV_MGMT_H

#include <linux/virtio_net.h>
#include <linux/vmdev.h>

/* Longest management name, with its NUL. */
#define VMDEV_MGMT_NAME_MAX	64

/*
 * Which of &vmdev_mgmt_add_req.attrs the administrator gave; the last,
 * upstream's device features, the core applies for every parent.
 */
#define VMDEV_MGMT_MAC		VMDEV_ATTR_MAC
#define VMDEV_MGMT_MTU		VMDEV_ATTR_MTU
#define VMDEV_MGMT_MAX_VQ_PAIRS	VMDEV_ATTR_MAX_VQ_PAIRS
#define VMDEV_MGMT_FEATURES	BIT(31)

/**
 * struct vmdev_mgmt_add_req - a device to create
 * @name: its name: a UUID (the mdev's, and then the device has no other
 *	name), or any other string without '/' shorter than
 *	%VMDEV_MGMT_NAME_MAX (the mdev gets a random UUID)
 * @personality: the personality (mdev type) it gets
 * @attrs: its attributes, those in @mask only; the others get the
 *	defaults a device created through sysfs gets
 * @mask: %VMDEV_MGMT_MAC, %VMDEV_MGMT_MTU, %VMDEV_MGMT_MAX_VQ_PAIRS,
 *	%VMDEV_MGMT_FEATURES
 * @errmsg: set on some errors: why, for the administrator
 */
struct vmdev_mgmt_add_req {
	const char *name;
	enum vmdev_personality_id personality;
	struct vmdev_net_attrs attrs;
	unsigned int mask;
	const char *errmsg;
};

/**
 * struct vmdev_mgmt_state - what a management tool reports of a device,
 *	read at once (the driver may be changing it meanwhile)
 * @status: the device status byte
 * @device_features: the features the device offers
 * @driver_features: those the driver set; meaningful once @status has
 *	FEATURES_OK
 * @config: the config space as the device has it (virtio byte order);
 *	zeroes past the device's config size
 */
struct vmdev_mgmt_state {
	u8 status;
	u64 device_features;
	u64 driver_features;
	struct virtio_net_config config;
};

/*
 * What the walks call, with the core's locks held; a non-zero return
 * stops the walk (see vmdev_mgmt_walk_parents() and _devices()).
 */
typedef int (*vmdev_mgmt_parent_fn)(struct vmdev_parent *parent, void *arg);
typedef int (*vmdev_mgmt_device_fn)(struct vmdev_device *vdev, void *arg);

int vmdev_mgmt_walk_parents(vmdev_mgmt_parent_fn fn, void *arg);
int vmdev_mgmt_find_parent(const char *bus, const char *name,
			   vmdev_mgmt_parent_fn fn,
			   void *arg);
int vmdev_mgmt_walk_devices(vmdev_mgmt_device_fn fn, void *arg);
int vmdev_mgmt_find_device(const char *name,
			   vmdev_mgmt_device_fn fn,
			   void *arg);
const char *vmdev_mgmt_name(struct vmdev_device *vdev);
void vmdev_mgmt_read_state(struct vmdev_device *vdev,
			   struct vmdev_mgmt_state *st);
int vmdev_mgmt_read_vq_stats(struct vmdev_device *vdev, u16 idx,
			     struct vmdev_mgmt_state *st,
			     struct vmdev_vq_stat *stats, unsigned int n);
int vmdev_mgmt_add(const char *bus, const char *parent,
		   struct vmdev_mgmt_add_req *req);
int vmdev_mgmt_del(const char *name);

#endif /* _VMDEV_MGMT_H */
