// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dirty-page logging with vhost-net's contract (VHOST_F_LOG_ALL,
 * VHOST_SET_LOG_BASE, VHOST_SET_LOG_FD, VHOST_VRING_F_LOG) on an mvnet
 * device, through both front ends.
 *
 * The migration test is dlog_test.h's guest-like process on one device
 * in loopback (TX 0 to RX 0); its second form moves the guest, half-way,
 * to a second device: the stream goes on there from the ring state the
 * first one stopped at.
 *
 * The character device offers the log only when vhost_mdev's cdev_dirty_log
 * parameter says so (QEMU's x-svq refuses the bit): the cdev variant turns
 * it on for its tests, and off again.
 */
#include <sys/eventfd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vhost_mdev_test.h"
#include "dlog_test.h"

FIXTURE(dlog) {
	struct dlog_state s;
};

FIXTURE_VARIANT(dlog) {
	unsigned int open_flags;	/* the front end: vhost_mdev_test.h */
};

FIXTURE_VARIANT_ADD(dlog, vfio) { .open_flags = 0 };
FIXTURE_VARIANT_ADD(dlog, cdev) { .open_flags = VMDEV_OPEN_CDEV };

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

	ASSERT_EQ(0, dlog_start(st));
	dlog_log_on(_metadata, st);
	dlog_rounds(_metadata, st);
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

	ASSERT_EQ(0, dlog_start(st));
	dlog_log_on(_metadata, st);

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

	ASSERT_EQ(0, dlog_start(st));
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

	ASSERT_EQ(0, dlog_start(st));
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
	ASSERT_EQ(0, dlog_start(st));
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
	ASSERT_EQ(0, dlog_start(st));
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

	ASSERT_EQ(0, dlog_start(st));
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
	ASSERT_EQ(0, dlog_start(st));
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
