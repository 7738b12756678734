/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libvmdev internals: the device handle and what the layers share.
 */
#ifndef _VMDEV_INTERNAL_H
#define _VMDEV_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmdev/vmdev.h"

#define VMDEV_DEFAULT_ARENA_SIZE	(4UL << 20)
#define VMDEV_DEFAULT_ARENA_IOVA	0x40000000ULL

/* Memory the library allocated and mapped for the caller. */
struct vmdev_region {
	void *vaddr;
	uint64_t iova;
	size_t size;
	struct vmdev_region *next;
};

/* Per queue-pair datapath state (vmdev_net.c). */
struct vmdev_net_queue {
	uint8_t *bufs;		/* ring_num buffers of buf_size bytes */
	unsigned int buf_size;
	uint16_t *free;		/* TX: stack of free buffer indices */
	unsigned int nfree;
};

struct vmdev_net {
	unsigned int pairs;
	unsigned int ring_num;
	unsigned int max_frame;
	bool mrg_rxbuf;
	struct vmdev_net_queue *rx;
	struct vmdev_net_queue *tx;
	uint8_t *ctrl_buf;	/* header, data, ack */
	unsigned int ctrl_vq;	/* its queue index, or UINT_MAX */
};

struct vmdev {
	char uuid[VMDEV_UUID_BUF];
	int container_fd;
	int group_fd;
	int fd;
	int config_fd;
	bool cdev;
	unsigned int flags;
	const struct vmdev_mem_ops *mem_ops;
	size_t page_size;

	uint64_t device_features;
	uint64_t driver_features;
	uint64_t backend_features;
	unsigned int nvqs;
	unsigned int num_max;
	unsigned int config_size;

	uint8_t *arena;
	uint64_t arena_iova;
	size_t arena_size;
	size_t arena_used;
	bool arena_mapped;
	struct vmdev_region *regions;

	struct vmdev_vq *vqs;
	struct vmdev_net *net;
};

/* vmdev_device.c */
/*
 * Negotiate backend feature @bit, keeping those negotiated already (and
 * taking SUSPEND and RESUME along when offered): 0, -EOPNOTSUPP when not
 * offered, or -errno.
 */
int vmdev_backend_feature(struct vmdev *dev, unsigned int bit);

/* vmdev_mem.c */
uint64_t vmdev_iova_of(const struct vmdev *dev, const void *p, size_t len);
int vmdev_remap_all(struct vmdev *dev);

/* vmdev_cdev.c */
int vmdev_cdev_open(struct vmdev *dev, const char *path);

/* vmdev_vq.c */
void vmdev_vq_release(struct vmdev_vq *vq);

/* vmdev_net.c */
void vmdev_net_release(struct vmdev *dev);

static inline int vmdev_neg_errno(void)
{
	return errno ? -errno : -EIO;
}

#endif /* _VMDEV_INTERNAL_H */
