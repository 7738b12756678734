/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost_mdev: definitions shared by the files of the vhost personality.
 *
 * vhost_mdev_main.c is the personality: one session per device and its
 * front ends. vhost_mdev_uapi.c holds the vhost/vhost-vdpa ioctl set as
 * front-end neutral session state (struct vhost_mdev), which both front
 * ends reuse unchanged: the VFIO device fd (vhost_mdev_vfio.c, with
 * vhost_mdev_iova.c translating IOVAs through VFIO for software parents)
 * and the vhost-vdpa compatible character device (vhost_mdev_cdev.c, with
 * vhost_mdev_iotlb.c holding the memory mapped by IOTLB messages).
 */
#ifndef _VHOST_MDEV_H
#define _VHOST_MDEV_H

#include <linux/eventfd.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/types.h>
#include <linux/vhost_iotlb.h>
#include <linux/vhost_types.h>
#include <linux/vmdev.h>
#include <linux/wait.h>
#include <linux/xarray.h>

struct iommu_domain;
struct iommu_group;
struct vfio_device;
struct vhost_mdev;
struct vhost_mdev_cdev;
struct vhost_mdev_vfio;

/**
 * struct vhost_mdev_mem_ops - the front end's view of device memory
 * @backend_features: VHOST_BACKEND_F_* bits of the front end's own memory
 *	protocol (IOTLB messages), offered while the front end has the
 *	session open
 * @as_ops: Optional. The translator a software parent's device reaches
 *	the memory through (vmdev_set_as()), with @priv as its argument;
 *	installed by the session while it is open, the device reset.
 * @open: Optional. The session is being opened and the device is reset:
 *	get the memory ready for a user. Called with the session mutex
 *	held, before @as_ops is installed. May sleep. Returns 0 or -errno
 *	(the session then stays closed).
 * @close: Optional. Undo @open: the session is closing, the device is
 *	reset, @as_ops is no longer installed and @release has run. Same
 *	context as @open.
 * @reset: Drop the translations a device reset invalidates and forget any
 *	breakage: the device has just been reset, so it no longer uses any
 *	of them. Called with the session mutex held. May sleep.
 * @release: Optional. The owner is gone (VHOST_RESET_OWNER, or the session
 *	closes), the device is reset: drop every mapping the owner made,
 *	whatever was negotiated. Same context as @reset.
 * @broken: Optional. Whether memory the running device used was taken
 *	away (the device must then report VIRTIO_CONFIG_S_NEEDS_RESET). Any
 *	context.
 * @set_running: Optional. Tell the translator whether the device may touch
 *	memory (DRIVER_OK with at least one ring enabled). May sleep.
 * @iova_range: Optional. Narrow @range, the device's own IOVA range, to
 *	what the front end can map. Same context as @reset.
 * @iotlb_msg: Optional. Apply an IOTLB message of the owner (UPDATE,
 *	INVALIDATE, BATCH_BEGIN, BATCH_END) to address space @asid (below
 *	&vhost_mdev.nas). Same context as @reset. Returns 0 or a negative
 *	errno, with nothing changed on error.
 * @dirty_log: Optional. Whether the front end offers dirty logging
 *	(VHOST_F_LOG_ALL) to a software parent in the session being opened;
 *	without it, it does. Same context as @open.
 * @asid: The front end gives a device it translates (&vhost_mdev.nas) an
 *	address space per queue group, which &vhost_mdev.group_asid maps
 *	groups to: it offers VHOST_BACKEND_F_IOTLB_ASID.
 * @relay: The front end keeps the top of a relayed function's IOVA space
 *	(the relay's rings, vmdev_relay.c) out of what its user can map: it
 *	maps into an IOMMU domain of its own, within @iova_range. Without
 *	it, a relayed device cannot be opened through the front end.
 *
 * All optional as a whole: a hardware parent whose DMA goes through its
 * own IOMMU domain has no translator and no ops.
 */
struct vhost_mdev_mem_ops {
	u64 backend_features;
	const struct vmdev_as_ops *as_ops;
	int (*open)(void *priv);
	void (*close)(void *priv);
	void (*reset)(void *priv);
	void (*release)(void *priv);
	bool (*broken)(void *priv);
	void (*set_running)(void *priv, bool running);
	void (*iova_range)(void *priv, struct vmdev_iova_range *range);
	int (*iotlb_msg)(void *priv, u32 asid,
			 const struct vhost_iotlb_msg *msg);
	bool (*dirty_log)(void *priv);
	bool asid;
	bool relay;
};

/**
 * struct vhost_mdev_vq - per-ring session state
 * @vm: the session
 * @idx: ring index
 * @enabled: the ring was enabled with VHOST_VDPA_SET_VRING_ENABLE
 * @kick_file: bound kick eventfd (a file reference), or NULL
 * @kick_ctx: its eventfd context
 * @kick_wait: our entry in the kick eventfd's wait queue
 * @kick_pt: poll table that adds @kick_wait
 * @cb_lock: protects @call_ctx and @err_ctx against the device's
 *	callbacks, which signal them under it: an eventfd swapped on a
 *	running ring never leaves a window in which a used buffer or an
 *	error reaches neither the old eventfd nor the new one
 * @call_ctx: bound call eventfd, or NULL; the device's used-buffer
 *	callback is installed exactly while it is set
 * @err_ctx: bound error eventfd, or NULL; same rule with the error callback
 * @stopped_base: where the ring stood when the device was last reset, as
 *	VHOST_GET_VRING_BASE words it; a reset forgets it, and clients
 *	(QEMU) ask for it after resetting the device
 * @stopped: @stopped_base (or @stopped_err) is what VHOST_GET_VRING_BASE
 *	answers, until the ring is set up again (its base set, or enabled)
 * @stopped_err: the device could not give the state it stopped at
 * @doorbell: the queue's doorbell as the device reported it at open, for
 *	the mmap path, which runs under mmap_lock and so may not ask the
 *	device (the device's ops lock is held where user memory is touched)
 * @addr_set: @desc_addr, @avail_addr and @used_addr are what the device
 *	was given last (VHOST_SET_VRING_ADDR) since the last reset
 * @desc_addr: descriptor table IOVA
 * @avail_addr: available ring IOVA
 * @used_addr: used ring IOVA
 * @used_size: bytes of the used ring (with avail_event), from the ring size
 * @log_used: VHOST_VRING_F_LOG: the used ring is logged at @log_addr too
 * @log_addr: log_guest_addr of VHOST_SET_VRING_ADDR
 * The log fields (@used_addr, @used_size, @log_used, @log_addr) change under
 * both the session mutex and &vhost_mdev_log.lock; the datapath reads
 * them under the latter.
 */
struct vhost_mdev_vq {
	struct vhost_mdev *vm;
	u16 idx;
	bool enabled;
	struct file *kick_file;
	struct eventfd_ctx *kick_ctx;
	wait_queue_entry_t kick_wait;
	poll_table kick_pt;
	spinlock_t cb_lock;		/* protects call_ctx, err_ctx */
	struct eventfd_ctx *call_ctx;
	struct eventfd_ctx *err_ctx;
	u32 stopped_base;
	int stopped_err;
	bool stopped;
	struct vmdev_notification_area doorbell;
	bool addr_set;
	u64 desc_addr;
	u64 avail_addr;
	u64 used_addr;
	u64 used_size;
	bool log_used;
	u64 log_addr;
};

/**
 * struct vhost_mdev_log - the session's dirty log (vhost_mdev_log.c)
 * @lock: protects everything here and the log fields of the rings
 * @all: VHOST_F_LOG_ALL is negotiated
 * @has_base: VHOST_SET_LOG_BASE set @base
 * @base: user address of the bitmap, in @mm
 * @mm: the owner's mm that set @base, grabbed while @has_base
 * @task: its thread group leader, for RLIMIT_MEMLOCK, referenced likewise
 * @lock_cap: it had CAP_IPC_LOCK when it set @base
 * @first: the page holding @base, pinned when it was set, until a reset
 * @pages: user page index -> pinned page, for the other pages of the log
 * @pinned: pages pinned (@first and @pages), charged to @mm
 * @ctx: the log eventfd (VHOST_SET_LOG_FD), or NULL
 */
struct vhost_mdev_log {
	struct mutex lock;		/* see above */
	bool all;
	bool has_base;
	u64 base;
	struct mm_struct *mm;
	struct task_struct *task;
	bool lock_cap;
	struct page *first;
	struct xarray pages;
	unsigned long pinned;
	struct eventfd_ctx *ctx;
};

/**
 * struct vhost_mdev - a vhost session on one device
 * @vdev: the device
 * @mutex: serialises ioctls, open, close and the device going away; never
 *	taken from the mmap path (mmap_lock is taken under it by user copies)
 *	nor from the translator's dma_unmap path
 * @open: between vhost_mdev_open() and vhost_mdev_close()
 * @dead: the device is going away: every ioctl fails with -ENODEV
 * @owner: mm of the process that did VHOST_SET_OWNER, or NULL
 * @backend_features: accepted VHOST_BACKEND_F_* bits
 * @extra_backend_features: VHOST_BACKEND_F_* bits the open front end
 *	supports itself (&vhost_mdev_mem_ops.backend_features)
 * @driver_ok: DRIVER_OK was set and no reset happened since
 * @nvqs: number of rings, fixed while open (the device is claimed)
 * @vqs: per-ring state, @nvqs entries while open
 * @nr_doorbells: @nvqs when every ring has a doorbell alone in its page,
 *	which userspace may then map, else 0; fixed while open
 * @config_lock: protects @config_ctx against the config callback and
 *	vhost_mdev_config_notify(), which run outside @mutex
 * @config_ctx: bound config eventfd, or NULL
 * @mem_ops: the front end's translator, or NULL
 * @mem_priv: argument for @mem_ops
 * @nas: address spaces the device's queue groups can be given: one per
 *	group where the front end translates every access itself
 *	(&vhost_mdev_mem_ops.asid), else 1; fixed while open
 * @group_asid: queue group -> address space (VHOST_VDPA_SET_GROUP_ASID),
 *	all 0 after open and every reset; changed under @mutex while the
 *	device is not DRIVER_OK, read by the translator from any context
 * @can_log: VHOST_F_LOG_ALL is offered: a software parent whose every write
 *	the translator sees, on a front end that offers it; fixed while open
 * @log: the dirty log
 */
struct vhost_mdev {
	struct vmdev_device *vdev;
	struct mutex mutex;		/* see above */
	bool open;
	bool dead;
	struct mm_struct *owner;
	u64 backend_features;
	u64 extra_backend_features;
	bool driver_ok;
	u16 nvqs;
	struct vhost_mdev_vq *vqs;
	u16 nr_doorbells;
	spinlock_t config_lock;		/* protects config_ctx */
	struct eventfd_ctx *config_ctx;
	const struct vhost_mdev_mem_ops *mem_ops;
	void *mem_priv;
	u32 nas;
	u32 group_asid[VMDEV_MAX_VQ_GROUPS];
	bool can_log;
	struct vhost_mdev_log log;
};

/*
 * Whether the writes of queue group @group are in the dirty log's address
 * space, 0 (see &vhost_mdev.group_asid). Any context.
 */
static inline bool vhost_mdev_group_logged(struct vhost_mdev *vm, u32 group)
{
	return group < VMDEV_MAX_VQ_GROUPS && !READ_ONCE(vm->group_asid[group]);
}

/*
 * Whether the device's memory is reached through the front end's
 * translator: a software device, or a hardware function behind the core's
 * relay. Stable while the device is claimed (the session is open).
 */
static inline bool vhost_mdev_translated(struct vmdev_device *vdev)
{
	return !vdev->dma_dev || vmdev_relayed(vdev);
}

/* vhost_mdev_uapi.c: the session and its ioctls */
void vhost_mdev_init(struct vhost_mdev *vm, struct vmdev_device *vdev);
void vhost_mdev_destroy(struct vhost_mdev *vm);
int vhost_mdev_open(struct vhost_mdev *vm,
		    const struct vhost_mdev_mem_ops *mem_ops, void *mem_priv);
void vhost_mdev_close(struct vhost_mdev *vm);
void vhost_mdev_kill(struct vhost_mdev *vm);
int vhost_mdev_device_reset(struct vhost_mdev *vm);
void vhost_mdev_config_notify(struct vhost_mdev *vm);
long vhost_mdev_ioctl(struct vhost_mdev *vm, unsigned int cmd,
		      void __user *argp);
int vhost_mdev_iotlb_msg(struct vhost_mdev *vm, u32 asid,
			 const struct vhost_iotlb_msg *msg);
int vhost_mdev_mmap_doorbell(struct vhost_mdev *vm, unsigned long index,
			     struct vm_area_struct *vma);

/* vhost_mdev_log.c: the dirty log */
void vhost_mdev_log_init(struct vhost_mdev_log *log);
void vhost_mdev_log_reset(struct vhost_mdev_log *log);
void vhost_mdev_log_release(struct vhost_mdev_log *log);
int vhost_mdev_log_write(struct vhost_mdev *vm, u64 addr, u64 len);
int vhost_mdev_log_set_base(struct vhost_mdev_log *log, u64 base);
void vhost_mdev_log_set_fd(struct vhost_mdev_log *log,
			   struct eventfd_ctx *ctx);

/**
 * struct vhost_mdev_iova - IOVA translation through VFIO (software parents)
 * @vfio: the VFIO device whose container holds the mappings
 * @srcu: readers (vmdev_as_lock() sections) against unpinning
 * @pages: IOVA page frame number -> pinned struct page, its pointer tag
 *	saying whether the device may write it or it is being unpinned.
 *	Lookups are lock-free.
 * @pin_lock: serialises pinning and the stores into @pages
 * @unmap_lock: serialises dropping ranges (dma_unmap, reset, close)
 * @running: the device may touch memory (see &vhost_mdev_mem_ops)
 * @broken: a translation the running device used was taken away; every
 *	map and rw fails until the next reset
 * @vm: the session, told when the device breaks
 */
struct vhost_mdev_iova {
	struct vfio_device *vfio;
	struct srcu_struct srcu;
	struct xarray pages;
	struct mutex pin_lock;		/* serialises pinning */
	struct mutex unmap_lock;	/* serialises unpinning */
	bool running;
	bool broken;
	struct vhost_mdev *vm;
};

/* vhost_mdev_iova.c */
extern const struct vmdev_as_ops vhost_mdev_iova_as_ops;
extern const struct vhost_mdev_mem_ops vhost_mdev_iova_mem_ops;
int vhost_mdev_iova_init(struct vhost_mdev_iova *t, struct vfio_device *vfio);
void vhost_mdev_iova_destroy(struct vhost_mdev_iova *t);
void vhost_mdev_iova_unmap(struct vhost_mdev_iova *t, u64 iova, u64 length);

/**
 * struct vhost_mdev_iotlb - memory mapped with IOTLB messages
 * @vm: the session
 * @vdev: the device
 * @iotlb: the mapped IOVAs of each address space, as runs of physically
 *	contiguous pinned pages: each entry maps [start, last] to the
 *	physical address of its first page (addr) with its permission;
 *	opaque marks an entry being removed (VHOST_MDEV_IOTLB_DEAD), NULL
 *	otherwise. Only the first &vhost_mdev.nas are used; a hardware
 *	parent has one.
 * @lock: datapath lookups (any context) against changes of @iotlb, which
 *	come from one writer at a time: the session mutex is held for them
 * @srcu: datapath pointers (vmdev_as_lock() sections) against unpinning
 * @mm: the mm charged for the pinned pages, held while there are any
 * @pinned: pages pinned and charged to @mm
 * @range: the IOVAs that may be mapped; fixed while open
 * @group: hardware parents: the function's IOMMU group, while open
 * @domain: hardware parents: our IOMMU domain, attached to @group while
 *	open; every entry of @iotlb is mapped there as one mapping
 * @resv: hardware parents: the group's reserved IOVA regions (struct
 *	iommu_resv_region), which nothing may be mapped over
 * @prot: IOMMU_CACHE when the IOMMU keeps DMA coherent, else 0
 */
struct vhost_mdev_iotlb {
	struct vhost_mdev *vm;
	struct vmdev_device *vdev;
	struct vhost_iotlb iotlb[VMDEV_MAX_VQ_GROUPS];
	rwlock_t lock;			/* protects iotlb against lookups */
	struct srcu_struct srcu;
	struct mm_struct *mm;
	unsigned long pinned;
	struct vmdev_iova_range range;
	struct iommu_group *group;
	struct iommu_domain *domain;
	struct list_head resv;
	int prot;
};

/* vhost_mdev_cdev.c: the character device front end */
extern bool vhost_mdev_cdev_dirty_log;

/* vhost_mdev_iotlb.c: memory of the character device front end */
extern const struct vmdev_as_ops vhost_mdev_iotlb_as_ops;
extern const struct vhost_mdev_mem_ops vhost_mdev_iotlb_mem_ops;
int vhost_mdev_iotlb_init(struct vhost_mdev_iotlb *t, struct vhost_mdev *vm);
void vhost_mdev_iotlb_destroy(struct vhost_mdev_iotlb *t);

/* vhost_mdev_cdev.c: the vhost-vdpa compatible character device */
int vhost_mdev_cdev_init(void);
void vhost_mdev_cdev_exit(void);
struct vhost_mdev_cdev *vhost_mdev_cdev_create(struct vhost_mdev *vm);
void vhost_mdev_cdev_destroy(struct vhost_mdev_cdev *c);

/* vhost_mdev_vfio.c: the VFIO front end */
struct vhost_mdev_vfio *vhost_mdev_vfio_create(struct vhost_mdev *vm);
void vhost_mdev_vfio_destroy(struct vhost_mdev_vfio *mv);

#endif /* _VHOST_MDEV_H */
