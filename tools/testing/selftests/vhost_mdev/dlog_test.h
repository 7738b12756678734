/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest-like process for the dirty-log tests (dirtylog.c here, and
 * vmdev_vf/relay.c): it streams numbered frames through a device from one
 * thread while another copies the memory the device writes (the RX
 * buffers and the used rings) in rounds, as a migration does: each round
 * fetches and clears the log, and copies the pages whose bits were set.
 * After the device is stopped and a last round, the copy must equal the
 * memory: a page that changed without its bit is a difference. Every frame
 * must arrive once, in order, intact. The frames go to @dst (the device's
 * own MAC for a loopback, a peer's on a wire, which sends them back).
 *
 * Include kselftest_harness.h and vhost_mdev_test.h first.
 */
#ifndef _DLOG_TEST_H
#define _DLOG_TEST_H

#include <pthread.h>
#include <sys/mman.h>

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
	uint8_t dst[6];		/* where the frames go; mac when zero */
	uint8_t *log;
	uint8_t *rxbufs;
	uint8_t *txbufs;
	struct region regions[3];
	/* the destination of a move: a second device, its handle */
	char uuid2[UUID_BUF];
	struct vmdev *dev2;
	/*
	 * Atomic: once @pause_at frames arrived (0: never), the streamer
	 * waits between two batches, with nothing in flight, saying so in
	 * @paused, until @go is set.
	 */
	unsigned int pause_at;
	bool paused;
	bool go;
	/* the streamer's results */
	unsigned int received;
	unsigned int bad;
	int err;
	bool done;		/* atomic: the streamer's end */
};

static inline int set_features(struct vmdev *dev, uint64_t features)
{
	return vmdev_ioctl(dev, VHOST_SET_FEATURES, &features);
}

static inline int set_log_base(struct vmdev *dev, const void *base)
{
	uint64_t b = (uintptr_t)base;

	return vmdev_ioctl(dev, VHOST_SET_LOG_BASE, &b);
}

static inline int set_log_fd(struct vmdev *dev, int fd)
{
	return vmdev_ioctl(dev, VHOST_SET_LOG_FD, &fd);
}

static inline int set_vring_log(struct vmdev_vq *vq, unsigned int flags,
				uint64_t log_addr)
{
	return vmdev_vq_set_addr(vq->dev, vq, flags, log_addr);
}

static inline int log_all(struct vmdev *dev, bool on)
{
	uint64_t f = vmdev_driver_features(dev);

	return set_features(dev, on ? f | BIT64(VHOST_F_LOG_ALL) : f);
}

static inline bool log_bit(const uint8_t *log, uint64_t iova)
{
	uint64_t pg = iova / LOG_PAGE;

	return __atomic_load_n(&log[pg / 8], __ATOMIC_RELAXED) & (1 << (pg % 8));
}

static inline size_t log_count(const uint8_t *log)
{
	size_t i, n = 0;

	for (i = 0; i < LOG_BYTES; i++)
		n += __builtin_popcount(log[i]);
	return n;
}

static inline int post_rx(struct vmdev_vq *rx, uint8_t *bufs,
			  unsigned int i)
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
static inline int dlog_start(struct dlog_state *self)
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
static inline int send_frames(struct dlog_state *self, uint32_t seq,
			      unsigned int n)
{
	static const uint8_t zero[6];
	const uint8_t *dst = memcmp(self->dst, zero, 6) ? self->dst :
			     self->mac;
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
		vmdev_fill_frame(buf + HDR, len, dst, self->mac, seq + i);
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
static inline int recv_frames(struct dlog_state *self, unsigned int want)
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
static inline int recv_one_nowait(struct dlog_state *self)
{
	return vmdev_vq_has_used(self->rx);
}

static inline void *streamer(void *arg)
{
	struct dlog_state *self = arg;
	uint32_t seq;
	int ret = 0;

	for (seq = 0; seq < FRAMES && !ret; seq += BATCH) {
		if (self->pause_at && seq >= self->pause_at) {
			__atomic_store_n(&self->paused, true, __ATOMIC_RELEASE);
			while (!__atomic_load_n(&self->go, __ATOMIC_ACQUIRE))
				usleep(1000);
			self->pause_at = 0;
		}
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
static inline size_t sync_round(struct dlog_state *self, bool all)
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
static inline unsigned int stale_pages(struct __test_metadata *_metadata,
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

/*
 * The pages of both rings (the arena's start, where vmdev_vq_setup() put
 * them), mapped into @dst at their IOVAs: the guest's memory as the
 * destination has it.
 */
static inline int map_rings(struct vmdev *dst, struct dlog_state *st)
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
static inline int move_ring(struct vmdev *dst, const struct vmdev_vq *vq,
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
		ret = vmdev_vq_set_addr(dst, vq, 0, 0);
	if (!ret)
		ret = vmdev_ioctl(dst, VHOST_SET_VRING_KICK, &kick);
	if (!ret)
		ret = vmdev_ioctl(dst, VHOST_SET_VRING_CALL, &call);
	if (!ret)
		ret = vmdev_ioctl(dst, VHOST_VDPA_SET_VRING_ENABLE, &on);
	return ret;
}

/* VHOST_GET_VRING_BASE of @dev's ring @index: where it stopped taking. */
static inline int vring_base(struct vmdev *dev, unsigned int index,
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
static inline bool guest_queued_past(const struct vmdev_vq *vq,
				     unsigned int base)
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
 * Log the device's writes from now on, as QEMU starts a migration: base,
 * LOG_ALL, then the rings' F_LOG; and the bulk round (everything,
 * whatever the log says).
 */
static inline void dlog_log_on(struct __test_metadata *_metadata,
			       struct dlog_state *st)
{
	ASSERT_EQ(0, set_log_base(st->dev, st->log));
	ASSERT_EQ(0, log_all(st->dev, true));
	ASSERT_EQ(0, set_vring_log(st->rx, F_LOG, st->rx->used_iova));
	ASSERT_EQ(0, set_vring_log(st->tx, F_LOG, st->tx->used_iova));
	sync_round(st, true);
}

/*
 * The whole stream, copied in rounds from the log as it goes; then the
 * device is suspended, and after the last round every page that changed
 * must have been copied, every frame arrived once, intact.
 */
static inline void dlog_rounds(struct __test_metadata *_metadata,
			       struct dlog_state *st)
{
	size_t rounds = 0, copied = 0;
	struct timespec t0;
	pthread_t thread;

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

#endif /* _DLOG_TEST_H */
