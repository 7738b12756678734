/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libvmdev: drive a vhost-personality mdev from userspace, the way a
 * hypervisor's backend does.
 *
 * A device handle (&struct vmdev) owns the device fd (a VFIO device fd with
 * its container and group, or the fd of the device's vhost-vdpa compatible
 * character device), the memory mapped for the device, its virtqueues and
 * their eventfds.
 * Every call returns 0 (or a count) on success and a negative errno on
 * failure; nothing exits, nothing is global, and a handle is not
 * thread-safe (one thread per handle, or the caller's own locking).
 *
 * Layers, bottom up:
 *  - device: open by mdev UUID (VFIO, or the character device) or by node
 *    path (character device), raw ioctls on "the device fd", status and
 *    feature negotiation, config space, suspend and resume;
 *  - memory: a backend (&struct vmdev_mem_ops: the VFIO container, or
 *    IOTLB messages written to the character device) maps process memory
 *    at IOVAs; an arena of library-owned mapped memory serves ring and
 *    buffer allocations;
 *  - virtqueue: split rings in the arena, kick (eventfd or doorbell), call
 *    and error eventfds, descriptor chains;
 *  - net: queue pairs with posted RX buffers, frame send and receive with
 *    the 12-byte virtio-net header, mergeable RX buffers, control queue.
 */
#ifndef _VMDEV_VMDEV_H
#define _VMDEV_VMDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

struct vhost_mdev_net_state;

struct vmdev;

/* ------------------------------------------------------------------ */
/* sysfs: mdev parents, types and devices                              */
/* ------------------------------------------------------------------ */

#define VMDEV_UUID_LEN		36
#define VMDEV_UUID_BUF		(VMDEV_UUID_LEN + 1)
#define VMDEV_SYSFS_MDEV_BUS	"/sys/class/mdev_bus"
#define VMDEV_SYSFS_DEVICES	"/sys/bus/mdev/devices"
/* The vhost-vdpa compatible character devices: DIR/<UUID>. */
#define VMDEV_CDEV_DIR		"/dev/vhost-mdev"

/**
 * vmdev_uuid_gen() - make a random (version 4) UUID
 * @uuid: VMDEV_UUID_BUF bytes, receives the canonical lower-case form
 *
 * Return: 0 or -errno (getrandom failure).
 */
int vmdev_uuid_gen(char *uuid);

/**
 * vmdev_uuid_valid() - whether @s is a canonical UUID string
 * @s: the string
 *
 * Return: true for 36 characters in the 8-4-4-4-12 hex form.
 */
bool vmdev_uuid_valid(const char *s);

/**
 * vmdev_sysfs_read() - read a sysfs file without its trailing newline
 * @path: the file
 * @buf: receives the NUL-terminated contents
 * @size: size of @buf
 *
 * Return: the length read or -errno.
 */
int vmdev_sysfs_read(const char *path, char *buf, size_t size);

/**
 * vmdev_sysfs_write() - write @val to a sysfs file in one write(2)
 * @path: the file
 * @val: the string
 *
 * Return: 0 or -errno (the errno the attribute's store returned).
 */
int vmdev_sysfs_write(const char *path, const char *val);

/**
 * vmdev_attr_read() - read /sys/bus/mdev/devices/@uuid/@attr
 * @uuid: device UUID
 * @attr: attribute name
 * @buf: receives the value, without trailing newline
 * @size: size of @buf
 *
 * Return: the length read or -errno.
 */
int vmdev_attr_read(const char *uuid, const char *attr, char *buf,
		    size_t size);

/**
 * vmdev_attr_write() - write /sys/bus/mdev/devices/@uuid/@attr
 * @uuid: device UUID
 * @attr: attribute name
 * @val: value
 *
 * Return: 0 or -errno.
 */
int vmdev_attr_write(const char *uuid, const char *attr, const char *val);

/**
 * vmdev_mdev_create() - create an mdev of @type with @uuid
 * @type: the mdev type's name (e.g. "mvnet-vhost"); the parent is found by
 *	searching every parent under /sys/class/mdev_bus for the type
 * @uuid: the new device's UUID
 *
 * Return: 0, -ENOENT if no parent offers @type, or the create error.
 */
int vmdev_mdev_create(const char *type, const char *uuid);

/**
 * vmdev_mdev_remove() - remove the mdev @uuid
 * @uuid: device UUID
 *
 * Return: 0 or -errno (-ENOENT when there is no such device).
 */
int vmdev_mdev_remove(const char *uuid);

/* ------------------------------------------------------------------ */
/* memory backends                                                     */
/* ------------------------------------------------------------------ */

/* Access the device gets to a mapping. */
#define VMDEV_MAP_READ		0x1
#define VMDEV_MAP_WRITE		0x2
#define VMDEV_MAP_RW		(VMDEV_MAP_READ | VMDEV_MAP_WRITE)

/**
 * struct vmdev_mem_ops - how a device's IOVAs are mapped
 * @name: backend name, for messages
 * @map: Map @size bytes of this process at @vaddr at IOVA @iova with
 *	@perm (VMDEV_MAP_*). Page-aligned arguments. Returns 0 or -errno.
 * @unmap: Unmap [@iova, @iova + @size). Returns 0 or -errno.
 * @setup: Optional. Prepare the device fd for @map, once it is owned.
 *	Returns 0 or -errno.
 * @after_reset: Optional. The device was reset: map again what the reset
 *	dropped. Returns 0 or -errno.
 *
 * The VFIO backend (vmdev_vfio_mem_ops) issues VFIO_IOMMU_MAP_DMA and
 * VFIO_IOMMU_UNMAP_DMA on the container; the character device backend
 * (vmdev_iotlb_mem_ops) writes IOTLB UPDATE and INVALIDATE messages to the
 * device fd. Everything else the library does is the same ioctls on the
 * device fd, whatever the backend.
 */
struct vmdev_mem_ops {
	const char *name;
	int (*map)(struct vmdev *dev, void *vaddr, uint64_t iova,
		   size_t size, unsigned int perm);
	int (*unmap)(struct vmdev *dev, uint64_t iova, size_t size);
	int (*setup)(struct vmdev *dev);
	int (*after_reset)(struct vmdev *dev);
};

extern const struct vmdev_mem_ops vmdev_vfio_mem_ops;
extern const struct vmdev_mem_ops vmdev_iotlb_mem_ops;

/* ------------------------------------------------------------------ */
/* device                                                              */
/* ------------------------------------------------------------------ */

/* &struct vmdev_open_opts.flags */
#define VMDEV_OPEN_DOORBELLS	0x1	/* kick through mmapped doorbells */
#define VMDEV_OPEN_NO_OWNER	0x2	/* do not issue VHOST_SET_OWNER */
#define VMDEV_OPEN_CDEV		0x4	/* the character device, not VFIO */

/**
 * struct vmdev_open_opts - options of vmdev_open()
 * @flags: VMDEV_OPEN_*; with VMDEV_OPEN_DOORBELLS a queue whose doorbell
 *	can be mmapped (VFIO: region index = queue index; character device:
 *	offset = queue index * page size) is kicked by a 16-bit write of its
 *	index to the doorbell page instead of its kick eventfd (only
 *	hardware parents have doorbells; others fall back silently); with
 *	VMDEV_OPEN_CDEV vmdev_open() opens VMDEV_CDEV_DIR/<uuid> with
 *	vmdev_open_path() instead of going through VFIO
 * @arena_size: bytes of library-owned memory mapped for rings and buffers
 *	(0: 4 MiB)
 * @arena_iova: IOVA of the arena (0: 1 GiB)
 */
struct vmdev_open_opts {
	unsigned int flags;
	size_t arena_size;
	uint64_t arena_iova;
};

/**
 * vmdev_open() - open the vhost-personality mdev @uuid
 * @devp: receives the handle
 * @uuid: the mdev's UUID
 * @opts: options, or NULL for the defaults
 *
 * Finds the device's IOMMU group, opens /dev/vfio/vfio and the group
 * (which must be viable), attaches the group to the container, selects
 * VFIO_TYPE1v2_IOMMU, gets the device fd by @uuid, takes ownership
 * (VHOST_SET_OWNER) unless told not to, reads the device's features,
 * queue count, maximum ring size and config size, and maps the arena.
 * The device is left as found (no reset).
 *
 * Return: 0 or -errno; -ENODEV when /dev/vfio/vfio or the device is
 * missing, -EPERM/-EACCES without privileges, -EBUSY when the device is
 * already open (through either front end).
 */
int vmdev_open(struct vmdev **devp, const char *uuid,
	       const struct vmdev_open_opts *opts);

/**
 * vmdev_open_path() - open a vhost-vdpa compatible character device
 * @devp: receives the handle
 * @path: the node (VMDEV_CDEV_DIR/<uuid> for an mdev; an upstream
 *	/dev/vhost-vdpa-N works too)
 * @opts: options, or NULL for the defaults
 *
 * Opens @path, takes ownership (VHOST_SET_OWNER) unless told not to,
 * negotiates the IOTLB message backend features (VHOST_BACKEND_F_IOTLB_MSG_V2,
 * _IOTLB_BATCH and _IOTLB_PERSIST, those offered), reads the device's
 * features, queue count, maximum ring size and config size, and maps the
 * arena with IOTLB UPDATE messages. Without IOTLB_PERSIST the library maps
 * its memory again after every reset it does. The device is left as found
 * (no reset). The character device maps memory only for its owner, so
 * VMDEV_OPEN_NO_OWNER makes the arena mapping fail (-EPERM).
 *
 * Return: 0 or -errno; -ENODEV when @path is missing, -ENOTTY when it is
 * not a character device, -EBUSY when the device is already open (through
 * either front end).
 */
int vmdev_open_path(struct vmdev **devp, const char *path,
		    const struct vmdev_open_opts *opts);

/**
 * vmdev_cdev_path() - the character device node of the mdev @uuid
 * @uuid: device UUID
 * @path: receives VMDEV_CDEV_DIR/<uuid>
 * @size: size of @path
 *
 * Return: 0 or -ENAMETOOLONG.
 */
int vmdev_cdev_path(const char *uuid, char *path, size_t size);

/**
 * vmdev_backend_features() - the VHOST_BACKEND_F_* bits negotiated
 * @dev: the handle
 *
 * Return: the bits the library set with VHOST_SET_BACKEND_FEATURES.
 */
uint64_t vmdev_backend_features(const struct vmdev *dev);

/**
 * vmdev_close() - reset the device and release everything the handle holds
 * @dev: the handle, or NULL
 *
 * Resets the device (status 0) first, so that no ring is live when the
 * memory is unmapped.
 */
void vmdev_close(struct vmdev *dev);

/**
 * vmdev_fd() - the device fd, for raw ioctls
 * @dev: the handle
 *
 * Return: the fd (owned by @dev).
 */
int vmdev_fd(const struct vmdev *dev);

/**
 * vmdev_container_fd() - the VFIO container fd
 * @dev: the handle
 *
 * Return: the fd (owned by @dev), or -1 for a character device.
 */
int vmdev_container_fd(const struct vmdev *dev);

/**
 * vmdev_ioctl() - ioctl on the device fd
 * @dev: the handle
 * @cmd: the request
 * @arg: its argument
 *
 * Return: the ioctl's non-negative result or -errno.
 */
int vmdev_ioctl(struct vmdev *dev, unsigned long cmd, void *arg);

/**
 * vmdev_device_features() - features the device offers (VHOST_GET_FEATURES)
 * @dev: the handle
 *
 * Return: the feature bits read at open.
 */
uint64_t vmdev_device_features(const struct vmdev *dev);

/**
 * vmdev_driver_features() - features negotiated by vmdev_negotiate()
 * @dev: the handle
 *
 * Return: the accepted feature bits (0 before negotiation).
 */
uint64_t vmdev_driver_features(const struct vmdev *dev);

/**
 * vmdev_vq_count() - queues the device exposes (VHOST_VDPA_GET_VQS_COUNT)
 * @dev: the handle
 *
 * Return: the count read at open.
 */
unsigned int vmdev_vq_count(const struct vmdev *dev);

/**
 * vmdev_vq_num_max() - largest ring size (VHOST_VDPA_GET_VRING_NUM)
 * @dev: the handle
 *
 * Return: the size read at open.
 */
unsigned int vmdev_vq_num_max(const struct vmdev *dev);

/**
 * vmdev_get_status() - read the device status byte
 * @dev: the handle
 *
 * Return: the status (0..255) or -errno.
 */
int vmdev_get_status(struct vmdev *dev);

/**
 * vmdev_set_status() - write the device status byte
 * @dev: the handle
 * @status: new status: the current bits plus new ones, or 0 to reset
 *
 * Return: 0 or -errno.
 */
int vmdev_set_status(struct vmdev *dev, uint8_t status);

/**
 * vmdev_add_status() - add @bits to the device status
 * @dev: the handle
 * @bits: VIRTIO_CONFIG_S_* bits
 *
 * Return: 0 or -errno.
 */
int vmdev_add_status(struct vmdev *dev, uint8_t bits);

/**
 * vmdev_reset() - reset the device (status 0) and forget the rings
 * @dev: the handle
 *
 * The arena stays mapped; ring memory allocated from it is released for
 * reuse and every queue of the handle returns to its unconfigured state
 * (eventfds closed).
 *
 * Return: 0 or -errno.
 */
int vmdev_reset(struct vmdev *dev);

/**
 * vmdev_negotiate() - reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK
 * @dev: the handle
 * @wanted: features the caller would like; intersected with the offer,
 *	plus VIRTIO_F_VERSION_1 and VIRTIO_F_ACCESS_PLATFORM which the
 *	library always needs (IOVAs, 12-byte net header)
 *
 * Reads the status back after setting FEATURES_OK.
 *
 * Return: 0; -EPROTO if the device lacks VERSION_1 or refused the feature
 * set (FEATURES_OK not kept); or -errno of an ioctl.
 */
int vmdev_negotiate(struct vmdev *dev, uint64_t wanted);

/**
 * vmdev_driver_ok() - set DRIVER_OK
 * @dev: the handle
 *
 * Return: 0 or -errno.
 */
int vmdev_driver_ok(struct vmdev *dev);

/**
 * vmdev_needs_reset() - whether the device set VIRTIO_CONFIG_S_NEEDS_RESET
 * @dev: the handle
 *
 * Return: 1, 0, or -errno.
 */
int vmdev_needs_reset(struct vmdev *dev);

/**
 * vmdev_get_config() - read the device config space (VHOST_VDPA_GET_CONFIG)
 * @dev: the handle
 * @off: offset
 * @buf: destination
 * @len: bytes
 *
 * Return: 0 or -errno.
 */
int vmdev_get_config(struct vmdev *dev, unsigned int off, void *buf,
		     unsigned int len);

/**
 * vmdev_set_config() - write the device config space (VHOST_VDPA_SET_CONFIG)
 * @dev: the handle
 * @off: offset
 * @buf: source
 * @len: bytes
 *
 * Return: 0 or -errno.
 */
int vmdev_set_config(struct vmdev *dev, unsigned int off, const void *buf,
		     unsigned int len);

/**
 * struct vmdev_net_config - the fields of a net device's config space
 * @mac: MAC address
 * @status: VIRTIO_NET_S_* bits
 * @max_virtqueue_pairs: queue pairs
 * @mtu: MTU
 */
struct vmdev_net_config {
	uint8_t mac[6];
	uint16_t status;
	uint16_t max_virtqueue_pairs;
	uint16_t mtu;
};

/**
 * vmdev_net_get_config() - read a net device's config (host byte order)
 * @dev: the handle
 * @cfg: receives the fields
 *
 * Reads the whole config space the device reports (at most up to @mtu).
 *
 * Return: 0 or -errno.
 */
int vmdev_net_get_config(struct vmdev *dev, struct vmdev_net_config *cfg);

/**
 * vmdev_config_eventfd() - the config-change eventfd
 * @dev: the handle
 *
 * Creates an eventfd and installs it with VHOST_VDPA_SET_CONFIG_CALL on
 * first use.
 *
 * Return: the eventfd (owned by @dev) or -errno.
 */
int vmdev_config_eventfd(struct vmdev *dev);

/**
 * vmdev_wait_eventfd() - wait for an eventfd to be signalled and clear it
 * @fd: the eventfd
 * @timeout_ms: milliseconds (-1: forever)
 *
 * Return: the counter value read (> 0), 0 on timeout, or -errno.
 */
int64_t vmdev_wait_eventfd(int fd, int timeout_ms);

/**
 * vmdev_suspend() - VHOST_VDPA_SUSPEND
 * @dev: the handle
 *
 * Negotiates VHOST_BACKEND_F_SUSPEND first when the device offers it.
 *
 * Return: 0 or -errno (-EOPNOTSUPP: the device cannot suspend).
 */
int vmdev_suspend(struct vmdev *dev);

/**
 * vmdev_resume() - VHOST_VDPA_RESUME
 * @dev: the handle
 *
 * Return: 0 or -errno.
 */
int vmdev_resume(struct vmdev *dev);

/* ------------------------------------------------------------------ */
/* memory                                                              */
/* ------------------------------------------------------------------ */

/**
 * vmdev_map() - map caller memory for the device
 * @dev: the handle
 * @vaddr: page-aligned start in this process
 * @iova: page-aligned IOVA
 * @size: bytes, a multiple of the page size
 * @perm: VMDEV_MAP_*
 *
 * Return: 0 or -errno.
 */
int vmdev_map(struct vmdev *dev, void *vaddr, uint64_t iova, size_t size,
	      unsigned int perm);

/**
 * vmdev_unmap() - unmap an IOVA range
 * @dev: the handle
 * @iova: page-aligned IOVA
 * @size: bytes
 *
 * Return: 0 or -errno.
 */
int vmdev_unmap(struct vmdev *dev, uint64_t iova, size_t size);

/**
 * vmdev_mem_alloc() - allocate and map library-owned memory
 * @dev: the handle
 * @size: bytes (rounded up to pages)
 * @iova: IOVA to map it at
 *
 * The memory is unmapped and freed by vmdev_close(), or by
 * vmdev_mem_free().
 *
 * Return: the memory, or NULL with errno set.
 */
void *vmdev_mem_alloc(struct vmdev *dev, size_t size, uint64_t iova);

/**
 * vmdev_mem_free() - unmap and free memory from vmdev_mem_alloc()
 * @dev: the handle
 * @vaddr: what vmdev_mem_alloc() returned
 *
 * Return: 0 or -errno (-ENOENT: not from vmdev_mem_alloc()).
 */
int vmdev_mem_free(struct vmdev *dev, void *vaddr);

/**
 * vmdev_arena_alloc() - carve memory out of the mapped arena
 * @dev: the handle
 * @size: bytes
 * @align: alignment, a power of two
 * @iova: receives the IOVA of the memory
 *
 * The arena is a bump allocator reset by vmdev_reset(); the memory is
 * zeroed.
 *
 * Return: the memory, or NULL (errno ENOMEM) when the arena is full.
 */
void *vmdev_arena_alloc(struct vmdev *dev, size_t size, size_t align,
			uint64_t *iova);

/**
 * vmdev_arena_iova() - IOVA of an address inside the arena
 * @dev: the handle
 * @p: the address
 *
 * Return: its IOVA, or UINT64_MAX if @p is outside the arena.
 */
uint64_t vmdev_arena_iova(const struct vmdev *dev, const void *p);

/**
 * vmdev_arena_unmap() - unmap the arena from the device (memory kept)
 * @dev: the handle
 *
 * For tests of what a device does when memory disappears under it.
 *
 * Return: 0 or -errno.
 */
int vmdev_arena_unmap(struct vmdev *dev);

/**
 * vmdev_arena_map() - map the arena again after vmdev_arena_unmap()
 * @dev: the handle
 *
 * At the IOVA and with the memory it had; a no-op while it is mapped.
 *
 * Return: 0 or -errno.
 */
int vmdev_arena_map(struct vmdev *dev);

/**
 * vmdev_arena_map_as() - map the arena into another address space too
 * @dev: a handle on a character device (VMDEV_OPEN_CDEV)
 * @asid: the address space, not 0 (below VHOST_VDPA_GET_AS_NUM)
 *
 * Negotiates VHOST_BACKEND_F_IOTLB_ASID and maps the whole arena at its
 * IOVA into address space @asid as well, for a queue group given that
 * address space (VHOST_VDPA_SET_GROUP_ASID). The mapping stays until the
 * handle is closed, or a reset drops it when VHOST_BACKEND_F_IOTLB_PERSIST
 * is not negotiated (only address space 0 is mapped again then).
 *
 * Return: 0; -EOPNOTSUPP through VFIO or when the device does not offer
 * the feature; -EINVAL for @asid 0; or -errno.
 */
int vmdev_arena_map_as(struct vmdev *dev, unsigned int asid);

/* ------------------------------------------------------------------ */
/* virtqueues                                                          */
/* ------------------------------------------------------------------ */

/**
 * struct vmdev_vq - one split virtqueue
 * @dev: the device
 * @index: queue index
 * @num: ring size (0: not set up)
 * @desc: descriptor table (in the arena)
 * @avail: driver area
 * @used: device area
 * @desc_iova: IOVA of @desc
 * @avail_iova: IOVA of @avail
 * @used_iova: IOVA of @used
 * @kick_fd: kick eventfd
 * @call_fd: call eventfd
 * @err_fd: error eventfd, or -1 until vmdev_vq_err_eventfd()
 * @doorbell: mapped doorbell, or NULL
 * @avail_idx: next avail index the driver will publish (shadow)
 * @last_used: next used index the driver will consume
 * @free_head: head of the free descriptor list
 * @num_free: free descriptors
 * @tokens: per head descriptor, the caller's token (NULL: free)
 * @chain_len: per head descriptor, the chain's length
 *
 * The fields are for reading (tests poke @desc/@avail directly to build
 * malformed rings); change them only through the vmdev_vq_*() calls.
 */
struct vmdev_vq {
	struct vmdev *dev;
	unsigned int index;
	unsigned int num;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint64_t desc_iova;
	uint64_t avail_iova;
	uint64_t used_iova;
	int kick_fd;
	int call_fd;
	int err_fd;
	uint16_t *doorbell;
	uint16_t avail_idx;
	uint16_t last_used;
	uint16_t free_head;
	uint16_t num_free;
	void **tokens;
	uint16_t *chain_len;
};

/**
 * vmdev_vq() - the handle's queue @index
 * @dev: the handle
 * @index: queue index, below vmdev_vq_count()
 *
 * Return: the queue, or NULL for a bad index.
 */
struct vmdev_vq *vmdev_vq(struct vmdev *dev, unsigned int index);

/**
 * vmdev_vq_setup() - allocate and program a split ring
 * @dev: the handle
 * @index: queue index
 * @num: ring size (power of two, at most vmdev_vq_num_max())
 *
 * Allocates the three ring areas from the arena, then issues
 * VHOST_SET_VRING_NUM, VHOST_SET_VRING_BASE (0), VHOST_SET_VRING_ADDR
 * (IOVAs), VHOST_SET_VRING_KICK and VHOST_SET_VRING_CALL with new
 * eventfds, and maps the doorbell when the handle uses doorbells. The
 * queue is not enabled.
 *
 * Return: 0 or -errno.
 */
int vmdev_vq_setup(struct vmdev *dev, unsigned int index, unsigned int num);

/**
 * vmdev_vq_set_addr() - VHOST_SET_VRING_ADDR with @vq's ring addresses
 * @dev: the device to tell: @vq's own, or another that takes the ring
 *	over (a migration's destination)
 * @vq: the queue whose IOVAs are sent
 * @flags: 0 or 1 << VHOST_VRING_F_LOG
 * @log_addr: where the used ring is logged (log_guest_addr)
 *
 * The same addresses again on a running ring change only its logging,
 * which is how a migration turns logging of the used ring on and off.
 *
 * Return: 0 or -errno.
 */
int vmdev_vq_set_addr(struct vmdev *dev, const struct vmdev_vq *vq,
		      unsigned int flags, uint64_t log_addr);

/**
 * vmdev_vq_enable() - VHOST_VDPA_SET_VRING_ENABLE
 * @vq: the queue
 * @enable: enable or disable
 *
 * Return: 0 or -errno.
 */
int vmdev_vq_enable(struct vmdev_vq *vq, bool enable);

/**
 * vmdev_vq_err_eventfd() - the queue's error eventfd
 * @vq: the queue
 *
 * Creates an eventfd and installs it with VHOST_SET_VRING_ERR on first use.
 *
 * Return: the eventfd (owned by the handle) or -errno.
 */
int vmdev_vq_err_eventfd(struct vmdev_vq *vq);

/**
 * struct vmdev_buf - one buffer of a descriptor chain
 * @addr: its address in this process (in the arena or in memory from
 *	vmdev_mem_alloc())
 * @len: its length
 */
struct vmdev_buf {
	void *addr;
	uint32_t len;
};

/**
 * vmdev_vq_add() - make a descriptor chain available (not yet published)
 * @vq: the queue
 * @bufs: @n_out device-readable buffers, then @n_in device-writable ones
 * @n_out: readable count
 * @n_in: writable count
 * @token: non-NULL value vmdev_vq_get_used() gives back for this chain
 *
 * Return: 0, -ENOSPC when too few descriptors are free, -EFAULT when a
 * buffer lies outside library-owned mapped memory, -EINVAL for an empty
 * chain or a NULL @token.
 */
int vmdev_vq_add(struct vmdev_vq *vq, const struct vmdev_buf *bufs,
		 unsigned int n_out, unsigned int n_in, void *token);

/**
 * vmdev_vq_publish() - publish added chains (store the avail index)
 * @vq: the queue
 */
void vmdev_vq_publish(struct vmdev_vq *vq);

/**
 * vmdev_vq_kick() - notify the device: doorbell write or kick eventfd
 * @vq: the queue
 *
 * Return: 0 or -errno.
 */
int vmdev_vq_kick(struct vmdev_vq *vq);

/**
 * vmdev_vq_notify() - kick the device unless it asked not to be kicked
 * @vq: the queue
 *
 * After vmdev_vq_publish(), as a virtio driver notifies: a full barrier,
 * then the kick of vmdev_vq_kick() unless the device set
 * VRING_USED_F_NO_NOTIFY in the used ring (it is processing the queue and
 * will find the new buffers itself).
 *
 * Return: 1 when it kicked, 0 when the device did not want the kick, or
 * -errno.
 */
int vmdev_vq_notify(struct vmdev_vq *vq);

/**
 * vmdev_vq_has_used() - whether the device used chains not yet consumed
 * @vq: the queue
 *
 * Return: true if vmdev_vq_get_used() would return a token.
 */
bool vmdev_vq_has_used(const struct vmdev_vq *vq);

/**
 * vmdev_vq_get_used() - consume one used chain
 * @vq: the queue
 * @len: receives the bytes the device wrote, or NULL
 *
 * Return: the chain's token, or NULL if none is used (errno EAGAIN) or
 * the device returned a bad descriptor id (errno EPROTO).
 */
void *vmdev_vq_get_used(struct vmdev_vq *vq, uint32_t *len);

/**
 * vmdev_vq_wait() - wait until the queue has used chains
 * @vq: the queue
 * @timeout_ms: milliseconds (-1: forever)
 *
 * Checks the used ring, then waits for the call eventfd, until chains are
 * used or the time is up. When the handle has a config eventfd
 * (vmdev_config_eventfd()), a signal there ends the wait early if the
 * device is gone or needs a reset (the eventfd is left for the caller).
 *
 * Return: 1 when used chains are there, 0 on timeout, -errno on error:
 * -ENODEV the device was removed, -EIO it needs a reset.
 */
int vmdev_vq_wait(struct vmdev_vq *vq, int timeout_ms);

/* ------------------------------------------------------------------ */
/* net                                                                 */
/* ------------------------------------------------------------------ */

#define VMDEV_NET_HDR_LEN	12	/* struct virtio_net_hdr_mrg_rxbuf */
#define VMDEV_ETH_HLEN		14

/**
 * struct vmdev_net_opts - options of vmdev_net_start()
 * @features: features wanted beyond VERSION_1 and ACCESS_PLATFORM
 *	(0: MAC, STATUS, MTU, MRG_RXBUF, CTRL_VQ, CTRL_RX, MQ,
 *	CTRL_MAC_ADDR; intersected with the offer)
 * @pairs: queue pairs to set up (0: 1); more than one needs MQ and
 *	vmdev_net_set_vq_pairs() for the device to use them
 * @ring_num: ring size (0: 256, capped at the device maximum)
 * @rx_buf_size: size of each posted RX buffer including the header (0:
 *	2048 with MRG_RXBUF, else header + MTU + Ethernet header + 4)
 * @state: control queue settings to restore before DRIVER_OK, as a
 *	migration's destination does (vmdev_net_set_state()); NULL for none
 * @before_driver_ok: called with @arg once the rings are set up and
 *	enabled, just before DRIVER_OK (what a test must do then, such as
 *	giving a queue group another address space); a negative errno it
 *	returns fails the start. NULL for none.
 * @arg: argument of @before_driver_ok
 */
struct vmdev_net_opts {
	uint64_t features;
	unsigned int pairs;
	unsigned int ring_num;
	unsigned int rx_buf_size;
	const struct vhost_mdev_net_state *state;
	int (*before_driver_ok)(struct vmdev *dev, void *arg);
	void *arg;
};

/**
 * vmdev_net_start() - bring a net device up
 * @dev: the handle
 * @opts: options, or NULL for the defaults
 *
 * Negotiates, sets up @opts->pairs queue pairs and the control queue (if
 * negotiated), enables them, posts a full ring of RX buffers on every RX
 * queue, and sets DRIVER_OK. A device started before starts again from
 * a reset, with new buffers.
 *
 * Return: 0 or -errno.
 */
int vmdev_net_start(struct vmdev *dev, const struct vmdev_net_opts *opts);

/**
 * vmdev_net_get_state() - VHOST_MDEV_GET_NET_STATE: what the driver set
 *	through the control queue
 * @dev: the handle
 * @state: filled in on success
 *
 * Return: 0 or -errno (-EOPNOTSUPP: the device cannot report them).
 */
int vmdev_net_get_state(struct vmdev *dev, struct vhost_mdev_net_state *state);

/**
 * vmdev_net_set_state() - VHOST_MDEV_SET_NET_STATE: restore them, between
 *	FEATURES_OK and DRIVER_OK
 * @dev: the handle
 * @state: the settings
 *
 * Return: 0 or -errno.
 */
int vmdev_net_set_state(struct vmdev *dev,
			const struct vhost_mdev_net_state *state);

/**
 * vmdev_net_pairs() - queue pairs set up by vmdev_net_start()
 * @dev: the handle
 *
 * Return: the count.
 */
unsigned int vmdev_net_pairs(const struct vmdev *dev);

/**
 * vmdev_net_max_frame() - the largest frame vmdev_net_send() accepts
 * @dev: the handle
 *
 * Return: Ethernet header + MTU.
 */
unsigned int vmdev_net_max_frame(const struct vmdev *dev);

/**
 * struct vmdev_frame - one Ethernet frame (without the virtio-net header)
 * @data: the bytes; for vmdev_net_recv() a buffer of @size bytes
 * @len: frame length (set by vmdev_net_recv(); when it exceeds @size
 *	only @size bytes were copied)
 * @size: capacity of @data, for vmdev_net_recv()
 * @num_buffers: RX buffers the frame spanned (set by vmdev_net_recv())
 */
struct vmdev_frame {
	void *data;
	uint32_t len;
	uint32_t size;
	uint16_t num_buffers;
};

/**
 * vmdev_net_send() - transmit frames on queue pair @qp
 * @dev: the handle
 * @qp: queue pair index
 * @frames: the frames (@len bytes at @data each)
 * @n: how many
 *
 * Reclaims completed TX buffers, copies as many frames as there is room
 * for into TX buffers behind a zeroed header, publishes them at once and
 * notifies the device once (vmdev_vq_notify()).
 *
 * Return: frames queued (may be fewer than @n when the ring is full; 0 if
 * none fits), or -errno (-EMSGSIZE: a frame longer than
 * vmdev_net_max_frame()).
 */
int vmdev_net_send(struct vmdev *dev, unsigned int qp,
		   const struct vmdev_frame *frames, unsigned int n);

/**
 * vmdev_net_tx_done() - wait until every queued frame of @qp was consumed
 * @dev: the handle
 * @qp: queue pair index
 * @timeout_ms: milliseconds
 *
 * Return: 0, -ETIMEDOUT, or -errno.
 */
int vmdev_net_tx_done(struct vmdev *dev, unsigned int qp, int timeout_ms);

/**
 * vmdev_net_recv() - receive frames from queue pair @qp
 * @dev: the handle
 * @qp: queue pair index
 * @frames: @n frames with @data and @size set by the caller
 * @n: how many at most
 * @timeout_ms: how long to wait for the first frame (0: do not wait)
 *
 * Copies each frame (without its header) into the next @frames entry,
 * gathering the buffers of a mergeable frame (num_buffers), reposts the
 * buffers and notifies the RX queue once (vmdev_vq_notify()).
 *
 * Return: frames received (0 on timeout), or -errno (-EPROTO: the device
 * returned a bad descriptor id or a short buffer).
 */
int vmdev_net_recv(struct vmdev *dev, unsigned int qp,
		   struct vmdev_frame *frames, unsigned int n,
		   int timeout_ms);

/**
 * vmdev_net_ctrl() - send a control-queue command and wait for the ack
 * @dev: the handle
 * @class: VIRTIO_NET_CTRL_* class
 * @cmd: command
 * @data: command data (may be NULL when @len is 0)
 * @len: its length
 * @timeout_ms: how long to wait for the device
 *
 * Return: 0 when the device acked VIRTIO_NET_OK, -EIO when it answered
 * VIRTIO_NET_ERR, -ETIMEDOUT, -EOPNOTSUPP without a control queue, or
 * -errno.
 */
int vmdev_net_ctrl(struct vmdev *dev, uint8_t class, uint8_t cmd,
		   const void *data, size_t len, int timeout_ms);

/**
 * vmdev_net_set_mac() - VIRTIO_NET_CTRL_MAC_ADDR_SET
 * @dev: the handle
 * @mac: the address
 *
 * Return: as vmdev_net_ctrl().
 */
int vmdev_net_set_mac(struct vmdev *dev, const uint8_t mac[6]);

/**
 * vmdev_net_set_mac_table() - VIRTIO_NET_CTRL_MAC_TABLE_SET
 * @dev: the handle
 * @uc: @n_uc unicast addresses, 6 bytes each
 * @n_uc: count
 * @mc: @n_mc multicast addresses, 6 bytes each
 * @n_mc: count
 *
 * Return: as vmdev_net_ctrl().
 */
int vmdev_net_set_mac_table(struct vmdev *dev, const uint8_t *uc,
			    unsigned int n_uc, const uint8_t *mc,
			    unsigned int n_mc);

/**
 * vmdev_net_set_rx_mode() - VIRTIO_NET_CTRL_RX_PROMISC or _ALLMULTI
 * @dev: the handle
 * @cmd: VIRTIO_NET_CTRL_RX_PROMISC or VIRTIO_NET_CTRL_RX_ALLMULTI
 * @on: the new setting
 *
 * Return: as vmdev_net_ctrl().
 */
int vmdev_net_set_rx_mode(struct vmdev *dev, uint8_t cmd, bool on);

/**
 * vmdev_net_set_vq_pairs() - VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET
 * @dev: the handle
 * @pairs: queue pairs the device should use
 *
 * Return: as vmdev_net_ctrl().
 */
int vmdev_net_set_vq_pairs(struct vmdev *dev, unsigned int pairs);

/**
 * vmdev_net_rxq() - RX queue of pair @qp
 * @dev: the handle
 * @qp: pair index
 *
 * Return: the queue or NULL.
 */
struct vmdev_vq *vmdev_net_rxq(struct vmdev *dev, unsigned int qp);

/**
 * vmdev_net_txq() - TX queue of pair @qp
 * @dev: the handle
 * @qp: pair index
 *
 * Return: the queue or NULL.
 */
struct vmdev_vq *vmdev_net_txq(struct vmdev *dev, unsigned int qp);

/* ------------------------------------------------------------------ */
/* helpers                                                             */
/* ------------------------------------------------------------------ */

/**
 * vmdev_parse_mac() - parse "xx:xx:xx:xx:xx:xx"
 * @s: the string
 * @mac: receives the address
 *
 * Return: 0 or -EINVAL.
 */
int vmdev_parse_mac(const char *s, uint8_t mac[6]);

/**
 * vmdev_fill_frame() - build a test frame
 * @buf: @len bytes (at least 14)
 * @len: frame length
 * @dst: destination MAC
 * @src: source MAC
 * @seq: sequence number, written after the Ethernet header and used to
 *	seed the payload pattern
 *
 * The EtherType is 0x88b5 (local experimental); the payload after the
 * 4-byte sequence number is a pattern derived from @seq and the offset.
 */
void vmdev_fill_frame(void *buf, size_t len, const uint8_t dst[6],
		      const uint8_t src[6], uint32_t seq);

/**
 * vmdev_check_frame() - verify a frame built by vmdev_fill_frame()
 * @buf: the frame
 * @len: its length
 * @seq: receives its sequence number, or NULL
 *
 * Return: -1 if the frame is intact, else the offset of the first wrong
 * byte (or 0 when the frame is too short or not a test frame).
 */
long vmdev_check_frame(const void *buf, size_t len, uint32_t *seq);

#endif /* _VMDEV_VMDEV_H */
