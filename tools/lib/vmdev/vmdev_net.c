// SPDX-License-Identifier: GPL-2.0-only
/*
 * libvmdev: a virtio-net driver in userspace.
 *
 * Queue pair i is RX queue 2i and TX queue 2i + 1; the control queue
 * follows the last pair the device exposes. Every frame carries the
 * 12-byte struct virtio_net_hdr_mrg_rxbuf (VERSION_1 always has
 * num_buffers). TX frames take one descriptor each; RX buffers are posted
 * a ring at a time and a frame spans num_buffers of them with MRG_RXBUF.
 * Buffers live in a library-owned mapping apart from the rings, which stay
 * in the arena.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/virtio_config.h>
#include <linux/vhost_mdev.h>
#include <linux/virtio_net.h>

#include "vmdev_internal.h"

#define VMDEV_NET_DEFAULT_FEATURES					\
	((1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_STATUS) |	\
	 (1ULL << VIRTIO_NET_F_MTU) | (1ULL << VIRTIO_NET_F_MRG_RXBUF) |	\
	 (1ULL << VIRTIO_NET_F_CTRL_VQ) | (1ULL << VIRTIO_NET_F_CTRL_RX) |	\
	 (1ULL << VIRTIO_NET_F_MQ) | (1ULL << VIRTIO_NET_F_CTRL_MAC_ADDR))
#define VMDEV_NET_DEFAULT_RING		256
#define VMDEV_NET_MRG_BUF_SIZE		2048
#define VMDEV_NET_CTRL_DATA_MAX		4096
#define VMDEV_NET_CTRL_TIMEOUT_MS	5000
/* The buffer pool lives this far above the arena's IOVA. */
#define VMDEV_NET_POOL_IOVA_OFFSET	0x100000000ULL

/* Control buffer: header, data, then the ack byte. */
struct vmdev_net_ctrl_buf {
	struct virtio_net_ctrl_hdr hdr;
	uint8_t pad[14];
	uint8_t data[VMDEV_NET_CTRL_DATA_MAX];
	uint8_t ack;
};

static bool vmdev_has(const struct vmdev *dev, unsigned int bit)
{
	return dev->driver_features & (1ULL << bit);
}

unsigned int vmdev_net_pairs(const struct vmdev *dev)
{
	return dev->net ? dev->net->pairs : 0;
}

unsigned int vmdev_net_max_frame(const struct vmdev *dev)
{
	return dev->net ? dev->net->max_frame : 0;
}

struct vmdev_vq *vmdev_net_rxq(struct vmdev *dev, unsigned int qp)
{
	if (!dev->net || qp >= dev->net->pairs)
		return NULL;
	return vmdev_vq(dev, 2 * qp);
}

struct vmdev_vq *vmdev_net_txq(struct vmdev *dev, unsigned int qp)
{
	if (!dev->net || qp >= dev->net->pairs)
		return NULL;
	return vmdev_vq(dev, 2 * qp + 1);
}

void vmdev_net_release(struct vmdev *dev)
{
	struct vmdev_net *net = dev->net;
	unsigned int i;

	if (!net)
		return;
	for (i = 0; i < net->pairs; i++) {
		if (net->rx)
			vmdev_mem_free(dev, net->rx[i].bufs);
		if (net->tx) {
			vmdev_mem_free(dev, net->tx[i].bufs);
			free(net->tx[i].free);
		}
	}
	free(net->rx);
	free(net->tx);
	free(net);
	dev->net = NULL;
}

static uint8_t *vmdev_net_buf(struct vmdev_net_queue *q, unsigned int i)
{
	return q->bufs + (size_t)i * q->buf_size;
}

static int vmdev_net_rx_post(struct vmdev_vq *vq, struct vmdev_net_queue *q,
			     uint8_t *buf)
{
	struct vmdev_buf b = { .addr = buf, .len = q->buf_size };

	return vmdev_vq_add(vq, &b, 0, 1, buf);
}

static int vmdev_net_alloc_queue(struct vmdev *dev,
				 struct vmdev_net_queue *q,
				 unsigned int num, unsigned int buf_size,
				 uint64_t iova, bool tx)
{
	unsigned int i;

	q->buf_size = buf_size;
	q->bufs = vmdev_mem_alloc(dev, (size_t)num * buf_size, iova);
	if (!q->bufs)
		return -errno;
	if (!tx)
		return 0;
	q->free = calloc(num, sizeof(*q->free));
	if (!q->free)
		return -ENOMEM;
	for (i = 0; i < num; i++)
		q->free[i] = num - 1 - i;
	q->nfree = num;
	return 0;
}

static int vmdev_net_setup_pair(struct vmdev *dev, unsigned int qp,
				unsigned int rx_buf_size, uint64_t *iova)
{
	struct vmdev_net *net = dev->net;
	size_t align = 1ULL << 21;
	int ret;

	ret = vmdev_net_alloc_queue(dev, &net->rx[qp], net->ring_num,
				    rx_buf_size, *iova, false);
	*iova += ((size_t)net->ring_num * rx_buf_size + align - 1) &
		 ~(align - 1);
	if (!ret)
		ret = vmdev_net_alloc_queue(dev, &net->tx[qp], net->ring_num,
					    VMDEV_NET_HDR_LEN + net->max_frame,
					    *iova, true);
	*iova += ((size_t)net->ring_num * (VMDEV_NET_HDR_LEN +
		  net->max_frame) + align - 1) & ~(align - 1);
	if (!ret)
		ret = vmdev_vq_setup(dev, 2 * qp, net->ring_num);
	if (!ret)
		ret = vmdev_vq_setup(dev, 2 * qp + 1, net->ring_num);
	return ret;
}

static int vmdev_net_setup(struct vmdev *dev, const struct vmdev_net_opts *o)
{
	struct vmdev_net_config cfg;
	struct vmdev_net *net;
	uint64_t iova = dev->arena_iova + VMDEV_NET_POOL_IOVA_OFFSET;
	unsigned int mtu = 1500, max_pairs = 1, rx_buf_size, qp;
	int ret;

	ret = vmdev_net_get_config(dev, &cfg);
	if (ret)
		return ret;
	if (vmdev_has(dev, VIRTIO_NET_F_MTU))
		mtu = cfg.mtu;
	if (vmdev_has(dev, VIRTIO_NET_F_MQ))
		max_pairs = cfg.max_virtqueue_pairs;
	if (o->pairs > max_pairs || 2 * max_pairs > dev->nvqs)
		return -EINVAL;

	/* Started before: the device is reset, its buffers can go. */
	vmdev_net_release(dev);
	net = calloc(1, sizeof(*net));
	if (!net)
		return -ENOMEM;
	dev->net = net;
	net->pairs = o->pairs ?: 1;
	net->ring_num = o->ring_num ?: VMDEV_NET_DEFAULT_RING;
	if (net->ring_num > dev->num_max)
		net->ring_num = dev->num_max;
	net->max_frame = VMDEV_ETH_HLEN + mtu;
	net->mrg_rxbuf = vmdev_has(dev, VIRTIO_NET_F_MRG_RXBUF);
	net->ctrl_vq = vmdev_has(dev, VIRTIO_NET_F_CTRL_VQ) ? 2 * max_pairs :
			UINT32_MAX;
	rx_buf_size = o->rx_buf_size;
	if (!rx_buf_size)
		rx_buf_size = net->mrg_rxbuf ? VMDEV_NET_MRG_BUF_SIZE :
			      VMDEV_NET_HDR_LEN + net->max_frame + 4;
	if (rx_buf_size < VMDEV_NET_HDR_LEN)
		return -EINVAL;

	net->rx = calloc(net->pairs, sizeof(*net->rx));
	net->tx = calloc(net->pairs, sizeof(*net->tx));
	if (!net->rx || !net->tx)
		return -ENOMEM;
	for (qp = 0; qp < net->pairs && !ret; qp++)
		ret = vmdev_net_setup_pair(dev, qp, rx_buf_size, &iova);
	if (ret)
		return ret;

	if (net->ctrl_vq != UINT32_MAX) {
		net->ctrl_buf = vmdev_arena_alloc(dev,
						  sizeof(struct vmdev_net_ctrl_buf),
						  64, NULL);
		if (!net->ctrl_buf)
			return -ENOMEM;
		ret = vmdev_vq_setup(dev, net->ctrl_vq, 64 < dev->num_max ?
				     64 : dev->num_max);
	}
	return ret;
}

static int vmdev_net_enable(struct vmdev *dev)
{
	struct vmdev_net *net = dev->net;
	unsigned int qp, i;
	int ret = 0;

	for (qp = 0; qp < net->pairs && !ret; qp++) {
		struct vmdev_vq *rx = vmdev_vq(dev, 2 * qp);

		for (i = 0; i < net->ring_num && !ret; i++)
			ret = vmdev_net_rx_post(rx, &net->rx[qp],
						vmdev_net_buf(&net->rx[qp], i));
		vmdev_vq_publish(rx);
		if (!ret)
			ret = vmdev_vq_enable(rx, true);
		if (!ret)
			ret = vmdev_vq_enable(vmdev_vq(dev, 2 * qp + 1), true);
	}
	if (!ret && net->ctrl_vq != UINT32_MAX)
		ret = vmdev_vq_enable(vmdev_vq(dev, net->ctrl_vq), true);
	return ret;
}

int vmdev_net_start(struct vmdev *dev, const struct vmdev_net_opts *opts)
{
	static const struct vmdev_net_opts defaults;
	const struct vmdev_net_opts *o = opts ?: &defaults;
	unsigned int qp;
	int ret;

	ret = vmdev_negotiate(dev, o->features ?: VMDEV_NET_DEFAULT_FEATURES);
	if (ret)
		return ret;
	if (o->pairs > 1 && !vmdev_has(dev, VIRTIO_NET_F_MQ))
		return -EOPNOTSUPP;
	ret = vmdev_net_setup(dev, o);
	if (!ret)
		ret = vmdev_net_enable(dev);
	if (!ret && o->state)
		ret = vmdev_net_set_state(dev, o->state);
	if (!ret && o->before_driver_ok)
		ret = o->before_driver_ok(dev, o->arg);
	if (!ret)
		ret = vmdev_driver_ok(dev);
	for (qp = 0; !ret && qp < dev->net->pairs; qp++)
		ret = vmdev_vq_kick(vmdev_vq(dev, 2 * qp));
	if (ret)
		vmdev_reset(dev);
	return ret;
}

static void vmdev_net_tx_reclaim(struct vmdev_vq *vq,
				 struct vmdev_net_queue *q)
{
	uint8_t *buf;

	while ((buf = vmdev_vq_get_used(vq, NULL)))
		q->free[q->nfree++] = (buf - q->bufs) / q->buf_size;
}

int vmdev_net_send(struct vmdev *dev, unsigned int qp,
		   const struct vmdev_frame *frames, unsigned int n)
{
	struct vmdev_vq *vq = vmdev_net_txq(dev, qp);
	struct vmdev_net_queue *q;
	unsigned int i, sent = 0;
	int ret = 0;

	if (!vq)
		return -EINVAL;
	q = &dev->net->tx[qp];
	for (i = 0; i < n; i++)
		if (frames[i].len > dev->net->max_frame)
			return -EMSGSIZE;

	vmdev_net_tx_reclaim(vq, q);
	for (i = 0; i < n && q->nfree; i++) {
		uint16_t slot = q->free[q->nfree - 1];
		uint8_t *buf = vmdev_net_buf(q, slot);
		struct vmdev_buf b = {
			.addr = buf,
			.len = VMDEV_NET_HDR_LEN + frames[i].len,
		};

		memset(buf, 0, VMDEV_NET_HDR_LEN);
		memcpy(buf + VMDEV_NET_HDR_LEN, frames[i].data, frames[i].len);
		ret = vmdev_vq_add(vq, &b, 1, 0, buf);
		if (ret)
			break;
		q->nfree--;
		sent++;
	}
	if (sent) {
		vmdev_vq_publish(vq);
		ret = vmdev_vq_notify(vq);
		if (ret > 0)
			ret = 0;
	}
	if (ret == -ENOSPC)
		ret = 0;
	return ret ? ret : (int)sent;
}

int vmdev_net_tx_done(struct vmdev *dev, unsigned int qp, int timeout_ms)
{
	struct vmdev_vq *vq = vmdev_net_txq(dev, qp);
	struct vmdev_net_queue *q;
	int ret;

	if (!vq)
		return -EINVAL;
	q = &dev->net->tx[qp];
	for (;;) {
		vmdev_net_tx_reclaim(vq, q);
		if (q->nfree == dev->net->ring_num)
			return 0;
		ret = vmdev_vq_wait(vq, timeout_ms);
		if (ret < 0)
			return ret;
		if (!ret)
			return -ETIMEDOUT;
	}
}

/*
 * Take the next used RX buffer, copy its payload (after @skip bytes) into
 * @f at @f->len, and post it again. Returns the buffer or NULL.
 */
static uint8_t *vmdev_net_rx_take(struct vmdev_vq *vq,
				  struct vmdev_net_queue *q,
				  struct vmdev_frame *f, uint32_t skip,
				  int *err)
{
	uint32_t len, n;
	uint8_t *buf;

	buf = vmdev_vq_get_used(vq, &len);
	if (!buf) {
		*err = errno == EAGAIN ? -EAGAIN : -EPROTO;
		return NULL;
	}
	if (len < skip || len > q->buf_size) {
		*err = -EPROTO;
	} else {
		len -= skip;
		n = f->len < f->size ? f->size - f->len : 0;
		if (n > len)
			n = len;
		memcpy((uint8_t *)f->data + f->len, buf + skip, n);
		f->len += len;
	}
	vmdev_net_rx_post(vq, q, buf);
	return buf;
}

static int vmdev_net_rx_frame(struct vmdev *dev, struct vmdev_vq *vq,
			      struct vmdev_net_queue *q,
			      struct vmdev_frame *f)
{
	struct virtio_net_hdr_mrg_rxbuf hdr;
	unsigned int i, nbufs = 1;
	uint8_t *buf;
	int err = 0;

	f->len = 0;
	buf = vmdev_net_rx_take(vq, q, f, VMDEV_NET_HDR_LEN, &err);
	if (!buf)
		return err;
	memcpy(&hdr, buf, sizeof(hdr));
	if (dev->net->mrg_rxbuf)
		nbufs = le16toh(hdr.num_buffers);
	if (!nbufs)
		err = -EPROTO;
	f->num_buffers = nbufs;
	for (i = 1; i < nbufs && !err; i++) {
		if (!vmdev_vq_has_used(vq) && vmdev_vq_wait(vq, 1000) <= 0) {
			err = -EPROTO;
			break;
		}
		vmdev_net_rx_take(vq, q, f, 0, &err);
	}
	return err;
}

int vmdev_net_recv(struct vmdev *dev, unsigned int qp,
		   struct vmdev_frame *frames, unsigned int n,
		   int timeout_ms)
{
	struct vmdev_vq *vq = vmdev_net_rxq(dev, qp);
	unsigned int got = 0;
	int ret = 0;

	if (!vq)
		return -EINVAL;
	if (timeout_ms && !vmdev_vq_has_used(vq)) {
		ret = vmdev_vq_wait(vq, timeout_ms);
		if (ret < 0)
			return ret;
	}
	ret = 0;
	while (got < n && vmdev_vq_has_used(vq)) {
		ret = vmdev_net_rx_frame(dev, vq, &dev->net->rx[qp],
					 &frames[got]);
		if (ret)
			break;
		got++;
	}
	if (vq->avail_idx != le16toh(vq->avail->idx)) {
		vmdev_vq_publish(vq);
		vmdev_vq_notify(vq);
	}
	return ret ? ret : (int)got;
}

int vmdev_net_ctrl(struct vmdev *dev, uint8_t class, uint8_t cmd,
		   const void *data, size_t len, int timeout_ms)
{
	struct vmdev_net_ctrl_buf *c;
	struct vmdev_buf bufs[3];
	struct vmdev_vq *vq;
	unsigned int n = 0;
	int ret;

	if (!dev->net || dev->net->ctrl_vq == UINT32_MAX)
		return -EOPNOTSUPP;
	if (len > VMDEV_NET_CTRL_DATA_MAX)
		return -EMSGSIZE;
	vq = vmdev_vq(dev, dev->net->ctrl_vq);
	c = (struct vmdev_net_ctrl_buf *)dev->net->ctrl_buf;
	c->hdr.class = class;
	c->hdr.cmd = cmd;
	c->ack = 0xff;
	bufs[n++] = (struct vmdev_buf){ &c->hdr, sizeof(c->hdr) };
	if (len) {
		memcpy(c->data, data, len);
		bufs[n++] = (struct vmdev_buf){ c->data, len };
	}
	bufs[n++] = (struct vmdev_buf){ &c->ack, sizeof(c->ack) };
	ret = vmdev_vq_add(vq, bufs, n - 1, 1, c);
	if (ret)
		return ret;
	vmdev_vq_publish(vq);
	ret = vmdev_vq_kick(vq);
	if (ret)
		return ret;
	ret = vmdev_vq_wait(vq, timeout_ms);
	if (ret < 0)
		return ret;
	if (!ret)
		return -ETIMEDOUT;
	if (vmdev_vq_get_used(vq, NULL) != c)
		return -EPROTO;
	return c->ack == VIRTIO_NET_OK ? 0 : -EIO;
}

int vmdev_net_set_mac(struct vmdev *dev, const uint8_t mac[6])
{
	return vmdev_net_ctrl(dev, VIRTIO_NET_CTRL_MAC,
			      VIRTIO_NET_CTRL_MAC_ADDR_SET, mac, 6,
			      VMDEV_NET_CTRL_TIMEOUT_MS);
}

int vmdev_net_set_mac_table(struct vmdev *dev, const uint8_t *uc,
			    unsigned int n_uc, const uint8_t *mc,
			    unsigned int n_mc)
{
	uint8_t data[VMDEV_NET_CTRL_DATA_MAX];
	uint32_t entries;
	size_t off = 0;

	if (8 + 6 * ((size_t)n_uc + n_mc) > sizeof(data))
		return -EMSGSIZE;
	entries = htole32(n_uc);
	memcpy(data + off, &entries, 4);
	off += 4;
	memcpy(data + off, uc, 6 * (size_t)n_uc);
	off += 6 * (size_t)n_uc;
	entries = htole32(n_mc);
	memcpy(data + off, &entries, 4);
	off += 4;
	memcpy(data + off, mc, 6 * (size_t)n_mc);
	off += 6 * (size_t)n_mc;
	return vmdev_net_ctrl(dev, VIRTIO_NET_CTRL_MAC,
			      VIRTIO_NET_CTRL_MAC_TABLE_SET, data, off,
			      VMDEV_NET_CTRL_TIMEOUT_MS);
}

int vmdev_net_set_rx_mode(struct vmdev *dev, uint8_t cmd, bool on)
{
	uint8_t val = on;

	return vmdev_net_ctrl(dev, VIRTIO_NET_CTRL_RX, cmd, &val, 1,
			      VMDEV_NET_CTRL_TIMEOUT_MS);
}

int vmdev_net_get_state(struct vmdev *dev, struct vhost_mdev_net_state *state)
{
	return vmdev_ioctl(dev, VHOST_MDEV_GET_NET_STATE, state);
}

int vmdev_net_set_state(struct vmdev *dev,
			const struct vhost_mdev_net_state *state)
{
	return vmdev_ioctl(dev, VHOST_MDEV_SET_NET_STATE, (void *)state);
}

int vmdev_net_set_vq_pairs(struct vmdev *dev, unsigned int pairs)
{
	uint16_t val = htole16(pairs);

	return vmdev_net_ctrl(dev, VIRTIO_NET_CTRL_MQ,
			      VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &val, 2,
			      VMDEV_NET_CTRL_TIMEOUT_MS);
}
