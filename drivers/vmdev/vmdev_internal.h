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

/* vmdev_ops.c */
int __vmdev_get_vq_stats(struct vmdev_device *vdev, u16 idx,
			 struct vmdev_vq_stat *stats, unsigned int n);

/* vmdev_mgmt.c */
int vmdev_mgmt_probe(struct vmdev_device *vdev);

int vmdev_replug(struct vmdev_device *vdev,
		 int (*apply)(struct vmdev_device *vdev, void *arg), void *arg);

#endif /* _VMDEV_INTERNAL_H */
