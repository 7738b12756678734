/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Definitions shared between the files of the vmdev core module only.
 */
#ifndef _VMDEV_INTERNAL_H
#define _VMDEV_INTERNAL_H

#include <linux/vmdev.h>

extern const struct attribute_group *vmdev_device_groups[];
extern const char * const vmdev_personality_names[VMDEV_NR_PERSONALITIES];

int vmdev_replug(struct vmdev_device *vdev,
		 int (*apply)(struct vmdev_device *vdev, void *arg), void *arg);

#endif /* _VMDEV_INTERNAL_H */
