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
 * messages (<linux/vhost_types.h>) for memory. This header supplies the
 * upstream definitions that Debian 12's <linux/vhost.h> lacks, describes
 * the VFIO regions, and adds the two ioctls that carry a network device's
 * control queue settings through a migration, which upstream has no
 * number for. Documentation/userspace-api/vhost-mdev.rst has the details.
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

/* Entries of each of the two MAC address tables of a network device. */
#define VHOST_MDEV_NET_MAC_TABLE	64

/* struct vhost_mdev_net_state's flags: the receive modes... */
#define VHOST_MDEV_NET_PROMISC		(1U << 0)
#define VHOST_MDEV_NET_ALLMULTI		(1U << 1)
#define VHOST_MDEV_NET_ALLUNI		(1U << 2)
#define VHOST_MDEV_NET_NOMULTI		(1U << 3)
#define VHOST_MDEV_NET_NOUNI		(1U << 4)
#define VHOST_MDEV_NET_NOBCAST		(1U << 5)
/* ...and whether @mac holds an address the driver set. */
#define VHOST_MDEV_NET_MAC		(1U << 6)

/**
 * struct vhost_mdev_net_state - what a virtio-net driver set through the
 * control queue
 * @flags: VHOST_MDEV_NET_*: the receive modes that are on
 *	(VIRTIO_NET_CTRL_RX), and VHOST_MDEV_NET_MAC when @mac holds an
 *	address
 * @vq_pairs: the queue pairs in use (VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET); 1
 *	until the driver sets it
 * @mac: the address of VIRTIO_NET_CTRL_MAC_ADDR_SET, which the receive
 *	filter accepts in place of the config space's
 * @uc_count: entries of @uc in use
 * @mc_count: entries of @mc in use
 * @uc: the unicast table of VIRTIO_NET_CTRL_MAC_TABLE_SET
 * @mc: its multicast table
 * @vlans: the VLAN filter (VIRTIO_NET_CTRL_VLAN): bit (v % 32) of
 *	vlans[v / 32] for VLAN id v; all zero without VIRTIO_NET_F_CTRL_VLAN
 *
 * A device reset sets VHOST_MDEV_NET_PROMISC alone, one queue pair and
 * empty tables.
 */
struct vhost_mdev_net_state {
	__u32 flags;
	__u16 vq_pairs;
	__u8 mac[6];
	__u32 uc_count;
	__u32 mc_count;
	__u8 uc[VHOST_MDEV_NET_MAC_TABLE][6];
	__u8 mc[VHOST_MDEV_NET_MAC_TABLE][6];
	__u32 vlans[4096 / 32];
};

/*
 * Read a network device's control queue settings, at any time (to carry
 * them through a migration: once the device is suspended); -EOPNOTSUPP for
 * a device that cannot report them.
 */
#define VHOST_MDEV_GET_NET_STATE \
	_IOR(VHOST_VIRTIO, 0xC0, struct vhost_mdev_net_state)
/*
 * Set them, as the control queue would, on a device whose features are
 * negotiated (FEATURES_OK) with VIRTIO_NET_F_CTRL_VQ and that does not
 * run yet (no DRIVER_OK): each setting needs the feature its command
 * does. The owner's.
 */
#define VHOST_MDEV_SET_NET_STATE \
	_IOW(VHOST_VIRTIO, 0xC1, struct vhost_mdev_net_state)

#endif /* _UAPI_LINUX_VHOST_MDEV_H */
