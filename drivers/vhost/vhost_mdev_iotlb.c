// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_mdev: memory mapped with upstream vhost's IOTLB messages, for the
 * character device front end.
 *
 * An UPDATE pins the user pages of its range with long-term pins, a page
 * of page pointers at a time, charges them to the owner's locked memory as
 * VFIO does (RLIMIT_MEMLOCK, unless CAP_IPC_LOCK), and records the range
 * in a vhost_iotlb as runs of physically contiguous pages, so that a huge
 * page is one entry. INVALIDATE removes exactly its range, page-granular
 * (a run it cuts is split). A device reset without
 * VHOST_BACKEND_F_IOTLB_PERSIST, the owner going and close remove
 * everything. Removing unpins and uncharges.
 *
 * The device reaches the memory in one of two ways:
 *  - a software parent through the core's address space: the vmdev_as_ops
 *    below resolve an IOVA with the run that covers it;
 *  - a hardware parent through an IOMMU domain of ours, attached to its
 *    function's IOMMU group while the device is open, where every run is
 *    mapped as one mapping.
 * An IOVA that is not mapped (or not with the access asked for) gets an
 * error, never memory.
 *
 * A software parent's queue groups may each have an address space of their
 * own (VHOST_BACKEND_F_IOTLB_ASID): a tree per address space, and a lookup
 * goes to the tree of the address space the session gave the group of the
 * queue it is for. A hardware parent has one, mapped in its domain.
 *
 * Locking: every change happens under the session mutex (IOTLB messages,
 * resets, close), so there is one writer at a time and it may read the
 * tree without locks. The software datapath looks runs up under @lock, from
 * any context, and uses the memory it found until vmdev_as_unlock(), the
 * end of an SRCU read section (so does a hardware function's relay, which
 * copies ring entries through it). Removal therefore marks its runs dead
 * under @lock, waits for the SRCU readers, and only then unpins.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/pfn.h>
#include <linux/sched/mm.h>
#include <linux/vhost_mdev.h>

#include "vhost_mdev.h"

/* Pages pinned per pin_user_pages_fast() call: one page of pointers. */
#define VHOST_MDEV_IOTLB_PIN_BATCH	(PAGE_SIZE / sizeof(struct page *))

/* The opaque of a run being removed: lookups no longer find it. */
static char vhost_mdev_iotlb_dead_token;
#define VHOST_MDEV_IOTLB_DEAD		((void *)&vhost_mdev_iotlb_dead_token)

/* Runs are bounded by locked memory, not by a count. */
#define VHOST_MDEV_IOTLB_LIMIT		UINT_MAX

static u64 vhost_mdev_iotlb_npages(const struct vhost_iotlb_map *map)
{
	return map->size >> PAGE_SHIFT;
}

static struct page *vhost_mdev_iotlb_page(const struct vhost_iotlb_map *map)
{
	return pfn_to_page(PHYS_PFN(map->addr));
}

/* Software datapath: translation, from any context */

/*
 * The live run that covers @addr with access @perm: its first and last
 * IOVA and the physical address of its first. Dead runs (and, during a
 * split, the run being replaced) may overlap a live one: skip them.
 */
static bool vhost_mdev_iotlb_find(struct vhost_mdev_iotlb *t, u32 group,
				  u64 addr, u32 perm, u64 *start, u64 *last,
				  phys_addr_t *pa)
{
	struct vhost_iotlb_map *map;
	struct vhost_iotlb *tree;
	unsigned long flags;
	bool found = false;

	/* The core bounds the group; the session bounds what it maps to. */
	if (WARN_ON_ONCE(group >= VMDEV_MAX_VQ_GROUPS))
		return false;
	tree = &t->iotlb[READ_ONCE(t->vm->group_asid[group])];

	read_lock_irqsave(&t->lock, flags);
	for (map = vhost_iotlb_itree_first(tree, addr, addr); map;
	     map = vhost_iotlb_itree_next(map, addr, addr)) {
		if (map->opaque)
			continue;
		if ((map->perm & perm) == perm) {
			*start = map->start;
			*last = map->last;
			*pa = map->addr;
			found = true;
		}
		break;
	}
	read_unlock_irqrestore(&t->lock, flags);
	return found;
}

/* A run is physically contiguous, hence contiguous in the direct map. */
static void *vhost_mdev_iotlb_kaddr(phys_addr_t pa)
{
	return page_address(pfn_to_page(PHYS_PFN(pa))) + offset_in_page(pa);
}

static ssize_t vhost_mdev_iotlb_map(void *priv, u32 group, u64 addr,
				    size_t len, bool write, void **kaddr)
{
	struct vhost_mdev_iotlb *t = priv;
	u64 start, last;
	phys_addr_t pa;

	if (!len || !vhost_mdev_iotlb_find(t, group, addr,
					   write ? VHOST_MAP_WO : VHOST_MAP_RO,
					   &start, &last, &pa))
		return -EFAULT;
	*kaddr = vhost_mdev_iotlb_kaddr(pa + (addr - start));
	if (len - 1 > last - addr)
		len = last - addr + 1;
	return len;
}

/* The whole run: pinned since its UPDATE, so it costs nothing more. */
static ssize_t vhost_mdev_iotlb_extent(void *priv, u32 group, u64 addr,
				       bool write, u64 *start, void **kaddr)
{
	struct vhost_mdev_iotlb *t = priv;
	phys_addr_t pa;
	u64 last;

	if (!vhost_mdev_iotlb_find(t, group, addr,
				   write ? VHOST_MAP_WO : VHOST_MAP_RO,
				   start, &last, &pa))
		return -EFAULT;
	*kaddr = vhost_mdev_iotlb_kaddr(pa);
	/* A run is at most what one UPDATE pinned: far below SSIZE_MAX. */
	return last - *start + 1;
}

static int vhost_mdev_iotlb_rw(void *priv, u32 group, u64 addr, void *buf,
			       size_t len, bool write)
{
	struct vhost_mdev_iotlb *t = priv;
	int cookie, ret = 0;
	void *kaddr;
	ssize_t n;

	/* The caller may not be in a section: the copy needs one. */
	cookie = srcu_read_lock(&t->srcu);
	while (len) {
		n = vhost_mdev_iotlb_map(t, group, addr, len, write, &kaddr);
		if (n < 0) {
			ret = n;
			break;
		}
		if (write)
			memcpy(kaddr, buf, n);
		else
			memcpy(buf, kaddr, n);
		buf += n;
		len -= n;
		/* Past the top of the IOVA space: nothing is mapped there. */
		if (check_add_overflow(addr, (u64)n, &addr) && len) {
			ret = -EFAULT;
			break;
		}
	}
	srcu_read_unlock(&t->srcu, cookie);
	return ret;
}

static int vhost_mdev_iotlb_lock(void *priv)
	__acquires(&t->srcu)
{
	struct vhost_mdev_iotlb *t = priv;

	return srcu_read_lock(&t->srcu);
}

static void vhost_mdev_iotlb_unlock(void *priv, int cookie)
	__releases(&t->srcu)
{
	struct vhost_mdev_iotlb *t = priv;

	srcu_read_unlock(&t->srcu, cookie);
}

/* Dirty logging: the session's log, in device addresses. */
static int vhost_mdev_iotlb_log(void *priv, u64 addr, u64 len)
{
	struct vhost_mdev_iotlb *t = priv;

	return vhost_mdev_log_write(t->vm, addr, len);
}

/*
 * The log is in the addresses of address space 0, where clients put guest
 * memory; another one holds memory of the client's own (a shadowed
 * control queue), whose addresses would mark unrelated guest pages or run
 * past the log.
 */
static bool vhost_mdev_iotlb_log_group(void *priv, u32 group)
{
	struct vhost_mdev_iotlb *t = priv;

	return vhost_mdev_group_logged(t->vm, group);
}

/*
 * Nothing here sleeps or pins on demand (UPDATE pinned everything), but
 * the translator does not claim .atomic: that is for a kernel driver that
 * busy-waits for its device (vmdev_as_atomic()), and a device that
 * answers from atomic context cannot wait for its other passes (mvnet's
 * control queue then acks a queue-pair change before the receive queues
 * it turns off are idle). A userspace driver gains nothing from it.
 */
const struct vmdev_as_ops vhost_mdev_iotlb_as_ops = {
	.rw = vhost_mdev_iotlb_rw,
	.map = vhost_mdev_iotlb_map,
	.extent = vhost_mdev_iotlb_extent,
	.lock = vhost_mdev_iotlb_lock,
	.unlock = vhost_mdev_iotlb_unlock,
	.log = vhost_mdev_iotlb_log,
	.log_group = vhost_mdev_iotlb_log_group,
};

/* Locked memory: VFIO's accounting, on the mm of the pages' owner */

/* Charge @npages to the caller's mm. -ENOMEM past RLIMIT_MEMLOCK. */
static int vhost_mdev_iotlb_charge(struct vhost_mdev_iotlb *t,
				   unsigned long npages)
{
	int ret;

	/* One owner at a time, and the owner's mappings go with it. */
	if (WARN_ON_ONCE(t->mm && t->mm != current->mm))
		return -EPERM;
	ret = account_locked_vm(current->mm, npages, true);
	if (ret)
		return ret;
	if (!t->mm) {
		mmgrab(current->mm);
		t->mm = current->mm;
	}
	t->pinned += npages;
	return 0;
}

static void vhost_mdev_iotlb_uncharge(struct vhost_mdev_iotlb *t,
				      unsigned long npages)
{
	if (!npages)
		return;
	/* A dead mm's counter no longer matters (VFIO skips it too). */
	if (mmget_not_zero(t->mm)) {
		account_locked_vm(t->mm, npages, false);
		mmput(t->mm);
	}
	t->pinned -= npages;
	if (!t->pinned) {
		mmdrop(t->mm);
		t->mm = NULL;
	}
}

/* Runs */

static int vhost_mdev_iotlb_prot(struct vhost_mdev_iotlb *t, u32 perm)
{
	int prot = t->prot;

	if (perm & VHOST_MAP_RO)
		prot |= IOMMU_READ;
	if (perm & VHOST_MAP_WO)
		prot |= IOMMU_WRITE;
	return prot;
}

/* Record pinned pages [@pfn, @pfn + @npages) as IOVAs from @iova. */
static int vhost_mdev_iotlb_add_run(struct vhost_mdev_iotlb *t,
				    struct vhost_iotlb *tree, u64 iova,
				    unsigned long pfn, unsigned long npages,
				    u32 perm)
{
	u64 size = (u64)npages << PAGE_SHIFT;
	unsigned long flags;
	int ret;

	if (t->domain) {
		ret = iommu_map(t->domain, iova, PFN_PHYS(pfn), size,
				vhost_mdev_iotlb_prot(t, perm));
		if (ret)
			return ret;
	}
	write_lock_irqsave(&t->lock, flags);
	ret = vhost_iotlb_add_range(tree, iova, iova + size - 1,
				    PFN_PHYS(pfn), perm);
	write_unlock_irqrestore(&t->lock, flags);
	if (ret && t->domain)
		iommu_unmap(t->domain, iova, size);
	return ret;
}

/*
 * Pin @npages user pages from @uaddr and record them from @iova, merging
 * physically contiguous pages into one run. On error the pages of runs
 * not recorded are unpinned; recorded runs are left to the caller.
 */
static int vhost_mdev_iotlb_pin(struct vhost_mdev_iotlb *t,
				struct vhost_iotlb *tree, u64 iova,
				unsigned long npages, u64 uaddr, u32 perm)
{
	unsigned int gup = FOLL_LONGTERM | (perm & VHOST_MAP_WO ? FOLL_WRITE : 0);
	unsigned long run_pfn = 0, run_len = 0, pfn;
	struct page **pages;
	int i, n, ret = 0;

	pages = (struct page **)__get_free_page(GFP_KERNEL);
	if (!pages)
		return -ENOMEM;

	while (npages) {
		n = pin_user_pages_fast(uaddr, min_t(unsigned long, npages,
						     VHOST_MDEV_IOTLB_PIN_BATCH),
					gup, pages);
		if (n <= 0) {
			ret = n ?: -EFAULT;
			break;
		}
		for (i = 0; i < n; i++) {
			pfn = page_to_pfn(pages[i]);
			if (run_len && pfn == run_pfn + run_len) {
				run_len++;
				continue;
			}
			if (run_len) {
				ret = vhost_mdev_iotlb_add_run(t, tree, iova,
							       run_pfn, run_len,
							       perm);
				if (ret) {
					unpin_user_pages(pages + i, n - i);
					break;
				}
				iova += (u64)run_len << PAGE_SHIFT;
			}
			run_pfn = pfn;
			run_len = 1;
		}
		if (ret)
			break;
		uaddr += (u64)n << PAGE_SHIFT;
		npages -= n;
	}
	if (!ret && run_len)
		ret = vhost_mdev_iotlb_add_run(t, tree, iova, run_pfn, run_len,
					       perm);
	if (ret && run_len)
		unpin_user_page_range_dirty_lock(pfn_to_page(run_pfn), run_len,
						 false);
	free_page((unsigned long)pages);
	return ret;
}

/*
 * A hardware parent's IOMMU maps each run as one mapping, perhaps with
 * pages larger than a cut at @at would allow (unmapping part of it would
 * unmap more than asked): map the run as its two halves. Until they are,
 * DMA to the run faults, an error for a device using it (the uAPI
 * document says so). If the halves cannot be mapped, the run is mapped
 * whole again and the error returned.
 */
static int vhost_mdev_iotlb_split_iommu(struct vhost_mdev_iotlb *t,
					const struct vhost_iotlb_map *map,
					u64 at)
{
	u64 start = map->start, last = map->last, addr = map->addr;
	int prot = vhost_mdev_iotlb_prot(t, map->perm);
	u64 lsize = at - start;
	int ret;

	iommu_unmap(t->domain, start, last - start + 1);
	ret = iommu_map(t->domain, start, addr, lsize, prot);
	if (!ret) {
		ret = iommu_map(t->domain, at, addr + lsize, last - at + 1,
				prot);
		if (ret)
			iommu_unmap(t->domain, start, lsize);
	}
	if (ret && iommu_map(t->domain, start, addr, last - start + 1, prot))
		dev_warn_ratelimited(t->vdev->dev,
				     "IOVA %#llx-%#llx lost its IOMMU mapping: reset the device\n",
				     start, last);
	return ret;
}

/*
 * Make @at a run boundary: a run covering @at - 1 and @at becomes two, on
 * the same pages (the IOMMU's first, for a hardware parent: mapped as two
 * runs, it still maps the same pages if the tree cannot follow). Returns
 * 0, or -ENOMEM with the tree unchanged.
 */
static int vhost_mdev_iotlb_split(struct vhost_mdev_iotlb *t,
				  struct vhost_iotlb *tree, u64 at)
{
	struct vhost_iotlb_map *map, *left;
	u64 start, last, addr, lsize;
	unsigned long flags;
	u32 perm;
	int ret;

	map = vhost_iotlb_itree_first(tree, at, at);
	if (!map || map->start == at)
		return 0;
	if (t->domain) {
		ret = vhost_mdev_iotlb_split_iommu(t, map, at);
		if (ret)
			return ret;
	}
	start = map->start;
	last = map->last;
	addr = map->addr;
	perm = map->perm;
	lsize = at - start;

	write_lock_irqsave(&t->lock, flags);
	ret = vhost_iotlb_add_range(tree, start, at - 1, addr, perm);
	if (!ret) {
		ret = vhost_iotlb_add_range(tree, at, last, addr + lsize, perm);
		if (ret) {
			/* The left half we just added: the one ending at @at - 1. */
			for (left = vhost_iotlb_itree_first(tree, start, start);
			     left->last != at - 1;
			     left = vhost_iotlb_itree_next(left, start, start))
				;
			vhost_iotlb_map_free(tree, left);
		}
	}
	if (!ret)
		vhost_iotlb_map_free(tree, map);
	write_unlock_irqrestore(&t->lock, flags);
	return ret;
}

/*
 * Remove every run inside [@first, @last] (the caller made both ends run
 * boundaries): unmap, unpin, forget. Returns the number of pages unpinned,
 * for the caller to uncharge.
 */
static unsigned long vhost_mdev_iotlb_remove(struct vhost_mdev_iotlb *t,
					     struct vhost_iotlb *tree,
					     u64 first, u64 last)
{
	struct vhost_iotlb_map *map;
	unsigned long flags, npages = 0;

	/* Nothing to wait for (an address space nobody used). */
	if (!vhost_iotlb_itree_first(tree, first, last))
		return 0;

	/* Hide the runs from new lookups... */
	write_lock_irqsave(&t->lock, flags);
	for (map = vhost_iotlb_itree_first(tree, first, last); map;
	     map = vhost_iotlb_itree_next(map, first, last))
		map->opaque = VHOST_MDEV_IOTLB_DEAD;
	write_unlock_irqrestore(&t->lock, flags);

	/* ...wait for the device's DMA, and for the users of earlier ones... */
	if (t->domain)
		for (map = vhost_iotlb_itree_first(tree, first, last); map;
		     map = vhost_iotlb_itree_next(map, first, last))
			iommu_unmap(t->domain, map->start, map->size);
	/* (a function's relay copies through them as a software device does) */
	if (vhost_mdev_translated(t->vdev))
		synchronize_srcu(&t->srcu);

	/* ...and only then give the pages back. */
	for (map = vhost_iotlb_itree_first(tree, first, last); map;
	     map = vhost_iotlb_itree_next(map, first, last)) {
		unpin_user_page_range_dirty_lock(vhost_mdev_iotlb_page(map),
						 vhost_mdev_iotlb_npages(map),
						 map->perm & VHOST_MAP_WO);
		npages += vhost_mdev_iotlb_npages(map);
	}
	write_lock_irqsave(&t->lock, flags);
	vhost_iotlb_del_range(tree, first, last);
	write_unlock_irqrestore(&t->lock, flags);
	return npages;
}

static void vhost_mdev_iotlb_remove_all(struct vhost_mdev_iotlb *t)
{
	unsigned long npages;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t->iotlb); i++) {
		npages = vhost_mdev_iotlb_remove(t, &t->iotlb[i], 0, U64_MAX);
		vhost_mdev_iotlb_uncharge(t, npages);
	}
}

/* IOTLB messages */

/*
 * Whether [@first, @last] meets a reserved region of the function's IOMMU
 * group (the MSI window, firmware's direct mappings): the function's DMA
 * there does not reach memory, whatever we map. VFIO refuses those too.
 */
static bool vhost_mdev_iotlb_reserved(struct vhost_mdev_iotlb *t, u64 first,
				      u64 last)
{
	struct iommu_resv_region *r;

	list_for_each_entry(r, &t->resv, list) {
		if (r->type == IOMMU_RESV_DIRECT_RELAXABLE || !r->length)
			continue;
		if (first <= r->start + r->length - 1 && r->start <= last)
			return true;
	}
	return false;
}

/* The last byte of a range: not empty, not wrapping. */
static int vhost_mdev_iotlb_last(u64 iova, u64 size, u64 *last)
{
	if (!size || check_add_overflow(iova, size - 1, last))
		return -EINVAL;
	return 0;
}

/*
 * Devices map whole pages, so a range that starts or ends inside a page
 * maps all of the pages it touches, as upstream does (clients map guest
 * RAM blocks that need not be page-sized). The IOVA and the user address
 * must then sit at the same offset in their pages, which upstream assumes
 * without checking; and since the whole pages are what is mapped, they
 * must not overlap anything mapped already.
 */
static int vhost_mdev_iotlb_update(struct vhost_mdev_iotlb *t,
				   struct vhost_iotlb *tree,
				   const struct vhost_iotlb_msg *msg)
{
	u64 first, last, uaddr, ulast, pages;
	unsigned long npages;
	int ret;

	if (!msg->perm || msg->perm & ~VHOST_ACCESS_RW)
		return -EINVAL;
	ret = vhost_mdev_iotlb_last(msg->iova, msg->size, &last);
	if (ret)
		return ret;
	if (offset_in_page(msg->iova) != offset_in_page(msg->uaddr) ||
	    check_add_overflow(msg->uaddr, msg->size - 1, &ulast))
		return -EINVAL;
	/* u64 masks: PAGE_MASK is an unsigned long, 32 bits on 32-bit. */
	first = ALIGN_DOWN(msg->iova, PAGE_SIZE);
	last |= PAGE_SIZE - 1;
	uaddr = ALIGN_DOWN(msg->uaddr, PAGE_SIZE);
	if (first < t->range.first || last > t->range.last ||
	    vhost_mdev_iotlb_reserved(t, first, last))
		return -EINVAL;
	/* As upstream: an UPDATE never replaces what is mapped. */
	if (vhost_iotlb_itree_first(tree, first, last))
		return -EEXIST;

	/*
	 * Cannot wrap: up to 2^52 pages. More than the machine has is
	 * refused here, as the charge would but for CAP_IPC_LOCK.
	 */
	pages = ((last - first) >> PAGE_SHIFT) + 1;
	if (pages > totalram_pages())
		return -ENOMEM;
	npages = pages;
	ret = vhost_mdev_iotlb_charge(t, npages);
	if (ret)
		return ret;
	ret = vhost_mdev_iotlb_pin(t, tree, first, npages, uaddr, msg->perm);
	if (ret) {
		/* Charged as a whole; the runs already recorded go back. */
		vhost_mdev_iotlb_remove(t, tree, first, last);
		vhost_mdev_iotlb_uncharge(t, npages);
	}
	return ret;
}

/*
 * Every page the range touches goes: no byte the user asked to remove
 * stays mapped. Any alignment: DPDK invalidates (0, SIZE_MAX). As
 * upstream, an INVALIDATE is never refused for its range: an empty one
 * removes nothing, and one running past the end of the IOVA space removes
 * up to that end (upstream's wraps and removes nothing; nobody can mean
 * that).
 */
static int vhost_mdev_iotlb_invalidate(struct vhost_mdev_iotlb *t,
				       struct vhost_iotlb *tree,
				       const struct vhost_iotlb_msg *msg)
{
	u64 first, last;
	int ret;

	if (!msg->size)
		return 0;
	if (check_add_overflow(msg->iova, msg->size - 1, &last))
		last = U64_MAX;
	first = ALIGN_DOWN(msg->iova, PAGE_SIZE);
	last |= PAGE_SIZE - 1;
	/* Nothing mapped is fine: clients invalidate everything first. */
	if (!vhost_iotlb_itree_first(tree, first, last))
		return 0;
	ret = vhost_mdev_iotlb_split(t, tree, first);
	if (!ret && last != U64_MAX)
		ret = vhost_mdev_iotlb_split(t, tree, last + 1);
	if (ret)
		return ret;
	vhost_mdev_iotlb_uncharge(t, vhost_mdev_iotlb_remove(t, tree, first,
							     last));
	return 0;
}

static int vhost_mdev_iotlb_apply(void *priv, u32 asid,
				  const struct vhost_iotlb_msg *msg)
{
	struct vhost_mdev_iotlb *t = priv;
	struct vhost_iotlb *tree;

	lockdep_assert_held(&t->vm->mutex);

	/*
	 * The session checked it against its address spaces; a hardware
	 * parent has one, its IOMMU domain.
	 */
	if (WARN_ON_ONCE(asid >= ARRAY_SIZE(t->iotlb) || (t->domain && asid)))
		return -EINVAL;
	tree = &t->iotlb[asid];
	switch (msg->type) {
	case VHOST_IOTLB_UPDATE:
		return vhost_mdev_iotlb_update(t, tree, msg);
	case VHOST_IOTLB_INVALIDATE:
		return vhost_mdev_iotlb_invalidate(t, tree, msg);
	case VHOST_IOTLB_BATCH_BEGIN:
	case VHOST_IOTLB_BATCH_END:
		/*
		 * Messages take effect when written: a batch only brackets
		 * them (upstream hands a whole map at once to the devices
		 * that want it; ours do not). As upstream, the brackets need
		 * neither the feature nor to pair: a client that ends a
		 * batch defensively must not fail.
		 */
		return 0;
	}
	/* MISS and ACCESS_FAIL go from a device to userspace, never back. */
	return -EINVAL;
}

/* Session events */

/* The device was reset: it lost its mappings, unless told to keep them. */
static void vhost_mdev_iotlb_reset(void *priv)
{
	struct vhost_mdev_iotlb *t = priv;

	lockdep_assert_held(&t->vm->mutex);
	if (!(t->vm->backend_features & BIT_ULL(VHOST_BACKEND_F_IOTLB_PERSIST)))
		vhost_mdev_iotlb_remove_all(t);
}

/* The owner is gone: so are its mappings. */
static void vhost_mdev_iotlb_release(void *priv)
{
	struct vhost_mdev_iotlb *t = priv;

	lockdep_assert_held(&t->vm->mutex);
	vhost_mdev_iotlb_remove_all(t);
}

static void vhost_mdev_iotlb_iova_range(void *priv,
					struct vmdev_iova_range *range)
{
	struct vhost_mdev_iotlb *t = priv;

	*range = t->range;
}

/* Hardware parents: an IOMMU domain on the function */

/*
 * Take the function's IOMMU group for ourselves and attach our domain.
 *
 * Claiming DMA ownership first is what makes this exclusive. In 6.1,
 * iommu_attach_device() alone checks only that the group has one device
 * and that its current domain is the default or the blocking one: VFIO,
 * having claimed the group (blocking domain) but not yet attached its
 * container, would lose the group to us, and a driver using the DMA API
 * on the function would lose its mappings. With the claim, VFIO's own
 * claim fails (EPERM) while we hold the group, ours fails while VFIO (or
 * a driver doing DMA through the DMA API, which the vendor's
 * driver_managed_dma keeps out) holds it, and the release puts the
 * default domain back.
 */
static int vhost_mdev_iotlb_attach(struct vhost_mdev_iotlb *t)
{
	struct device *dma_dev = t->vdev->dma_dev;
	struct iommu_domain *domain;
	struct iommu_group *group;
	int ret;

	/* Without an IOMMU the function could reach any memory: refuse. */
	group = iommu_group_get(dma_dev);
	if (!group)
		return -ENODEV;
	domain = iommu_domain_alloc(dma_dev->bus);
	if (!domain) {
		ret = -ENOMEM;
		goto err_put;
	}
	/* Busy with VFIO (the device's group fd) or a DMA API driver. */
	if (iommu_group_claim_dma_owner(group, t)) {
		ret = -EBUSY;
		goto err_free;
	}
	ret = iommu_attach_group(domain, group);
	if (ret)
		goto err_release;
	ret = iommu_get_group_resv_regions(group, &t->resv);
	if (ret)
		goto err_detach;

	t->prot = device_iommu_capable(dma_dev, IOMMU_CAP_CACHE_COHERENCY) ?
		  IOMMU_CACHE : 0;
	if (domain->geometry.force_aperture) {
		t->range.first = max_t(u64, t->range.first,
				       domain->geometry.aperture_start);
		t->range.last = min_t(u64, t->range.last,
				      domain->geometry.aperture_end);
	}
	t->group = group;
	t->domain = domain;
	return 0;

err_detach:
	iommu_put_resv_regions(dma_dev, &t->resv);
	INIT_LIST_HEAD(&t->resv);
	iommu_detach_group(domain, group);
err_release:
	iommu_group_release_dma_owner(group);
err_free:
	iommu_domain_free(domain);
err_put:
	iommu_group_put(group);
	return ret;
}

static void vhost_mdev_iotlb_detach(struct vhost_mdev_iotlb *t)
{
	iommu_put_resv_regions(t->vdev->dma_dev, &t->resv);
	INIT_LIST_HEAD(&t->resv);
	iommu_detach_group(t->domain, t->group);
	iommu_group_release_dma_owner(t->group);
	iommu_domain_free(t->domain);
	iommu_group_put(t->group);
	t->domain = NULL;
	t->group = NULL;
}

/*
 * mem_ops->open: get the memory of a device ready for a user, the memory
 * empty. For a hardware parent, attaches an IOMMU domain of ours to the
 * function's group. Fixes the IOVA range the user may map: the device's,
 * within the domain's aperture. Returns 0; for a hardware parent -EBUSY
 * while the group is in use (VFIO), -ENODEV without an IOMMU, or -ENOMEM /
 * the IOMMU's attach error.
 */
static int vhost_mdev_iotlb_open(void *priv)
{
	struct vhost_mdev_iotlb *t = priv;

	struct vmdev_iova_range r;
	int ret;

	lockdep_assert_held(&t->vm->mutex);
	t->range = vmdev_get_iova_range(t->vdev);
	if (!t->vdev->dma_dev)
		return 0;
	ret = vhost_mdev_iotlb_attach(t);
	if (ret)
		return ret;
	/*
	 * Asked again with our domain attached: a relayed function keeps the
	 * top of its domain's space for the relay's rings (vmdev_relay.c).
	 */
	r = vmdev_get_iova_range(t->vdev);
	t->range.first = max(t->range.first, r.first);
	t->range.last = min(t->range.last, r.last);
	return 0;
}

/*
 * mem_ops->close: the user is gone and its mappings with it (the session
 * released them): give the function's IOMMU group back.
 */
static void vhost_mdev_iotlb_close(void *priv)
{
	struct vhost_mdev_iotlb *t = priv;
	unsigned int i;

	lockdep_assert_held(&t->vm->mutex);
	WARN_ON(t->pinned);
	for (i = 0; i < ARRAY_SIZE(t->iotlb); i++)
		WARN_ON(t->iotlb[i].nmaps);
	if (t->domain)
		vhost_mdev_iotlb_detach(t);
}

/* The character device's choice: see vhost_mdev_cdev_dirty_log. */
static bool vhost_mdev_iotlb_dirty_log(void *priv)
{
	return READ_ONCE(vhost_mdev_cdev_dirty_log);
}

const struct vhost_mdev_mem_ops vhost_mdev_iotlb_mem_ops = {
	.backend_features = BIT_ULL(VHOST_BACKEND_F_IOTLB_MSG_V2) |
			    BIT_ULL(VHOST_BACKEND_F_IOTLB_BATCH) |
			    BIT_ULL(VHOST_BACKEND_F_IOTLB_PERSIST) |
			    BIT_ULL(VHOST_BACKEND_F_IOTLB_ASID),
	.as_ops = &vhost_mdev_iotlb_as_ops,
	.open = vhost_mdev_iotlb_open,
	.close = vhost_mdev_iotlb_close,
	.reset = vhost_mdev_iotlb_reset,
	.release = vhost_mdev_iotlb_release,
	.iova_range = vhost_mdev_iotlb_iova_range,
	.iotlb_msg = vhost_mdev_iotlb_apply,
	.dirty_log = vhost_mdev_iotlb_dirty_log,
	.asid = true,
	.relay = true,
};

/**
 * vhost_mdev_iotlb_init - set up the memory of a device
 * @t: the memory
 * @vm: the device's session, whose mutex serialises every change
 *
 * Return: 0 or -ENOMEM.
 */
int vhost_mdev_iotlb_init(struct vhost_mdev_iotlb *t, struct vhost_mdev *vm)
{
	unsigned int i;
	int ret;

	ret = init_srcu_struct(&t->srcu);
	if (ret)
		return ret;
	t->vm = vm;
	t->vdev = vm->vdev;
	for (i = 0; i < ARRAY_SIZE(t->iotlb); i++)
		vhost_iotlb_init(&t->iotlb[i], VHOST_MDEV_IOTLB_LIMIT, 0);
	rwlock_init(&t->lock);
	INIT_LIST_HEAD(&t->resv);
	return 0;
}

/**
 * vhost_mdev_iotlb_destroy - release what vhost_mdev_iotlb_init() set up
 * @t: the memory, closed
 */
void vhost_mdev_iotlb_destroy(struct vhost_mdev_iotlb *t)
{
	cleanup_srcu_struct(&t->srcu);
}
