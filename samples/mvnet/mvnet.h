/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mvnet: a software virtio-net device for vmdev.
 *
 * Shared between the parent and lifecycle (mvnet_main.c), the virtio device
 * model (mvnet_device.c) and the sysfs attributes (mvnet_sysfs.c); the
 * datapath, when it arrives, gets its own file and works on the same state.
 */
#ifndef _MVNET_H
#define _MVNET_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/sysfs.h>
#include <linux/types.h>
#include <linux/vmdev.h>

#define MVNET_MAX_VQ_PAIRS	8
/* Two queues per pair, then the control queue. */
#define MVNET_MAX_VQS		(2 * MVNET_MAX_VQ_PAIRS + 1)

/*
 * struct mvnet_vq - what the driver told the device about one virtqueue
 *
 * Protected by &mvnet_dev.lock.
 */
struct mvnet_vq {
	u64 desc_addr;
	u64 driver_addr;
	u64 device_addr;
	u32 num;
	bool ready;
	/* Split-ring position: where the datapath resumes reading and writing. */
	u16 last_avail_idx;
	u16 last_used_idx;
	struct vmdev_callback cb;
};

/*
 * struct mvnet_dev - one mvnet device
 *
 * @lock is a bottom-half spinlock: control ops (process context, under the
 * core's ops_lock), the sysfs link attribute and, later, the datapath worker
 * all take it, and every vmdev_callback is invoked with it held so that
 * replacing a callback under it guarantees the old one has finished.
 * Callbacks run with bottom halves disabled, so one that schedules NAPI gets
 * its softirq run when the lock is dropped.
 *
 * @peer is written only under mvnet_devices_lock and read by readers inside
 * an mvnet_peer_srcu read-side section (sleepable, so the datapath may copy
 * into the peer's rings through the core's address-space helpers while
 * holding it) or under mvnet_devices_lock.
 */
struct mvnet_dev {
	struct vmdev_device vdev;	/* must be first: vmdev_alloc_device() */

	spinlock_t lock;		/* protects the members up to @vqs */
	u8 status;
	u64 features;
	bool link_up;
	bool suspended;
	u32 generation;
	struct vmdev_callback config_cb;
	struct mvnet_vq vqs[MVNET_MAX_VQS];

	struct mvnet_dev __rcu *peer;
	struct list_head node;		/* in mvnet_devices */
};

static inline struct mvnet_dev *mvnet_from_vmdev(struct vmdev_device *vdev)
{
	return container_of(vdev, struct mvnet_dev, vdev);
}

/* mvnet_main.c: the registry of devices, used for peer lookup */
extern struct mutex mvnet_devices_lock;
extern struct srcu_struct mvnet_peer_srcu;
struct mvnet_dev *mvnet_find_locked(const guid_t *uuid);
void mvnet_unlink_locked(struct mvnet_dev *dev);
void mvnet_link_locked(struct mvnet_dev *a, struct mvnet_dev *b);

/* mvnet_device.c: the virtio-net device model */
extern const struct vmdev_config_ops mvnet_config_ops;
void mvnet_device_init(struct mvnet_dev *dev);
bool mvnet_get_link(struct mvnet_dev *dev);
void mvnet_set_link(struct mvnet_dev *dev, bool up);

/* mvnet_sysfs.c: vendor attributes in each device's sysfs directory */
extern const struct attribute_group *mvnet_dev_groups[];

#endif /* _MVNET_H */
