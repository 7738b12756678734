// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmdev_vf, both personalities over one wire: the test VM's two modern
 * virtio-net functions (a QEMU hub between them, an emulated IOMMU in
 * front) are bound to vmdev_vf, the first with a vmdev_vf-vhost device
 * that this test drives with libvmdev (through the function's own IOMMU
 * group with VFIO, or through the device's character device, whose IOMMU
 * domain then sits on the function's group), the second with a
 * vmdev_vf-virtio device whose kernel interface has an IPv4 address. We
 * are the host at the first function's end of the wire: the kernel
 * answers our ARP and ICMP echo requests, byte for byte, whether we kick
 * the queues through their eventfds or by writing the mmapped doorbells;
 * and a descriptor pointing at an IOVA that is not mapped (in the
 * container, or through the character device) reaches no memory: the
 * IOMMU stops the function, which reports the error (NEEDS_RESET, a
 * config interrupt), sends nothing, and works again after a reset.
 *
 * The functions are bound through driver_override, as vmdev_vf.sh does,
 * and left unbound without an override by the teardown, as the other
 * vmdev_vf tests expect to find them.
 */
#include <endian.h>
#include <sys/mman.h>
#include <linux/vhost_types.h>

#include "kselftest_harness.h"
#include "../net_peer.h"
#include "vf_test.h"

/* Addresses private to the test VM: no real network is involved. */
#define IF_ADDR			"10.97.0.1/24"
static const uint8_t if_ip[4] = { 10, 97, 0, 1 };
static const uint8_t our_ip[4] = { 10, 97, 0, 2 };

/* A frame that should not come gets this long to come anyway. */
#define NO_FRAME_WAIT_MS	1500

/*
 * Below the library's arena (1 GiB) and its buffer pool (5 GiB): mapped
 * for a moment, then unmapped before the device is told about it.
 */
#define BAD_IOVA		0x20000000ULL

#define KMSG			"/dev/kmsg"
#define KMSG_BUF		1024
/* syslog levels: KERN_WARNING and worse */
#define KMSG_WARNING		4

/* Everything a test builds, for the helpers and the teardown. */
struct hw {
	char fn[2][PCI_NAME_BUF];	/* vhost side, virtio side */
	char vhost[UUID_BUF];
	char virtio[UUID_BUF];
	char ifname[IF_NAMESIZE];
	bool vnet_loaded_here;
	unsigned int open_flags;
	int kmsg_fd;
	struct vmdev_net_opts net;	/* for vmdev_net_start() */
	struct net_peer p;
};

FIXTURE(hw) {
	struct hw h;
};

FIXTURE_VARIANT(hw) {
	unsigned int open_flags;	/* the front end: vhost_mdev_test.h */
};

FIXTURE_VARIANT_ADD(hw, vfio) { .open_flags = 0 };
FIXTURE_VARIANT_ADD(hw, cdev) { .open_flags = VMDEV_OPEN_CDEV };

/*
 * Kernel log records since the setup at KERN_WARNING or worse that come
 * from one of our modules, or that are a splat: each is logged, and
 * counted. The IOMMU's own fault reports (DMAR) are logged, not counted.
 */
static int kmsg_ours(struct __test_metadata *_metadata, struct hw *h)
{
	static const char * const ours[] = {
		"vmdev", "vhost_mdev", "virtio_mdev", "mvnet", "mdev ",
	};
	char rec[KMSG_BUF], *msg;
	unsigned int i;
	int bad = 0;
	ssize_t n;
	bool mine;

	for (;;) {
		n = read(h->kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = '\0';
		mine = strstr(msg, "WARNING:") || strstr(msg, "BUG:") ||
		       strstr(msg, "Call Trace");
		for (i = 0; i < ARRAY_SIZE(ours); i++)
			mine |= !strncmp(msg, ours[i], strlen(ours[i]));
		if (strstr(msg, "DMAR"))
			TH_LOG("IOMMU: %s", msg);
		if (mine && atoi(rec) % 8 <= KMSG_WARNING) {
			TH_LOG("kernel log: %s", msg);
			bad++;
		}
	}
	return bad;
}

FIXTURE_SETUP(hw)
{
	struct hw *h = &self->h;

	h->kmsg_fd = -1;
	h->open_flags = variant->open_flags;
	vf_require(_metadata, h->fn, &h->vnet_loaded_here);
	/* From here on, only what this test makes the kernel say. */
	h->kmsg_fd = open(KMSG, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, h->kmsg_fd) TH_LOG("%s: %s", KMSG, strerror(errno));
	ASSERT_LE(0, lseek(h->kmsg_fd, 0, SEEK_END));
}

FIXTURE_TEARDOWN(hw)
{
	struct hw *h = &self->h;

	vmdev_close(h->p.dev);
	/* the interface goes with its device */
	mdev_cleanup(h->virtio);
	mdev_cleanup(h->vhost);
	fn_release(h->fn[0]);
	fn_release(h->fn[1]);
	if (h->kmsg_fd >= 0)
		close(h->kmsg_fd);
	if (h->vnet_loaded_here)
		module_unload(VIRTIO_NET_MODULE);
}

/*
 * Both functions bound, one device each; the interface with its address,
 * up; the vhost side opened with @flags (VMDEV_OPEN_*) through the
 * variant's front end and started with h->net, with the function's own MAC
 * as ours. Called from the tests rather than the setup, so that the
 * teardown removes whatever was built when an assertion fails midway.
 */
static void bring_up(struct __test_metadata *_metadata, struct hw *h,
		     unsigned int flags)
{
	struct vmdev_open_opts opts = { .flags = flags | h->open_flags };
	struct net_peer *p = &h->p;
	struct vmdev_net_config cfg;
	uint8_t attr_mac[6];
	char path[PATH_BUF];

	memcpy(p->ip, our_ip, 4);
	memcpy(p->if_ip, if_ip, 4);
	ASSERT_EQ(0, fn_bind(h->fn[0])) TH_LOG("binding %s", h->fn[0]);
	ASSERT_EQ(0, fn_bind(h->fn[1])) TH_LOG("binding %s", h->fn[1]);
	ASSERT_EQ(0, fn_create(h->fn[0], "vhost", h->vhost));
	ASSERT_EQ(0, fn_create(h->fn[1], "virtio", h->virtio));

	/* The virtio device hangs off its function, its DMA device. */
	fn_path(path, h->fn[1], NULL);
	ASSERT_EQ(0, find_iface(path, h->ifname))
		TH_LOG("no network interface under %s", h->fn[1]);
	iface_up(_metadata, p, h->ifname, IF_ADDR);

	ASSERT_EQ(0, vmdev_open(&p->dev, h->vhost, &opts));
	ASSERT_EQ(0, vmdev_net_get_config(p->dev, &cfg));
	ASSERT_EQ(0, dev_mac(h->vhost, attr_mac));
	ASSERT_EQ(-1, first_diff(cfg.mac, attr_mac, 6))
		TH_LOG("the fd's config and the mdev disagree on the MAC");
	memcpy(p->mac, cfg.mac, 6);
	ASSERT_EQ(0, vmdev_net_start(p->dev, &h->net));
}

static long rx_count(const char *ifname)
{
	char path[PATH_BUF];

	snprintf(path, sizeof(path), SYSFS_NET "/%s/statistics/rx_packets",
		 ifname);
	return read_long(path);
}

/* The whole exchange: ARP, then three echo requests and their replies. */
static void exchange(struct __test_metadata *_metadata, struct hw *h)
{
	uint16_t seq;

	arp_exchange(_metadata, &h->p);
	for (seq = 1; seq <= 3; seq++)
		ping(_metadata, &h->p, seq);
}

TEST_F_TIMEOUT(hw, kernel_answers_arp_and_ping, 180)
{
	struct hw *h = &self->h;
	long before = -1;

	bring_up(_metadata, h, 0);
	ASSERT_EQ(NULL, vmdev_net_txq(h->p.dev, 0)->doorbell);
	before = rx_count(h->ifname);
	ASSERT_LE(0, before);
	exchange(_metadata, h);
	/* ARP and three echo requests, at least, crossed the wire */
	EXPECT_LE(before + 4, rx_count(h->ifname));
	EXPECT_EQ(0, kmsg_ours(_metadata, h));
}

/*
 * Every queue kicked through its mmapped doorbell page, with no kick
 * eventfd bound in the device: the library's eventfds stay unwritten, and
 * the function still transmits (QEMU's virtio-net sends only when
 * notified) and receives.
 */
TEST_F_TIMEOUT(hw, doorbells_without_kick_eventfds, 180)
{
	struct hw *h = &self->h;
	unsigned int i, mapped = 0;
	struct vmdev_vq *vq;

	bring_up(_metadata, h, VMDEV_OPEN_DOORBELLS);
	ASSERT_NE(NULL, vmdev_net_rxq(h->p.dev, 0)->doorbell)
		TH_LOG("the RX queue's doorbell is not mapped");
	ASSERT_NE(NULL, vmdev_net_txq(h->p.dev, 0)->doorbell)
		TH_LOG("the TX queue's doorbell is not mapped");
	for (i = 0; i < vmdev_vq_count(h->p.dev); i++) {
		struct vhost_vring_file unbind = {
			.index = i,
			.fd = VHOST_FILE_UNBIND,
		};

		vq = vmdev_vq(h->p.dev, i);
		if (!vq->num)
			continue;
		ASSERT_NE(NULL, vq->doorbell) TH_LOG("queue %u", i);
		mapped++;
		ASSERT_EQ(0, vmdev_ioctl(h->p.dev, VHOST_SET_VRING_KICK,
					 &unbind));
		/* drained: a kick written from now on would stay counted */
		ASSERT_LE(0, vmdev_wait_eventfd(vq->kick_fd, 0));
	}
	ASSERT_LE(2, mapped);

	exchange(_metadata, h);

	for (i = 0; i < vmdev_vq_count(h->p.dev); i++) {
		vq = vmdev_vq(h->p.dev, i);
		if (!vq->num)
			continue;
		EXPECT_EQ(0, vmdev_wait_eventfd(vq->kick_fd, 0))
			TH_LOG("queue %u was kicked through its eventfd", i);
	}
	EXPECT_EQ(0, kmsg_ours(_metadata, h));
}

/*
 * ARP replies that arrive within @timeout_ms, answering nothing (the
 * device may be broken); the count or -errno.
 */
static int arp_replies(struct net_peer *p, int timeout_ms)
{
	int n = 0, len, i;

	for (i = 0; i < timeout_ms / 100; i++) {
		len = recv_one(p->dev, 0, p->buf, sizeof(p->buf), 100);
		if (len < 0)
			return len;
		n += len && is_arp_reply(p->buf, len);
	}
	return n;
}

/*
 * Write @len bytes of @data at BAD_IOVA while it is mapped, then unmap it:
 * what the device would find there if the IOMMU let it through.
 */
static int stale_at_bad_iova(struct vmdev *dev, const void *data, size_t len)
{
	uint8_t *mem = vmdev_mem_alloc(dev, len, BAD_IOVA);

	if (!mem)
		return -errno;
	memcpy(mem, data, len);
	return vmdev_mem_free(dev, mem);
}

/*
 * Make one TX chain available whose head descriptor, once added, gets
 * @addr, @len and @flags; publish it and kick. Its token is the arena
 * buffer the chain was built on.
 */
static void *post_tx(struct hw *h, uint64_t addr, uint32_t len,
		     uint16_t flags)
{
	struct vmdev_vq *vq = vmdev_net_txq(h->p.dev, 0);
	struct vmdev_buf b = { .len = len };
	uint16_t head = vq->free_head;

	b.addr = vmdev_arena_alloc(h->p.dev, len, 64, NULL);
	if (!b.addr || vmdev_vq_add(vq, &b, 1, 0, b.addr))
		return NULL;
	vq->desc[head].addr = htole64(addr);
	vq->desc[head].flags = htole16(flags);
	vmdev_vq_publish(vq);
	return vmdev_vq_kick(vq) ? NULL : b.addr;
}

/*
 * Make one TX chain carrying @len bytes of @data available, without a
 * kick; its token is the arena buffer.
 */
static void *publish_tx(struct hw *h, const void *data, uint32_t len)
{
	struct vmdev_vq *vq = vmdev_net_txq(h->p.dev, 0);
	struct vmdev_buf b = { .len = len };

	b.addr = vmdev_arena_alloc(h->p.dev, len, 64, NULL);
	if (!b.addr)
		return NULL;
	memcpy(b.addr, data, len);
	if (vmdev_vq_add(vq, &b, 1, 0, b.addr))
		return NULL;
	vmdev_vq_publish(vq);
	return b.addr;
}

/*
 * A pwrite() of 2 or 4 bytes at the offset of queue N's doorbell region
 * kicks queue N, as a store to the mapped page does.  With the TX queue's
 * kick eventfd unbound, QEMU's virtio-net sends an ARP request only once
 * the doorbell is written, and the interface answers it.  The node has no
 * doorbell regions (its write() carries IOTLB messages): there, the same
 * writes are malformed messages, EINVAL, and kick nothing.
 */
TEST_F_TIMEOUT(hw, doorbell_written_with_pwrite, 180)
{
	struct hw *h = &self->h;
	struct net_peer *p = &h->p;
	struct vhost_vring_file unbind = { .fd = VHOST_FILE_UNBIND };
	uint8_t req[VMDEV_NET_HDR_LEN + ETH_MIN_FRAME] = {};
	uint32_t idx4, sizes[] = { 2, 4 };
	struct vmdev_vq *vq;
	unsigned int i;
	void *token;
	off_t off;
	int fd;

	bring_up(_metadata, h, 0);
	arp_exchange(_metadata, p);
	fd = vmdev_fd(p->dev);
	vq = vmdev_net_txq(p->dev, 0);
	unbind.index = vq->index;
	ASSERT_EQ(0, vmdev_ioctl(p->dev, VHOST_SET_VRING_KICK, &unbind));
	ASSERT_LE(0, vmdev_wait_eventfd(vq->kick_fd, 0));
	off = VHOST_MDEV_DOORBELL_OFFSET(vq->index, sysconf(_SC_PAGESIZE));
	arp_frame(req + VMDEV_NET_HDR_LEN, ARP_REQUEST, p->if_mac, p->mac,
		  p->ip, p->if_mac, p->if_ip);
	/* the queue index, little-endian, in 2 or 4 bytes */
	idx4 = htole32(vq->index);

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		token = publish_tx(h, req, sizeof(req));
		ASSERT_NE(NULL, token);
		EXPECT_EQ(0, vmdev_vq_wait(vq, 300))
			TH_LOG("sent before any kick: the check means nothing");
		if (h->open_flags & VMDEV_OPEN_CDEV) {
			EXPECT_EQ(-1, pwrite(fd, &idx4, sizes[i], off));
			EXPECT_EQ(EINVAL, errno);
			EXPECT_EQ(0, vmdev_vq_wait(vq, NO_FRAME_WAIT_MS))
				TH_LOG("a %u-byte write kicked", sizes[i]);
			continue;
		}
		EXPECT_EQ(sizes[i], pwrite(fd, &idx4, sizes[i], off))
			TH_LOG("%u bytes: %s", sizes[i], strerror(errno));
		ASSERT_LT(0, vmdev_vq_wait(vq, WAIT_MS))
			TH_LOG("a %u-byte pwrite did not kick", sizes[i]);
		EXPECT_EQ(token, vmdev_vq_get_used(vq, NULL));
		EXPECT_LE(1, arp_replies(p, NO_FRAME_WAIT_MS))
			TH_LOG("no answer to the request a %u-byte pwrite sent",
			       sizes[i]);
	}
	EXPECT_EQ(0, vmdev_wait_eventfd(vq->kick_fd, 0))
		TH_LOG("the unbound kick eventfd was written");
	EXPECT_EQ(0, kmsg_ours(_metadata, h));
}

/*
 * BAD_IOVA held, while it was mapped, first an ARP request for the
 * interface, then an indirect table whose one descriptor points at that
 * request in mapped memory; the function is given a TX descriptor at
 * BAD_IOVA each time, and the IOMMU stops its reads (the DMAR fault in the
 * kernel log). So the request never reaches the wire and no reply comes.
 * QEMU's virtio-net reads the blocked data as zeros and sends (or drops)
 * that; a table of zeros is a malformed chain, which it reports: it uses
 * no descriptor, sets NEEDS_RESET and raises a config interrupt. Nothing
 * of ours warns, and after a reset everything works again.
 */
TEST_F_TIMEOUT(hw, unmapped_iova_is_blocked, 180)
{
	struct hw *h = &self->h;
	struct net_peer *p = &h->p;
	struct vring_desc table = {};
	uint8_t req[VMDEV_NET_HDR_LEN + ETH_MIN_FRAME] = {}, *buf;
	struct vmdev_vq *vq;
	uint64_t iova;
	void *token, *used;
	int cfd, status;

	h->net.features = BIT64(VIRTIO_NET_F_MAC) | BIT64(VIRTIO_NET_F_STATUS) |
			  BIT64(VIRTIO_NET_F_MRG_RXBUF) |
			  BIT64(VIRTIO_RING_F_INDIRECT_DESC);
	bring_up(_metadata, h, 0);
	ASSERT_TRUE(vmdev_driver_features(p->dev) &
		    BIT64(VIRTIO_RING_F_INDIRECT_DESC));
	cfd = vmdev_config_eventfd(p->dev);
	ASSERT_LE(0, cfd);
	arp_exchange(_metadata, p);
	ASSERT_LE(0, vmdev_wait_eventfd(cfd, 0));
	vq = vmdev_net_txq(p->dev, 0);
	ASSERT_FALSE(vmdev_vq_has_used(vq));
	arp_frame(req + VMDEV_NET_HDR_LEN, ARP_REQUEST, p->if_mac, p->mac,
		  p->ip, p->if_mac, p->if_ip);

	/* The request itself at BAD_IOVA */
	ASSERT_EQ(0, stale_at_bad_iova(p->dev, req, sizeof(req)));
	token = post_tx(h, BAD_IOVA, sizeof(req), 0);
	ASSERT_NE(NULL, token);
	/*
	 * QEMU completes it (with what it read instead): take it back
	 * before the library's TX path finds it.  A chain that never
	 * comes back is a device that stopped: not what this test is for.
	 */
	ASSERT_LT(0, vmdev_vq_wait(vq, WAIT_MS))
		TH_LOG("the TX chain at the unmapped IOVA never came back (status 0x%x)",
		       vmdev_get_status(p->dev));
	used = vmdev_vq_get_used(vq, NULL);
	ASSERT_EQ(token, used);
	EXPECT_EQ(0, arp_replies(p, NO_FRAME_WAIT_MS))
		TH_LOG("the request at the unmapped IOVA reached the wire");
	TH_LOG("status 0x%x after a read of the unmapped IOVA",
	       vmdev_get_status(p->dev));

	/* An indirect table at BAD_IOVA, the request it points to mapped */
	buf = vmdev_arena_alloc(p->dev, sizeof(req), 64, &iova);
	ASSERT_NE(NULL, buf);
	memcpy(buf, req, sizeof(req));
	table.addr = htole64(iova);
	table.len = htole32(sizeof(req));
	ASSERT_EQ(0, stale_at_bad_iova(p->dev, &table, sizeof(table)));
	ASSERT_LE(0, vmdev_wait_eventfd(cfd, 0));
	ASSERT_NE(NULL, post_tx(h, BAD_IOVA, sizeof(table),
				VRING_DESC_F_INDIRECT));

	EXPECT_LT(0, vmdev_wait_eventfd(cfd, WAIT_MS))
		TH_LOG("no config interrupt");
	EXPECT_TRUE(wait_status(p->dev, VIRTIO_CONFIG_S_NEEDS_RESET, WAIT_MS))
		TH_LOG("status 0x%x", vmdev_get_status(p->dev));
	EXPECT_EQ(0, arp_replies(p, NO_FRAME_WAIT_MS))
		TH_LOG("the table at the unmapped IOVA was read");
	EXPECT_FALSE(vmdev_vq_has_used(vq))
		TH_LOG("the device used the indirect descriptor");
	EXPECT_EQ(0, kmsg_ours(_metadata, h));

	ASSERT_EQ(0, vmdev_reset(p->dev));
	status = vmdev_get_status(p->dev);
	ASSERT_EQ(0, status) TH_LOG("status 0x%x after a reset", status);
	ASSERT_EQ(0, vmdev_net_start(p->dev, &h->net));
	exchange(_metadata, h);
	EXPECT_EQ(0, kmsg_ours(_metadata, h));
}

/*
 * Unmapping a page in the middle of a mapping. VFIO refuses to cut one
 * (EINVAL). The character device takes exactly that page away; when the
 * mapping is a huge page, one IOMMU mapping the cut replaces by its two
 * halves, and the function still reads what stays mapped: an ARP request
 * there is answered.
 */
TEST_F_TIMEOUT(hw, cutting_a_mapping, 180)
{
	uint8_t req[VMDEV_NET_HDR_LEN + ETH_MIN_FRAME] = {};
	const size_t huge = 2UL << 20, page = 4096;
	const uint64_t iova = 0x60000000ULL;
	struct hw *h = &self->h;
	struct net_peer *p = &h->p;
	struct vmdev_vq *vq;
	uint8_t *map, *hp;
	void *token;
	int ret;

	bring_up(_metadata, h, 0);
	arp_exchange(_metadata, p);
	/* 2 MiB at a 2 MiB boundary: a transparent huge page, if given one */
	map = mmap(NULL, 2 * huge, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	hp = (uint8_t *)(((uintptr_t)map + huge - 1) & ~(huge - 1));
	madvise(hp, huge, MADV_HUGEPAGE);
	memset(hp, 0, huge);
	arp_frame(hp + VMDEV_NET_HDR_LEN, ARP_REQUEST, p->if_mac, p->mac,
		  p->ip, p->if_mac, p->if_ip);
	ASSERT_EQ(0, vmdev_map(p->dev, hp, iova, huge, VMDEV_MAP_RW));

	ret = vmdev_unmap(p->dev, iova + 100 * page, page);
	EXPECT_EQ(h->open_flags & VMDEV_OPEN_CDEV ? 0 : -EINVAL, ret);

	vq = vmdev_net_txq(p->dev, 0);
	token = post_tx(h, iova, sizeof(req), 0);
	ASSERT_NE(NULL, token);
	EXPECT_EQ(1, vmdev_vq_wait(vq, WAIT_MS));
	EXPECT_EQ(token, vmdev_vq_get_used(vq, NULL));
	EXPECT_LE(1, arp_replies(p, NO_FRAME_WAIT_MS))
		TH_LOG("the page before the cut is no longer mapped");
	EXPECT_EQ(0, vmdev_get_status(p->dev) & VIRTIO_CONFIG_S_NEEDS_RESET);

	EXPECT_EQ(0, vmdev_unmap(p->dev, iova, huge));
	munmap(map, 2 * huge);
	EXPECT_EQ(0, kmsg_ours(_metadata, h));
}

/*
 * The two front ends exclude each other on a function too. Through the
 * character device first, our IOMMU domain holds the function's group, so
 * VFIO cannot even take the group into a container (its own EPERM);
 * through VFIO first, the node is busy.
 */
TEST_F_TIMEOUT(hw, the_other_front_end_is_refused, 180)
{
	struct hw *h = &self->h;
	struct vmdev *other = NULL;
	char path[PATH_BUF];
	int fd;

	bring_up(_metadata, h, 0);
	if (h->open_flags & VMDEV_OPEN_CDEV) {
		EXPECT_ERRNO(EPERM, vmdev_open(&other, h->vhost, NULL));
	} else {
		vmdev_cdev_path(h->vhost, path, sizeof(path));
		fd = open(path, O_RDWR | O_CLOEXEC);
		EXPECT_EQ(-1, fd);
		EXPECT_EQ(EBUSY, errno);
		if (fd >= 0)
			close(fd);
	}
	vmdev_close(other);
	/* the holder still works */
	exchange(_metadata, h);
}

/*
 * Map @page at the first MSI window among the reserved regions of the
 * vhost function's group: what vmdev_map() says, or -ENOENT.
 */
static int map_at_msi_window(struct hw *h, void *page)
{
	char path[PATH_BUF], line[128], type[32];
	unsigned long long first, last;
	int ret = -ENOENT;
	FILE *f;

	fn_path(path, h->fn[0], "iommu_group/reserved_regions");
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %llx %31s", &first, &last, type) == 3 &&
		    !strcmp(type, "msi")) {
			ret = vmdev_map(h->p.dev, page, first, 4096,
					VMDEV_MAP_RW);
			break;
		}
	}
	fclose(f);
	return ret;
}

/*
 * What a front end can map on a function. Through the character device,
 * an IOMMU domain of its own: GET_IOVA_RANGE is the domain's aperture,
 * and an UPDATE beyond is refused before anything is pinned. Through VFIO
 * the range is the device's own (all of it for vmdev_vf): the container
 * has its own ranges and checks its maps. Either way the group's MSI
 * window cannot be mapped.
 */
TEST_F_TIMEOUT(hw, iova_range_is_what_the_front_end_can_map, 180)
{
	struct vhost_vdpa_iova_range range = {};
	struct hw *h = &self->h;
	struct vhost_msg_v2 msg = {
		.type = VHOST_IOTLB_MSG_V2,
		.iotlb.type = VHOST_IOTLB_UPDATE,
		.iotlb.size = 4096,
		.iotlb.perm = VHOST_ACCESS_RW,
	};
	void *page;

	bring_up(_metadata, h, 0);
	page = vmdev_arena_alloc(h->p.dev, 4096, 4096, NULL);
	ASSERT_NE(NULL, page);
	EXPECT_EQ(-EINVAL, map_at_msi_window(h, page));

	ASSERT_EQ(0, vmdev_ioctl(h->p.dev, VHOST_VDPA_GET_IOVA_RANGE, &range));
	if (!(h->open_flags & VMDEV_OPEN_CDEV)) {
		EXPECT_EQ(0, range.first);
		EXPECT_EQ(UINT64_MAX, range.last);
		return;
	}
	ASSERT_GT(UINT64_MAX, range.last)
		TH_LOG("no aperture: is the IOMMU on?");
	msg.iotlb.uaddr = (uintptr_t)page;
	msg.iotlb.iova = range.last + 1;
	EXPECT_EQ(-1, write(vmdev_fd(h->p.dev), &msg, sizeof(msg)));
	EXPECT_EQ(EINVAL, errno);
	msg.iotlb.iova = range.last + 1 - 4096;
	msg.iotlb.size = 2 * 4096;
	EXPECT_EQ(-1, write(vmdev_fd(h->p.dev), &msg, sizeof(msg)));
	EXPECT_EQ(EINVAL, errno);
	/* the device still works */
	exchange(_metadata, h);
}

/*
 * Each queue takes rings up to its own size. The test VM's functions are
 * QEMU's virtio-net-pci: 256 entries in the data queues, 64 in the
 * control queue. The device offers the largest, 256, which is what a
 * QEMU guest's virtio-net needs (QEMU 7.2 sets its rings to 256 entries,
 * its minimum, without asking); the control queue still refuses more
 * than its 64.
 */
TEST_F_TIMEOUT(hw, each_queue_has_its_own_ring_size, 180)
{
	struct vmdev_open_opts opts = { .flags = self->h.open_flags };
	struct hw *h = &self->h;
	uint32_t nvqs = 0;
	uint16_t num = 0;
	int fd;

	ASSERT_EQ(0, fn_bind(h->fn[0])) TH_LOG("binding %s", h->fn[0]);
	ASSERT_EQ(0, fn_create(h->fn[0], "vhost", h->vhost));
	ASSERT_EQ(0, vmdev_open(&h->p.dev, h->vhost, &opts));
	fd = vmdev_fd(h->p.dev);
	ASSERT_EQ(0, xioctl(fd, VHOST_VDPA_GET_VQS_COUNT, &nvqs));
	ASSERT_EQ(3, nvqs);	/* a queue pair and the control queue */
	ASSERT_EQ(0, xioctl(fd, VHOST_VDPA_GET_VRING_NUM, &num));
	EXPECT_EQ(256, num);
	EXPECT_EQ(0, fd_vring_state(fd, VHOST_SET_VRING_NUM, 0, 256));
	EXPECT_EQ(0, fd_vring_state(fd, VHOST_SET_VRING_NUM, 1, 256));
	EXPECT_ERRNO(EINVAL, fd_vring_state(fd, VHOST_SET_VRING_NUM, 2, 128));
	EXPECT_EQ(0, fd_vring_state(fd, VHOST_SET_VRING_NUM, 2, 64));
}

/*
 * A virtio-pci function stops one queue only with VIRTIO_F_RING_RESET:
 * without it, disabling a running ring must fail rather than leave the
 * function writing to memory its driver is about to take back.
 */
TEST_F_TIMEOUT(hw, disabling_a_ring_needs_ring_reset, 180)
{
	struct vmdev_open_opts opts = { .flags = self->h.open_flags };
	struct hw *h = &self->h;
	struct vmdev *dev;
	int fd;

	ASSERT_EQ(0, fn_bind(h->fn[0])) TH_LOG("binding %s", h->fn[0]);
	ASSERT_EQ(0, fn_create(h->fn[0], "vhost", h->vhost));
	ASSERT_EQ(0, vmdev_open(&h->p.dev, h->vhost, &opts));
	dev = h->p.dev;
	fd = vmdev_fd(dev);
	ASSERT_EQ(0, vmdev_net_start(dev, &h->net));
	ASSERT_TRUE(vmdev_get_status(dev) & VIRTIO_CONFIG_S_DRIVER_OK);
	if (vmdev_driver_features(dev) & BIT64(VIRTIO_F_RING_RESET)) {
		EXPECT_EQ(0, fd_vring_state(fd, VHOST_VDPA_SET_VRING_ENABLE,
					    0, 0));
	} else {
		EXPECT_ERRNO(EOPNOTSUPP,
			     fd_vring_state(fd, VHOST_VDPA_SET_VRING_ENABLE,
					    0, 0));
		/* still running: the device has not been told otherwise */
		EXPECT_FALSE(vmdev_get_status(dev) &
			     VIRTIO_CONFIG_S_NEEDS_RESET);
	}
	/* a device reset stops it either way */
	EXPECT_EQ(0, fd_set_status(fd, 0));
	EXPECT_EQ(0, fd_get_status(fd));
}

TEST_HARNESS_MAIN
