// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmdev core: address-space helpers for software devices.
 *
 * A software device never turns a ring or buffer address into a pointer on
 * its own: what an address means depends on the consumer (an IOVA in a VFIO
 * container for the vhost personality, a physical address for the virtio
 * personality), so the consumer installs a translator with vmdev_set_as()
 * and the device goes through the helpers here. With no translator
 * installed every access fails, which is what a device that was never set
 * up must see.
 *
 * Dirty logging (for a consumer whose translator has &vmdev_as_ops.log,
 * turned on with vmdev_as_set_logging()) is done here, so that every
 * software device logs without code of its own. A write through
 * vmdev_as_write() is logged once it is done. A range mapped for writing
 * is logged when it is mapped, so that its pages are marked before the
 * device can publish what it writes there (a used index written later in
 * the same section), and its pages are kept in a pending set to be logged
 * again once no section of the device is in progress: the writes through
 * the mapping are then done, and a reader that fetched and cleared the
 * bits between the mapping and the writes sees them set again. Sections
 * record into one of two sets; the last section to end switches sets and
 * logs the old one, so a section that starts meanwhile never has its
 * pages logged before its writes.
 *
 * Every access names the queue group it is for: a consumer may give each
 * group an address space of its own (&vmdev_config_ops.get_vq_group), and
 * the translator resolves the address in the group's. The dirty log
 * describes one address space, so the writes of a group the translator
 * says are outside it (&vmdev_as_ops.log_group) are not logged.
 */

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/pfn.h>

#include "vmdev_internal.h"

/* The log's granule: vhost's page, whatever the CPU's. */
#define VMDEV_AS_LOG_SHIFT	12

int vmdev_as_log_init(struct vmdev_device *vdev)
{
	struct vmdev_as_log *l = &vdev->as_log;

	spin_lock_init(&l->lock);
	xa_init(&l->pending[0]);
	xa_init(&l->pending[1]);
	return init_srcu_struct(&l->srcu);
}

void vmdev_as_log_destroy(struct vmdev_device *vdev)
{
	struct vmdev_as_log *l = &vdev->as_log;

	cleanup_srcu_struct(&l->srcu);
	xa_destroy(&l->pending[0]);
	xa_destroy(&l->pending[1]);
}

/**
 * vmdev_as_set_logging - turn dirty logging of a device's writes on or off
 * @vdev: the device
 * @on: whether the core calls the translator's &vmdev_as_ops.log
 *
 * For a consumer whose translator has &vmdev_as_ops.log. Waits for every
 * helper call and section that started before, so that when it returns
 * every later write of the device is logged (@on), or none is recorded
 * any more (!@on; pages already pending may still be passed to the
 * translator, which must ignore them if it has nowhere to log them).
 * Calls for one device must not overlap (the consumer serialises them).
 * Process context; may sleep.
 */
void vmdev_as_set_logging(struct vmdev_device *vdev, bool on)
{
	struct vmdev_as_log *l = &vdev->as_log;

	/*
	 * Sections count themselves (a shared lock) only while logging may
	 * be on: before @on is set, every section in progress must be one
	 * that counts, so that no pending page is flushed before the writes
	 * of a section that maps it; after it is cleared, the sections that
	 * count are waited for, and the last of them flushes what is left.
	 */
	if (on) {
		WRITE_ONCE(l->count, true);
		synchronize_srcu(&l->srcu);
		WRITE_ONCE(l->on, true);
		synchronize_srcu(&l->srcu);
	} else {
		WRITE_ONCE(l->on, false);
		synchronize_srcu(&l->srcu);
		WRITE_ONCE(l->count, false);
		synchronize_srcu(&l->srcu);
	}
}
EXPORT_SYMBOL_GPL(vmdev_as_set_logging);

static bool vmdev_as_logging(struct vmdev_device *vdev,
			     const struct vmdev_as_ops *ops, u32 group)
{
	return ops && ops->log && READ_ONCE(vdev->as_log.on) &&
	       (!ops->log_group || ops->log_group(vdev->as_priv, group));
}

/*
 * A range mapped for writing: log it now and keep its pages pending until
 * the device's sections are over. Called inside a section of @vdev, which
 * keeps &vmdev_as_log.cur stable.
 */
static int vmdev_as_log_map(struct vmdev_device *vdev,
			    const struct vmdev_as_ops *ops, u64 addr, u64 len)
{
	struct vmdev_as_log *l = &vdev->as_log;
	struct xarray *set = &l->pending[READ_ONCE(l->cur)];
	unsigned long pg = addr >> VMDEV_AS_LOG_SHIFT;
	unsigned long last = (addr + len - 1) >> VMDEV_AS_LOG_SHIFT;
	int ret;

	ret = ops->log(vdev->as_priv, addr, len);
	if (ret)
		return ret;
	for (; pg <= last; pg++) {
		if (xa_load(set, pg))
			continue;
		ret = xa_err(xa_store(set, pg, xa_mk_value(0), GFP_KERNEL));
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The device's last section ended: log the pending pages again, unless a
 * section started meanwhile (its end will) or another caller is at it (it
 * looks again when done).
 */
static void vmdev_as_log_flush(struct vmdev_device *vdev,
			       const struct vmdev_as_ops *ops, void *priv)
{
	struct vmdev_as_log *l = &vdev->as_log;
	unsigned long pg, flags;
	struct xarray *set;
	void *entry;

	for (;;) {
		spin_lock_irqsave(&l->lock, flags);
		if (l->active || l->flushing || xa_empty(&l->pending[l->cur])) {
			spin_unlock_irqrestore(&l->lock, flags);
			return;
		}
		set = &l->pending[l->cur];
		l->cur ^= 1;
		l->flushing = true;
		spin_unlock_irqrestore(&l->lock, flags);

		/* Marked once already: this cannot run out of log. */
		xa_for_each(set, pg, entry)
			ops->log(priv, (u64)pg << VMDEV_AS_LOG_SHIFT,
				 1 << VMDEV_AS_LOG_SHIFT);
		xa_destroy(set);

		spin_lock_irqsave(&l->lock, flags);
		l->flushing = false;
		spin_unlock_irqrestore(&l->lock, flags);
	}
}

/**
 * vmdev_set_as - install the translator for a device's addresses
 * @vdev: the device
 * @ops: the translator, or NULL to remove it
 * @priv: argument passed to @ops
 *
 * Only while the device is reset (no queue running), so no device access
 * can race with the change.
 */
void vmdev_set_as(struct vmdev_device *vdev, const struct vmdev_as_ops *ops,
		  void *priv)
{
	mutex_lock(&vdev->ops_lock);
	vdev->as_ops = ops;
	vdev->as_priv = priv;
	mutex_unlock(&vdev->ops_lock);
}
EXPORT_SYMBOL_GPL(vmdev_set_as);

/**
 * vmdev_as_read - copy from device memory into a kernel buffer
 * @vdev: the device
 * @group: the queue group the access is for (0 for a device with one)
 * @addr: device address
 * @buf: destination
 * @len: bytes to copy
 *
 * May sleep unless the consumer's translator says otherwise.
 *
 * Return: 0, or -EFAULT if any byte is not readable by the device.
 */
int vmdev_as_read(struct vmdev_device *vdev, u32 group, u64 addr, void *buf,
		  size_t len)
{
	const struct vmdev_as_ops *ops = vdev->as_ops;

	if (!ops)
		return -EFAULT;
	return ops->rw(vdev->as_priv, group, addr, buf, len, false);
}
EXPORT_SYMBOL_GPL(vmdev_as_read);

/**
 * vmdev_as_write - copy a kernel buffer into device memory
 * @vdev: the device
 * @group: the queue group the access is for (0 for a device with one)
 * @addr: device address
 * @buf: source
 * @len: bytes to copy
 *
 * May sleep unless the consumer's translator says otherwise. While dirty
 * logging is on, the range is logged once written.
 *
 * Return: 0, -EFAULT if any byte is not writable by the device, or the
 * error of logging it (the bytes are then written but not logged).
 */
int vmdev_as_write(struct vmdev_device *vdev, u32 group, u64 addr,
		   const void *buf, size_t len)
{
	const struct vmdev_as_ops *ops = vdev->as_ops;
	int idx, ret;

	if (!ops)
		return -EFAULT;
	idx = srcu_read_lock(&vdev->as_log.srcu);
	ret = ops->rw(vdev->as_priv, group, addr, (void *)buf, len, true);
	if (!ret && len && vmdev_as_logging(vdev, ops, group))
		ret = ops->log(vdev->as_priv, addr, len);
	srcu_read_unlock(&vdev->as_log.srcu, idx);
	return ret;
}
EXPORT_SYMBOL_GPL(vmdev_as_write);

/*
 * Whether the device's writes are being logged: for one that writes on
 * its own (vmdev_as_log_range()) and has work to do only then. Inside a
 * vmdev_as_lock() section, which vmdev_as_set_logging() waits for. Such a
 * device is a relayed function, whose queues are all in group 0
 * (vmdev_relay_can()).
 */
bool vmdev_as_log_active(struct vmdev_device *vdev)
{
	return vmdev_as_logging(vdev, READ_ONCE(vdev->as_ops), 0);
}

/*
 * Log [@addr, @addr + @len), which the device wrote on its own (a hardware
 * function behind the relay), while logging is on. Inside a vmdev_as_lock()
 * section. Returns 0 or the translator's error.
 */
int vmdev_as_log_range(struct vmdev_device *vdev, u64 addr, u64 len)
{
	const struct vmdev_as_ops *ops = vdev->as_ops;
	int idx, ret = 0;

	idx = srcu_read_lock(&vdev->as_log.srcu);
	if (len && vmdev_as_logging(vdev, ops, 0))
		ret = ops->log(vdev->as_priv, addr, len);
	srcu_read_unlock(&vdev->as_log.srcu, idx);
	return ret;
}

/**
 * vmdev_as_map - get a kernel pointer to device memory
 * @vdev: the device
 * @group: the queue group the access is for (0 for a device with one)
 * @addr: device address
 * @len: bytes wanted
 * @write: whether the device will write through the pointer
 * @kaddr: the pointer, on success
 *
 * Translates the longest contiguous prefix of [@addr, @addr + @len).
 * Call between vmdev_as_lock() and vmdev_as_unlock(); the pointer is valid
 * until the unlock. While dirty logging is on, a range mapped for writing
 * is logged now and again after the section (see the top of this file).
 *
 * Return: the length translated (at least 1), -EFAULT, or the error of
 * logging it.
 */
ssize_t vmdev_as_map(struct vmdev_device *vdev, u32 group, u64 addr,
		     size_t len, bool write, void **kaddr)
{
	const struct vmdev_as_ops *ops = vdev->as_ops;
	ssize_t n;
	int ret;

	if (!ops || !len)
		return -EFAULT;
	n = ops->map(vdev->as_priv, group, addr, len, write, kaddr);
	if (n > 0 && write && vmdev_as_logging(vdev, ops, group)) {
		ret = vmdev_as_log_map(vdev, ops, addr, n);
		if (ret)
			return ret;
	}
	return n;
}
EXPORT_SYMBOL_GPL(vmdev_as_map);

/**
 * vmdev_as_map_window - vmdev_as_map(), through a translation kept for reuse
 * @vdev: the device
 * @group: the queue group the access is for; a window serves one group
 * @win: the device's window, zeroed before its first use in a section
 * @addr: device address
 * @len: bytes wanted
 * @write: whether the device will write through the pointer
 * @kaddr: the pointer, on success
 *
 * A device that maps many buffers in one section (a pass over a ring whose
 * driver carves its buffers out of one mapping) asks the translator once
 * for the whole translation that holds a buffer, where the translator can
 * tell it (&vmdev_as_ops.extent), and finds the next buffers in it without
 * asking again. Otherwise, or for an address outside the window, it is
 * vmdev_as_map(). Call between vmdev_as_lock() and vmdev_as_unlock(), and
 * forget the window at the unlock: the pointer and the window are valid
 * until then, no longer. Logged as vmdev_as_map() is.
 *
 * Return: the length translated (at least 1), -EFAULT, or the error of
 * logging it.
 */
ssize_t vmdev_as_map_window(struct vmdev_device *vdev, u32 group,
			    struct vmdev_as_window *win, u64 addr, size_t len,
			    bool write, void **kaddr)
{
	const struct vmdev_as_ops *ops = vdev->as_ops;
	void *start_kaddr;
	ssize_t n;
	u64 start;
	int ret;

	if (!ops || !len)
		return -EFAULT;
	if (!win->len || win->write != write || addr < win->addr ||
	    addr - win->addr >= win->len) {
		if (!ops->extent)
			return vmdev_as_map(vdev, group, addr, len, write,
					    kaddr);
		n = ops->extent(vdev->as_priv, group, addr, write, &start,
				&start_kaddr);
		if (n < 0)
			return n;
		if (WARN_ON_ONCE(addr < start || addr - start >= n))
			return -EFAULT;
		win->addr = start;
		win->len = n;
		win->kaddr = start_kaddr;
		win->write = write;
	}
	*kaddr = win->kaddr + (addr - win->addr);
	n = min_t(u64, len, win->len - (addr - win->addr));
	/* Only what is handed out: the window may be all of the memory. */
	if (write && vmdev_as_logging(vdev, ops, group)) {
		ret = vmdev_as_log_map(vdev, ops, addr, n);
		if (ret)
			return ret;
	}
	return n;
}
EXPORT_SYMBOL_GPL(vmdev_as_map_window);

/**
 * vmdev_as_lock - keep translations of a device's addresses stable
 * @vdev: the device
 * @s: the section, filled in for vmdev_as_unlock()
 *
 * Pointers from vmdev_as_map() stay valid until vmdev_as_unlock(). Sections
 * may nest (a device may hold its own and its peer's) and may sleep, but
 * should be short: the consumer's unmapping waits for them. The section
 * remembers the translator it locked, so that the unlock ends the section
 * of that translator even if the consumer installed another meanwhile
 * (which it may do only while the device is reset, but a peer's datapath
 * may still be reaching the device).
 */
void vmdev_as_lock(struct vmdev_device *vdev, struct vmdev_as_section *s)
	__acquires(&vdev->as_log.srcu)
{
	struct vmdev_as_log *l = &vdev->as_log;
	unsigned long flags;

	s->vdev = vdev;
	s->log_idx = srcu_read_lock(&l->srcu);
	/*
	 * Only while logging may be on (vmdev_as_set_logging()): otherwise
	 * the sections of a multiqueue device would all meet on @l->lock.
	 * Any context: a device may answer a kernel driver from its kick.
	 */
	s->counted = READ_ONCE(l->count);
	if (s->counted) {
		spin_lock_irqsave(&l->lock, flags);
		l->active++;
		spin_unlock_irqrestore(&l->lock, flags);
	}
	s->ops = READ_ONCE(vdev->as_ops);
	s->priv = READ_ONCE(vdev->as_priv);
	s->cookie = 0;
	if (s->ops && s->ops->lock)
		s->cookie = s->ops->lock(s->priv);
}
EXPORT_SYMBOL_GPL(vmdev_as_lock);

/**
 * vmdev_as_unlock - end a vmdev_as_lock() section
 * @s: what vmdev_as_lock() filled in
 */
void vmdev_as_unlock(struct vmdev_as_section *s)
	__releases(&s->vdev->as_log.srcu)
{
	struct vmdev_as_log *l = &s->vdev->as_log;
	unsigned long flags;
	bool last = false;

	if (s->counted) {
		spin_lock_irqsave(&l->lock, flags);
		last = !--l->active;
		spin_unlock_irqrestore(&l->lock, flags);
	}
	/* Inside the translator's section: the pages are still there. */
	if (last && s->ops && s->ops->log)
		vmdev_as_log_flush(s->vdev, s->ops, s->priv);
	if (s->ops && s->ops->unlock)
		s->ops->unlock(s->priv, s->cookie);
	srcu_read_unlock(&l->srcu, s->log_idx);
}
EXPORT_SYMBOL_GPL(vmdev_as_unlock);

/**
 * vmdev_as_atomic - whether device memory is reachable from atomic context
 * @vdev: the device
 *
 * A device that must answer a driver which busy-waits for it (a kernel
 * driver's control queue) can do the work in kick_vq when this is true,
 * instead of deferring it to a thread that may never get the CPU. Stable
 * while the device runs: the translator changes only while it is reset.
 *
 * Return: true when the installed translator never sleeps.
 */
bool vmdev_as_atomic(struct vmdev_device *vdev)
{
	const struct vmdev_as_ops *ops = READ_ONCE(vdev->as_ops);

	return ops && ops->atomic;
}
EXPORT_SYMBOL_GPL(vmdev_as_atomic);

/*
 * Physical addresses, for a kernel driver that did not negotiate
 * ACCESS_PLATFORM: its buffers are in the direct map, which is contiguous,
 * so a range whose first and last pages are RAM is one kernel range.
 */
static ssize_t vmdev_as_phys_map(void *priv, u32 group, u64 addr, size_t len,
				 bool write, void **kaddr)
{
	u64 last;

	if (check_add_overflow(addr, (u64)len - 1, &last))
		return -EFAULT;
	if (!pfn_valid(PHYS_PFN(addr)) || !pfn_valid(PHYS_PFN(last)))
		return -EFAULT;
	*kaddr = phys_to_virt(addr);
	return len;
}

static int vmdev_as_phys_rw(void *priv, u32 group, u64 addr, void *buf,
			    size_t len, bool write)
{
	void *kaddr;
	ssize_t ret;

	if (!len)
		return 0;
	ret = vmdev_as_phys_map(priv, group, addr, len, write, &kaddr);
	if (ret < 0)
		return ret;
	if (write)
		memcpy(kaddr, buf, len);
	else
		memcpy(buf, kaddr, len);
	return 0;
}

const struct vmdev_as_ops vmdev_as_phys_ops = {
	.rw = vmdev_as_phys_rw,
	.map = vmdev_as_phys_map,
	.atomic = true,
};
EXPORT_SYMBOL_GPL(vmdev_as_phys_ops);
