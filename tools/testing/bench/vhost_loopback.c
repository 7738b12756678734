// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_loopback: frames per second looped through a vhost device by one
 * userspace driver (libvmdev), ours next to upstream's, measured in the
 * same run.
 *
 * A round sends a batch of frames and receives every one of them back; the
 * rate is the frames received per second of rounds. Each target (a way of
 * moving frames) runs every case (frame size x batch size) for a fixed
 * time after a warm-up whose frames are all verified, and the whole matrix
 * is repeated, the targets taking turns case by case so that all see the
 * same machine. A target names the target it is read against: its table
 * column and JSON entry give the ratio of the two medians (above 1: faster
 * than the baseline).
 *
 * Targets (each measured when its device is given):
 *  mvnet-vfio      an unlinked mvnet-vhost device through its VFIO device
 *		    fd (--uuid): TX queue 0 to RX queue 0 by mvnet's workqueue
 *  mvnet-cdev      another one through its vhost-vdpa compatible character
 *		    device (--cdev-uuid), the IOTLB message protocol
 *  vdpa_sim_net    the peer: upstream's vdpa_sim_net loopback under
 *		    upstream's vhost_vdpa (--peer-node /dev/vhost-vdpa-N),
 *		    driven by the same library through the same protocol
 *  af_packet-lo    a reference, no ratio: the same frames through the
 *		    guest's own loopback netdev, sendmmsg() on one AF_PACKET
 *		    socket, recvmmsg() on another bound to lo
 *  relay           two devices of hardware functions on one wire, each
 *		    with the core's relay on, through their character
 *		    devices (--pair TX-UUID,RX-UUID; VFIO refuses a relayed
 *		    function, whose shadow rings only the character device's
 *		    IOMMU domain maps): TX queue 0 of the first to RX queue 0
 *		    of the second, the dirty log off
 *  relay-log       the same devices and rings with the dirty log on, as a
 *		    migration's source has it (VHOST_F_LOG_ALL, a log base,
 *		    VHOST_VRING_F_LOG on the RX and TX rings): what logging
 *		    costs the relay. One pair of devices serves both
 *		    targets, so that the log is the only difference; each
 *		    target's prepare turns it on or off. Nothing reads or
 *		    clears the log, as if the migration never synced: every
 *		    write still sets its bits. Both need vhost_mdev's
 *		    cdev_dirty_log on (the character devices offer no log
 *		    otherwise, as upstream).
 *
 * Adding a target: write its open, prepare, round and close functions and
 * add it to targets[] with its baseline. Adding a case: --sizes and
 * --batches, or change the defaults below.
 *
 * Usage: vhost_loopback [--uuid UUID] [--cdev-uuid UUID] [--peer-node PATH]
 *	[--pair UUID,UUID] [--no-af-packet] [--duration-ms N] [--warmup-ms N]
 *	[--repeat N] [--sizes A,B,..] [--batches A,B,..] [--json FILE]
 *	[--name NAME]
 *
 * --name: the "benchmark" of the JSON (vhost_loopback), for a run of some
 * targets apart from the others (make bench's relay_log).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/vhost.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vmdev/vmdev.h"
#include "bench.h"

#define MAX_BATCH		256
#define MAX_FRAME		1514
#define MAX_LIST		8
#define MAX_REPEAT		15
#define MIN_FRAME		64
/* Generous: the test VM emulates its CPU (TCG). */
#define WAIT_MS			5000
/* RX ring and TX ring: a whole batch fits in either. */
#define RING_NUM		MAX_BATCH
#define BENCH_ETHERTYPE		0x88b5
/*
 * The dirty log's bitmap: a bit per 4 KiB page of the first 8 GiB of IOVA,
 * which holds libvmdev's buffers (its pool starts 4 GiB above the arena's
 * 1 GiB). Like vhost's, the kernel's log has no size: a smaller one would
 * have the bits of the buffers set in whatever memory follows it. A page
 * that no access may touch follows this one, so that such a bit fails the
 * device instead.
 */
#define LOG_PAGE		4096ULL
#define LOG_BYTES		((8ULL << 30) / LOG_PAGE / 8)

struct bench_opts {
	const char *uuid;
	const char *cdev_uuid;
	const char *peer_node;
	char pair[2][37];
	bool no_af_packet;
	const char *name;
	const char *json;
	unsigned int duration_ms;
	unsigned int warmup_ms;
	unsigned int repeat;
	unsigned int sizes[MAX_LIST];
	unsigned int nsizes;
	unsigned int batches[MAX_LIST];
	unsigned int nbatches;
};

/**
 * struct bench_target - one way of moving frames
 * @name: short name (table column, JSON)
 * @what: one line saying what is measured
 * @baseline: name of the target this one is read against, or NULL
 * @wanted: whether the options ask for this target
 * @open: set up, return the target's state in *@priv; 0 or -errno
 * @prepare: make @batch frames of @size bytes ready to send; 0 or -errno
 * @round: send the prepared batch and receive all of it back, checking
 *	every frame when @check; 0 or -errno
 * @close: release what @open set up
 */
struct bench_target {
	const char *name;
	const char *what;
	const char *baseline;
	bool (*wanted)(const struct bench_opts *o);
	int (*open)(const struct bench_opts *o, void **priv);
	int (*prepare)(void *priv, unsigned int size, unsigned int batch);
	int (*round)(void *priv, bool check);
	void (*close)(void *priv);
};

/* Frames of one batch, sent from and received into. */
struct bench_frames {
	unsigned int size;
	unsigned int batch;
	uint8_t tx[MAX_BATCH][MAX_FRAME];
	uint8_t rx[MAX_BATCH][MAX_FRAME];
};

static void frames_fill(struct bench_frames *f, unsigned int size,
			unsigned int batch, const uint8_t dst[6],
			const uint8_t src[6])
{
	unsigned int i;

	f->size = size;
	f->batch = batch;
	for (i = 0; i < batch; i++)
		vmdev_fill_frame(f->tx[i], size, dst, src, i);
}

/* Frame @i came back intact, as the @i-th of its batch. */
static int frame_check(const struct bench_frames *f, unsigned int i,
		       size_t len)
{
	uint32_t seq = ~0U;
	long bad;

	bad = vmdev_check_frame(f->rx[i], len, &seq);
	if (len != f->size || bad != -1 || seq != i) {
		fprintf(stderr, "vhost_loopback: frame %u/%u wrong: %zu of %u B, #%u, at %ld\n",
			i, f->batch, len, f->size, seq, bad);
		return -EPROTO;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* mvnet-vfio, mvnet-cdev, vdpa_sim_net: a vhost device by libvmdev      */
/* ------------------------------------------------------------------ */

/*
 * @dev sends and @rx_dev receives (the same device but for the relay
 * targets, whose two targets share one of these: @refs).
 */
struct vhost_bench {
	struct vmdev *dev;
	struct vmdev *rx_dev;
	unsigned int refs;
	uint8_t *log;
	bool log_on;
	uint8_t mac[6];
	uint8_t src_mac[6];
	struct vmdev_frame tx[MAX_BATCH];
	struct vmdev_frame rx[MAX_BATCH];
	struct bench_frames f;
};

static void vhost_close(void *priv)
{
	struct vhost_bench *m = priv;

	if (!m || --m->refs)
		return;
	vmdev_close(m->dev);
	vmdev_close(m->rx_dev);
	if (m->log)
		munmap(m->log, LOG_BYTES + LOG_PAGE);
	free(m);
}

/*
 * Open a device (by UUID through VFIO or its character device, or by
 * node), bring it up with rings of RING_NUM and learn its MAC.
 */
static int dev_open(const char *uuid, const char *node, unsigned int flags,
		    struct vmdev **devp, uint8_t mac[6])
{
	struct vmdev_open_opts oopts = { .flags = flags };
	struct vmdev_net_opts nopts = { .ring_num = RING_NUM };
	struct vmdev_net_config cfg;
	struct vmdev *dev;
	int ret;

	if (node)
		ret = vmdev_open_path(&dev, node, &oopts);
	else
		ret = vmdev_open(&dev, uuid, &oopts);
	if (ret)
		return ret;
	ret = vmdev_net_start(dev, &nopts);
	if (!ret)
		ret = vmdev_net_get_config(dev, &cfg);
	if (!ret && vmdev_net_max_frame(dev) < MAX_FRAME)
		ret = -EMSGSIZE;
	if (ret) {
		vmdev_close(dev);
		return ret;
	}
	memcpy(mac, cfg.mac, 6);
	*devp = dev;
	return 0;
}

/*
 * A loopback device: the frames go to its own MAC, so that a device with a
 * receive filter loops them back.
 */
static int vhost_open(const char *uuid, const char *node, unsigned int flags,
		      void **priv)
{
	struct vhost_bench *m;
	int ret;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->refs = 1;
	ret = dev_open(uuid, node, flags, &m->dev, m->mac);
	if (ret) {
		free(m);
		return ret;
	}
	memcpy(m->src_mac, m->mac, sizeof(m->mac));
	*priv = m;
	return 0;
}

static bool vfio_wanted(const struct bench_opts *o)
{
	return o->uuid;
}

static int vfio_open(const struct bench_opts *o, void **priv)
{
	return vhost_open(o->uuid, NULL, 0, priv);
}

static bool cdev_wanted(const struct bench_opts *o)
{
	return o->cdev_uuid;
}

static int cdev_open(const struct bench_opts *o, void **priv)
{
	return vhost_open(o->cdev_uuid, NULL, VMDEV_OPEN_CDEV, priv);
}

static bool peer_wanted(const struct bench_opts *o)
{
	return o->peer_node;
}

static int peer_open(const struct bench_opts *o, void **priv)
{
	return vhost_open(NULL, o->peer_node, 0, priv);
}

static int vhost_prepare(void *priv, unsigned int size, unsigned int batch)
{
	struct vhost_bench *m = priv;
	unsigned int i;

	frames_fill(&m->f, size, batch, m->mac, m->src_mac);
	for (i = 0; i < batch; i++) {
		m->tx[i] = (struct vmdev_frame){ .data = m->f.tx[i],
						 .len = size };
		m->rx[i] = (struct vmdev_frame){ .data = m->f.rx[i],
						 .size = MAX_FRAME };
	}
	return 0;
}

static int vhost_round(void *priv, bool check)
{
	struct vhost_bench *m = priv;
	struct vmdev *rx_dev = m->rx_dev ?: m->dev;
	unsigned int batch = m->f.batch, sent = 0, got = 0, i;
	int ret;

	while (got < batch) {
		if (sent < batch) {
			ret = vmdev_net_send(m->dev, 0, m->tx + sent,
					     batch - sent);
			if (ret < 0)
				return ret;
			sent += ret;
		}
		if (sent == got) {
			/* All in flight came back, TX not reclaimed yet. */
			ret = vmdev_vq_wait(vmdev_net_txq(m->dev, 0), WAIT_MS);
			if (ret <= 0)
				return ret ? ret : -ETIMEDOUT;
			continue;
		}
		ret = vmdev_net_recv(rx_dev, 0, m->rx + got, sent - got,
				     WAIT_MS);
		if (ret < 0)
			return ret;
		if (!ret)
			return -ETIMEDOUT;
		got += ret;
	}
	for (i = 0; check && i < batch; i++) {
		ret = frame_check(&m->f, i, m->rx[i].len);
		if (ret)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* relay, relay-log: two functions' devices, one wire                  */
/* ------------------------------------------------------------------ */

/* Both targets' devices, open while either target is. */
static struct vhost_bench *relay_pair;

static bool relay_wanted(const struct bench_opts *o)
{
	return o->pair[0][0];
}

static int relay_open(const struct bench_opts *o, void **priv)
{
	struct vhost_bench *m = relay_pair;
	uint64_t base;
	int ret;

	if (m) {
		m->refs++;
		*priv = m;
		return 0;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->refs = 1;
	m->log = mmap(NULL, LOG_BYTES + LOG_PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->log == MAP_FAILED) {
		m->log = NULL;
		ret = -errno;
		goto err;
	}
	if (mprotect(m->log + LOG_BYTES, LOG_PAGE, PROT_NONE)) {
		ret = -errno;
		goto err;
	}
	ret = dev_open(o->pair[0], NULL, VMDEV_OPEN_CDEV, &m->dev, m->src_mac);
	if (!ret)
		ret = dev_open(o->pair[1], NULL, VMDEV_OPEN_CDEV, &m->rx_dev,
			       m->mac);
	/* The log's place: the log itself waits for VHOST_F_LOG_ALL. */
	base = (uintptr_t)m->log;
	if (!ret)
		ret = vmdev_ioctl(m->dev, VHOST_SET_LOG_BASE, &base);
	if (!ret)
		ret = vmdev_ioctl(m->rx_dev, VHOST_SET_LOG_BASE, &base);
	if (ret)
		goto err;
	relay_pair = m;
	*priv = m;
	return 0;
err:
	vhost_close(m);
	return ret;
}

static void relay_close(void *priv)
{
	struct vhost_bench *m = priv;

	if (m->refs == 1)
		relay_pair = NULL;
	vhost_close(m);
}

/*
 * Logging on or off on both running devices, in QEMU's order, and only as
 * a change: after FEATURES_OK, the features again are -EBUSY (upstream's
 * rule) unless the log is what changes.
 */
static int relay_log(struct vhost_bench *m, bool on)
{
	struct vmdev *devs[] = { m->dev, m->rx_dev };
	unsigned int flags = on ? 1U << VHOST_VRING_F_LOG : 0;
	struct vmdev_vq *vqs[2];
	unsigned int i, q;
	uint64_t f;
	int ret;

	if (m->log_on == on)
		return 0;
	for (i = 0; i < ARRAY_SIZE(devs); i++) {
		f = vmdev_driver_features(devs[i]);
		if (on)
			f |= 1ULL << VHOST_F_LOG_ALL;
		ret = vmdev_ioctl(devs[i], VHOST_SET_FEATURES, &f);
		vqs[0] = vmdev_net_rxq(devs[i], 0);
		vqs[1] = vmdev_net_txq(devs[i], 0);
		/* Each used ring logged at its own address. */
		for (q = 0; !ret && q < ARRAY_SIZE(vqs); q++)
			ret = vmdev_vq_set_addr(devs[i], vqs[q], flags,
						vqs[q]->used_iova);
		if (ret)
			return ret;
	}
	m->log_on = on;
	return 0;
}

static int relay_prepare(void *priv, unsigned int size, unsigned int batch)
{
	return relay_log(priv, false) ?: vhost_prepare(priv, size, batch);
}

static int relay_log_prepare(void *priv, unsigned int size,
			     unsigned int batch)
{
	return relay_log(priv, true) ?: vhost_prepare(priv, size, batch);
}

/* ------------------------------------------------------------------ */
/* af_packet-lo                                                        */
/* ------------------------------------------------------------------ */

struct packet_bench {
	int tx_fd;
	int rx_fd;
	struct sockaddr_ll to;
	struct iovec tx_iov[MAX_BATCH];
	struct iovec rx_iov[MAX_BATCH];
	struct mmsghdr tx_msg[MAX_BATCH];
	struct mmsghdr rx_msg[MAX_BATCH];
	struct bench_frames f;
};

static void packet_close(void *priv)
{
	struct packet_bench *p = priv;

	if (!p)
		return;
	if (p->tx_fd >= 0)
		close(p->tx_fd);
	if (p->rx_fd >= 0)
		close(p->rx_fd);
	free(p);
}

static bool packet_wanted(const struct bench_opts *o)
{
	return !o->no_af_packet;
}

static int packet_open(const struct bench_opts *o, void **priv)
{
	struct timeval tmo = { .tv_sec = WAIT_MS / 1000 };
	int rcvbuf = 16 << 20;
	struct packet_bench *p;
	struct sockaddr_ll sll;
	int ifindex;

	ifindex = if_nametoindex("lo");
	if (!ifindex)
		return -errno;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	/* Protocol 0: the sending socket receives nothing. */
	p->tx_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	p->rx_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC,
			  htons(BENCH_ETHERTYPE));
	if (p->tx_fd < 0 || p->rx_fd < 0)
		goto err;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(BENCH_ETHERTYPE);
	sll.sll_ifindex = ifindex;
	if (bind(p->rx_fd, (struct sockaddr *)&sll, sizeof(sll)))
		goto err;
	/* A whole batch waits in the socket: no drop. */
	if (setsockopt(p->rx_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) &&
	    setsockopt(p->rx_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		       sizeof(rcvbuf)))
		goto err;
	if (setsockopt(p->rx_fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo)))
		goto err;
	p->to = sll;
	p->to.sll_halen = ETH_ALEN;
	*priv = p;
	return 0;
err:
	packet_close(p);
	return -errno;
}

static int packet_prepare(void *priv, unsigned int size, unsigned int batch)
{
	static const uint8_t lo_mac[6];
	struct packet_bench *p = priv;
	unsigned int i;

	frames_fill(&p->f, size, batch, lo_mac, lo_mac);
	memset(p->tx_msg, 0, sizeof(p->tx_msg));
	memset(p->rx_msg, 0, sizeof(p->rx_msg));
	for (i = 0; i < batch; i++) {
		p->tx_iov[i] = (struct iovec){ p->f.tx[i], size };
		p->tx_msg[i].msg_hdr.msg_iov = &p->tx_iov[i];
		p->tx_msg[i].msg_hdr.msg_iovlen = 1;
		p->tx_msg[i].msg_hdr.msg_name = &p->to;
		p->tx_msg[i].msg_hdr.msg_namelen = sizeof(p->to);
		p->rx_iov[i] = (struct iovec){ p->f.rx[i], MAX_FRAME };
		p->rx_msg[i].msg_hdr.msg_iov = &p->rx_iov[i];
		p->rx_msg[i].msg_hdr.msg_iovlen = 1;
	}
	return 0;
}

static int packet_round(void *priv, bool check)
{
	struct packet_bench *p = priv;
	unsigned int batch = p->f.batch, sent = 0, got = 0, i;
	int ret;

	while (sent < batch) {
		ret = sendmmsg(p->tx_fd, p->tx_msg + sent, batch - sent, 0);
		if (ret < 0)
			return -errno;
		sent += ret;
	}
	while (got < batch) {
		ret = recvmmsg(p->rx_fd, p->rx_msg + got, batch - got,
			       MSG_WAITFORONE, NULL);
		if (ret < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		got += ret;
	}
	for (i = 0; check && i < batch; i++) {
		ret = frame_check(&p->f, i, p->rx_msg[i].msg_len);
		if (ret)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* the harness                                                         */
/* ------------------------------------------------------------------ */

static const struct bench_target targets[] = {
	{
		.name = "mvnet-vfio",
		.what = "an unlinked mvnet-vhost device, TX 0 to RX 0, VFIO device fd",
		.baseline = "vdpa_sim_net",
		.wanted = vfio_wanted,
		.open = vfio_open,
		.prepare = vhost_prepare,
		.round = vhost_round,
		.close = vhost_close,
	},
	{
		.name = "mvnet-cdev",
		.what = "an unlinked mvnet-vhost device, TX 0 to RX 0, character device",
		.baseline = "vdpa_sim_net",
		.wanted = cdev_wanted,
		.open = cdev_open,
		.prepare = vhost_prepare,
		.round = vhost_round,
		.close = vhost_close,
	},
	{
		.name = "vdpa_sim_net",
		.what = "upstream vdpa_sim_net under vhost_vdpa, TX 0 to RX 0",
		.wanted = peer_wanted,
		.open = peer_open,
		.prepare = vhost_prepare,
		.round = vhost_round,
		.close = vhost_close,
	},
	{
		.name = "relay",
		.what = "two functions' devices on one wire, relay on, TX 0 to RX 0, log off",
		.wanted = relay_wanted,
		.open = relay_open,
		.prepare = relay_prepare,
		.round = vhost_round,
		.close = relay_close,
	},
	{
		.name = "relay-log",
		.what = "the same devices and rings, the dirty log on, never synced",
		.baseline = "relay",
		.wanted = relay_wanted,
		.open = relay_open,
		.prepare = relay_log_prepare,
		.round = vhost_round,
		.close = relay_close,
	},
	{
		.name = "af_packet-lo",
		.what = "reference: AF_PACKET sockets on the guest's lo, sendmmsg/recvmmsg",
		.wanted = packet_wanted,
		.open = packet_open,
		.prepare = packet_prepare,
		.round = packet_round,
		.close = packet_close,
	},
};

#define NTARGETS	ARRAY_SIZE(targets)

/* pps[target][size][batch][run] */
static double pps[NTARGETS][MAX_LIST][MAX_LIST][MAX_REPEAT];
/* The targets the options asked for. */
static bool active[NTARGETS];

/* The index of the active target @name, or -1. */
static int target_index(const char *name)
{
	unsigned int i;

	for (i = 0; name && i < NTARGETS; i++)
		if (active[i] && !strcmp(targets[i].name, name))
			return i;
	return -1;
}

/*
 * One measurement: warm-up rounds (every frame checked, at least one
 * round), then unchecked rounds for @o->duration_ms; frames per second.
 */
static int measure(const struct bench_target *t, void *priv,
		   const struct bench_opts *o, unsigned int size,
		   unsigned int batch, double *rate)
{
	double start, end;
	uint64_t frames = 0;
	int ret;

	ret = t->prepare(priv, size, batch);
	start = bench_now();
	do {
		if (!ret)
			ret = t->round(priv, true);
	} while (!ret && bench_now() - start < o->warmup_ms / 1e3);
	start = bench_now();
	do {
		if (!ret)
			ret = t->round(priv, false);
		frames += batch;
		end = bench_now();
	} while (!ret && end - start < o->duration_ms / 1e3);
	if (ret) {
		fprintf(stderr, "vhost_loopback: %s, %u-byte frames, batch %u: %s\n",
			t->name, size, batch, strerror(-ret));
		return ret;
	}
	*rate = frames / (end - start);
	return 0;
}

static double median_of(const struct bench_opts *o, unsigned int t,
			unsigned int s, unsigned int b)
{
	return bench_median(pps[t][s][b], o->repeat);
}

static int run_all(const struct bench_opts *o)
{
	void *priv[NTARGETS] = {};
	unsigned int t, s, b, r;
	int ret = 0;

	for (t = 0; t < NTARGETS && !ret; t++) {
		if (!active[t])
			continue;
		ret = targets[t].open(o, &priv[t]);
		if (ret)
			fprintf(stderr, "vhost_loopback: %s: open: %s\n",
				targets[t].name, strerror(-ret));
	}
	for (r = 0; r < o->repeat && !ret; r++)
		for (s = 0; s < o->nsizes && !ret; s++)
			for (b = 0; b < o->nbatches && !ret; b++)
				for (t = 0; t < NTARGETS && !ret; t++)
					if (active[t])
						ret = measure(&targets[t], priv[t], o,
							      o->sizes[s],
							      o->batches[b],
							      &pps[t][s][b][r]);
	for (t = 0; t < NTARGETS; t++)
		if (priv[t])
			targets[t].close(priv[t]);
	return ret;
}

static void print_table(const struct bench_opts *o)
{
	unsigned int t, s, b;
	int base;

	printf("vhost_loopback: frames/s sent and received back, median of %u\n",
	       o->repeat);
	printf("run(s) of %u ms each after %u ms of verified warm-up\n",
	       o->duration_ms, o->warmup_ms);
	for (t = 0; t < NTARGETS; t++)
		if (active[t])
			printf("  %-16s %s\n", targets[t].name, targets[t].what);
	for (t = 0; t < NTARGETS; t++)
		if (active[t] && target_index(targets[t].baseline) >= 0)
			printf("  %s/base = %s / %s (above 1: faster)\n",
			       targets[t].name, targets[t].name,
			       targets[t].baseline);
	printf("\n%6s %6s", "frame", "batch");
	for (t = 0; t < NTARGETS; t++)
		if (active[t])
			printf(" %16s", targets[t].name);
	for (t = 0; t < NTARGETS; t++)
		if (active[t] && target_index(targets[t].baseline) >= 0)
			printf(" %*s/base", (int)strlen(targets[t].name),
			       targets[t].name);
	printf("\n");
	for (s = 0; s < o->nsizes; s++) {
		for (b = 0; b < o->nbatches; b++) {
			printf("%6u %6u", o->sizes[s], o->batches[b]);
			for (t = 0; t < NTARGETS; t++)
				if (active[t])
					printf(" %16.0f", median_of(o, t, s, b));
			for (t = 0; t < NTARGETS; t++) {
				base = target_index(targets[t].baseline);
				if (!active[t] || base < 0)
					continue;
				printf(" %*.2f", (int)strlen(targets[t].name) + 5,
				       median_of(o, t, s, b) /
				       median_of(o, base, s, b));
			}
			printf("\n");
		}
	}
}

static void json_runs(FILE *f, const struct bench_opts *o, unsigned int t,
		      unsigned int s, unsigned int b)
{
	unsigned int r;

	fprintf(f, "[");
	for (r = 0; r < o->repeat; r++)
		fprintf(f, "%s%.0f", r ? ", " : "", pps[t][s][b][r]);
	fprintf(f, "]");
}

/* One "results" entry: target @t, size @s, batch @b. */
static void json_result(FILE *f, const struct bench_opts *o, unsigned int t,
			unsigned int s, unsigned int b)
{
	int base = target_index(targets[t].baseline);

	fprintf(f, "    {\"target\": \"%s\", \"frame_size\": %u, ",
		targets[t].name, o->sizes[s]);
	fprintf(f, "\"batch\": %u, \"median_pps\": %.0f, \"runs_pps\": ",
		o->batches[b], median_of(o, t, s, b));
	json_runs(f, o, t, s, b);
	if (base >= 0) {
		fprintf(f, ", \"baseline\": \"%s\", ", targets[base].name);
		fprintf(f, "\"baseline_median_pps\": %.0f, \"ratio\": %.3f",
			median_of(o, base, s, b),
			median_of(o, t, s, b) / median_of(o, base, s, b));
	}
	fprintf(f, "}");
}

static int write_json(const struct bench_opts *o)
{
	unsigned int t, s, b, n = 0;
	FILE *f;

	f = fopen(o->json, "w");
	if (!f)
		return -errno;
	bench_json_head(f, o->name);
	fprintf(f, "  \"unit\": \"frames/s\",\n");
	fprintf(f, "  \"duration_ms\": %u,\n  \"warmup_ms\": %u,\n",
		o->duration_ms, o->warmup_ms);
	fprintf(f, "  \"repeat\": %u,\n  \"targets\": [", o->repeat);
	for (t = 0; t < NTARGETS; t++) {
		if (!active[t])
			continue;
		bench_json_target(f, !n++, targets[t].name, targets[t].what,
				  target_index(targets[t].baseline) >= 0 ?
				  targets[t].baseline : NULL);
		fprintf(f, "}");
	}
	fprintf(f, "\n  ],\n  \"results\": [\n");
	n = 0;
	for (s = 0; s < o->nsizes; s++) {
		for (b = 0; b < o->nbatches; b++) {
			for (t = 0; t < NTARGETS; t++) {
				if (!active[t])
					continue;
				fprintf(f, "%s", n++ ? ",\n" : "");
				json_result(f, o, t, s, b);
			}
		}
	}
	fprintf(f, "\n  ]\n}\n");
	return fclose(f) ? -errno : 0;
}

/* "UUID,UUID" into @pair, both valid. */
static bool parse_pair(const char *arg, char pair[2][37])
{
	const char *comma = strchr(arg, ',');

	if (!comma || comma - arg != 36 || strlen(comma + 1) != 36)
		return false;
	memcpy(pair[0], arg, 36);
	pair[0][36] = 0;
	strcpy(pair[1], comma + 1);
	return vmdev_uuid_valid(pair[0]) && vmdev_uuid_valid(pair[1]);
}

static int bad_usage(void)
{
	fprintf(stderr,
		"usage: vhost_loopback [--uuid UUID] [--cdev-uuid UUID] [--peer-node PATH]\n"
		"       [--pair UUID,UUID] [--no-af-packet] [--duration-ms N] [--warmup-ms N]\n"
		"       [--repeat N] [--sizes A,B,..] [--batches A,B,..] [--json FILE]\n"
		"       [--name NAME]\n"
		"  sizes: %u..%u bytes, batches: 1..%u, at most %u of each; repeat: 1..%u\n",
		MIN_FRAME, MAX_FRAME, MAX_BATCH, MAX_LIST, MAX_REPEAT);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "uuid", required_argument, NULL, 'u' },
		{ "cdev-uuid", required_argument, NULL, 'c' },
		{ "peer-node", required_argument, NULL, 'p' },
		{ "no-af-packet", no_argument, NULL, 'n' },
		{ "duration-ms", required_argument, NULL, 'd' },
		{ "warmup-ms", required_argument, NULL, 'w' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "sizes", required_argument, NULL, 's' },
		{ "batches", required_argument, NULL, 'b' },
		{ "json", required_argument, NULL, 'j' },
		{ "pair", required_argument, NULL, 'P' },
		{ "name", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_opts o = {
		.duration_ms = 1000,
		.warmup_ms = 200,
		.repeat = 3,
		.sizes = { 64, 256, 1500 },
		.nsizes = 3,
		.batches = { 1, 32, 256 },
		.nbatches = 3,
		.name = "vhost_loopback",
	};
	bool ok = true;
	unsigned int t;
	int c, ret;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'u':
			o.uuid = optarg;
			ok = vmdev_uuid_valid(optarg);
			break;
		case 'c':
			o.cdev_uuid = optarg;
			ok = vmdev_uuid_valid(optarg);
			break;
		case 'p':
			o.peer_node = optarg;
			break;
		case 'n':
			o.no_af_packet = true;
			break;
		case 'd':
			ok = bench_parse_uint(optarg, &o.duration_ms, 1, 600000);
			break;
		case 'w':
			ok = bench_parse_uint(optarg, &o.warmup_ms, 0, 600000);
			break;
		case 'r':
			ok = bench_parse_uint(optarg, &o.repeat, 1, MAX_REPEAT);
			break;
		case 's':
			ok = bench_parse_list(optarg, o.sizes, &o.nsizes,
					      MAX_LIST, MIN_FRAME, MAX_FRAME);
			break;
		case 'b':
			ok = bench_parse_list(optarg, o.batches, &o.nbatches,
					      MAX_LIST, 1, MAX_BATCH);
			break;
		case 'j':
			o.json = optarg;
			break;
		case 'P':
			ok = parse_pair(optarg, o.pair);
			break;
		case 'N':
			o.name = optarg;
			break;
		default:
			ok = false;
		}
		if (!ok)
			return bad_usage();
	}
	if (optind != argc)
		return bad_usage();
	for (t = 0; t < NTARGETS; t++)
		active[t] = targets[t].wanted(&o);

	ret = run_all(&o);
	if (ret)
		return 1;
	print_table(&o);
	if (o.json) {
		ret = write_json(&o);
		if (ret) {
			fprintf(stderr, "vhost_loopback: %s: %s\n", o.json,
				strerror(-ret));
			return 1;
		}
	}
	return 0;
}
