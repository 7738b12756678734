// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvnet: the datapath.
 *
 * Work model. One module workqueue; per device one work item per queue
 * pair and one for the control queue. Pair i of device X moves the frames
 * of X's transmit queue i into receive queue i of X's peer, or of X itself
 * when it has none (loopback); when the receiver has fewer active pairs,
 * into receive queue i modulo that number. A kick only queues work
 * (kick_vq may come with interrupts off, from inside one of our own
 * callbacks): transmit queue i queues X's pair i; receive queue i, which
 * got buffers, queues the pairs that feed it. A pass handles at most
 * MVNET_BUDGET chains and requeues itself when there is more, so no queue
 * or device holds a worker for long.
 *
 * The workqueue is unbound: a pass is a long CPU-bound copy that may sleep
 * in the consumer's translator, like a vhost worker thread, so it is left
 * to the scheduler rather than tied to (and competing with) the CPU that
 * rang the doorbell, and passes of different queues run in parallel.
 *
 * Locking, outermost first: mvnet_peer_srcu (the peer cannot go away), the
 * transmit (or control) queue's lock, the device's vmdev_as_lock(), the
 * receive queue's lock, the peer's vmdev_as_lock(), dev->lock (snapshots,
 * callbacks; the receive filter is read through its seqcount, without a
 * lock: mvnet_rx_filter_match()). The queue locks are what make control ops
 * synchronous: a pass checks, under its queue's lock, that the device may
 * run that queue, so clearing the state that allows it and then taking and
 * dropping the lock (mvnet_dp_quiesce()) guarantees that no pass touches
 * the ring any more. Reset, suspend, queue disable and device destroy go
 * through it; the control queue does for receive queues it deactivates.
 *
 * Backpressure. When the receiver's ring has no buffer for a frame, the
 * transmit chain stays pending and the pass stops; the receiver's next kick
 * (asked for by re-enabling its notifications) resumes it. A receiver that
 * cannot receive at all (link down on either side, no DRIVER_OK, queue not
 * ready, NEEDS_RESET) drops instead, so transmit never stalls for good; any
 * change of those conditions wakes the transmitters to re-decide. Only a
 * suspended receiver holds frames back, until it resumes or resets.
 */
#include <linux/etherdevice.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_net.h>

#include "mvnet.h"

/* Chains per pass, as NAPI's default weight. */
#define MVNET_BUDGET		64
#define MVNET_HDR_LEN		sizeof(struct virtio_net_hdr_mrg_rxbuf)
#define MVNET_MAX_FRAME		U16_MAX
#define MVNET_NUM_BUFFERS	offsetof(struct virtio_net_hdr_mrg_rxbuf, \
					 num_buffers)

struct workqueue_struct *mvnet_wq;

/*
 * struct mvnet_fwd - one pass of a pair work
 * @dev: the transmitting device
 * @peer: the receiving device (@dev in loopback)
 * @pair: the transmit queue pair
 * @tx: the transmit ring
 * @rx: the receive ring, once opened
 * @rxq: the receive queue's datapath state, while @rx is open
 * @rx_state: 0 until the receiver is looked at, then 1 while @rx is open,
 *	-EAGAIN (suspended) or -ENODEV (cannot receive)
 * @link: both links up
 * @mrg: the receiver negotiated VIRTIO_NET_F_MRG_RXBUF
 * @as: @dev's vmdev_as_lock() section
 * @peer_as: @peer's, when it is another device and @rx is open
 * @peek: the transmit frame's virtio-net header and Ethernet header
 */
struct mvnet_fwd {
	struct mvnet_dev *dev;
	struct mvnet_dev *peer;
	u16 pair;
	struct mvnet_ring tx;
	struct mvnet_ring rx;
	struct mvnet_queue *rxq;
	int rx_state;
	bool link;
	bool mrg;
	struct vmdev_as_section as;
	struct vmdev_as_section peer_as;
	u8 peek[MVNET_HDR_LEN + ETH_HLEN];
};

/*
 * struct mvnet_rx_pos - where a frame being received is written
 * @rc: cursor in the current receive chain
 * @head: that chain's head
 * @len: bytes written into it
 * @nbufs: chains used so far, the current one included
 * @descs: descriptors of those chains
 * @num_buffers: where the two bytes of the header's num_buffers are
 */
struct mvnet_rx_pos {
	struct mvnet_chain rc;
	u16 head;
	u32 len;
	u16 nbufs;
	u32 descs;
	u8 *num_buffers[2];
};

/**
 * mvnet_ctrl_vq_index - index of the control queue
 * @dev: the device
 * @features: the negotiated features
 *
 * Return: 2 * max_virtqueue_pairs with VIRTIO_NET_F_MQ, else 2 (virtio 1.x
 * 5.1.2).
 */
u16 mvnet_ctrl_vq_index(struct mvnet_dev *dev, u64 features)
{
	if (features & BIT_ULL(VIRTIO_NET_F_MQ))
		return 2 * dev->vdev.attrs.max_vq_pairs;
	return 2;
}

void mvnet_queue_stats_read(struct mvnet_queue_stats *s, u64 *packets,
			    u64 *bytes, u64 *drops, u64 *errors)
{
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&s->syncp);
		*packets = u64_stats_read(&s->packets);
		*bytes = u64_stats_read(&s->bytes);
		*drops = u64_stats_read(&s->drops);
		*errors = u64_stats_read(&s->errors);
	} while (u64_stats_fetch_retry(&s->syncp, start));
}

/* Is the receive side at the other end of the cable reachable at all? */
static bool mvnet_fwd_link(struct mvnet_dev *dev, struct mvnet_dev *peer)
{
	bool up;

	spin_lock_bh(&dev->lock);
	up = dev->link_up;
	spin_unlock_bh(&dev->lock);
	if (up && peer != dev) {
		spin_lock_bh(&peer->lock);
		up = peer->link_up;
		spin_unlock_bh(&peer->lock);
	}
	return up;
}

static u16 mvnet_active_pairs(struct mvnet_dev *dev)
{
	u16 n;

	spin_lock_bh(&dev->lock);
	n = dev->active_pairs;
	spin_unlock_bh(&dev->lock);
	return n;
}

/*
 * Open the receive queue this pair delivers into, once per pass. The
 * receiver's active pair count is checked again under the queue's lock: the
 * control queue deactivates a queue by changing it and then waiting for the
 * lock, so a pass that saw the old count cannot deliver after the ack.
 */
static int mvnet_fwd_rx_open(struct mvnet_fwd *f)
{
	struct mvnet_dev *peer = f->peer;
	u16 active, rxpair;
	int ret;

	if (f->rx_state > 0)
		return f->rx.broken ? -ENODEV : 0;
	if (f->rx_state)
		return f->rx_state;

	active = mvnet_active_pairs(peer);
	for (;;) {
		rxpair = f->pair % max_t(u16, active, 1);
		f->rxq = &peer->rxq[rxpair];
		mutex_lock(&f->rxq->lock);
		active = mvnet_active_pairs(peer);
		if (rxpair < active)
			break;
		mutex_unlock(&f->rxq->lock);
	}

	ret = mvnet_ring_open(&f->rx, peer, 2 * rxpair, MVNET_RING_RX,
			      &f->rxq->stats);
	if (ret) {
		mutex_unlock(&f->rxq->lock);
		f->rx_state = ret;
		return ret;
	}
	if (peer != f->dev)
		vmdev_as_lock(&peer->vdev, &f->peer_as);
	f->mrg = f->rx.features & BIT_ULL(VIRTIO_NET_F_MRG_RXBUF);
	f->rx_state = 1;
	/* Buffers are there, or we will ask for a kick when they run out. */
	if (mvnet_ring_notify_off(&f->rx))
		mvnet_ring_fail(&f->rx);
	return 0;
}

static void mvnet_fwd_rx_close(struct mvnet_fwd *f)
{
	if (f->rx_state <= 0)
		return;
	mvnet_ring_close(&f->rx);
	if (f->peer != f->dev)
		vmdev_as_unlock(&f->peer_as);
	mutex_unlock(&f->rxq->lock);
	f->rx_state = -ENODEV;
}

/*
 * Take the next receive chain. When there is none, ask for a kick and look
 * again; with none still, the frame waits (-EAGAIN), unless the chains it
 * already holds fill the whole ring, in which case the driver can never
 * give it enough and it is dropped (-ENOBUFS).
 */
static int mvnet_fwd_rx_pop(struct mvnet_fwd *f, struct mvnet_rx_pos *p)
{
	struct mvnet_ring *rx = &f->rx;
	int ret;

	ret = mvnet_ring_pop(rx, &p->head);
	if (ret == -ENOENT) {
		ret = mvnet_ring_notify_on(rx);
		if (ret > 0)
			ret = mvnet_ring_pop(rx, &p->head);
		else if (!ret)
			ret = -ENOENT;
	}
	if (ret == -ENOENT)
		return p->descs >= rx->num ? -ENOBUFS : -EAGAIN;
	if (ret)
		return -EIO;
	mvnet_chain_init(&p->rc, rx, p->head);
	p->len = 0;
	p->nbufs++;
	return 0;
}

/* The current receive chain is full: return it and take the next one. */
static int mvnet_fwd_rx_next(struct mvnet_fwd *f, struct mvnet_rx_pos *p)
{
	/* Without mergeable buffers a frame must fit one chain. */
	if (!f->mrg)
		return -ENOBUFS;
	if (mvnet_ring_push(&f->rx, p->head, p->len))
		return -EIO;
	p->descs += p->rc.count;
	return mvnet_fwd_rx_pop(f, p);
}

/* Write @len bytes at @src into the frame, chain after chain. */
static int mvnet_fwd_put(struct mvnet_fwd *f, struct mvnet_rx_pos *p,
			 const u8 *src, u32 len)
{
	int n, ret;

	while (len) {
		n = mvnet_chain_map(&p->rc, true);
		if (n < 0)
			return -EIO;
		if (!n) {
			ret = mvnet_fwd_rx_next(f, p);
			if (ret)
				return ret;
			continue;
		}
		n = min_t(u32, n, len);
		memcpy(p->rc.kaddr, src, n);
		mvnet_chain_advance(&p->rc, n);
		p->len += n;
		src += n;
		len -= n;
	}
	return 0;
}

/*
 * A zeroed header (no offloads were negotiated), noting where num_buffers
 * lands so it can be set once the frame is in. With mergeable buffers
 * every buffer holds at least a header (virtio 1.x 5.1.6.3.1), so a chain
 * too short for one is malformed; without, the frame does not fit.
 */
static int mvnet_fwd_put_hdr(struct mvnet_fwd *f, struct mvnet_rx_pos *p)
{
	struct virtio_net_hdr_mrg_rxbuf hdr = {
		.num_buffers = (__force __virtio16)cpu_to_le16(1),
	};
	u32 off = 0, i;
	int n;

	while (off < sizeof(hdr)) {
		n = mvnet_chain_map(&p->rc, true);
		if (n < 0)
			return -EIO;
		if (!n)
			return f->mrg ? -EIO : -ENOBUFS;
		n = min_t(u32, n, sizeof(hdr) - off);
		memcpy(p->rc.kaddr, (u8 *)&hdr + off, n);
		for (i = off; i < off + n; i++)
			if (i - MVNET_NUM_BUFFERS < 2)
				p->num_buffers[i - MVNET_NUM_BUFFERS] =
					p->rc.kaddr + (i - off);
		mvnet_chain_advance(&p->rc, n);
		p->len += n;
		off += n;
	}
	return 0;
}

/*
 * The virtio-net and Ethernet headers of the frame. Mostly the receive
 * chain's first buffer holds both: fixed-size copies, with no walk over the
 * chain.
 */
static int mvnet_fwd_put_head(struct mvnet_fwd *f, struct mvnet_rx_pos *p)
{
	struct virtio_net_hdr_mrg_rxbuf hdr = {
		.num_buffers = (__force __virtio16)cpu_to_le16(1),
	};
	int n, ret;

	n = mvnet_chain_map(&p->rc, true);
	if (n < 0)
		return -EIO;
	if (n < MVNET_HDR_LEN + ETH_HLEN) {
		ret = mvnet_fwd_put_hdr(f, p);
		if (!ret)
			ret = mvnet_fwd_put(f, p, f->peek + MVNET_HDR_LEN,
					    ETH_HLEN);
		return ret;
	}
	memcpy(p->rc.kaddr, &hdr, MVNET_HDR_LEN);
	memcpy(p->rc.kaddr + MVNET_HDR_LEN, f->peek + MVNET_HDR_LEN, ETH_HLEN);
	p->num_buffers[0] = p->rc.kaddr + MVNET_NUM_BUFFERS;
	p->num_buffers[1] = p->rc.kaddr + MVNET_NUM_BUFFERS + 1;
	mvnet_chain_advance(&p->rc, MVNET_HDR_LEN + ETH_HLEN);
	p->len += MVNET_HDR_LEN + ETH_HLEN;
	return 0;
}

/*
 * Copy the frame at @tc (positioned just past the peeked headers) into the
 * receive ring, straight from one mapping to the other. The receive ring's
 * position is only advanced when the whole frame is in.
 *
 * Return: the frame length; -EAGAIN (no room yet: backpressure), -ENOBUFS
 * (can never fit: the receiver drops it), -EMSGSIZE (too long: the sender
 * drops it), -EIO (transmit chain malformed), -ENODEV (receive ring
 * malformed, now failed).
 */
static int mvnet_fwd_copy(struct mvnet_fwd *f, struct mvnet_chain *tc)
{
	struct mvnet_ring *rx = &f->rx;
	u16 last_avail = rx->last_avail, last_used = rx->last_used;
	struct mvnet_rx_pos p = {};
	u32 frame = ETH_HLEN;
	int n = 0, ret;

	ret = mvnet_fwd_rx_pop(f, &p);
	if (!ret)
		ret = mvnet_fwd_put_head(f, &p);
	while (!ret) {
		n = mvnet_chain_map(tc, false);
		if (n <= 0) {
			ret = n;
			break;
		}
		if (n > MVNET_MAX_FRAME - frame) {
			ret = -EMSGSIZE;
			break;
		}
		ret = mvnet_fwd_put(f, &p, tc->kaddr, n);
		mvnet_chain_advance(tc, n);
		frame += n;
	}
	if (!ret && mvnet_ring_push(rx, p.head, p.len))
		ret = -EIO;

	if (ret == -EIO && n >= 0) {
		/* It was the receive ring that failed, not the chain at @tc. */
		mvnet_ring_fail(rx);
		return -ENODEV;
	}
	if (ret) {
		rx->last_avail = last_avail;
		rx->last_used = last_used;
		return ret;
	}

	if (p.nbufs > 1) {
		*p.num_buffers[0] = p.nbufs & 0xff;
		*p.num_buffers[1] = p.nbufs >> 8;
	}
	return frame;
}

/*
 * Forward the transmit chain at @head.
 *
 * Return: 0 when the chain is done with (delivered or dropped); -EAGAIN to
 * leave it pending (backpressure); -EIO for a malformed transmit chain.
 */
static int mvnet_fwd_frame(struct mvnet_fwd *f, u16 head)
{
	struct mvnet_chain tc;
	const u8 *dst = f->peek + MVNET_HDR_LEN;
	int n, ret;

	/*
	 * The virtio-net header is skipped (no offloads were negotiated);
	 * the Ethernet header is needed for the filter.
	 */
	mvnet_chain_init(&tc, &f->tx, head);
	n = mvnet_chain_map(&tc, false);
	if (n >= (int)sizeof(f->peek)) {
		/* Mostly in the first buffer: a fixed-size copy. */
		memcpy(f->peek, tc.kaddr, sizeof(f->peek));
		mvnet_chain_advance(&tc, sizeof(f->peek));
		n = sizeof(f->peek);
	} else if (n > 0) {
		n = mvnet_chain_read(&tc, f->peek, sizeof(f->peek));
	}
	if (n < 0)
		return n;
	if (n < sizeof(f->peek) || !f->link)
		goto drop;

	ret = mvnet_fwd_rx_open(f);
	if (ret == -EAGAIN)
		return ret;
	if (ret)
		goto drop;

	if (!mvnet_rx_filter_match(f->peer, dst)) {
		f->rx.drops++;
		/* On the wire all the same. */
		f->tx.packets++;
		return 0;
	}

	n = mvnet_fwd_copy(f, &tc);
	switch (n) {
	case -EAGAIN:
	case -EIO:
		return n;
	case -ENOBUFS:
		f->rx.drops++;
		f->tx.packets++;
		return 0;
	case -EMSGSIZE:
	case -ENODEV:
		goto drop;
	}
	f->rx.packets++;
	f->rx.bytes += n;
	f->tx.packets++;
	f->tx.bytes += n;
	return 0;

drop:
	f->tx.drops++;
	return 0;
}

/* One pass of pair @pair of @dev towards @peer. Returns true to requeue. */
static bool mvnet_pair_pass(struct mvnet_dev *dev, u16 pair,
			    struct mvnet_dev *peer)
{
	struct mvnet_queue *txq = &dev->txq[pair];
	struct mvnet_fwd *f, fwd = {
		.dev = dev,
		.peer = peer,
		.pair = pair,
	};
	bool more = false;
	unsigned int n;
	u16 head;
	int ret;

	f = &fwd;
	mutex_lock(&txq->lock);
	if (mvnet_ring_open(&f->tx, dev, 2 * pair + 1, MVNET_RING_TX,
			    &txq->stats))
		goto out_unlock;
	vmdev_as_lock(&dev->vdev, &f->as);
	f->link = mvnet_fwd_link(dev, peer);

	if (mvnet_ring_notify_off(&f->tx)) {
		mvnet_ring_fail(&f->tx);
		goto out_close;
	}
	for (n = 0; n < MVNET_BUDGET; n++) {
		ret = mvnet_ring_pop(&f->tx, &head);
		if (ret == -ENOENT) {
			ret = mvnet_ring_notify_on(&f->tx);
			if (ret < 0)
				mvnet_ring_fail(&f->tx);
			more = ret > 0;
			break;
		}
		if (!ret)
			ret = mvnet_fwd_frame(f, head);
		if (ret == -EAGAIN) {
			f->tx.last_avail--;
			break;
		}
		if (!ret && mvnet_ring_push(&f->tx, head, 0))
			ret = -EIO;
		if (ret) {
			mvnet_ring_fail(&f->tx);
			break;
		}
		cond_resched();
	}
	if (n == MVNET_BUDGET)
		more = true;

out_close:
	mvnet_fwd_rx_close(f);
	mvnet_ring_close(&f->tx);
	vmdev_as_unlock(&f->as);
out_unlock:
	mutex_unlock(&txq->lock);
	return more;
}

static void mvnet_pair_work(struct work_struct *work)
{
	struct mvnet_pair *pair = container_of(work, struct mvnet_pair, work);
	struct mvnet_dev *dev = pair->dev;
	struct mvnet_dev *peer;
	bool more;
	int idx;

	idx = srcu_read_lock(&mvnet_peer_srcu);
	peer = srcu_dereference(dev->peer, &mvnet_peer_srcu) ?: dev;
	more = mvnet_pair_pass(dev, pair->index, peer);
	srcu_read_unlock(&mvnet_peer_srcu, idx);

	if (more)
		queue_work(mvnet_wq, work);
}

/**
 * mvnet_dp_kick_pairs - queue every pair work of @dev
 * @dev: the device
 *
 * For when whatever its transmit queues wait on may have changed. Any
 * context.
 */
void mvnet_dp_kick_pairs(struct mvnet_dev *dev)
{
	unsigned int i;

	for (i = 0; i < MVNET_MAX_VQ_PAIRS; i++)
		queue_work(mvnet_wq, &dev->pairs[i].work);
}

/* Queue the pair works that deliver into receive queue @rxpair of @dev. */
static void mvnet_dp_kick_rx(struct mvnet_dev *dev, u16 rxpair)
{
	u16 active = max_t(u16, READ_ONCE(dev->active_pairs), 1);
	struct mvnet_dev *peer;
	unsigned int i;
	int idx;

	idx = srcu_read_lock(&mvnet_peer_srcu);
	peer = srcu_dereference(dev->peer, &mvnet_peer_srcu) ?: dev;
	for (i = rxpair; i < MVNET_MAX_VQ_PAIRS; i += active)
		queue_work(mvnet_wq, &peer->pairs[i].work);
	srcu_read_unlock(&mvnet_peer_srcu, idx);
}

/**
 * mvnet_dp_kick - the driver notified queue @idx
 * @dev: the device
 * @idx: queue index, below the queue count
 *
 * Atomic context, possibly with interrupts off or under dev->lock (from one
 * of our callbacks): only queues work, but for the control queue of a
 * kernel driver (mvnet_ctrl_kick()).
 */
void mvnet_dp_kick(struct mvnet_dev *dev, u16 idx)
{
	u64 features = READ_ONCE(dev->features);

	if ((features & BIT_ULL(VIRTIO_NET_F_CTRL_VQ)) &&
	    idx == mvnet_ctrl_vq_index(dev, features))
		mvnet_ctrl_kick(dev);
	else if (idx & 1)
		queue_work(mvnet_wq, &dev->pairs[idx / 2].work);
	else if (idx / 2 < MVNET_MAX_VQ_PAIRS)
		mvnet_dp_kick_rx(dev, idx / 2);
}

/**
 * mvnet_dp_wake - let every queue of @dev and of its peer re-decide
 * @dev: the device
 *
 * After a change that may unblock or drop pending frames (status, queue
 * readiness, link, resume, reset, active pairs). Any context.
 */
void mvnet_dp_wake(struct mvnet_dev *dev)
{
	struct mvnet_dev *peer;
	int idx;

	queue_work(mvnet_wq, &dev->ctrl_work);
	mvnet_dp_kick_pairs(dev);

	idx = srcu_read_lock(&mvnet_peer_srcu);
	peer = srcu_dereference(dev->peer, &mvnet_peer_srcu);
	if (peer)
		mvnet_dp_kick_pairs(peer);
	srcu_read_unlock(&mvnet_peer_srcu, idx);
}

/**
 * mvnet_dp_quiesce_rx - wait for passes delivering into receive queues
 * @dev: the device
 * @first: the first receive queue pair to wait for
 *
 * Call after changing what lets a pass run; see mvnet_dp_quiesce().
 */
void mvnet_dp_quiesce_rx(struct mvnet_dev *dev, u16 first)
{
	unsigned int i;

	for (i = first; i < MVNET_MAX_VQ_PAIRS; i++) {
		mutex_lock(&dev->rxq[i].lock);
		mutex_unlock(&dev->rxq[i].lock);
	}
}

/**
 * mvnet_dp_quiesce - wait until no pass touches @dev's rings
 * @dev: the device
 * @cancel: also cancel its queued work (suspend, reset, destroy)
 *
 * The caller has already cleared, under dev->lock, what lets a pass start
 * (status, ready, suspended): a pass checks it under its queue's lock, so
 * once every queue lock has been taken and dropped, none is running and no
 * later one will touch the rings. Process context; takes the queue locks.
 */
void mvnet_dp_quiesce(struct mvnet_dev *dev, bool cancel)
{
	unsigned int i;

	if (cancel) {
		for (i = 0; i < MVNET_MAX_VQ_PAIRS; i++)
			cancel_work_sync(&dev->pairs[i].work);
		cancel_work_sync(&dev->ctrl_work);
	}
	for (i = 0; i < MVNET_MAX_VQ_PAIRS; i++) {
		mutex_lock(&dev->txq[i].lock);
		mutex_unlock(&dev->txq[i].lock);
	}
	mutex_lock(&dev->ctrlq.lock);
	mutex_unlock(&dev->ctrlq.lock);
	spin_lock_bh(&dev->ctrl_atomic_lock);
	spin_unlock_bh(&dev->ctrl_atomic_lock);
	mvnet_dp_quiesce_rx(dev, 0);
}

static void mvnet_queue_init(struct mvnet_queue *q)
{
	u64_stats_init(&q->stats.syncp);
}

/**
 * mvnet_dp_init - set up the datapath of a new device
 * @dev: the device
 *
 * The three kinds of queue lock are initialised at three places, so that
 * lockdep knows them as three classes with a fixed order.
 */
void mvnet_dp_init(struct mvnet_dev *dev)
{
	unsigned int i;

	for (i = 0; i < MVNET_MAX_VQ_PAIRS; i++) {
		mutex_init(&dev->txq[i].lock);
		mvnet_queue_init(&dev->txq[i]);
	}
	for (i = 0; i < MVNET_MAX_VQ_PAIRS; i++) {
		mutex_init(&dev->rxq[i].lock);
		mvnet_queue_init(&dev->rxq[i]);
	}
	mutex_init(&dev->ctrlq.lock);
	spin_lock_init(&dev->ctrl_atomic_lock);
	mvnet_queue_init(&dev->ctrlq);

	for (i = 0; i < MVNET_MAX_VQ_PAIRS; i++) {
		INIT_WORK(&dev->pairs[i].work, mvnet_pair_work);
		dev->pairs[i].dev = dev;
		dev->pairs[i].index = i;
	}
	INIT_WORK(&dev->ctrl_work, mvnet_ctrl_work);
}

/**
 * mvnet_dp_destroy - tear down the datapath of a device being destroyed
 * @dev: the device, reset, unlinked and no longer reachable by any peer
 *
 * Its own work may still be queued (or requeue itself): cancel it.
 */
void mvnet_dp_destroy(struct mvnet_dev *dev)
{
	unsigned int i;

	mvnet_dp_quiesce(dev, true);
	for (i = 0; i < MVNET_MAX_VQ_PAIRS; i++) {
		mutex_destroy(&dev->txq[i].lock);
		mutex_destroy(&dev->rxq[i].lock);
	}
	mutex_destroy(&dev->ctrlq.lock);
}

int mvnet_dp_init_module(void)
{
	mvnet_wq = alloc_workqueue("mvnet", WQ_UNBOUND, 0);
	return mvnet_wq ? 0 : -ENOMEM;
}

void mvnet_dp_exit_module(void)
{
	destroy_workqueue(mvnet_wq);
}
