// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_mdev: IOVA translation through VFIO, for software parents.
 *
 * A software device reaches the memory userspace mapped into the VFIO
 * container only through this translator (installed with vmdev_set_as()
 * while the device fd is open). Copies go through vfio_dma_rw(). Direct
 * pointers come from a translation cache: pages are pinned with
 * vfio_pin_pages() one at a time on a miss and kept, by IOVA page frame
 * number, in an xarray that the datapath reads without locks.
 *
 * Lifetime of a cached page: the datapath uses pointers only inside an SRCU
 * read section (vmdev_as_lock()); dropping a range marks its entries,
 * waits for the readers with synchronize_srcu(), and only then unpins. SRCU
 * rather than a rwsem because a device holds its own and its peer's
 * sections at once, and those must never block each other.
 *
 * When userspace unmaps memory the running device has been using (VFIO's
 * dma_unmap callback), the translator breaks: every later access fails
 * until the device is reset, so the device stops rather than touch memory
 * it no longer owns, and it reports VIRTIO_CONFIG_S_NEEDS_RESET.
 *
 * Locks: @unmap_lock, then @pin_lock, never the session mutex (dma_unmap
 * runs under VFIO's container locks, which the session's own path reaches
 * when it resets a device whose datapath is pinning). VFIO's locks nest
 * inside ours: type1 calls dma_unmap with its device_list_lock held, and
 * vfio_pin_pages()/vfio_unpin_pages() take its iommu->lock. Stock 6.1 also
 * takes device_list_lock under iommu->lock (vfio_notify_dma_unmap(),
 * device registration), which makes any driver that unpins from dma_unmap,
 * as VFIO requires, part of an AB-BA deadlock between two concurrent
 * unmaps of one container; it is VFIO's to fix (the debug lane's kernel
 * carries a fix, tools/testing/vm/debug-kernel-patches/, so that lockdep
 * keeps watching ours). The same stock order makes one more chain through
 * us, which that fix also breaks and which lockdep cannot see (it does not
 * follow synchronize_srcu()): an unmap holding device_list_lock waits in
 * vhost_mdev_iova_drop() for a reader whose pin waits for iommu->lock,
 * held by a second unmap that waits for device_list_lock.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/vfio.h>

#include "vhost_mdev.h"

/*
 * Cache entries are struct page pointers whose xa_pointer_tag() says what
 * they are. Only tagged pointers are stored (never value entries, which a
 * tag with bit 0 set would be mistaken for).
 */
#define VHOST_MDEV_IOVA_DYING		0UL	/* being unpinned */
#define VHOST_MDEV_IOVA_READ		1UL	/* pinned, device reads only */
#define VHOST_MDEV_IOVA_RW		3UL	/* pinned, device reads and writes */

static bool vhost_mdev_iova_broken(void *priv)
{
	struct vhost_mdev_iova *t = priv;

	return READ_ONCE(t->broken);
}

/* Pin the page at IOVA page @pfn and cache it. May sleep. */
static void *vhost_mdev_iova_pin(struct vhost_mdev_iova *t, unsigned long pfn,
				 bool write)
{
	unsigned long tag = VHOST_MDEV_IOVA_RW;
	struct page *page;
	void *entry;
	int ret;

	mutex_lock(&t->pin_lock);
	/* Someone may have pinned it, or started dropping it, meanwhile. */
	entry = xa_load(&t->pages, pfn);
	if (entry)
		goto out;
	entry = ERR_PTR(-EFAULT);
	if (READ_ONCE(t->broken))
		goto out;

	/*
	 * Ask for write access first even for a read, so one entry serves
	 * both; only a read-only mapping (a guest ROM) falls back.
	 */
	ret = vfio_pin_pages(t->vfio, (dma_addr_t)pfn << PAGE_SHIFT, 1,
			     IOMMU_READ | IOMMU_WRITE, &page);
	if (ret == -EPERM && !write) {
		tag = VHOST_MDEV_IOVA_READ;
		ret = vfio_pin_pages(t->vfio, (dma_addr_t)pfn << PAGE_SHIFT, 1,
				     IOMMU_READ, &page);
	}
	if (ret != 1)
		goto out;

	entry = xa_tag_pointer(page, tag);
	ret = xa_err(xa_store(&t->pages, pfn, entry, GFP_KERNEL));
	if (ret) {
		vfio_unpin_pages(t->vfio, (dma_addr_t)pfn << PAGE_SHIFT, 1);
		entry = ERR_PTR(ret);
	}
out:
	mutex_unlock(&t->pin_lock);
	return entry;
}

/* The cached page behind @entry, if it may be used as asked. */
static struct page *vhost_mdev_iova_page(void *entry, bool write)
{
	unsigned long tag;

	if (!entry || IS_ERR(entry))
		return NULL;
	tag = xa_pointer_tag(entry);
	if (tag == VHOST_MDEV_IOVA_DYING ||
	    (write && tag != VHOST_MDEV_IOVA_RW))
		return NULL;
	return xa_untag_pointer(entry);
}

/* The container is the one address space: every queue group is in it. */
static ssize_t vhost_mdev_iova_map(void *priv, u32 group, u64 addr,
				   size_t len, bool write, void **kaddr)
{
	struct vhost_mdev_iova *t = priv;
	unsigned long pfn = addr >> PAGE_SHIFT;
	size_t offset = offset_in_page(addr);
	struct page *page, *next;
	size_t mapped;
	void *entry;

	if (!len || READ_ONCE(t->broken))
		return -EFAULT;

	entry = xa_load(&t->pages, pfn);
	if (!entry)
		entry = vhost_mdev_iova_pin(t, pfn, write);
	if (IS_ERR(entry))
		return PTR_ERR(entry);
	page = vhost_mdev_iova_page(entry, write);
	if (!page)
		return -EFAULT;

	/*
	 * Extend over following pages already cached that are physically
	 * contiguous (hence contiguous in the direct map too); never pin
	 * ahead of what the device asks for.
	 */
	mapped = min_t(size_t, len, PAGE_SIZE - offset);
	next = page;
	while (mapped < len && pfn + 1) {
		struct page *cur = next;

		pfn++;
		next = vhost_mdev_iova_page(xa_load(&t->pages, pfn), write);
		if (!next || page_to_pfn(next) != page_to_pfn(cur) + 1)
			break;
		mapped += min_t(size_t, len - mapped, PAGE_SIZE);
	}

	*kaddr = page_address(page) + offset;
	return mapped;
}

/*
 * The page of @addr, which @map would pin for it. Looking further, over
 * the cached pages after it, would cost a lookup per page to save about
 * one per page, and a device opening a ring for one buffer would pay all
 * of it.
 */
static ssize_t vhost_mdev_iova_extent(void *priv, u32 group, u64 addr,
				      bool write, u64 *start, void **kaddr)
{
	*start = addr & PAGE_MASK;
	return vhost_mdev_iova_map(priv, group, *start, PAGE_SIZE, write,
				   kaddr);
}

static int vhost_mdev_iova_rw(void *priv, u32 group, u64 addr, void *buf,
			      size_t len, bool write)
{
	struct vhost_mdev_iova *t = priv;

	if (READ_ONCE(t->broken))
		return -EFAULT;
	if (!len)
		return 0;
	/* Unmapped, or not writable: all the device needs to know is no. */
	return vfio_dma_rw(t->vfio, addr, buf, len, write) ? -EFAULT : 0;
}

static int vhost_mdev_iova_lock(void *priv)
	__acquires(&t->srcu)
{
	struct vhost_mdev_iova *t = priv;

	return srcu_read_lock(&t->srcu);
}

static void vhost_mdev_iova_unlock(void *priv, int cookie)
	__releases(&t->srcu)
{
	struct vhost_mdev_iova *t = priv;

	srcu_read_unlock(&t->srcu, cookie);
}

/* Dirty logging: the session's log, in device addresses. */
static int vhost_mdev_iova_log(void *priv, u64 addr, u64 len)
{
	struct vhost_mdev_iova *t = priv;

	return vhost_mdev_log_write(t->vm, addr, len);
}

const struct vmdev_as_ops vhost_mdev_iova_as_ops = {
	.rw = vhost_mdev_iova_rw,
	.map = vhost_mdev_iova_map,
	.extent = vhost_mdev_iova_extent,
	.lock = vhost_mdev_iova_lock,
	.unlock = vhost_mdev_iova_unlock,
	.log = vhost_mdev_iova_log,
};

/*
 * Drop and unpin every cached page of IOVA pages [@first, @last]. Returns
 * whether there was any. Called with @unmap_lock held.
 */
static bool vhost_mdev_iova_drop(struct vhost_mdev_iova *t,
				 unsigned long first, unsigned long last)
{
	unsigned long pfn;
	bool found = false;
	void *entry;

	lockdep_assert_held(&t->unmap_lock);

	/* Hide the pages from new lookups (and from pinning them again)... */
	mutex_lock(&t->pin_lock);
	xa_for_each_range(&t->pages, pfn, entry, first, last) {
		if (xa_pointer_tag(entry) == VHOST_MDEV_IOVA_DYING)
			continue;
		/* Replacing an entry allocates nothing: it cannot fail. */
		xa_store(&t->pages, pfn,
			 xa_tag_pointer(xa_untag_pointer(entry),
					VHOST_MDEV_IOVA_DYING), GFP_KERNEL);
		found = true;
	}
	mutex_unlock(&t->pin_lock);
	if (!found)
		return false;

	/*
	 * ...wait for the readers that may still hold pointers into them
	 * (not under @pin_lock: a reader may be waiting for it to pin)...
	 */
	synchronize_srcu(&t->srcu);

	/* ...and only now give them back to VFIO. */
	mutex_lock(&t->pin_lock);
	xa_for_each_range(&t->pages, pfn, entry, first, last) {
		if (xa_pointer_tag(entry) != VHOST_MDEV_IOVA_DYING)
			continue;
		xa_erase(&t->pages, pfn);
		vfio_unpin_pages(t->vfio, (dma_addr_t)pfn << PAGE_SHIFT, 1);
	}
	mutex_unlock(&t->pin_lock);
	return true;
}

/**
 * vhost_mdev_iova_unmap - userspace unmaps a range from the container
 * @t: the translator
 * @iova: start of the range
 * @length: its length in bytes
 *
 * VFIO's dma_unmap callback: it calls it while the range has pinned pages
 * and again until none is left. Process context; may sleep.
 */
void vhost_mdev_iova_unmap(struct vhost_mdev_iova *t, u64 iova, u64 length)
{
	unsigned long first = iova >> PAGE_SHIFT;
	unsigned long last;
	bool broke = false;

	if (!length)
		return;
	last = (iova + length - 1) >> PAGE_SHIFT;

	mutex_lock(&t->unmap_lock);
	/*
	 * Break first, so the device cannot pin the range again while we
	 * drop it (VFIO gives up on a range that keeps being re-pinned).
	 */
	if (READ_ONCE(t->running) && xa_find(&t->pages, &first, last,
					     XA_PRESENT)) {
		broke = !READ_ONCE(t->broken);
		WRITE_ONCE(t->broken, true);
	}
	first = iova >> PAGE_SHIFT;
	vhost_mdev_iova_drop(t, first, last);
	mutex_unlock(&t->unmap_lock);

	if (broke) {
		dev_warn_ratelimited(t->vfio->dev,
				     "IOVA range %#llx+%#llx unmapped while in use: device needs reset\n",
				     iova, length);
		vhost_mdev_config_notify(t->vm);
	}
}

/* mem_ops->reset: the device was reset, nothing uses any translation. */
static void vhost_mdev_iova_reset(void *priv)
{
	struct vhost_mdev_iova *t = priv;

	mutex_lock(&t->unmap_lock);
	vhost_mdev_iova_drop(t, 0, ULONG_MAX);
	WRITE_ONCE(t->broken, false);
	mutex_unlock(&t->unmap_lock);
}

static void vhost_mdev_iova_set_running(void *priv, bool running)
{
	struct vhost_mdev_iova *t = priv;

	/* Ordered against dma_unmap's decision by @unmap_lock. */
	mutex_lock(&t->unmap_lock);
	WRITE_ONCE(t->running, running);
	mutex_unlock(&t->unmap_lock);
}

const struct vhost_mdev_mem_ops vhost_mdev_iova_mem_ops = {
	.as_ops = &vhost_mdev_iova_as_ops,
	.reset = vhost_mdev_iova_reset,
	.broken = vhost_mdev_iova_broken,
	.set_running = vhost_mdev_iova_set_running,
};

/**
 * vhost_mdev_iova_init - set up a translator
 * @t: the translator
 * @vfio: the VFIO device (open whenever the translator is in use)
 *
 * The caller sets @t->vm before the translator is used.
 *
 * Return: 0 or -ENOMEM.
 */
int vhost_mdev_iova_init(struct vhost_mdev_iova *t, struct vfio_device *vfio)
{
	int ret;

	ret = init_srcu_struct(&t->srcu);
	if (ret)
		return ret;
	t->vfio = vfio;
	xa_init(&t->pages);
	mutex_init(&t->pin_lock);
	mutex_init(&t->unmap_lock);
	return 0;
}

/**
 * vhost_mdev_iova_destroy - release a translator
 * @t: a translator with nothing cached (reset since last use)
 */
void vhost_mdev_iova_destroy(struct vhost_mdev_iova *t)
{
	unsigned long pfn = 0;

	/*
	 * Entries, not xa_empty(): a store that failed for memory may leave
	 * empty nodes behind, which xa_destroy() frees.
	 */
	WARN_ON(xa_find(&t->pages, &pfn, ULONG_MAX, XA_PRESENT));
	xa_destroy(&t->pages);
	mutex_destroy(&t->unmap_lock);
	mutex_destroy(&t->pin_lock);
	cleanup_srcu_struct(&t->srcu);
}
