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
 */

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/pfn.h>

#include "vmdev_internal.h"

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
 * @addr: device address
 * @buf: destination
 * @len: bytes to copy
 *
 * May sleep unless the consumer's translator says otherwise.
 *
 * Return: 0, or -EFAULT if any byte is not readable by the device.
 */
int vmdev_as_read(struct vmdev_device *vdev, u64 addr, void *buf, size_t len)
{
	const struct vmdev_as_ops *ops = vdev->as_ops;

	if (!ops)
		return -EFAULT;
	return ops->rw(vdev->as_priv, addr, buf, len, false);
}
EXPORT_SYMBOL_GPL(vmdev_as_read);

/**
 * vmdev_as_write - copy a kernel buffer into device memory
 * @vdev: the device
 * @addr: device address
 * @buf: source
 * @len: bytes to copy
 *
 * May sleep unless the consumer's translator says otherwise.
 *
 * Return: 0, or -EFAULT if any byte is not writable by the device.
 */
int vmdev_as_write(struct vmdev_device *vdev, u64 addr, const void *buf,
		   size_t len)
{
	const struct vmdev_as_ops *ops = vdev->as_ops;

	if (!ops)
		return -EFAULT;
	return ops->rw(vdev->as_priv, addr, (void *)buf, len, true);
}
EXPORT_SYMBOL_GPL(vmdev_as_write);

/**
 * vmdev_as_map - get a kernel pointer to device memory
 * @vdev: the device
 * @addr: device address
 * @len: bytes wanted
 * @write: whether the device will write through the pointer
 * @kaddr: the pointer, on success
 *
 * Translates the longest contiguous prefix of [@addr, @addr + @len).
 * Call between vmdev_as_lock() and vmdev_as_unlock(); the pointer is valid
 * until the unlock.
 *
 * Return: the length translated (at least 1), or -EFAULT.
 */
ssize_t vmdev_as_map(struct vmdev_device *vdev, u64 addr, size_t len,
		     bool write, void **kaddr)
{
	const struct vmdev_as_ops *ops = vdev->as_ops;

	if (!ops || !len)
		return -EFAULT;
	return ops->map(vdev->as_priv, addr, len, write, kaddr);
}
EXPORT_SYMBOL_GPL(vmdev_as_map);

/**
 * vmdev_as_map_window - vmdev_as_map(), through a translation kept for reuse
 * @vdev: the device
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
 * until then, no longer.
 *
 * Return: the length translated (at least 1), or -EFAULT.
 */
ssize_t vmdev_as_map_window(struct vmdev_device *vdev,
			    struct vmdev_as_window *win, u64 addr, size_t len,
			    bool write, void **kaddr)
{
	const struct vmdev_as_ops *ops = vdev->as_ops;
	void *start_kaddr;
	ssize_t n;
	u64 start;

	if (!ops || !len)
		return -EFAULT;
	if (!win->len || win->write != write || addr < win->addr ||
	    addr - win->addr >= win->len) {
		if (!ops->extent)
			return ops->map(vdev->as_priv, addr, len, write, kaddr);
		n = ops->extent(vdev->as_priv, addr, write, &start,
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
	return min_t(u64, len, win->len - (addr - win->addr));
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
{
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
{
	if (s->ops && s->ops->unlock)
		s->ops->unlock(s->priv, s->cookie);
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
static ssize_t vmdev_as_phys_map(void *priv, u64 addr, size_t len, bool write,
				 void **kaddr)
{
	u64 last;

	if (check_add_overflow(addr, (u64)len - 1, &last))
		return -EFAULT;
	if (!pfn_valid(PHYS_PFN(addr)) || !pfn_valid(PHYS_PFN(last)))
		return -EFAULT;
	*kaddr = phys_to_virt(addr);
	return len;
}

static int vmdev_as_phys_rw(void *priv, u64 addr, void *buf, size_t len,
			    bool write)
{
	void *kaddr;
	ssize_t ret;

	if (!len)
		return 0;
	ret = vmdev_as_phys_map(priv, addr, len, write, &kaddr);
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
