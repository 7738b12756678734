/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Definitions shared between the files of the vmdev core module only.
 */
#ifndef _VMDEV_INTERNAL_H
#define _VMDEV_INTERNAL_H

#include <linux/vmdev.h>

extern const struct attribute_group *vmdev_device_groups[];
extern const char * const vmdev_personality_names[VMDEV_NR_PERSONALITIES];

/* vmdev_core.c: see the lock order there. */
extern struct rw_semaphore vmdev_rwsem;
extern struct list_head vmdev_parents;
void vmdev_load_personality(enum vmdev_personality_id id);

/* vmdev_as.c */
int vmdev_as_log_init(struct vmdev_device *vdev);
void vmdev_as_log_destroy(struct vmdev_device *vdev);
bool vmdev_as_log_active(struct vmdev_device *vdev);
int vmdev_as_log_range(struct vmdev_device *vdev, u64 addr, u64 len);

/* vmdev_relay.c */
bool vmdev_relay_can(struct vmdev_device *vdev);
int vmdev_relay_alloc(struct vmdev_device *vdev);
int vmdev_relay_set(struct vmdev_device *vdev, bool on);
void vmdev_relay_free(struct vmdev_device *vdev);

/* vmdev_ops.c */
int __vmdev_get_vq_stats(struct vmdev_device *vdev, u16 idx,
			 struct vmdev_vq_stat *stats, unsigned int n);

/* vmdev_sysfs.c */
int vmdev_check_device_features(const struct vmdev_parent *parent,
				u64 features, const char **errmsg);

/*
 * What the device offers: the vendor's features within the administrator's
 * choice. Called with the device's ops_lock held (the vendor's op needs it);
 * the choice itself is stable while a consumer has the device claimed.
 */
static inline u64 vmdev_offered_features(struct vmdev_device *vdev)
{
	return vdev->config->get_device_features(vdev) &
	       vdev->attrs.device_features;
}

/* vmdev_mgmt.c */
int vmdev_mgmt_probe(struct vmdev_device *vdev);

int vmdev_replug(struct vmdev_device *vdev,
		 int (*apply)(struct vmdev_device *vdev, void *arg), void *arg);

#endif /* _VMDEV_INTERNAL_H */
