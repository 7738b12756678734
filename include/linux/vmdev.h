/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmdev: mediated virtio-ring-layout devices.
 *
 * The transport API between vendor drivers (hardware functions or software
 * devices whose datapath uses the virtio ring layout) and the personalities
 * that consume them (vhost_mdev for userspace, virtio_mdev for the kernel's
 * own virtio drivers). The core module (vmdev) sits in between: it registers
 * each vendor parent with the mdev framework, creates and destroys devices,
 * owns the per-device attributes and validates what consumers ask of a
 * device before a vendor op sees it.
 */
#ifndef _LINUX_VMDEV_H
#define _LINUX_VMDEV_H

#include <linux/bitmap.h>
#include <linux/device.h>
#include <linux/if_ether.h>
#include <linux/interrupt.h>
#include <linux/list.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct vmdev_device;
struct vmdev_parent;
struct vmdev_relay;

/**
 * enum vmdev_personality_id - how a device is consumed
 * @VMDEV_PERSONALITY_VHOST: userspace, through vhost ioctls on a VFIO device
 * @VMDEV_PERSONALITY_VIRTIO: the kernel, through a virtio transport
 * @VMDEV_NR_PERSONALITIES: number of personalities
 *
 * The personality is fixed when a device is created: it is the mdev type the
 * administrator wrote the UUID to.
 */
enum vmdev_personality_id {
	VMDEV_PERSONALITY_VHOST,
	VMDEV_PERSONALITY_VIRTIO,
	VMDEV_NR_PERSONALITIES,
};

/**
 * struct vmdev_callback - a device-to-consumer notification
 * @callback: the function the device calls; runs in whatever context the
 *            device raises it from (hard IRQ for hardware functions, softirq
 *            or process context for software devices, possibly under a
 *            device spinlock), so it must not sleep nor call control ops;
 *            it may call vmdev_kick_vq()
 * @private: argument for @callback
 */
struct vmdev_callback {
	irqreturn_t (*callback)(void *private);
	void *private;
};

/**
 * struct vmdev_notification_area - a queue's doorbell
 * @addr: physical address of the doorbell
 * @size: size of the doorbell region in bytes
 */
struct vmdev_notification_area {
	resource_size_t addr;
	resource_size_t size;
};

/**
 * struct vmdev_vq_state_split - split virtqueue state
 * @avail_index: the next available ring index the device will read
 */
struct vmdev_vq_state_split {
	u16 avail_index;
};

/**
 * struct vmdev_vq_state_packed - packed virtqueue state
 * @last_avail_counter: driver ring wrap counter the device last saw
 * @last_avail_idx: next descriptor index the device will read
 * @last_used_counter: device ring wrap counter
 * @last_used_idx: next used index the device will write
 */
struct vmdev_vq_state_packed {
	u16 last_avail_counter:1;
	u16 last_avail_idx:15;
	u16 last_used_counter:1;
	u16 last_used_idx:15;
};

/**
 * struct vmdev_vq_state - virtqueue state, for save and restore
 * @split: state of a split virtqueue
 * @packed: state of a packed virtqueue
 */
struct vmdev_vq_state {
	union {
		struct vmdev_vq_state_split split;
		struct vmdev_vq_state_packed packed;
	};
};

/* Entries of each MAC table of struct vmdev_net_state. */
#define VMDEV_NET_MAC_TABLE	64
#define VMDEV_NET_VLANS		4096

/* struct vmdev_net_state's receive modes (VIRTIO_NET_CTRL_RX_*). */
#define VMDEV_NET_PROMISC	BIT(0)
#define VMDEV_NET_ALLMULTI	BIT(1)
#define VMDEV_NET_ALLUNI	BIT(2)
#define VMDEV_NET_NOMULTI	BIT(3)
#define VMDEV_NET_NOUNI		BIT(4)
#define VMDEV_NET_NOBCAST	BIT(5)
#define VMDEV_NET_RX_MODES	(BIT(6) - 1)

/**
 * struct vmdev_net_state - what a virtio-net driver set through the control
 * queue, for save and restore
 * @rx_mode: VMDEV_NET_*: the receive modes that are on
 * @mac_set: whether @mac holds an address (VIRTIO_NET_CTRL_MAC_ADDR_SET)
 * @mac: that address, which the filter accepts in place of the config's
 * @vq_pairs: queue pairs in use (VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET)
 * @uc_count: entries of @uc in use
 * @mc_count: entries of @mc in use
 * @uc: unicast table (VIRTIO_NET_CTRL_MAC_TABLE_SET)
 * @mc: multicast table
 * @vlans: VLAN filter (VIRTIO_NET_CTRL_VLAN), bit v for VLAN id v
 *
 * After a reset: VMDEV_NET_PROMISC alone, one pair, everything else zero.
 */
struct vmdev_net_state {
	u32 rx_mode;
	bool mac_set;
	u8 mac[ETH_ALEN];
	u16 vq_pairs;
	u32 uc_count;
	u32 mc_count;
	u8 uc[VMDEV_NET_MAC_TABLE][ETH_ALEN];
	u8 mc[VMDEV_NET_MAC_TABLE][ETH_ALEN];
	DECLARE_BITMAP(vlans, VMDEV_NET_VLANS);
};

/**
 * struct vmdev_iova_range - the I/O virtual addresses a device can use
 * @first: first usable address
 * @last: last usable address (inclusive)
 */
struct vmdev_iova_range {
	u64 first;
	u64 last;
};

/**
 * struct vmdev_vq_stat - one counter of a queue, for management tools
 * @name: what it counts: a constant string of the vendor's
 * @value: its value
 */
struct vmdev_vq_stat {
	const char *name;
	u64 value;
};

/* Most counters a queue reports (&vmdev_config_ops.get_vq_stats). */
#define VMDEV_VQ_STATS_MAX	8

/* Most queue groups a device has (&vmdev_device.ngroups). */
#define VMDEV_MAX_VQ_GROUPS	4

/**
 * struct vmdev_config_ops - what a vendor driver implements for a device
 *
 * Unless stated otherwise an op is mandatory, may sleep, and is called by
 * the core with the device's &struct vmdev_device.ops_lock mutex held, so
 * control-path ops of one device never run concurrently. Consumers never
 * call these directly: they call the vmdev_*() wrappers, which validate
 * arguments (queue index below vmdev_get_vq_count(), ring size a power of
 * two within the device's minimum and maximum, ring area alignment, config
 * offset and length within the config size, status bits only added) so a
 * vendor sees only valid requests.
 *
 * Virtqueue ops (@idx is always below the device's queue count):
 *
 * @set_vq_address: Set the bus addresses (IOVAs for the vhost personality)
 *	of the descriptor area @desc_area, driver area @driver_area and
 *	device area @device_area of queue @idx of @vdev. Only called while
 *	the queue is not ready. Returns 0 or -errno.
 * @set_vq_num: Set the number of ring entries @num of queue @idx (already
 *	validated). Only called while the queue is not ready.
 * @kick_vq: The driver made buffers available on queue @idx. Called from
 *	atomic context, possibly with interrupts disabled (an eventfd
 *	wake-up or a virtqueue notify, maybe from inside one of the device's
 *	own callbacks), without ops_lock: it must not sleep, must not take a
 *	lock the device holds while calling callbacks, and must be cheap; a
 *	software device schedules its processing here.
 * @set_vq_cb: Set the used-buffer notification @cb of queue @idx; @cb may
 *	be NULL to remove it. After it returns the old callback is no longer
 *	running and will not be called again.
 * @set_vq_err_cb: Optional. Set the notification @cb (may be NULL) the
 *	device raises when it stops processing queue @idx because of an error
 *	(malformed ring, unmapped memory); it also sets
 *	VIRTIO_CONFIG_S_NEEDS_RESET. Same guarantees as @set_vq_cb.
 * @set_vq_ready: Enable (@ready true) or disable queue @idx. Disabling
 *	waits until the device has stopped using the ring. Returns 0, or
 *	-errno with the queue left as it was: a device that cannot stop one
 *	queue on its own (a virtio-pci function without
 *	VIRTIO_F_RING_RESET) must say so (-EOPNOTSUPP) rather than keep
 *	the ring running while its driver takes the memory away.
 * @get_vq_ready: Whether queue @idx is enabled.
 * @set_vq_state: Set the state @state of queue @idx (where to resume). Only
 *	called while the queue is not ready. Returns 0 or -errno.
 * @get_vq_state: Read the state of queue @idx into @state. Consistent only
 *	while the device is suspended or the queue is not ready. Returns 0 or
 *	-errno.
 * @get_vq_notification: Optional. The doorbell of queue @idx, for mapping
 *	into userspace; a zero size means it cannot be mapped.
 * @get_vq_irq: Optional. The Linux IRQ that signals queue @idx, or a
 *	negative errno if there is none.
 * @get_vq_align: Alignment (a power of two) a driver should use when it
 *	lays out a whole ring in one allocation. The core itself only
 *	requires the virtio 1.x minimum for each area (16/2/4 bytes).
 * @get_vq_num_max: Largest ring size the device supports, on any queue.
 * @get_vq_size: Optional. Largest ring size of queue @idx, at most
 *	@get_vq_num_max, for a device whose queues differ (a control queue
 *	smaller than the data queues); every queue's is @get_vq_num_max when
 *	absent. Lock-free; may be called from any context.
 * @get_vq_num_min: Optional. Smallest ring size; 1 when absent.
 * @get_vq_stats: Optional. The counters of queue @idx (for "vdpa dev
 *	vstats show"): fill at most @n entries of @stats, in a fixed order,
 *	and return how many, or -EINVAL for a queue the negotiated features
 *	do not have. Only called once the driver has set FEATURES_OK (which
 *	queue is which depends on the features); counters need not be
 *	read atomically together.
 * @get_vq_count: Number of queues the device exposes with its current
 *	attributes (for a net device: 2 per queue pair, plus the control
 *	queue when it offers one). Lock-free; may be called from any context.
 * @get_vq_group: Optional, required for a device with more than one
 *	queue group (&vmdev_device.ngroups). The group of queue @idx, below
 *	the device's group count. The queues of a group reach memory through
 *	one address space, and a consumer may give each group its own (a
 *	control queue the hypervisor shadows while the data queues stay on
 *	guest memory); a software device passes the group of the queue it
 *	serves to the address-space helpers. May depend on the negotiated
 *	features (which queue is the control queue), so it is fixed from
 *	FEATURES_OK to the next reset; lock-free, any context. Every queue
 *	is in group 0 without it.
 *
 * Device ops:
 *
 * @get_device_features: Features the device offers (VIRTIO_F_* bits).
 * @set_driver_features: Accept the driver's @features (a subset of the
 *	offered ones; the core checks that). Returns 0 or -errno.
 * @get_driver_features: Features last accepted by @set_driver_features.
 * @set_config_cb: Set the config-change notification @cb (may be NULL).
 *	Same guarantees as @set_vq_cb. Not cleared by @reset; the core
 *	clears it when the consumer goes away.
 * @get_device_id: virtio device id (1 for a net device).
 * @get_vendor_id: virtio subsystem vendor id.
 * @get_status: Device status byte.
 * @set_status: Set the status byte to @status. The core only passes values
 *	that add bits to the current status; resets go through @reset.
 * @reset: Return the device to its initial state: status 0, every queue
 *	disabled with no used-buffer or error callback, features cleared,
 *	queue state zero. When it returns the device no longer touches
 *	driver memory. Returns 0 or -errno.
 * @suspend: Optional. Stop processing all queues while keeping their
 *	state readable by @get_vq_state. Returns 0 or -errno.
 * @resume: Optional, requires @suspend. Resume after @suspend.
 * @get_config_size: Size of the device-specific config space in bytes.
 * @get_config: Read @len bytes at @offset of the config space into @buf.
 * @set_config: Write @len bytes from @buf at @offset of the config space.
 * @get_generation: Optional. Config generation counter; it must change
 *	whenever the device changes its config space on its own.
 * @get_iova_range: Optional. Addresses the device can use; the whole 64-bit
 *	space when absent.
 * @get_net_state: Optional, for a network device that answers its control
 *	queue itself. Fill @state with what the driver set there (reset
 *	values where it set nothing). May be called at any time; consistent
 *	while the device is suspended or not running. Returns 0 or -errno.
 * @set_net_state: Optional, with @get_net_state. Apply @state as the
 *	control queue's commands would. Only called between FEATURES_OK and
 *	DRIVER_OK, with @state checked by the core against the negotiated
 *	features; the device checks what only it knows (the size of its
 *	tables: -ENOSPC; a mode it cannot filter by: -EOPNOTSUPP). Returns 0,
 *	or -errno with nothing changed.
 */
struct vmdev_config_ops {
	int (*set_vq_address)(struct vmdev_device *vdev, u16 idx,
			      u64 desc_area, u64 driver_area, u64 device_area);
	void (*set_vq_num)(struct vmdev_device *vdev, u16 idx, u32 num);
	void (*kick_vq)(struct vmdev_device *vdev, u16 idx);
	void (*set_vq_cb)(struct vmdev_device *vdev, u16 idx,
			  const struct vmdev_callback *cb);
	void (*set_vq_err_cb)(struct vmdev_device *vdev, u16 idx,
			      const struct vmdev_callback *cb);
	int (*set_vq_ready)(struct vmdev_device *vdev, u16 idx, bool ready);
	bool (*get_vq_ready)(struct vmdev_device *vdev, u16 idx);
	int (*set_vq_state)(struct vmdev_device *vdev, u16 idx,
			    const struct vmdev_vq_state *state);
	int (*get_vq_state)(struct vmdev_device *vdev, u16 idx,
			    struct vmdev_vq_state *state);
	struct vmdev_notification_area
		(*get_vq_notification)(struct vmdev_device *vdev, u16 idx);
	int (*get_vq_irq)(struct vmdev_device *vdev, u16 idx);
	u32 (*get_vq_align)(struct vmdev_device *vdev);
	u16 (*get_vq_num_max)(struct vmdev_device *vdev);
	u16 (*get_vq_size)(struct vmdev_device *vdev, u16 idx);
	u16 (*get_vq_num_min)(struct vmdev_device *vdev);
	int (*get_vq_stats)(struct vmdev_device *vdev, u16 idx,
			    struct vmdev_vq_stat *stats, unsigned int n);
	u16 (*get_vq_count)(struct vmdev_device *vdev);
	u32 (*get_vq_group)(struct vmdev_device *vdev, u16 idx);

	u64 (*get_device_features)(struct vmdev_device *vdev);
	int (*set_driver_features)(struct vmdev_device *vdev, u64 features);
	u64 (*get_driver_features)(struct vmdev_device *vdev);
	void (*set_config_cb)(struct vmdev_device *vdev,
			      const struct vmdev_callback *cb);
	u32 (*get_device_id)(struct vmdev_device *vdev);
	u32 (*get_vendor_id)(struct vmdev_device *vdev);
	u8 (*get_status)(struct vmdev_device *vdev);
	void (*set_status)(struct vmdev_device *vdev, u8 status);
	int (*reset)(struct vmdev_device *vdev);
	int (*suspend)(struct vmdev_device *vdev);
	int (*resume)(struct vmdev_device *vdev);
	size_t (*get_config_size)(struct vmdev_device *vdev);
	void (*get_config)(struct vmdev_device *vdev, unsigned int offset,
			   void *buf, unsigned int len);
	void (*set_config)(struct vmdev_device *vdev, unsigned int offset,
			   const void *buf, unsigned int len);
	u32 (*get_generation)(struct vmdev_device *vdev);
	struct vmdev_iova_range (*get_iova_range)(struct vmdev_device *vdev);
	int (*get_net_state)(struct vmdev_device *vdev,
			     struct vmdev_net_state *state);
	int (*set_net_state)(struct vmdev_device *vdev,
			     const struct vmdev_net_state *state);
};

/**
 * struct vmdev_parent_ops - device lifecycle, implemented by a vendor driver
 * @dev_create: Allocate a device with vmdev_alloc_device() and prepare it
 *	for the personality @id the administrator asked for (a vendor may
 *	refuse one it cannot serve safely, with a message saying why);
 *	the device starts in reset state. Its dev and mdev fields are filled
 *	in by the core after this returns, and so is every field of attrs
 *	the vendor left zero (or invalid): a hardware function presets the
 *	MAC, MTU and queue pairs its config space reports. Process context
 *	with no core lock held; may sleep. Returns the device or an ERR_PTR().
 * @dev_destroy: Release what @dev_create set up. The device has been reset,
 *	has no consumer and no callbacks; the core frees the memory after this
 *	returns. May sleep.
 */
struct vmdev_parent_ops {
	struct vmdev_device *(*dev_create)(struct vmdev_parent *parent,
					   enum vmdev_personality_id id);
	void (*dev_destroy)(struct vmdev_device *vdev);
};

/**
 * struct vmdev_net_attrs - administrator-set attributes of a net device
 * @mac: unicast MAC address the device reports in its config space
 * @mtu: MTU the device reports (68..65535, at most the parent's max_mtu)
 * @max_vq_pairs: queue pairs the device exposes (1..the parent's maximum)
 * @device_features: the virtio features the device may offer; the core
 *	masks the vendor's &vmdev_config_ops.get_device_features with it, so
 *	vendors need not look at it (default: the parent's
 *	&vmdev_parent.supported_features, or all if it has none)
 *
 * Set through the device's sysfs files, only while no consumer has the
 * device claimed, so a vendor may read them without locking from any op
 * called on a claimed device.
 */
struct vmdev_net_attrs {
	u8 mac[ETH_ALEN];
	u16 mtu;
	u16 max_vq_pairs;
	u64 device_features;
};

/*
 * Which &struct vmdev_net_attrs a management interface may set when it
 * creates a device (&vmdev_parent.mgmt_attrs).
 */
#define VMDEV_ATTR_MAC		BIT(0)
#define VMDEV_ATTR_MTU		BIT(1)
#define VMDEV_ATTR_MAX_VQ_PAIRS	BIT(2)

/**
 * struct vmdev_parent - a vendor's source of devices
 * @dev: the device the mdev types hang off (sysfs mdev_supported_types);
 *	its driver (or bus or class) name prefixes the type names
 * @ops: lifecycle ops
 * @owner: the vendor module; a personality pins it while userspace holds
 *	one of its devices open
 * @max_devices: how many devices the parent can hold at once
 * @max_vq_pairs: largest max_vq_pairs attribute a device may be given
 * @max_mtu: largest MTU a device may be given (0: 65535)
 * @max_vqs: optional; most queues a device of this parent can have (for
 *	a net device with a control queue: 2 * @max_vq_pairs + 1), as
 *	management tools report it (vdpa mgmtdev show); 0 means
 *	2 * @max_vq_pairs
 * @supported_features: optional; the virtio features its devices offer,
 *	as management tools report them. Without it a device's features
 *	cannot be chosen by the administrator (&vmdev_net_attrs)
 * @mgmt_attrs: which attributes a management interface may give a new
 *	device (%VMDEV_ATTR_MAC, %VMDEV_ATTR_MTU, %VMDEV_ATTR_MAX_VQ_PAIRS):
 *	those its devices honour; a request with any other is refused (as
 *	upstream vdpa refuses what a parent's config_attr_mask lacks)
 * @dev_groups: optional extra sysfs attribute groups for each device,
 *	created in the mdev device's directory
 * @mdev_parent: private to the core
 * @types: private to the core
 * @type_list: private to the core
 * @lock: private to the core; protects @nr_devices and @devices
 * @nr_devices: private to the core
 * @devices: private to the core
 * @mdev_registered: private to the core; whether the mdev types exist,
 *	changed only with the core's semaphore held for writing
 * @node: private to the core
 *
 * The first fields are set by the vendor before vmdev_register_parent();
 * the rest belongs to the core.
 */
struct vmdev_parent {
	struct device *dev;
	const struct vmdev_parent_ops *ops;
	struct module *owner;
	unsigned int max_devices;
	u16 max_vq_pairs;
	u16 max_mtu;
	u32 max_vqs;
	u64 supported_features;
	unsigned int mgmt_attrs;
	const struct attribute_group **dev_groups;

	struct mdev_parent mdev_parent;
	struct mdev_type types[VMDEV_NR_PERSONALITIES];
	struct mdev_type *type_list[VMDEV_NR_PERSONALITIES];
	struct mutex lock;		/* protects nr_devices, devices */
	unsigned int nr_devices;
	struct list_head devices;
	bool mdev_registered;
	struct list_head node;
};

/**
 * struct vmdev_as_log - the core's dirty logging state of a device
 * @on: device writes are logged (vmdev_as_set_logging())
 * @count: sections count themselves in @active; set before @on is set,
 *	cleared after @on is cleared and the sections that saw it ended
 * @srcu: every helper call and vmdev_as_lock() section reads @on inside
 *	it, so that a change of @on is complete for all of them
 * @lock: protects @active, @cur and @flushing
 * @active: vmdev_as_lock() sections of the device in progress that count
 *	(all of them while @on)
 * @cur: which of @pending the sections record into
 * @flushing: a set of @pending is being logged again
 * @pending: device address pages (4 KiB) mapped for writing while logging,
 *	logged again once no section is in progress (their writes are done)
 *
 * All private to the core: see vmdev_as.c.
 */
struct vmdev_as_log {
	bool on;
	bool count;
	struct srcu_struct srcu;
	spinlock_t lock;		/* protects active, cur, flushing */
	unsigned int active;
	u8 cur;
	bool flushing;
	struct xarray pending[2];
};

/**
 * struct vmdev_device - one mediated device
 * @dev: the mdev's struct device (its sysfs directory is the device's)
 * @mdev: the mdev device
 * @parent: the parent this device belongs to
 * @config: the vendor's ops for this device
 * @dma_dev: the device that performs DMA for a hardware function, NULL for a
 *	software device (whose memory accesses go through the vmdev_as_*()
 *	helpers); set by the vendor in &vmdev_parent_ops.dev_create
 * @ngroups: number of queue groups (see &vmdev_config_ops.get_vq_group),
 *	from 1 to %VMDEV_MAX_VQ_GROUPS, set by the vendor in
 *	&vmdev_parent_ops.dev_create; 0 is taken as 1. A hardware function
 *	(@dma_dev) has one: its IOMMU domain is one address space.
 * @personality: personality chosen at creation
 * @attrs: administrator-set attributes; stable while the device is claimed
 * @ops_lock: private to the core; serialises control-path vendor ops
 * @lock: private to the core; protects @attrs and @claimed
 * @claimed: private to the core
 * @consumer: private to the core; the attached personality, changed only
 *	with the core's personality semaphore held
 * @consumer_priv: the attached personality's per-device data
 * @as_ops: private to the core; see vmdev_set_as()
 * @as_priv: private to the core
 * @as_log: private to the core; see vmdev_as_set_logging()
 * @relay: private to the core; the relay (vmdev_relay.c), once made
 * @mgmt_name: private to the core; the name the device was given through
 *	the management interface (vmdev_vdpa), or NULL
 * @node: private to the core
 *
 * A vendor embeds this structure as the first member of its own device
 * structure and allocates it with vmdev_alloc_device().
 */
struct vmdev_device {
	struct device *dev;
	struct mdev_device *mdev;
	struct vmdev_parent *parent;
	const struct vmdev_config_ops *config;
	struct device *dma_dev;
	u32 ngroups;
	enum vmdev_personality_id personality;
	struct vmdev_net_attrs attrs;

	struct mutex ops_lock;		/* serialises vendor control ops */
	struct mutex lock;		/* protects attrs, claimed */
	bool claimed;
	const struct vmdev_personality *consumer;
	void *consumer_priv;
	const struct vmdev_as_ops *as_ops;
	void *as_priv;
	struct vmdev_as_log as_log;
	struct vmdev_relay *relay;
	char *mgmt_name;
	struct list_head node;
};

/**
 * struct vmdev_as_ops - how a consumer resolves device addresses
 * @rw: Copy @len bytes between the kernel buffer @buf and the device
 *	address @addr (@write: towards device memory) of the address space
 *	that queue group @group of the device @priv reaches (below the
 *	device's group count; a translator with one address space for all
 *	ignores it). Returns 0, or -EFAULT when any part of the range is not
 *	mapped with the needed permission.
 * @map: Translate as much as possible of [@addr, @addr + @len) into one
 *	kernel-virtual range, for writing by the device if @write; store its
 *	address in @kaddr and return its length (> 0), or return a negative
 *	errno, in @group's address space as @rw. The pointer is valid until
 *	@unlock. May sleep.
 * @extent: Optional. The whole translation that holds @addr, with the
 *	access @write asks for: store the device address where it starts in
 *	@start and the kernel-virtual address of that in @kaddr, and return
 *	its length (> 0), or return a negative errno. For a translator that
 *	can say so without pinning or mapping anything more than @map would
 *	for @addr (memory pinned when it was mapped, or already cached), so
 *	that a device may keep it and use any of it (vmdev_as_map_window()).
 *	Valid until @unlock, as @map's pointer. @group as for @rw.
 * @lock: Optional. Keep translations stable until @unlock; returns a
 *	cookie for @unlock. Sections may nest and may sleep, and must not
 *	block each other (a device holds its own and its peer's at once),
 *	so an SRCU read section is the model.
 * @unlock: Optional. Counterpart of @lock, given its @cookie.
 * @log: Optional. Record that the device wrote [@addr, @addr + @len)
 *	(dirty logging, while the consumer turned it on with
 *	vmdev_as_set_logging()). Called by the core after a write through
 *	vmdev_as_write(), when a range is mapped for writing (before the
 *	device can publish what it writes there) and again once every
 *	section of the device has ended (after the writes through the
 *	mapping). Returns 0 or a negative errno; an error fails the
 *	device's access. May sleep: a translator that has it is not @atomic.
 * @log_group: Optional, with @log. Whether the writes of queue group
 *	@group are logged: the log describes one address space (guest
 *	memory), and a group the consumer moved to another one (memory of
 *	its own, such as a shadowed control queue) writes outside it. Every
 *	group's writes are logged without it. Any context.
 * @atomic: @rw, @map, @lock and @unlock never sleep, so the device may
 *	reach this address space from atomic context, kick_vq included
 *	(physical addresses: nothing to pin). See vmdev_as_atomic().
 *
 * Implemented by a personality (or the core, for physical addresses:
 * &vmdev_as_phys_ops) and installed with vmdev_set_as(). Software devices
 * never call these directly; they use vmdev_as_read(), vmdev_as_write(),
 * vmdev_as_map() and vmdev_as_map_window().
 */
struct vmdev_as_ops {
	int (*rw)(void *priv, u32 group, u64 addr, void *buf, size_t len,
		  bool write);
	ssize_t (*map)(void *priv, u32 group, u64 addr, size_t len,
		       bool write, void **kaddr);
	ssize_t (*extent)(void *priv, u32 group, u64 addr, bool write,
			  u64 *start, void **kaddr);
	int (*lock)(void *priv);
	void (*unlock)(void *priv, int cookie);
	int (*log)(void *priv, u64 addr, u64 len);
	bool (*log_group)(void *priv, u32 group);
	bool atomic;
};

/**
 * struct vmdev_as_section - a vmdev_as_lock() section
 * @vdev: the device
 * @ops: the translator the section locked, or NULL
 * @priv: its argument
 * @cookie: what its &vmdev_as_ops.lock returned
 * @log_idx: the section's &vmdev_as_log.srcu read lock
 * @counted: the section counts in &vmdev_as_log.active
 *
 * Filled in by vmdev_as_lock(), owned by the device until it passes it to
 * vmdev_as_unlock().
 */
struct vmdev_as_section {
	struct vmdev_device *vdev;
	const struct vmdev_as_ops *ops;
	void *priv;
	int cookie;
	int log_idx;
	bool counted;
};

/**
 * struct vmdev_as_window - a translation a device keeps for reuse
 * @addr: first device address it covers
 * @len: bytes it covers; 0 when empty
 * @kaddr: kernel-virtual address of @addr
 * @write: whether it was found for device writes (else for reads)
 *
 * Owned by the device, zeroed before first use, and valid only within the
 * vmdev_as_lock() section it was filled in: see vmdev_as_map_window().
 */
struct vmdev_as_window {
	u64 addr;
	u64 len;
	void *kaddr;
	bool write;
};

/**
 * struct vmdev_personality - a consumer of devices
 * @id: which mdev type it serves
 * @name: short name, as in the mdev type's name
 * @owner: the personality module
 * @attach: Give a consumer to the device @vdev: called when a device of
 *	this personality is created, or for every existing one when the
 *	personality registers. Process context, may sleep; the core's
 *	personality semaphore is held, so it must not register or unregister
 *	personalities or parents. Returns 0 or -errno; on error the device
 *	stays without a consumer.
 * @detach: Take the consumer away from @vdev: called when the device is
 *	removed or the personality unregisters, same context as @attach. Must
 *	wait for users to finish (or make them fail) and leave the device
 *	reset and unclaimed.
 * @unplug: Optional, with @replug: let go of a claimed @vdev for an
 *	attribute write (the virtio personality unbinds the driver, whose
 *	reset ends the claim). Without them, such a write fails with -EBUSY.
 *	Process context; the core holds the mdev's device lock and a
 *	reference to the personality's module.
 * @replug: Take @vdev again after @unplug and the write (the virtio
 *	personality binds a driver, which reads the new attributes). Same
 *	context as @unplug.
 */
struct vmdev_personality {
	enum vmdev_personality_id id;
	const char *name;
	struct module *owner;
	int (*attach)(struct vmdev_device *vdev);
	void (*detach)(struct vmdev_device *vdev);
	void (*unplug)(struct vmdev_device *vdev);
	void (*replug)(struct vmdev_device *vdev);
};

/* Vendor driver API */
int vmdev_register_parent(struct vmdev_parent *parent);
void vmdev_unregister_parent(struct vmdev_parent *parent);
struct vmdev_device *__vmdev_alloc_device(struct vmdev_parent *parent,
					  const struct vmdev_config_ops *config,
					  size_t size);

/**
 * vmdev_alloc_device - allocate a vendor device structure
 * @type: the vendor's structure type
 * @member: name of its &struct vmdev_device member (must be the first)
 * @parent: the parent creating the device
 * @config: the vendor's ops for the device
 *
 * For use in &vmdev_parent_ops.dev_create. May sleep.
 *
 * Return: a pointer to the zeroed vendor structure, or an ERR_PTR().
 */
#define vmdev_alloc_device(type, member, parent, config)		\
	((type *)__vmdev_alloc_device((parent), (config),		\
			sizeof(type) +					\
			BUILD_BUG_ON_ZERO(offsetof(type, member))))

struct vmdev_device *vmdev_from_dev(struct device *dev);

/* Address-space helpers for software devices */
int vmdev_as_read(struct vmdev_device *vdev, u32 group, u64 addr, void *buf,
		  size_t len);
int vmdev_as_write(struct vmdev_device *vdev, u32 group, u64 addr,
		   const void *buf, size_t len);
ssize_t vmdev_as_map(struct vmdev_device *vdev, u32 group, u64 addr,
		     size_t len, bool write, void **kaddr);
ssize_t vmdev_as_map_window(struct vmdev_device *vdev, u32 group,
			    struct vmdev_as_window *win, u64 addr, size_t len,
			    bool write, void **kaddr);
void vmdev_as_lock(struct vmdev_device *vdev, struct vmdev_as_section *s);
void vmdev_as_unlock(struct vmdev_as_section *s);
bool vmdev_as_atomic(struct vmdev_device *vdev);

/* Personality API */
int vmdev_register_personality(const struct vmdev_personality *p);
void vmdev_unregister_personality(const struct vmdev_personality *p);
int vmdev_claim(struct vmdev_device *vdev);
void vmdev_unclaim(struct vmdev_device *vdev);
void vmdev_set_as(struct vmdev_device *vdev, const struct vmdev_as_ops *ops,
		  void *priv);
void vmdev_as_set_logging(struct vmdev_device *vdev, bool on);
bool vmdev_relayed(struct vmdev_device *vdev);

/*
 * Translator for physical addresses, for a kernel virtio driver that did
 * not negotiate VIRTIO_F_ACCESS_PLATFORM.
 */
extern const struct vmdev_as_ops vmdev_as_phys_ops;

/* Validated wrappers over struct vmdev_config_ops, for consumers */
u16 vmdev_get_vq_count(struct vmdev_device *vdev);
u32 vmdev_get_vq_groups(struct vmdev_device *vdev);
u32 vmdev_get_vq_group(struct vmdev_device *vdev, u16 idx);
int vmdev_set_vq_num(struct vmdev_device *vdev, u16 idx, u32 num);
int vmdev_set_vq_address(struct vmdev_device *vdev, u16 idx, u64 desc_area,
			 u64 driver_area, u64 device_area);
int vmdev_set_vq_ready(struct vmdev_device *vdev, u16 idx, bool ready);
int vmdev_set_vq_state(struct vmdev_device *vdev, u16 idx,
		       const struct vmdev_vq_state *state);
int vmdev_get_vq_state(struct vmdev_device *vdev, u16 idx,
		       struct vmdev_vq_state *state);
int vmdev_set_vq_cb(struct vmdev_device *vdev, u16 idx,
		    const struct vmdev_callback *cb);
int vmdev_set_vq_err_cb(struct vmdev_device *vdev, u16 idx,
			const struct vmdev_callback *cb);
int vmdev_set_config_cb(struct vmdev_device *vdev,
			const struct vmdev_callback *cb);
int vmdev_set_driver_features(struct vmdev_device *vdev, u64 features);
int vmdev_set_status(struct vmdev_device *vdev, u8 status);
int vmdev_reset(struct vmdev_device *vdev);
int vmdev_suspend(struct vmdev_device *vdev);
int vmdev_resume(struct vmdev_device *vdev);
int vmdev_get_net_state(struct vmdev_device *vdev,
			struct vmdev_net_state *state);
int vmdev_set_net_state(struct vmdev_device *vdev,
			const struct vmdev_net_state *state);
int vmdev_get_config(struct vmdev_device *vdev, unsigned int offset,
		     void *buf, unsigned int len);
int vmdev_set_config(struct vmdev_device *vdev, unsigned int offset,
		     const void *buf, unsigned int len);
struct vmdev_iova_range vmdev_get_iova_range(struct vmdev_device *vdev);
u8 vmdev_get_status(struct vmdev_device *vdev);
u64 vmdev_get_device_features(struct vmdev_device *vdev);
u64 vmdev_get_driver_features(struct vmdev_device *vdev);
u32 vmdev_get_device_id(struct vmdev_device *vdev);
size_t vmdev_get_config_size(struct vmdev_device *vdev);
u16 vmdev_get_vq_num_max(struct vmdev_device *vdev);
u16 vmdev_get_vq_size(struct vmdev_device *vdev, u16 idx);
u16 vmdev_get_vq_num_min(struct vmdev_device *vdev);
u32 vmdev_get_vq_align(struct vmdev_device *vdev);
u32 vmdev_get_vendor_id(struct vmdev_device *vdev);
u32 vmdev_get_generation(struct vmdev_device *vdev);
int vmdev_get_vq_notification(struct vmdev_device *vdev, u16 idx,
			      struct vmdev_notification_area *area);
bool vmdev_can_suspend(struct vmdev_device *vdev);
int vmdev_get_vq_stats(struct vmdev_device *vdev, u16 idx,
		       struct vmdev_vq_stat *stats, unsigned int n);
bool vmdev_can_resume(struct vmdev_device *vdev);

/**
 * vmdev_kick_vq - notify the device of new buffers on a queue
 * @vdev: the device
 * @idx: queue index, already validated by the caller
 *
 * Safe from atomic context; takes no lock.
 */
static inline void vmdev_kick_vq(struct vmdev_device *vdev, u16 idx)
{
	vdev->config->kick_vq(vdev, idx);
}

#endif /* _LINUX_VMDEV_H */
