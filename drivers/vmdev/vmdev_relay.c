// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmdev core: the relay, which makes a hardware function migratable.
 *
 * A plain virtio-pci function can neither say where its rings stand nor
 * start from anywhere but the beginning, and the kernel does not see what
 * it writes, so it can be neither suspended nor logged. When the
 * administrator turns the relay on for a device (its "relay" attribute,
 * while no consumer has it), the core puts itself between the consumer and
 * the vendor's ops: the function runs on rings of the relay's, in kernel
 * memory mapped into the function's IOMMU domain, and the relay moves
 * entries between those and the driver's rings, as a software device
 * would, through the consumer's translator (vmdev_as_*()):
 *
 *  - the function reads the driver's descriptor table and buffers
 *    directly, at the driver's addresses; only the available and used
 *    rings are the relay's;
 *  - a kick of the driver makes the relay copy the new available entries
 *    to the function's ring and ring its doorbell; an interrupt of the
 *    function makes it copy the used entries back, logging (while the
 *    consumer logs) the pages the function wrote into each chain before
 *    the driver's used index publishes it, and signal the driver;
 *  - so the relay knows where the driver's rings stand: it answers
 *    get_vq_state, starts from any set_vq_state, and suspends by letting
 *    the transmit queues drain, stopping the function (a reset: it has no
 *    other way to stop) and giving the buffers it still held to the next
 *    start again. Resume restarts the function on fresh rings, those
 *    buffers first.
 *
 * Buffers still in the function when it stops are, for a migration's
 * destination, the entries of the driver's ring just before the state
 * get_vq_state reports. That holds for a function that uses buffers in
 * order, as virtio-net devices do (receive buffers it had not filled are
 * filled later instead, and transmit queues are drained first); for one
 * that did not, get_vq_state says so (-EIO) rather than lose a buffer.
 * A resume on the same host has no such limit: it gives the function the
 * very buffers it held, oldest first.
 *
 * The relay's rings sit at the top of the function's IOVA space, above
 * what get_iova_range then reports, so a consumer that keeps to the range
 * never maps over them. Doorbells cannot be mapped to userspace and the
 * function's interrupts cannot be bypassed: both must pass here.
 *
 * Locking: the vendor's ops are called with the device's ops_lock held, as
 * the core always does. @lock covers the relay's ring state; the pass (a
 * work item) takes it, and so do the control ops, under ops_lock, which
 * the pass never takes. Callbacks of the consumer are called under
 * &vmdev_relay_vq.cb_lock, which set_vq_cb takes to swap them.
 */

#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/sort.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <linux/workqueue.h>

#include "vmdev_internal.h"

/* VIRTIO_F_NOTIFICATION_DATA (virtio 1.1), which 6.1's headers lack. */
#define VMDEV_RELAY_F_NOTIFICATION_DATA	38

/* Most descriptors an indirect table may have, as vhost allows. */
#define VMDEV_RELAY_INDIRECT_MAX	65536

/* How long a suspend waits for the transmit queues to drain. */
#define VMDEV_RELAY_DRAIN_MS	1000

/* The function's rings, in the relay's memory: virtio 1.x, little endian. */
struct vmdev_relay_avail {
	__le16 flags;
	__le16 idx;
	__le16 ring[];	/* then used_event */
};

struct vmdev_relay_used_elem {
	__le32 id;
	__le32 len;
};

struct vmdev_relay_used {
	__le16 flags;
	__le16 idx;
	struct vmdev_relay_used_elem ring[];	/* then avail_event */
};

/**
 * struct vmdev_relay_vq - one queue through the relay
 * @relay: the relay
 * @idx: queue index
 * @cb_lock: protects @cb and @err_cb against the pass that calls them
 * @cb: the consumer's used-buffer callback
 * @err_cb: the consumer's error callback
 * @desc: the driver's descriptor table
 * @avail: the driver's available ring
 * @used: the driver's used ring
 * @num: ring size
 * @base: where the driver's available ring starts (set_vq_state)
 * @ready: the queue is enabled; the pass uses it only then
 * @started: the pass read the driver's used index (@guest_used)
 * @broken: the driver's ring was malformed or unreachable: the queue stops
 * @more: the last pass found entries made while it asked for the next kick
 * @savail: the function's available ring, or NULL
 * @sused: the function's used ring
 * @avail_bytes: bytes of @savail's allocation, and of its mapping
 * @used_bytes: likewise of @sused's
 * @held: heads the function holds (passed on, not used yet), by head
 * @pos: by head, the driver's available index it was passed on from
 * @savail_iova: where the function sees @savail
 * @sused_iova: where it sees @sused
 * @domain: the IOMMU domain @savail and @sused are mapped in, or NULL
 * @last_avail: the driver's next available entry to pass on
 * @guest_used: the driver's used index, as last written
 * @shadow_avail: the function's available index, as last written
 * @last_used: the function's next used entry to take
 * Positions are free-running 16-bit indices, as the rings' own.
 */
struct vmdev_relay_vq {
	struct vmdev_relay *relay;
	u16 idx;
	spinlock_t cb_lock;		/* protects cb, err_cb */
	struct vmdev_callback cb;
	struct vmdev_callback err_cb;
	u64 desc;
	u64 avail;
	u64 used;
	u32 num;
	u16 base;
	bool ready;
	bool started;
	bool broken;
	bool more;
	struct vmdev_relay_avail *savail;
	struct vmdev_relay_used *sused;
	size_t avail_bytes;
	size_t used_bytes;
	unsigned long *held;
	u16 *pos;
	u64 savail_iova;
	u64 sused_iova;
	struct iommu_domain *domain;
	u16 last_avail;
	u16 guest_used;
	u16 shadow_avail;
	u16 last_used;
};

/**
 * struct vmdev_relay - the relay of one device
 * @vdev: the device
 * @vendor: the vendor's ops, which the relay's wrap
 * @lock: protects the ring state of @vqs, @status, @suspended and
 *	@stopped against the pass
 * @work: the pass
 * @drained: woken after each pass, for a suspend waiting on it
 * @vqs: per-queue state
 * @nvqs: number of entries in @vqs: the most queues the device can have;
 *	it has vmdev_relay_count() of them
 * @features: the driver's features
 * @status: the status the driver set; the function's own is 0 while
 *	@stopped
 * @suspended: no available entry is passed on
 * @stopped: suspended, and the function reset: resume must restart it
 */
struct vmdev_relay {
	struct vmdev_device *vdev;
	const struct vmdev_config_ops *vendor;
	struct mutex lock;		/* see above */
	struct work_struct work;
	wait_queue_head_t drained;
	struct vmdev_relay_vq *vqs;
	u16 nvqs;
	u64 features;
	u8 status;
	bool suspended;
	bool stopped;
};

/*
 * Features the relay passes on: split rings used in any order (it reads
 * every used entry), no control queue.
 */
static u64 vmdev_relay_features(u64 features)
{
	features &= ~(BIT_ULL(VIRTIO_F_RING_PACKED) |
		      BIT_ULL(VIRTIO_F_IN_ORDER) |
		      BIT_ULL(VIRTIO_F_RING_RESET) |
		      BIT_ULL(VMDEV_RELAY_F_NOTIFICATION_DATA) |
		      BIT_ULL(VIRTIO_NET_F_CTRL_VQ) |
		      BIT_ULL(VIRTIO_NET_F_CTRL_RX) |
		      BIT_ULL(VIRTIO_NET_F_CTRL_VLAN) |
		      BIT_ULL(VIRTIO_NET_F_CTRL_RX_EXTRA) |
		      BIT_ULL(VIRTIO_NET_F_GUEST_ANNOUNCE) |
		      BIT_ULL(VIRTIO_NET_F_MQ) |
		      BIT_ULL(VIRTIO_NET_F_CTRL_MAC_ADDR) |
		      BIT_ULL(VIRTIO_NET_F_CTRL_GUEST_OFFLOADS) |
		      BIT_ULL(VIRTIO_NET_F_RSS) |
		      BIT_ULL(VIRTIO_NET_F_HASH_REPORT) |
		      BIT_ULL(VIRTIO_NET_F_NOTF_COAL));
	return features;
}

static struct vmdev_relay *vdev_to_relay(struct vmdev_device *vdev)
{
	return vdev->relay;
}

/* The largest ring of queue @idx. */
static u16 vmdev_relay_vq_size(struct vmdev_relay *relay, u16 idx)
{
	const struct vmdev_config_ops *v = relay->vendor;

	return v->get_vq_size ? v->get_vq_size(relay->vdev, idx) :
	       v->get_vq_num_max(relay->vdev);
}

/* The device's queues now; stable while it is claimed. */
static u16 vmdev_relay_count(struct vmdev_relay *relay)
{
	return min(relay->vendor->get_vq_count(relay->vdev), relay->nvqs);
}

static bool vmdev_relay_event_idx(struct vmdev_relay *relay)
{
	return relay->features & BIT_ULL(VIRTIO_RING_F_EVENT_IDX);
}

static size_t vmdev_relay_avail_size(u32 num)
{
	return sizeof(struct vmdev_relay_avail) + sizeof(__le16) * (num + 1);
}

static size_t vmdev_relay_used_size(u32 num)
{
	return sizeof(struct vmdev_relay_used) +
	       sizeof(struct vmdev_relay_used_elem) * num + sizeof(__le16);
}

/* IOVA bytes each queue's rings take, sized for the largest ring. */
static u64 vmdev_relay_stride(struct vmdev_relay *relay)
{
	u16 num = relay->vendor->get_vq_num_max(relay->vdev);

	return PAGE_ALIGN(vmdev_relay_avail_size(num)) +
	       PAGE_ALIGN(vmdev_relay_used_size(num));
}

/*
 * The top of the function's IOVA space: the vendor's range within the
 * aperture of @domain (the domain the function is attached to now, which
 * may be NULL).
 */
static u64 vmdev_relay_top(struct vmdev_relay *relay,
			   struct iommu_domain *domain)
{
	u64 top = U64_MAX;

	if (relay->vendor->get_iova_range)
		top = relay->vendor->get_iova_range(relay->vdev).last;
	if (domain && domain->geometry.force_aperture)
		top = min_t(u64, top, domain->geometry.aperture_end);
	/* Where the function can address at all. */
	return min_t(u64, top, dma_get_mask(relay->vdev->dma_dev));
}

/* First IOVA of the relay's window below @top. */
static u64 vmdev_relay_window(struct vmdev_relay *relay, u64 top)
{
	return ((top - relay->nvqs * vmdev_relay_stride(relay)) + 1) &
	       PAGE_MASK;
}

/* Pass: the consumer's callbacks, any context. */
static void vmdev_relay_call(struct vmdev_relay_vq *rvq,
			     struct vmdev_callback *cb)
{
	unsigned long flags;

	spin_lock_irqsave(&rvq->cb_lock, flags);
	if (cb->callback)
		cb->callback(cb->private);
	spin_unlock_irqrestore(&rvq->cb_lock, flags);
}

/*
 * Log what the function wrote into the chain at @head of @rvq: its
 * device-writable descriptors, up to @len bytes, as the used entry says.
 * Each descriptor of a table is read once at most, so a looping chain
 * ends: at the ring's size of descriptors, and at the size of an
 * indirect table, which may have up to VMDEV_RELAY_INDIRECT_MAX (vhost's
 * limit). Inside a vmdev_as_lock() section. Returns 0 or -errno for a
 * malformed chain.
 */
static int vmdev_relay_log_chain(struct vmdev_relay_vq *rvq, u16 head,
				 u32 len)
{
	struct vmdev_device *vdev = rvq->relay->vdev;
	u64 table = rvq->desc;
	u32 max = rvq->num, seen = 0;
	bool indirect = false;
	struct vring_desc d;
	u16 i = head;
	int ret;

	for (;;) {
		u16 flags;
		u32 dlen;

		if (i >= max || ++seen > max)
			return -EINVAL;
		/* A long indirect table is long work: let others run. */
		if (!(seen % 256))
			cond_resched();
		ret = vmdev_as_read(vdev, 0, table + (u64)i * sizeof(d), &d,
				    sizeof(d));
		if (ret)
			return ret;
		flags = le16_to_cpu((__force __le16)d.flags);
		dlen = le32_to_cpu((__force __le32)d.len);
		if (flags & VRING_DESC_F_INDIRECT) {
			if (indirect || !dlen || dlen % sizeof(d) ||
			    dlen / sizeof(d) > VMDEV_RELAY_INDIRECT_MAX ||
			    (flags & VRING_DESC_F_NEXT))
				return -EINVAL;
			table = le64_to_cpu((__force __le64)d.addr);
			max = dlen / sizeof(d);
			indirect = true;
			seen = 0;
			i = 0;
			continue;
		}
		if ((flags & VRING_DESC_F_WRITE) && len) {
			u64 addr = le64_to_cpu((__force __le64)d.addr);

			dlen = min(dlen, len);
			ret = vmdev_as_log_range(vdev, addr, dlen);
			if (ret)
				return ret;
			len -= dlen;
		}
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		i = le16_to_cpu((__force __le16)d.next);
	}
}

/* Offsets in the driver's split rings. */
#define VMDEV_RELAY_IDX_OFF		2
#define VMDEV_RELAY_RING_OFF		4

/*
 * Move the function's new used entries to the driver's ring. Returns
 * whether the driver is to be notified, or -errno. Called with @lock held,
 * inside a section.
 */
static int vmdev_relay_used_pass(struct vmdev_relay_vq *rvq)
{
	struct vmdev_relay *relay = rvq->relay;
	struct vmdev_device *vdev = relay->vdev;
	u16 old = rvq->guest_used, end, event;
	__le16 v16;
	int ret;

	end = le16_to_cpu(READ_ONCE(rvq->sused->idx));
	if (end == rvq->last_used)
		return 0;
	/* The entries after the index that says they are there. */
	dma_rmb();
	if ((u16)(end - rvq->last_used) > (u16)(rvq->shadow_avail -
						rvq->last_used))
		return -EINVAL;
	while (rvq->last_used != end) {
		struct vmdev_relay_used_elem e;
		u32 id;

		e = rvq->sused->ring[rvq->last_used % rvq->num];
		id = le32_to_cpu(e.id);
		if (id >= rvq->num || !test_bit(id, rvq->held))
			return -EINVAL;
		/*
		 * Off for the whole section (or an ioctl turning it on is
		 * still waiting for the section's end) or on: a walk only
		 * when it logs.
		 */
		if (vmdev_as_log_active(vdev)) {
			ret = vmdev_relay_log_chain(rvq, id,
						    le32_to_cpu(e.len));
			if (ret)
				return ret;
		}
		ret = vmdev_as_write(vdev, 0, rvq->used + VMDEV_RELAY_RING_OFF +
				     (u64)(rvq->guest_used % rvq->num) *
				     sizeof(e), &e, sizeof(e));
		if (ret)
			return ret;
		__clear_bit(id, rvq->held);
		WRITE_ONCE(rvq->last_used, rvq->last_used + 1);
		rvq->guest_used++;
		cond_resched();
	}
	/* The entries before the index that publishes them. */
	smp_wmb();
	v16 = cpu_to_le16(rvq->guest_used);
	ret = vmdev_as_write(vdev, 0, rvq->used + VMDEV_RELAY_IDX_OFF, &v16,
			     sizeof(v16));
	if (ret)
		return ret;
	/* The driver's suppression, read after the index is out. */
	smp_mb();
	if (vmdev_relay_event_idx(relay)) {
		ret = vmdev_as_read(vdev, 0, rvq->avail + VMDEV_RELAY_RING_OFF +
				    (u64)rvq->num * sizeof(v16), &v16,
				    sizeof(v16));
		if (ret)
			return ret;
		event = le16_to_cpu(v16);
		return vring_need_event(event, rvq->guest_used, old);
	}
	ret = vmdev_as_read(vdev, 0, rvq->avail, &v16, sizeof(v16));
	if (ret)
		return ret;
	return !(le16_to_cpu(v16) & VRING_AVAIL_F_NO_INTERRUPT);
}

/*
 * Pass the driver's new available entries to the function, and ask the
 * driver for a kick at the next. Returns whether the function is to be
 * kicked, or -errno. Called with @lock held, inside a section.
 */
static int vmdev_relay_avail_pass(struct vmdev_relay_vq *rvq)
{
	struct vmdev_relay *relay = rvq->relay;
	struct vmdev_device *vdev = relay->vdev;
	u16 end, start = rvq->shadow_avail;
	__le16 v16;
	int ret;

	ret = vmdev_as_read(vdev, 0, rvq->avail + VMDEV_RELAY_IDX_OFF, &v16,
			    sizeof(v16));
	if (ret)
		return ret;
	end = le16_to_cpu(v16);
	if ((u16)(end - rvq->last_avail) > rvq->num)
		return -EINVAL;
	/* The entries after the index that says they are there. */
	smp_rmb();
	while (rvq->last_avail != end &&
	       (u16)(rvq->shadow_avail - rvq->last_used) < rvq->num) {
		ret = vmdev_as_read(vdev, 0, rvq->avail + VMDEV_RELAY_RING_OFF +
				    (u64)(rvq->last_avail % rvq->num) *
				    sizeof(v16), &v16, sizeof(v16));
		if (ret)
			return ret;
		/* A head the function holds cannot be given again. */
		if (le16_to_cpu(v16) >= rvq->num ||
		    test_bit(le16_to_cpu(v16), rvq->held))
			return -EINVAL;
		__set_bit(le16_to_cpu(v16), rvq->held);
		rvq->pos[le16_to_cpu(v16)] = rvq->last_avail;
		rvq->savail->ring[rvq->shadow_avail % rvq->num] = v16;
		WRITE_ONCE(rvq->shadow_avail, rvq->shadow_avail + 1);
		rvq->last_avail++;
	}
	/*
	 * Kicks for every new entry: with EVENT_IDX, at the next entry; else
	 * the used ring's flags, which the relay alone writes, stay 0.
	 */
	rvq->more = false;
	if (vmdev_relay_event_idx(relay)) {
		v16 = cpu_to_le16(rvq->last_avail);
		ret = vmdev_as_write(vdev, 0, rvq->used + VMDEV_RELAY_RING_OFF +
				     (u64)rvq->num *
				     sizeof(struct vmdev_relay_used_elem),
				     &v16, sizeof(v16));
		if (ret)
			return ret;
		/* An entry made before the request came with no kick. */
		smp_mb();
		ret = vmdev_as_read(vdev, 0, rvq->avail + VMDEV_RELAY_IDX_OFF,
				    &v16, sizeof(v16));
		if (ret)
			return ret;
		rvq->more = le16_to_cpu(v16) != rvq->last_avail &&
			    (u16)(rvq->shadow_avail - rvq->last_used) <
			    rvq->num;
	}
	if (rvq->shadow_avail == start)
		return 0;
	/* The entries before the index that publishes them. */
	dma_wmb();
	WRITE_ONCE(rvq->savail->idx, cpu_to_le16(rvq->shadow_avail));
	/* The index before the doorbell, whatever the vendor writes it with. */
	mb();
	return 1;
}

/*
 * A queue's first pass: the driver's used index is where to go on from
 * (as vhost reads it); the used ring's flags, the device's, ask for every
 * kick, whatever an earlier device left there.
 */
static int vmdev_relay_start(struct vmdev_relay_vq *rvq)
{
	__le16 v16 = 0;
	int ret;

	ret = vmdev_as_write(rvq->relay->vdev, 0, rvq->used, &v16, sizeof(v16));
	if (!ret)
		ret = vmdev_as_read(rvq->relay->vdev, 0,
				    rvq->used + VMDEV_RELAY_IDX_OFF, &v16,
				    sizeof(v16));
	if (ret)
		return ret;
	rvq->guest_used = le16_to_cpu(v16);
	rvq->started = true;
	return 0;
}

/*
 * Ask the function for an interrupt at its next used entry, then look
 * again: an entry that came before the request raised none. Returns
 * whether there is one to take already.
 */
static bool vmdev_relay_rearm_function(struct vmdev_relay_vq *rvq)
{
	if (vmdev_relay_event_idx(rvq->relay)) {
		WRITE_ONCE(rvq->savail->ring[rvq->num],
			   cpu_to_le16(rvq->last_used));
		/* The request out before the index is read again. */
		mb();
	}
	return le16_to_cpu(READ_ONCE(rvq->sused->idx)) != rvq->last_used;
}

/*
 * One pass over every running queue: used entries back, available entries
 * on (unless suspended), the consumer's callbacks called. Called with
 * @lock held. Returns whether another pass is needed at once.
 */
static bool vmdev_relay_pass(struct vmdev_relay *relay)
{
	struct vmdev_device *vdev = relay->vdev;
	struct vmdev_as_section s;
	bool again = false;
	u16 i;

	lockdep_assert_held(&relay->lock);
	/* Not started, or stopped by a suspend: the driver's rings hold. */
	if (!(relay->status & VIRTIO_CONFIG_S_DRIVER_OK) || relay->stopped)
		return false;
	vmdev_as_lock(vdev, &s);
	for (i = 0; i < vmdev_relay_count(relay); i++) {
		struct vmdev_relay_vq *rvq = &relay->vqs[i];
		int ret = 0;

		if (!rvq->ready || rvq->broken)
			continue;
		if (!rvq->started)
			ret = vmdev_relay_start(rvq);
		if (!ret) {
			ret = vmdev_relay_used_pass(rvq);
			if (ret > 0)
				vmdev_relay_call(rvq, &rvq->cb);
			if (ret >= 0 && vmdev_relay_rearm_function(rvq))
				again = true;
		}
		if (ret >= 0 && !relay->suspended) {
			ret = vmdev_relay_avail_pass(rvq);
			if (ret > 0)
				relay->vendor->kick_vq(vdev, i);
			if (ret >= 0 && rvq->more)
				again = true;
		}
		if (ret < 0) {
			WRITE_ONCE(rvq->broken, true);
			dev_warn_ratelimited(vdev->dev,
					     "relay: queue %u: bad ring, stopped\n",
					     i);
			vmdev_relay_call(rvq, &rvq->err_cb);
		}
	}
	vmdev_as_unlock(&s);
	return again;
}

static void vmdev_relay_work(struct work_struct *work)
{
	struct vmdev_relay *relay = container_of(work, struct vmdev_relay,
						 work);
	bool again;

	mutex_lock(&relay->lock);
	again = vmdev_relay_pass(relay);
	mutex_unlock(&relay->lock);
	if (again)
		queue_work(system_wq, work);
	wake_up_all(&relay->drained);
}

/* The function's used-buffer interrupt: hard IRQ context. */
static irqreturn_t vmdev_relay_irq(void *private)
{
	struct vmdev_relay_vq *rvq = private;

	queue_work(system_wq, &rvq->relay->work);
	return IRQ_HANDLED;
}

/* Unmap and free a queue's rings. The function no longer uses them. */
static void vmdev_relay_free_rings(struct vmdev_relay_vq *rvq)
{
	if (rvq->domain) {
		iommu_unmap(rvq->domain, rvq->savail_iova, rvq->avail_bytes);
		iommu_unmap(rvq->domain, rvq->sused_iova, rvq->used_bytes);
		rvq->domain = NULL;
	}
	if (rvq->savail)
		free_pages_exact(rvq->savail, rvq->avail_bytes);
	if (rvq->sused)
		free_pages_exact(rvq->sused, rvq->used_bytes);
	bitmap_free(rvq->held);
	kfree(rvq->pos);
	rvq->savail = NULL;
	rvq->sused = NULL;
	rvq->held = NULL;
	rvq->pos = NULL;
}

/* Whether [@iova, @iova + @size) is free in @domain. */
static bool vmdev_relay_iova_free(struct iommu_domain *domain, u64 iova,
				  size_t size)
{
	size_t off;

	for (off = 0; off < size; off += PAGE_SIZE)
		if (iommu_iova_to_phys(domain, iova + off))
			return false;
	return true;
}

/*
 * Give a queue rings of the relay's, mapped where the function can reach
 * them: its slot of the window at the top of the IOMMU domain it is
 * attached to, its consumer's own (a front end with &vhost_mdev_mem_ops
 * .relay), whose user cannot map there: the range it reports ends below.
 */
static int vmdev_relay_alloc_rings(struct vmdev_relay_vq *rvq)
{
	struct vmdev_relay *relay = rvq->relay;
	struct device *dma_dev = relay->vdev->dma_dev;
	struct iommu_domain *domain;
	int prot = IOMMU_READ | IOMMU_WRITE;
	u64 iova;
	int ret;

	domain = iommu_get_domain_for_dev(dma_dev);
	if (!domain || domain->type != IOMMU_DOMAIN_UNMANAGED)
		return -ENODEV;
	if (device_iommu_capable(dma_dev, IOMMU_CAP_CACHE_COHERENCY))
		prot |= IOMMU_CACHE;

	rvq->avail_bytes = PAGE_ALIGN(vmdev_relay_avail_size(rvq->num));
	rvq->used_bytes = PAGE_ALIGN(vmdev_relay_used_size(rvq->num));
	rvq->savail = alloc_pages_exact(rvq->avail_bytes,
					GFP_KERNEL | __GFP_ZERO);
	rvq->sused = alloc_pages_exact(rvq->used_bytes,
				       GFP_KERNEL | __GFP_ZERO);
	rvq->held = bitmap_zalloc(rvq->num, GFP_KERNEL);
	rvq->pos = kcalloc(rvq->num, sizeof(*rvq->pos), GFP_KERNEL);
	if (!rvq->savail || !rvq->sused || !rvq->held || !rvq->pos) {
		ret = -ENOMEM;
		goto err;
	}

	/* The stride holds the largest rings: a slot never meets the next. */
	iova = vmdev_relay_window(relay, vmdev_relay_top(relay, domain)) +
	       rvq->idx * vmdev_relay_stride(relay);
	rvq->savail_iova = iova;
	rvq->sused_iova = iova + rvq->avail_bytes;
	/* A consumer that let its user map there: refuse. */
	if (!vmdev_relay_iova_free(domain, rvq->savail_iova,
				   rvq->avail_bytes) ||
	    !vmdev_relay_iova_free(domain, rvq->sused_iova, rvq->used_bytes)) {
		ret = -EBUSY;
		goto err;
	}
	ret = iommu_map(domain, rvq->savail_iova, virt_to_phys(rvq->savail),
			rvq->avail_bytes, prot);
	if (ret)
		goto err;
	ret = iommu_map(domain, rvq->sused_iova, virt_to_phys(rvq->sused),
			rvq->used_bytes, prot);
	if (ret) {
		iommu_unmap(domain, rvq->savail_iova, rvq->avail_bytes);
		goto err;
	}
	rvq->domain = domain;
	return 0;

err:
	vmdev_relay_free_rings(rvq);
	return ret;
}

/* Hand queue @rvq, on the relay's rings, to the function. */
static int vmdev_relay_enable_vq(struct vmdev_relay_vq *rvq)
{
	struct vmdev_relay *relay = rvq->relay;
	struct vmdev_device *vdev = relay->vdev;
	const struct vmdev_config_ops *v = relay->vendor;
	struct vmdev_callback cb = {
		.callback = vmdev_relay_irq,
		.private = rvq,
	};
	int ret;

	v->set_vq_num(vdev, rvq->idx, rvq->num);
	ret = v->set_vq_address(vdev, rvq->idx, rvq->desc, rvq->savail_iova,
				rvq->sused_iova);
	if (ret)
		return ret;
	v->set_vq_cb(vdev, rvq->idx, &cb);
	ret = v->set_vq_ready(vdev, rvq->idx, true);
	if (ret)
		v->set_vq_cb(vdev, rvq->idx, NULL);
	return ret;
}

/* Virtqueue ops: called with ops_lock held unless stated otherwise. */

static int vmdev_relay_set_vq_address(struct vmdev_device *vdev, u16 idx,
				      u64 desc_area, u64 driver_area,
				      u64 device_area)
{
	struct vmdev_relay_vq *rvq = &vdev_to_relay(vdev)->vqs[idx];

	rvq->desc = desc_area;
	rvq->avail = driver_area;
	rvq->used = device_area;
	return 0;
}

static void vmdev_relay_set_vq_num(struct vmdev_device *vdev, u16 idx,
				   u32 num)
{
	vdev_to_relay(vdev)->vqs[idx].num = num;
}

/* Atomic context: the pass does the work. */
static void vmdev_relay_kick_vq(struct vmdev_device *vdev, u16 idx)
{
	queue_work(system_wq, &vdev_to_relay(vdev)->work);
}

static void vmdev_relay_set_cb(struct vmdev_relay_vq *rvq,
			       struct vmdev_callback *slot,
			       const struct vmdev_callback *cb)
{
	unsigned long flags;

	spin_lock_irqsave(&rvq->cb_lock, flags);
	if (cb)
		*slot = *cb;
	else
		memset(slot, 0, sizeof(*slot));
	spin_unlock_irqrestore(&rvq->cb_lock, flags);
}

static void vmdev_relay_set_vq_cb(struct vmdev_device *vdev, u16 idx,
				  const struct vmdev_callback *cb)
{
	struct vmdev_relay_vq *rvq = &vdev_to_relay(vdev)->vqs[idx];

	vmdev_relay_set_cb(rvq, &rvq->cb, cb);
}

static void vmdev_relay_set_vq_err_cb(struct vmdev_device *vdev, u16 idx,
				      const struct vmdev_callback *cb)
{
	struct vmdev_relay_vq *rvq = &vdev_to_relay(vdev)->vqs[idx];

	vmdev_relay_set_cb(rvq, &rvq->err_cb, cb);
}

static int vmdev_relay_set_vq_ready(struct vmdev_device *vdev, u16 idx,
				    bool ready)
{
	struct vmdev_relay *relay = vdev_to_relay(vdev);
	struct vmdev_relay_vq *rvq = &relay->vqs[idx];
	int ret;

	if (rvq->ready == ready)
		return 0;
	/* A function cannot stop one queue (no RING_RESET passes here). */
	if (!ready)
		return -EOPNOTSUPP;
	/* A size never set: the largest, as the function would take. */
	if (!rvq->num)
		rvq->num = vmdev_relay_vq_size(relay, idx);

	ret = vmdev_relay_alloc_rings(rvq);
	if (ret)
		return ret;
	mutex_lock(&relay->lock);
	rvq->last_avail = rvq->base;
	WRITE_ONCE(rvq->shadow_avail, 0);
	WRITE_ONCE(rvq->last_used, 0);
	rvq->started = false;
	WRITE_ONCE(rvq->broken, false);
	mutex_unlock(&relay->lock);
	/* Unless stopped: resume hands the queue over with the others. */
	if (!relay->stopped) {
		ret = vmdev_relay_enable_vq(rvq);
		if (ret) {
			vmdev_relay_free_rings(rvq);
			return ret;
		}
	}
	mutex_lock(&relay->lock);
	WRITE_ONCE(rvq->ready, true);
	mutex_unlock(&relay->lock);
	queue_work(system_wq, &relay->work);
	return 0;
}

static bool vmdev_relay_get_vq_ready(struct vmdev_device *vdev, u16 idx)
{
	return vdev_to_relay(vdev)->vqs[idx].ready;
}

static int vmdev_relay_set_vq_state(struct vmdev_device *vdev, u16 idx,
				    const struct vmdev_vq_state *state)
{
	vdev_to_relay(vdev)->vqs[idx].base = state->split.avail_index;
	return 0;
}

/*
 * Whether the heads the function holds are the driver's last available
 * entries, as a ring state counts them back: each came from one of the
 * @held entries before @last_avail. Not so after the function used some
 * out of order. Called with @lock held.
 */
static bool vmdev_relay_held_last(struct vmdev_relay_vq *rvq, u16 held)
{
	unsigned long h;

	for_each_set_bit(h, rvq->held, rvq->num)
		if ((u16)(rvq->last_avail - rvq->pos[h]) > held)
			return false;
	return true;
}

/*
 * Where the driver's ring stands: the next entry the function will be
 * given, the ones it still holds counted back, which the next start gives
 * it again. Final once suspended. One state cannot say which entries a
 * function that used some out of order still holds, nor where a broken
 * queue stopped: -EIO then.
 */
static int vmdev_relay_get_vq_state(struct vmdev_device *vdev, u16 idx,
				    struct vmdev_vq_state *state)
{
	struct vmdev_relay *relay = vdev_to_relay(vdev);
	struct vmdev_relay_vq *rvq = &relay->vqs[idx];
	u16 held;
	int ret = 0;

	mutex_lock(&relay->lock);
	if (!rvq->ready) {
		state->split.avail_index = rvq->base;
	} else {
		held = rvq->shadow_avail - rvq->last_used;
		if (rvq->broken || !vmdev_relay_held_last(rvq, held))
			ret = -EIO;
		state->split.avail_index = rvq->last_avail - held;
	}
	mutex_unlock(&relay->lock);
	return ret;
}

/* Kicks and interrupts must come through the relay: neither is given out. */
static struct vmdev_notification_area
vmdev_relay_get_vq_notification(struct vmdev_device *vdev, u16 idx)
{
	return (struct vmdev_notification_area){};
}

static int vmdev_relay_get_vq_irq(struct vmdev_device *vdev, u16 idx)
{
	return -EOPNOTSUPP;
}

static u32 vmdev_relay_get_vq_align(struct vmdev_device *vdev)
{
	return vdev_to_relay(vdev)->vendor->get_vq_align(vdev);
}

static u16 vmdev_relay_get_vq_num_max(struct vmdev_device *vdev)
{
	return vdev_to_relay(vdev)->vendor->get_vq_num_max(vdev);
}

static u16 vmdev_relay_get_vq_size(struct vmdev_device *vdev, u16 idx)
{
	return vmdev_relay_vq_size(vdev_to_relay(vdev), idx);
}

static u16 vmdev_relay_get_vq_num_min(struct vmdev_device *vdev)
{
	const struct vmdev_config_ops *v = vdev_to_relay(vdev)->vendor;

	return v->get_vq_num_min ? v->get_vq_num_min(vdev) : 1;
}

static int vmdev_relay_get_vq_stats(struct vmdev_device *vdev, u16 idx,
				    struct vmdev_vq_stat *stats,
				    unsigned int n)
{
	const struct vmdev_config_ops *v = vdev_to_relay(vdev)->vendor;

	return v->get_vq_stats ? v->get_vq_stats(vdev, idx, stats, n) :
	       -EOPNOTSUPP;
}

static u16 vmdev_relay_get_vq_count(struct vmdev_device *vdev)
{
	return vmdev_relay_count(vdev_to_relay(vdev));
}

/* Device ops */

static u64 vmdev_relay_get_device_features(struct vmdev_device *vdev)
{
	const struct vmdev_config_ops *v = vdev_to_relay(vdev)->vendor;

	return vmdev_relay_features(v->get_device_features(vdev));
}

static int vmdev_relay_set_driver_features(struct vmdev_device *vdev,
					   u64 features)
{
	struct vmdev_relay *relay = vdev_to_relay(vdev);
	int ret;

	ret = relay->vendor->set_driver_features(vdev, features);
	if (!ret)
		relay->features = features;
	return ret;
}

static u64 vmdev_relay_get_driver_features(struct vmdev_device *vdev)
{
	return vdev_to_relay(vdev)->features;
}

static void vmdev_relay_set_config_cb(struct vmdev_device *vdev,
				      const struct vmdev_callback *cb)
{
	vdev_to_relay(vdev)->vendor->set_config_cb(vdev, cb);
}

static u32 vmdev_relay_get_device_id(struct vmdev_device *vdev)
{
	return vdev_to_relay(vdev)->vendor->get_device_id(vdev);
}

static u32 vmdev_relay_get_vendor_id(struct vmdev_device *vdev)
{
	return vdev_to_relay(vdev)->vendor->get_vendor_id(vdev);
}

static u8 vmdev_relay_get_status(struct vmdev_device *vdev)
{
	struct vmdev_relay *relay = vdev_to_relay(vdev);
	u8 status;
	u16 i;

	/* Stopped by a suspend, the function says 0: the driver's is ours. */
	status = relay->stopped ? relay->status :
		 relay->vendor->get_status(vdev);
	/* Without the lock: a pass may hold it for a while. */
	for (i = 0; i < relay->nvqs; i++)
		if (READ_ONCE(relay->vqs[i].broken))
			status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	return status;
}

static void vmdev_relay_set_status(struct vmdev_device *vdev, u8 status)
{
	struct vmdev_relay *relay = vdev_to_relay(vdev);

	if (!relay->stopped)
		relay->vendor->set_status(vdev, status);
	mutex_lock(&relay->lock);
	relay->status = status;
	mutex_unlock(&relay->lock);
	if (status & VIRTIO_CONFIG_S_DRIVER_OK)
		queue_work(system_wq, &relay->work);
}

/* Forget every queue's rings and positions; the function is reset. */
static void vmdev_relay_clear(struct vmdev_relay *relay)
{
	u16 i;

	mutex_lock(&relay->lock);
	relay->status = 0;
	relay->features = 0;
	relay->suspended = false;
	relay->stopped = false;
	for (i = 0; i < relay->nvqs; i++) {
		WRITE_ONCE(relay->vqs[i].ready, false);
		WRITE_ONCE(relay->vqs[i].broken, false);
		relay->vqs[i].base = 0;
		relay->vqs[i].num = 0;
	}
	mutex_unlock(&relay->lock);
	/* No pass is at the rings now, nor will one be. */
	flush_work(&relay->work);
	for (i = 0; i < relay->nvqs; i++) {
		vmdev_relay_free_rings(&relay->vqs[i]);
		vmdev_relay_set_cb(&relay->vqs[i], &relay->vqs[i].cb, NULL);
		vmdev_relay_set_cb(&relay->vqs[i], &relay->vqs[i].err_cb, NULL);
	}
}

static int vmdev_relay_reset(struct vmdev_device *vdev)
{
	struct vmdev_relay *relay = vdev_to_relay(vdev);
	int ret;

	ret = relay->vendor->reset(vdev);
	/*
	 * The rings go even if the function did not stop: a function that
	 * fails its reset has its bus mastering turned off, and unmapped
	 * rings fault rather than reach freed memory.
	 */
	vmdev_relay_clear(relay);
	return ret;
}

/*
 * Whether the transmit queues (the odd ones of a net device) gave back
 * every buffer passed on. Lockless, as a wait_event() condition must be:
 * the pass wakes the waiter after each run.
 */
static bool vmdev_relay_tx_drained(struct vmdev_relay *relay)
{
	u16 i;

	for (i = 1; i < vmdev_relay_count(relay); i += 2) {
		struct vmdev_relay_vq *rvq = &relay->vqs[i];

		if (READ_ONCE(rvq->ready) && !READ_ONCE(rvq->broken) &&
		    READ_ONCE(rvq->shadow_avail) != READ_ONCE(rvq->last_used))
			return false;
	}
	return true;
}

/* Every running queue stops with NEEDS_RESET. Called with @lock held. */
static void vmdev_relay_break(struct vmdev_relay *relay)
{
	u16 i;

	lockdep_assert_held(&relay->lock);
	for (i = 0; i < relay->nvqs; i++)
		if (relay->vqs[i].ready)
			WRITE_ONCE(relay->vqs[i].broken, true);
}

/*
 * Stop passing entries on, let the transmit queues drain, then stop the
 * function (a reset) and take what it completed until then. What it still
 * holds is given to it again by the next start: get_vq_state counts it
 * back, resume passes it on again.
 */
static int vmdev_relay_suspend(struct vmdev_device *vdev)
{
	struct vmdev_relay *relay = vdev_to_relay(vdev);
	int ret;

	/* Nothing runs yet, or it is stopped already. */
	if (relay->stopped || !(relay->status & VIRTIO_CONFIG_S_DRIVER_OK))
		return 0;

	mutex_lock(&relay->lock);
	relay->suspended = true;
	mutex_unlock(&relay->lock);
	queue_work(system_wq, &relay->work);
	wait_event_timeout(relay->drained, vmdev_relay_tx_drained(relay),
			   msecs_to_jiffies(VMDEV_RELAY_DRAIN_MS));

	ret = relay->vendor->reset(vdev);
	if (ret) {
		/* Stopped or not, the function lost its setup. */
		mutex_lock(&relay->lock);
		vmdev_relay_break(relay);
		mutex_unlock(&relay->lock);
		return ret;
	}
	/*
	 * What the function completed before it stopped, taken by a pass in
	 * the worker as always (a translator may need a kernel thread: VFIO
	 * borrows its user's mm there). A pass already running does not
	 * keep this one from being queued, and the flush waits for both.
	 */
	queue_work(system_wq, &relay->work);
	flush_work(&relay->work);
	mutex_lock(&relay->lock);
	relay->stopped = true;
	mutex_unlock(&relay->lock);
	return 0;
}

/* A held head and how long ago the driver made it available. */
struct vmdev_relay_held {
	u16 age;
	u16 head;
};

static int vmdev_relay_older_first(const void *a, const void *b)
{
	const struct vmdev_relay_held *x = a, *y = b;

	return (int)y->age - (int)x->age;
}

/*
 * Give queue @rvq's held buffers to the function again, first on its
 * fresh rings, in the order the driver made them available. Called with
 * @lock held, the function reset.
 */
static int vmdev_relay_repost(struct vmdev_relay_vq *rvq)
{
	struct vmdev_relay_held *held;
	unsigned long h;
	u16 n = 0, i;

	held = kcalloc(rvq->num, sizeof(*held), GFP_KERNEL);
	if (!held)
		return -ENOMEM;
	for_each_set_bit(h, rvq->held, rvq->num) {
		held[n].age = rvq->last_avail - rvq->pos[h];
		held[n++].head = h;
	}
	sort(held, n, sizeof(*held), vmdev_relay_older_first, NULL);
	memset(rvq->savail, 0, rvq->avail_bytes);
	memset(rvq->sused, 0, rvq->used_bytes);
	for (i = 0; i < n; i++)
		rvq->savail->ring[i] = cpu_to_le16(held[i].head);
	kfree(held);
	WRITE_ONCE(rvq->shadow_avail, n);
	WRITE_ONCE(rvq->last_used, 0);
	/* The entries before the index, before the function starts. */
	dma_wmb();
	WRITE_ONCE(rvq->savail->idx, cpu_to_le16(n));
	return 0;
}

/*
 * Start the function again after a suspend, on fresh rings with the
 * buffers it held first.
 */
static int vmdev_relay_resume(struct vmdev_device *vdev)
{
	struct vmdev_relay *relay = vdev_to_relay(vdev);
	const struct vmdev_config_ops *v = relay->vendor;
	u8 setup = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		   VIRTIO_CONFIG_S_FEATURES_OK;
	int ret = 0;
	u16 i;

	if (!relay->suspended)
		return 0;
	/* A queue broke (or an earlier resume failed): only a reset helps. */
	for (i = 0; i < relay->nvqs; i++)
		if (READ_ONCE(relay->vqs[i].broken))
			return -EIO;
	if (relay->stopped) {
		v->set_status(vdev, setup & ~VIRTIO_CONFIG_S_FEATURES_OK);
		ret = v->set_driver_features(vdev, relay->features);
		if (ret)
			goto err;
		v->set_status(vdev, setup);
		if (!(v->get_status(vdev) & VIRTIO_CONFIG_S_FEATURES_OK)) {
			ret = -EIO;
			goto err;
		}
		mutex_lock(&relay->lock);
		for (i = 0; i < relay->nvqs && !ret; i++)
			if (relay->vqs[i].ready)
				ret = vmdev_relay_repost(&relay->vqs[i]);
		mutex_unlock(&relay->lock);
		for (i = 0; i < relay->nvqs && !ret; i++)
			if (relay->vqs[i].ready)
				ret = vmdev_relay_enable_vq(&relay->vqs[i]);
		if (ret)
			goto err;
		v->set_status(vdev, relay->status);
		/* The buffers it held are there already: ring for them. */
		for (i = 0; i < relay->nvqs; i++)
			if (relay->vqs[i].ready && relay->vqs[i].shadow_avail)
				v->kick_vq(vdev, i);
	}
	mutex_lock(&relay->lock);
	relay->suspended = false;
	relay->stopped = false;
	mutex_unlock(&relay->lock);
	queue_work(system_wq, &relay->work);
	return 0;

err:
	/* The function has lost its setup: only a reset starts over. */
	v->reset(vdev);
	mutex_lock(&relay->lock);
	vmdev_relay_break(relay);
	mutex_unlock(&relay->lock);
	return ret;
}

static size_t vmdev_relay_get_config_size(struct vmdev_device *vdev)
{
	return vdev_to_relay(vdev)->vendor->get_config_size(vdev);
}

static void vmdev_relay_get_config(struct vmdev_device *vdev,
				   unsigned int offset, void *buf,
				   unsigned int len)
{
	vdev_to_relay(vdev)->vendor->get_config(vdev, offset, buf, len);
}

static void vmdev_relay_set_config(struct vmdev_device *vdev,
				   unsigned int offset, const void *buf,
				   unsigned int len)
{
	vdev_to_relay(vdev)->vendor->set_config(vdev, offset, buf, len);
}

static u32 vmdev_relay_get_generation(struct vmdev_device *vdev)
{
	const struct vmdev_config_ops *v = vdev_to_relay(vdev)->vendor;

	return v->get_generation ? v->get_generation(vdev) : 0;
}

/* The function's range, without the relay's window at its top. */
static struct vmdev_iova_range vmdev_relay_get_iova_range(struct vmdev_device *vdev)
{
	struct vmdev_relay *relay = vdev_to_relay(vdev);
	const struct vmdev_config_ops *v = relay->vendor;
	struct vmdev_iova_range range = { .first = 0, .last = U64_MAX };
	struct iommu_domain *domain;

	if (v->get_iova_range)
		range = v->get_iova_range(vdev);
	domain = iommu_get_domain_for_dev(vdev->dma_dev);
	range.last = vmdev_relay_window(relay, vmdev_relay_top(relay, domain)) -
		     1;
	return range;
}

static const struct vmdev_config_ops vmdev_relay_ops = {
	.set_vq_address		= vmdev_relay_set_vq_address,
	.set_vq_num		= vmdev_relay_set_vq_num,
	.kick_vq		= vmdev_relay_kick_vq,
	.set_vq_cb		= vmdev_relay_set_vq_cb,
	.set_vq_err_cb		= vmdev_relay_set_vq_err_cb,
	.set_vq_ready		= vmdev_relay_set_vq_ready,
	.get_vq_ready		= vmdev_relay_get_vq_ready,
	.set_vq_state		= vmdev_relay_set_vq_state,
	.get_vq_state		= vmdev_relay_get_vq_state,
	.get_vq_notification	= vmdev_relay_get_vq_notification,
	.get_vq_irq		= vmdev_relay_get_vq_irq,
	.get_vq_align		= vmdev_relay_get_vq_align,
	.get_vq_num_max		= vmdev_relay_get_vq_num_max,
	.get_vq_size		= vmdev_relay_get_vq_size,
	.get_vq_num_min		= vmdev_relay_get_vq_num_min,
	.get_vq_stats		= vmdev_relay_get_vq_stats,
	.get_vq_count		= vmdev_relay_get_vq_count,
	.get_device_features	= vmdev_relay_get_device_features,
	.set_driver_features	= vmdev_relay_set_driver_features,
	.get_driver_features	= vmdev_relay_get_driver_features,
	.set_config_cb		= vmdev_relay_set_config_cb,
	.get_device_id		= vmdev_relay_get_device_id,
	.get_vendor_id		= vmdev_relay_get_vendor_id,
	.get_status		= vmdev_relay_get_status,
	.set_status		= vmdev_relay_set_status,
	.reset			= vmdev_relay_reset,
	.suspend		= vmdev_relay_suspend,
	.resume			= vmdev_relay_resume,
	.get_config_size	= vmdev_relay_get_config_size,
	.get_config		= vmdev_relay_get_config,
	.set_config		= vmdev_relay_set_config,
	.get_generation		= vmdev_relay_get_generation,
	.get_iova_range		= vmdev_relay_get_iova_range,
};

/**
 * vmdev_relay_can - whether a device may be relayed
 * @vdev: the device
 *
 * Return: true for a hardware function's device of the vhost personality
 * that reaches memory coherently (the relay's rings are plain memory) and
 * has one queue group: the relay reaches the driver's rings in group 0's
 * address space, and its own in the function's one IOMMU domain.
 */
bool vmdev_relay_can(struct vmdev_device *vdev)
{
	return vdev->dma_dev && vdev->personality == VMDEV_PERSONALITY_VHOST &&
	       dev_is_dma_coherent(vdev->dma_dev) &&
	       vmdev_get_vq_groups(vdev) == 1;
}

/**
 * vmdev_relay_alloc - make a device's relay, off
 * @vdev: a device vmdev_relay_can() relay, not visible yet
 *
 * Made with the device, so that turning the relay on and off only
 * switches &vmdev_device.config, which readers that do not claim the
 * device (management queries) load without ordering. Process context.
 *
 * Return: 0, or -ENOMEM.
 */
int vmdev_relay_alloc(struct vmdev_device *vdev)
{
	struct vmdev_relay *relay;
	u16 i;

	relay = kzalloc(sizeof(*relay), GFP_KERNEL);
	if (!relay)
		return -ENOMEM;
	/* Room for the most queues the attributes can give it. */
	relay->nvqs = max_t(u16, vdev->parent->max_vqs,
			    2 * vdev->parent->max_vq_pairs + 1);
	relay->vqs = kcalloc(relay->nvqs, sizeof(*relay->vqs), GFP_KERNEL);
	if (!relay->vqs) {
		kfree(relay);
		return -ENOMEM;
	}
	relay->vdev = vdev;
	relay->vendor = vdev->config;
	mutex_init(&relay->lock);
	INIT_WORK(&relay->work, vmdev_relay_work);
	init_waitqueue_head(&relay->drained);
	for (i = 0; i < relay->nvqs; i++) {
		relay->vqs[i].relay = relay;
		relay->vqs[i].idx = i;
		spin_lock_init(&relay->vqs[i].cb_lock);
	}
	vdev->relay = relay;
	return 0;
}

/**
 * vmdev_relay_set - put the relay in front of a device's ops, or take it out
 * @vdev: the device, unclaimed (called with &vmdev_device.lock held)
 * @on: whether it is to be relayed
 *
 * Return: 0, or -EOPNOTSUPP for a device that cannot be relayed.
 */
int vmdev_relay_set(struct vmdev_device *vdev, bool on)
{
	struct vmdev_relay *relay = vdev->relay;

	lockdep_assert_held(&vdev->lock);
	if (!relay)
		return -EOPNOTSUPP;
	/* Not in the middle of a management query's ops (they hold it). */
	mutex_lock(&vdev->ops_lock);
	WRITE_ONCE(vdev->config, on ? &vmdev_relay_ops : relay->vendor);
	mutex_unlock(&vdev->ops_lock);
	return 0;
}

/**
 * vmdev_relayed - whether a device runs through the relay
 * @vdev: the device
 *
 * Stable while the device is claimed.
 *
 * Return: true if it does.
 */
bool vmdev_relayed(struct vmdev_device *vdev)
{
	return READ_ONCE(vdev->config) == &vmdev_relay_ops;
}
EXPORT_SYMBOL_GPL(vmdev_relayed);

/**
 * vmdev_relay_free - free a device's relay
 * @vdev: the device, reset and about to be freed
 */
void vmdev_relay_free(struct vmdev_device *vdev)
{
	struct vmdev_relay *relay = vdev->relay;

	if (!relay)
		return;
	/* Stops the rings and flushes the work: no pass outlives this. */
	vmdev_relay_clear(relay);
	mutex_destroy(&relay->lock);
	kfree(relay->vqs);
	kfree(relay);
	vdev->relay = NULL;
}
