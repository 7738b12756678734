/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mvnet: a software virtio-net device for vmdev.
 *
 * Shared between the parent and lifecycle (mvnet_main.c), the virtio device
 * model (mvnet_device.c), the sysfs attributes (mvnet_sysfs.c), the
 * split-ring engine (mvnet_ring.c), the datapath (mvnet_datapath.c), the
 * control queue (mvnet_ctrl.c) and the counters (mvnet_debugfs.c).
 */
#ifndef _MVNET_H
#define _MVNET_H

#include <linux/if_ether.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/sysfs.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <linux/vmdev.h>
#include <linux/workqueue.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_net.h>
#include <uapi/linux/virtio_ring.h>

#define MVNET_MAX_VQ_PAIRS	8
/* Two queues per pair, then the control queue. */
#define MVNET_MAX_VQS		(2 * MVNET_MAX_VQ_PAIRS + 1)

/* Queue groups (mvnet_vq_group()): the data queues, and the control queue. */
#define MVNET_GROUP_DATA	0
#define MVNET_GROUP_CTRL	1
#define MVNET_GROUPS		2

/* What every mvnet device offers. */
#define MVNET_FEATURES	(BIT_ULL(VIRTIO_F_VERSION_1) |			\
			 BIT_ULL(VIRTIO_F_ACCESS_PLATFORM) |		\
			 BIT_ULL(VIRTIO_RING_F_EVENT_IDX) |		\
			 BIT_ULL(VIRTIO_NET_F_MAC) |			\
			 BIT_ULL(VIRTIO_NET_F_MRG_RXBUF) |		\
			 BIT_ULL(VIRTIO_NET_F_STATUS) |			\
			 BIT_ULL(VIRTIO_NET_F_CTRL_VQ) |		\
			 BIT_ULL(VIRTIO_NET_F_CTRL_RX) |		\
			 BIT_ULL(VIRTIO_NET_F_MQ) |			\
			 BIT_ULL(VIRTIO_NET_F_CTRL_MAC_ADDR) |		\
			 BIT_ULL(VIRTIO_NET_F_MTU))
/* Entries of each of the unicast and multicast filter tables. */
#define MVNET_MAC_TABLE_MAX	64
/* The longest control command: a MAC table set with both tables full. */
#define MVNET_CTRL_MAX_LEN	(2 + 2 * (4 + MVNET_MAC_TABLE_MAX * ETH_ALEN))

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
	struct vmdev_callback err_cb;
	/*
	 * What the device last wrote to the ring's used flags (enum
	 * mvnet_notify), so it writes driver memory only on a change. Owned by
	 * whoever holds the queue's &mvnet_queue.lock while the queue runs.
	 */
	u8 notify;
};

/*
 * struct mvnet_rx_filter - what the driver asked to receive
 *
 * Set through the control queue, reset with the device (promiscuous, as a
 * NIC whose driver never sends an RX command expects; the address is the
 * config space's until the driver sets its own), read by the datapath for
 * every frame. Written under &mvnet_dev.lock inside a write section of
 * &mvnet_dev.filter_seq, read in a read section of that seqcount: a frame
 * is matched against the filter as it was before or after a change, never
 * against a mix, and the datapath takes no lock per frame.
 */
struct mvnet_rx_filter {
	bool promisc;
	bool allmulti;
	bool mac_set;		/* @mac replaces the config space address */
	u8 mac[ETH_ALEN];
	unsigned int uc_count;
	unsigned int mc_count;
	u8 uc[MVNET_MAC_TABLE_MAX][ETH_ALEN];
	u8 mc[MVNET_MAC_TABLE_MAX][ETH_ALEN];
};

/*
 * struct mvnet_queue_stats - counters of one queue
 *
 * Written only by the holder of the queue's &mvnet_queue.lock, read
 * locklessly (debugfs). They count from device creation: resets keep them.
 */
struct mvnet_queue_stats {
	u64_stats_t packets;
	u64_stats_t bytes;
	u64_stats_t drops;
	u64_stats_t errors;
	struct u64_stats_sync syncp;
};

/*
 * struct mvnet_queue - the datapath's side of one queue, by role (receive
 * queue i, transmit queue i, control queue) rather than by index, since the
 * control queue's index depends on the negotiated features
 *
 * @lock is held by whoever processes the ring, for a whole pass: the work
 * that owns a transmit or control queue, and for a receive queue whichever
 * work delivers into it (the peer's, or the device's own in loopback). A
 * control op that must know the ring is no longer in use clears the state
 * that lets a pass start, then takes and releases @lock. Transmit locks
 * nest outside receive locks, and so does the control lock.
 */
struct mvnet_queue {
	struct mutex lock;		/* held for a whole pass over the ring */
	struct mvnet_queue_stats stats;
};

/* One work item per queue pair: transmit queue i to the receive side. */
struct mvnet_pair {
	struct work_struct work;
	struct mvnet_dev *dev;
	u16 index;
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
	u16 active_pairs;
	struct vmdev_callback config_cb;
	struct mvnet_vq vqs[MVNET_MAX_VQS];
	struct mvnet_rx_filter filter;
	seqcount_spinlock_t filter_seq;	/* see struct mvnet_rx_filter */

	struct mvnet_dev __rcu *peer;
	struct list_head node;		/* in mvnet_devices */

	/* Datapath: see mvnet_datapath.c */
	struct mvnet_queue rxq[MVNET_MAX_VQ_PAIRS];
	struct mvnet_queue txq[MVNET_MAX_VQ_PAIRS];
	struct mvnet_queue ctrlq;
	spinlock_t ctrl_atomic_lock;	/* ctrlq.lock's stand-in, see mvnet_ctrl.c */
	struct mvnet_pair pairs[MVNET_MAX_VQ_PAIRS];
	struct work_struct ctrl_work;
	u8 ctrl_buf[MVNET_CTRL_MAX_LEN];	/* owned by the control pass */
};

static inline struct mvnet_dev *mvnet_from_vmdev(struct vmdev_device *vdev)
{
	return container_of(vdev, struct mvnet_dev, vdev);
}

/* mvnet_main.c: the registry of devices, used for peer lookup */
extern struct mutex mvnet_devices_lock;
extern struct srcu_struct mvnet_peer_srcu;
extern struct list_head mvnet_devices;
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

/* mvnet_ring.c: the split virtqueue engine, used by the datapath files */

/* Values of &mvnet_vq.notify; a reset leaves MVNET_NOTIFY_UNKNOWN. */
enum mvnet_notify {
	MVNET_NOTIFY_UNKNOWN,
	MVNET_NOTIFY_ON,
	MVNET_NOTIFY_OFF,
};

/* Which descriptors a ring's chains may hold. */
enum mvnet_ring_dir {
	MVNET_RING_TX,		/* device-readable only */
	MVNET_RING_RX,		/* device-writable only */
	MVNET_RING_CTRL,	/* device-readable, then device-writable */
};

/*
 * struct mvnet_area - one ring area, mapped a window at a time
 * @addr: its device address
 * @size: its size in bytes
 * @start: offset of the window @kaddr maps
 * @end: offset just past the window
 * @kaddr: kernel address of the window; valid until vmdev_as_unlock()
 * @write: whether the device writes the area
 */
struct mvnet_area {
	u64 addr;
	u32 size;
	u32 start;
	u32 end;
	u8 *kaddr;
	bool write;
};

/*
 * struct mvnet_ring - one pass over a split virtqueue
 *
 * Built by mvnet_ring_open() from the queue's registers, under the queue's
 * &mvnet_queue.lock and the device's vmdev_as_lock(), and gone at
 * mvnet_ring_close(): nothing read from or mapped in driver memory outlives
 * a pass.
 */
struct mvnet_ring {
	struct mvnet_dev *dev;
	struct mvnet_vq *vq;
	struct mvnet_queue_stats *stats;
	enum mvnet_ring_dir dir;
	u16 idx;
	u16 num;
	u32 group;
	u64 features;
	bool event_idx;
	bool broken;
	u16 start_avail;	/* committed last_avail_idx at open */
	u16 avail_idx;		/* avail->idx as last read */
	u16 last_avail;		/* next avail entry to take */
	u16 start_used;		/* used->idx at open */
	u16 last_used;		/* next used entry to fill */
	struct mvnet_area desc;
	struct mvnet_area avail;
	struct mvnet_area used;
	struct vmdev_as_window bufs;	/* where the last buffer was */
	u64 packets;
	u64 bytes;
	u64 drops;
	u64 errors;
};

/*
 * struct mvnet_chain - a cursor over one descriptor chain
 *
 * @kaddr and @klen map the start of the descriptor range the cursor is at
 * (@addr, @left); they are set by mvnet_chain_map().
 */
struct mvnet_chain {
	struct mvnet_ring *ring;
	u16 next;
	u16 count;
	bool more;
	bool dwrite;
	u64 addr;
	u32 left;
	u8 *kaddr;
	u32 klen;
};

int mvnet_ring_open(struct mvnet_ring *r, struct mvnet_dev *dev, u16 idx,
		    enum mvnet_ring_dir dir, struct mvnet_queue_stats *stats);
void mvnet_ring_close(struct mvnet_ring *r);
void mvnet_ring_fail(struct mvnet_ring *r);
int mvnet_ring_pop(struct mvnet_ring *r, u16 *head);
int mvnet_ring_push(struct mvnet_ring *r, u16 head, u32 len);
int mvnet_ring_notify_off(struct mvnet_ring *r);
int mvnet_ring_notify_on(struct mvnet_ring *r);
void mvnet_chain_init(struct mvnet_chain *c, struct mvnet_ring *r, u16 head);
int mvnet_chain_map(struct mvnet_chain *c, bool write);
void mvnet_chain_advance(struct mvnet_chain *c, u32 len);
int mvnet_chain_read(struct mvnet_chain *c, void *buf, u32 len);
int mvnet_chain_write(struct mvnet_chain *c, const void *buf, u32 len);
int mvnet_chain_skip(struct mvnet_chain *c, bool write);

/* mvnet_datapath.c: work items, forwarding and their synchronisation */
extern struct workqueue_struct *mvnet_wq;
int mvnet_dp_init_module(void);
void mvnet_dp_exit_module(void);
void mvnet_dp_init(struct mvnet_dev *dev);
void mvnet_dp_destroy(struct mvnet_dev *dev);
void mvnet_dp_kick(struct mvnet_dev *dev, u16 idx);
void mvnet_dp_wake(struct mvnet_dev *dev);
void mvnet_dp_kick_pairs(struct mvnet_dev *dev);
void mvnet_dp_quiesce(struct mvnet_dev *dev, bool cancel);
void mvnet_dp_quiesce_rx(struct mvnet_dev *dev, u16 first);
u16 mvnet_ctrl_vq_index(struct mvnet_dev *dev, u64 features);
u32 mvnet_vq_group(struct mvnet_dev *dev, u16 idx, u64 features);
void mvnet_queue_stats_read(struct mvnet_queue_stats *s, u64 *packets,
			    u64 *bytes, u64 *drops, u64 *errors);

/* mvnet_ctrl.c: control queue and receive filter */
void mvnet_ctrl_work(struct work_struct *work);
void mvnet_ctrl_kick(struct mvnet_dev *dev);
void mvnet_ctrl_reset_locked(struct mvnet_dev *dev);
bool mvnet_rx_filter_match(struct mvnet_dev *dev, const u8 *dst);
int mvnet_get_net_state(struct vmdev_device *vdev,
			struct vmdev_net_state *state);
int mvnet_set_net_state(struct vmdev_device *vdev,
			const struct vmdev_net_state *state);

/* mvnet_debugfs.c: counters in /sys/kernel/debug/mvnet/stats */
void mvnet_debugfs_init(void);
void mvnet_debugfs_exit(void);

#endif /* _MVNET_H */
