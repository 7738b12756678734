// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_mdev: the vhost and vhost-vdpa ioctls, independent of the front end.
 *
 * One session (struct vhost_mdev) per device: its owner, backend features,
 * eventfd bindings and ring bookkeeping. The dispatcher only routes; each
 * ioctl has its own function, which copies and validates the user argument
 * first and changes state last, so a failed ioctl changes nothing. The
 * meaning and the errnos are upstream vhost-vdpa's (drivers/vhost/vdpa.c
 * and vhost.c of Linux 6.1) wherever it defines them.
 *
 * Eventfds are wired without any kernel thread: the kick eventfd's wait
 * queue entry rings the device from the wake-up itself, and the device's
 * callbacks signal the call, error and config eventfds directly.
 *
 * Dirty logging is vhost-net's (VHOST_F_LOG_ALL, VHOST_SET_LOG_BASE,
 * VHOST_SET_LOG_FD, VHOST_VRING_F_LOG), on both front ends, for software
 * parents, whose every write the core sees (vhost_mdev_log.c), and for
 * hardware functions behind the core's relay, which logs what they wrote
 * (vmdev_relay.c). It is not offered for a function on its own, whose DMA
 * nothing here sees.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/file.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/pfn.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vhost_mdev.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "vhost_mdev.h"

/* Device callbacks: hard IRQ, softirq or process context; never sleep. */

/* Signal *@ctxp under @vq's cb_lock: a swap waits for the signal to end. */
static void vhost_mdev_vq_signal(struct vhost_mdev_vq *vq,
				 struct eventfd_ctx **ctxp)
{
	unsigned long flags;

	spin_lock_irqsave(&vq->cb_lock, flags);
	if (*ctxp)
		eventfd_signal(*ctxp, 1);
	spin_unlock_irqrestore(&vq->cb_lock, flags);
}

static irqreturn_t vhost_mdev_vq_call_cb(void *private)
{
	struct vhost_mdev_vq *vq = private;

	vhost_mdev_vq_signal(vq, &vq->call_ctx);
	return IRQ_HANDLED;
}

static irqreturn_t vhost_mdev_vq_err_cb(void *private)
{
	struct vhost_mdev_vq *vq = private;

	vhost_mdev_vq_signal(vq, &vq->err_ctx);
	return IRQ_HANDLED;
}

/**
 * vhost_mdev_config_notify - signal the config eventfd, if one is bound
 * @vm: the session
 *
 * For the device's config-change callback, for the translator when it
 * takes memory away from a running device, and when the device goes away.
 * Any context.
 */
void vhost_mdev_config_notify(struct vhost_mdev *vm)
{
	unsigned long flags;

	spin_lock_irqsave(&vm->config_lock, flags);
	if (vm->config_ctx)
		eventfd_signal(vm->config_ctx, 1);
	spin_unlock_irqrestore(&vm->config_lock, flags);
}

static irqreturn_t vhost_mdev_config_cb(void *private)
{
	vhost_mdev_config_notify(private);
	return IRQ_HANDLED;
}

/*
 * Install the device callbacks of the eventfds bound to @vq. A device reset
 * removes them, but the bindings are session state that survives it, as
 * the kick binding does.
 */
static void vhost_mdev_install_vq_cbs(struct vhost_mdev *vm,
				      struct vhost_mdev_vq *vq)
{
	struct vmdev_callback call = {
		.callback = vhost_mdev_vq_call_cb,
		.private = vq,
	};
	struct vmdev_callback err = {
		.callback = vhost_mdev_vq_err_cb,
		.private = vq,
	};

	if (vq->call_ctx)
		WARN_ON(vmdev_set_vq_cb(vm->vdev, vq->idx, &call));
	/* A device that reports no queue errors simply never signals it. */
	if (vq->err_ctx)
		vmdev_set_vq_err_cb(vm->vdev, vq->idx, &err);
}

/*
 * The translator needs to know whether the device may be using memory right
 * now: only then does taking memory away break it. Turn it on before the
 * device starts and off after it stopped.
 */
static void vhost_mdev_update_running(struct vhost_mdev *vm)
{
	bool running = false;
	u16 i;

	if (!vm->mem_ops || !vm->mem_ops->set_running)
		return;
	if (vm->driver_ok)
		for (i = 0; i < vm->nvqs; i++)
			running |= vm->vqs[i].enabled;
	vm->mem_ops->set_running(vm->mem_priv, running);
}

static bool vhost_mdev_ring_packed(struct vhost_mdev *vm)
{
	return vmdev_get_driver_features(vm->vdev) &
	       BIT_ULL(VIRTIO_F_RING_PACKED);
}

/* A ring's state as VHOST_GET_VRING_BASE words it. */
static u32 vhost_mdev_vring_base(const struct vmdev_vq_state *state,
				 bool packed)
{
	if (!packed)
		return state->split.avail_index;
	return state->packed.last_avail_idx |
	       state->packed.last_avail_counter << 15 |
	       state->packed.last_used_idx << 16 |
	       (u32)state->packed.last_used_counter << 31;
}

/*
 * Note where each ring stands before a reset clears it: QEMU stops a device
 * by resetting it and then reads the rings' state to restore it later.
 * The device must hold still for the state to be final, so only a device
 * that can suspend has any to give (one that cannot keeps answering
 * GET_VRING_BASE as before: with its own state, or its error).
 */
static bool vhost_mdev_save_vq_states(struct vhost_mdev *vm)
{
	bool held = vmdev_can_suspend(vm->vdev) && !vmdev_suspend(vm->vdev);
	bool packed = vhost_mdev_ring_packed(vm);
	struct vmdev_vq_state state;
	u16 i;

	for (i = 0; i < vm->nvqs; i++) {
		struct vhost_mdev_vq *vq = &vm->vqs[i];

		memset(&state, 0, sizeof(state));
		vq->stopped = held;
		vq->stopped_err = 0;
		if (!held)
			continue;
		/*
		 * A state the device cannot give (a relayed function that used
		 * buffers out of order) is the answer too: after the reset the
		 * device would give a base of 0, which loses them.
		 */
		vq->stopped_err = vmdev_get_vq_state(vm->vdev, i, &state);
		vq->stopped_base = vhost_mdev_vring_base(&state, packed);
	}
	return held;
}

static bool vhost_mdev_can_log(struct vhost_mdev *vm)
{
	return vm->can_log;
}

/*
 * Turn logging of the device's writes on or off. Off: the core stops
 * first, so that no write of a pass in flight is still logged after; on:
 * the log takes them first. Called with @mutex held.
 */
static void vhost_mdev_set_log_all(struct vhost_mdev *vm, bool on)
{
	if (!vhost_mdev_can_log(vm) || vm->log.all == on)
		return;
	if (!on)
		vmdev_as_set_logging(vm->vdev, false);
	mutex_lock(&vm->log.lock);
	vm->log.all = on;
	mutex_unlock(&vm->log.lock);
	if (on)
		vmdev_as_set_logging(vm->vdev, true);
}

/*
 * Reset the device; the bindings stay, and so do the device's callbacks of
 * the bound eventfds, which a reset removes, even one that fails. Called
 * with @mutex held.
 */
static int vhost_mdev_reset_locked(struct vhost_mdev *vm)
{
	bool suspended;
	int ret;
	u16 i;

	lockdep_assert_held(&vm->mutex);

	suspended = vhost_mdev_save_vq_states(vm);
	ret = vmdev_reset(vm->vdev);
	if (ret) {
		/* Still running as before: nothing stopped, nothing to tell. */
		if (suspended && vmdev_can_resume(vm->vdev))
			vmdev_resume(vm->vdev);
		for (i = 0; i < vm->nvqs; i++)
			vm->vqs[i].stopped = false;
	} else {
		/* The device no longer touches memory: translations can go. */
		vm->driver_ok = false;
		for (i = 0; i < vm->nvqs; i++) {
			vm->vqs[i].enabled = false;
			vm->vqs[i].addr_set = false;
		}
		vhost_mdev_update_running(vm);
		/* As upstream's simulator: every group back in address space 0. */
		for (i = 0; i < ARRAY_SIZE(vm->group_asid); i++)
			WRITE_ONCE(vm->group_asid[i], 0);
		if (vm->mem_ops)
			vm->mem_ops->reset(vm->mem_priv);
		/* The reset cleared the features, LOG_ALL with them. */
		vhost_mdev_set_log_all(vm, false);
		vhost_mdev_log_reset(&vm->log);
	}

	for (i = 0; i < vm->nvqs; i++)
		vhost_mdev_install_vq_cbs(vm, &vm->vqs[i]);
	return ret;
}

/**
 * vhost_mdev_device_reset - reset the device, as SET_STATUS 0 does
 * @vm: the session
 *
 * For a front end's own reset request (VFIO_DEVICE_RESET). When it returns
 * the device raises no callback and touches no memory, and every
 * translation is gone. May sleep.
 *
 * Return: 0, -ENODEV if the device is going away, or the device's error.
 */
int vhost_mdev_device_reset(struct vhost_mdev *vm)
{
	int ret;

	mutex_lock(&vm->mutex);
	ret = vm->dead ? -ENODEV : vhost_mdev_reset_locked(vm);
	mutex_unlock(&vm->mutex);
	return ret;
}

/* Kick path: the eventfd wake-up, with the eventfd's wait-queue lock held. */
static int vhost_mdev_kick_wakeup(wait_queue_entry_t *wait, unsigned int mode,
				  int sync, void *key)
{
	struct vhost_mdev_vq *vq = container_of(wait, struct vhost_mdev_vq,
						kick_wait);
	u64 cnt;

	if (key_to_poll(key) & EPOLLIN) {
		/* Keep the counter from growing; a kick carries no payload. */
		eventfd_ctx_do_read(vq->kick_ctx, &cnt);
		vmdev_kick_vq(vq->vm->vdev, vq->idx);
	}
	return 0;
}

static void vhost_mdev_kick_ptable(struct file *file, wait_queue_head_t *wqh,
				   poll_table *pt)
{
	struct vhost_mdev_vq *vq = container_of(pt, struct vhost_mdev_vq,
						kick_pt);
	unsigned long flags;
	u64 cnt;

	add_wait_queue(wqh, &vq->kick_wait);

	/*
	 * A kick written before we were listening would otherwise be lost:
	 * consume it and ring once, as VFIO's virqfd does for its eventfd.
	 */
	spin_lock_irqsave(&wqh->lock, flags);
	eventfd_ctx_do_read(vq->kick_ctx, &cnt);
	spin_unlock_irqrestore(&wqh->lock, flags);
	if (cnt)
		vmdev_kick_vq(vq->vm->vdev, vq->idx);
}

static void vhost_mdev_kick_bind(struct vhost_mdev_vq *vq, struct file *file,
				 struct eventfd_ctx *ctx)
{
	vq->kick_file = file;
	vq->kick_ctx = ctx;
	init_waitqueue_func_entry(&vq->kick_wait, vhost_mdev_kick_wakeup);
	init_poll_funcptr(&vq->kick_pt, vhost_mdev_kick_ptable);
	vfs_poll(file, &vq->kick_pt);
}

static void vhost_mdev_kick_unbind(struct vhost_mdev_vq *vq)
{
	u64 cnt;

	if (!vq->kick_file)
		return;
	/*
	 * Removal takes the wait-queue lock the wake-up runs under, so once
	 * it returns our wake-up is not running and will not run again.
	 */
	eventfd_ctx_remove_wait_queue(vq->kick_ctx, &vq->kick_wait, &cnt);
	eventfd_ctx_put(vq->kick_ctx);
	fput(vq->kick_file);
	vq->kick_ctx = NULL;
	vq->kick_file = NULL;
}

/*
 * Replace the eventfd *@ctxp of @vq (its call or error eventfd) by @ctx,
 * which may be NULL, and return the old one, which no callback uses any
 * more. The device's callback stays installed across a swap from one
 * eventfd to another, so that a running ring never loses a notification
 * (QEMU swaps call eventfds whenever its guest masks or unmasks a vector);
 * it is installed with the first eventfd and removed with the last.
 * @set_cb installs (or, given NULL, removes) the callback; its error is
 * the device's "I report no such events", which leaves the eventfd bound
 * but silent.
 */
static struct eventfd_ctx *
vhost_mdev_swap_vq_ctx(struct vhost_mdev *vm, struct vhost_mdev_vq *vq,
		       struct eventfd_ctx **ctxp, struct eventfd_ctx *ctx,
		       irqreturn_t (*fn)(void *private),
		       int (*set_cb)(struct vmdev_device *vdev, u16 idx,
				     const struct vmdev_callback *cb))
{
	struct vmdev_callback cb = { .callback = fn, .private = vq };
	struct eventfd_ctx *old;
	unsigned long flags;

	lockdep_assert_held(&vm->mutex);

	/* With none bound there is no callback yet: bind, then install. */
	spin_lock_irqsave(&vq->cb_lock, flags);
	old = *ctxp;
	*ctxp = ctx;
	spin_unlock_irqrestore(&vq->cb_lock, flags);

	if (!old && ctx)
		set_cb(vm->vdev, vq->idx, &cb);
	else if (old && !ctx)
		set_cb(vm->vdev, vq->idx, NULL);
	return old;
}

static struct eventfd_ctx *vhost_mdev_swap_call(struct vhost_mdev *vm,
						struct vhost_mdev_vq *vq,
						struct eventfd_ctx *ctx)
{
	return vhost_mdev_swap_vq_ctx(vm, vq, &vq->call_ctx, ctx,
				      vhost_mdev_vq_call_cb, vmdev_set_vq_cb);
}

static struct eventfd_ctx *vhost_mdev_swap_err(struct vhost_mdev *vm,
					       struct vhost_mdev_vq *vq,
					       struct eventfd_ctx *ctx)
{
	return vhost_mdev_swap_vq_ctx(vm, vq, &vq->err_ctx, ctx,
				      vhost_mdev_vq_err_cb,
				      vmdev_set_vq_err_cb);
}

static struct eventfd_ctx *vhost_mdev_swap_config(struct vhost_mdev *vm,
						  struct eventfd_ctx *ctx)
{
	unsigned long flags;

	spin_lock_irqsave(&vm->config_lock, flags);
	swap(vm->config_ctx, ctx);
	spin_unlock_irqrestore(&vm->config_lock, flags);
	return ctx;
}

static void vhost_mdev_put_ctx(struct eventfd_ctx *ctx)
{
	if (ctx)
		eventfd_ctx_put(ctx);
}

/* Drop every eventfd binding. Called with @mutex held. */
static void vhost_mdev_unbind_all(struct vhost_mdev *vm)
{
	u16 i;

	for (i = 0; i < vm->nvqs; i++) {
		struct vhost_mdev_vq *vq = &vm->vqs[i];

		vhost_mdev_kick_unbind(vq);
		vhost_mdev_put_ctx(vhost_mdev_swap_call(vm, vq, NULL));
		vhost_mdev_put_ctx(vhost_mdev_swap_err(vm, vq, NULL));
	}
	vhost_mdev_put_ctx(vhost_mdev_swap_config(vm, NULL));
}

/* eventfd from a user fd, or NULL for VHOST_FILE_UNBIND. */
static struct eventfd_ctx *vhost_mdev_ctx_fdget(int fd)
{
	return fd == VHOST_FILE_UNBIND ? NULL : eventfd_ctx_fdget(fd);
}

/*
 * The owner goes: whatever memory it mapped through the front end goes with
 * it, so that the next owner cannot reach it. Called with @mutex held, the
 * device reset.
 */
static void vhost_mdev_drop_owner(struct vhost_mdev *vm)
{
	vhost_mdev_log_release(&vm->log);
	if (vm->mem_ops && vm->mem_ops->release)
		vm->mem_ops->release(vm->mem_priv);
	if (vm->owner) {
		mmdrop(vm->owner);
		vm->owner = NULL;
	}
}

/* VHOST_SET_OWNER: the calling process becomes the owner. */
static long vhost_mdev_set_owner(struct vhost_mdev *vm)
{
	if (vm->owner)
		return -EBUSY;
	mmgrab(current->mm);
	vm->owner = current->mm;
	return 0;
}

/* VHOST_RESET_OWNER: back to the state right after open. */
static long vhost_mdev_reset_owner(struct vhost_mdev *vm)
{
	int ret;

	ret = vhost_mdev_reset_locked(vm);
	if (ret)
		return ret;
	vhost_mdev_unbind_all(vm);
	vm->backend_features = 0;
	vhost_mdev_drop_owner(vm);
	return 0;
}

static long vhost_mdev_get_features(struct vhost_mdev *vm, u64 __user *argp)
{
	u64 features = vmdev_get_device_features(vm->vdev);

	if (vhost_mdev_can_log(vm))
		features |= BIT_ULL(VHOST_F_LOG_ALL);
	return copy_to_user(argp, &features, sizeof(features)) ? -EFAULT : 0;
}

/*
 * VHOST_F_LOG_ALL is ours, not the device's: it is taken out before the
 * device sees the features. After FEATURES_OK it is the one bit that may
 * still change, as vhost-net allows (QEMU turns logging on and off on a
 * running device by setting the same features with and without it);
 * anything else, the same features again included, stays -EBUSY.
 */
static long vhost_mdev_set_features(struct vhost_mdev *vm, u64 __user *argp)
{
	u64 features, dev_features;
	bool log;
	int ret;

	if (copy_from_user(&features, argp, sizeof(features)))
		return -EFAULT;
	log = features & BIT_ULL(VHOST_F_LOG_ALL);
	if (log && !vhost_mdev_can_log(vm))
		return -EINVAL;
	dev_features = features & ~BIT_ULL(VHOST_F_LOG_ALL);
	/* -EBUSY after FEATURES_OK, -EINVAL for bits not offered. */
	ret = vmdev_set_driver_features(vm->vdev, dev_features);
	if (ret == -EBUSY && log != vm->log.all &&
	    dev_features == vmdev_get_driver_features(vm->vdev))
		ret = 0;
	if (!ret)
		vhost_mdev_set_log_all(vm, log);
	return ret;
}

static u64 vhost_mdev_backend_features(struct vhost_mdev *vm)
{
	u64 features = vm->extra_backend_features;

	if (vmdev_can_suspend(vm->vdev))
		features |= BIT_ULL(VHOST_BACKEND_F_SUSPEND);
	if (vmdev_can_resume(vm->vdev))
		features |= BIT_ULL(VHOST_BACKEND_F_RESUME);
	return features;
}

static long vhost_mdev_get_backend_features(struct vhost_mdev *vm,
					    u64 __user *argp)
{
	u64 features = vhost_mdev_backend_features(vm);

	return copy_to_user(argp, &features, sizeof(features)) ? -EFAULT : 0;
}

static long vhost_mdev_set_backend_features(struct vhost_mdev *vm,
					    u64 __user *argp)
{
	u64 features;

	if (copy_from_user(&features, argp, sizeof(features)))
		return -EFAULT;
	if (features & ~vhost_mdev_backend_features(vm))
		return -EOPNOTSUPP;
	vm->backend_features = features;
	return 0;
}

static long vhost_mdev_get_device_id(struct vhost_mdev *vm, u32 __user *argp)
{
	u32 id = vmdev_get_device_id(vm->vdev);

	return copy_to_user(argp, &id, sizeof(id)) ? -EFAULT : 0;
}

static long vhost_mdev_get_status(struct vhost_mdev *vm, u8 __user *argp)
{
	u8 status = vmdev_get_status(vm->vdev);

	/* Memory the running device used was unmapped: it must be reset. */
	if (vm->mem_ops && vm->mem_ops->broken &&
	    vm->mem_ops->broken(vm->mem_priv))
		status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	return copy_to_user(argp, &status, sizeof(status)) ? -EFAULT : 0;
}

static long vhost_mdev_set_status(struct vhost_mdev *vm, u8 __user *argp)
{
	u8 status;
	int ret;

	if (copy_from_user(&status, argp, sizeof(status)))
		return -EFAULT;
	if (!status)
		return vhost_mdev_reset_locked(vm);

	/* Tell the translator before the device may start using memory. */
	if (status & VIRTIO_CONFIG_S_DRIVER_OK) {
		vm->driver_ok = true;
		vhost_mdev_update_running(vm);
	}
	ret = vmdev_set_status(vm->vdev, status);
	vm->driver_ok = vmdev_get_status(vm->vdev) & VIRTIO_CONFIG_S_DRIVER_OK;
	vhost_mdev_update_running(vm);
	return ret;
}

/*
 * Copy the header of a struct vhost_vdpa_config and check its range:
 * -EINVAL for an empty range or one that does not fit the config space, as
 * upstream answers whatever its check found.
 */
static int vhost_mdev_config_header(struct vhost_mdev *vm,
				    struct vhost_vdpa_config __user *argp,
				    struct vhost_vdpa_config *c)
{
	size_t size = vmdev_get_config_size(vm->vdev);

	if (copy_from_user(c, argp, offsetof(struct vhost_vdpa_config, buf)))
		return -EFAULT;
	if (c->len == 0 || c->off > size || c->len > size - c->off)
		return -EINVAL;
	return 0;
}

static long vhost_mdev_get_config(struct vhost_mdev *vm,
				  struct vhost_vdpa_config __user *argp)
{
	struct vhost_vdpa_config c;
	u8 *buf;
	long ret;

	ret = vhost_mdev_config_header(vm, argp, &c);
	if (ret)
		return ret;
	/* Bounded by the config size, checked above. */
	buf = kvzalloc(c.len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = vmdev_get_config(vm->vdev, c.off, buf, c.len);
	if (!ret && copy_to_user(argp->buf, buf, c.len))
		ret = -EFAULT;
	kvfree(buf);
	return ret;
}

static long vhost_mdev_set_config(struct vhost_mdev *vm,
				  struct vhost_vdpa_config __user *argp)
{
	struct vhost_vdpa_config c;
	u8 *buf;
	long ret;

	ret = vhost_mdev_config_header(vm, argp, &c);
	if (ret)
		return ret;
	buf = vmemdup_user(argp->buf, c.len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = vmdev_set_config(vm->vdev, c.off, buf, c.len);
	kvfree(buf);
	return ret;
}

static long vhost_mdev_get_config_size(struct vhost_mdev *vm, u32 __user *argp)
{
	u32 size = vmdev_get_config_size(vm->vdev);

	return copy_to_user(argp, &size, sizeof(size)) ? -EFAULT : 0;
}

static long vhost_mdev_get_vring_num(struct vhost_mdev *vm, u16 __user *argp)
{
	u16 num = vmdev_get_vq_num_max(vm->vdev);

	return copy_to_user(argp, &num, sizeof(num)) ? -EFAULT : 0;
}

static long vhost_mdev_get_vqs_count(struct vhost_mdev *vm, u32 __user *argp)
{
	u32 count = vm->nvqs;

	return copy_to_user(argp, &count, sizeof(count)) ? -EFAULT : 0;
}

static long vhost_mdev_get_group_num(struct vhost_mdev *vm, u32 __user *argp)
{
	u32 n = vmdev_get_vq_groups(vm->vdev);

	return copy_to_user(argp, &n, sizeof(n)) ? -EFAULT : 0;
}

static long vhost_mdev_get_as_num(struct vhost_mdev *vm,
				  unsigned int __user *argp)
{
	unsigned int n = vm->nas;

	return copy_to_user(argp, &n, sizeof(n)) ? -EFAULT : 0;
}

static long vhost_mdev_get_iova_range(struct vhost_mdev *vm,
				      struct vhost_vdpa_iova_range __user *argp)
{
	struct vmdev_iova_range r = vmdev_get_iova_range(vm->vdev);
	struct vhost_vdpa_iova_range range;

	if (vm->mem_ops && vm->mem_ops->iova_range)
		vm->mem_ops->iova_range(vm->mem_priv, &r);
	range.first = r.first;
	range.last = r.last;
	return copy_to_user(argp, &range, sizeof(range)) ? -EFAULT : 0;
}

static long vhost_mdev_set_config_call(struct vhost_mdev *vm, int __user *argp)
{
	struct eventfd_ctx *ctx;
	int fd;

	if (copy_from_user(&fd, argp, sizeof(fd)))
		return -EFAULT;
	ctx = vhost_mdev_ctx_fdget(fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	vhost_mdev_put_ctx(vhost_mdev_swap_config(vm, ctx));
	return 0;
}

/* Upstream vhost's default for its max_mem_regions parameter. */
#define VHOST_MDEV_MAX_MEM_REGIONS	64

/*
 * VHOST_SET_MEM_TABLE: memory is mapped through the front end (the VFIO
 * container, or IOTLB messages), so the table has no use here; accepted,
 * for clients that always send one, after the checks upstream vhost makes
 * of it, with its errnos: a client's bad table fails here as there.
 */
static long vhost_mdev_set_mem_table(struct vhost_mdev *vm,
				     struct vhost_memory __user *argp)
{
	struct vhost_memory_region region;
	struct vhost_memory mem;
	u64 last;
	u32 i;

	if (copy_from_user(&mem, argp, offsetof(struct vhost_memory, regions)))
		return -EFAULT;
	if (mem.padding)
		return -EOPNOTSUPP;
	if (mem.nregions > VHOST_MDEV_MAX_MEM_REGIONS)
		return -E2BIG;
	for (i = 0; i < mem.nregions; i++) {
		if (copy_from_user(&region, &argp->regions[i], sizeof(region)))
			return -EFAULT;
		/* Upstream cannot store an empty or wrapping range: EFAULT. */
		if (!region.memory_size ||
		    check_add_overflow(region.guest_phys_addr,
				       region.memory_size - 1, &last))
			return -EFAULT;
	}
	return 0;
}

static long vhost_mdev_set_vring_enable(struct vhost_mdev *vm,
					struct vhost_mdev_vq *vq,
					struct vhost_vring_state __user *argp)
{
	struct vhost_vring_state s;
	int ret;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;

	/* The translator must know before the device may use the ring. */
	if (s.num) {
		vq->enabled = true;
		vhost_mdev_update_running(vm);
	}
	ret = vmdev_set_vq_ready(vm->vdev, vq->idx, s.num);
	/*
	 * A disable that failed left the ring running (a function that can
	 * only stop with the device): it still uses the memory.
	 */
	if (ret)
		vq->enabled = !s.num;
	else
		vq->enabled = s.num;
	/* Running again: the device's own state is the ring's now. */
	if (vq->enabled)
		vq->stopped = false;
	vhost_mdev_update_running(vm);
	return ret;
}

static long vhost_mdev_set_vring_num(struct vhost_mdev *vm,
				     struct vhost_mdev_vq *vq,
				     struct vhost_vring_state __user *argp)
{
	struct vhost_vring_state s;

	int ret;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	/* -EINVAL unless a power of two within min/max; -EBUSY if ready. */
	ret = vmdev_set_vq_num(vm->vdev, vq->idx, s.num);
	if (ret)
		return ret;
	/* The split used ring: flags, index, the entries, avail_event. */
	mutex_lock(&vm->log.lock);
	vq->used_size = 4 + sizeof(struct vring_used_elem) * (u64)s.num + 2;
	mutex_unlock(&vm->log.lock);
	return 0;
}

static long vhost_mdev_set_vring_base(struct vhost_mdev *vm,
				      struct vhost_mdev_vq *vq,
				      struct vhost_vring_state __user *argp)
{
	struct vmdev_vq_state state = {};
	struct vhost_vring_state s;
	int ret;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;

	if (vhost_mdev_ring_packed(vm)) {
		state.packed.last_avail_idx = s.num & 0x7fff;
		state.packed.last_avail_counter = !!(s.num & 0x8000);
		state.packed.last_used_idx = (s.num >> 16) & 0x7fff;
		state.packed.last_used_counter = !!(s.num & 0x80000000);
	} else {
		if (s.num > 0xffff)
			return -EINVAL;
		state.split.avail_index = s.num;
	}
	ret = vmdev_set_vq_state(vm->vdev, vq->idx, &state);
	if (!ret)
		vq->stopped = false;
	return ret;
}

static long vhost_mdev_get_vring_base(struct vhost_mdev *vm,
				      struct vhost_mdev_vq *vq,
				      struct vhost_vring_state __user *argp)
{
	struct vmdev_vq_state state = {};
	struct vhost_vring_state s = { .index = vq->idx };
	int ret;

	if (vq->stopped) {
		if (vq->stopped_err)
			return vq->stopped_err;
		s.num = vq->stopped_base;
	} else {
		ret = vmdev_get_vq_state(vm->vdev, vq->idx, &state);
		if (ret)
			return ret;
		s.num = vhost_mdev_vring_base(&state,
					      vhost_mdev_ring_packed(vm));
	}
	return copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
}

static long vhost_mdev_set_vring_addr(struct vhost_mdev *vm,
				      struct vhost_mdev_vq *vq,
				      struct vhost_vring_addr __user *argp)
{
	struct vhost_vring_addr a;
	int ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~BIT(VHOST_VRING_F_LOG))
		return -EOPNOTSUPP;
	if (a.log_guest_addr & (VRING_USED_ALIGN_SIZE - 1))
		return -EINVAL;
	/* The addresses are IOVAs; the core checks their alignment. */
	ret = vmdev_set_vq_address(vm->vdev, vq->idx, a.desc_user_addr,
				   a.avail_user_addr, a.used_user_addr);
	/*
	 * A ready ring keeps its addresses; the same ones again only change
	 * its logging, which is how QEMU starts and stops logging the used
	 * ring of a running device.
	 */
	if (ret == -EBUSY && vq->addr_set && a.desc_user_addr == vq->desc_addr &&
	    a.avail_user_addr == vq->avail_addr &&
	    a.used_user_addr == vq->used_addr)
		ret = 0;
	if (ret)
		return ret;
	vq->addr_set = true;
	vq->desc_addr = a.desc_user_addr;
	vq->avail_addr = a.avail_user_addr;
	mutex_lock(&vm->log.lock);
	vq->used_addr = a.used_user_addr;
	vq->log_used = a.flags & BIT(VHOST_VRING_F_LOG);
	vq->log_addr = a.log_guest_addr;
	mutex_unlock(&vm->log.lock);
	return 0;
}

static long vhost_mdev_set_vring_kick(struct vhost_mdev *vm,
				      struct vhost_mdev_vq *vq,
				      struct vhost_vring_file __user *argp)
{
	struct eventfd_ctx *ctx = NULL;
	struct file *file = NULL;
	struct vhost_vring_file f;

	if (copy_from_user(&f, argp, sizeof(f)))
		return -EFAULT;
	if (f.fd != VHOST_FILE_UNBIND) {
		file = eventfd_fget(f.fd);
		if (IS_ERR(file))
			return PTR_ERR(file);
		ctx = eventfd_ctx_fileget(file);
		if (IS_ERR(ctx)) {
			fput(file);
			return PTR_ERR(ctx);
		}
		if (file == vq->kick_file) {
			eventfd_ctx_put(ctx);
			fput(file);
			return 0;
		}
	}

	vhost_mdev_kick_unbind(vq);
	if (file)
		vhost_mdev_kick_bind(vq, file, ctx);
	return 0;
}

/* The eventfd a struct vhost_vring_file names: NULL to unbind, or ERR_PTR. */
static struct eventfd_ctx *
vhost_mdev_vring_file_ctx(struct vhost_vring_file __user *argp)
{
	struct vhost_vring_file f;

	if (copy_from_user(&f, argp, sizeof(f)))
		return ERR_PTR(-EFAULT);
	return vhost_mdev_ctx_fdget(f.fd);
}

static long vhost_mdev_set_vring_call(struct vhost_mdev *vm,
				      struct vhost_mdev_vq *vq,
				      struct vhost_vring_file __user *argp)
{
	struct eventfd_ctx *ctx = vhost_mdev_vring_file_ctx(argp);

	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	vhost_mdev_put_ctx(vhost_mdev_swap_call(vm, vq, ctx));
	return 0;
}

static long vhost_mdev_set_vring_err(struct vhost_mdev *vm,
				     struct vhost_mdev_vq *vq,
				     struct vhost_vring_file __user *argp)
{
	struct eventfd_ctx *ctx = vhost_mdev_vring_file_ctx(argp);

	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	vhost_mdev_put_ctx(vhost_mdev_swap_err(vm, vq, ctx));
	return 0;
}

static long vhost_mdev_get_vring_group(struct vhost_mdev *vm,
				       struct vhost_mdev_vq *vq,
				       struct vhost_vring_state __user *argp)
{
	struct vhost_vring_state s = {
		.index = vq->idx,
		.num = vmdev_get_vq_group(vm->vdev, vq->idx),
	};

	return copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
}

/*
 * Which address space a queue group reaches memory through. The index is
 * a group, checked against the ring count first as upstream does (-ENOBUFS),
 * then against the groups. Only before DRIVER_OK: a running queue would
 * switch address spaces between two accesses of one buffer. A reset puts
 * every group back in address space 0.
 */
static long vhost_mdev_set_group_asid(struct vhost_mdev *vm,
				      struct vhost_vring_state __user *argp)
{
	struct vhost_vring_state s;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	if (s.index >= vmdev_get_vq_groups(vm->vdev) || s.num >= vm->nas)
		return -EINVAL;
	if (vm->driver_ok)
		return -EBUSY;
	WRITE_ONCE(vm->group_asid[array_index_nospec(s.index,
						     VMDEV_MAX_VQ_GROUPS)],
		   s.num);
	return 0;
}

/* Per-ring ioctls: the ring index comes first in every argument. */
static long vhost_mdev_vring_ioctl(struct vhost_mdev *vm, unsigned int cmd,
				   void __user *argp)
{
	struct vhost_mdev_vq *vq;
	u32 idx;

	if (get_user(idx, (u32 __user *)argp))
		return -EFAULT;
	if (idx >= vm->nvqs)
		return -ENOBUFS;
	vq = &vm->vqs[array_index_nospec(idx, vm->nvqs)];

	switch (cmd) {
	case VHOST_VDPA_SET_VRING_ENABLE:
		return vhost_mdev_set_vring_enable(vm, vq, argp);
	case VHOST_SET_VRING_NUM:
		return vhost_mdev_set_vring_num(vm, vq, argp);
	case VHOST_SET_VRING_BASE:
		return vhost_mdev_set_vring_base(vm, vq, argp);
	case VHOST_GET_VRING_BASE:
		return vhost_mdev_get_vring_base(vm, vq, argp);
	case VHOST_SET_VRING_ADDR:
		return vhost_mdev_set_vring_addr(vm, vq, argp);
	case VHOST_SET_VRING_KICK:
		return vhost_mdev_set_vring_kick(vm, vq, argp);
	case VHOST_SET_VRING_CALL:
		return vhost_mdev_set_vring_call(vm, vq, argp);
	case VHOST_SET_VRING_ERR:
		return vhost_mdev_set_vring_err(vm, vq, argp);
	case VHOST_VDPA_GET_VRING_GROUP:
		return vhost_mdev_get_vring_group(vm, vq, argp);
	case VHOST_VDPA_SET_GROUP_ASID:
		return vhost_mdev_set_group_asid(vm, argp);
	}
	return -ENOTTY;
}

/*
 * The control queue's settings, between the uAPI's fixed layout and the
 * core's. The receive modes are the same bits in both; the VLAN bitmap is
 * converted word by word: the uAPI's words are 32 bits wide whatever the
 * kernel's longs are.
 */
static_assert(!((VMDEV_NET_PROMISC ^ VHOST_MDEV_NET_PROMISC) |
		(VMDEV_NET_ALLMULTI ^ VHOST_MDEV_NET_ALLMULTI) |
		(VMDEV_NET_ALLUNI ^ VHOST_MDEV_NET_ALLUNI) |
		(VMDEV_NET_NOMULTI ^ VHOST_MDEV_NET_NOMULTI) |
		(VMDEV_NET_NOUNI ^ VHOST_MDEV_NET_NOUNI) |
		(VMDEV_NET_NOBCAST ^ VHOST_MDEV_NET_NOBCAST) |
		(VMDEV_NET_MAC_TABLE ^ VHOST_MDEV_NET_MAC_TABLE)));
static_assert(sizeof(struct vhost_mdev_net_state) == 1300);

static long vhost_mdev_get_net_state(struct vhost_mdev *vm,
				     struct vhost_mdev_net_state __user *argp)
{
	struct vhost_mdev_net_state *u;
	struct vmdev_net_state *s;
	long ret;

	s = kmalloc(sizeof(*s), GFP_KERNEL);
	u = kzalloc(sizeof(*u), GFP_KERNEL);
	ret = -ENOMEM;
	if (!s || !u)
		goto out;
	ret = vmdev_get_net_state(vm->vdev, s);
	if (ret)
		goto out;

	u->flags = s->rx_mode | (s->mac_set ? VHOST_MDEV_NET_MAC : 0);
	u->vq_pairs = s->vq_pairs;
	if (s->mac_set)
		memcpy(u->mac, s->mac, ETH_ALEN);
	u->uc_count = s->uc_count;
	u->mc_count = s->mc_count;
	memcpy(u->uc, s->uc, s->uc_count * ETH_ALEN);
	memcpy(u->mc, s->mc, s->mc_count * ETH_ALEN);
	bitmap_to_arr32(u->vlans, s->vlans, VMDEV_NET_VLANS);
	ret = copy_to_user(argp, u, sizeof(*u)) ? -EFAULT : 0;
out:
	kfree(u);
	kfree(s);
	return ret;
}

static long vhost_mdev_set_net_state(struct vhost_mdev *vm,
				     struct vhost_mdev_net_state __user *argp)
{
	const u32 modes = VHOST_MDEV_NET_PROMISC | VHOST_MDEV_NET_ALLMULTI |
			  VHOST_MDEV_NET_ALLUNI | VHOST_MDEV_NET_NOMULTI |
			  VHOST_MDEV_NET_NOUNI | VHOST_MDEV_NET_NOBCAST;
	struct vhost_mdev_net_state *u;
	struct vmdev_net_state *s;
	long ret;

	u = memdup_user(argp, sizeof(*u));
	if (IS_ERR(u))
		return PTR_ERR(u);
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	ret = -ENOMEM;
	if (!s)
		goto out;
	ret = -EINVAL;
	if ((u->flags & ~(modes | VHOST_MDEV_NET_MAC)) ||
	    u->uc_count > VHOST_MDEV_NET_MAC_TABLE ||
	    u->mc_count > VHOST_MDEV_NET_MAC_TABLE)
		goto out;

	s->rx_mode = u->flags & modes;
	s->mac_set = u->flags & VHOST_MDEV_NET_MAC;
	if (s->mac_set)
		memcpy(s->mac, u->mac, ETH_ALEN);
	s->vq_pairs = u->vq_pairs;
	s->uc_count = u->uc_count;
	s->mc_count = u->mc_count;
	memcpy(s->uc, u->uc, u->uc_count * ETH_ALEN);
	memcpy(s->mc, u->mc, u->mc_count * ETH_ALEN);
	bitmap_from_arr32(s->vlans, u->vlans, VMDEV_NET_VLANS);
	ret = vmdev_set_net_state(vm->vdev, s);
out:
	kfree(s);
	kfree(u);
	return ret;
}

/*
 * VHOST_SET_LOG_BASE: where the dirty bitmap is. Offered with
 * VHOST_F_LOG_ALL only: upstream vhost-vdpa has no log and refuses it.
 */
static long vhost_mdev_set_log_base(struct vhost_mdev *vm, u64 __user *argp)
{
	u64 base;

	if (copy_from_user(&base, argp, sizeof(base)))
		return -EFAULT;
	return vhost_mdev_log_set_base(&vm->log, base);
}

/* VHOST_SET_LOG_FD: the eventfd signalled after logging; -1 unbinds. */
static long vhost_mdev_set_log_fd(struct vhost_mdev *vm, int __user *argp)
{
	struct eventfd_ctx *ctx;
	int fd;

	if (get_user(fd, argp))
		return -EFAULT;
	ctx = vhost_mdev_ctx_fdget(fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	vhost_mdev_log_set_fd(&vm->log, ctx);
	return 0;
}

/*
 * The ioctls that upstream routes through vhost_dev_ioctl() and so reserves
 * to the owner (-EPERM for anyone else, before anything else is checked).
 */
static long vhost_mdev_owner_ioctl(struct vhost_mdev *vm, unsigned int cmd,
				   void __user *argp)
{
	switch (cmd) {
	case VHOST_RESET_OWNER:
	case VHOST_SET_MEM_TABLE:
	case VHOST_VDPA_SET_VRING_ENABLE:
	case VHOST_SET_VRING_NUM:
	case VHOST_SET_VRING_BASE:
	case VHOST_GET_VRING_BASE:
	case VHOST_SET_VRING_ADDR:
	case VHOST_SET_VRING_KICK:
	case VHOST_SET_VRING_CALL:
	case VHOST_SET_VRING_ERR:
	case VHOST_VDPA_GET_VRING_GROUP:
	case VHOST_VDPA_SET_GROUP_ASID:
	case VHOST_MDEV_SET_NET_STATE:
		break;
	case VHOST_SET_LOG_BASE:
	case VHOST_SET_LOG_FD:
		/* No log: upstream vhost-vdpa's -ENOTTY, owner or not. */
		if (!vhost_mdev_can_log(vm))
			return -ENOTTY;
		break;
	default:
		return -ENOTTY;
	}

	if (vm->owner != current->mm)
		return -EPERM;

	switch (cmd) {
	case VHOST_RESET_OWNER:
		return vhost_mdev_reset_owner(vm);
	case VHOST_SET_MEM_TABLE:
		return vhost_mdev_set_mem_table(vm, argp);
	case VHOST_SET_LOG_BASE:
		return vhost_mdev_set_log_base(vm, argp);
	case VHOST_SET_LOG_FD:
		return vhost_mdev_set_log_fd(vm, argp);
	case VHOST_MDEV_SET_NET_STATE:
		return vhost_mdev_set_net_state(vm, argp);
	}
	return vhost_mdev_vring_ioctl(vm, cmd, argp);
}

/**
 * vhost_mdev_ioctl - the vhost and vhost-vdpa ioctls of a session
 * @vm: an open session
 * @cmd: the ioctl number
 * @argp: its user argument
 *
 * Process context; may sleep.
 *
 * Return: 0 or a negative errno (-ENOTTY for an ioctl it does not know,
 * -ENODEV once the device is going away).
 */
long vhost_mdev_ioctl(struct vhost_mdev *vm, unsigned int cmd,
		      void __user *argp)
{
	long ret;

	mutex_lock(&vm->mutex);
	if (vm->dead || !vm->open) {
		ret = -ENODEV;
		goto out;
	}

	switch (cmd) {
	case VHOST_SET_OWNER:
		ret = vhost_mdev_set_owner(vm);
		break;
	case VHOST_GET_FEATURES:
		ret = vhost_mdev_get_features(vm, argp);
		break;
	case VHOST_SET_FEATURES:
		ret = vhost_mdev_set_features(vm, argp);
		break;
	case VHOST_GET_BACKEND_FEATURES:
		ret = vhost_mdev_get_backend_features(vm, argp);
		break;
	case VHOST_SET_BACKEND_FEATURES:
		ret = vhost_mdev_set_backend_features(vm, argp);
		break;
	case VHOST_VDPA_GET_DEVICE_ID:
		ret = vhost_mdev_get_device_id(vm, argp);
		break;
	case VHOST_VDPA_GET_STATUS:
		ret = vhost_mdev_get_status(vm, argp);
		break;
	case VHOST_VDPA_SET_STATUS:
		ret = vhost_mdev_set_status(vm, argp);
		break;
	case VHOST_VDPA_GET_CONFIG:
		ret = vhost_mdev_get_config(vm, argp);
		break;
	case VHOST_VDPA_SET_CONFIG:
		ret = vhost_mdev_set_config(vm, argp);
		break;
	case VHOST_VDPA_GET_CONFIG_SIZE:
		ret = vhost_mdev_get_config_size(vm, argp);
		break;
	case VHOST_VDPA_GET_VRING_NUM:
		ret = vhost_mdev_get_vring_num(vm, argp);
		break;
	case VHOST_VDPA_GET_VQS_COUNT:
		ret = vhost_mdev_get_vqs_count(vm, argp);
		break;
	case VHOST_VDPA_GET_IOVA_RANGE:
		ret = vhost_mdev_get_iova_range(vm, argp);
		break;
	case VHOST_VDPA_GET_GROUP_NUM:
		ret = vhost_mdev_get_group_num(vm, argp);
		break;
	case VHOST_VDPA_GET_AS_NUM:
		ret = vhost_mdev_get_as_num(vm, argp);
		break;
	case VHOST_VDPA_SET_CONFIG_CALL:
		ret = vhost_mdev_set_config_call(vm, argp);
		break;
	case VHOST_VDPA_SUSPEND:
		ret = vmdev_suspend(vm->vdev);
		break;
	case VHOST_VDPA_RESUME:
		ret = vmdev_resume(vm->vdev);
		break;
	case VHOST_MDEV_GET_NET_STATE:
		ret = vhost_mdev_get_net_state(vm, argp);
		break;
	default:
		ret = vhost_mdev_owner_ioctl(vm, cmd, argp);
		break;
	}
out:
	mutex_unlock(&vm->mutex);
	return ret;
}

/**
 * vhost_mdev_iotlb_msg - an IOTLB message of the session's owner
 * @vm: an open session
 * @asid: the address space of a version 2 message, else 0
 * @msg: the message, already copied in and checked for its envelope
 *
 * For front ends whose memory protocol is upstream vhost's IOTLB messages:
 * the session checks who sends it, as upstream does for its memory, and
 * the front end's &vhost_mdev_mem_ops.iotlb_msg applies it. As upstream,
 * @asid is the reserved word of the message, ignored, unless the owner
 * negotiated VHOST_BACKEND_F_IOTLB_ASID. Process context; may sleep.
 *
 * Return: 0; -ENODEV once the device is going away; -EPERM unless the
 * caller is the owner; -EOPNOTSUPP if the front end takes no messages;
 * -EINVAL for an address space the session does not have; or the front
 * end's error.
 */
int vhost_mdev_iotlb_msg(struct vhost_mdev *vm, u32 asid,
			 const struct vhost_iotlb_msg *msg)
{
	int ret;

	mutex_lock(&vm->mutex);
	if (!(vm->backend_features & BIT_ULL(VHOST_BACKEND_F_IOTLB_ASID)))
		asid = 0;
	if (vm->dead || !vm->open)
		ret = -ENODEV;
	else if (vm->owner != current->mm)
		ret = -EPERM;
	else if (!vm->mem_ops || !vm->mem_ops->iotlb_msg)
		ret = -EOPNOTSUPP;
	else if (asid >= vm->nas)
		ret = -EINVAL;
	else
		ret = vm->mem_ops->iotlb_msg(vm->mem_priv,
					     array_index_nospec(asid, vm->nas),
					     msg);
	mutex_unlock(&vm->mutex);
	return ret;
}

/* A doorbell alone in its page, which mapping exposes nothing else. */
static bool vhost_mdev_doorbell_mappable(const struct vmdev_notification_area *a)
{
	return a->size == PAGE_SIZE && PAGE_ALIGNED(a->addr);
}

/*
 * Note every ring's doorbell while the device can be asked (see
 * vhost_mdev_mmap_doorbell()); they are offered for mapping only when every
 * ring has one (upstream vhost-vdpa's rule).
 */
static void vhost_mdev_snapshot_doorbells(struct vhost_mdev *vm)
{
	u16 i, n = vm->nvqs;

	for (i = 0; i < vm->nvqs; i++) {
		struct vmdev_notification_area *a = &vm->vqs[i].doorbell;

		if (vmdev_get_vq_notification(vm->vdev, i, a) ||
		    !vhost_mdev_doorbell_mappable(a)) {
			memset(a, 0, sizeof(*a));
			n = 0;
		}
	}
	vm->nr_doorbells = n;
}

/**
 * vhost_mdev_mmap_doorbell - map a queue's doorbell into userspace
 * @vm: an open session, held open by the caller (its fd is being mapped)
 * @index: the queue
 * @vma: one page, shared, write-only
 *
 * The doorbell must sit alone in its page, so that the mapping exposes
 * nothing else of the device (the rule upstream vhost-vdpa applies).
 * Called with mmap_lock held, so never under @mutex nor the device's ops
 * lock (both are held where user memory is touched, which takes
 * mmap_lock); what it reads is fixed while the session is open.
 *
 * Return: 0; -EINVAL for a mapping that is not one shared, unreadable
 * page, or a queue index out of range; -EOPNOTSUPP when the queue has no
 * such doorbell; -ENODEV once the device is going away; or the remapping
 * error.
 */
int vhost_mdev_mmap_doorbell(struct vhost_mdev *vm, unsigned long index,
			     struct vm_area_struct *vma)
{
	struct vmdev_notification_area area;

	if (vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	/* A doorbell is written, never read, and shared with the device. */
	if (!(vma->vm_flags & VM_SHARED) || (vma->vm_flags & VM_READ))
		return -EINVAL;
	if (index >= vm->nvqs)
		return -EINVAL;
	if (READ_ONCE(vm->dead))
		return -ENODEV;
	/* Taken at open: asking the device here would nest its lock. */
	area = vm->vqs[array_index_nospec(index, vm->nvqs)].doorbell;
	if (!vhost_mdev_doorbell_mappable(&area))
		return -EOPNOTSUPP;

	vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	return io_remap_pfn_range(vma, vma->vm_start, PHYS_PFN(area.addr),
				  PAGE_SIZE, vma->vm_page_prot);
}

/**
 * vhost_mdev_init - set up a session for a device
 * @vm: the session
 * @vdev: the device
 *
 * When the personality attaches; the session is opened later.
 */
void vhost_mdev_init(struct vhost_mdev *vm, struct vmdev_device *vdev)
{
	vm->vdev = vdev;
	mutex_init(&vm->mutex);
	spin_lock_init(&vm->config_lock);
	vhost_mdev_log_init(&vm->log);
}

/**
 * vhost_mdev_destroy - release what vhost_mdev_init() set up
 * @vm: a closed session
 */
void vhost_mdev_destroy(struct vhost_mdev *vm)
{
	WARN_ON(vm->open);
	mutex_destroy(&vm->log.lock);
	mutex_destroy(&vm->mutex);
}

/**
 * vhost_mdev_open - start using the device
 * @vm: the session
 * @mem_ops: the front end's translator, or NULL
 * @mem_priv: argument for @mem_ops
 *
 * Claims the device (its attributes become read-only), resets it, gets the
 * front end's memory ready (&vhost_mdev_mem_ops.open), installs its
 * translator for a software parent and listens for config changes, all
 * under @mutex, so that a front end's open is one step against any other
 * front end's open or close. One front end at a time: the session is
 * shared by all of a device's front ends. May sleep.
 *
 * Return: 0; -ENODEV if the device is going away; -EBUSY if another front
 * end has the session open or another consumer claimed the device;
 * -ENOMEM; the device's reset error; or the front end's open error.
 */
int vhost_mdev_open(struct vhost_mdev *vm,
		    const struct vhost_mdev_mem_ops *mem_ops, void *mem_priv)
{
	struct vmdev_callback cb = {
		.callback = vhost_mdev_config_cb,
		.private = vm,
	};
	struct vhost_mdev_vq *vqs;
	u16 nvqs, i;
	int ret;

	mutex_lock(&vm->mutex);
	ret = vm->dead ? -ENODEV : vm->open ? -EBUSY : 0;
	if (ret)
		goto err_unlock;
	ret = vmdev_claim(vm->vdev);
	if (ret)
		goto err_unlock;
	/*
	 * The relay maps its rings into the function's IOMMU domain: only a
	 * front end that owns the domain keeps its user's mappings off them.
	 */
	if (vmdev_relayed(vm->vdev) && !(mem_ops && mem_ops->relay)) {
		ret = -EOPNOTSUPP;
		goto err_unclaim;
	}
	/* Stable from now on: the queue count follows the claimed attrs. */
	nvqs = vmdev_get_vq_count(vm->vdev);
	vqs = kcalloc(nvqs, sizeof(*vqs), GFP_KERNEL);
	if (!vqs) {
		ret = -ENOMEM;
		goto err_unclaim;
	}
	/* Whatever an earlier user or consumer left, start from reset. */
	ret = vmdev_reset(vm->vdev);
	if (ret)
		goto err_free;

	if (mem_ops && mem_ops->open) {
		ret = mem_ops->open(mem_priv);
		if (ret)
			goto err_free;
	}

	for (i = 0; i < nvqs; i++) {
		vqs[i].vm = vm;
		vqs[i].idx = i;
		spin_lock_init(&vqs[i].cb_lock);
	}
	vm->vqs = vqs;
	vm->nvqs = nvqs;
	vhost_mdev_snapshot_doorbells(vm);
	vm->mem_ops = mem_ops;
	vm->mem_priv = mem_priv;
	vm->extra_backend_features = mem_ops ? mem_ops->backend_features : 0;
	vm->backend_features = 0;
	vm->driver_ok = false;
	/*
	 * An address space per group where the front end resolves every
	 * access of the device itself; a function's IOMMU domain is one.
	 */
	vm->nas = 1;
	if (mem_ops && mem_ops->asid && vhost_mdev_translated(vm->vdev))
		vm->nas = vmdev_get_vq_groups(vm->vdev);
	memset(vm->group_asid, 0, sizeof(vm->group_asid));
	/* Only a device whose every write the translator sees. */
	vm->can_log = vhost_mdev_translated(vm->vdev) && mem_ops &&
		      mem_ops->as_ops &&
		      mem_ops->as_ops->log &&
		      (!mem_ops->dirty_log || mem_ops->dirty_log(mem_priv));
	/* The device is reset: no access can race with the change. */
	if (vhost_mdev_translated(vm->vdev) && mem_ops && mem_ops->as_ops)
		vmdev_set_as(vm->vdev, mem_ops->as_ops, mem_priv);
	vmdev_set_config_cb(vm->vdev, &cb);
	vm->open = true;
	mutex_unlock(&vm->mutex);
	return 0;

err_free:
	kfree(vqs);
err_unclaim:
	vmdev_unclaim(vm->vdev);
err_unlock:
	mutex_unlock(&vm->mutex);
	return ret;
}

/**
 * vhost_mdev_close - stop using the device
 * @vm: an open session
 *
 * Whatever the user left behind: resets the device, drops every eventfd,
 * every translation and the owner, removes the front end's translator and
 * lets the front end release its memory (&vhost_mdev_mem_ops.close), and
 * releases the claim, all under @mutex (see vhost_mdev_open()). May sleep.
 */
void vhost_mdev_close(struct vhost_mdev *vm)
{
	mutex_lock(&vm->mutex);
	if (WARN_ON(!vm->open))
		goto out;

	if (vhost_mdev_reset_locked(vm)) {
		/*
		 * The device refused to reset: the core resets it again
		 * when it is removed; still make sure the translations go.
		 */
		dev_warn(vm->vdev->dev, "reset failed on close\n");
		vm->driver_ok = false;
		vhost_mdev_update_running(vm);
		if (vm->mem_ops)
			vm->mem_ops->reset(vm->mem_priv);
	}
	/* Whether or not the reset did, while the translator is known. */
	vhost_mdev_set_log_all(vm, false);
	vhost_mdev_unbind_all(vm);
	vmdev_set_config_cb(vm->vdev, NULL);
	vhost_mdev_drop_owner(vm);
	if (vhost_mdev_translated(vm->vdev) && vm->mem_ops &&
	    vm->mem_ops->as_ops)
		vmdev_set_as(vm->vdev, NULL, NULL);
	if (vm->mem_ops && vm->mem_ops->close)
		vm->mem_ops->close(vm->mem_priv);
	kfree(vm->vqs);
	vm->vqs = NULL;
	vm->nvqs = 0;
	vm->nr_doorbells = 0;
	vm->mem_ops = NULL;
	vm->mem_priv = NULL;
	vm->extra_backend_features = 0;
	vm->can_log = false;
	vm->open = false;
	vmdev_unclaim(vm->vdev);
out:
	mutex_unlock(&vm->mutex);
}

/**
 * vhost_mdev_kill - the device is going away while the user holds it
 * @vm: the session
 *
 * Stops the device (reset: no more callbacks or memory accesses), makes
 * every later ioctl fail with -ENODEV and signals the config eventfd so the
 * user notices and closes. Safe to call repeatedly. May sleep.
 */
void vhost_mdev_kill(struct vhost_mdev *vm)
{
	mutex_lock(&vm->mutex);
	if (!vm->dead) {
		vm->dead = true;
		if (vm->open)
			vhost_mdev_reset_locked(vm);
	}
	mutex_unlock(&vm->mutex);
	vhost_mdev_config_notify(vm);
}
