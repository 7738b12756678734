// SPDX-License-Identifier: GPL-2.0-only
/*
 * The character device driven the way real clients drive upstream
 * vhost-vdpa (the ioctl traces of QEMU 7.2's -netdev vhost-vdpa and DPDK
 * 22.11's virtio_user, recorded on Linux 6.1): every call of the trace in
 * its order, with its quirks (SET_VRING_CALL before SET_FEATURES,
 * SET_BACKEND_FEATURES after FEATURES_OK, INVALIDATE(0, SIZE_MAX) on an
 * empty space, GET_VRING_BASE after the reset, rings disabled and enabled
 * around a memory change while DRIVER_OK stays set), then a frame looped
 * back through hand-made split rings and compared byte for byte.
 */
#include <endian.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <linux/virtio_ids.h>

#include "kselftest_harness.h"
#include "cdev_test.h"

#define RING_NUM	64
#define MEM_SIZE	(16 * PAGE)
/* Ring q at page q; the RX buffer at page 8, the TX buffer at page 10. */
#define RING_OFF(q)	((q) * PAGE)
#define RX_BUF_OFF	(8 * PAGE)
#define TX_BUF_OFF	(10 * PAGE)
#define RX_BUF_LEN	(2 * PAGE)
#define NET_HDR_LEN	12
#define FRAME_LEN	1000
#define RXQ		0
#define TXQ		1
/* Where QEMU would put guest RAM and a ROM, in guest-physical addresses. */
#define QEMU_RAM_IOVA	0x0ULL
#define QEMU_ROM_IOVA	0xfffc0000ULL

#define NET_FEATURES	(BIT64(VIRTIO_F_VERSION_1) |			\
			 BIT64(VIRTIO_F_ACCESS_PLATFORM) |		\
			 BIT64(VIRTIO_NET_F_MAC))

/* Everything a test builds, for the helpers and the teardown. */
struct client {
	char uuid[UUID_BUF];
	int fd;
	uint8_t *mem;		/* rings and buffers: the "guest RAM" */
	uint8_t *rom;		/* a read-only page */
	uint64_t iova;		/* IOVA of mem */
	int kick[2];
	int call[2];
	uint16_t avail[2];	/* next avail index per ring */
	uint16_t used[2];	/* next used index to consume per ring */
	uint8_t mac[6];
};

FIXTURE(client) {
	struct client c;
};

FIXTURE_SETUP(client)
{
	struct client *c = &self->c;
	unsigned int q;

	c->fd = -1;
	for (q = 0; q < 2; q++) {
		c->kick[q] = -1;
		c->call[q] = -1;
	}
	c->mem = MAP_FAILED;
	c->rom = MAP_FAILED;
	require_vhost_mdev(_metadata);
	/* One queue pair and its control queue, as both clients use. */
	ASSERT_EQ(0, vhost_create(c->uuid, 1, NULL));
	ASSERT_EQ(0, dev_mac(c->uuid, c->mac));
	c->mem = anon_pages(MEM_SIZE);
	ASSERT_NE(MAP_FAILED, c->mem);
	c->rom = anon_pages(PAGE);
	ASSERT_NE(MAP_FAILED, c->rom);
	ASSERT_EQ(0, mprotect(c->rom, PAGE, PROT_READ));
	for (q = 0; q < 2; q++) {
		c->kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		c->call[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ASSERT_LE(0, c->kick[q]);
		ASSERT_LE(0, c->call[q]);
	}
}

FIXTURE_TEARDOWN(client)
{
	struct client *c = &self->c;
	unsigned int q;

	if (c->fd >= 0)
		close(c->fd);
	for (q = 0; q < 2; q++) {
		if (c->kick[q] >= 0)
			close(c->kick[q]);
		if (c->call[q] >= 0)
			close(c->call[q]);
	}
	if (c->mem != MAP_FAILED)
		munmap(c->mem, MEM_SIZE);
	if (c->rom != MAP_FAILED)
		munmap(c->rom, PAGE);
	mdev_cleanup(c->uuid);
}

#define IOCTL(req, arg)	xioctl(c->fd, (req), (arg))

/* The ring areas of queue @q, laid out in its page. */
static struct vring_desc *ring_desc(uint8_t *mem, unsigned int q)
{
	return (struct vring_desc *)(mem + RING_OFF(q));
}

static struct vring_avail *ring_avail(uint8_t *mem, unsigned int q)
{
	return (struct vring_avail *)(mem + RING_OFF(q) + 1024);
}

static struct vring_used *ring_used(uint8_t *mem, unsigned int q)
{
	return (struct vring_used *)(mem + RING_OFF(q) + 2048);
}

/* NUM, BASE 0, ADDR, KICK of ring @q: the per-queue part of both traces. */
static int ring_setup(int fd, uint8_t *mem, uint64_t iova, unsigned int q,
		      int kick)
{
	struct vhost_vring_addr a = {
		.index = q,
		.desc_user_addr = iova + RING_OFF(q),
		.avail_user_addr = iova + RING_OFF(q) + 1024,
		.used_user_addr = iova + RING_OFF(q) + 2048,
	};
	int ret;

	memset(mem + RING_OFF(q), 0, PAGE);
	ret = fd_vring_state(fd, VHOST_SET_VRING_NUM, q, RING_NUM);
	if (!ret)
		ret = fd_vring_state(fd, VHOST_SET_VRING_BASE, q, 0);
	if (!ret)
		ret = xioctl(fd, VHOST_SET_VRING_ADDR, &a);
	if (!ret)
		ret = fd_vring_file(fd, VHOST_SET_VRING_KICK, q, kick);
	return ret;
}

/* Make descriptor 0 of ring @q (@len bytes at @off) available and kick. */
static int ring_post(struct client *c, unsigned int q,
		     size_t off, uint32_t len, uint16_t flags)
{
	struct vring_desc *d = ring_desc(c->mem, q);
	struct vring_avail *avail = ring_avail(c->mem, q);
	uint64_t one = 1;

	d->addr = htole64(c->iova + off);
	d->len = htole32(len);
	d->flags = htole16(flags);
	avail->ring[c->avail[q] % RING_NUM] = 0;
	__atomic_store_n(&avail->idx, htole16(++c->avail[q]),
			 __ATOMIC_RELEASE);
	return write(c->kick[q], &one, sizeof(one)) == sizeof(one) ?
	       0 : -errno;
}

/* Wait for ring @q to use its buffer: the length used, or -ETIMEDOUT. */
static long ring_wait(struct client *c, unsigned int q)
{
	struct vring_used *used = ring_used(c->mem, q);
	int i;

	for (i = 0; i < WAIT_MS; i++) {
		if (le16toh(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE)) !=
		    c->used[q])
			return le32toh(used->ring[c->used[q]++ %
						  RING_NUM].len);
		vmdev_wait_eventfd(c->call[q], 1);
	}
	return -ETIMEDOUT;
}

/* One frame sent on TX comes back on RX, intact. */
#define EXPECT_FRAME_LOOPS_BACK(seq) do {				\
	uint8_t *__rx = c->mem + RX_BUF_OFF;				\
	uint8_t *__tx = c->mem + TX_BUF_OFF;				\
	uint32_t __seq = ~0U, __want = (seq);				\
									\
	memset(__rx, 0, RX_BUF_LEN);					\
	memset(__tx, 0, NET_HDR_LEN);					\
	vmdev_fill_frame(__tx + NET_HDR_LEN, FRAME_LEN, c->mac,	\
			 c->mac, __want);				\
	ASSERT_EQ(0, ring_post(c, RXQ, RX_BUF_OFF, RX_BUF_LEN,	\
			       VRING_DESC_F_WRITE));			\
	ASSERT_EQ(0, ring_post(c, TXQ, TX_BUF_OFF,			\
			       NET_HDR_LEN + FRAME_LEN, 0));		\
	EXPECT_LE(0, ring_wait(c, TXQ));				\
	EXPECT_EQ(NET_HDR_LEN + FRAME_LEN, ring_wait(c, RXQ));	\
	EXPECT_EQ(-1, vmdev_check_frame(__rx + NET_HDR_LEN, FRAME_LEN,	\
					&__seq));			\
	EXPECT_EQ(__want, __seq);					\
} while (0)

/* SET_VRING_ENABLE of both rings. */
static int rings_enable(int fd, bool enable)
{
	unsigned int q;
	int ret = 0;

	for (q = 0; q < 2 && !ret; q++)
		ret = fd_vring_state(fd, VHOST_VDPA_SET_VRING_ENABLE, q, enable);
	return ret;
}

static int iotlb_batch(int fd, bool begin)
{
	return iotlb(fd, begin ? VHOST_IOTLB_BATCH_BEGIN :
		     VHOST_IOTLB_BATCH_END, 0, 0, NULL, 0);
}

/* QEMU's start: the guest drives virtio-net-pci up to DRIVER_OK. */
static void qemu_start(struct __test_metadata *_metadata,
		       struct client *c)
{
	struct vhost_vdpa_iova_range range;
	struct {
		struct vhost_vdpa_config c;
		uint8_t mac[6];
	} cfg = { .c = { .off = 0, .len = 6 } };
	uint64_t features, backend;
	uint32_t id;
	unsigned int q;
	void *bell;

	c->iova = QEMU_RAM_IOVA;
	c->fd = node_open(c->uuid);
	ASSERT_LE(0, c->fd);
	ASSERT_EQ(0, IOCTL(VHOST_GET_FEATURES, &features));
	ASSERT_EQ(0, IOCTL(VHOST_VDPA_GET_IOVA_RANGE, &range));
	ASSERT_LE(0, fd_get_status(c->fd));
	ASSERT_EQ(0, fd_set_status(c->fd, VIRTIO_CONFIG_S_ACKNOWLEDGE |
				VIRTIO_CONFIG_S_DRIVER));
	ASSERT_EQ(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER,
		  fd_get_status(c->fd));
	ASSERT_EQ(0, IOCTL(VHOST_SET_OWNER, NULL));
	ASSERT_EQ(0, IOCTL(VHOST_GET_FEATURES, &features));
	/* call eventfds before any feature is set */
	for (q = 0; q < 2; q++)
		ASSERT_EQ(0, fd_vring_file(c->fd, VHOST_SET_VRING_CALL, q,
					   c->call[q]));
	ASSERT_EQ(0, IOCTL(VHOST_VDPA_GET_DEVICE_ID, &id));
	ASSERT_EQ(VIRTIO_ID_NET, id);
	memcpy(cfg.mac, c->mac, 6);
	ASSERT_EQ(0, IOCTL(VHOST_VDPA_SET_CONFIG, &cfg));
	ASSERT_EQ(0, IOCTL(VHOST_VDPA_GET_CONFIG, &cfg));
	ASSERT_EQ(0, memcmp(cfg.mac, c->mac, 6));

	/* the guest sets DRIVER_OK: QEMU starts the device */
	for (q = 0; q < 2; q++)
		ASSERT_EQ(0, fd_vring_file(c->fd, VHOST_SET_VRING_CALL, q,
					   c->call[q]));
	features &= NET_FEATURES;
	ASSERT_EQ(0, IOCTL(VHOST_SET_FEATURES, &features));
	ASSERT_EQ(0, fd_set_status(c->fd, VIRTIO_CONFIG_S_ACKNOWLEDGE |
				VIRTIO_CONFIG_S_DRIVER |
				VIRTIO_CONFIG_S_FEATURES_OK));
	/* backend features after FEATURES_OK */
	ASSERT_EQ(0, IOCTL(VHOST_GET_BACKEND_FEATURES, &backend));
	backend &= IOTLB_FEATURES;
	ASSERT_EQ(IOTLB_FEATURES, backend);
	ASSERT_EQ(0, IOCTL(VHOST_SET_BACKEND_FEATURES, &backend));
	for (q = 0; q < 2; q++) {
		ASSERT_EQ(0, ring_setup(c->fd, c->mem, c->iova, q,
					c->kick[q]));
		/* the doorbell: mvnet has none, QEMU keeps the eventfd */
		bell = mmap(NULL, PAGE, PROT_WRITE, MAP_SHARED, c->fd,
			    q * PAGE);
		EXPECT_EQ(MAP_FAILED, bell);
		EXPECT_EQ(EOPNOTSUPP, errno);
	}
	ASSERT_EQ(0, rings_enable(c->fd, true));
	ASSERT_EQ(0, iotlb_batch(c->fd, true));
	ASSERT_EQ(0, iotlb_update(c->fd, QEMU_RAM_IOVA, MEM_SIZE,
				  c->mem, VHOST_ACCESS_RW));
	ASSERT_EQ(0, iotlb_update(c->fd, QEMU_ROM_IOVA, PAGE, c->rom,
				  VHOST_ACCESS_RO));
	ASSERT_EQ(0, iotlb_batch(c->fd, false));
	ASSERT_EQ(0, fd_set_status(c->fd, VIRTIO_CONFIG_S_ACKNOWLEDGE |
				VIRTIO_CONFIG_S_DRIVER |
				VIRTIO_CONFIG_S_FEATURES_OK |
				VIRTIO_CONFIG_S_DRIVER_OK));
}

TEST_F(client, qemu_7_2_starts_and_carries_frames)
{
	struct client *c = &self->c;

	qemu_start(_metadata, c);
	EXPECT_FRAME_LOOPS_BACK(1);
	EXPECT_FRAME_LOOPS_BACK(2);
}

TEST_F(client, qemu_7_2_stops_and_starts_again)
{
	struct client *c = &self->c;

	struct vhost_vring_state s;
	unsigned int q;

	qemu_start(_metadata, c);
	EXPECT_FRAME_LOOPS_BACK(1);
	/* stop: reset, unmap everything, then read where the rings were */
	ASSERT_EQ(0, fd_set_status(c->fd, 0));
	ASSERT_EQ(0, iotlb_batch(c->fd, true));
	EXPECT_EQ(0, iotlb_invalidate(c->fd, QEMU_RAM_IOVA, MEM_SIZE));
	EXPECT_EQ(0, iotlb_invalidate(c->fd, QEMU_ROM_IOVA, PAGE));
	ASSERT_EQ(0, iotlb_batch(c->fd, false));
	/*
	 * QEMU restores the ring's last available index from this: it is
	 * where the ring stopped (one buffer each way went through), not
	 * where a reset put it.
	 */
	for (q = 0; q < 2; q++) {
		s = (struct vhost_vring_state){ .index = q, .num = ~0U };
		EXPECT_EQ(0, IOCTL(VHOST_GET_VRING_BASE, &s));
		EXPECT_EQ(1, s.num) TH_LOG("ring %u", q);
	}
	close(c->fd);
	c->fd = -1;

	/* a guest reboot: everything again from the top */
	memset(c->avail, 0, sizeof(c->avail));
	memset(c->used, 0, sizeof(c->used));
	qemu_start(_metadata, c);
	EXPECT_FRAME_LOOPS_BACK(2);
}

/* DPDK's start, with IOVA = VA, up to status 0xf. */
static void dpdk_start(struct __test_metadata *_metadata,
		       struct client *c)
{
	struct {
		struct vhost_vdpa_config c;
		uint8_t mac[6];
	} cfg = { .c = { .off = 0, .len = 6 } };
	uint64_t features, backend;
	unsigned int q;
	uint32_t id;

	c->iova = (uintptr_t)c->mem;
	c->fd = node_open(c->uuid);
	ASSERT_LE(0, c->fd);
	ASSERT_EQ(0, IOCTL(VHOST_VDPA_GET_DEVICE_ID, &id));
	ASSERT_EQ(VIRTIO_ID_NET, id);
	ASSERT_EQ(0, IOCTL(VHOST_SET_OWNER, NULL));
	ASSERT_EQ(0, IOCTL(VHOST_GET_FEATURES, &features));
	ASSERT_EQ(0, IOCTL(VHOST_GET_BACKEND_FEATURES, &backend));
	backend &= IOTLB_FEATURES;
	ASSERT_EQ(IOTLB_FEATURES, backend);
	ASSERT_EQ(0, IOCTL(VHOST_SET_BACKEND_FEATURES, &backend));
	ASSERT_EQ(0, IOCTL(VHOST_VDPA_GET_CONFIG, &cfg));
	ASSERT_EQ(0, memcmp(cfg.mac, c->mac, 6));
	ASSERT_EQ(0, fd_set_status(c->fd, 0));
	ASSERT_EQ(0, fd_set_status(c->fd, VIRTIO_CONFIG_S_ACKNOWLEDGE));
	ASSERT_EQ(0, fd_set_status(c->fd, VIRTIO_CONFIG_S_ACKNOWLEDGE |
				VIRTIO_CONFIG_S_DRIVER));
	for (q = 0; q < 2; q++)
		ASSERT_EQ(0, fd_vring_file(c->fd, VHOST_SET_VRING_CALL, q,
					   c->call[q]));
	features &= NET_FEATURES;
	ASSERT_EQ(0, IOCTL(VHOST_SET_FEATURES, &features));
	ASSERT_EQ(0, fd_set_status(c->fd, 0xb));
	/* the memory table: everything invalidated, then mapped 1:1 */
	ASSERT_EQ(0, iotlb_batch(c->fd, true));
	ASSERT_EQ(0, iotlb_invalidate(c->fd, 0, UINT64_MAX));
	ASSERT_EQ(0, iotlb_update(c->fd, c->iova, MEM_SIZE, c->mem,
				  VHOST_ACCESS_RW));
	ASSERT_EQ(0, iotlb_batch(c->fd, false));
	for (q = 0; q < 2; q++)
		ASSERT_EQ(0, ring_setup(c->fd, c->mem, c->iova, q,
					c->kick[q]));
	ASSERT_EQ(0, rings_enable(c->fd, true));
	ASSERT_EQ(0, fd_set_status(c->fd, 0xf));
	ASSERT_EQ(0xf, fd_get_status(c->fd));
}

TEST_F(client, dpdk_22_11_starts_and_carries_frames)
{
	struct client *c = &self->c;

	dpdk_start(_metadata, c);
	EXPECT_FRAME_LOOPS_BACK(1);
	EXPECT_FRAME_LOOPS_BACK(2);
}

TEST_F(client, dpdk_22_11_memory_hotplug_while_driver_ok)
{
	struct client *c = &self->c;

	dpdk_start(_metadata, c);
	EXPECT_FRAME_LOOPS_BACK(1);
	ASSERT_EQ(0, rings_enable(c->fd, false));
	ASSERT_EQ(0, iotlb_batch(c->fd, true));
	ASSERT_EQ(0, iotlb_invalidate(c->fd, 0, UINT64_MAX));
	ASSERT_EQ(0, iotlb_update(c->fd, c->iova, MEM_SIZE, c->mem,
				  VHOST_ACCESS_RW));
	ASSERT_EQ(0, iotlb_batch(c->fd, false));
	ASSERT_EQ(0, rings_enable(c->fd, true));
	/* DRIVER_OK never left, and the rings resume where they were */
	EXPECT_EQ(0xf, fd_get_status(c->fd));
	EXPECT_FRAME_LOOPS_BACK(2);
	EXPECT_FRAME_LOOPS_BACK(3);
}

TEST_F(client, dpdk_22_11_stops)
{
	struct client *c = &self->c;

	struct vhost_vring_state s;
	unsigned int q;

	dpdk_start(_metadata, c);
	EXPECT_FRAME_LOOPS_BACK(1);
	ASSERT_EQ(0, rings_enable(c->fd, false));
	for (q = 0; q < 2; q++) {
		s = (struct vhost_vring_state){ .index = q };
		ASSERT_EQ(0, IOCTL(VHOST_GET_VRING_BASE, &s));
		/* one buffer each way went through */
		EXPECT_EQ(1, s.num) TH_LOG("ring %u", q);
	}
	ASSERT_EQ(0, fd_set_status(c->fd, 0));
	EXPECT_EQ(0, fd_get_status(c->fd));
}

TEST_HARNESS_MAIN
