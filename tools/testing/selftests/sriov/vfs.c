// SPDX-License-Identifier: GPL-2.0-only
/*
 * Three VFs of the test VM's SR-IOV PF (tools/testing/vm/run --sriov) on
 * one wire: the PF bound to vmdev_vf, three VFs enabled; VF 0 and VF 1
 * have vmdev_vf-vhost devices that this test drives with libvmdev, VF 0
 * through VFIO (the VF's own IOMMU group and a container of ours) and
 * VF 1 through its character device (an IOMMU domain of its own on the
 * VF's group), VF 2 a vmdev_vf-virtio device whose kernel interface has
 * an IPv4 address. QEMU's hub behind the PF joins the three.
 *
 * Traffic: each vhost VF asks the virtio VF's interface for its MAC and
 * pings it, byte for byte; the two vhost VFs exchange test frames, every
 * byte checked; each VF takes the interrupts of its queues on vectors of
 * its own (one per queue).
 *
 * Isolation: VF 1's user maps memory at an IOVA that VF 0's user never
 * mapped: a frame, an indirect table, a page of a pattern. VF 0 given a
 * TX descriptor there sends nothing of VF 1's (QEMU reads zeros through
 * the IOMMU); an indirect one there stops VF 0 (NEEDS_RESET, a config
 * interrupt), and RX buffers there leave VF 1's page as it was: VF 0 gets
 * nothing of VF 1's memory, and VF 1 goes on working.
 */
#include <endian.h>
#include <linux/vhost_types.h>

#include "kselftest_harness.h"
#include "../net_peer.h"
#include "../vmdev_vf/vf_test.h"

#define NR_VFS			3
/* The vhost VFs' users: VF 0 through VFIO, VF 1 through its node. */
#define NR_USERS		2

/* Addresses private to the test VM: no real network is involved. */
#define IF_ADDR			"10.98.0.1/24"
static const uint8_t if_ip[4] = { 10, 98, 0, 1 };
static const uint8_t user_ip[NR_USERS][4] = {
	{ 10, 98, 0, 2 }, { 10, 98, 0, 3 },
};

/* Test frames between the vhost VFs: how many, each way. */
#define NR_FRAMES		32
/* A frame that should not come gets this long to come anyway. */
#define NO_FRAME_WAIT_MS	1500

/*
 * Mapped by VF 1's user only, below the library's arena (1 GiB) and
 * buffer pool (5 GiB) of both: a secret frame at the start, an indirect
 * table at SECRET_TABLE, the rest of the page a pattern.
 */
#define SECRET_IOVA		0x20000000ULL
#define SECRET_TABLE		2048
#define SECRET_SEQ		0x5ec2e7
#define SECRET_FRAME_LEN	256
#define PATTERN			0x5a
#define PAGE			4096

#define PROC_INTERRUPTS		"/proc/interrupts"
/* vmdev_vf's vectors: queue N on vector N, config changes on the last. */
#define MAX_VECTORS		16

struct vfs {
	char pf[PCI_NAME_BUF];
	char vf[NR_VFS][PCI_NAME_BUF];
	char uuid[NR_VFS][UUID_BUF];
	char ifname[IF_NAMESIZE];
	bool vnet_loaded_here;
	bool enabled;
	struct net_peer p[NR_USERS];
};

FIXTURE(vfs) {
	struct vfs s;
};

/* The first modern virtio-net function with an SR-IOV capability. */
static int find_pf(char *pf)
{
	char path[PATH_BUF];
	struct dirent **names;
	int i, n, found = -ENODEV;

	n = scandir(PCI_DEVICES, &names, NULL, alphasort);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		char fn[PCI_NAME_BUF];

		if (found && names[i]->d_name[0] != '.' &&
		    strlen(names[i]->d_name) < PCI_NAME_BUF) {
			strcpy(fn, names[i]->d_name);
			fn_path(path, fn, "sriov_totalvfs");
			if (read_long(path) >= NR_VFS &&
			    fn_is(fn, "vendor", VF_VENDOR) &&
			    fn_is(fn, "device", VF_DEVICE)) {
				strcpy(pf, fn);
				found = 0;
			}
		}
		free(names[i]);
	}
	free(names);
	return found;
}

/* echo @n > sriov_numvfs; 0 or -errno. */
static int set_numvfs(const char *pf, unsigned int n)
{
	char path[PATH_BUF], val[16];

	fn_path(path, pf, "sriov_numvfs");
	snprintf(val, sizeof(val), "%u", n);
	return write_str(path, val);
}

FIXTURE_SETUP(vfs)
{
	struct vfs *s = &self->s;
	char fns[2][PCI_NAME_BUF], path[PATH_BUF], drv[VAL_BUF];
	char attr[16];
	unsigned int i;
	int n;

	vf_require(_metadata, fns, &s->vnet_loaded_here);
	if (find_pf(s->pf))
		SETUP_SKIP("no SR-IOV PF with %d VFs (run --sriov)", NR_VFS);
	ASSERT_EQ(0, fn_bind(s->pf)) TH_LOG("binding the PF %s", s->pf);
	ASSERT_EQ(0, set_numvfs(s->pf, NR_VFS));
	s->enabled = true;
	for (i = 0; i < NR_VFS; i++) {
		snprintf(attr, sizeof(attr), "virtfn%u", i);
		fn_path(path, s->pf, attr);
		n = link_name(path, s->vf[i], PCI_NAME_BUF);
		ASSERT_EQ(0, n) TH_LOG("%s: %s", path, strerror(-n));
		fn_driver(s->vf[i], drv, sizeof(drv));
		ASSERT_STREQ(VF_DRIVER, drv) TH_LOG("VF %s", s->vf[i]);
	}
}

FIXTURE_TEARDOWN(vfs)
{
	struct vfs *s = &self->s;
	unsigned int i;

	for (i = 0; i < NR_USERS; i++)
		vmdev_close(s->p[i].dev);
	for (i = 0; i < NR_VFS; i++)
		mdev_cleanup(s->uuid[i]);
	if (s->enabled)
		EXPECT_EQ(0, set_numvfs(s->pf, 0));
	fn_release(s->pf);
	if (s->vnet_loaded_here)
		module_unload(VIRTIO_NET_MODULE);
}

/*
 * VF 0 and VF 1 with vhost devices, opened (VFIO, the node) and started
 * with @opts, their own MACs ours; VF 2 with a virtio device, its
 * interface up with its address.
 */
static void bring_up(struct __test_metadata *_metadata, struct vfs *s,
		     const struct vmdev_net_opts *opts)
{
	static const unsigned int flags[NR_USERS] = { 0, VMDEV_OPEN_CDEV };
	struct vmdev_net_config cfg;
	char path[PATH_BUF];
	unsigned int i;

	ASSERT_EQ(0, fn_create(s->vf[0], "vhost", s->uuid[0]));
	ASSERT_EQ(0, fn_create(s->vf[1], "vhost", s->uuid[1]));
	ASSERT_EQ(0, fn_create(s->vf[2], "virtio", s->uuid[2]));
	fn_path(path, s->vf[2], NULL);
	ASSERT_EQ(0, find_iface(path, s->ifname))
		TH_LOG("no network interface under %s", s->vf[2]);
	for (i = 0; i < NR_USERS; i++) {
		struct vmdev_open_opts o = { .flags = flags[i] };
		struct net_peer *p = &s->p[i];

		memcpy(p->ip, user_ip[i], 4);
		memcpy(p->if_ip, if_ip, 4);
		ASSERT_EQ(0, vmdev_open(&p->dev, s->uuid[i], &o))
			TH_LOG("opening VF %u's device", i);
		ASSERT_EQ(0, vmdev_net_get_config(p->dev, &cfg));
		memcpy(p->mac, cfg.mac, 6);
		ASSERT_EQ(0, vmdev_net_start(p->dev, opts));
	}
	/* Both users' MACs are known: the interface may come up. */
	iface_up(_metadata, &s->p[0], s->ifname, IF_ADDR);
	memcpy(s->p[1].if_mac, s->p[0].if_mac, 6);
}

/* The interrupt count of each vector of @vf (-1: no such vector). */
static void vector_counts(const char *vf, long counts[MAX_VECTORS],
			  int irqs[MAX_VECTORS])
{
	char line[512], name[PCI_NAME_BUF + 32], *p;
	unsigned int v;
	FILE *f;
	int len;

	for (v = 0; v < MAX_VECTORS; v++) {
		counts[v] = -1;
		irqs[v] = -1;
	}
	f = fopen(PROC_INTERRUPTS, "r");
	if (!f)
		return;
	len = snprintf(name, sizeof(name), "vmdev_vf-%s-", vf);
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, name);
		if (!p || sscanf(p + len, "%u", &v) != 1 || v >= MAX_VECTORS)
			continue;
		/* "IRQ: count [count...] chip ... name": one CPU here */
		irqs[v] = atoi(line);
		counts[v] = strtol(strchr(line, ':') + 1, NULL, 10);
	}
	fclose(f);
}

/*
 * Drop what @p received so far: the hub gives every VF every frame, and
 * a reply meant for another VF would pass for ours.
 */
static void drain(struct net_peer *p)
{
	int i;

	for (i = 0; i < 4096; i++)
		if (recv_one(p->dev, 0, p->buf, sizeof(p->buf), 0) <= 0)
			break;
}

/* VF @i's user asks for the interface's MAC, then pings it three times. */
static void ping_from(struct __test_metadata *_metadata, struct vfs *s,
		      unsigned int i)
{
	uint16_t seq;

	drain(&s->p[i]);
	arp_exchange(_metadata, &s->p[i]);
	for (seq = 1; seq <= 3; seq++)
		ping(_metadata, &s->p[i], seq);
}

/*
 * Test frames from @from to @to's MAC, NR_FRAMES of them of growing
 * sizes; each must arrive at @to whole and in order (what else the hub
 * brings is skipped).
 */
static void frames(struct __test_metadata *_metadata, struct net_peer *from,
		   struct net_peer *to)
{
	uint8_t f[FRAME_BUF], buf[FRAME_BUF];
	unsigned int i, got = 0, tries;
	size_t len;
	uint32_t seq;
	long bad;
	int n;

	drain(to);
	for (i = 0; i < NR_FRAMES; i++) {
		len = ETH_MIN_FRAME + i * 45;
		vmdev_fill_frame(f, len, to->mac, from->mac, i);
		ASSERT_EQ(0, send_frame(from->dev, f, len)) TH_LOG("frame %u", i);
	}
	for (tries = 0; got < NR_FRAMES && tries < 10 * NR_FRAMES; tries++) {
		n = recv_one(to->dev, 0, buf, sizeof(buf), WAIT_MS);
		ASSERT_LE(0, n);
		if (!n)
			break;
		if (n < L3 || memcmp(buf + 6, from->mac, 6) ||
		    get16(buf + 12) != 0x88b5)
			continue;
		bad = vmdev_check_frame(buf, n, &seq);
		ASSERT_EQ(-1, bad) TH_LOG("frame %u: byte %ld", got, bad);
		ASSERT_EQ(got, seq);
		ASSERT_EQ(ETH_MIN_FRAME + got * 45, n);
		got++;
	}
	ASSERT_EQ(NR_FRAMES, got);
}

TEST_F_TIMEOUT(vfs, each_vhost_vf_pings_the_virtio_vf, 240)
{
	struct vfs *s = &self->s;
	char path[PATH_BUF];
	long before, after;

	bring_up(_metadata, s, NULL);
	snprintf(path, sizeof(path), SYSFS_NET "/%s/statistics/rx_packets",
		 s->ifname);
	before = read_long(path);
	ping_from(_metadata, s, 0);
	ping_from(_metadata, s, 1);
	after = read_long(path);
	/* two ARP requests and six echo requests, at least */
	EXPECT_LE(before + 8, after);
}

TEST_F_TIMEOUT(vfs, vhost_vfs_exchange_frames, 240)
{
	struct vfs *s = &self->s;

	bring_up(_metadata, s, NULL);
	frames(_metadata, &s->p[0], &s->p[1]);
	frames(_metadata, &s->p[1], &s->p[0]);
}

/*
 * One MSI-X vector per queue and one for config changes on each VF, none
 * shared with another VF; traffic both ways raises each VF's RX and TX
 * queue vectors (queue 0 and 1: vectors 0 and 1).
 */
TEST_F_TIMEOUT(vfs, each_vf_has_a_vector_per_queue, 240)
{
	long before[NR_VFS][MAX_VECTORS], after[NR_VFS][MAX_VECTORS];
	int irqs[NR_VFS][MAX_VECTORS], seen[NR_VFS * MAX_VECTORS];
	struct vfs *s = &self->s;
	unsigned int i, v, nr_seen = 0, k;

	bring_up(_metadata, s, NULL);
	for (i = 0; i < NR_VFS; i++) {
		unsigned int nvq = vmdev_vq_count(s->p[0].dev);

		vector_counts(s->vf[i], before[i], irqs[i]);
		for (v = 0; v <= nvq; v++) {
			ASSERT_LE(0, irqs[i][v])
				TH_LOG("VF %u has no vector %u of %u", i, v, nvq + 1);
			for (k = 0; k < nr_seen; k++)
				ASSERT_NE(seen[k], irqs[i][v])
					TH_LOG("IRQ %d shared", irqs[i][v]);
			seen[nr_seen++] = irqs[i][v];
		}
		EXPECT_EQ(-1, irqs[i][nvq + 1]) TH_LOG("more vectors than queues + 1");
	}
	ping_from(_metadata, s, 0);
	ping_from(_metadata, s, 1);
	frames(_metadata, &s->p[0], &s->p[1]);
	frames(_metadata, &s->p[1], &s->p[0]);
	for (i = 0; i < NR_VFS; i++) {
		vector_counts(s->vf[i], after[i], irqs[i]);
		for (v = 0; v < MAX_VECTORS && irqs[i][v] >= 0; v++)
			TH_LOG("VF %u vector %u (IRQ %d): %ld interrupts", i, v,
			       irqs[i][v], after[i][v] - before[i][v]);
		EXPECT_LT(before[i][0], after[i][0])
			TH_LOG("VF %u: no RX queue interrupt", i);
		EXPECT_LT(before[i][1], after[i][1])
			TH_LOG("VF %u: no TX queue interrupt", i);
	}
}

/*
 * Make one TX chain available on @p's queue 0 whose head descriptor gets
 * @addr, @len and @flags; publish it and kick. Its token is the arena
 * buffer the chain was built on.
 */
static void *post_tx(struct net_peer *p, uint64_t addr, uint32_t len,
		     uint16_t flags)
{
	struct vmdev_vq *vq = vmdev_net_txq(p->dev, 0);
	struct vmdev_buf b = { .len = len };
	uint16_t head = vq->free_head;

	b.addr = vmdev_arena_alloc(p->dev, len, 64, NULL);
	if (!b.addr || vmdev_vq_add(vq, &b, 1, 0, b.addr))
		return NULL;
	vq->desc[head].addr = htole64(addr);
	vq->desc[head].flags = htole16(flags);
	vmdev_vq_publish(vq);
	return vmdev_vq_kick(vq) ? NULL : b.addr;
}

/*
 * Frames @p receives within @timeout_ms that are @src's: the secret test
 * frame (@arp false) or ARP requests (@arp true). The count or -errno.
 */
static int frames_of(struct net_peer *p, const uint8_t *src, bool arp,
		     int timeout_ms)
{
	int n = 0, len, i;
	uint32_t seq;

	for (i = 0; i < timeout_ms / 100; i++) {
		len = recv_one(p->dev, 0, p->buf, sizeof(p->buf), 100);
		if (len < 0)
			return len;
		if (len < L3 || memcmp(p->buf + 6, src, 6))
			continue;
		if (arp)
			n += is_arp(p->buf, len, ARP_REQUEST);
		else
			n += vmdev_check_frame(p->buf, len, &seq) == -1 &&
			     seq == SECRET_SEQ;
	}
	return n;
}

/* Whether @len bytes at @mem are all @byte; the first that is not, or -1. */
static long first_not(const uint8_t *mem, size_t len, uint8_t byte)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (mem[i] != byte)
			return i;
	return -1;
}

/*
 * VF 1's user maps a page at SECRET_IOVA: a broadcast test frame that
 * claims to be VF 0's, an indirect table whose one descriptor points at
 * an ARP request in VF 0's own memory, the pattern elsewhere. Given a TX
 * descriptor there, VF 1 sends the frame (the control); VF 0, whose user
 * never mapped SECRET_IOVA, sends nothing of it: the IOMMU stops its read
 * (QEMU reads zeros, the DMAR fault in the kernel log). Given an indirect
 * descriptor there, VF 0 reads no table (so sends no ARP request) and
 * stops: NEEDS_RESET and a config interrupt. VF 1's page is untouched,
 * VF 1 goes on working, and VF 0 works again after a reset.
 */
TEST_F_TIMEOUT(vfs, tx_at_the_other_vfs_iova_reaches_nothing, 240)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct vfs *s = &self->s;
	struct net_peer *p0 = &s->p[0], *p1 = &s->p[1];
	const size_t frame_len = VMDEV_NET_HDR_LEN + SECRET_FRAME_LEN;
	uint8_t *secret, *req, expect[PAGE];
	struct vring_desc *table;
	struct vmdev_vq *vq;
	uint64_t req_iova;
	int cfd, status;
	void *token;

	bring_up(_metadata, s, NULL);
	ping_from(_metadata, s, 0);

	/* VF 0's own ARP request, which only VF 1's table points at */
	req = vmdev_arena_alloc(p0->dev, VMDEV_NET_HDR_LEN + ETH_MIN_FRAME,
				64, &req_iova);
	ASSERT_NE(NULL, req);
	memset(req, 0, VMDEV_NET_HDR_LEN);
	arp_frame(req + VMDEV_NET_HDR_LEN, ARP_REQUEST, bcast, p0->mac, p0->ip,
		  p0->if_mac, p0->if_ip);

	secret = vmdev_mem_alloc(p1->dev, PAGE, SECRET_IOVA);
	ASSERT_NE(NULL, secret) TH_LOG("VF 1 maps %#llx: %s", SECRET_IOVA,
				       strerror(errno));
	memset(secret, PATTERN, PAGE);
	memset(secret, 0, VMDEV_NET_HDR_LEN);
	vmdev_fill_frame(secret + VMDEV_NET_HDR_LEN, SECRET_FRAME_LEN, bcast,
			 p0->mac, SECRET_SEQ);
	table = (struct vring_desc *)(secret + SECRET_TABLE);
	table->addr = htole64(req_iova);
	table->len = htole32(VMDEV_NET_HDR_LEN + ETH_MIN_FRAME);
	table->flags = 0;
	table->next = 0;
	memcpy(expect, secret, PAGE);

	/* The control: VF 1 sends what it mapped, and VF 0 sees it. */
	drain(p0);
	vq = vmdev_net_txq(p1->dev, 0);
	token = post_tx(p1, SECRET_IOVA, frame_len, 0);
	ASSERT_NE(NULL, token);
	ASSERT_EQ(1, vmdev_vq_wait(vq, WAIT_MS));
	ASSERT_EQ(token, vmdev_vq_get_used(vq, NULL));
	ASSERT_LE(1, frames_of(p0, p0->mac, false, NO_FRAME_WAIT_MS))
		TH_LOG("VF 1's own descriptor sent nothing: the check means nothing");

	cfd = vmdev_config_eventfd(p0->dev);
	ASSERT_LE(0, cfd);
	ASSERT_LE(0, vmdev_wait_eventfd(cfd, 0));
	vq = vmdev_net_txq(p0->dev, 0);

	/* VF 0, the same descriptor */
	drain(p1);
	token = post_tx(p0, SECRET_IOVA, frame_len, 0);
	ASSERT_NE(NULL, token);
	EXPECT_EQ(0, frames_of(p1, p0->mac, false, NO_FRAME_WAIT_MS))
		TH_LOG("VF 0 sent VF 1's frame");
	/* QEMU completes the chain with what it read instead, or stops */
	if (vmdev_vq_wait(vq, 0) > 0)
		EXPECT_EQ(token, vmdev_vq_get_used(vq, NULL));
	status = vmdev_get_status(p0->dev);
	TH_LOG("VF 0: status 0x%x after a read of VF 1's IOVA", status);

	/* VF 0, an indirect descriptor at VF 1's table */
	if (!(status & VIRTIO_CONFIG_S_NEEDS_RESET)) {
		ASSERT_NE(NULL, post_tx(p0, SECRET_IOVA + SECRET_TABLE,
					sizeof(*table), VRING_DESC_F_INDIRECT));
		EXPECT_LT(0, vmdev_wait_eventfd(cfd, WAIT_MS))
			TH_LOG("no config interrupt");
		EXPECT_TRUE(wait_status(p0->dev, VIRTIO_CONFIG_S_NEEDS_RESET,
					WAIT_MS))
			TH_LOG("status 0x%x", vmdev_get_status(p0->dev));
		EXPECT_EQ(0, frames_of(p1, p0->mac, true, NO_FRAME_WAIT_MS))
			TH_LOG("VF 0 read VF 1's table: its ARP request went out");
		EXPECT_FALSE(vmdev_vq_has_used(vq))
			TH_LOG("VF 0 used the indirect descriptor");
	}

	EXPECT_EQ(-1, first_diff(secret, expect, PAGE))
		TH_LOG("VF 1's page changed");
	EXPECT_EQ(0, vmdev_get_status(p1->dev) & VIRTIO_CONFIG_S_NEEDS_RESET);
	ping_from(_metadata, s, 1);

	ASSERT_EQ(0, vmdev_reset(p0->dev));
	ASSERT_EQ(0, vmdev_net_start(p0->dev, NULL));
	ping_from(_metadata, s, 0);
}

/*
 * Every posted RX buffer of @rxq moved to SECRET_IOVA, the descriptors
 * rewritten in place; how many.
 */
static unsigned int rx_into_secret(struct vmdev_vq *rxq)
{
	unsigned int i, moved = 0;

	for (i = 0; i < rxq->num; i++) {
		if (!rxq->tokens[i])
			continue;
		rxq->desc[i].addr = htole64(SECRET_IOVA);
		rxq->desc[i].len = htole32(PAGE / 2);
		moved++;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return moved;
}

/*
 * VF 0's posted RX buffers all moved into the page VF 1's user mapped at
 * SECRET_IOVA (the descriptors rewritten in place: QEMU reads them only
 * when a frame comes); VF 1 then broadcasts. VF 0's writes there fail
 * translation (QEMU drops them and may still mark the buffers used), so
 * VF 1's page keeps its pattern to the last byte, and VF 1 goes on
 * working. VF 1's own RX buffers moved there do get VF 0's frame.
 */
TEST_F_TIMEOUT(vfs, rx_at_the_other_vfs_iova_writes_nothing, 240)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct vfs *s = &self->s;
	struct net_peer *p0 = &s->p[0], *p1 = &s->p[1];
	uint8_t *secret, f[ETH_MIN_FRAME * 2];
	struct vmdev_vq *rxq;
	uint16_t used;
	int i;

	bring_up(_metadata, s, NULL);
	ping_from(_metadata, s, 0);
	secret = vmdev_mem_alloc(p1->dev, PAGE, SECRET_IOVA);
	ASSERT_NE(NULL, secret);
	memset(secret, PATTERN, PAGE);

	rxq = vmdev_net_rxq(p0->dev, 0);
	ASSERT_LT(0, rx_into_secret(rxq));
	used = le16toh(__atomic_load_n(&rxq->used->idx, __ATOMIC_ACQUIRE));

	for (i = 0; i < 4; i++) {
		vmdev_fill_frame(f, sizeof(f), bcast, p1->mac, i);
		ASSERT_EQ(0, send_frame(p1->dev, f, sizeof(f)));
	}
	usleep(NO_FRAME_WAIT_MS * 1000);
	TH_LOG("VF 0: status 0x%x, %u used RX buffers after VF 1's frames",
	       vmdev_get_status(p0->dev),
	       (uint16_t)(le16toh(__atomic_load_n(&rxq->used->idx,
						   __ATOMIC_ACQUIRE)) - used));
	EXPECT_EQ(-1, first_not(secret, PAGE, PATTERN))
		TH_LOG("VF 0 wrote into VF 1's page");
	EXPECT_EQ(0, vmdev_get_status(p1->dev) & VIRTIO_CONFIG_S_NEEDS_RESET);
	ping_from(_metadata, s, 1);

	/*
	 * The control: VF 1's own RX buffers moved there get VF 0's frame
	 * (the header, then the frame: no MRG_RXBUF merging for one frame).
	 */
	ASSERT_EQ(0, vmdev_reset(p0->dev));
	ASSERT_EQ(0, vmdev_net_start(p0->dev, NULL));
	ASSERT_LT(0, rx_into_secret(vmdev_net_rxq(p1->dev, 0)));
	/*
	 * Every buffer is that one page: a frame of someone else's on the hub
	 * (the virtio VF's interface, say) can land there before or after
	 * ours. Wait for ours, sending it again each second.
	 */
	vmdev_fill_frame(f, sizeof(f), bcast, p0->mac, SECRET_SEQ);
	for (i = 0; i < WAIT_MS / 100; i++) {
		if (!(i % 10))
			ASSERT_EQ(0, send_frame(p0->dev, f, sizeof(f)));
		usleep(100000);
		if (first_diff(secret + VMDEV_NET_HDR_LEN, f, sizeof(f)) < 0)
			break;
	}
	EXPECT_EQ(-1, first_diff(secret + VMDEV_NET_HDR_LEN, f, sizeof(f)))
		TH_LOG("VF 1's own buffer there did not get the frame: the check means nothing");
}

TEST_HARNESS_MAIN
