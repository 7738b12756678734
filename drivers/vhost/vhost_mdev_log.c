// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_mdev: dirty-page logging with vhost-net's contract, for software
 * parents.
 *
 * The log is the owner's bitmap at the address given with
 * VHOST_SET_LOG_BASE: bit (a / 4096) % 8 of byte (a / 4096) / 8 is set
 * when the device has written the page of device address (IOVA) a, with
 * an atomic OR, as vhost does; the used ring of a ring set up with
 * VHOST_VRING_F_LOG is also logged at its log_guest_addr. The core calls
 * vhost_mdev_log_write() for every write of the device (vmdev_as.c) while
 * VHOST_F_LOG_ALL is negotiated; the log eventfd (VHOST_SET_LOG_FD) is
 * signalled after each.
 *
 * The device writes from kworkers, not from the owner, so the bitmap is
 * reached through pinned pages: the page holding the base is pinned when
 * the base is set (which proves it writable memory of the owner), the
 * others the first time a bit in them is set, through the owner's mm.
 * The log's size is not known (vhost has none either), so a bit beyond
 * the owner's memory fails that write, as it does in vhost, and the
 * device stops with NEEDS_RESET. Every pinned page is charged to the
 * owner's locked memory (RLIMIT_MEMLOCK unless it has CAP_IPC_LOCK),
 * like the memory the front ends pin, and released when the base changes,
 * at a device reset (they are pinned again as needed), when the owner
 * goes and at close.
 *
 * Locking: @lock covers everything, the pinning included; it nests inside
 * the session mutex and inside the device's vmdev_as_lock() sections (the
 * datapath logs from them), so the session never waits for a section
 * while holding it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/vhost.h>

#include "vhost_mdev.h"

/* vhost's log granule, whatever the CPU's page size. */
#define VHOST_MDEV_LOG_SHIFT	12

/**
 * vhost_mdev_log_init - set up a session's log
 * @log: the log
 */
void vhost_mdev_log_init(struct vhost_mdev_log *log)
{
	mutex_init(&log->lock);
	xa_init(&log->pages);
}

/* Charge or uncharge @npages to the owner, from any process context. */
static int vhost_mdev_log_charge(struct vhost_mdev_log *log,
				 unsigned long npages, bool inc)
{
	int ret;

	mmap_write_lock(log->mm);
	ret = __account_locked_vm(log->mm, npages, inc, log->task,
				  log->lock_cap);
	mmap_write_unlock(log->mm);
	return ret;
}

/* Unpin and uncharge every page. Called with @lock held. */
static void vhost_mdev_log_unpin(struct vhost_mdev_log *log)
{
	unsigned long idx;
	struct page *page;

	lockdep_assert_held(&log->lock);
	/*
	 * Dirty: the bits went in through the kernel mapping, which the
	 * page tables do not see, and a shared log may be file backed.
	 */
	if (log->first) {
		unpin_user_pages_dirty_lock(&log->first, 1, true);
		log->first = NULL;
	}
	xa_for_each(&log->pages, idx, page)
		unpin_user_pages_dirty_lock(&page, 1, true);
	xa_destroy(&log->pages);
	/* A dead mm's counter no longer matters (VFIO skips it too). */
	if (log->pinned && mmget_not_zero(log->mm)) {
		vhost_mdev_log_charge(log, log->pinned, false);
		mmput(log->mm);
	}
	log->pinned = 0;
}

/* Forget the base. Called with @lock held. */
static void vhost_mdev_log_drop_base(struct vhost_mdev_log *log)
{
	lockdep_assert_held(&log->lock);
	vhost_mdev_log_unpin(log);
	if (log->mm) {
		mmdrop(log->mm);
		put_task_struct(log->task);
	}
	log->mm = NULL;
	log->task = NULL;
	log->has_base = false;
	log->base = 0;
}

/**
 * vhost_mdev_log_reset - release the log's pins
 * @log: the log
 *
 * The device was reset: it writes nothing until it is set up again, so the
 * pages of the bitmap need not stay pinned; the base stays set and its
 * pages are pinned again as the device logs. Process context.
 */
void vhost_mdev_log_reset(struct vhost_mdev_log *log)
{
	mutex_lock(&log->lock);
	vhost_mdev_log_unpin(log);
	mutex_unlock(&log->lock);
}

/**
 * vhost_mdev_log_release - forget the base and the eventfd
 * @log: the log
 *
 * The owner goes, or the session closes. Process context.
 */
void vhost_mdev_log_release(struct vhost_mdev_log *log)
{
	struct eventfd_ctx *ctx;

	mutex_lock(&log->lock);
	vhost_mdev_log_drop_base(log);
	ctx = log->ctx;
	log->ctx = NULL;
	mutex_unlock(&log->lock);
	if (ctx)
		eventfd_ctx_put(ctx);
}

/*
 * Pin the bitmap page holding user address @uaddr for the charge of the
 * owner, from any process context (the datapath's kworkers included).
 * Called with @lock held.
 */
static struct page *vhost_mdev_log_pin(struct vhost_mdev_log *log,
				       unsigned long uaddr)
{
	unsigned long idx = uaddr >> PAGE_SHIFT;
	struct page *page;
	long n;
	int ret;

	lockdep_assert_held(&log->lock);
	if (log->first && idx == log->base >> PAGE_SHIFT)
		return log->first;
	page = xa_load(&log->pages, idx);
	if (page)
		return page;

	/*
	 * The owner may be exiting: if ours is the last reference, the mm's
	 * teardown must not run here, in the device's pass, under @lock.
	 */
	if (!mmget_not_zero(log->mm))
		return ERR_PTR(-EFAULT);
	ret = vhost_mdev_log_charge(log, 1, true);
	if (ret) {
		mmput_async(log->mm);
		return ERR_PTR(ret);
	}
	mmap_read_lock(log->mm);
	n = pin_user_pages_remote(log->mm, uaddr & PAGE_MASK, 1,
				  FOLL_WRITE | FOLL_LONGTERM, &page, NULL,
				  NULL);
	mmap_read_unlock(log->mm);
	if (n == 1) {
		ret = xa_err(xa_store(&log->pages, idx, page, GFP_KERNEL));
		if (ret)
			unpin_user_page(page);
	} else {
		ret = -EFAULT;
	}
	if (ret) {
		vhost_mdev_log_charge(log, 1, false);
		mmput_async(log->mm);
		return ERR_PTR(ret);
	}
	mmput_async(log->mm);
	log->pinned++;
	return page;
}

/* Set the bits of log pages [@first, @last]. Called with @lock held. */
static int vhost_mdev_log_set(struct vhost_mdev_log *log, u64 first,
			      u64 last)
{
	struct page *page = NULL;
	unsigned long cur = 0;
	void *kaddr = NULL;
	u64 byte;
	u64 pg;

	for (pg = first; pg <= last; pg++) {
		if (check_add_overflow(log->base, pg / 8, &byte) ||
		    byte > ULONG_MAX) {
			page = ERR_PTR(-EFAULT);
			break;
		}
		if (!kaddr || (byte >> PAGE_SHIFT) != cur) {
			if (kaddr)
				kunmap_local(kaddr);
			kaddr = NULL;
			page = vhost_mdev_log_pin(log, byte);
			if (IS_ERR(page))
				break;
			cur = byte >> PAGE_SHIFT;
			kaddr = kmap_local_page(page);
		}
		/* The log is a u8 array: its bits in little-endian order. */
		set_bit_le((offset_in_page(byte) << 3) + pg % 8, kaddr);
	}
	if (kaddr)
		kunmap_local(kaddr);
	return IS_ERR(page) ? PTR_ERR(page) : 0;
}

/* Set the bits of device addresses [@addr, @addr + @len). */
static int vhost_mdev_log_range(struct vhost_mdev_log *log, u64 addr,
				u64 len)
{
	u64 last;

	if (!len)
		return 0;
	if (check_add_overflow(addr, len - 1, &last))
		return -EFAULT;
	return vhost_mdev_log_set(log, addr >> VHOST_MDEV_LOG_SHIFT,
				  last >> VHOST_MDEV_LOG_SHIFT);
}

/**
 * vhost_mdev_log_write - log a write of the device
 * @vm: the session
 * @addr: device address written
 * @len: bytes written
 *
 * The &vmdev_as_ops.log of the session's translators. Logs the pages at
 * their device addresses, and what falls in the used ring of a ring with
 * VHOST_VRING_F_LOG also at its log_guest_addr, then signals the log
 * eventfd. Nothing while VHOST_F_LOG_ALL is not negotiated (the core may
 * still pass pages it had pending). Process context; may sleep.
 *
 * Return: 0; -EFAULT when a bit lies outside the owner's memory or no base
 * is set (vhost would write at address 0); -ENOMEM past RLIMIT_MEMLOCK.
 */
int vhost_mdev_log_write(struct vhost_mdev *vm, u64 addr, u64 len)
{
	struct vhost_mdev_log *log = &vm->log;
	const struct vhost_mdev_vq *vq;
	u64 start, end;
	int ret = 0;
	u16 i;

	mutex_lock(&log->lock);
	if (!log->all)
		goto out;
	if (!log->has_base) {
		ret = -EFAULT;
		goto out;
	}
	ret = vhost_mdev_log_range(log, addr, len);
	/* The rings are there while the device runs: the session is open. */
	for (i = 0; !ret && i < vm->nvqs; i++) {
		vq = &vm->vqs[i];
		if (!vq->log_used || vq->log_addr == vq->used_addr)
			continue;
		start = max(addr, vq->used_addr);
		end = min(addr + len, vq->used_addr + vq->used_size);
		/* Not if its used ring is in another address space. */
		if (start < end &&
		    vhost_mdev_group_logged(vm, vmdev_get_vq_group(vm->vdev, i)))
			ret = vhost_mdev_log_range(log, vq->log_addr +
						   (start - vq->used_addr),
						   end - start);
	}
	if (!ret && log->ctx)
		eventfd_signal(log->ctx, 1);
out:
	mutex_unlock(&log->lock);
	return ret;
}

/**
 * vhost_mdev_log_set_base - VHOST_SET_LOG_BASE
 * @log: the log
 * @base: user address of the bitmap, in the caller (the owner)
 *
 * Pins the bitmap's first page now, so that a base that is not writable
 * memory of the caller is refused; any alignment, as in vhost. Replaces
 * the previous base and its pins. Process context.
 *
 * Return: 0; -EFAULT for an address that is not writable memory of the
 * caller; -ENOMEM past RLIMIT_MEMLOCK; nothing changed on error.
 */
int vhost_mdev_log_set_base(struct vhost_mdev_log *log, u64 base)
{
	bool lock_cap = capable(CAP_IPC_LOCK);
	struct page *page;
	int ret;

	/* One charge per page, like the front ends' pins. */
	if ((u64)(unsigned long)base != base ||
	    !access_ok(u64_to_user_ptr(base), 1))
		return -EFAULT;
	ret = account_locked_vm(current->mm, 1, true);
	if (ret)
		return ret;
	if (pin_user_pages_fast(base & PAGE_MASK, 1,
				FOLL_WRITE | FOLL_LONGTERM, &page) != 1) {
		account_locked_vm(current->mm, 1, false);
		return -EFAULT;
	}

	mutex_lock(&log->lock);
	vhost_mdev_log_drop_base(log);
	log->first = page;
	mmgrab(current->mm);
	log->mm = current->mm;
	get_task_struct(current->group_leader);
	log->task = current->group_leader;
	log->lock_cap = lock_cap;
	log->pinned = 1;
	log->base = base;
	log->has_base = true;
	mutex_unlock(&log->lock);
	return 0;
}

/**
 * vhost_mdev_log_set_fd - VHOST_SET_LOG_FD
 * @log: the log
 * @ctx: the eventfd to signal after logging, or NULL
 *
 * Takes over the reference to @ctx. Process context.
 */
void vhost_mdev_log_set_fd(struct vhost_mdev_log *log,
			   struct eventfd_ctx *ctx)
{
	struct eventfd_ctx *old;

	mutex_lock(&log->lock);
	old = log->ctx;
	log->ctx = ctx;
	mutex_unlock(&log->lock);
	if (old)
		eventfd_ctx_put(old);
}
