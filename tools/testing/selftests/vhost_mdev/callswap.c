// SPDX-License-Identifier: GPL-2.0-only
/*
 * VHOST_SET_VRING_CALL on a running ring must lose no notification.
 *
 * QEMU swaps the call eventfd of a running ring whenever its guest masks
 * or unmasks a vector, so a used buffer that the device publishes while
 * the swap is under way must still be signalled, on the old eventfd or on
 * the new one. Here one thread swaps the RX call eventfd of an mvnet
 * loopback device between two eventfds of ours as fast as it can, while
 * the test loops frames one at a time: after each frame the RX used ring
 * has an entry, and one of the two eventfds must have been signalled for
 * it (both are read, without blocking, then waited on for a while before a
 * notification counts as lost). The stream must not stall either.
 *
 * The ring asks for every notification: the features negotiated leave out
 * VIRTIO_RING_F_EVENT_IDX and the driver area's flags stay 0 (no
 * VRING_AVAIL_F_NO_INTERRUPT), which the test checks, so the device owes a
 * call for every pass that used an RX buffer.
 *
 * Both threads spin on one CPU. On the test VM's single CPU the device's
 * pass (a work item) runs whenever the swapper is scheduled out, and the
 * scheduler tick scheduling it out inside the swap is what loses a
 * notification when the device's callback is removed for the duration of
 * the swap. VMDEV_STRESS_SECONDS bounds the run (default 10 s).
 */
#include <endian.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <sys/eventfd.h>

#include "kselftest_harness.h"
#include "vhost_mdev_test.h"

#define DEFAULT_SECONDS		10
/* A used entry gets this long for its call before the call counts as lost. */
#define GRACE_MS		1000
/* No used RX entry this long after a frame was sent: the stream stalled. */
#define STALL_MS		WAIT_MS
/* Enough evidence: stop at this many lost notifications. */
#define MAX_LOST		3
#define RXQ			0
#define FRAME_LEN		60
#define FRAME_BUF_LEN		2048

FIXTURE(callswap) {
	char uuid[UUID_BUF];
	struct vmdev *dev;
	uint8_t mac[6];
	int efd[2];
};

FIXTURE_VARIANT(callswap) {
	unsigned int open_flags;	/* the front end: vhost_mdev_test.h */
};

FIXTURE_VARIANT_ADD(callswap, vfio) { .open_flags = 0 };
FIXTURE_VARIANT_ADD(callswap, cdev) { .open_flags = VMDEV_OPEN_CDEV };

/* The swapper: SET_VRING_CALL of @rxq alternating between two eventfds. */
struct swapper {
	pthread_t thread;
	int fd;
	const int *efd;
	bool stop;		/* set by the test, read atomically */
	unsigned long swaps;
	int err;		/* the first failed swap's -errno */
};

/* Keep the calling thread on @cpu: both threads share one CPU. */
static void pin_to(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *swap_calls(void *arg)
{
	struct swapper *s = arg;
	int ret;

	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		ret = fd_vring_file(s->fd, VHOST_SET_VRING_CALL, RXQ,
				    s->efd[(s->swaps + 1) & 1]);
		if (ret) {
			s->err = ret;
			break;
		}
		s->swaps++;
	}
	return NULL;
}

/* Read and clear @fd without blocking: the count, 0 if none, or -errno. */
static int64_t drain(int fd)
{
	uint64_t val;

	if (read(fd, &val, sizeof(val)) == sizeof(val))
		return val;
	return errno == EAGAIN ? 0 : -errno;
}

/* Calls received on either eventfd, waiting up to @timeout_ms for one. */
static int64_t calls(const int efd[2], int timeout_ms)
{
	struct pollfd pfd[2] = {
		{ .fd = efd[0], .events = POLLIN },
		{ .fd = efd[1], .events = POLLIN },
	};
	int64_t n = drain(efd[0]) + drain(efd[1]);

	if (n || !timeout_ms)
		return n;
	if (poll(pfd, 2, timeout_ms) < 0)
		return -errno;
	return drain(efd[0]) + drain(efd[1]);
}

FIXTURE_SETUP(callswap)
{
	struct vmdev_net_opts opts = {
		/* no EVENT_IDX: the device calls after every pass */
		.features = BIT64(VIRTIO_NET_F_MAC) |
			    BIT64(VIRTIO_NET_F_MRG_RXBUF),
	};

	self->efd[0] = -1;
	self->efd[1] = -1;
	require_vhost_mdev(_metadata);
	ASSERT_EQ(0, vhost_create(self->uuid, 0, NULL));
	ASSERT_EQ(0, dev_mac(self->uuid, self->mac));
	ASSERT_EQ(0, vhost_open(&self->dev, self->uuid, variant->open_flags));
	ASSERT_EQ(0, vmdev_net_start(self->dev, &opts));
	self->efd[0] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	self->efd[1] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, self->efd[0]);
	ASSERT_LE(0, self->efd[1]);
}

FIXTURE_TEARDOWN(callswap)
{
	vmdev_close(self->dev);
	mdev_cleanup(self->uuid);
	if (self->efd[0] >= 0)
		close(self->efd[0]);
	if (self->efd[1] >= 0)
		close(self->efd[1]);
}

TEST_F_TIMEOUT(callswap, every_used_buffer_is_signalled, 3600)
{
	struct vmdev_vq *rxq = vmdev_net_rxq(self->dev, 0);
	unsigned long frames = 0, lost = 0, late = 0;
	long limit_ms = stress_seconds(DEFAULT_SECONDS) * 1000L;
	struct swapper sw = {
		.fd = vmdev_fd(self->dev),
		.efd = self->efd,
	};
	uint8_t buf[FRAME_BUF_LEN];
	struct timespec start;
	bool stalled = false;
	int cpu = sched_getcpu();

	ASSERT_NE(NULL, rxq);
	/* The device owes a call for every RX pass. */
	ASSERT_FALSE(vmdev_driver_features(self->dev) &
		     BIT64(VIRTIO_RING_F_EVENT_IDX));
	ASSERT_FALSE(le16toh(rxq->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
	/* Our eventfds from now on; the library's stays idle. */
	ASSERT_EQ(0, fd_vring_file(sw.fd, VHOST_SET_VRING_CALL, RXQ,
				   self->efd[0]));
	/* The device works, and signals, before the swapping starts. */
	ASSERT_EQ(1, send_one(self->dev, 0, self->mac, self->mac, 0,
			      FRAME_LEN));
	ASSERT_LT(0, calls(self->efd, WAIT_MS));
	ASSERT_EQ(FRAME_LEN, recv_one(self->dev, 0, buf, sizeof(buf), 0));

	pin_to(cpu);
	ASSERT_EQ(0, pthread_create(&sw.thread, NULL, swap_calls, &sw));
	/* The new thread inherited the affinity: both on one CPU. */
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (ms_since(&start) < limit_ms && lost < MAX_LOST && !sw.err) {
		uint32_t seq = frames + 1, got = ~0U;
		struct vmdev_frame f = { .data = buf, .len = FRAME_LEN };
		struct timespec sent;
		unsigned long spins = 0;
		int64_t n;
		int len;

		calls(self->efd, 0);
		vmdev_fill_frame(buf, FRAME_LEN, self->mac, self->mac, seq);
		ASSERT_EQ(1, vmdev_net_send(self->dev, 0, &f, 1))
			TH_LOG("frame %u", seq);
		clock_gettime(CLOCK_MONOTONIC, &sent);
		/* Spin: no system call that would let the swapper finish. */
		while (!vmdev_vq_has_used(rxq)) {
			if (++spins % 4096 == 0 && ms_since(&sent) > STALL_MS)
				break;
		}
		if (!vmdev_vq_has_used(rxq)) {
			stalled = true;
			TH_LOG("frame %u: no RX used entry after %d ms",
			       seq, STALL_MS);
			break;
		}
		n = calls(self->efd, 0);
		ASSERT_LE(0, n);
		if (!n) {
			n = calls(self->efd, GRACE_MS);
			ASSERT_LE(0, n);
			late += n > 0;
		}
		if (!n) {
			lost++;
			TH_LOG("frame %u: used, no call on either eventfd in %d ms (%lu swaps)",
			       seq, GRACE_MS, sw.swaps);
		}
		len = recv_one(self->dev, 0, buf, sizeof(buf), 0);
		ASSERT_EQ(FRAME_LEN, len) TH_LOG("frame %u", seq);
		ASSERT_EQ(-1, vmdev_check_frame(buf, len, &got));
		ASSERT_EQ(seq, got);
		frames++;
	}
	__atomic_store_n(&sw.stop, true, __ATOMIC_RELAXED);
	pthread_join(sw.thread, NULL);

	ksft_print_msg("%lu frames, %lu call swaps, %lu calls lost, %lu late, %ld ms\n",
		       frames, sw.swaps, lost, late, ms_since(&start));
	fflush(stdout);
	EXPECT_EQ(0, sw.err) TH_LOG("SET_VRING_CALL failed after %lu swaps",
				    sw.swaps);
	EXPECT_FALSE(stalled);
	EXPECT_EQ(0, lost);
	/* The swaps did overlap the stream. */
	EXPECT_LT(frames, sw.swaps);
}

TEST_HARNESS_MAIN
