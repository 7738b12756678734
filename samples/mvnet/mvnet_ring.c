// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvnet: the split virtqueue engine (virtio 1.x, section 2.7).
 *
 * Everything here reads or writes driver memory, and only through the
 * core's address-space helpers: ring areas are mapped a window at a time
 * with vmdev_as_map() (the pointers live for one pass, inside the caller's
 * vmdev_as_lock() section) and buffers a descriptor range at a time, each
 * pass keeping the translation its last buffer was found in
 * (vmdev_as_map_window(): a driver carves its buffers out of a few
 * mappings), so a copy goes straight from one kernel mapping to another. Every value read
 * from the ring is checked before it is used; anything a well-behaved
 * driver cannot produce (an index beyond the ring, a loop, an indirect or
 * wrongly directed descriptor, an address outside the mapping) is a
 * malformed ring: mvnet_ring_fail() stops the device and asks for a reset.
 *
 * The device offers VERSION_1 only, so the ring is always little endian.
 * Both sides are CPUs, so the SMP barriers are the ones the spec asks for.
 */
#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ring.h>

#include "mvnet.h"

/* Split ring layout, virtio 1.x 2.7.5, 2.7.6 and 2.7.8. */
struct mvnet_desc {
	__le64 addr;
	__le32 len;
	__le16 flags;
	__le16 next;
};

struct mvnet_used_elem {
	__le32 id;
	__le32 len;
};

#define MVNET_AVAIL_FLAGS	0
#define MVNET_AVAIL_IDX		2
#define MVNET_AVAIL_RING	4
#define MVNET_USED_FLAGS	0
#define MVNET_USED_IDX		2
#define MVNET_USED_RING		4

static u32 mvnet_avail_entry(u16 num, u16 i)
{
	return MVNET_AVAIL_RING + sizeof(__le16) * (i & (num - 1));
}

/* used_event sits after the avail ring, avail_event after the used ring. */
static u32 mvnet_used_event(u16 num)
{
	return MVNET_AVAIL_RING + sizeof(__le16) * num;
}

static u32 mvnet_avail_event(u16 num)
{
	return MVNET_USED_RING + sizeof(struct mvnet_used_elem) * num;
}

static void mvnet_area_init(struct mvnet_area *a, u64 addr, u32 size,
			    bool write)
{
	a->addr = addr;
	a->size = size;
	a->start = 0;
	a->end = 0;
	a->kaddr = NULL;
	a->write = write;
}

/*
 * A kernel pointer to [@off, @off + @len) of @a. The window is remapped
 * from @off to the end of the area when the range is outside it. Returns
 * NULL when the range straddles the end of what the translator could map
 * contiguously (the caller then copies through the core's rw helpers), or
 * an ERR_PTR() when the driver placed the area outside its mapping.
 */
static void *mvnet_area_ptr(struct mvnet_ring *r, struct mvnet_area *a,
			    u32 off, u32 len)
{
	void *kaddr;
	ssize_t n;

	if (off >= a->start && off + len <= a->end)
		return a->kaddr + (off - a->start);

	n = vmdev_as_map(&r->dev->vdev, r->group, a->addr + off,
			 a->size - off, a->write, &kaddr);
	if (n < 0)
		return ERR_PTR(-EFAULT);
	a->start = off;
	a->end = off + min_t(size_t, n, a->size - off);
	a->kaddr = kaddr;
	return off + len <= a->end ? kaddr : NULL;
}

static int mvnet_area_read(struct mvnet_ring *r, struct mvnet_area *a,
			   u32 off, void *buf, u32 len)
{
	void *p = mvnet_area_ptr(r, a, off, len);

	if (IS_ERR(p))
		return PTR_ERR(p);
	if (!p)
		return vmdev_as_read(&r->dev->vdev, r->group, a->addr + off,
				     buf, len);
	memcpy(buf, p, len);
	return 0;
}

static int mvnet_area_write(struct mvnet_ring *r, struct mvnet_area *a,
			    u32 off, const void *buf, u32 len)
{
	void *p = mvnet_area_ptr(r, a, off, len);

	if (IS_ERR(p))
		return PTR_ERR(p);
	if (!p)
		return vmdev_as_write(&r->dev->vdev, r->group, a->addr + off,
				      buf, len);
	memcpy(p, buf, len);
	return 0;
}

/* The driver writes these concurrently: read each exactly once. */
static int mvnet_area_read16(struct mvnet_ring *r, struct mvnet_area *a,
			     u32 off, u16 *val)
{
	void *p = mvnet_area_ptr(r, a, off, sizeof(__le16));
	__le16 v;
	int ret;

	if (IS_ERR(p))
		return PTR_ERR(p);
	if (p) {
		v = READ_ONCE(*(__le16 *)p);
	} else {
		ret = vmdev_as_read(&r->dev->vdev, r->group, a->addr + off,
				    &v, sizeof(v));
		if (ret)
			return ret;
	}
	*val = le16_to_cpu(v);
	return 0;
}

static int mvnet_area_write16(struct mvnet_ring *r, struct mvnet_area *a,
			      u32 off, u16 val)
{
	void *p = mvnet_area_ptr(r, a, off, sizeof(__le16));
	__le16 v = cpu_to_le16(val);

	if (IS_ERR(p))
		return PTR_ERR(p);
	if (!p)
		return vmdev_as_write(&r->dev->vdev, r->group, a->addr + off,
				      &v, sizeof(v));
	WRITE_ONCE(*(__le16 *)p, v);
	return 0;
}

/**
 * mvnet_ring_open - start a pass over queue @idx of @dev
 * @r: the pass
 * @dev: the device
 * @idx: queue index
 * @dir: what its chains hold
 * @stats: the queue's counters
 *
 * Called with the queue's &mvnet_queue.lock held; takes dev->lock for the
 * snapshot of the registers.
 *
 * Return: 0 when the queue may be processed; -EAGAIN while the device is
 * suspended (the work is to be resumed later); -ENODEV when it may not run
 * (no DRIVER_OK, NEEDS_RESET, queue not ready).
 */
int mvnet_ring_open(struct mvnet_ring *r, struct mvnet_dev *dev, u16 idx,
		    enum mvnet_ring_dir dir, struct mvnet_queue_stats *stats)
{
	struct mvnet_vq *vq = &dev->vqs[idx];
	u32 event;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	r->dev = dev;
	r->vq = vq;
	r->stats = stats;
	r->dir = dir;
	r->idx = idx;

	spin_lock_bh(&dev->lock);
	if (!(dev->status & VIRTIO_CONFIG_S_DRIVER_OK) ||
	    (dev->status & VIRTIO_CONFIG_S_NEEDS_RESET) ||
	    !vq->ready || !vq->num) {
		ret = -ENODEV;
	} else if (dev->suspended) {
		ret = -EAGAIN;
	} else {
		r->num = vq->num;
		r->features = dev->features;
		r->group = mvnet_vq_group(dev, idx, r->features);
		r->start_avail = vq->last_avail_idx;
		r->start_used = vq->last_used_idx;
		mvnet_area_init(&r->desc, vq->desc_addr,
				sizeof(struct mvnet_desc) * vq->num, false);
		mvnet_area_init(&r->avail, vq->driver_addr,
				mvnet_used_event(vq->num), false);
		mvnet_area_init(&r->used, vq->device_addr,
				mvnet_avail_event(vq->num), true);
	}
	spin_unlock_bh(&dev->lock);
	if (ret)
		return ret;

	BUILD_BUG_ON(sizeof(struct mvnet_desc) != 16);
	BUILD_BUG_ON(sizeof(struct mvnet_used_elem) != 8);

	r->event_idx = r->features & BIT_ULL(VIRTIO_RING_F_EVENT_IDX);
	event = r->event_idx ? sizeof(__le16) : 0;
	r->avail.size += event;
	r->used.size += event;
	r->avail_idx = r->start_avail;
	r->last_avail = r->start_avail;
	r->last_used = r->start_used;
	return 0;
}

static void mvnet_ring_flush_stats(struct mvnet_ring *r)
{
	struct mvnet_queue_stats *s = r->stats;

	if (!(r->packets | r->drops | r->errors))
		return;
	u64_stats_update_begin(&s->syncp);
	u64_stats_add(&s->packets, r->packets);
	u64_stats_add(&s->bytes, r->bytes);
	u64_stats_add(&s->drops, r->drops);
	u64_stats_add(&s->errors, r->errors);
	u64_stats_update_end(&s->syncp);
}

/* Whether the driver wants a used-buffer notification for this pass. */
static int mvnet_ring_need_call(struct mvnet_ring *r, bool *call)
{
	u16 val;
	int ret;

	/* Pairs with the driver's barrier between its event write and read. */
	smp_mb();
	if (r->event_idx) {
		ret = mvnet_area_read16(r, &r->avail, mvnet_used_event(r->num),
					&val);
		*call = vring_need_event(val, r->last_used, r->start_used);
	} else {
		ret = mvnet_area_read16(r, &r->avail, MVNET_AVAIL_FLAGS, &val);
		*call = !(val & VRING_AVAIL_F_NO_INTERRUPT);
	}
	return ret;
}

/**
 * mvnet_ring_close - end a pass: publish, notify, save the position
 * @r: the pass
 *
 * Publishes the used entries of the pass at once and raises the queue's
 * callback (under dev->lock, like every callback of the device) at most
 * once, as the driver's suppression asks. A broken ring is left as it is.
 * Called before vmdev_as_unlock() and the unlock of the queue's lock.
 */
void mvnet_ring_close(struct mvnet_ring *r)
{
	struct mvnet_dev *dev = r->dev;
	bool call = false;

	if (!r->broken && r->last_used != r->start_used) {
		/* The entries must be visible before the index that covers them. */
		smp_wmb();
		if (mvnet_area_write16(r, &r->used, MVNET_USED_IDX,
				       r->last_used) ||
		    mvnet_ring_need_call(r, &call))
			mvnet_ring_fail(r);
	}

	mvnet_ring_flush_stats(r);
	if (r->broken)
		return;

	spin_lock_bh(&dev->lock);
	r->vq->last_avail_idx = r->last_avail;
	r->vq->last_used_idx = r->last_used;
	if (call && r->vq->cb.callback)
		r->vq->cb.callback(r->vq->cb.private);
	spin_unlock_bh(&dev->lock);
}

/**
 * mvnet_ring_fail - the driver broke the ring: stop the device
 * @r: the pass that found it
 *
 * Sets NEEDS_RESET, which stops every queue of the device at its next pass,
 * and raises the queue's error callback and the config-change callback.
 * Nothing of the ring is touched again in this pass.
 */
void mvnet_ring_fail(struct mvnet_ring *r)
{
	struct mvnet_dev *dev = r->dev;
	bool first;

	if (r->broken)
		return;
	r->broken = true;
	r->errors++;

	spin_lock_bh(&dev->lock);
	first = !(dev->status & VIRTIO_CONFIG_S_NEEDS_RESET);
	dev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	if (r->vq->err_cb.callback)
		r->vq->err_cb.callback(r->vq->err_cb.private);
	if (first && dev->config_cb.callback)
		dev->config_cb.callback(dev->config_cb.private);
	spin_unlock_bh(&dev->lock);

	dev_warn_ratelimited(dev->vdev.dev,
			     "queue %u: malformed ring, device needs reset\n",
			     r->idx);
}

/*
 * Read avail->idx. The driver may be at most @num entries ahead of what the
 * device has consumed, and never behind what it has seen.
 */
static int mvnet_ring_read_avail_idx(struct mvnet_ring *r, u16 *idx)
{
	u16 val;

	if (mvnet_area_read16(r, &r->avail, MVNET_AVAIL_IDX, &val))
		return -EIO;
	if ((u16)(val - r->start_avail) > r->num ||
	    (u16)(val - r->last_avail) > (u16)(val - r->start_avail))
		return -EIO;
	*idx = val;
	return 0;
}

/**
 * mvnet_ring_pop - take the next available chain
 * @r: the pass
 * @head: its head descriptor index, on success
 *
 * Return: 0; -ENOENT when the driver has made nothing more available;
 * -EIO for a malformed ring (the caller fails it).
 */
int mvnet_ring_pop(struct mvnet_ring *r, u16 *head)
{
	u16 val;

	if (r->last_avail == r->avail_idx) {
		if (mvnet_ring_read_avail_idx(r, &r->avail_idx))
			return -EIO;
		if (r->last_avail == r->avail_idx)
			return -ENOENT;
		/* Read the entries only after the index that published them. */
		smp_rmb();
	}

	if (mvnet_area_read16(r, &r->avail,
			      mvnet_avail_entry(r->num, r->last_avail), &val))
		return -EIO;
	if (val >= r->num)
		return -EIO;
	r->last_avail++;
	*head = val;
	return 0;
}

/**
 * mvnet_ring_push - return a chain to the driver
 * @r: the pass
 * @head: the chain's head
 * @len: bytes the device wrote into it
 *
 * The entry becomes visible to the driver at mvnet_ring_close(); until
 * then the caller may take it back by restoring @r->last_used.
 *
 * Return: 0, or -EIO for a used ring outside the mapping.
 */
int mvnet_ring_push(struct mvnet_ring *r, u16 head, u32 len)
{
	struct mvnet_used_elem e = {
		.id = cpu_to_le32(head),
		.len = cpu_to_le32(len),
	};
	u32 off = MVNET_USED_RING + sizeof(e) * (r->last_used & (r->num - 1));

	if (mvnet_area_write(r, &r->used, off, &e, sizeof(e)))
		return -EIO;
	r->last_used++;
	return 0;
}

/**
 * mvnet_ring_notify_off - ask the driver not to notify the device
 * @r: the pass
 *
 * Without EVENT_IDX this sets VRING_USED_F_NO_NOTIFY; with it there is
 * nothing to do, as the driver notifies only when it crosses the
 * avail_event the device last published.
 *
 * Return: 0, or -EIO for a used ring outside the mapping.
 */
int mvnet_ring_notify_off(struct mvnet_ring *r)
{
	if (r->event_idx || r->vq->notify == MVNET_NOTIFY_OFF)
		return 0;
	if (mvnet_area_write16(r, &r->used, MVNET_USED_FLAGS,
			       VRING_USED_F_NO_NOTIFY))
		return -EIO;
	r->vq->notify = MVNET_NOTIFY_OFF;
	return 0;
}

/**
 * mvnet_ring_notify_on - ask for a notification on the next new buffer
 * @r: the pass
 *
 * Then looks at avail->idx again, closing the race with a driver that
 * added buffers while notifications were off.
 *
 * Return: 1 if buffers beyond the ones seen are available now, 0 if not,
 * -EIO for a malformed ring.
 */
int mvnet_ring_notify_on(struct mvnet_ring *r)
{
	u16 idx;
	int ret;

	if (r->event_idx)
		ret = mvnet_area_write16(r, &r->used, mvnet_avail_event(r->num),
					 r->avail_idx);
	else if (r->vq->notify != MVNET_NOTIFY_ON)
		ret = mvnet_area_write16(r, &r->used, MVNET_USED_FLAGS, 0);
	else
		ret = 0;
	if (ret)
		return -EIO;
	r->vq->notify = MVNET_NOTIFY_ON;

	/* The request must be visible before the index is read again. */
	smp_mb();
	if (mvnet_ring_read_avail_idx(r, &idx))
		return -EIO;
	return idx != r->avail_idx;
}

/**
 * mvnet_chain_init - point a cursor at the chain starting at @head
 * @c: the cursor
 * @r: the pass
 * @head: head descriptor index, below the ring size
 */
void mvnet_chain_init(struct mvnet_chain *c, struct mvnet_ring *r, u16 head)
{
	memset(c, 0, sizeof(*c));
	c->ring = r;
	c->next = head;
	c->more = true;
}

/* Load the next descriptor. Returns 1, 0 at the end of the chain, -EIO. */
static int mvnet_chain_next_desc(struct mvnet_chain *c)
{
	struct mvnet_ring *r = c->ring;
	struct mvnet_desc d;
	bool write;
	u16 flags;

	if (!c->more)
		return 0;
	/* More descriptors than the ring holds can only be a loop. */
	if (c->next >= r->num || ++c->count > r->num)
		return -EIO;
	if (mvnet_area_read(r, &r->desc, sizeof(d) * c->next, &d, sizeof(d)))
		return -EIO;

	flags = le16_to_cpu(d.flags);
	write = flags & VRING_DESC_F_WRITE;
	/* VIRTIO_RING_F_INDIRECT_DESC is not offered. */
	if (flags & VRING_DESC_F_INDIRECT)
		return -EIO;
	switch (r->dir) {
	case MVNET_RING_TX:
		if (write)
			return -EIO;
		break;
	case MVNET_RING_RX:
		if (!write)
			return -EIO;
		break;
	case MVNET_RING_CTRL:
		/* Device-writable descriptors come last. */
		if (c->dwrite && !write)
			return -EIO;
		break;
	}

	c->dwrite = write;
	c->addr = le64_to_cpu(d.addr);
	c->left = le32_to_cpu(d.len);
	c->more = flags & VRING_DESC_F_NEXT;
	c->next = le16_to_cpu(d.next);
	c->klen = 0;
	return 1;
}

/*
 * Move to a non-empty range of direction @write. Returns 1, 0 at the end
 * of the chain or where the direction changes, -EIO.
 */
static int mvnet_chain_ready(struct mvnet_chain *c, bool write)
{
	int ret;

	while (!c->left) {
		ret = mvnet_chain_next_desc(c);
		if (ret <= 0)
			return ret;
	}
	return c->dwrite == write;
}

/**
 * mvnet_chain_map - map the buffer at the cursor
 * @c: the cursor
 * @write: the direction wanted
 *
 * Maps as much of the current descriptor's remaining range as is
 * contiguous; @c->kaddr points at it until vmdev_as_unlock().
 *
 * Return: the mapped length; 0 at the end of the chain (or, for a control
 * chain, of its part in direction @write); -EIO for a malformed chain or a
 * buffer outside the mapping.
 */
int mvnet_chain_map(struct mvnet_chain *c, bool write)
{
	void *kaddr;
	ssize_t n;
	int ret;

	ret = mvnet_chain_ready(c, write);
	if (ret <= 0)
		return ret;
	if (!c->klen) {
		/* A driver's buffers are mostly in one mapping: keep it. */
		n = vmdev_as_map_window(&c->ring->dev->vdev, c->ring->group,
					&c->ring->bufs, c->addr, c->left,
					write, &kaddr);
		if (n < 0)
			return -EIO;
		c->kaddr = kaddr;
		c->klen = min_t(size_t, n, c->left);
	}
	return c->klen;
}

/**
 * mvnet_chain_advance - consume bytes of the mapped range
 * @c: the cursor
 * @len: at most what mvnet_chain_map() returned
 */
void mvnet_chain_advance(struct mvnet_chain *c, u32 len)
{
	c->kaddr += len;
	c->klen -= len;
	c->addr += len;
	c->left -= len;
}

/**
 * mvnet_chain_read - copy device-readable bytes out of the chain
 * @c: the cursor
 * @buf: destination
 * @len: bytes wanted
 *
 * Return: bytes copied (less than @len at the end of the readable part),
 * or -EIO.
 */
int mvnet_chain_read(struct mvnet_chain *c, void *buf, u32 len)
{
	u32 done = 0;
	int n;

	while (done < len) {
		n = mvnet_chain_map(c, false);
		if (n <= 0)
			return n ? n : done;
		n = min_t(u32, n, len - done);
		memcpy(buf + done, c->kaddr, n);
		mvnet_chain_advance(c, n);
		done += n;
	}
	return done;
}

/**
 * mvnet_chain_write - copy bytes into the device-writable part of the chain
 * @c: the cursor
 * @buf: source
 * @len: bytes to write
 *
 * Return: bytes copied (less than @len when the chain is full), or -EIO.
 */
int mvnet_chain_write(struct mvnet_chain *c, const void *buf, u32 len)
{
	u32 done = 0;
	int n;

	while (done < len) {
		n = mvnet_chain_map(c, true);
		if (n <= 0)
			return n ? n : done;
		n = min_t(u32, n, len - done);
		memcpy(c->kaddr, buf + done, n);
		mvnet_chain_advance(c, n);
		done += n;
	}
	return done;
}

/**
 * mvnet_chain_skip - move past the rest of the part in direction @write
 * @c: the cursor
 * @write: the direction of the part to skip
 *
 * Nothing is mapped: the skipped bytes are never touched.
 *
 * Return: 1 if anything was skipped, 0 if not, -EIO.
 */
int mvnet_chain_skip(struct mvnet_chain *c, bool write)
{
	bool skipped = false;
	int ret;

	while ((ret = mvnet_chain_ready(c, write)) > 0) {
		c->addr += c->left;
		c->left = 0;
		skipped = true;
	}
	return ret < 0 ? ret : skipped;
}
