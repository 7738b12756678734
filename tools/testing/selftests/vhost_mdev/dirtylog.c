// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dirty-page logging with vhost-net's contract (VHOST_F_LOG_ALL,
 * VHOST_SET_LOG_BASE, VHOST_SET_LOG_FD, VHOST_VRING_F_LOG) on an mvnet
 * device, through both front ends.
 *
 * The migration test is a guest-like process that streams numbered frames
 * through the device (loopback) from one thread while another copies the
 * memory the device writes (the RX buffers and the used rings) in rounds,
 * as a migration does: each round fetches and clears the log, and copies
 * the pages whose bits were set. After the device is suspended and a last
 * round, the copy must equal the memory: a page that changed without its
 * bit is a difference. Every frame must arrive once, in order, intact.
 * Its second form moves the guest, half-way, to a second device: the
 * stream goes on there from the ring state the first one stopped at.
 *
 * The character device offers the log only when vhost_mdev's cdev_dirty_log
 * parameter says so (QEMU's x-svq refuses the bit): the cdev variant turns
 * it on for its tests, and off again.
 */
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vhost_mdev_test.h"

#define RXQ		0
#define TXQ		1
#define RING_NUM	128
#define RX_BUF		2048
#define TX_BUF		2048
#define RX_IOVA		0x4000000ULL	/* 64 MiB: the RX buffers */
#define TX_IOVA		0x6000000ULL	/* 96 MiB: the TX buffers */
#define ALIAS_IOVA	0x20000000ULL	/* 512 MiB: a used ring's log_guest_addr */
#define LOG_PAGE	4096ULL
/* The arena sits at 1 GiB (2 MiB, vhost_open()): the log covers 1.5 GiB. */
#define LOG_BYTES	((3ULL << 29) / LOG_PAGE / 8)
#define BATCH		32
#define FRAMES		(94 * BATCH)
#define HDR		12
#define CDEV_LOG_PARAM	"/sys/module/vhost_mdev/parameters/cdev_dirty_log"
/* A split used ring: flags, index, the entries, avail_event. */
#define USED_LEN	(4 + 8 * RING_NUM + 2)
#define F_LOG		BIT64(VHOST_VRING_F_LOG)

/* Memory the device writes, with the copy a migration made of it. */
struct region {
	uint8_t *mem;
	uint64_t iova;
	size_t len;
	uint8_t *copy;
};

/* What a test's guest-like process has. */
struct dlog_state {
	char uuid[UUID_BUF];
	struct vmdev *dev;
	struct vmdev_vq *rx;
	struct vmdev_vq *tx;
	uint8_t mac[6];
	uint8_t *log;
	uint8_t *rxbufs;
	uint8_t *txbufs;
	struct region regions[3];
	/* the destination of a move: a second device, its handle */
	char uuid2[UUID_BUF];
	struct vmdev *dev2;
	/* the streamer's results */
	unsigned int received;
	unsigned int bad;
	int err;
	bool done;		/* atomic: the streamer's end */
};

FIXTURE(dlog) {
	struct dlog_state s;
};

FIXTURE_VARIANT(dlog) {
	unsigned int open_flags;	/* the front end: vhost_mdev_test.h */
};

FIXTURE_VARIANT_ADD(dlog, vfio) { .open_flags = 0 };
FIXTURE_VARIANT_ADD(dlog, cdev) { .open_flags = VMDEV_OPEN_CDEV };

static int set_features(struct vmdev *dev, uint64_t features)
{
	return vmdev_ioctl(dev, VHOST_SET_FEATURES, &features);
}

static int set_log_base(struct vmdev *dev, const void *base)
{
	uint64_t b = (uintptr_t)base;

	return vmdev_ioctl(dev, VHOST_SET_LOG_BASE, &b);
}

static int set_log_fd(struct vmdev *dev, int fd)
{
	return vmdev_ioctl(dev, VHOST_SET_LOG_FD, &fd);
}

/*
 * VHOST_SET_VRING_ADDR on @dev (the ring's own device, or the destination
 * of a move) with @vq's addresses and @flags.
 */
static int set_vring_addr(struct vmdev *dev, const struct vmdev_vq *vq,
			  unsigned int flags, uint64_t log_addr)
{
	struct vhost_vring_addr a = {
		.index = vq->index,
		.flags = flags,
		.desc_user_addr = vq->desc_iova,
		.avail_user_addr = vq->avail_iova,
		.used_user_addr = vq->used_iova,
		.log_guest_addr = log_addr,
	};

	return vmdev_ioctl(dev, VHOST_SET_VRING_ADDR, &a);
}

static int set_vring_log(struct vmdev_vq *vq, unsigned int flags,
			 uint64_t log_addr)
{
	return set_vring_addr(vq->dev, vq, flags, log_addr);
}

static int log_all(struct vmdev *dev, bool on)
{
	uint64_t f = vmdev_driver_features(dev);

	return set_features(dev, on ? f | BIT64(VHOST_F_LOG_ALL) : f);
}

static bool log_bit(const uint8_t *log, uint64_t iova)
{
	uint64_t pg = iova / LOG_PAGE;

	return __atomic_load_n(&log[pg / 8], __ATOMIC_RELAXED) & (1 << (pg % 8));
}

static size_t log_count(const uint8_t *log)
{
	size_t i, n = 0;

	for (i = 0; i < LOG_BYTES; i++)
		n += __builtin_popcount(log[i]);
	return n;
}

static int post_rx(struct vmdev_vq *rx, uint8_t *bufs, unsigned int i)
{
	struct vmdev_buf b = { .addr = bufs + (size_t)i * RX_BUF,
			       .len = RX_BUF };

	/* The token is the buffer's index plus one. */
	return vmdev_vq_add(rx, &b, 0, 1, (void *)(uintptr_t)(i + 1));
}

/*
 * Negotiate without LOG_ALL (as a guest does), set both rings up with RX
 * buffers and TX buffers of our own at known IOVAs, start the device.
 */
static int start(struct dlog_state *self)
{
	unsigned int i;
	int ret;

	ret = vmdev_negotiate(self->dev, BIT64(VIRTIO_NET_F_MAC));
	if (!ret)
		ret = vmdev_vq_setup(self->dev, RXQ, RING_NUM);
	if (!ret)
		ret = vmdev_vq_setup(self->dev, TXQ, RING_NUM);
	if (ret)
		return ret;
	self->rx = vmdev_vq(self->dev, RXQ);
	self->tx = vmdev_vq(self->dev, TXQ);
	self->rxbufs = vmdev_mem_alloc(self->dev, RING_NUM * RX_BUF, RX_IOVA);
	self->txbufs = vmdev_mem_alloc(self->dev, RING_NUM * TX_BUF, TX_IOVA);
	if (!self->rxbufs || !self->txbufs)
		return -errno;
	for (i = 0; i < RING_NUM && !ret; i++)
		ret = post_rx(self->rx, self->rxbufs, i);
	if (ret)
		return ret;
	vmdev_vq_publish(self->rx);
	ret = vmdev_vq_enable(self->rx, true);
	if (!ret)
		ret = vmdev_vq_enable(self->tx, true);
	if (!ret)
		ret = vmdev_driver_ok(self->dev);
	if (!ret)
		ret = vmdev_vq_kick(self->rx);

	self->regions[0] = (struct region){ .mem = self->rxbufs,
					    .iova = RX_IOVA,
					    .len = RING_NUM * RX_BUF };
	self->regions[1] = (struct region){ .mem = (uint8_t *)self->rx->used,
					    .iova = self->rx->used_iova,
					    .len = USED_LEN };
	self->regions[2] = (struct region){ .mem = (uint8_t *)self->tx->used,
					    .iova = self->tx->used_iova,
					    .len = USED_LEN };
	for (i = 0; i < ARRAY_SIZE(self->regions); i++) {
		self->regions[i].copy = malloc(self->regions[i].len);
		if (!self->regions[i].copy)
			return -ENOMEM;
	}
	return ret;
}

/* Queue frames [@seq, @seq + @n) on the TX ring and kick once. */
static int send_frames(struct dlog_state *self, uint32_t seq, unsigned int n)
{
	unsigned int i, slot;
	uint8_t *buf;
	size_t len;
	int ret;

	/* Reclaim what the device consumed. */
	while (vmdev_vq_get_used(self->tx, NULL))
		;
	for (i = 0; i < n; i++) {
		slot = (seq + i) % RING_NUM;
		buf = self->txbufs + (size_t)slot * TX_BUF;
		/* Lengths that spread the frames over the buffers' pages. */
		len = 60 + ((seq + i) * 397) % (1514 - 60);
		memset(buf, 0, HDR);
		vmdev_fill_frame(buf + HDR, len, self->mac, self->mac, seq + i);
		ret = vmdev_vq_add(self->tx, &(struct vmdev_buf){ buf, HDR + len },
				   1, 0, (void *)(uintptr_t)(slot + 1));
		if (ret)
			return ret;
	}
	vmdev_vq_publish(self->tx);
	ret = vmdev_vq_notify(self->tx);
	return ret < 0 ? ret : 0;
}

/* Receive frames until @want arrived; check each; repost the buffers. */
static int recv_frames(struct dlog_state *self, unsigned int want)
{
	uint32_t len, seq;
	void *token;
	uint8_t *buf;
	int ret;

	while (want) {
		ret = vmdev_vq_wait(self->rx, WAIT_MS);
		if (ret <= 0)
			return ret ? ret : -ETIMEDOUT;
		while (want && (token = vmdev_vq_get_used(self->rx, &len))) {
			buf = self->rxbufs + ((uintptr_t)token - 1) * RX_BUF;
			seq = ~0U;
			if (len <= HDR ||
			    vmdev_check_frame(buf + HDR, len - HDR, &seq) != -1 ||
			    seq != self->received)
				self->bad++;
			/* read by the migration's thread as it goes */
			__atomic_store_n(&self->received, self->received + 1,
					 __ATOMIC_RELEASE);
			want--;
			ret = post_rx(self->rx, self->rxbufs,
				      (uintptr_t)token - 1);
			if (ret)
				return ret;
		}
		vmdev_vq_publish(self->rx);
		ret = vmdev_vq_notify(self->rx);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Frames the device returned on the RX ring, without waiting. */
static int recv_one_nowait(struct dlog_state *self)
{
	return vmdev_vq_has_used(self->rx);
}

static void *streamer(void *arg)
{
	struct dlog_state *self = arg;
	uint32_t seq;
	int ret = 0;

	for (seq = 0; seq < FRAMES && !ret; seq += BATCH) {
		ret = send_frames(self, seq, BATCH);
		if (!ret)
			ret = recv_frames(self, BATCH);
	}
	self->err = ret;
	__atomic_store_n(&self->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * One migration round: fetch and clear the log (atomically, a word at a
 * time, while the device sets bits), then copy the pages it names.
 */
static size_t sync_round(struct dlog_state *self, bool all)
{
	static uint64_t dirty[LOG_BYTES / 8];
	uint64_t *words = (uint64_t *)self->log;
	uint64_t iova, pg, end, off;
	size_t i, n = 0;
	struct region *r;

	for (i = 0; i < LOG_BYTES / 8; i++)
		dirty[i] = __atomic_exchange_n(&words[i], 0, __ATOMIC_SEQ_CST);
	for (i = 0; i < ARRAY_SIZE(self->regions); i++) {
		r = &self->regions[i];
		for (iova = r->iova; iova < r->iova + r->len; iova = end) {
			pg = iova / LOG_PAGE;
			end = (pg + 1) * LOG_PAGE;
			if (end > r->iova + r->len)
				end = r->iova + r->len;
			if (!all && !(dirty[pg / 64] & (1ULL << (pg % 64))))
				continue;
			off = iova - r->iova;
			memcpy(r->copy + off, r->mem + off, end - iova);
			n++;
		}
	}
	return n;
}

/* Pages whose copy differs from the memory; the first is logged. */
static unsigned int stale_pages(struct __test_metadata *_metadata,
				struct dlog_state *self)
{
	uint64_t iova, end, off;
	unsigned int i, n = 0;
	struct region *r;

	for (i = 0; i < ARRAY_SIZE(self->regions); i++) {
		r = &self->regions[i];
		for (iova = r->iova; iova < r->iova + r->len; iova = end) {
			end = (iova / LOG_PAGE + 1) * LOG_PAGE;
			if (end > r->iova + r->len)
				end = r->iova + r->len;
			off = iova - r->iova;
			if (!memcmp(r->copy + off, r->mem + off, end - iova))
				continue;
			if (!n)
				TH_LOG("IOVA page 0x%llx changed, not logged",
				       (unsigned long long)(iova & ~(LOG_PAGE - 1)));
			n++;
		}
	}
	return n;
}

FIXTURE_SETUP(dlog)
{
	struct dlog_state *st = &self->s;

	require_vhost_mdev(_metadata);
	ASSERT_EQ(0, write_str(CDEV_LOG_PARAM, "Y"));
	ASSERT_EQ(0, vhost_create(st->uuid, 0, NULL));
	ASSERT_EQ(0, dev_mac(st->uuid, st->mac));
	ASSERT_EQ(0, vhost_open(&st->dev, st->uuid, variant->open_flags));
	st->log = mmap(NULL, LOG_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, st->log);
}

FIXTURE_TEARDOWN(dlog)
{
	struct dlog_state *st = &self->s;
	unsigned int i;

	vmdev_close(st->dev);
	vmdev_close(st->dev2);
	mdev_cleanup(st->uuid);
	if (st->uuid2[0])
		mdev_cleanup(st->uuid2);
	write_str(CDEV_LOG_PARAM, "N");
	munmap(st->log, LOG_BYTES);
	for (i = 0; i < ARRAY_SIZE(st->regions); i++)
		free(st->regions[i].copy);
}

TEST_F(dlog, log_all_offered_for_a_software_device)
{
	struct dlog_state *st = &self->s;

	EXPECT_TRUE(vmdev_device_features(st->dev) & BIT64(VHOST_F_LOG_ALL));
}

/* The character device keeps upstream's behaviour unless asked. */
TEST_F(dlog, cdev_offers_the_log_only_when_asked)
{
	struct dlog_state *st = &self->s;
	bool cdev = variant->open_flags & VMDEV_OPEN_CDEV;
	uint64_t f = 0;
	int efd = -1;
	int status;
	pid_t pid;

	vmdev_close(st->dev);
	st->dev = NULL;
	ASSERT_EQ(0, write_str(CDEV_LOG_PARAM, "N"));
	ASSERT_EQ(0, vhost_open(&st->dev, st->uuid, variant->open_flags));
	ASSERT_EQ(0, vmdev_ioctl(st->dev, VHOST_GET_FEATURES, &f));
	EXPECT_EQ(!cdev, !!(f & BIT64(VHOST_F_LOG_ALL)));
	if (cdev) {
		EXPECT_ERRNO(ENOTTY, set_log_base(st->dev, st->log));
		EXPECT_ERRNO(ENOTTY, set_log_fd(st->dev, efd));
		EXPECT_ERRNO(EINVAL, set_features(st->dev,
						  f | BIT64(VHOST_F_LOG_ALL)));
	} else {
		EXPECT_EQ(0, set_log_base(st->dev, st->log));
	}
	/*
	 * Another process: upstream's ENOTTY without a log, before the owner
	 * is checked; with one, vhost-net's EPERM.
	 */
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(-set_log_base(st->dev, st->log) & 0xff);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(cdev ? ENOTTY : EPERM, WEXITSTATUS(status));
}

TEST_F(dlog, migration_rounds_log_every_changed_page)
{
	struct dlog_state *st = &self->s;
	struct timespec t0;
	size_t rounds = 0, copied = 0;
	pthread_t thread;

	ASSERT_EQ(0, start(st));
	/* As QEMU starts a migration: base, LOG_ALL, then the rings' F_LOG. */
	ASSERT_EQ(0, set_log_base(st->dev, st->log));
	ASSERT_EQ(0, log_all(st->dev, true));
	ASSERT_EQ(0, set_vring_log(st->rx, F_LOG,
				   st->rx->used_iova));
	ASSERT_EQ(0, set_vring_log(st->tx, F_LOG,
				   st->tx->used_iova));
	/* The bulk round: everything, whatever the log says. */
	sync_round(st, true);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, pthread_create(&thread, NULL, streamer, st));
	while (!__atomic_load_n(&st->done, __ATOMIC_ACQUIRE)) {
		copied += sync_round(st, false);
		rounds++;
		usleep(500);
	}
	ASSERT_EQ(0, pthread_join(thread, NULL));
	ASSERT_EQ(0, st->err);
	/* Stop the device, then the last round. */
	ASSERT_EQ(0, vmdev_suspend(st->dev));
	copied += sync_round(st, false);
	TH_LOG("%u frames in %ld ms, %zu rounds, %zu pages copied",
	       st->received, ms_since(&t0), rounds, copied);

	EXPECT_EQ(FRAMES, st->received);
	EXPECT_EQ(0, st->bad);
	EXPECT_EQ(0, stale_pages(_metadata, st));
	EXPECT_LT(0, copied);
}

/*
 * The pages of both rings (the arena's start, where vmdev_vq_setup() put
 * them), mapped into @dst at their IOVAs: the guest's memory as the
 * destination has it.
 */
static int map_rings(struct vmdev *dst, struct dlog_state *st)
{
	const struct vmdev_vq *vqs[] = { st->rx, st->tx };
	uint64_t lo = UINT64_MAX, hi = 0;
	const uint8_t *base = NULL;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vqs); i++) {
		if (vqs[i]->desc_iova < lo) {
			lo = vqs[i]->desc_iova;
			base = (const uint8_t *)vqs[i]->desc;
		}
		if (vqs[i]->used_iova + USED_LEN > hi)
			hi = vqs[i]->used_iova + USED_LEN;
	}
	base -= lo % LOG_PAGE;
	lo -= lo % LOG_PAGE;
	hi = (hi + LOG_PAGE - 1) / LOG_PAGE * LOG_PAGE;
	return vmdev_map(dst, (void *)base, lo, hi - lo, VMDEV_MAP_RW);
}

/*
 * Program @dst's ring @vq->index as the destination's QEMU does: the
 * source's size, addresses and eventfds, from avail index @base.
 */
static int move_ring(struct vmdev *dst, const struct vmdev_vq *vq,
		     unsigned int base)
{
	struct vhost_vring_state num = { .index = vq->index, .num = vq->num };
	struct vhost_vring_state b = { .index = vq->index, .num = base };
	struct vhost_vring_state on = { .index = vq->index, .num = 1 };
	struct vhost_vring_file kick = { .index = vq->index,
					 .fd = vq->kick_fd };
	struct vhost_vring_file call = { .index = vq->index,
					 .fd = vq->call_fd };
	int ret;

	ret = vmdev_ioctl(dst, VHOST_SET_VRING_NUM, &num);
	if (!ret)
		ret = vmdev_ioctl(dst, VHOST_SET_VRING_BASE, &b);
	if (!ret)
		ret = set_vring_addr(dst, vq, 0, 0);
	if (!ret)
		ret = vmdev_ioctl(dst, VHOST_SET_VRING_KICK, &kick);
	if (!ret)
		ret = vmdev_ioctl(dst, VHOST_SET_VRING_CALL, &call);
	if (!ret)
		ret = vmdev_ioctl(dst, VHOST_VDPA_SET_VRING_ENABLE, &on);
	return ret;
}

/* VHOST_GET_VRING_BASE of @dev's ring @index: where it stopped taking. */
static int vring_base(struct vmdev *dev, unsigned int index,
		      unsigned int *base)
{
	struct vhost_vring_state s = { .index = index };
	int ret;

	ret = vmdev_ioctl(dev, VHOST_GET_VRING_BASE, &s);
	*base = s.num;
	return ret;
}

/*
 * Wait until the guest has published more than @base buffers on @vq: the
 * streamer queues its next frames whatever device serves it. False after
 * WAIT_MS: the guest waits for frames the stopped device took and never
 * delivered.
 */
static bool guest_queued_past(const struct vmdev_vq *vq, unsigned int base)
{
	uint16_t idx;
	unsigned int i;

	for (i = 0; i < WAIT_MS; i++) {
		idx = __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE);
		if (le16toh(idx) != (uint16_t)base)
			return true;
		usleep(1000);
	}
	return false;
}

/*
 * A live migration in one process: the guest streams through the first
 * device while its memory is copied in rounds; half-way the first device
 * is suspended and the last round copied (every page that changed must
 * have been logged), its ring state read, and the second device, created
 * with the first one's MAC and already holding the guest's memory, takes
 * over the rings from that state through the other front end; the first
 * one is reset. The guest never stops: frames it sent to the first device
 * that were not yet taken come out of the second, and every frame must
 * arrive once, in order.
 */
TEST_F(dlog, moves_to_a_second_device)
{
	struct dlog_state *st = &self->s;
	struct vmdev_net_config cfg;
	unsigned int rx_base, tx_base, moved_at, base;
	uint8_t status = 0;
	char mac[VAL_BUF];
	pthread_t thread;
	uint64_t f;

	ASSERT_EQ(0, start(st));
	ASSERT_EQ(0, set_log_base(st->dev, st->log));
	ASSERT_EQ(0, log_all(st->dev, true));
	ASSERT_EQ(0, set_vring_log(st->rx, F_LOG, st->rx->used_iova));
	ASSERT_EQ(0, set_vring_log(st->tx, F_LOG, st->tx->used_iova));
	sync_round(st, true);

	/* The destination, before the switch-over: its config, the memory. */
	mac_str(mac, st->mac);
	ASSERT_EQ(0, vhost_create(st->uuid2, 0, mac));
	/* Through the other front end: both serve as source and destination. */
	ASSERT_EQ(0, vhost_open(&st->dev2, st->uuid2,
				variant->open_flags ^ VMDEV_OPEN_CDEV));
	/* Negotiated first: a reset may map the arena again. */
	f = vmdev_driver_features(st->dev) & ~BIT64(VHOST_F_LOG_ALL);
	ASSERT_EQ(0, vmdev_negotiate(st->dev2, f));
	ASSERT_EQ(f, vmdev_driver_features(st->dev2));
	ASSERT_EQ(0, vmdev_arena_unmap(st->dev2));
	ASSERT_EQ(0, map_rings(st->dev2, st));
	ASSERT_EQ(0, vmdev_map(st->dev2, st->rxbufs, RX_IOVA,
			       RING_NUM * RX_BUF, VMDEV_MAP_RW));
	ASSERT_EQ(0, vmdev_map(st->dev2, st->txbufs, TX_IOVA,
			       RING_NUM * TX_BUF, VMDEV_MAP_RW));

	ASSERT_EQ(0, pthread_create(&thread, NULL, streamer, st));
	while (__atomic_load_n(&st->received, __ATOMIC_ACQUIRE) < FRAMES / 2 &&
	       !__atomic_load_n(&st->done, __ATOMIC_ACQUIRE)) {
		sync_round(st, false);
		usleep(500);
	}

	/* Stop and copy: the guest keeps going, its frames wait. */
	ASSERT_EQ(0, vmdev_suspend(st->dev));
	sync_round(st, false);
	EXPECT_EQ(0, stale_pages(_metadata, st));
	ASSERT_EQ(0, vring_base(st->dev, RXQ, &rx_base));
	ASSERT_EQ(0, vring_base(st->dev, TXQ, &tx_base));
	/*
	 * Frames queued (and kicked) while the source is stopped, every time:
	 * the source must take none of them, the destination all.
	 */
	ASSERT_TRUE(guest_queued_past(st->tx, tx_base));
	usleep(20000);
	ASSERT_EQ(0, vring_base(st->dev, TXQ, &base));
	EXPECT_EQ(tx_base, base);
	ASSERT_EQ(0, vring_base(st->dev, RXQ, &base));
	EXPECT_EQ(rx_base, base);
	moved_at = __atomic_load_n(&st->received, __ATOMIC_ACQUIRE);

	/* The destination takes over; the source is reset. */
	ASSERT_EQ(0, move_ring(st->dev2, st->rx, rx_base));
	ASSERT_EQ(0, move_ring(st->dev2, st->tx, tx_base));
	ASSERT_EQ(0, vmdev_driver_ok(st->dev2));
	ASSERT_EQ(0, vmdev_ioctl(st->dev, VHOST_VDPA_SET_STATUS, &status));
	/*
	 * The kicks the stopped source consumed from the eventfds (shared
	 * here; a real destination has its own, which QEMU sets once as it
	 * starts them): replayed.
	 */
	ASSERT_EQ(0, vmdev_vq_kick(st->rx));
	ASSERT_EQ(0, vmdev_vq_kick(st->tx));

	ASSERT_EQ(0, pthread_join(thread, NULL));
	TH_LOG("moved after %u of %u frames, at avail %u (RX) and %u (TX)",
	       moved_at, FRAMES, rx_base, tx_base);
	EXPECT_EQ(0, st->err);
	EXPECT_EQ(FRAMES, st->received);
	EXPECT_EQ(0, st->bad);
	EXPECT_LT(0, moved_at);
	EXPECT_GT(FRAMES, moved_at);
	/* The destination took every frame and buffer from the move on. */
	ASSERT_EQ(0, vmdev_suspend(st->dev2));
	ASSERT_EQ(0, vring_base(st->dev2, TXQ, &base));
	EXPECT_EQ(FRAMES, base);
	ASSERT_EQ(0, vring_base(st->dev2, RXQ, &base));
	EXPECT_EQ(FRAMES, base);
	/* The config came along: what the guest reads is the same. */
	ASSERT_EQ(0, vmdev_net_get_config(st->dev2, &cfg));
	EXPECT_EQ(0, memcmp(cfg.mac, st->mac, sizeof(cfg.mac)));
}

TEST_F(dlog, used_ring_logged_at_log_guest_addr)
{
	struct dlog_state *st = &self->s;

	ASSERT_EQ(0, start(st));
	ASSERT_EQ(0, set_log_base(st->dev, st->log));
	ASSERT_EQ(0, log_all(st->dev, true));
	ASSERT_EQ(0, set_vring_log(st->rx, F_LOG,
				   ALIAS_IOVA));
	ASSERT_EQ(0, send_frames(st, 0, 1));
	ASSERT_EQ(0, recv_frames(st, 1));
	EXPECT_EQ(0, st->bad);
	/* The used ring's own page, and its alias. */
	EXPECT_TRUE(log_bit(st->log, st->rx->used_iova));
	EXPECT_TRUE(log_bit(st->log, ALIAS_IOVA));
	EXPECT_TRUE(log_bit(st->log, RX_IOVA));
	/* The device only read the TX buffers. */
	EXPECT_FALSE(log_bit(st->log, TX_IOVA));
}

TEST_F(dlog, logging_toggles_mid_stream)
{
	struct dlog_state *st = &self->s;

	ASSERT_EQ(0, start(st));
	ASSERT_EQ(0, set_log_base(st->dev, st->log));
	/* Off: nothing is logged. */
	ASSERT_EQ(0, send_frames(st, 0, 4));
	ASSERT_EQ(0, recv_frames(st, 4));
	EXPECT_EQ(0, log_count(st->log));
	/* On, on the running device. */
	ASSERT_EQ(0, log_all(st->dev, true));
	ASSERT_EQ(0, send_frames(st, 4, 4));
	ASSERT_EQ(0, recv_frames(st, 4));
	/* frame 4 went into RX buffer 4: its page, not the first */
	EXPECT_FALSE(log_bit(st->log, RX_IOVA));
	EXPECT_TRUE(log_bit(st->log, RX_IOVA + 4 * RX_BUF));
	EXPECT_TRUE(log_bit(st->log, st->rx->used_iova));
	EXPECT_TRUE(log_bit(st->log, st->tx->used_iova));
	/* Off again. */
	ASSERT_EQ(0, log_all(st->dev, false));
	memset(st->log, 0, LOG_BYTES);
	ASSERT_EQ(0, send_frames(st, 8, 4));
	ASSERT_EQ(0, recv_frames(st, 4));
	EXPECT_EQ(0, log_count(st->log));
	EXPECT_EQ(0, st->bad);
	EXPECT_EQ(12, st->received);
}

TEST_F(dlog, log_fd_is_signalled)
{
	struct dlog_state *st = &self->s;

	uint64_t count = 0;
	int efd;

	efd = eventfd(0, EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, start(st));
	ASSERT_EQ(0, set_log_base(st->dev, st->log));
	ASSERT_EQ(0, set_log_fd(st->dev, efd));
	ASSERT_EQ(0, log_all(st->dev, true));
	ASSERT_EQ(0, send_frames(st, 0, 1));
	ASSERT_EQ(0, recv_frames(st, 1));
	EXPECT_EQ(sizeof(count), read(efd, &count, sizeof(count)));
	EXPECT_LT(0, count);
	/* -1 unbinds it. */
	ASSERT_EQ(0, set_log_fd(st->dev, -1));
	ASSERT_EQ(0, send_frames(st, 1, 1));
	ASSERT_EQ(0, recv_frames(st, 1));
	EXPECT_EQ(-1, read(efd, &count, sizeof(count)));
	EXPECT_EQ(EAGAIN, errno);
	close(efd);
}

TEST_F(dlog, log_base_outside_the_process_is_efault)
{
	struct dlog_state *st = &self->s;
	void *hole;

	hole = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	ASSERT_EQ(0, munmap(hole, 4096));
	EXPECT_ERRNO(EFAULT, set_log_base(st->dev, hole));
	EXPECT_ERRNO(EFAULT, set_log_base(st->dev, (void *)(1ULL << 63)));
	/* read-only memory cannot take bits either */
	hole = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	EXPECT_ERRNO(EFAULT, set_log_base(st->dev, hole));
	munmap(hole, 4096);
	/* any alignment, as vhost's u8 array */
	EXPECT_EQ(0, set_log_base(st->dev, st->log + 1));
}

TEST_F(dlog, log_fd_must_be_an_eventfd)
{
	struct dlog_state *st = &self->s;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	EXPECT_ERRNO(EINVAL, set_log_fd(st->dev, p[0]));
	EXPECT_ERRNO(EBADF, set_log_fd(st->dev, 4321));
	EXPECT_EQ(0, set_log_fd(st->dev, -1));
	close(p[0]);
	close(p[1]);
}

/*
 * A log that ends before the bits of the device's addresses: as in vhost,
 * the write that cannot be logged fails, and the device needs a reset.
 */
TEST_F(dlog, log_too_small_fails_the_write)
{
	struct dlog_state *st = &self->s;

	uint8_t *small;

	/*
	 * One page of log (IOVAs up to 128 MiB), then inaccessible memory
	 * where the bits of the rings (at 1 GiB) would be.
	 */
	small = mmap(NULL, LOG_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		     -1, 0);
	ASSERT_NE(MAP_FAILED, small);
	ASSERT_EQ(0, mprotect(small, 4096, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, start(st));
	ASSERT_EQ(0, set_log_base(st->dev, small));
	ASSERT_EQ(0, log_all(st->dev, true));
	ASSERT_EQ(0, send_frames(st, 0, 1));
	EXPECT_TRUE(wait_status(st->dev, VIRTIO_CONFIG_S_NEEDS_RESET,
				WAIT_MS));
	EXPECT_EQ(0, recv_one_nowait(st));
	vmdev_close(st->dev);
	st->dev = NULL;
	munmap(small, LOG_BYTES);
}

TEST_F(dlog, log_all_only_changes_after_features_ok)
{
	struct dlog_state *st = &self->s;

	uint64_t f;

	ASSERT_EQ(0, start(st));
	f = vmdev_driver_features(st->dev);
	EXPECT_EQ(0, log_all(st->dev, true));
	EXPECT_EQ(0, log_all(st->dev, false));
	/* the same again, or another bit: as before, -EBUSY */
	EXPECT_ERRNO(EBUSY, set_features(st->dev, f));
	EXPECT_ERRNO(EBUSY, set_features(st->dev,
					 f & ~BIT64(VIRTIO_NET_F_MAC)));
	/* a ready ring's addresses only change its logging */
	EXPECT_EQ(0, set_vring_log(st->rx, F_LOG,
				   st->rx->used_iova));
	EXPECT_ERRNO(EINVAL, set_vring_log(st->rx, F_LOG,
					   st->rx->used_iova + 2));
}

/* Pins and their charge go with the session, whatever the user left. */
TEST_F(dlog, nothing_pinned_or_charged_after_close)
{
	struct dlog_state *st = &self->s;
	long pins, charged;

	vmdev_close(st->dev);
	st->dev = NULL;
	pins = pinned_pages();
	charged = locked_kb(getpid());
	ASSERT_EQ(0, vhost_open(&st->dev, st->uuid, variant->open_flags));
	ASSERT_EQ(0, start(st));
	ASSERT_EQ(0, set_log_base(st->dev, st->log));
	ASSERT_EQ(0, log_all(st->dev, true));
	ASSERT_EQ(0, send_frames(st, 0, 8));
	ASSERT_EQ(0, recv_frames(st, 8));
	EXPECT_LT(charged, locked_kb(getpid()));
	vmdev_close(st->dev);
	st->dev = NULL;
	if (pins != PINS_UNKNOWN)
		EXPECT_EQ(pins, pinned_pages());
	EXPECT_EQ(charged, locked_kb(getpid()));
}

TEST_HARNESS_MAIN
