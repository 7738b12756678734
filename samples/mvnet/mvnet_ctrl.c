// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvnet: the control queue (virtio 1.x 5.1.6.5) and the receive filter.
 *
 * Commands: VIRTIO_NET_CTRL_RX PROMISC and ALLMULTI (CTRL_RX; the others
 * need CTRL_RX_EXTRA, which is not offered), VIRTIO_NET_CTRL_MAC TABLE_SET
 * (CTRL_RX; up to MVNET_MAC_TABLE_MAX addresses per table) and ADDR_SET
 * (CTRL_MAC_ADDR: the address the filter accepts, not the administrator's
 * attribute), VIRTIO_NET_CTRL_MQ VQ_PAIRS_SET (MQ). Anything else, and any
 * command whose length does not match, is answered VIRTIO_NET_ERR. A chain
 * that breaks the ring's rules (no room for the ack, readable data after
 * writable) is a malformed ring.
 *
 * A pass over the control queue holds &mvnet_dev.ctrlq.lock, and commands
 * take effect under dev->lock before their ack is published. Passes
 * normally run in their own work item, like the datapath's. But a kernel
 * driver (Debian 6.1's virtio_net) busy-waits for each answer, from
 * ndo_set_rx_mode with bottom halves off or under the RTNL without ever
 * yielding: on a single CPU a work item would never run, and the CPU
 * locks up. So when the consumer's translator never sleeps (a kernel
 * driver's physical addresses: vmdev_as_atomic()), the kick runs the pass
 * itself, and every pass of that device holds the spinlock
 * &mvnet_dev.ctrl_atomic_lock in place of the mutex. Such a driver never
 * issues a command from its queue callbacks (those are its interrupt
 * handlers), so the kick does not come under dev->lock.
 */
#include <linux/etherdevice.h>
#include <linux/string.h>
#include <asm/unaligned.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_net.h>

#include "mvnet.h"

#define MVNET_CTRL_BUDGET	64

/**
 * mvnet_ctrl_reset_locked - the control state of a reset device
 * @dev: the device, with dev->lock held
 *
 * One active queue pair; the filter passes everything, as a device whose
 * driver never sends a receive-mode command must (QEMU does the same), and
 * its own address is the one in the config space (read when a frame comes:
 * the administrator may change it while the device has no consumer).
 */
void mvnet_ctrl_reset_locked(struct mvnet_dev *dev)
{
	struct mvnet_rx_filter *f = &dev->filter;

	lockdep_assert_held(&dev->lock);

	WRITE_ONCE(dev->active_pairs, 1);
	write_seqcount_begin(&dev->filter_seq);
	f->promisc = true;
	f->allmulti = false;
	f->uc_count = 0;
	f->mc_count = 0;
	f->mac_set = false;
	write_seqcount_end(&dev->filter_seq);
}

static bool mvnet_mac_in(const u8 (*table)[ETH_ALEN], unsigned int count,
			 const u8 *addr)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		if (ether_addr_equal(table[i], addr))
			return true;
	return false;
}

/**
 * mvnet_rx_filter_match - whether @dev accepts a frame sent to @dst
 * @dev: the receiving device
 * @dst: the frame's destination address
 *
 * Takes no lock: reads the filter in a read section of dev->filter_seq,
 * and again when a change overlapped it. A change is made under dev->lock
 * before the control queue acks it, so a frame matched after the ack sees
 * the new filter, as when this took dev->lock. Process context (the pair
 * work): a writer holds dev->lock with bottom halves off, so no reader can
 * preempt it on its CPU and spin.
 *
 * Return: true to deliver the frame.
 */
bool mvnet_rx_filter_match(struct mvnet_dev *dev, const u8 *dst)
{
	const struct mvnet_rx_filter *f = &dev->filter;
	unsigned int seq;
	bool ok;

	do {
		seq = read_seqcount_begin(&dev->filter_seq);
		if (f->promisc || is_broadcast_ether_addr(dst))
			ok = true;
		else if (is_multicast_ether_addr(dst))
			ok = f->allmulti ||
			     mvnet_mac_in(f->mc, f->mc_count, dst);
		else
			ok = ether_addr_equal(dst, f->mac_set ? f->mac :
							dev->vdev.attrs.mac) ||
			     mvnet_mac_in(f->uc, f->uc_count, dst);
	} while (read_seqcount_retry(&dev->filter_seq, seq));
	return ok;
}

/**
 * mvnet_get_net_state - what the driver set through the control queue
 * @vdev: the device
 * @state: filled in
 *
 * Each command's effect is made under dev->lock, so this reads the state
 * between commands, never in the middle of one.
 *
 * Return: 0.
 */
int mvnet_get_net_state(struct vmdev_device *vdev,
			struct vmdev_net_state *state)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);
	const struct mvnet_rx_filter *f = &dev->filter;

	spin_lock_bh(&dev->lock);
	state->rx_mode = (f->promisc ? VMDEV_NET_PROMISC : 0) |
			 (f->allmulti ? VMDEV_NET_ALLMULTI : 0);
	state->mac_set = f->mac_set;
	if (f->mac_set)
		ether_addr_copy(state->mac, f->mac);
	state->vq_pairs = dev->active_pairs;
	state->uc_count = f->uc_count;
	memcpy(state->uc, f->uc, f->uc_count * ETH_ALEN);
	state->mc_count = f->mc_count;
	memcpy(state->mc, f->mc, f->mc_count * ETH_ALEN);
	spin_unlock_bh(&dev->lock);
	return 0;
}

/**
 * mvnet_set_net_state - restore what a driver set through the control queue
 * @vdev: the device, not running (the core checks, and @state against the
 *	features)
 * @state: the settings
 *
 * No pass runs before DRIVER_OK, but a peer's datapath may be matching a
 * frame against the filter meanwhile: written as a command writes it.
 *
 * Return: 0, or -EOPNOTSUPP for a receive mode this device does not filter
 * by (it offers neither CTRL_RX_EXTRA nor CTRL_VLAN, so the core refuses
 * those first).
 */
int mvnet_set_net_state(struct vmdev_device *vdev,
			const struct vmdev_net_state *state)
{
	struct mvnet_dev *dev = mvnet_from_vmdev(vdev);
	struct mvnet_rx_filter *f = &dev->filter;

	BUILD_BUG_ON(MVNET_MAC_TABLE_MAX != VMDEV_NET_MAC_TABLE);
	if ((state->rx_mode & ~(VMDEV_NET_PROMISC | VMDEV_NET_ALLMULTI)) ||
	    !bitmap_empty(state->vlans, VMDEV_NET_VLANS))
		return -EOPNOTSUPP;

	spin_lock_bh(&dev->lock);
	write_seqcount_begin(&dev->filter_seq);
	f->promisc = state->rx_mode & VMDEV_NET_PROMISC;
	f->allmulti = state->rx_mode & VMDEV_NET_ALLMULTI;
	f->mac_set = state->mac_set;
	if (state->mac_set)
		ether_addr_copy(f->mac, state->mac);
	f->uc_count = state->uc_count;
	memcpy(f->uc, state->uc, state->uc_count * ETH_ALEN);
	f->mc_count = state->mc_count;
	memcpy(f->mc, state->mc, state->mc_count * ETH_ALEN);
	write_seqcount_end(&dev->filter_seq);
	WRITE_ONCE(dev->active_pairs, state->vq_pairs);
	spin_unlock_bh(&dev->lock);
	return 0;
}

static u8 mvnet_ctrl_rx(struct mvnet_dev *dev, u8 cmd, const u8 *data,
			u32 len)
{
	if (len != 1)
		return VIRTIO_NET_ERR;

	spin_lock_bh(&dev->lock);
	write_seqcount_begin(&dev->filter_seq);
	switch (cmd) {
	case VIRTIO_NET_CTRL_RX_PROMISC:
		dev->filter.promisc = data[0];
		break;
	case VIRTIO_NET_CTRL_RX_ALLMULTI:
		dev->filter.allmulti = data[0];
		break;
	}
	write_seqcount_end(&dev->filter_seq);
	spin_unlock_bh(&dev->lock);
	return VIRTIO_NET_OK;
}

/*
 * VIRTIO_NET_CTRL_MAC_TABLE_SET: two struct virtio_net_ctrl_mac, unicast
 * then multicast, and nothing else.
 */
static u8 mvnet_ctrl_mac_table(struct mvnet_dev *dev, const u8 *data,
			       u32 len)
{
	struct mvnet_rx_filter *f = &dev->filter;
	const u8 *uc, *mc;
	u32 nuc, nmc;

	if (len < sizeof(__le32))
		return VIRTIO_NET_ERR;
	nuc = get_unaligned_le32(data);
	if (nuc > MVNET_MAC_TABLE_MAX)
		return VIRTIO_NET_ERR;
	uc = data + sizeof(__le32);
	data = uc + nuc * ETH_ALEN;
	len -= sizeof(__le32);
	if (len < nuc * ETH_ALEN + sizeof(__le32))
		return VIRTIO_NET_ERR;
	len -= nuc * ETH_ALEN + sizeof(__le32);
	nmc = get_unaligned_le32(data);
	mc = data + sizeof(__le32);
	if (nmc > MVNET_MAC_TABLE_MAX || len != nmc * ETH_ALEN)
		return VIRTIO_NET_ERR;

	spin_lock_bh(&dev->lock);
	write_seqcount_begin(&dev->filter_seq);
	memcpy(f->uc, uc, nuc * ETH_ALEN);
	f->uc_count = nuc;
	memcpy(f->mc, mc, nmc * ETH_ALEN);
	f->mc_count = nmc;
	write_seqcount_end(&dev->filter_seq);
	spin_unlock_bh(&dev->lock);
	return VIRTIO_NET_OK;
}

static u8 mvnet_ctrl_mac(struct mvnet_dev *dev, u64 features, u8 cmd,
			 const u8 *data, u32 len)
{
	switch (cmd) {
	case VIRTIO_NET_CTRL_MAC_TABLE_SET:
		/* The filter's tables are CTRL_RX's (virtio 1.x 5.1.6.5.2). */
		if (!(features & BIT_ULL(VIRTIO_NET_F_CTRL_RX)))
			return VIRTIO_NET_ERR;
		return mvnet_ctrl_mac_table(dev, data, len);
	case VIRTIO_NET_CTRL_MAC_ADDR_SET:
		if (!(features & BIT_ULL(VIRTIO_NET_F_CTRL_MAC_ADDR)) ||
		    len != ETH_ALEN)
			return VIRTIO_NET_ERR;
		spin_lock_bh(&dev->lock);
		write_seqcount_begin(&dev->filter_seq);
		ether_addr_copy(dev->filter.mac, data);
		dev->filter.mac_set = true;
		write_seqcount_end(&dev->filter_seq);
		spin_unlock_bh(&dev->lock);
		return VIRTIO_NET_OK;
	}
	return VIRTIO_NET_ERR;
}

/*
 * Once the ack is in the used ring, no frame may go to a receive queue
 * beyond the new count: wait for passes that may still be delivering there,
 * then let the peer's transmitters re-pick their receive queues. A pass
 * that cannot sleep (@atomic, see the top of the file) cannot wait: a pass
 * already delivering may then add its current batch to a queue beyond the
 * count after the ack, which a kernel driver still polls.
 */
static u8 mvnet_ctrl_mq(struct mvnet_dev *dev, u64 features, u8 cmd,
			const u8 *data, u32 len, bool atomic)
{
	u16 pairs;

	if (!(features & BIT_ULL(VIRTIO_NET_F_MQ)) ||
	    cmd != VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET || len != sizeof(__le16))
		return VIRTIO_NET_ERR;
	pairs = get_unaligned_le16(data);
	if (pairs < VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN ||
	    pairs > dev->vdev.attrs.max_vq_pairs)
		return VIRTIO_NET_ERR;

	spin_lock_bh(&dev->lock);
	WRITE_ONCE(dev->active_pairs, pairs);
	spin_unlock_bh(&dev->lock);
	if (!atomic)
		mvnet_dp_quiesce_rx(dev, pairs);
	mvnet_dp_wake(dev);
	return VIRTIO_NET_OK;
}

static u8 mvnet_ctrl_exec(struct mvnet_dev *dev, u64 features,
			  const u8 *buf, u32 len, bool atomic)
{
	const struct virtio_net_ctrl_hdr *hdr = (const void *)buf;
	const u8 *data = buf + sizeof(*hdr);

	if (len < sizeof(*hdr))
		return VIRTIO_NET_ERR;
	len -= sizeof(*hdr);

	switch (hdr->class) {
	case VIRTIO_NET_CTRL_RX:
		if (!(features & BIT_ULL(VIRTIO_NET_F_CTRL_RX)) ||
		    (hdr->cmd != VIRTIO_NET_CTRL_RX_PROMISC &&
		     hdr->cmd != VIRTIO_NET_CTRL_RX_ALLMULTI))
			return VIRTIO_NET_ERR;
		return mvnet_ctrl_rx(dev, hdr->cmd, data, len);
	case VIRTIO_NET_CTRL_MAC:
		return mvnet_ctrl_mac(dev, features, hdr->cmd, data, len);
	case VIRTIO_NET_CTRL_MQ:
		return mvnet_ctrl_mq(dev, features, hdr->cmd, data, len,
				     atomic);
	}
	return VIRTIO_NET_ERR;
}

/*
 * Run the command at @head and write its ack. Returns 0, or -EIO for a
 * malformed chain. The command is copied out of driver memory before it is
 * parsed, so the driver cannot change it under the checks.
 */
static int mvnet_ctrl_cmd(struct mvnet_ring *r, u16 head, bool atomic)
{
	u8 *buf = r->dev->ctrl_buf;
	struct mvnet_chain c;
	u8 ack;
	int n;

	BUILD_BUG_ON(MVNET_CTRL_MAX_LEN !=
		     sizeof(struct virtio_net_ctrl_hdr) +
		     2 * (sizeof(__le32) + MVNET_MAC_TABLE_MAX * ETH_ALEN));

	mvnet_chain_init(&c, r, head);
	n = mvnet_chain_read(&c, buf, MVNET_CTRL_MAX_LEN);
	if (n < 0)
		return n;
	switch (mvnet_chain_skip(&c, false)) {
	case 0:
		ack = mvnet_ctrl_exec(r->dev, r->features, buf, n, atomic);
		break;
	case 1:
		ack = VIRTIO_NET_ERR;	/* longer than any valid command */
		break;
	default:
		return -EIO;
	}

	n = mvnet_chain_write(&c, &ack, sizeof(ack));
	if (n != sizeof(ack))
		return -EIO;
	r->packets++;
	if (ack != VIRTIO_NET_OK)
		r->drops++;
	return mvnet_ring_push(r, head, sizeof(ack));
}

/* sparse tracks the spinlock only: the mutex branch says it took it too. */
static void mvnet_ctrl_lock(struct mvnet_dev *dev, bool atomic)
	__acquires(&dev->ctrl_atomic_lock)
{
	if (atomic) {
		spin_lock_bh(&dev->ctrl_atomic_lock);
	} else {
		mutex_lock(&dev->ctrlq.lock);
		__acquire(&dev->ctrl_atomic_lock);
	}
}

static void mvnet_ctrl_unlock(struct mvnet_dev *dev, bool atomic)
	__releases(&dev->ctrl_atomic_lock)
{
	if (atomic) {
		spin_unlock_bh(&dev->ctrl_atomic_lock);
	} else {
		__release(&dev->ctrl_atomic_lock);
		mutex_unlock(&dev->ctrlq.lock);
	}
}

/*
 * One pass over the control queue. Returns true to requeue. Never sleeps
 * when the translator does not (see the top of the file).
 */
static bool mvnet_ctrl_pass(struct mvnet_dev *dev)
{
	bool atomic = vmdev_as_atomic(&dev->vdev);
	struct mvnet_ring r;
	bool more = false;
	unsigned int n;
	u64 features;
	struct vmdev_as_section as;
	int ret;
	u16 head;

	spin_lock_bh(&dev->lock);
	features = dev->features;
	spin_unlock_bh(&dev->lock);
	if (!(features & BIT_ULL(VIRTIO_NET_F_CTRL_VQ)))
		return false;

	mvnet_ctrl_lock(dev, atomic);
	if (mvnet_ring_open(&r, dev, mvnet_ctrl_vq_index(dev, features),
			    MVNET_RING_CTRL, &dev->ctrlq.stats))
		goto out_unlock;
	/* Features cannot change while DRIVER_OK is set, nor the index. */
	if (r.features != features)
		goto out_unlock;
	vmdev_as_lock(&dev->vdev, &as);

	if (mvnet_ring_notify_off(&r)) {
		mvnet_ring_fail(&r);
		goto out_close;
	}
	for (n = 0; n < MVNET_CTRL_BUDGET; n++) {
		ret = mvnet_ring_pop(&r, &head);
		if (ret == -ENOENT) {
			ret = mvnet_ring_notify_on(&r);
			if (ret < 0)
				mvnet_ring_fail(&r);
			more = ret > 0;
			break;
		}
		if (!ret)
			ret = mvnet_ctrl_cmd(&r, head, atomic);
		if (ret) {
			mvnet_ring_fail(&r);
			break;
		}
	}
	if (n == MVNET_CTRL_BUDGET)
		more = true;

out_close:
	mvnet_ring_close(&r);
	vmdev_as_unlock(&as);
out_unlock:
	mvnet_ctrl_unlock(dev, atomic);
	return more;
}

/**
 * mvnet_ctrl_work - process the control queue
 * @work: &mvnet_dev.ctrl_work
 */
void mvnet_ctrl_work(struct work_struct *work)
{
	struct mvnet_dev *dev = container_of(work, struct mvnet_dev, ctrl_work);

	if (mvnet_ctrl_pass(dev))
		queue_work(mvnet_wq, work);
}

/**
 * mvnet_ctrl_kick - the driver notified the control queue
 * @dev: the device
 *
 * Same context as mvnet_dp_kick(). Answers at once when that is possible
 * without sleeping (see the top of the file), else queues the work.
 */
void mvnet_ctrl_kick(struct mvnet_dev *dev)
{
	if (vmdev_as_atomic(&dev->vdev) && !in_hardirq() && !irqs_disabled()) {
		if (!mvnet_ctrl_pass(dev))
			return;
	}
	queue_work(mvnet_wq, &dev->ctrl_work);
}
