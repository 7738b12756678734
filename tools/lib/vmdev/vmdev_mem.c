// SPDX-License-Identifier: GPL-2.0-only
/*
 * libvmdev: mapping memory for the device.
 *
 * The backend (struct vmdev_mem_ops) is the only part that knows how IOVAs
 * reach the device: here VFIO_IOMMU_MAP_DMA on the container. The arena is
 * one library-owned mapping that rings and buffers are carved out of.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/vfio.h>

#include "vmdev_internal.h"

static int vmdev_vfio_map(struct vmdev *dev, void *vaddr, uint64_t iova,
			  size_t size, unsigned int perm)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	if (perm & VMDEV_MAP_READ)
		map.flags |= VFIO_DMA_MAP_FLAG_READ;
	if (perm & VMDEV_MAP_WRITE)
		map.flags |= VFIO_DMA_MAP_FLAG_WRITE;
	if (ioctl(dev->container_fd, VFIO_IOMMU_MAP_DMA, &map))
		return -errno;
	return 0;
}

static int vmdev_vfio_unmap(struct vmdev *dev, uint64_t iova, size_t size)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = size,
	};

	if (ioctl(dev->container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return -errno;
	return 0;
}

const struct vmdev_mem_ops vmdev_vfio_mem_ops = {
	.name = "vfio",
	.map = vmdev_vfio_map,
	.unmap = vmdev_vfio_unmap,
};

static bool vmdev_page_aligned(const struct vmdev *dev, uint64_t v)
{
	return !(v & (dev->page_size - 1));
}

int vmdev_map(struct vmdev *dev, void *vaddr, uint64_t iova, size_t size,
	      unsigned int perm)
{
	if (!size || !vmdev_page_aligned(dev, (uintptr_t)vaddr) ||
	    !vmdev_page_aligned(dev, iova) || !vmdev_page_aligned(dev, size) ||
	    !(perm & VMDEV_MAP_RW))
		return -EINVAL;
	return dev->mem_ops->map(dev, vaddr, iova, size, perm);
}

int vmdev_unmap(struct vmdev *dev, uint64_t iova, size_t size)
{
	if (!size || !vmdev_page_aligned(dev, iova) ||
	    !vmdev_page_aligned(dev, size))
		return -EINVAL;
	return dev->mem_ops->unmap(dev, iova, size);
}

void *vmdev_mem_alloc(struct vmdev *dev, size_t size, uint64_t iova)
{
	struct vmdev_region *r;
	int ret;

	size = (size + dev->page_size - 1) & ~(dev->page_size - 1);
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->vaddr = mmap(NULL, size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->vaddr == MAP_FAILED) {
		free(r);
		return NULL;
	}
	ret = vmdev_map(dev, r->vaddr, iova, size, VMDEV_MAP_RW);
	if (ret) {
		munmap(r->vaddr, size);
		free(r);
		errno = -ret;
		return NULL;
	}
	r->iova = iova;
	r->size = size;
	r->next = dev->regions;
	dev->regions = r;
	return r->vaddr;
}

int vmdev_mem_free(struct vmdev *dev, void *vaddr)
{
	struct vmdev_region **pp, *r;
	int ret;

	for (pp = &dev->regions; *pp; pp = &(*pp)->next) {
		r = *pp;
		if (r->vaddr != vaddr)
			continue;
		ret = vmdev_unmap(dev, r->iova, r->size);
		munmap(r->vaddr, r->size);
		*pp = r->next;
		free(r);
		return ret;
	}
	return -ENOENT;
}

void *vmdev_arena_alloc(struct vmdev *dev, size_t size, size_t align,
			uint64_t *iova)
{
	size_t off;

	if (!align || (align & (align - 1))) {
		errno = EINVAL;
		return NULL;
	}
	off = (dev->arena_used + align - 1) & ~(align - 1);
	if (off > dev->arena_size || size > dev->arena_size - off) {
		errno = ENOMEM;
		return NULL;
	}
	dev->arena_used = off + size;
	memset(dev->arena + off, 0, size);
	if (iova)
		*iova = dev->arena_iova + off;
	return dev->arena + off;
}

uint64_t vmdev_arena_iova(const struct vmdev *dev, const void *p)
{
	const uint8_t *b = p;

	if (b < dev->arena || b >= dev->arena + dev->arena_size)
		return UINT64_MAX;
	return dev->arena_iova + (uint64_t)(b - dev->arena);
}

/* IOVA of [@p, @p + @len) in the arena or a library-owned region. */
uint64_t vmdev_iova_of(const struct vmdev *dev, const void *p, size_t len)
{
	const struct vmdev_region *r;
	const uint8_t *b = p;

	if (b >= dev->arena && b < dev->arena + dev->arena_size &&
	    len <= (size_t)(dev->arena + dev->arena_size - b))
		return dev->arena_iova + (uint64_t)(b - dev->arena);
	for (r = dev->regions; r; r = r->next) {
		const uint8_t *v = r->vaddr;

		if (b >= v && b < v + r->size &&
		    len <= (size_t)(v + r->size - b))
			return r->iova + (uint64_t)(b - v);
	}
	return UINT64_MAX;
}

/* Unmap, then map again, [@vaddr, @vaddr + @size) at @iova. */
static int vmdev_remap(struct vmdev *dev, void *vaddr, uint64_t iova,
		       size_t size)
{
	int ret;

	ret = dev->mem_ops->unmap(dev, iova, size);
	if (!ret)
		ret = dev->mem_ops->map(dev, vaddr, iova, size, VMDEV_MAP_RW);
	return ret;
}

/*
 * Map the arena (if it was mapped) and every library-owned region again,
 * after a reset that dropped the device's mappings. Each range is unmapped
 * first, as QEMU and DPDK do: upstream 6.1 vhost-vdpa keeps its own record
 * of the mappings across the reset that made the device forget them, and
 * refuses an UPDATE of a range it still records (EEXIST, which its write()
 * reports as EFAULT). Unmapping what is not mapped is not an error.
 */
int vmdev_remap_all(struct vmdev *dev)
{
	const struct vmdev_region *r;
	int ret = 0;

	if (dev->arena_mapped)
		ret = vmdev_remap(dev, dev->arena, dev->arena_iova,
				  dev->arena_size);
	for (r = dev->regions; r && !ret; r = r->next)
		ret = vmdev_remap(dev, r->vaddr, r->iova, r->size);
	return ret;
}

int vmdev_arena_map(struct vmdev *dev)
{
	int ret;

	if (dev->arena_mapped)
		return 0;
	ret = vmdev_map(dev, dev->arena, dev->arena_iova, dev->arena_size,
			VMDEV_MAP_RW);
	if (!ret)
		dev->arena_mapped = true;
	return ret;
}

int vmdev_arena_unmap(struct vmdev *dev)
{
	int ret;

	if (!dev->arena_mapped)
		return 0;
	ret = vmdev_unmap(dev, dev->arena_iova, dev->arena_size);
	if (!ret)
		dev->arena_mapped = false;
	return ret;
}
