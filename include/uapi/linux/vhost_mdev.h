/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vhost-mdev userspace API.
 *
 * A vhost-personality device is a VFIO device (found with
 * VFIO_GROUP_GET_DEVICE_FD and its mdev UUID) whose fd accepts the vhost
 * and vhost-vdpa ioctls of <linux/vhost.h>, with upstream vhost-vdpa's
 * meaning; ring and buffer addresses are IOVAs mapped through the VFIO
 * container. It is also a vhost-vdpa compatible character device,
 * /dev/vhost-mdev/<UUID>, with the same ioctls and upstream's IOTLB
 * messages (<linux/vhost_types.h>) for memory. No ioctl numbers are new:
 * this header only supplies the upstream definitions that Debian 12's
 * <linux/vhost.h> lacks, and describes the VFIO regions.
 * Documentation/userspace-api/vhost-mdev.rst has the details.
 */
#ifndef _UAPI_LINUX_VHOST_MDEV_H
#define _UAPI_LINUX_VHOST_MDEV_H

#include <linux/vhost.h>

/* Backend features and ioctls as numbered upstream (Linux 6.3 and later). */
#ifndef VHOST_BACKEND_F_SUSPEND
#define VHOST_BACKEND_F_SUSPEND		0x4
#endif
#ifndef VHOST_BACKEND_F_RESUME
#define VHOST_BACKEND_F_RESUME		0x5
#endif
#ifndef VHOST_BACKEND_F_IOTLB_PERSIST
#define VHOST_BACKEND_F_IOTLB_PERSIST	0x8
#endif
#ifndef VHOST_VDPA_SUSPEND
#define VHOST_VDPA_SUSPEND		_IO(VHOST_VIRTIO, 0x7D)
#endif
#ifndef VHOST_VDPA_RESUME
#define VHOST_VDPA_RESUME		_IO(VHOST_VIRTIO, 0x7E)
#endif

/*
 * VFIO regions of the device fd: region N is the doorbell of queue N, one
 * page at offset N * page size, mappable (shared, write-only) when the
 * device's doorbells are page-aligned and a page in size. Writing the
 * queue index (16 bits) to it kicks the queue. A device without such
 * doorbells has no regions.
 */
#define VHOST_MDEV_DOORBELL_OFFSET(qid, page_size) \
	((__u64)(qid) * (__u64)(page_size))

#endif /* _UAPI_LINUX_VHOST_MDEV_H */
