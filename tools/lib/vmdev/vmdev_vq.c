// SPDX-License-Identifier: GPL-2.0-only
/*
 * libvmdev: split virtqueues.
 *
 * Rings live in the arena and are handed to the device by IOVA. Free
 * descriptors are chained through their own next fields, as a virtio
 * driver does; each head descriptor remembers the caller's token.
 */
#include <endian.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>
#include <linux/vhost_mdev.h>
#include <linux/virtio_config.h>

#include "vmdev_internal.h"

/* The virtio 1.x minimum alignments are 16/2/4; a cache line is kinder. */
#define VMDEV_RING_ALIGN	64

struct vmdev_vq *vmdev_vq(struct vmdev *dev, unsigned int index)
{
	return index < dev->nvqs ? &dev->vqs[index] : NULL;
}

void vmdev_vq_release(struct vmdev_vq *vq)
{
	struct vmdev *dev = vq->dev;
	unsigned int index = vq->index;

	if (vq->kick_fd >= 0)
		close(vq->kick_fd);
	if (vq->call_fd >= 0)
		close(vq->call_fd);
	if (vq->err_fd >= 0)
		close(vq->err_fd);
	if (vq->doorbell)
		munmap((void *)vq->doorbell, dev->page_size);
	free(vq->tokens);
	free(vq->chain_len);
	memset(vq, 0, sizeof(*vq));
	vq->dev = dev;
	vq->index = index;
	vq->kick_fd = -1;
	vq->call_fd = -1;
	vq->err_fd = -1;
}

static int vmdev_vq_set_fd(struct vmdev_vq *vq, unsigned long cmd, int *fdp)
{
	struct vhost_vring_file file = { .index = vq->index };
	int fd, ret;

	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	file.fd = fd;
	ret = vmdev_ioctl(vq->dev, cmd, &file);
	if (ret) {
		close(fd);
		return ret;
	}
	*fdp = fd;
	return 0;
}

/*
 * The queue's doorbell page, when the device has one (hardware parents):
 * VFIO region N, or page N of the character device.
 */
static void vmdev_vq_map_doorbell(struct vmdev_vq *vq)
{
	struct vmdev *dev = vq->dev;
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = vq->index,
	};
	void *p;

	if (dev->cdev) {
		info.offset = (uint64_t)vq->index * dev->page_size;
	} else if (ioctl(dev->fd, VFIO_DEVICE_GET_REGION_INFO, &info) ||
		   !(info.flags & VFIO_REGION_INFO_FLAG_MMAP) ||
		   info.size < sizeof(uint16_t)) {
		return;
	}
	p = mmap(NULL, dev->page_size, PROT_WRITE, MAP_SHARED, dev->fd,
		 info.offset);
	if (p != MAP_FAILED)
		vq->doorbell = p;
}

static int vmdev_vq_alloc_rings(struct vmdev_vq *vq, unsigned int num)
{
	struct vmdev *dev = vq->dev;
	unsigned int i;

	vq->desc = vmdev_arena_alloc(dev, sizeof(struct vring_desc) * num,
				     VMDEV_RING_ALIGN, &vq->desc_iova);
	vq->avail = vmdev_arena_alloc(dev, sizeof(struct vring_avail) +
				      sizeof(uint16_t) * (num + 1),
				      VMDEV_RING_ALIGN, &vq->avail_iova);
	vq->used = vmdev_arena_alloc(dev, sizeof(struct vring_used) +
				     sizeof(struct vring_used_elem) * num +
				     sizeof(uint16_t), VMDEV_RING_ALIGN,
				     &vq->used_iova);
	if (!vq->desc || !vq->avail || !vq->used)
		return -ENOMEM;
	vq->tokens = calloc(num, sizeof(*vq->tokens));
	vq->chain_len = calloc(num, sizeof(*vq->chain_len));
	if (!vq->tokens || !vq->chain_len)
		return -ENOMEM;
	for (i = 0; i + 1 < num; i++)
		vq->desc[i].next = htole16(i + 1);
	vq->num = num;
	vq->num_free = num;
	vq->free_head = 0;
	return 0;
}

int vmdev_vq_set_addr(struct vmdev *dev, const struct vmdev_vq *vq,
		      unsigned int flags, uint64_t log_addr)
{
	struct vhost_vring_addr addr = {
		.index = vq->index,
		.flags = flags,
		.desc_user_addr = vq->desc_iova,
		.avail_user_addr = vq->avail_iova,
		.used_user_addr = vq->used_iova,
		.log_guest_addr = log_addr,
	};

	return vmdev_ioctl(dev, VHOST_SET_VRING_ADDR, &addr);
}

int vmdev_vq_setup(struct vmdev *dev, unsigned int index, unsigned int num)
{
	struct vmdev_vq *vq = vmdev_vq(dev, index);
	struct vhost_vring_state state = { .index = index };
	int ret;

	if (!vq)
		return -EINVAL;
	if (!num || (num & (num - 1)) || num > dev->num_max)
		return -EINVAL;
	vmdev_vq_release(vq);
	ret = vmdev_vq_alloc_rings(vq, num);
	if (ret)
		goto err;

	state.num = num;
	ret = vmdev_ioctl(dev, VHOST_SET_VRING_NUM, &state);
	if (ret)
		goto err;
	state.num = 0;
	ret = vmdev_ioctl(dev, VHOST_SET_VRING_BASE, &state);
	if (ret)
		goto err;
	ret = vmdev_vq_set_addr(dev, vq, 0, 0);
	if (ret)
		goto err;
	ret = vmdev_vq_set_fd(vq, VHOST_SET_VRING_KICK, &vq->kick_fd);
	if (ret)
		goto err;
	ret = vmdev_vq_set_fd(vq, VHOST_SET_VRING_CALL, &vq->call_fd);
	if (ret)
		goto err;
	if (dev->flags & VMDEV_OPEN_DOORBELLS)
		vmdev_vq_map_doorbell(vq);
	return 0;
err:
	vmdev_vq_release(vq);
	return ret;
}

int vmdev_vq_enable(struct vmdev_vq *vq, bool enable)
{
	struct vhost_vring_state state = {
		.index = vq->index,
		.num = enable,
	};

	return vmdev_ioctl(vq->dev, VHOST_VDPA_SET_VRING_ENABLE, &state);
}

int vmdev_vq_err_eventfd(struct vmdev_vq *vq)
{
	int ret;

	if (vq->err_fd >= 0)
		return vq->err_fd;
	ret = vmdev_vq_set_fd(vq, VHOST_SET_VRING_ERR, &vq->err_fd);
	return ret ? ret : vq->err_fd;
}

int vmdev_vq_add(struct vmdev_vq *vq, const struct vmdev_buf *bufs,
		 unsigned int n_out, unsigned int n_in, void *token)
{
	unsigned int n = n_out + n_in, i;
	uint16_t head, idx;
	uint64_t iova;

	if (!n || !token)
		return -EINVAL;
	if (n > vq->num_free)
		return -ENOSPC;
	for (i = 0; i < n; i++)
		if (vmdev_iova_of(vq->dev, bufs[i].addr, bufs[i].len) ==
		    UINT64_MAX)
			return -EFAULT;

	head = vq->free_head;
	idx = head;
	for (i = 0; i < n; i++) {
		struct vring_desc *d = &vq->desc[idx];

		iova = vmdev_iova_of(vq->dev, bufs[i].addr, bufs[i].len);
		d->addr = htole64(iova);
		d->len = htole32(bufs[i].len);
		d->flags = htole16(i >= n_out ? VRING_DESC_F_WRITE : 0);
		if (i + 1 < n)
			d->flags |= htole16(VRING_DESC_F_NEXT);
		idx = le16toh(d->next);
	}
	vq->free_head = idx;
	vq->num_free -= n;
	vq->tokens[head] = token;
	vq->chain_len[head] = n;

	vq->avail->ring[vq->avail_idx & (vq->num - 1)] = htole16(head);
	vq->avail_idx++;
	return 0;
}

void vmdev_vq_publish(struct vmdev_vq *vq)
{
	/* Descriptors and ring entries before the index the device reads. */
	__atomic_store_n(&vq->avail->idx, htole16(vq->avail_idx),
			 __ATOMIC_RELEASE);
}

int vmdev_vq_kick(struct vmdev_vq *vq)
{
	uint64_t one = 1;

	/* The published index before the notification. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq->doorbell) {
		__atomic_store_n(vq->doorbell, (uint16_t)vq->index,
				 __ATOMIC_RELAXED);
		return 0;
	}
	if (write(vq->kick_fd, &one, sizeof(one)) != sizeof(one))
		return -errno;
	return 0;
}

int vmdev_vq_notify(struct vmdev_vq *vq)
{
	uint16_t flags;
	int ret;

	/* The published index before the flags (virtio 1.x 2.7.13.3). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = le16toh(__atomic_load_n(&vq->used->flags, __ATOMIC_RELAXED));
	if (flags & VRING_USED_F_NO_NOTIFY)
		return 0;
	ret = vmdev_vq_kick(vq);
	return ret ? ret : 1;
}

static uint16_t vmdev_vq_used_idx(const struct vmdev_vq *vq)
{
	return le16toh(__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE));
}

bool vmdev_vq_has_used(const struct vmdev_vq *vq)
{
	return vq->num && vmdev_vq_used_idx(vq) != vq->last_used;
}

void *vmdev_vq_get_used(struct vmdev_vq *vq, uint32_t *len)
{
	struct vring_used_elem *e;
	uint16_t id, idx;
	unsigned int i, n;
	void *token;

	if (!vmdev_vq_has_used(vq)) {
		errno = EAGAIN;
		return NULL;
	}
	e = &vq->used->ring[vq->last_used & (vq->num - 1)];
	id = le32toh(e->id);
	if (id >= vq->num || !vq->tokens[id]) {
		errno = EPROTO;
		return NULL;
	}
	if (len)
		*len = le32toh(e->len);
	token = vq->tokens[id];
	vq->tokens[id] = NULL;
	n = vq->chain_len[id];

	idx = id;
	for (i = 1; i < n; i++)
		idx = le16toh(vq->desc[idx].next);
	vq->desc[idx].next = htole16(vq->free_head);
	vq->free_head = id;
	vq->num_free += n;
	vq->last_used++;
	return token;
}

static long vmdev_ms_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

/*
 * A device that was removed or broke never uses another chain: a caller
 * that bound the config eventfd learns that there instead of waiting out
 * its timeout. The config eventfd is only polled, never read, so the
 * caller still sees the event; once the device proved healthy, the rest of
 * the wait ignores it.
 */
static int vmdev_vq_check_device(struct vmdev *dev)
{
	int status = vmdev_get_status(dev);

	if (status < 0)
		return status;
	return status & VIRTIO_CONFIG_S_NEEDS_RESET ? -EIO : 0;
}

int vmdev_vq_wait(struct vmdev_vq *vq, int timeout_ms)
{
	struct pollfd pfd[2] = {
		{ .fd = vq->call_fd, .events = POLLIN },
		{ .fd = vq->dev->config_fd, .events = POLLIN },
	};
	nfds_t nfds = vq->dev->config_fd >= 0 ? 2 : 1;
	struct timespec start;
	long left = timeout_ms;
	uint64_t val;
	int ret;

	if (!vq->num)
		return -EINVAL;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (vmdev_vq_has_used(vq))
			return 1;
		if (timeout_ms >= 0) {
			left = timeout_ms - vmdev_ms_since(&start);
			if (left <= 0)
				return 0;
		}
		/* Short slices: a device may update the ring without a call. */
		ret = poll(pfd, nfds, left < 0 || left > 100 ? 100 : left);
		if (ret < 0)
			return -errno;
		if (nfds == 2 && (pfd[1].revents & POLLIN)) {
			ret = vmdev_vq_check_device(vq->dev);
			if (ret)
				return ret;
			nfds = 1;
		}
		if ((pfd[0].revents & POLLIN) &&
		    read(vq->call_fd, &val, sizeof(val)) < 0 && errno != EAGAIN)
			return -errno;
	}
}
