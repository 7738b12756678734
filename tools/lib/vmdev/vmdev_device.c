// SPDX-License-Identifier: GPL-2.0-only
/*
 * libvmdev: open a vhost-personality mdev (through VFIO here, through its
 * character device in vmdev_cdev.c), and the device ioctls that are not
 * about rings: ownership, status, features, config, suspend and resume.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>
#include <linux/vhost_mdev.h>
#include <linux/virtio_config.h>

#include "vmdev_internal.h"

int vmdev_ioctl(struct vmdev *dev, unsigned long cmd, void *arg)
{
	int ret = ioctl(dev->fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

int vmdev_fd(const struct vmdev *dev)
{
	return dev->fd;
}

int vmdev_container_fd(const struct vmdev *dev)
{
	return dev->container_fd;
}

uint64_t vmdev_backend_features(const struct vmdev *dev)
{
	return dev->backend_features;
}

uint64_t vmdev_device_features(const struct vmdev *dev)
{
	return dev->device_features;
}

uint64_t vmdev_driver_features(const struct vmdev *dev)
{
	return dev->driver_features;
}

unsigned int vmdev_vq_count(const struct vmdev *dev)
{
	return dev->nvqs;
}

unsigned int vmdev_vq_num_max(const struct vmdev *dev)
{
	return dev->num_max;
}

/*
 * /sys/bus/mdev/devices/$UUID/iommu_group -> /dev/vfio/$N. A software
 * parent's device has its own (emulated) group there; a hardware parent's
 * device uses the group of the function it was created on, its sysfs
 * parent: $UUID/../iommu_group.
 */
static int vmdev_group_path(const char *uuid, char *path, size_t size)
{
	static const char * const links[] = { "iommu_group", "../iommu_group", NULL };
	char link[PATH_MAX], target[PATH_MAX];
	const char *group;
	ssize_t n = -1;
	size_t i;

	for (i = 0; links[i] && n < 0; i++) {
		snprintf(link, sizeof(link), VMDEV_SYSFS_DEVICES "/%s/%s",
			 uuid, links[i]);
		n = readlink(link, target, sizeof(target) - 1);
	}
	if (n < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	target[n] = '\0';
	group = strrchr(target, '/');
	group = group ? group + 1 : target;
	if (snprintf(path, size, "/dev/vfio/%s", group) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

static int vmdev_vfio_open(struct vmdev *dev)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[PATH_MAX];
	int ret;

	ret = vmdev_group_path(dev->uuid, path, sizeof(path));
	if (ret)
		return ret;

	dev->container_fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (dev->container_fd < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	if (ioctl(dev->container_fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return -EPROTONOSUPPORT;
	if (ioctl(dev->container_fd, VFIO_CHECK_EXTENSION,
		  VFIO_TYPE1v2_IOMMU) <= 0)
		return -EPROTONOSUPPORT;

	dev->group_fd = open(path, O_RDWR | O_CLOEXEC);
	if (dev->group_fd < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	if (ioctl(dev->group_fd, VFIO_GROUP_GET_STATUS, &status))
		return -errno;
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		return -EPERM;
	if (ioctl(dev->group_fd, VFIO_GROUP_SET_CONTAINER, &dev->container_fd))
		return -errno;
	if (ioctl(dev->container_fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return -errno;

	dev->fd = ioctl(dev->group_fd, VFIO_GROUP_GET_DEVICE_FD, dev->uuid);
	if (dev->fd < 0)
		return -errno;
	return 0;
}

static int vmdev_query(struct vmdev *dev)
{
	uint32_t u32;
	uint16_t u16;
	int ret;

	ret = vmdev_ioctl(dev, VHOST_GET_FEATURES, &dev->device_features);
	if (ret)
		return ret;
	ret = vmdev_ioctl(dev, VHOST_VDPA_GET_VQS_COUNT, &u32);
	if (ret)
		return ret;
	dev->nvqs = u32;
	ret = vmdev_ioctl(dev, VHOST_VDPA_GET_VRING_NUM, &u16);
	if (ret)
		return ret;
	dev->num_max = u16;
	ret = vmdev_ioctl(dev, VHOST_VDPA_GET_CONFIG_SIZE, &u32);
	if (ret)
		return ret;
	dev->config_size = u32;
	if (!dev->nvqs || dev->nvqs > 0x10000)
		return -EPROTO;
	return 0;
}

static int vmdev_alloc_vqs(struct vmdev *dev)
{
	unsigned int i;

	dev->vqs = calloc(dev->nvqs, sizeof(*dev->vqs));
	if (!dev->vqs)
		return -ENOMEM;
	for (i = 0; i < dev->nvqs; i++) {
		dev->vqs[i].dev = dev;
		dev->vqs[i].index = i;
		dev->vqs[i].kick_fd = -1;
		dev->vqs[i].call_fd = -1;
		dev->vqs[i].err_fd = -1;
	}
	return 0;
}

static int vmdev_arena_init(struct vmdev *dev,
			    const struct vmdev_open_opts *opts)
{
	size_t size = opts->arena_size ?: VMDEV_DEFAULT_ARENA_SIZE;
	int ret;

	size = (size + dev->page_size - 1) & ~(dev->page_size - 1);
	dev->arena = mmap(NULL, size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (dev->arena == MAP_FAILED) {
		dev->arena = NULL;
		return -errno;
	}
	dev->arena_size = size;
	dev->arena_iova = opts->arena_iova ?: VMDEV_DEFAULT_ARENA_IOVA;
	ret = vmdev_map(dev, dev->arena, dev->arena_iova, size, VMDEV_MAP_RW);
	if (ret)
		return ret;
	dev->arena_mapped = true;
	return 0;
}

static struct vmdev *vmdev_alloc(const struct vmdev_open_opts *opts)
{
	struct vmdev *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	dev->container_fd = -1;
	dev->group_fd = -1;
	dev->fd = -1;
	dev->config_fd = -1;
	dev->flags = opts->flags;
	dev->page_size = sysconf(_SC_PAGESIZE);
	return dev;
}

/* Everything after the device fd is open, whatever the front end. */
static int vmdev_open_common(struct vmdev *dev,
			     const struct vmdev_open_opts *opts)
{
	int ret = 0;

	if (!(opts->flags & VMDEV_OPEN_NO_OWNER))
		ret = vmdev_ioctl(dev, VHOST_SET_OWNER, NULL);
	if (!ret && dev->mem_ops->setup)
		ret = dev->mem_ops->setup(dev);
	if (!ret)
		ret = vmdev_query(dev);
	if (!ret)
		ret = vmdev_alloc_vqs(dev);
	if (!ret)
		ret = vmdev_arena_init(dev, opts);
	return ret;
}

int vmdev_open(struct vmdev **devp, const char *uuid,
	       const struct vmdev_open_opts *opts)
{
	static const struct vmdev_open_opts defaults;
	char path[PATH_MAX];
	struct vmdev *dev;
	int ret;

	if (!opts)
		opts = &defaults;
	if (!vmdev_uuid_valid(uuid))
		return -EINVAL;
	if (opts->flags & VMDEV_OPEN_CDEV) {
		ret = vmdev_cdev_path(uuid, path, sizeof(path));
		return ret ? ret : vmdev_open_path(devp, path, opts);
	}
	dev = vmdev_alloc(opts);
	if (!dev)
		return -ENOMEM;
	snprintf(dev->uuid, sizeof(dev->uuid), "%s", uuid);
	dev->mem_ops = &vmdev_vfio_mem_ops;

	ret = vmdev_vfio_open(dev);
	if (!ret)
		ret = vmdev_open_common(dev, opts);
	if (ret) {
		vmdev_close(dev);
		return ret;
	}
	*devp = dev;
	return 0;
}

int vmdev_open_path(struct vmdev **devp, const char *path,
		    const struct vmdev_open_opts *opts)
{
	static const struct vmdev_open_opts defaults;
	struct vmdev *dev;
	int ret;

	if (!opts)
		opts = &defaults;
	dev = vmdev_alloc(opts);
	if (!dev)
		return -ENOMEM;
	dev->cdev = true;
	dev->mem_ops = &vmdev_iotlb_mem_ops;

	ret = vmdev_cdev_open(dev, path);
	if (!ret)
		ret = vmdev_open_common(dev, opts);
	if (ret) {
		vmdev_close(dev);
		return ret;
	}
	*devp = dev;
	return 0;
}

static void vmdev_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void vmdev_release_vqs(struct vmdev *dev)
{
	unsigned int i;

	vmdev_net_release(dev);
	for (i = 0; dev->vqs && i < dev->nvqs; i++)
		vmdev_vq_release(&dev->vqs[i]);
	dev->arena_used = 0;
}

void vmdev_close(struct vmdev *dev)
{
	struct vmdev_region *r, *next;

	if (!dev)
		return;
	if (dev->fd >= 0)
		vmdev_set_status(dev, 0);
	vmdev_release_vqs(dev);
	free(dev->vqs);
	if (dev->arena_mapped)
		vmdev_unmap(dev, dev->arena_iova, dev->arena_size);
	if (dev->arena)
		munmap(dev->arena, dev->arena_size);
	for (r = dev->regions; r; r = next) {
		next = r->next;
		vmdev_unmap(dev, r->iova, r->size);
		munmap(r->vaddr, r->size);
		free(r);
	}
	vmdev_close_fd(&dev->config_fd);
	vmdev_close_fd(&dev->fd);
	vmdev_close_fd(&dev->group_fd);
	vmdev_close_fd(&dev->container_fd);
	free(dev);
}

int vmdev_get_status(struct vmdev *dev)
{
	uint8_t status;
	int ret;

	ret = vmdev_ioctl(dev, VHOST_VDPA_GET_STATUS, &status);
	return ret ? ret : status;
}

int vmdev_set_status(struct vmdev *dev, uint8_t status)
{
	return vmdev_ioctl(dev, VHOST_VDPA_SET_STATUS, &status);
}

int vmdev_add_status(struct vmdev *dev, uint8_t bits)
{
	int status = vmdev_get_status(dev);

	if (status < 0)
		return status;
	return vmdev_set_status(dev, status | bits);
}

int vmdev_reset(struct vmdev *dev)
{
	int ret = vmdev_set_status(dev, 0);

	vmdev_release_vqs(dev);
	dev->driver_features = 0;
	if (!ret && dev->mem_ops->after_reset)
		ret = dev->mem_ops->after_reset(dev);
	return ret;
}

int vmdev_negotiate(struct vmdev *dev, uint64_t wanted)
{
	const uint64_t needed = (1ULL << VIRTIO_F_VERSION_1) |
				(1ULL << VIRTIO_F_ACCESS_PLATFORM);
	uint64_t features;
	int ret, status;

	if ((dev->device_features & needed) != needed)
		return -EPROTO;
	features = (wanted & dev->device_features) | needed;

	ret = vmdev_reset(dev);
	if (!ret)
		ret = vmdev_add_status(dev, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	if (!ret)
		ret = vmdev_add_status(dev, VIRTIO_CONFIG_S_DRIVER);
	if (!ret)
		ret = vmdev_ioctl(dev, VHOST_SET_FEATURES, &features);
	if (!ret)
		ret = vmdev_add_status(dev, VIRTIO_CONFIG_S_FEATURES_OK);
	if (ret)
		return ret;
	status = vmdev_get_status(dev);
	if (status < 0)
		return status;
	if (!(status & VIRTIO_CONFIG_S_FEATURES_OK))
		return -EPROTO;
	dev->driver_features = features;
	return 0;
}

int vmdev_driver_ok(struct vmdev *dev)
{
	return vmdev_add_status(dev, VIRTIO_CONFIG_S_DRIVER_OK);
}

int vmdev_needs_reset(struct vmdev *dev)
{
	int status = vmdev_get_status(dev);

	if (status < 0)
		return status;
	return !!(status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static int vmdev_config_io(struct vmdev *dev, unsigned long cmd,
			   unsigned int off, void *buf, unsigned int len,
			   bool write)
{
	struct vhost_vdpa_config *c;
	int ret;

	c = calloc(1, sizeof(*c) + len);
	if (!c)
		return -ENOMEM;
	c->off = off;
	c->len = len;
	if (write)
		memcpy(c->buf, buf, len);
	ret = vmdev_ioctl(dev, cmd, c);
	if (!ret && !write)
		memcpy(buf, c->buf, len);
	free(c);
	return ret;
}

int vmdev_get_config(struct vmdev *dev, unsigned int off, void *buf,
		     unsigned int len)
{
	return vmdev_config_io(dev, VHOST_VDPA_GET_CONFIG, off, buf, len,
			       false);
}

int vmdev_set_config(struct vmdev *dev, unsigned int off, const void *buf,
		     unsigned int len)
{
	return vmdev_config_io(dev, VHOST_VDPA_SET_CONFIG, off, (void *)buf,
			       len, true);
}

int vmdev_net_get_config(struct vmdev *dev, struct vmdev_net_config *cfg)
{
	struct virtio_net_config raw = {};
	unsigned int len = dev->config_size;
	int ret;

	if (len > offsetof(struct virtio_net_config, mtu) + sizeof(raw.mtu))
		len = offsetof(struct virtio_net_config, mtu) + sizeof(raw.mtu);
	ret = vmdev_get_config(dev, 0, &raw, len);
	if (ret)
		return ret;
	memcpy(cfg->mac, raw.mac, sizeof(cfg->mac));
	cfg->status = le16toh(raw.status);
	cfg->max_virtqueue_pairs = le16toh(raw.max_virtqueue_pairs);
	cfg->mtu = le16toh(raw.mtu);
	return 0;
}

int vmdev_config_eventfd(struct vmdev *dev)
{
	int fd, ret;

	if (dev->config_fd >= 0)
		return dev->config_fd;
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	ret = vmdev_ioctl(dev, VHOST_VDPA_SET_CONFIG_CALL, &fd);
	if (ret) {
		close(fd);
		return ret;
	}
	dev->config_fd = fd;
	return fd;
}

int64_t vmdev_wait_eventfd(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t val;
	int ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return -errno;
	if (!ret)
		return 0;
	if (read(fd, &val, sizeof(val)) != sizeof(val))
		return errno == EAGAIN ? 0 : -errno;
	return (int64_t)val;
}

int vmdev_backend_feature(struct vmdev *dev, unsigned int bit)
{
	uint64_t offered, want;
	int ret;

	if (dev->backend_features & (1ULL << bit))
		return 0;
	ret = vmdev_ioctl(dev, VHOST_GET_BACKEND_FEATURES, &offered);
	if (ret)
		return ret;
	if (!(offered & (1ULL << bit)))
		return -EOPNOTSUPP;
	/* Keep what the memory backend negotiated at open. */
	want = dev->backend_features | (1ULL << bit) |
	       (offered & ((1ULL << VHOST_BACKEND_F_SUSPEND) |
			   (1ULL << VHOST_BACKEND_F_RESUME)));
	ret = vmdev_ioctl(dev, VHOST_SET_BACKEND_FEATURES, &want);
	if (!ret)
		dev->backend_features = want;
	return ret;
}

int vmdev_suspend(struct vmdev *dev)
{
	int ret = vmdev_backend_feature(dev, VHOST_BACKEND_F_SUSPEND);

	return ret ? ret : vmdev_ioctl(dev, VHOST_VDPA_SUSPEND, NULL);
}

int vmdev_resume(struct vmdev *dev)
{
	int ret = vmdev_backend_feature(dev, VHOST_BACKEND_F_RESUME);

	return ret ? ret : vmdev_ioctl(dev, VHOST_VDPA_RESUME, NULL);
}
